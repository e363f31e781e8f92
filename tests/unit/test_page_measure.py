"""The measure page (/measure/<id>): view state in the URL, the chart's layers, the panels,
neighborhoods, not found, and the CSV download, without a browser."""

from __future__ import annotations

import dataclasses
import io
import math
import re

import dash
import flask
import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import dcc, html

from components import figures, theme
from components import measure_panels as panels
from data.db import make_engine
from data.store import SERIES_COLUMNS, SYSTEM, Store
from tests.conftest import DEMO_AS_OF
from tests.helpers import by_id, copy_sqlite, rendered_and_cached, text_of, walk, with_class

EMS = "ems-response-time"
BOUNDS = panels.Bounds(first="2018-11", latest="2026-10", end="2027-10")


# -- helpers -------------------------------------------------------------------------------


def traces(figure, layer=None, visible_only=False) -> list:
    out = [t for t in figure.data if layer is None or t.meta == layer]
    if visible_only:
        out = [t for t in out if t.visible not in (False, "legendonly")]
    return out


@pytest.fixture
def page(demo_request, monkeypatch):
    from pages import measure

    monkeypatch.setattr(measure, "today", lambda: DEMO_AS_OF)
    monkeypatch.setattr(measure, "cached_page", rendered_and_cached)
    return measure


@pytest.fixture
def store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


@pytest.fixture
def public(page):
    flask.session["role"] = "public"
    return page


# -- the view in the URL -------------------------------------------------------------------


def test_msr001_layers_from_the_query_string():
    assert panels.parse_layers(None) == figures.ALL_LAYERS
    assert panels.parse_layers("") == ()
    assert panels.parse_layers("forecast,history,bogus") == ("history", "forecast")
    assert panels.parse_layers(["target", "control"]) == ("target", "control")


def test_msr002_presets_are_the_last_years_of_history_up_to_the_forecast_end():
    assert panels.range_presets(BOUNDS) == {
        "2y": ("2024-11", "2027-10"),
        "5y": ("2021-11", "2027-10"),
        "all": ("2018-11", "2027-10"),
    }
    short = panels.Bounds("2025-01", "2026-10", "2026-10")
    assert panels.range_presets(short)["5y"] == ("2025-01", "2026-10")


def test_msr003_parse_view_presets_explicit_months_and_bad_input():
    default = panels.parse_view({}, BOUNDS)
    assert default == panels.View(figures.ALL_LAYERS, "5y", "2021-11", "2027-10")
    assert panels.parse_view({"range": "2y"}, BOUNDS).start == "2024-11"
    explicit = panels.parse_view(
        {"layers": "history,target", "from": "2022-01", "to": "2026-10"}, BOUNDS
    )
    assert explicit == panels.View(("history", "target"), None, "2022-01", "2026-10")
    # Reversed, out-of-range and malformed months.
    wide = panels.parse_view({"from": "2030-01", "to": "2010-05"}, BOUNDS)
    assert (wide.start, wide.end, wide.preset) == ("2018-11", "2027-10", "all")
    assert panels.parse_view({"from": "2022-13", "to": "x", "range": "9y"}, BOUNDS).preset == "5y"
    # Months that happen to equal a preset are that preset.
    assert panels.parse_view({"from": "2024-11", "to": "2027-10"}, BOUNDS).preset == "2y"


def test_msr004_view_query_round_trips_through_parse_view():
    for view in (
        panels.View(("history", "target"), "2y", "2024-11", "2027-10"),
        panels.View((), None, "2020-03", "2023-02"),
    ):
        query = panels.view_query(view, "saint-paul-emard")
        params = dict(part.split("=", 1) for part in query[1:].split("&"))
        assert params["geography"] == "saint-paul-emard"
        assert panels.parse_view(params, BOUNDS) == view
    assert panels.view_query(panels.parse_view({}, BOUNDS), "citywide") == (
        "?layers=history,target,forecast,control,annotations,actions&range=5y"
    )
    assert "geography=a%2Fb%26c" in panels.view_query(panels.parse_view({}, BOUNDS), "a/b&c")


def test_msr005_x_range_pads_half_a_month_before_and_a_month_after():
    assert panels.x_range("2022-01", "2026-10") == (
        pd.Timestamp("2021-12-17"),
        pd.Timestamp("2026-11-01"),
    )


