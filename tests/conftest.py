"""Fixtures shared by every test tier.

``engine`` is a migrated, empty database: a real SQLite file, and also a real
PostgreSQL database when STATROOM_TEST_POSTGRES_URL is set (each test gets a
database of its own, dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data.config import Config
from data.db import make_engine, migrate

POSTGRES_URL = os.environ.get("STATROOM_TEST_POSTGRES_URL", "")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="STATROOM_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'statroom.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


class fresh_postgres_database:  # noqa: N801 - used as a context manager
    """Create an empty PostgreSQL database next to the configured one; drop it on exit."""

    def __enter__(self) -> str:
        base = make_url(POSTGRES_URL)
        self.name = f"statroom_test_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return base.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(autouse=True)
def reset_dash_globals():
    """Dash keeps callbacks and pages in module globals; start every test clean."""
    from dash import _callback, _get_app, _pages

    saved_registry = dict(_pages.PAGE_REGISTRY)
    # Dash remembers the "current app" in a context variable that outlives a test.
    _get_app.app_context.set(None)
    _callback.GLOBAL_CALLBACK_LIST.clear()
    _callback.GLOBAL_CALLBACK_MAP.clear()
    _callback.GLOBAL_INLINE_SCRIPTS.clear()
    yield
    _callback.GLOBAL_CALLBACK_LIST.clear()
    _callback.GLOBAL_CALLBACK_MAP.clear()
    _callback.GLOBAL_INLINE_SCRIPTS.clear()
    _pages.PAGE_REGISTRY.clear()
    _pages.PAGE_REGISTRY.update(saved_registry)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


DEMO_AS_OF = date(2026, 11, 16)


@pytest.fixture(scope="session")
def demo_database_url(tmp_path_factory) -> str:
    """A SQLite file holding the demo city, pinned to DEMO_AS_OF, analytics refreshed (built once)."""
    from data.demo import load_demo
    from data.refresh import refresh

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    engine = make_engine(url)
    migrate(engine)
    load_demo(engine, progress=False, as_of=DEMO_AS_OF)
    refresh(engine, progress=False, as_of=DEMO_AS_OF)
    engine.dispose()
    return url


@pytest.fixture
def demo_app(demo_database_url):
    """The Dash app on the demo city; anonymous visitors are staff viewers."""
    from app import create_app

    return create_app(
        Config(database_url=demo_database_url, secret_key="test", anonymous_role="viewer")
    )


@pytest.fixture
def demo_request(demo_app):
    """A request context on the demo app, for calling page callbacks as plain functions."""
    with demo_app.server.test_request_context("/"):
        yield demo_app
