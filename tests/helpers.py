"""Helpers for testing pages as plain functions: walk a layout tree, read its text, find
components by id, class or link, and call a callback as Dash would."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from dash._callback_context import context_value
from dash._utils import AttributeDict
from sqlalchemy.engine import make_url


def walk(component):
    """Every component in a layout tree, depth first."""
    if isinstance(component, list | tuple):
        for child in component:
            yield from walk(child)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    yield component
    yield from walk(getattr(component, "children", None))


def text_of(component) -> str:
    """The text a layout tree shows, its pieces joined with nothing between them, as a
    browser joins inline text."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(text_of(c) for c in component)
    if component is None or not hasattr(component, "to_plotly_json"):
        return ""
    return text_of(getattr(component, "children", None))


def classes(component) -> list[str]:
    """CSS classes from ``className`` (html, dcc) and ``class_name`` (dbc)."""
    names = (getattr(component, "className", None) or "") + " "
    names += getattr(component, "class_name", None) or ""
    return names.split()


def with_class(tree, name: str) -> list:
    return [c for c in walk(tree) if name in classes(c)]


def by_id(tree, component_id):
    return next(c for c in walk(tree) if getattr(c, "id", None) == component_id)


def ids_in(tree) -> set:
    """The string ids in a layout tree (pattern-matching ids left out)."""
    return {c.id for c in walk(tree) if isinstance(getattr(c, "id", None), str)}


def hrefs(tree) -> list[str]:
    return [c.href for c in walk(tree) if getattr(c, "href", None)]


@contextmanager
def triggered(component_id, prop: str, value):
    """Make ``ctx.triggered_id`` report ``component_id`` as in a real request."""
    key = (
        json.dumps(component_id, sort_keys=True, separators=(",", ":"))
        if isinstance(component_id, dict)
        else component_id
    )
    token = context_value.set(
        AttributeDict(triggered_inputs=[{"prop_id": f"{key}.{prop}", "value": value}])
    )
    try:
        yield
    finally:
        context_value.reset(token)


def rendered_and_cached(name, render, *arguments):
    """A stand-in for ``components.page_cache.cached_page`` that returns the part as
    rendered (for tests to inspect), after checking that the cache serves exactly that
    under the part's key: a key that missed something the part depends on would serve
    another part here. Both are compared as the app sends them (its own encoder)."""
    import orjson

    from components.page_cache import cached_page
    from components.serialization import to_json

    tree = render()
    served = cached_page(name, render, *arguments)
    assert json.loads(orjson.dumps(served)) == json.loads(to_json(tree))
    return tree


def copy_sqlite(source_url: str, path: Path) -> str:
    """A copy of the SQLite database at ``source_url`` made at ``path`` (SQLite's online
    backup), as a URL: a private demo city for tests that write to it."""
    source = sqlite3.connect(make_url(source_url).database)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{path}"
