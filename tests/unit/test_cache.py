"""The read cache: visibility in every key, invalidation across processes, both backends.

Every test runs on the in-process cache and, when STATROOM_TEST_REDIS_URL is set, on
Redis; and on SQLite and, when STATROOM_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import flask
import pandas as pd
import pytest
from sqlalchemy import delete

from data import cache as cache_module
from data.cache import (
    CACHE_EXTENSION,
    KEY_PREFIX,
    StoreCache,
    bump_data_version,
    cache_key,
    cache_settings,
    install_cache,
    read_data_version,
)
from data.config import Config
from data.importer import import_files
from data.models import City, MeasureSummary
from data.store import PUBLIC, SYSTEM, Store, Viewer, save_summaries
from data.writer import upsert_observations, write_catalog
from tests.unit.test_store import observations, small_catalog

REDIS_URL = os.environ.get("STATROOM_TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[2]
STAFF = Viewer("viewer")

CACHE_BACKENDS = [
    pytest.param("simple", id="simple"),
    pytest.param(
        "redis",
        id="redis",
        marks=pytest.mark.skipif(not REDIS_URL, reason="STATROOM_TEST_REDIS_URL is not set"),
    ),
]


@pytest.fixture(params=CACHE_BACKENDS)
def app_cache(request):
    """A Flask app with Statroom's cache installed.

    Keys carry a digest of the database URL and every test has a database of its own, so
    tests sharing one Redis (in parallel, too) never see each other's entries; those left
    in Redis expire on their own.
    """
    url = REDIS_URL if request.param == "redis" else None
    server = flask.Flask(__name__)
    return install_cache(server, Config(secret_key="test", cache_url=url))


@pytest.fixture
def loaded(engine):
    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
    save_summaries(engine, "response", {"citywide": {"latest_value": 9.0, "note": "public"}})
    save_summaries(engine, "cleared", {"citywide": {"latest_value": 50.0, "note": "internal"}})
    return engine


def stores(engine, store_cache):
    return Store(engine, PUBLIC, store_cache), Store(engine, STAFF, store_cache)


def test_cch001_backend_follows_the_cache_url():
    assert cache_settings(None)["CACHE_TYPE"] == "SimpleCache"
    redis = cache_settings("redis://cache.example:6379/0")
    assert redis["CACHE_TYPE"] == "RedisCache"
    assert redis["CACHE_REDIS_URL"] == "redis://cache.example:6379/0"
    assert redis["CACHE_KEY_PREFIX"] == KEY_PREFIX
    assert redis["CACHE_OPTIONS"]["socket_connect_timeout"] <= 2  # an outage fails fast


def test_cch002_internal_reads_cached_for_staff_never_reach_the_public(loaded, app_cache):
    public, staff = stores(loaded, app_cache)
    # Staff read first, so the cache holds their (internal) answers before the public asks.
    assert {m.id for m in staff.measures()} == {"response", "cleared", "overtime"}
    assert staff.summary("cleared").payload["note"] == "internal"
    assert len(staff.summaries()) == 2
    assert set(staff.observations("cleared")["geography_id"]) == {"citywide", "north"}

    assert [m.id for m in public.measures()] == ["response"]
    assert public.summary("cleared") is None
    assert public.summaries()["measure_id"].tolist() == ["response"]
    assert public.observations("cleared").empty
    assert [a.id for a in public.areas()] == ["safety"]


def test_cch003_reads_are_served_from_the_cache_until_the_data_changes(loaded, app_cache):
    _, staff = stores(loaded, app_cache)
    assert staff.summary("response").payload["latest_value"] == 9.0
    # A write that does not announce itself: the cached answer stands...
    with loaded.begin() as conn:
        conn.execute(delete(MeasureSummary).where(MeasureSummary.measure_id == "response"))
    assert staff.summary("response").payload["latest_value"] == 9.0
    # ...until the data version moves, which every import and refresh does.
    bump_data_version(loaded)
    assert staff.summary("response") is None


def test_cch004_callers_get_their_own_copy(loaded, app_cache):
    _, staff = stores(loaded, app_cache)
    frame = staff.series("response")
    frame["value"] = -1.0
    del frame["numerator"]
    assert staff.series("response")["value"].tolist() == [9.0, 10.0, 11.0]
    payload = staff.summary("response").payload
    payload["latest_value"] = 0.0
    assert staff.summary("response").payload["latest_value"] == 9.0


def test_cch005_refresh_in_another_process_retires_cached_reads(loaded, app_cache):
    """The command line runs in its own process; the app's cache must notice its writes."""
    _, staff = stores(loaded, app_cache)
    assert staff.summary("response").payload["latest_value"] == 9.0
    script = textwrap.dedent(
        f"""
        from data.db import make_engine
        from data.store import save_summaries
        engine = make_engine({loaded.url.render_as_string(hide_password=False)!r})
        save_summaries(engine, "response", {{"citywide": {{"latest_value": 42.0}}}})
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)
    deadline = time.monotonic() + cache_module.VERSION_TTL + 5
    while staff.summary("response").payload["latest_value"] != 42.0:
        assert time.monotonic() < deadline, "the cached summary outlived the refresh"
        time.sleep(0.2)


def test_cch006_an_import_retires_cached_reads(engine, app_cache):
    result = import_files(
        engine, ROOT / "examples" / "catalog.yaml", [ROOT / "examples" / "observations.csv"]
    )
    assert result.ok, result.report.format()
    store = Store(engine, SYSTEM, app_cache)
    name = store.city().name
    version = read_data_version(engine)
    with engine.begin() as conn:  # behind the cache's back
        conn.execute(City.__table__.update().values(name="Renamed"))
    assert store.city().name == name
    result = import_files(
        engine, ROOT / "examples" / "catalog.yaml", [ROOT / "examples" / "observations.csv"]
    )
    assert result.ok
    assert read_data_version(engine) > version
    assert store.city().name == name  # the import wrote the catalog's name back...
    with engine.begin() as conn:
        conn.execute(City.__table__.update().values(name="Renamed"))
    bump_data_version(engine)
    assert store.city().name == "Renamed"  # ...and a new version is read fresh


def test_cch007_each_write_of_summaries_moves_the_version(loaded):
    before = read_data_version(loaded)
    save_summaries(loaded, "response", {"citywide": {}})
    assert read_data_version(loaded) == before + 1


def test_cch008_a_failing_cache_falls_back_to_the_database(loaded, caplog):
    class Broken:
        calls = 0

        def get(self, key):
            self.calls += 1
            raise ConnectionError("redis is down")

        def set(self, key, value, timeout=None):
            raise ConnectionError("redis is down")

    broken = Broken()
    staff = Store(loaded, STAFF, StoreCache(broken))
    assert {m.id for m in staff.measures()} == {"response", "cleared", "overtime"}
    assert staff.summary("cleared").payload["note"] == "internal"
    assert "reading from the database instead" in caplog.text
    # After one failure the cache is left alone for a while: one timeout, not one per read.
    assert broken.calls == 1


def test_cch009_keys_separate_databases_visibility_and_versions(engine, tmp_path):
    from data.db import make_engine

    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    args = (("response",), ())
    keys = {
        cache_key(engine, 1, "public", "summary", args),
        cache_key(engine, 1, "internal", "summary", args),
        cache_key(engine, 2, "public", "summary", args),
        cache_key(other, 1, "public", "summary", args),
        cache_key(engine, 1, "public", "summary", (("cleared",), ())),
    }
    assert len(keys) == 5
    other.dispose()


def test_cch010_sets_as_arguments_give_one_key(loaded, app_cache):
    _, staff = stores(loaded, app_cache)
    first = staff.summary_payloads({"response", "cleared"})
    second = staff.summary_payloads(iter(["cleared", "response"]))
    assert first.keys() == {"response", "cleared"}
    assert second.keys() == {"response", "cleared"}


def test_cch011_create_app_installs_the_cache_and_pages_read_through_it(demo_app, monkeypatch):
    from components.context import current_store

    server = demo_app.server
    assert CACHE_EXTENSION in server.extensions  # create_app installs it
    with server.test_request_context("/"):
        store = current_store()
        assert store.cache is server.extensions[CACHE_EXTENSION]
        assert store.for_viewer(PUBLIC).cache is store.cache
        first = store.summaries()
        assert isinstance(first, pd.DataFrame) and not first.empty
        # A second read is served from the cache: only the data version may be read.
        statements = []
        original = type(store.engine.dialect).do_execute

        def record(dialect, cursor, statement, parameters, context=None):
            statements.append(statement)
            return original(dialect, cursor, statement, parameters, context)

        monkeypatch.setattr(type(store.engine.dialect), "do_execute", record)
        again = current_store().summaries()
        pd.testing.assert_frame_equal(again, first)
        assert not [s for s in statements if "measure_summary" in s], statements


def test_cch012_whole_pages_are_cached_per_visibility_until_the_data_changes(loaded, app_cache):
    import json

    import orjson
    from dash import html
    from plotly.io.json import to_json_plotly

    from app import AppState
    from components.context import EXTENSION_KEY, current_store
    from components.page_cache import cached_page

    server = flask.Flask(__name__)
    server.secret_key = "t"
    server.extensions[EXTENSION_KEY] = AppState(
        Config(secret_key="t", anonymous_role="viewer"), loaded
    )
    server.extensions[CACHE_EXTENSION] = app_cache
    renders = []

    def render():
        store = current_store()
        renders.append(store.viewer.role)
        return html.Div([html.H1(store.city().name), *(html.P(m.id) for m in store.measures())])

    def page(*arguments, role=None):
        with server.test_request_context("/"):
            if role:
                flask.session["role"] = role
            expected = json.loads(to_json_plotly(render()))
            renders.pop()
            served = json.loads(orjson.dumps(cached_page("page", render, *arguments)))
        assert served == expected
        return served

    staff = page()
    assert page() == staff and renders == ["viewer"]  # the second came from the cache
    assert "<p>" not in json.dumps(staff) and '"cleared"' in json.dumps(staff)
    public = page(role="public")
    assert renders == ["viewer", "public"]  # staff's page is never served to the public
    assert '"cleared"' not in json.dumps(public)
    page("other")
    assert renders[-1] == "viewer" and len(renders) == 3  # arguments are part of the key

    with loaded.begin() as conn:  # behind the cache's back
        conn.execute(City.__table__.update().values(name="Renamed"))
    assert page() == staff
    bump_data_version(loaded)
    assert "Renamed" in json.dumps(page()) and len(renders) == 4
