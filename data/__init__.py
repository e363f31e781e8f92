"""Statroom's data layer: the only package that speaks SQL.

Everything outside ``data/`` reads through :class:`data.store.Store` and writes
through the functions in :mod:`data.writer`, :mod:`data.importer` and friends.
"""