def test_msr006_y_range_fits_what_is_visible_in_the_window():
    figure = go.Figure()
    figure.add_scatter(x=["2020-01-01", "2024-01-01", "2025-01-01"], y=[100.0, 10.0, 12.0])
    # A step that spans the whole window counts although neither end is inside it.
    figure.add_scatter(x=["2019-01-01", "2030-01-01", None], y=[5.0, 5.0, None])
    figure.add_scatter(x=["2024-06-01"], y=[1000.0], visible=False)
    figure.add_scatter(x=["2024-06-01"], y=[-50.0], yaxis="y2")
    low, high = panels.y_range(figure.data, "2024-06-01", "2025-06-01")
    # 10 joins the window through the segment to 12; 100 is two points away.
    assert low == pytest.approx(5 - 0.06 * 7) and high == pytest.approx(12 + 0.06 * 7)
    assert panels.y_range(figure.data, "2040-01-01", "2041-01-01") is None


# -- the page ------------------------------------------------------------------------------


def test_msr010_chart_has_every_layer_tagged_and_the_default_view(page, store):
    layout = page.layout(measure_id=EMS)
    graph = by_id(layout, page.ids.graph)
    figure = graph.figure
    assert {t.meta for t in figure.data} <= {*figures.ALL_LAYERS, None}
    assert all(t.meta is not None for t in figure.data)
    names = {t.name for t in traces(figure, visible_only=True)}
    assert {"Actual", "Target", "80% forecast range", "Forecast", "Centre line", "Signal"} <= names
    summary = store.summary(EMS).payload
    signal = next(t for t in figure.data if t.name == "Signal")
    assert len(signal.x) == len(summary["control"]["signals"])
    assert signal.customdata[-1].startswith("4 of 5 values below the centre line")
    assert figure.layout.xaxis.range == ("2021-10-17", "2027-11-01")  # 5 years + forecast
    low, high = figure.layout.yaxis.range
    assert 6.5 < low < 7.5 and 9.2 < high < 10  # fitted to the window, not to 2018
    assert by_id(layout, page.ids.layers).value == list(figures.ALL_LAYERS)
    assert by_id(layout, page.ids.preset).value == "5y"
    assert by_id(layout, page.ids.start).value == "2021-11"
    assert by_id(layout, page.ids.end).value == "2027-10"
    assert by_id(layout, page.ids.view).data["presets"]["2y"] == ["2024-11", "2027-10"]


def test_msr011_stats_panel_says_it_in_words(page):
    layout = page.layout(measure_id=EMS)
    stats = text_of(with_class(layout, "measure-stats"))
    assert "Improving" in stats
    assert "fallen by about 0.09 minutes a year over the last 24 months" in stats
    assert "unlikely to be chance (p = 0.001)" in stats
    assert "chance of meeting the FY2027 target of 7.6 minutes" in stats
    assert "Forecast track record" in stats and "Underconfident" in stats
    assert "signals since March 2024" in stats
    assert "Up 0.16 minutes (+2.1%)" in stats
    header = text_of(with_class(layout, "measure-header"))
    assert "Average EMS response time" in header and "Near target" in header


def test_msr012_layers_and_months_from_the_url(page):
    layout = page.layout(
        measure_id=EMS, layers="history,target", **{"from": "2023-01", "to": "2024-12"}
    )
    figure = by_id(layout, page.ids.graph).figure
    assert traces(figure, "forecast", visible_only=True) == []
    assert traces(figure, "control", visible_only=True) == []
    assert traces(figure, "target", visible_only=True)
    assert all(shape.visible is False for shape in figure.layout.shapes)
    assert figure.layout.xaxis.range == ("2022-12-17", "2025-01-01")
    assert by_id(layout, page.ids.preset).value is None
    assert by_id(layout, page.ids.start).value == "2023-01"


