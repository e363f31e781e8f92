"""Caching of the expensive reads that every viewer shares.

Statroom caches with flask-caching: on Redis when ``STATROOM_CACHE_URL`` is set, so every
gunicorn worker (and every server behind the proxy) shares one cache, and otherwise in
each process's memory (``SimpleCache``).

What is cached are the :class:`~data.store.Store` reads decorated with
:func:`cached_read`: reads whose answer depends only on their arguments, on the data,
and on whether the viewer may see internal measures. Every key carries

* the database (a digest of its URL), so two cities never share entries;
* the viewer's **visibility**, ``public`` or ``internal``: what staff see is cached apart
  from what the public sees, and can never be served to the public;
* the **data version**, a counter in the database (:class:`data.models.DataVersion`)
  that imports, the demo loader and every write of stored analytics (``statroom
  refresh``) raise in the same transaction as their writes. Each process reads it at
  most every :data:`VERSION_TTL` seconds, so a refresh run from the command line — in
  another process — retires every cached read within that time, on both backends,
  without any message between processes. Old entries simply stop being asked for and
  expire (``DEFAULT_TIMEOUT``) or are evicted.

A cache that fails (Redis unreachable) is logged and bypassed: pages read the database.

Wire it up in ``create_app``::

    from data.cache import install_cache
    install_cache(server, config)

and :func:`components.context.current_store` hands the cache to every request's Store.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from flask_caching import Cache
from sqlalchemy import Connection, Engine, event, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from data.models import DataVersion, utcnow

if TYPE_CHECKING:
    import flask

    from data.config import Config

log = logging.getLogger("statroom.cache")

#: Where :func:`install_cache` puts the :class:`StoreCache` on the Flask app.
CACHE_EXTENSION = "statroom_cache"
#: Seconds a process trusts the data version it last read.
VERSION_TTL = 2.0
#: Seconds an entry lives (a new data version retires it sooner).
DEFAULT_TIMEOUT = 600
#: Entries kept by the in-process cache before it evicts.
SIMPLE_THRESHOLD = 2000
#: Prefix of every Redis key, so a shared Redis can be inspected (``statroom:*``).
KEY_PREFIX = "statroom:"
#: Seconds between two log lines about a failing cache.
ERROR_LOG_INTERVAL = 60.0
#: Seconds the cache is left alone after it failed, so an outage costs one timeout, not
#: one per read.
RETRY_AFTER = 30.0
#: Seconds Redis may take to connect or answer before the read goes to the database.
REDIS_TIMEOUT = 1.0


def cache_settings(cache_url: str | None) -> dict:
    """flask-caching settings: Redis at ``cache_url``, else an in-process cache."""
    if cache_url:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": cache_url,
            "CACHE_KEY_PREFIX": KEY_PREFIX,
            "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT,
            "CACHE_OPTIONS": {
                "socket_timeout": REDIS_TIMEOUT,
                "socket_connect_timeout": REDIS_TIMEOUT,
            },
        }
    return {
        "CACHE_TYPE": "SimpleCache",
        "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT,
        "CACHE_THRESHOLD": SIMPLE_THRESHOLD,
    }


def make_cache(config: Config) -> Cache:
    """The flask-caching extension for ``config`` (not yet bound to an app)."""
    return Cache(config=cache_settings(config.cache_url))


def install_cache(server: flask.Flask, config: Config) -> StoreCache:
    """Create the cache, bind it to ``server`` and keep it where pages' Stores find it."""
    cache = make_cache(config)
    cache.init_app(server)
    store_cache = StoreCache(server.extensions["cache"][cache])
    server.extensions[CACHE_EXTENSION] = store_cache
    return store_cache


# -- the data version -----------------------------------------------------------------------

_versions: dict[str, tuple[float, int]] = {}
_versions_lock = threading.Lock()


def _database_key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def read_data_version(engine: Engine) -> int:
    """The database's data version (0 before anything was written)."""
    with engine.connect() as conn:
        version = conn.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar()
    return int(version or 0)


def current_data_version(engine: Engine) -> int:
    """:func:`read_data_version`, read at most every :data:`VERSION_TTL` seconds."""
    key = _database_key(engine)
    now = time.monotonic()
    with _versions_lock:
        known = _versions.get(key)
    if known is not None and now - known[0] < VERSION_TTL:
        return known[1]
    version = read_data_version(engine)
    with _versions_lock:
        _versions[key] = (now, version)
    return version


