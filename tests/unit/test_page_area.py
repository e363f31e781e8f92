"""The priority-area page (/area/<id>): tiles, sort/filter in the URL, not found, staleness."""

from __future__ import annotations

from datetime import date

import dash
import pandas as pd
import pytest
from dash import dcc

from analytics.overview import STATUS_ORDER
from app import create_app
from components.serialization import to_json
from components.tiles import kpi_tile
from data.config import Config
from data.db import make_engine, migrate
from data.store import SYSTEM, Store, save_summaries
from tests.conftest import DEMO_AS_OF
from tests.helpers import by_id, rendered_and_cached, text_of, triggered, walk, with_class
from tests.unit.test_store import observations, small_catalog

AREA = "public-safety"


@pytest.fixture
def area(demo_request, monkeypatch):
    from pages import area

    monkeypatch.setattr(area, "today", lambda: DEMO_AS_OF)
    monkeypatch.setattr(area, "cached_page", rendered_and_cached)
    return area


@pytest.fixture
def store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def tiles(page) -> list:
    return with_class(page, "kpi-tile")


def tile_ids(page) -> list[str]:
    return [t.id.removeprefix("tile-") for t in tiles(page)]


def test_are001_one_tile_per_measure_with_value_period_changes_and_badges(area, store):
    page = area.layout(area_id=AREA)
    measures = store.measures(AREA)
    assert sorted(tile_ids(page)) == sorted(m.id for m in measures)
    assert text_of(page).count("Police Department") >= 3
    tile = next(t for t in tiles(page) if t.id == "tile-property-crime-rate")
    words = text_of(tile)
    summary = store.summary("property-crime-rate")
    assert "per 1,000 residents" in words
    assert pd.Timestamp(summary.latest_period).month_name() in words  # the value's period
    assert "vs September 2026" in words and "vs October 2025" in words  # previous, last year
    assert ("better" in words) or ("worse" in words)  # assessments in words
    assert {"Off target", "Near target", "On target", "No target"} & set(
        text_of(b) for b in with_class(tile, "status-badge")
    )
    link = next(c for c in walk(tile) if isinstance(c, dcc.Link))
    assert link.href == "/measure/property-crime-rate" and "stretched-link" in link.className
    graph = next(c for c in walk(tile) if isinstance(c, dcc.Graph))
    assert graph.config["staticPlot"] is True
    x = pd.to_datetime(pd.Series(graph.figure["data"][0]["x"]))
    assert x.max() - x.min() <= pd.Timedelta(days=3 * 366)  # recent ~3 years only


def test_are002_default_order_is_by_status_missed_first(area, store):
    page = area.layout(area_id=AREA)
    statuses = store.summaries().set_index("measure_id")["target_status"]
    ranks = [STATUS_ORDER.index(statuses[i]) for i in tile_ids(page)]
    assert ranks == sorted(ranks) and ranks[0] == 0


def test_are003_sort_and_filter_come_from_the_query_string(area, store):
    page = area.layout(area_id=AREA, sort="name", department="Police Department")
    police = sorted(
        (m for m in store.measures(AREA) if m.department == "Police Department"),
        key=lambda m: m.name.casefold(),
    )
    assert tile_ids(page) == [m.id for m in police]
    assert by_id(page, area.ids.sort).value == "name"
    assert by_id(page, area.ids.department).value == "Police Department"
    assert by_id(page, area.ids.location).search == "?sort=name&department=Police+Department"
    assert text_of(by_id(page, area.ids.shown)).startswith(f"Showing {len(police)} of 7 measures")


def test_are004_unknown_query_values_fall_back_to_the_default_view(area, store):
    page = area.layout(area_id=AREA, sort="nonsense", department="Nobody")
    assert len(tiles(page)) == len(store.measures(AREA))
    assert by_id(page, area.ids.sort).value == "status"
    assert by_id(page, area.ids.department).value == area.ALL_DEPARTMENTS


def test_are005_callback_reorders_tiles_and_writes_the_url(area, store):
    out_tiles, shown, search, sort, department = area.update_view("name", "all", "", None, AREA)
    names = [m.name for m in store.measures(AREA)]
    assert tile_ids(out_tiles) == [
        m.id for m in sorted(store.measures(AREA), key=lambda m: m.name.casefold())
    ]
    assert search == "?sort=name"
    assert sort is dash.no_update and department is dash.no_update
    assert "sorted by name" in shown and len(names) == 7

    _, _, search, _, _ = area.update_view("department", "Fire Department", "", None, AREA)
    assert search == "?sort=department&department=Fire+Department"


def test_are006_back_button_restores_the_controls_from_the_url(area, store):
    with triggered(area.ids.location, "search", "?sort=department"):
        out_tiles, _, search, sort, department = area.update_view(
            "name", "Police Department", "?sort=department", None, AREA
        )
    assert search is dash.no_update
    assert (sort, department) == ("department", area.ALL_DEPARTMENTS)
    assert len(tiles(out_tiles)) == 7


def test_are007_callback_ignores_forged_or_invisible_areas(area):
    for bad in (None, {"id": AREA}, ["x"], "no-such-area"):
        with pytest.raises(dash.exceptions.PreventUpdate):
            area.update_view("name", "all", "", None, bad)


def test_are008_unknown_area_is_a_friendly_not_found(area):
    for missing in ("no-such-area", None):
        page = area.layout(area_id=missing)
        assert text_of(page).startswith("We couldn't find that priority area")
        assert not tiles(page)