def test_msr013_neighborhood_view_with_citywide_reference(page, store):
    layout = page.layout(measure_id=EMS, geography="ahuntsic", range="2y")
    figure = by_id(layout, page.ids.graph).figure
    reference = traces(figure, panels.REFERENCE)
    assert len(reference) == 1 and reference[0].name == "Citywide"
    actual = next(t for t in figure.data if t.name == "Actual")
    series = store.series(EMS, "ahuntsic")
    assert actual.y[-1] == pytest.approx(series["value"].iloc[-1])
    assert traces(figure, "forecast") == []
    text = text_of(layout)
    assert "Forecasts are citywide only" in text
    assert "Average EMS response time in Ahuntsic" in text
    assert "worse than citywide" in text
    back = by_id(layout, {"type": page.ids.geo_link, "geo": "citywide"})
    assert (
        back.href
        == "/measure/ems-response-time?layers=" + ",".join(figures.ALL_LAYERS) + "&range=2y"
    )
    switches = by_id(layout, page.ids.layers)
    assert "forecast" not in {o["value"] for o in switches.options}
    # The map outlines Ahuntsic, drawn last so its neighbors do not cover the outline.
    shown = next(t for t in by_id(layout, page.ids.map).figure["data"] if t["name"] == "Value")
    assert shown["locations"][-1] == "ahuntsic"
    assert shown["marker"]["line"]["width"][-1] == 3
    assert set(shown["marker"]["line"]["width"][:-1]) == {0.6}
    assert len(shown["z"]) == len(shown["locations"]) == len(shown["customdata"])
    assert "forecast" in switches.value  # kept for the way back to citywide
    assert "(forecasts are citywide only)" in text_of(with_class(layout, "layers-missing"))


def test_msr014_unknown_geography_falls_back_to_citywide(page):
    layout = page.layout(measure_id=EMS, geography="atlantis")
    assert "no neighborhood called “atlantis”" in text_of(layout)
    assert traces(by_id(layout, page.ids.graph).figure, "forecast")


def test_msr015_unknown_or_invisible_measure_is_not_found(page, store):
    for layout in (page.layout(), page.layout(measure_id="no-such-measure")):
        assert "We couldn't find that measure" in text_of(layout)
    internal = next(m.id for m in store.measures() if not m.is_public)
    assert "We couldn't find that measure" not in text_of(page.layout(measure_id=internal))
    flask.session["role"] = "public"
    # The public never reaches staff pages: a sign-in prompt, and nothing of the measure.
    shown = text_of(page.layout(measure_id=internal))
    assert "Sign in to see this page" in shown
    assert next(m.name for m in store.measures() if m.id == internal) not in shown


def test_msr016_neighborhood_section_map_bars_and_linked_table(page, store):
    layout = page.layout(measure_id=EMS, range="2y")
    bars = by_id(layout, page.ids.bars).figure
    assert len(bars["data"][0]["y"]) == 58
    assert set(bars["data"][0]["customdata"]) == {g.id for g in store.geographies()}
    mapped = by_id(layout, page.ids.map).figure
    assert mapped["data"][0]["type"] == "choropleth"
    assert "Neighborhoods, October 2026" in text_of(with_class(layout, "measure-neighborhoods"))

    def geo_links(tree):
        return [c for c in walk(tree) if isinstance(c, dcc.Link) and isinstance(c.id, dict)]

    # The table is built when its disclosure is first opened, with the URL's view.
    assert geo_links(with_class(layout, "measure-neighborhoods")) == []
    view = by_id(layout, page.ids.view).data
    table = page.show_neighborhood_table(1, view, "?range=2y")
    links = geo_links(table)
    assert len(links) == 58
    assert links[0].href.startswith("/measure/ems-response-time?layers=")
    assert "&range=2y&geography=" in links[0].href
    assert "Pointe-aux-Trembles" in text_of(table)
    assert "(best first)" in text_of(table)
    assert page.show_neighborhood_table(2, view, "?range=2y") is dash.no_update
    unknown = {**view, "measure_id": "nope"}
    assert text_of(page.show_neighborhood_table(1, unknown, "")) == "This table is not available."


def test_msr017_suppressed_neighborhoods_are_shown_as_such(page):
    layout = page.layout(measure_id="violent-crime-rate")
    text = text_of(with_class(layout, "measure-neighborhoods"))
    assert "44 of 58 neighborhoods have too few cases" in text
    table = text_of(page.show_neighborhood_table(1, by_id(layout, page.ids.view).data, ""))
    assert table.count("Suppressed: fewer than 11 events") == 44
    bars = by_id(layout, page.ids.bars).figure
    assert len(bars["data"][0]["y"]) == 14


