"""The public site (/public, /public/area/<id>, /public/measure/<id>) as plain functions.

The demo app lets anonymous visitors see internal measures (a staff intranet), so
every test here also proves the public pages ignore that and show public measures only.
"""

from __future__ import annotations

import flask
import pytest
from dash import dcc, html

from components import public_panels
from data.db import make_engine
from data.store import PUBLIC, SYSTEM, Store
from tests.helpers import hrefs, rendered_and_cached, text_of, walk, with_class

INTERNAL = "police-overtime"  # an internal measure of the demo city


@pytest.fixture
def pages(demo_request, monkeypatch):
    from pages import public, public_area, public_measure

    monkeypatch.setattr(public, "cached_page", rendered_and_cached)
    return public, public_area, public_measure


@pytest.fixture
def staff_session(demo_request):
    """A signed-in admin on this browser: the public pages must still show public only."""
    flask.session["role"] = "admin"
    flask.session["username"] = "ada"
    return demo_request


@pytest.fixture
def everything(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


@pytest.fixture
def public(demo_database_url):
    return Store(make_engine(demo_database_url), PUBLIC)


def test_pbl001_front_page_lists_every_public_measure_and_nothing_internal(
    pages, staff_session, everything, public
):
    page = pages[0].layout()
    linked = {h.rsplit("/", 1)[-1] for h in hrefs(page) if h.startswith("/public/measure/")}
    assert linked == {m.id for m in public.measures()}
    internal = {m.id for m in everything.measures() if not m.is_public}
    assert internal and not linked & internal
    words = text_of(page)
    assert all(m.name not in words for m in everything.measures() if not m.is_public)
    assert f"{len(public.measures())} public measures" in words
    for area in public.areas():
        assert area.name in words


def test_pbl002_cards_say_value_target_and_trend_in_words(pages, public):
    page = pages[0].layout()
    card = next(
        c for c in with_class(page, "public-card") if "Average EMS response time" in text_of(c)
    )
    words = text_of(card)
    assert "minutes" in words and "October 2026" in words
    assert {"On target", "Near target", "Off target", "No target"} & set(
        text_of(b).strip() for b in with_class(card, "status-badge")
    )
    assert any(w in words for w in ("Improving", "Getting worse", "No clear trend"))
    assert public.measure("ems-response-time").description in words


def test_pbl003_public_pages_have_no_staff_links(pages):
    for page in (
        pages[0].layout(),
        pages[1].layout(area_id="public-safety"),
        pages[2].layout(measure_id="ems-response-time"),
    ):
        for href in hrefs(page):
            assert href.startswith(("/public", "/api/v1/")), href


def test_pbl004_area_page_shows_one_area(pages, public):
    page = pages[1].layout(area_id="public-safety")
    linked = {h.rsplit("/", 1)[-1] for h in hrefs(page) if h.startswith("/public/measure/")}
    assert linked == {m.id for m in public.measures("public-safety")}
    assert text_of(page).count("Public Safety") >= 2  # heading and breadcrumb
    missing = pages[1].layout(area_id="no-such-area")
    assert "We couldn't find that priority area" in text_of(missing)
    assert pages[1].title(area_id="public-safety") == "Public Safety · Performance dashboard"
    assert pages[1].title(area_id="no-such-area") == "Performance dashboard"


def test_pbl005_measure_page_has_chart_table_about_and_downloads(pages, public):
    page = pages[2].layout(measure_id="ems-response-time")
    words = text_of(page)
    measure = public.measure("ems-response-time")
    assert "Average EMS response time was" in words  # the headline
    graphs = [c for c in walk(page) if isinstance(c, dcc.Graph)]
    assert len(graphs) == 1 and graphs[0].config["displayModeBar"] is False
    names = {t.name for t in graphs[0].figure.data}
    assert {"Actual", "Target", "Forecast"} <= names
    table = next(
        c for c in walk(page) if getattr(c, "className", "") and "public-table" in c.className
    )
    assert "newest first" in text_of(table) and "October 2026" in text_of(table)
    for piece in (measure.methodology, measure.data_source, measure.department, "Last updated"):
        assert piece in words
    links = hrefs(page)
    assert "/api/v1/measures/ems-response-time/observations.csv" in links
    assert "/api/v1/measures/ems-response-time/observations" in links


def test_pbl006_measure_page_range_is_a_query_string(pages, public):
    five = pages[2].layout(measure_id="ems-response-time")
    everything = pages[2].layout(measure_id="ems-response-time", range="all")
    rows = [len(list(c for c in walk(p) if isinstance(c, html.Tr))) for p in (five, everything)]
    assert rows[1] > rows[0] > 12
    assert len(public.series("ems-response-time")) + 1 == rows[1]  # plus the header row
    current = [c for c in walk(everything) if getattr(c, "aria-current", None) == "true"]
    assert [text_of(c) for c in current] == ["All"]
    bogus = pages[2].layout(measure_id="ems-response-time", range="<script>")
    assert text_of(bogus)  # falls back to the default range


def test_pbl007_internal_or_unknown_measure_is_not_found_alike(pages, staff_session):
    internal = text_of(pages[2].layout(measure_id=INTERNAL))
    unknown = text_of(pages[2].layout(measure_id="no-such-measure"))
    assert "We couldn't find that measure" in internal
    assert internal == unknown  # the same words: the page does not reveal internal ids
    assert pages[2].title(measure_id=INTERNAL) == "Performance dashboard"
    assert pages[2].title(measure_id="ems-response-time").startswith("Average EMS response time")


def test_pbl008_layouts_work_without_arguments(pages):
    for module in pages:
        assert module.layout() is not None


def test_pbl009_links_quote_ids():
    assert public_panels.measure_href("a b/c?d") == "/public/measure/a%20b%2Fc%3Fd"
    assert public_panels.area_href("x#y") == "/public/area/x%23y"
    assert public_panels.download_links("m/1")["csv"] == "/api/v1/measures/m%2F1/observations.csv"


def test_pbl010_kiosk_chart_keeps_invisible_outlines_invisible(demo_request, public):
    measure = public.measure("ems-response-time")
    payload = public.summary(measure.id).payload
    from analytics.public import forecast_frame

    figure = public_panels.public_chart(
        measure,
        public.series(measure.id),
        public.targets(measure.id),
        forecast_frame(payload["forecast"]),
        projector=True,
    )
    widths = [t.line.width for t in figure.data if t.line.width is not None]
    assert 0 in widths  # band and tolerance outlines stay hidden
    assert max(widths) >= 3.5 and figure.layout.template.layout.font.size == 24
    assert figure.layout.height is None  # sized by its container


def test_pbl011_a_large_area_shows_its_first_cards_and_links_to_the_rest(demo_request, public):
    area = public.areas()[0]
    measures = [m for m in public.measures() if m.area_id == area.id]
    payloads = public_panels.summaries(public, measures)
    full = public.summary_payloads([m.id for m in measures])
    for m in measures:  # the cards' fields, as stored
        assert payloads[m.id] == {k: full[m.id][k] for k in public_panels.CARD_FIELDS}

    section = public_panels.area_section(area, measures, payloads, limit=2)
    assert len(with_class(section, "public-card")) == 2
    assert f"See all {len(measures)} {area.name} measures" in text_of(section)
    assert public_panels.area_href(area.id) in hrefs(section)
    whole = public_panels.area_section(area, measures, payloads, limit=len(measures))
    assert len(with_class(whole, "public-card")) == len(measures)
    assert "See all" not in text_of(whole)


def test_pbl012_the_front_page_is_served_from_the_cache(demo_request, monkeypatch):
    from components.serialization import to_json
    from pages import public

    first = to_json(public.layout())
    assert '"public-root"' in first
    monkeypatch.setattr(public, "front_page", lambda: pytest.fail("rendered, not read"))
    assert to_json(public.layout()) == first