def bump_data_version(bind: Engine | Connection) -> None:
    """Record that data changed. Pass the connection of the transaction that wrote, so the
    new version becomes visible exactly when the data does."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            _bump(conn)
        _forget(bind.engine)
        return
    _bump(bind)
    _forget(bind.engine)
    # This process may read (and remember) the old version before the commit lands.
    event.listen(bind, "commit", lambda _conn: _forget(bind.engine), once=True)


def _bump(conn: Connection) -> None:
    changed = conn.execute(
        update(DataVersion)
        .where(DataVersion.id == 1)
        .values(version=DataVersion.version + 1, changed_at=utcnow())
    )
    if changed.rowcount == 0:
        conn.execute(insert(DataVersion).values(id=1, version=1, changed_at=utcnow()))


def _forget(engine: Engine) -> None:
    with _versions_lock:
        _versions.pop(_database_key(engine), None)


# -- the cache the Store uses ---------------------------------------------------------------


class StoreCache:
    """A flask-caching backend, keyed for Store reads. Never raises: a failing backend
    (or an unreadable data version) means the read goes to the database."""

    def __init__(self, backend, timeout: int = DEFAULT_TIMEOUT):
        self.backend = backend
        self.timeout = timeout
        self._last_error = 0.0
        self._down_until = 0.0

    def get_or_compute(
        self, engine: Engine, visibility: str, name: str, arguments: tuple, compute: Callable
    ):
        try:
            version = current_data_version(engine)
        except SQLAlchemyError:
            self._warn("could not read the data version")
            return compute()
        if time.monotonic() < self._down_until:
            return compute()
        key = cache_key(engine, version, visibility, name, arguments)
        try:
            hit = self.backend.get(key)
        except Exception:  # noqa: BLE001 - a cache outage must not take pages down
            self._failed("cache read failed")
            return compute()
        if hit is not None:
            return hit[0]
        value = compute()
        try:
            self.backend.set(key, (value,), timeout=self.timeout)
        except Exception:  # noqa: BLE001 - as above
            self._failed("cache write failed")
        return value

    def clear(self) -> None:
        """Drop every entry (the data version makes this unnecessary after writes)."""
        self.backend.clear()

    def _failed(self, what: str) -> None:
        self._down_until = time.monotonic() + RETRY_AFTER
        self._warn(what)

    def _warn(self, what: str) -> None:
        now = time.monotonic()
        if now - self._last_error >= ERROR_LOG_INTERVAL:
            self._last_error = now
            log.warning("%s; reading from the database instead", what, exc_info=True)


def cache_key(engine: Engine, version: int, visibility: str, name: str, arguments: tuple) -> str:
    """``<database>:v<version>:<visibility>:<read>:<arguments>`` (digests keep it short)."""
    database = hashlib.sha1(_database_key(engine).encode()).hexdigest()[:12]
    digest = hashlib.sha1(repr(arguments).encode()).hexdigest()[:24]
    return f"{database}:v{version}:{visibility}:{name}:{digest}"


def _stable(value):
    """Arguments in a form whose ``repr`` is the same in every process (sets sorted,
    one-shot iterators materialised)."""
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(value, key=repr))
    if isinstance(value, Iterator):
        return tuple(value)
    return value


def cached_read(method: Callable) -> Callable:
    """Cache a :class:`~data.store.Store` read in the Store's cache, when it has one.

    Only for reads whose result depends on nothing but the arguments, the data (which
    only imports and refreshes change) and the viewer's visibility — not on who the
    viewer is, and not on data that pages edit (meetings, notes, action items,
    annotations). Results are pickled by the backend, so callers get their own copy.
    """
    name = method.__name__

    @functools.wraps(method)
    def read(self, *args, **kwargs):
        cache = getattr(self, "cache", None)
        args = tuple(_stable(a) for a in args)
        kwargs = {k: _stable(v) for k, v in kwargs.items()}
        if cache is None:
            return method(self, *args, **kwargs)
        arguments = (args, tuple(sorted(kwargs.items())))
        return cache.get_or_compute(
            self.engine,
            self.viewer.visibility,
            name,
            arguments,
            lambda: method(self, *args, **kwargs),
        )

    return read