def test_msr018_open_actions_with_overdue_flag_and_hidden_from_the_public(page):
    layout = page.layout(measure_id="police-overtime")
    actions = text_of(with_class(layout, "measure-actions"))
    assert "Propose an overtime reduction plan" in actions
    assert "Overdue by 15 days" in actions  # due 1 November 2026, as of 16 November
    assert "Deputy Police Commissioner, Administration" in actions
    quiet = text_of(with_class(page.layout(measure_id=EMS), "measure-actions"))
    assert "No open action items" in quiet  # its only action is done
    flask.session["role"] = "public"
    assert with_class(page.layout(measure_id=EMS), "measure-actions") == []


def test_msr019_about_the_data_and_staleness(page):
    layout = page.layout(measure_id=EMS)
    about = text_of(with_class(layout, "measure-about"))
    for words in (
        "Fire Department",
        "Deputy Fire Chief, EMS",
        "Computer-aided dispatch",
        "Monthly, within 31 days of the month's end",
        "October 2026",
        "Up to date",
    ):
        assert words in about
    stale = page.layout(measure_id="illegal-dumping")
    assert "Stale data" in text_of(with_class(stale, "measure-header"))
    assert "Late: figures for July 2026" in text_of(with_class(stale, "measure-about"))


def test_msr020_measure_without_targets_says_so(page):
    layout = page.layout(measure_id="pothole-reports")
    switches = by_id(layout, page.ids.layers)
    assert [o["value"] for o in switches.options] == [
        "history",
        "forecast",
        "control",
        "annotations",
    ]
    assert "(no target and tolerance)" in text_of(with_class(layout, "layers-missing"))
    assert "There is no upcoming target." in text_of(with_class(layout, "measure-stats"))


def test_msr021_data_table_has_every_period_newest_first(page, store):
    layout = page.layout(measure_id=EMS)
    # Built when first opened, for the view the page shows.
    assert not [c for c in with_class(layout, "measure-data-table") if "newest first" in text_of(c)]
    view = by_id(layout, page.ids.view).data
    table = page.show_table(1, view)
    assert "citywide, newest first" in text_of(table)
    rows = [r for r in walk(table) if isinstance(r, html.Tr)][1:]
    assert len(rows) == len(store.series(EMS))
    assert text_of(rows[0]).startswith("October 2026")
    assert "Near target" in text_of(rows[0])
    assert page.show_table(2, view) is dash.no_update  # reopening keeps the built table
    rows = [r for r in walk(table) if isinstance(r, html.Tr)][1:]
    assert len(rows) == len(store.series(EMS))
    assert text_of(rows[0]).startswith("October 2026")
    assert "Near target" in text_of(rows[0])


# -- the CSV download ----------------------------------------------------------------------


def test_msr030_csv_download_is_the_series_with_targets(page, store):
    result = page.csv_download(EMS)
    assert result["filename"] == "ems-response-time.csv"
    frame = pd.read_csv(io.StringIO(result["content"]))
    assert list(frame.columns) == [
        "measure_id",
        "geography_id",
        "period",
        "value",
        "numerator",
        "denominator",
        "target",
        "tolerance",
        "status",
    ]
    assert len(frame) == len(store.series(EMS))
    assert frame["period"].iloc[-1] == "2026-10-01"
    assert frame["status"].iloc[-1] == "near" and frame["target"].iloc[-1] == 7.6
    assert result["content"].endswith("\r\n")

    neighborhood = page.csv_download(EMS, "ahuntsic")
    assert neighborhood["filename"] == "ems-response-time_ahuntsic.csv"
    assert set(pd.read_csv(io.StringIO(neighborhood["content"]))["geography_id"]) == {"ahuntsic"}
    assert page.csv_download(EMS, "atlantis") is None
    assert page.csv_download("no-such-measure") is None


def test_msr031_download_callback_and_visibility(page, store):
    view = {"measure_id": EMS, "geography": "citywide"}
    assert page.download_csv(1, view)["filename"] == "ems-response-time.csv"
    assert page.download_csv(None, view) is dash.no_update
    internal = next(m.id for m in store.measures() if not m.is_public)
    assert page.download_csv(1, {"measure_id": internal, "geography": "citywide"})
    flask.session["role"] = "public"
    assert page.download_csv(1, {"measure_id": internal, "geography": "citywide"}) is (
        dash.no_update
    )