def test_are009_public_visitors_are_asked_to_sign_in_and_see_no_tiles(tmp_path, monkeypatch):
    from data.writer import upsert_observations, write_catalog

    url = f"sqlite:///{tmp_path / 'small.db'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
    public_app = create_app(Config(database_url=url, secret_key="t", anonymous_role="public"))
    staff_app = create_app(Config(database_url=url, secret_key="t", anonymous_role="viewer"))
    from pages import area

    monkeypatch.setattr(area, "cached_page", rendered_and_cached)

    with public_app.server.test_request_context("/"):
        # The public is asked to sign in, and sees no tiles at all.
        assert text_of(area.layout(area_id="internal")).startswith("Sign in to see this page")
        assert tile_ids(area.layout(area_id="safety")) == []
    with staff_app.server.test_request_context("/"):
        assert tile_ids(area.layout(area_id="internal")) == ["overtime"]


def test_are010_late_data_is_flagged_stale_and_missing_data_says_so(area, store):
    page = area.layout(area_id="environment")
    late = next(t for t in tiles(page) if t.id == "tile-illegal-dumping")
    assert "Stale data" in text_of(late) and "was due by" in text_of(late)
    fresh = next(t for t in tiles(page) if t.id == "tile-recycling-tons")
    assert "Stale data" not in text_of(fresh)
    assert "with late data" in text_of(page)

    measure = store.measure("recycling-tons")
    empty = kpi_tile(measure, None, pd.DataFrame(columns=["period", "value"]), DEMO_AS_OF)
    assert "No data yet" in text_of(empty) and "No data" in text_of(
        with_class(empty, "status-badge")
    )
    assert not [c for c in walk(empty) if isinstance(c, dcc.Graph)]


def test_are011_stale_is_judged_on_todays_date(area, monkeypatch, store):
    monkeypatch.setattr(area, "today", lambda: date(2027, 6, 1))  # months later, nothing new
    page = area.layout(area_id=AREA)
    assert all("Stale data" in text_of(t) for t in tiles(page))


def test_are012_tile_without_stored_summary_still_shows_latest_value(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = make_engine(url)
    migrate(engine)
    from data.writer import upsert_observations, write_catalog

    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
    save_summaries(engine, "cleared", {"citywide": {}})
    store = Store(engine, SYSTEM)
    measure = store.measure("response")
    tile = kpi_tile(measure, None, store.series("response"), date(2025, 4, 10))
    words = text_of(tile)
    assert "11" in text_of(with_class(tile, "kpi-number")) and "March 2025" in words
    assert not with_class(tile, "status-badge")  # status unknown until the first refresh
    assert "after the next refresh" in words


def test_are013_a_large_area_shows_its_tiles_a_page_at_a_time(area, store, monkeypatch):
    monkeypatch.setattr(area, "TILES_PER_PAGE", 3)
    ordered = tile_ids(area.layout(area_id=AREA, sort="name"))
    assert len(ordered) == 3
    names = [m.id for m in sorted(store.measures(AREA), key=lambda m: m.name.casefold())]
    assert ordered == names[:3]
    page = area.layout(area_id=AREA, sort="name", page="3")
    assert tile_ids(page) == names[6:]  # 7 measures: the third page holds the last one
    assert "Showing 7–7 of 7 measures" in text_of(page)
    pager = by_id(page, area.ids.pages)
    assert (pager.active_page, pager.max_value) == (3, 3)
    assert by_id(page, area.ids.location).search == "?sort=name&page=3"
    # Out-of-range or garbled pages fall back to a real page.
    assert tile_ids(area.layout(area_id=AREA, sort="name", page="99")) == names[6:]
    assert tile_ids(area.layout(area_id=AREA, sort="name", page="x")) == names[:3]

    # Choosing a page writes it to the URL; a new order starts again on page 1.
    with triggered(area.ids.pages, "active_page", 2):
        out_tiles, shown, search, _, _ = area.update_view("name", "all", "", 2, AREA)
    assert tile_ids(out_tiles) == names[3:6] and search == "?sort=name&page=2"
    with triggered(area.ids.sort, "value", "department"):
        _, _, search, _, _ = area.update_view("department", "all", "?sort=name&page=2", 2, AREA)
    assert search == "?sort=department"
    # Back to a page's URL restores it.
    with triggered(area.ids.location, "search", "?sort=name&page=2"):
        out_tiles, _, _, _, _ = area.update_view("name", "all", "?sort=name&page=2", 1, AREA)
    assert tile_ids(out_tiles) == names[3:6]


def test_are014_a_small_area_has_no_page_links(area):
    page = area.layout(area_id=AREA)
    assert by_id(page, area.ids.pages).style == {"display": "none"}


def test_are014_the_tile_grid_is_served_from_the_cache(demo_request, monkeypatch):
    from pages import area

    monkeypatch.setattr(area, "today", lambda: DEMO_AS_OF)
    first = to_json(area.layout(area_id=AREA))
    assert '"tile-property-crime-rate"' in first
    monkeypatch.setattr(area, "_tile_grid", lambda *_: pytest.fail("rendered, not read"))
    assert to_json(area.layout(area_id=AREA)) == first
    # Staleness is judged on the day, so a new day renders the grid afresh.
    monkeypatch.setattr(area, "today", lambda: date(2027, 6, 1))
    with pytest.raises(pytest.fail.Exception, match="rendered, not read"):
        area.layout(area_id=AREA)
