"""The overview page (/): area cards, what changed, the measure search; Store.summary_payloads."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from dash import dcc, html

from analytics.overview import what_changed
from app import create_app
from data.config import Config
from data.db import make_engine
from data.store import PUBLIC, SYSTEM, Store, save_summaries
from tests.helpers import by_id, text_of, walk, with_class
from tests.unit.test_store import observations, small_catalog


@pytest.fixture
def home(demo_request):
    from pages import home

    return home


@pytest.fixture
def store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def test_hom001_one_card_per_area_with_its_status_counts(home, store):
    page = home.overview()
    cards = with_class(page, "area-card")
    areas = store.areas()
    assert len(cards) == len(areas)
    flat = store.summaries().set_index("measure_id")
    for card, area in zip(cards, areas, strict=True):
        links = [c for c in walk(card) if isinstance(c, dcc.Link)]
        assert links[0].href == f"/area/{area.id}" and text_of(links[0]) == area.name
        statuses = flat.loc[[m.id for m in store.measures(area.id)], "target_status"]
        counts = text_of(with_class(card, "status-counts"))
        for status, word in (
            ("missed", "off target"),
            ("near", "near target"),
            ("met", "on target"),
        ):
            assert f"{(statuses == status).sum()} {word}" in counts
        signals = int(flat.loc[[m.id for m in store.measures(area.id)], "has_new_signal"].sum())
        if signals:
            assert f"{signals} new signal" in counts
        rows = with_class(card, "home-measure-list")[0].children
        assert len(rows) == len(store.measures(area.id))


def test_hom002_periods_are_named_by_frequency_and_never_split(home, store):
    page = home.overview()
    weekly = next(m for m in store.measures() if m.frequency == "week")
    quarterly = next(m for m in store.measures() if m.frequency == "quarter")
    rows = {
        next(c.href for c in walk(row) if isinstance(c, dcc.Link)): row
        for row in walk(page)
        if isinstance(row, html.Li) and with_class(row, "row-figure")
    }
    week_text = text_of(with_class(rows[f"/measure/{weekly.id}"], "row-period"))
    assert week_text.startswith("Week of ") and re.search(r"\d{4}$", week_text)
    quarter_text = text_of(with_class(rows[f"/measure/{quarterly.id}"], "row-period"))
    assert re.fullmatch(r"Q[1-4] \d{4}", quarter_text)
    assert all(" / " not in text_of(with_class(row, "row-period")) for row in rows.values())


def test_hom003_what_changed_lists_the_analytics_result_with_links(home, store):
    page = home.overview()
    expected = what_changed(store.measures(), store.summary_payloads())
    assert expected, "the demo city should have something new to report"
    card = by_id(page, "home-what-changed")
    items = with_class(card, "what-changed-item")
    assert len(items) == len(expected)
    for item, change in zip(items, expected, strict=True):
        link = next(c for c in walk(item) if isinstance(c, dcc.Link))
        assert link.href == f"/measure/{change.measure_id}"
        assert change.period_label in text_of(item) and change.text in text_of(item)


def test_hom004_search_index_holds_every_visible_measure(home, store):
    page = home.overview()
    index = by_id(page, home.ids.search_index).data
    assert [e["href"] for e in index] == [f"/measure/{m.id}" for m in store.measures()]
    ems = next(e for e in index if e["href"] == "/measure/ems-response-time")
    assert ems["department"] == "Fire Department" and ems["short"] == "EMS response"


def test_hom005_public_visitors_are_asked_to_sign_in_and_see_no_measures(demo_database_url):
    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="public")
    )
    public = Store(make_engine(demo_database_url), PUBLIC)
    with app.server.test_request_context("/"):
        from pages import home

        page = home.layout()
    assert "Sign in to see this page" in text_of(page)
    shown = {c.href for c in walk(page) if isinstance(c, dcc.Link)}
    internal = {m.id for m in Store(public.engine, SYSTEM).measures()} - {
        m.id for m in public.measures()
    }
    assert internal and not any(f"/measure/{i}" in shown for i in internal)


def test_hom006_summary_payloads_in_one_query_respect_visibility(engine):
    from data.writer import upsert_observations, write_catalog

    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
    save_summaries(engine, "response", {"citywide": {"target_status": "met", "x": 1}, "north": {}})
    save_summaries(engine, "cleared", {"citywide": {"target_status": "missed"}})
    staff = Store(engine, SYSTEM)
    assert staff.summary_payloads()["response"]["x"] == 1
    assert set(staff.summary_payloads()) == {"response", "cleared"}
    assert set(staff.summary_payloads(["cleared"])) == {"cleared"}
    assert set(staff.summary_payloads(geography_id="north")) == {"response"}
    assert set(Store(engine, PUBLIC).summary_payloads()) == {"response"}


def test_hom007_an_empty_city_says_what_to_do(tmp_path):
    from data.db import migrate

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(make_engine(url))
    app = create_app(Config(database_url=url, secret_key="t", anonymous_role="viewer"))
    with app.server.test_request_context("/"):
        from pages import home

        page = home.overview()
    assert "No measures to show yet" in text_of(page)
    assert not with_class(page, "area-card")


def test_hom008_change_digests_give_the_changes_of_the_full_summaries(store):
    measures = store.measures()
    full = what_changed(measures, store.summary_payloads())
    assert full, "the demo city has changes to list"
    assert what_changed(measures, store.change_digests()) == full
    assert set(store.change_digests()) == set(store.summary_payloads())


def test_hom009_a_long_list_of_changes_folds_past_the_first_few():
    from analytics.overview import Change
    from components.tiles import CHANGES_LISTED, change_list

    period = pd.Timestamp("2026-10-01")
    changes = [
        Change(f"m{i}", f"Measure {i}", "target_miss", period, "October 2026", "Missed.")
        for i in range(CHANGES_LISTED + 3)
    ]
    section = change_list(changes)
    shown, folded = [c for c in walk(section) if isinstance(c, html.Ul)]
    assert len(shown.children) == CHANGES_LISTED and len(folded.children) == 3
    details = next(c for c in walk(section) if isinstance(c, html.Details))
    assert text_of(details.children[0]) == "3 more"
    assert "New target misses (11)" in text_of(section)


def test_hom010_the_overview_is_served_from_the_cache_as_rendered(demo_app, monkeypatch):
    import json

    from plotly.io.json import to_json_plotly

    from pages import home
    from tests.unit.test_app import _pages_container

    def served():
        response = demo_app.server.test_client().get(
            "/_dash-layout", headers={"Referer": "http://localhost/"}
        )
        return _pages_container(response.json)["props"]["children"][1]["props"]["children"]

    first = served()
    with demo_app.server.test_request_context("/"):
        assert first == json.loads(to_json_plotly(home.overview()))
    monkeypatch.setattr(home, "overview", lambda: pytest.fail("rendered, not read"))
    assert served() == first