def test_msr022_failed_forecast_shows_its_reason(page, monkeypatch):
    original = Store.summary

    def failed(self, measure_id, geography_id="citywide"):
        info = original(self, measure_id, geography_id)
        payload = dict(info.payload)
        payload["forecast"] = {"error": "fewer than 3 values to forecast from", "points": []}
        payload["target"] = {
            **payload["target"],
            "outlook": {"probability": None, "reason": "The forecast failed."},
        }
        return dataclasses.replace(info, payload=payload)

    monkeypatch.setattr(Store, "summary", failed)
    layout = page.layout(measure_id=EMS)
    stats = text_of(with_class(layout, "measure-stats"))
    assert "No forecast" in stats and "Fewer than 3 values to forecast from." in stats
    assert "No probability" in stats and "The forecast failed." in stats
    assert traces(by_id(layout, page.ids.graph).figure, "forecast") == []
    assert "no forecast band" in text_of(with_class(layout, "layers-missing"))


def test_msr023_a_measure_without_data_yet(page, monkeypatch):
    monkeypatch.setattr(Store, "series", lambda self, *a, **k: pd.DataFrame(columns=SERIES_COLUMNS))
    monkeypatch.setattr(Store, "summary", lambda self, *a, **k: None)
    layout = page.layout(measure_id=EMS)
    assert "No data has been reported for this measure yet." in str(
        by_id(layout, page.ids.graph).figure.layout.annotations[0].text
    )
    assert by_id(layout, page.ids.start).options == []
    assert "No data has been reported yet." in text_of(layout)
    assert page._title(EMS) == "Average EMS response time · Statroom"
    assert page._title("nope") == "Measure · Statroom"


def test_msr024_per_capita_neighborhoods_are_per_thousand_residents(page):
    layout = page.layout(measure_id="pothole-reports")
    text = text_of(with_class(layout, "measure-neighborhoods"))
    assert "Each neighborhood's reports per 1,000 residents with its 95% interval" in text
    assert "per 1,000 residents" in text.split("citywide:")[1].split(".")[1]
    view = by_id(layout, page.ids.view).data
    table = text_of(page.show_neighborhood_table(1, view, ""))
    assert "per 1,000 residents" in table
    assert re.search(r"\d reports", table) is None  # no value in the measure's own unit


def test_msr025_darker_is_worse_on_the_map(page):
    lower_is_better = by_id(page.layout(measure_id=EMS), page.ids.map).figure
    assert lower_is_better["data"][0]["reversescale"] is True  # long waits dark
    higher_is_better = by_id(page.layout(measure_id="fire-arrival-standard"), page.ids.map).figure
    assert not higher_is_better["data"][0]["reversescale"]  # low shares dark


def test_msr027_data_table_of_a_neighborhood_or_a_hidden_measure(page, store):
    north = store.geographies()[0]
    table = page.data_table(EMS, north.id)
    assert f"in {north.name}, newest first" in text_of(table)
    rows = [r for r in walk(table) if isinstance(r, html.Tr)][1:]
    assert len(rows) == len(store.series(EMS, north.id))
    for bad in (("no-such-measure", "citywide"), (EMS, "no-such-place"), (None, "citywide")):
        assert text_of(page.data_table(*bad)) == "This table is not available."


