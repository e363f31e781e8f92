"""The neighborhood explorer: pure helpers with reference values, the Store read it adds,
the period cross-section against the stored payload, figures, and the callbacks called as
plain functions."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analytics.equity_view import (
    ValueDisplay,
    block_periods,
    cross_section_frame,
    display_for,
    equity_block_for_period,
    equity_query,
    export_frame,
    gap_frame,
    gap_sentence,
    group_comparison,
    iso_period,
    key_figures,
    measure_href,
    overview_sentence,
    parse_query,
    period_choices,
    resolve_period,
    significant_decimals,
    step_period,
    trend_panels,
)
from components import equity_panels, theme
from data.db import make_engine
from data.refresh import measure_meta
from data.store import PUBLIC, SYSTEM, Store
from data.writer import upsert_observations, write_catalog
from tests.helpers import by_id, rendered_and_cached
from tests.unit.test_store import observations, small_catalog

# -- pure helpers -------------------------------------------------------------------------------------


def test_equ101_query_round_trip_and_links_are_quoted():
    assert equity_query("ems-response-time", "2026-09-01") == (
        "?measure=ems-response-time&period=2026-09-01"
    )
    assert equity_query("ems", None) == "?measure=ems"
    assert parse_query("?measure=ems&period=2026-09-01") == ("ems", "2026-09-01")
    assert parse_query("") == (None, None)
    assert parse_query(None) == (None, None)
    assert parse_query(equity_query("a b&c", None)) == ("a b&c", None)
    assert measure_href("ems", "saint-henri") == "/measure/ems?geography=saint-henri"
    assert measure_href("a/b", "x&y=1") == "/measure/a%2Fb?geography=x%26y%3D1"


def test_equ102_periods_resolve_step_and_label():
    periods = ["2026-08-01", "2026-09-01", "2026-10-01"]
    assert resolve_period("2026-09-01", periods) == "2026-09-01"
    assert resolve_period("2026-09-01T00:00:00", periods) == "2026-09-01"
    assert resolve_period("2026-07-01", periods) is None
    assert resolve_period("not a date", periods) is None
    assert iso_period("garbage") is None
    assert step_period(None, periods, -1) == "2026-09-01"  # None is the latest
    assert step_period("2026-09-01", periods, -1) == "2026-08-01"
    assert step_period("2026-08-01", periods, -1) == "2026-08-01"  # clamped
    assert step_period("2026-10-01", periods, 1) == "2026-10-01"
    choices = period_choices(periods, "month")
    assert [c["value"] for c in choices] == periods[::-1]
    assert choices[0]["label"] == "October 2026 (latest)"
    assert period_choices(["2026-11-09"], "week")[0]["label"] == "Week of 9 Nov 2026 (latest)"


def test_equ103_values_read_with_their_basis():
    assert significant_decimals([0.35, 0.5], 0) == 2
    assert significant_decimals([35.0, 50.0], 0) == 0
    assert significant_decimals([0.0004], 0) == 3  # capped
    assert significant_decimals([], 1) == 1
    per_capita = display_for(
        "per_capita", unit="count", decimals=0, unit_label="complaints", values=[1.2, 1.4]
    )
    assert per_capita.format(1.26) == "1.3 complaints per 1,000 residents"
    assert per_capita.label == "complaints per 1,000 residents"
    rate = display_for(
        "rate", unit="rate", decimals=2, unit_label="per 1,000 residents", rate_per=1000
    )
    assert rate.format(0.391) == "0.39 per 1,000 residents"
    share = display_for("proportion", unit="percent", decimals=1)
    assert share.format(85.44) == "85.4%"
    assert share.number(85.44) == "85.4%"
    assert share.difference(-4.25) == "4.2 percentage points"
    minutes = display_for("mean", unit="minutes", decimals=1)
    assert minutes.format(7.72) == "7.7 minutes"
    assert minutes.number(None) == "–"


# -- the demo city ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def _inputs(store, measure_id):
    measure = store.measure(measure_id)
    payload = store.summary(measure_id).payload
    return measure, payload, store.series(measure_id), store.panel(measure_id)


def test_equ104_period_cross_section_equals_the_stored_payload(demo_store):
    """For the latest period both paths give the same block, number for number."""
    geographies = demo_store.geographies_frame()
    measures = sorted(demo_store.measures_with_neighborhoods())
    assert len(measures) >= 20
    for measure_id in measures:
        measure, payload, citywide, panel = _inputs(demo_store, measure_id)
        stored = payload["equity"]
        computed = equity_block_for_period(
            measure_meta(measure),
            citywide,
            panel,
            geographies,
            period=stored["period"],
            as_of=payload["as_of"],
        )
        assert json.dumps(computed, sort_keys=True) == json.dumps(stored, sort_keys=True), (
            measure_id
        )


def test_equ105_an_earlier_period_is_computed_from_its_own_observations(demo_store):
    measure, payload, citywide, panel = _inputs(demo_store, "fire-arrival-standard")
    block = equity_block_for_period(
        measure_meta(measure),
        citywide,
        panel,
        demo_store.geographies_frame(),
        period="2026-06-01",
        as_of=payload["as_of"],
    )
    assert block["period"] == "2026-06-01"
    june = panel[panel["period"] == "2026-06-01"].set_index("geography_id")
    frame = cross_section_frame(block, measure.direction).set_index("geography_id")
    expected = june["numerator"] / june["denominator"] * 100
    assert_allclose(frame.loc[expected.index, "value"], expected)
    lo, hi = proportion_confint(june["numerator"], june["denominator"], method="wilson")
    assert_allclose(frame.loc[expected.index, "lower"], lo * 100, rtol=1e-9)
    assert_allclose(frame.loc[expected.index, "upper"], hi * 100, rtol=1e-9)
    city = june["numerator"].sum() / june["denominator"].sum() * 100
    assert block["citywide_value"] == pytest.approx(city)
    assert frame["suppressed"].equals(frame["denominator"] < 20)
    # The gap series covers every period, whatever period is shown.
    assert block["gap_series"] == payload["equity"]["gap_series"]
    assert block_periods(block)[-1] == payload["equity"]["period"]


def test_equ106_group_comparison_pools_like_the_stored_block_with_intervals(demo_store):
    for measure_id in ("violent-crime-rate", "fire-arrival-standard", "flu-vaccinations"):
        measure, payload, _, _ = _inputs(demo_store, measure_id)
        block = payload["equity"]
        frame = cross_section_frame(block, measure.direction)
        priority, rest = group_comparison(frame, block, measure_meta(measure).scale)
        pvr = block["priority_vs_rest"]
        assert priority.value == pytest.approx(pvr["priority"], rel=1e-9)
        assert rest.value == pytest.approx(pvr["rest"], rel=1e-9)
        assert priority.neighborhoods == pvr["priority_geographies"]
        assert priority.lower < priority.value < priority.upper
    # Reference: Wilson on the pooled counts (statsmodels), exact Poisson (scipy chi2).
    measure, payload, _, _ = _inputs(demo_store, "fire-arrival-standard")
    frame = cross_section_frame(payload["equity"], measure.direction)
    group = frame[frame["equity_priority"]]
    num, den = group["numerator"].sum(), group["denominator"].sum()
    priority, _ = group_comparison(frame, payload["equity"], 100.0)
    lo, hi = proportion_confint(num, den, method="wilson")
    assert_allclose([priority.lower, priority.upper], [lo * 100, hi * 100], rtol=1e-9)
    measure, payload, _, _ = _inputs(demo_store, "violent-crime-rate")
    frame = cross_section_frame(payload["equity"], measure.direction)
    group = frame[frame["equity_priority"]]
    num, den = group["numerator"].sum(), group["denominator"].sum()
    priority, _ = group_comparison(frame, payload["equity"], 1000.0)
    expected = [stats.chi2.ppf(0.025, 2 * num) / 2, stats.chi2.ppf(0.975, 2 * num + 2) / 2]
    assert_allclose([priority.lower, priority.upper], np.array(expected) / den * 1000)


def test_equ107_table_ranks_best_first_and_keeps_suppressed_last(demo_store):
    measure, payload, _, _ = _inputs(demo_store, "violent-crime-rate")
    frame = cross_section_frame(payload["equity"], measure.direction)
    shown = frame[~frame["suppressed"]]
    assert list(shown["rank"]) == list(range(1, len(shown) + 1))
    assert shown["value"].is_monotonic_increasing  # lower is better
    assert frame["suppressed"].iloc[len(shown) :].all()
    assert frame.loc[frame["suppressed"], "rank"].isna().all()
    out = export_frame(
        frame,
        measure_id=measure.id,
        period="2026-10-01",
        basis="rate",
        citywide=payload["equity"]["citywide_value"],
    )
    hidden = out[out["suppressed"]]
    assert hidden[["value", "lower", "upper", "numerator", "gap_to_citywide"]].isna().all().all()
    assert hidden["denominator"].notna().all()
    assert len(out) == 58


def test_equ108_words_name_the_right_ends_for_each_direction(demo_store):
    for measure_id, first in (
        ("ems-response-time", "the worst-off, Saint-Paul–Émard"),
        ("fire-arrival-standard", "the best-off, De Lorimier"),
    ):
        measure, payload, _, _ = _inputs(demo_store, measure_id)
        block = payload["equity"]
        frame = cross_section_frame(block, measure.direction)
        display = display_for(block["basis"], unit=measure.unit, decimals=measure.decimals)
        text = overview_sentence(
            block,
            frame,
            display,
            measure_name=measure.name,
            when="October 2026",
            direction=measure.direction,
        )
        assert first in text
        figures = {f.key: f for f in key_figures(block, display, {}, measure.direction)}
        assert figures["disparity"].value == f"{block['disparity_ratio']:,.2f}×"
        assert figures["suppressed"].value == f"{block['n_suppressed']} of 58"
    block = {
        "gap_verdict": "narrowing",
        "gap_trend": {
            "window_periods": 24,
            "window_end": "2026-10-01",
            "test": "mann_kendall",
            "kendall": {"p_value": 0.012},
            "theil_sen": {"ci_low": -0.2, "ci_high": -0.05},
            "slope_per_year": -1.5,
        },
    }
    display = ValueDisplay("proportion", "percent", 1, "%")
    text = gap_sentence(block, display, "month")
    assert "The gap is narrowing" in text
    assert "24 months to October 2026" in text
    assert "shrank by about 1.50 percentage points a year" in text
    assert "p = 0.012" in text
    assert "−2.40 to −0.60 a year" in text


def test_equ109_small_multiples_are_monthly_and_recent(demo_store):
    measure = demo_store.measure("flu-vaccinations")
    panel = demo_store.panel(measure.id)
    geographies = demo_store.geographies_frame()
    per_geo, city = trend_panels(
        panel,
        geographies,
        basis="per_capita",
        scale=1.0,
        frequency="week",
        end="2026-11-09",
    )
    assert per_geo["geography_id"].nunique() == 58
    assert per_geo["period"].dt.day.eq(1).all()  # months
    assert per_geo["period"].min() >= pd.Timestamp("2023-11-01")
    assert per_geo.groupby("geography_id").size().max() <= 37
    # The citywide line pools counts over residents each week, then averages the month's
    # weeks (reference: by hand for November 2026).
    people = geographies.rename(columns={"id": "geography_id"})
    november = panel[panel["period"] >= "2026-11-01"].merge(people, on="geography_id")
    weekly = november.groupby("period").apply(
        lambda w: w["value"].sum() / w["population"].sum() * 1000, include_groups=False
    )
    assert len(weekly) == 2
    assert city["value"].iloc[-1] == pytest.approx(weekly.mean())


# -- the Store read ------------------------------------------------------------------------------------


def test_equ110_measures_with_neighborhoods_respects_visibility(engine):
    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
    assert Store(engine, SYSTEM).measures_with_neighborhoods() == {"response", "cleared"}
    assert Store(engine, PUBLIC).measures_with_neighborhoods() == {"response"}


# -- figures ------------------------------------------------------------------------------------------


@pytest.fixture
def page(demo_request, monkeypatch):
    import pages.equity as module  # imported inside the app: it registers a page

    monkeypatch.setattr(module, "cached_page", rendered_and_cached)
    return module


def _data(page, measure_id, period=None):
    from components.context import current_store

    store = current_store()
    return page.gather(store, page.resolve(store, measure_id, period))


def test_equ111_map_darkens_the_worse_end_and_greys_suppressed(page):
    violent = _data(page, "violent-crime-rate")  # lower is better: high values dark
    figure = equity_panels.map_figure(violent)
    value, hidden = figure["data"]
    assert value["reversescale"] is True
    assert hidden["name"] == "Suppressed"
    assert len(hidden["locations"]) == violent.block["n_suppressed"] == 44
    assert "too few cases" in hidden["hovertemplate"]
    assert figure["layout"]["geo"]["projection"]["type"] == "mercator"
    fire = _data(page, "fire-arrival-standard")  # higher is better: low values dark
    assert equity_panels.map_figure(fire)["data"][0]["reversescale"] is False


def test_equ112_ranking_wraps_long_names_and_small_multiples_stay_svg(page):
    ems = _data(page, "ems-response-time")
    bars = equity_panels.bars_figure(ems)
    labels = list(bars["data"][0]["y"])
    assert len(labels) == 58
    assert any("<br>" in label for label in labels)
    assert all(len(part) <= 30 for label in labels for part in label.split("<br>"))
    assert bars["layout"]["height"] >= 58 * equity_panels.BAR_PIXELS
    multiples = equity_panels.multiples_figure(ems)
    assert {t["type"] for t in multiples["data"]} == {"scatter"}
    assert len(pio.to_json(multiples)) < 400_000
    gap = equity_panels.gap_figure(ems, gap_frame(ems.block))
    shapes = gap["layout"]["shapes"]
    assert any(s["type"] == "line" and str(s["x0"]).startswith("2026-10-01") for s in shapes)


def test_equ113_untrusted_names_are_escaped_in_figures(page):
    ems = _data(page, "ems-response-time")
    ems.frame.loc[0, "name"] = "<b>Evil</b> & co"
    bars = equity_panels.bars_figure(ems)
    assert not any("<b>Evil" in label for label in bars["data"][0]["y"])
    figure = equity_panels.map_figure(ems)
    assert all("<b>Evil" not in row[0] for row in figure["data"][0]["customdata"])


def test_equ121_small_multiples_mark_the_shown_period_once_per_panel(page):
    ems = _data(page, "ems-response-time", "2026-09-01")
    figure = equity_panels.multiples_figure(ems)
    go.Figure(figure)  # a valid plotly figure (graph_objects validates the dict)
    layout = figure["layout"]
    panels = ems.trend_panel["geography_id"].nunique()
    assert panels == 58
    # Per panel: the citywide line, then the neighborhood's, on the panel's own axes.
    pairs = list(zip(figure["data"][::2], figure["data"][1::2], strict=True))
    assert len(pairs) == panels
    refs = [(own["xaxis"], own["yaxis"]) for _, own in pairs]
    assert all(
        (city["xaxis"], city["yaxis"]) == ref for (city, _), ref in zip(pairs, refs, strict=True)
    )
    assert len(set(refs)) == panels
    assert refs[:2] == [("x", "y"), ("x2", "y2")]
    # One dotted line per panel, at the period shown, spanning the panel's height.
    shapes = layout["shapes"]
    assert len(shapes) == panels
    for shape, (x, y) in zip(shapes, refs, strict=True):
        assert shape["type"] == "line"
        assert (shape["xref"], shape["yref"]) == (x, f"{y} domain")
        assert (shape["x0"], shape["x1"], shape["y0"], shape["y1"]) == ("2026-09-01",) * 2 + (0, 1)
        assert shape["line"]["dash"] == "dot"
        assert layout[f"xaxis{x[1:]}"]["anchor"] == y
        assert layout[f"yaxis{y[1:]}"]["anchor"] == x
    # A title per panel; equity-priority neighborhoods in orange with a star.
    priority = set(ems.frame.loc[ems.frame["equity_priority"], "geography_id"])
    names = dict(zip(ems.frame["geography_id"], ems.frame["name"], strict=True))
    order = sorted(names, key=lambda g: names[g] + (" ★" if g in priority else ""))
    titles = [a["text"] for a in layout["annotations"]]
    assert len(titles) == panels
    for gid, title, (_, own) in zip(order, titles, pairs, strict=True):
        label = names[gid] + (" ★" if gid in priority else "")
        assert title.replace("<br>", "").replace(" ", "") == label.replace(" ", "")
        assert own["line"]["color"] == (theme.ORANGE if gid in priority else theme.BLUE)
    assert len(pio.to_json(figure)) < 200_000


def test_equ122_weekly_small_multiples_mark_the_month_shown(page):
    flu = _data(page, "flu-vaccinations")
    assert flu.frequency == "week"
    figure = equity_panels.multiples_figure(flu)
    month = pd.Timestamp(flu.period).to_period("M").to_timestamp().strftime("%Y-%m-%d")
    assert {(s["x0"], s["x1"]) for s in figure["layout"]["shapes"]} == {(month, month)}
    assert len(figure["layout"]["shapes"]) == flu.trend_panel["geography_id"].nunique()


# -- callbacks ----------------------------------------------------------------------------------------


def _views(output):
    from dash import html

    return html.Div(output[-1])


def test_equ114_picking_a_measure_writes_the_url_and_redraws(page):
    ids = page.ids
    rendered = {"measure": "violent-crime-rate", "period": None, "shown": "2026-10-01"}
    out = page.sync(ids.measure, "?measure=violent-crime-rate", "ems-response-time", None, rendered)
    search, measure, options, period, earlier, later, state, views = out
    assert search == "?measure=ems-response-time"
    assert measure == "ems-response-time"
    assert options[0] == {"label": "October 2026 (latest)", "value": "2026-10-01"}
    assert period == "2026-10-01"
    assert (earlier, later) == (False, True)
    assert state == {
        "measure": "ems-response-time",
        "period": None,
        "shown": "2026-10-01",
        "asked": ["ems-response-time", None],  # what the URL written asks for
    }
    graph = by_id(_views(out), ids.map)
    assert graph is not None and len(graph.figure["data"][0]["z"]) == 58


def test_equ115_picking_a_period_and_stepping(page):
    ids = page.ids
    rendered = {"measure": "ems-response-time", "period": None, "shown": "2026-10-01"}
    latest = by_id(
        _views(page.sync(ids.url, "?measure=ems-response-time&period=2026-10-01", None, None, {})),
        ids.map,
    )
    out = page.sync(ids.period, "?measure=ems-response-time", None, "2026-09-01", rendered)
    assert out[0] == "?measure=ems-response-time&period=2026-09-01"
    assert out[3] == "2026-09-01"
    assert out[6]["shown"] == "2026-09-01"
    september = by_id(_views(out), ids.map)
    assert september.figure["data"][0]["z"] != latest.figure["data"][0]["z"]
    stepped = page.sync(ids.earlier, None, None, None, out[6])
    assert stepped[0] == "?measure=ems-response-time&period=2026-08-01"
    assert stepped[5] is False  # "Later" is possible again


def test_equ116_url_changes_redraw_without_a_new_history_entry(page):
    ids = page.ids
    rendered = {"measure": "ems-response-time", "period": "2026-09-01", "shown": "2026-09-01"}
    # The page settling on the URL it was rendered from does nothing.
    with pytest.raises(PreventUpdate):
        page.sync(ids.url, "?measure=ems-response-time&period=2026-09-01", None, None, rendered)
    # Back to another URL: redraw, but leave the URL alone.
    out = page.sync(ids.url, "?measure=violent-crime-rate", None, None, rendered)
    assert out[0] is no_update
    # Leaving the page for a neighborhood's measure page is not a view change.
    with pytest.raises(PreventUpdate):
        page.sync(ids.url, "?geography=loyola", None, None, rendered, "/measure/x")
    assert out[1] == "violent-crime-rate"
    assert out[6]["period"] is None
    assert out[6]["asked"] == ["violent-crime-rate", None]


def test_equ117_unknown_measure_and_period_fall_back_with_a_note(page):
    out = page.sync(page.ids.url, "?measure=nope&period=1900-01-01", None, None, {})
    assert out[1] == "violent-crime-rate"
    notes = [c for c in out[-1] if type(c).__name__ == "Alert"]
    assert any("nope" in str(n.children) for n in notes)
    assert any("1900-01-01" in str(n.children) for n in notes)


def test_equ118_neighborhood_clicks_link_to_the_measure_page(page):
    state = {"measure": "ems-response-time"}
    assert (
        page.neighborhood_link({"points": [{"location": "ahuntsic"}]}, state)
        == "/measure/ems-response-time?geography=ahuntsic"
    )
    assert (
        page.neighborhood_link({"points": [{"customdata": "loyola", "y": "Loyola"}]}, state)
        == "/measure/ems-response-time?geography=loyola"
    )
    with pytest.raises(PreventUpdate):
        page.neighborhood_link({"points": [{"location": "javascript:alert(1)"}]}, state)
    with pytest.raises(PreventUpdate):
        page.neighborhood_link(None, state)


def test_equ119_download_is_a_safe_csv_of_the_shown_period(page):
    out = page.table_download({"measure": "violent-crime-rate", "period": "2026-09-01"})
    assert out["filename"] == "violent-crime-rate-2026-09-01-neighborhoods.csv"
    frame = pd.read_csv(io.StringIO(out["content"]))
    assert len(frame) == 58
    assert set(frame["period"]) == {"2026-09-01"}
    assert frame.loc[frame["suppressed"], "value"].isna().all()
    assert frame.loc[~frame["suppressed"], "value"].notna().all()
    with pytest.raises(PreventUpdate):
        page.download_table(None, {"measure": "violent-crime-rate"})


def test_equ120_layout_works_without_arguments(page):
    layout = page.layout()
    assert by_id(layout, page.ids.measure).value == "violent-crime-rate"
    layout = page.layout(measure="ems-response-time", period="2026-06-01", sort="x")
    assert by_id(layout, page.ids.period).value == "2026-06-01"


def test_equ123_the_views_are_served_from_the_cache(demo_request, monkeypatch):
    import pages.equity as page
    from components.context import current_store
    from components.serialization import to_json

    store = current_store()
    resolved = page.resolve(store, "ems-response-time", "2026-09-01")
    first = to_json(page.render_views(store, resolved))
    assert '"equity-map"' in first
    monkeypatch.setattr(page, "gather", lambda *_: pytest.fail("rendered, not read"))
    assert to_json(page.render_views(store, resolved)) == first
    other = page.resolve(store, "ems-response-time", "2026-08-01")
    with pytest.raises(pytest.fail.Exception, match="rendered, not read"):
        page.render_views(store, other)  # another period is another view