def test_msr026_chart_and_neighborhoods_are_cached_and_edits_show_on_the_next_visit(
    demo_database_url, tmp_path, monkeypatch
):
    """The trend chart's key holds its annotations and action items, which are edited in
    place; the neighborhood card's holds the neighborhood shown."""
    from app import create_app
    from components.serialization import to_json
    from data import meetings as writes
    from data.config import Config
    from data.store import Viewer

    url = copy_sqlite(demo_database_url, tmp_path / "demo.db")
    app = create_app(Config(database_url=url, secret_key="test", anonymous_role="viewer"))
    from pages import measure  # after the app: importing it registers the page

    monkeypatch.setattr(measure, "today", lambda: DEMO_AS_OF)
    drawn = {"chart": 0, "neighborhoods": 0}

    def counted(name, draw):
        def wrapper(*args, **kwargs):
            drawn[name] += 1
            return draw(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(panels, "measure_figure", counted("chart", panels.measure_figure))
    monkeypatch.setattr(
        measure, "_neighborhoods_card", counted("neighborhoods", measure._neighborhoods_card)
    )
    engine, editor = make_engine(url), Viewer("editor", "test-editor")

    def visit(**query) -> str:
        with app.server.test_request_context("/"):
            return to_json(measure.layout(measure_id=EMS, **query))

    first = visit()
    assert visit() == first
    assert drawn == {"chart": 1, "neighborhoods": 1}

    writes.add_annotation(
        engine, editor, label="Second crew starts", start_date="2026-03-01", measure_id=EMS
    )
    annotated = visit()
    assert drawn == {"chart": 2, "neighborhoods": 1}
    assert "Second crew starts" in annotated

    writes.add_action(
        engine,
        editor,
        description="Audit dispatch codes",
        owner="EMS",
        due_date="2026-12-15",
        measure_id=EMS,
    )
    with_action = visit()
    assert drawn["chart"] == 3
    assert with_action.count("Audit dispatch codes") > annotated.count("Audit dispatch codes")

    north = Store(engine, SYSTEM).geographies()[0].id
    visit(geography=north)
    visit(range="2y")
    assert drawn == {"chart": 5, "neighborhoods": 2}  # the range changes the chart only
    assert visit() == with_action
    assert drawn == {"chart": 5, "neighborhoods": 2}


def test_msr032_graphs_start_at_the_margins_their_labels_need(page):
    from components import chart_margins as cm

    layout = page.layout(measure_id=EMS)
    figure = by_id(layout, page.ids.graph).figure
    assert figure.layout.showlegend is False  # the key is HTML (msr033)
    low, high = figure.layout.yaxis.range
    labels = cm.value_tick_labels(low, high, prefix="", spec=",.1f", suffix=" min")
    assert labels[-1] == f"{high:.1f} min"
    widest = max(cm.text_width(label) for label in labels)
    margin = figure.layout.margin
    # plotly.js's pad is 8 px here, the smallest margin (r).
    assert (margin.l, margin.r, margin.t, margin.b) == (math.ceil(widest + 23 + 8), 8, 40, 27)

    bars = by_id(layout, page.ids.bars).figure
    widest_name = max(cm.text_width(name) for name in bars["data"][0]["y"])
    assert bars["layout"]["margin"] == dict(l=math.ceil(widest_name + 1 + 12), r=16, t=36, b=31)

    mapped = by_id(layout, page.ids.map).figure
    values = mapped["data"][0]
    colorbar = cm.value_axis_width(
        min(values["z"]), max(values["z"]), prefix="", spec=",.1f", suffix=" min"
    )
    assert mapped["layout"]["margin"]["r"] == math.ceil(colorbar + 44)
    assert mapped["layout"]["margin"]["l"] == 0


def test_msr033_the_key_names_every_drawn_series_in_its_own_style(page):
    layout = page.layout(measure_id=EMS)
    key = with_class(layout, "chart-key")[0]
    entries = [
        (getattr(li, "data-layer"), li.children[1]) for li in with_class(key, "chart-key-entry")
    ]
    assert entries == [
        ("history", "Actual"),
        ("target", "Target"),
        ("target", "Near-target band"),
        ("forecast", "Forecast"),
        ("forecast", "80% forecast range"),
        ("forecast", "95% forecast range"),
        ("control", "Centre line"),
        ("control", "Natural limits"),
        ("control", "Signal"),
        ("annotations", "Annotated event"),
        ("annotations", "Annotated period"),
        ("actions", "Action due"),
        ("actions", "Action completed"),
    ]
    swatches = {li.children[1]: li.children[0] for li in with_class(key, "chart-key-entry")}
    assert swatches["Target"].style["borderTop"] == f"3px dotted {theme.GREEN}"
    assert swatches["Forecast"].style["borderTop"] == f"2px dashed {theme.BLUE}"
    assert "key-band" in swatches["80% forecast range"].className
    assert swatches["80% forecast range"].style["background"] == "rgba(0,114,178,0.24)"
    assert swatches["Signal"].children == "◆"
    # A neighborhood's chart names the citywide line behind it, and has no forecast.
    layout = page.layout(measure_id=EMS, geography="ahuntsic")
    key = with_class(layout, "chart-key")[0]
    names = [li.children[1] for li in with_class(key, "chart-key-entry")]
    assert names[:2] == ["Actual", "Citywide"] and "Forecast" not in names
