"""Browser journeys on the measure page: the chart's layers and date range change in the
browser and in the URL, a neighborhood opens from the bars, a shared link reopens the
same view, Back restores the previous one."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from data.db import make_engine
from data.store import SYSTEM, Store

EMS = "ems-response-time"
ALL = "history,target,forecast,control,annotations,actions"


@pytest.fixture
def store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def open_measure(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element("#measure-graph .js-plotly-plot", timeout=30)
    until(lambda: chart(dash_duo)["traces"], timeout=10)
    dash_duo._wait_for_callbacks()


def chart(dash_duo) -> dict:
    """What the main chart shows: its traces (name, layer, visible) and axis ranges."""
    return dash_duo.driver.execute_script(
        """
        const gd = document.querySelector('#measure-graph .js-plotly-plot');
        if (!gd || !gd.data) { return {traces: []}; }
        return {
            traces: gd.data.map(t => ({name: t.name || '', layer: t.meta || '',
                                       visible: t.visible !== false && t.visible !== 'legendonly'})),
            x: gd.layout.xaxis.range,
            y: gd.layout.yaxis.range,
            shapes: (gd.layout.shapes || []).map(s => s.visible !== false),
        };
        """
    )


def shown(dash_duo, layer: str) -> list[str]:
    return [t["name"] for t in chart(dash_duo)["traces"] if t["layer"] == layer and t["visible"]]


def query(dash_duo) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(dash_duo.driver.current_url).query).items()}


def click(dash_duo, element) -> None:
    """Scroll ``element`` into view at once (Bootstrap scrolls smoothly) and click it."""
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def switch(dash_duo, layer: str):
    return dash_duo.find_element(f"label[for='_dbcprivate_checklist_measure-layers_input_{layer}']")


def test_msr101_chart_shows_target_forecast_band_and_signals(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}")
    assert dash_duo.find_element("#main h1").text == "Average EMS response time"
    assert "Target" in shown(dash_duo, "target")
    assert {"80% forecast range", "95% forecast range", "Forecast"} <= set(
        shown(dash_duo, "forecast")
    )
    assert {"Signal", "Centre line"} <= set(shown(dash_duo, "control"))
    assert "Actual" in shown(dash_duo, "history")
    assert chart(dash_duo)["x"][0].startswith("2021-10-17")  # the 5-year default
    # The signal's rule is named on hover.
    hover = dash_duo.driver.execute_script(
        "const gd = document.querySelector('#measure-graph .js-plotly-plot');"
        "return gd.data.find(t => t.name === 'Signal').customdata.slice(-1)[0];"
    )
    assert hover.startswith("4 of 5 values below the centre line")
    stats = dash_duo.find_element(".measure-stats").text
    assert "chance of meeting the FY2027 target of 7.6 minutes" in stats
    assert "Underconfident" in stats
    assert dash_duo.get_logs() == []


def test_msr102_switching_a_layer_off_removes_it_and_updates_the_url(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}")
    switch(dash_duo, "forecast").click()
    until(lambda: shown(dash_duo, "forecast") == [], timeout=5)
    assert "Target" in shown(dash_duo, "target")  # the others stay
    until(lambda: query(dash_duo).get("layers") == ALL.replace("forecast,", ""), timeout=5)
    switch(dash_duo, "annotations").click()
    until(lambda: not any(chart(dash_duo)["shapes"]), timeout=5)
    switch(dash_duo, "forecast").click()
    until(lambda: "Forecast" in shown(dash_duo, "forecast"), timeout=5)
    assert dash_duo.get_logs() == []


def test_msr103_date_presets_and_months_change_the_x_range_and_the_url(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}")
    y_before = chart(dash_duo)["y"]
    dash_duo.find_element(
        "label[for='_dbcprivate_radioitems_measure-range-preset_input_2y']"
    ).click()
    until(lambda: chart(dash_duo)["x"][0].startswith("2024-10-17"), timeout=5)
    assert chart(dash_duo)["x"][1].startswith("2027-11-01")
    until(lambda: query(dash_duo).get("range") == "2y", timeout=5)
    assert Select(dash_duo.find_element("#measure-range-from")).first_selected_option.text == (
        "Nov 2024"
    )
    assert chart(dash_duo)["y"][1] < y_before[1]  # y refits to the shorter window

    # Keyboard: the from-month select, then the "All" preset by arrow keys.
    Select(dash_duo.find_element("#measure-range-from")).select_by_visible_text("Jan 2020")
    until(lambda: chart(dash_duo)["x"][0].startswith("2019-12-17"), timeout=5)
    until(lambda: query(dash_duo).get("from") == "2020-01", timeout=5)
    assert "range" not in query(dash_duo) and query(dash_duo)["to"] == "2027-10"
    radio = dash_duo.find_element("#_dbcprivate_radioitems_measure-range-preset_input_5y")
    dash_duo.driver.execute_script("arguments[0].focus();", radio)
    radio.send_keys(Keys.SPACE)
    until(lambda: query(dash_duo).get("range") == "5y", timeout=5)
    radio.send_keys(Keys.ARROW_RIGHT)
    until(lambda: query(dash_duo).get("range") == "all", timeout=5)
    until(lambda: chart(dash_duo)["x"][0].startswith("2018-10-17"), timeout=5)
    assert dash_duo.get_logs() == []


def test_msr104_clicking_a_neighborhood_bar_opens_its_series(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}?range=2y")
    dash_duo.wait_for_element("#measure-bars .js-plotly-plot .point", timeout=20)
    bar = dash_duo.find_elements("#measure-bars .js-plotly-plot .bars .point path")[0]
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", bar
    )
    ActionChains(dash_duo.driver).move_to_element(bar).click().perform()
    until(lambda: "geography" in query(dash_duo), timeout=10)
    geography = query(dash_duo)["geography"]
    assert query(dash_duo)["range"] == "2y"  # the view is kept
    dash_duo.wait_for_contains_text(".showing-bar", "back to citywide", timeout=20)
    until(lambda: any(t["name"] == "Citywide" for t in chart(dash_duo)["traces"]), timeout=10)
    assert shown(dash_duo, "forecast") == []
    assert "Forecasts are citywide only" in dash_duo.find_element(".measure-stats").text
    # Back to citywide through the link.
    click(dash_duo, dash_duo.find_element(".back-to-citywide"))
    until(lambda: "geography" not in query(dash_duo), timeout=10)
    until(lambda: "Forecast" in shown(dash_duo, "forecast"), timeout=20)
    assert geography
    assert dash_duo.get_logs() == []


def test_msr105_a_shared_link_reopens_the_same_view(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    open_measure(
        dash_duo,
        f"/measure/{EMS}?layers=history,target&from=2023-01&to=2024-12&geography=ahuntsic",
    )
    dash_duo.wait_for_contains_text(".showing-bar", "Ahuntsic", timeout=20)
    view = chart(dash_duo)
    assert view["x"][0].startswith("2022-12-17") and view["x"][1].startswith("2025-01-01")
    assert shown(dash_duo, "control") == [] and shown(dash_duo, "forecast") == []
    assert "Target" in shown(dash_duo, "target")
    checked = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#measure-layers input:checked'), e => e.value);"
    )
    assert checked == ["history", "target"]
    assert Select(dash_duo.find_element("#measure-range-to")).first_selected_option.text == (
        "Dec 2024"
    )
    assert not dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#measure-range-preset input')).some(e => e.checked);"
    )
    # The citywide link keeps the view.
    back = dash_duo.find_element(".back-to-citywide").get_attribute("href")
    assert back.endswith(f"/measure/{EMS}?layers=history,target&from=2023-01&to=2024-12")
    assert dash_duo.get_logs() == []


def test_msr106_back_restores_the_previous_view(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    # From the bare address: Back returns to it, and to the default view.
    open_measure(dash_duo, f"/measure/{EMS}")
    dash_duo.find_element(
        "label[for='_dbcprivate_radioitems_measure-range-preset_input_2y']"
    ).click()
    until(lambda: query(dash_duo).get("range") == "2y", timeout=5)
    switch(dash_duo, "control").click()
    until(lambda: "control" not in query(dash_duo).get("layers", "x"), timeout=5)
    until(lambda: shown(dash_duo, "control") == [], timeout=5)
    dash_duo.driver.back()
    until(lambda: "Signal" in shown(dash_duo, "control"), timeout=10)
    assert chart(dash_duo)["x"][0].startswith("2024-10-17")  # still 2 years
    dash_duo.driver.back()
    until(lambda: query(dash_duo) == {}, timeout=5)
    until(lambda: chart(dash_duo)["x"][0].startswith("2021-10-17"), timeout=10)
    assert dash_duo.driver.execute_script(
        "return document.querySelector('#_dbcprivate_checklist_measure-layers_input_control').checked;"
    )
    assert dash_duo.get_logs() == []


def test_msr107_data_table_and_csv_download_button(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}")
    click(dash_duo, dash_duo.find_element(".measure-chart-card details summary"))
    dash_duo.wait_for_element(".measure-chart-card .measure-data-table tbody tr", timeout=10)
    rows = dash_duo.find_elements(".measure-chart-card .measure-data-table tbody tr")
    assert len(rows) == len(store.series(EMS))
    assert rows[0].find_element(By.CSS_SELECTOR, "th").text == "October 2026"
    # Headless Chromium saves downloads only when told where.
    dash_duo.driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": dash_duo.download_path}
    )
    click(dash_duo, dash_duo.find_element("#measure-download-button"))
    saved = Path(dash_duo.download_path) / f"{EMS}.csv"
    until(saved.exists, timeout=10)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("measure_id,geography_id,period,value")
    assert len(lines) == len(store.series(EMS)) + 1
    assert dash_duo.get_logs() == []


#: Counts, per graph id, the times plotly.js draws a figure (``window.__draws``); run
#: before the page's scripts, it wraps ``Plotly.react`` and ``Plotly.newPlot`` as soon
#: as the bundle defines ``window.Plotly``.
COUNT_DRAWS = """
window.__draws = {};
let plotly;
Object.defineProperty(window, "Plotly", {configurable: true, get() { return plotly; },
  set(value) {
    plotly = value;
    for (const name of ["react", "newPlot"]) {
      const draw = value[name];
      value[name] = function (gd, ...rest) {
        const id = (gd && gd.parentElement && gd.parentElement.id) || "?";
        window.__draws[id] = (window.__draws[id] || 0) + 1;
        return draw.call(this, gd, ...rest);
      };
    }
  }});
"""


def test_msr109_first_view_needs_no_server_callback(dash_duo, demo_app):
    # The page arrives with the app's layout, so the browser draws it without a routing
    # round trip; the measure page then needs no server callback until the user acts.
    dash_duo.start_server(demo_app)
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_DRAWS}
    )
    open_measure(dash_duo, f"/measure/{EMS}?range=2y")
    dash_duo.wait_for_element("#measure-map .js-plotly-plot .main-svg", timeout=20)
    posts = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('_dash-update-component')).length;"
    )
    assert posts == 0
    # The head's preloads are what the renderer uses: one request each, and the map
    # draws without fetching plotly.js's base map (assets/statroom/basemap.js).
    requested = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".map(e => [new URL(e.name).pathname, e.initiatorType]);"
    )
    for endpoint in ("/_dash-layout", "/_dash-dependencies"):
        assert [by for path, by in requested if path == endpoint] == ["link"]
    assert not [path for path, _ in requested if path.endswith("world_110m.json")]
    # Each figure is drawn once: the URL agrees with the controls on arrival, so the
    # view callback does not draw the chart again.
    draws = dash_duo.driver.execute_script("return window.__draws;")
    assert draws == {"measure-graph": 1, "measure-map": 1, "measure-bars": 1}
    assert dash_duo.driver.title == "Average EMS response time · Statroom"
    # Links within the app still route through Dash Pages.
    click(dash_duo, dash_duo.find_element(".breadcrumb-item:nth-child(2) a"))
    dash_duo.wait_for_element("#area-tiles", timeout=20)
    assert urlparse(dash_duo.driver.current_url).path.startswith("/area/")
    # The first view's title came with the HTML; after a link, Dash Pages sets it.
    until(lambda: dash_duo.driver.title == "Public Safety · Statroom", timeout=10)
    assert dash_duo.get_logs() == []


def test_msr110_neighborhood_table_is_built_when_opened_and_keeps_the_view(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}?range=2y")
    assert dash_duo.find_elements(".measure-neighborhoods .measure-data-table") == []
    click(dash_duo, dash_duo.find_element("#measure-neighborhood-table-summary"))
    dash_duo.wait_for_element(".measure-neighborhoods .measure-data-table tbody tr", timeout=10)
    rows = dash_duo.find_elements(".measure-neighborhoods .measure-data-table tbody tr")
    assert len(rows) == 58

    def hrefs():
        return [
            a.get_attribute("href")
            for a in dash_duo.find_elements(".measure-neighborhoods .measure-data-table a")
        ]

    assert all("range=2y" in href and "geography=" in href for href in hrefs())
    # Changing the view keeps the table's links in step.
    click(
        dash_duo,
        dash_duo.find_element("label[for='_dbcprivate_radioitems_measure-range-preset_input_all']"),
    )
    until(lambda: all("range=all" in href for href in hrefs()), timeout=5)
    assert dash_duo.get_logs() == []


def test_msr108_unknown_measure_is_a_friendly_not_found(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/measure/no-such-measure")
    dash_duo.wait_for_text_to_equal("#main h1", "We couldn't find that measure", timeout=20)
    assert dash_duo.find_element("#main a.btn").get_attribute("href").endswith("/")
    assert dash_duo.get_logs() == []


# Each graph's margins as sent, as plotly.js drew them, and as it settles on when started
# from none (so without its pad).
MARGINS = """
const done = arguments[arguments.length - 1];
(async () => {
  const out = {};
  for (const id of ["measure-graph", "measure-map", "measure-bars"]) {
    const gd = document.querySelector("#" + id + " .js-plotly-plot");
    if (!gd.layout.margin) { continue; }  // citywide only: no map or bars
    const sent = Object.assign({}, gd.layout.margin);
    const drawn = Object.assign({}, gd._fullLayout._size);
    await window.Plotly.relayout(gd, {"margin.l": 0, "margin.r": 0, "margin.t": 0, "margin.b": 0});
    const needed = Object.assign({}, gd._fullLayout._size);
    await window.Plotly.relayout(gd, {margin: sent});
    out[id] = {sent, drawn, needed};
  }
  done(out);
})();
"""


@pytest.mark.parametrize(
    "measure", [EMS, "violent-crime-rate", "police-overtime", "resident-satisfaction"]
)
def test_msr111_graphs_are_drawn_at_the_margins_sent(dash_duo, demo_app, measure):
    # The server sends each graph with the margins its labels will need
    # (components/chart_margins.py), so plotly.js draws it once instead of widening the
    # margins and drawing it again. Minutes, a rate, dollars and percent, with their maps
    # and bars.
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{measure}")
    dash_duo.driver.execute_script("return document.fonts.ready;")
    open_measure(dash_duo, f"/measure/{measure}")  # with Inter loaded, as on any later visit
    dash_duo.wait_for_element("#measure-map .js-plotly-plot .main-svg", timeout=20)
    graphs = dash_duo.driver.execute_async_script(MARGINS)
    sides = {"measure-graph": "lb", "measure-map": "r", "measure-bars": "lb"}
    assert "measure-graph" in graphs
    assert ("measure-map" in graphs) == (measure != "police-overtime")
    for graph, checked in sides.items():
        if graph not in graphs:
            continue
        sent, drawn, needed = (graphs[graph][k] for k in ("sent", "drawn", "needed"))
        pad = min(12, *(sent[side] for side in "lrtb"))
        for side in checked:
            assert drawn[side] == pytest.approx(sent[side]), (graph, side, graphs[graph])
            # ... and not much more than it needs: the estimates lean large, by a few px.
            assert 0 <= sent[side] - pad - needed[side] <= 6, (graph, side, graphs[graph])
    assert dash_duo.get_logs() == []


def test_msr112_the_key_dims_what_is_switched_off(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}")
    entry = ".chart-key-entry[data-layer='forecast']"

    def opacities():
        return dash_duo.driver.execute_script(
            "return [...document.querySelectorAll('.chart-key-entry')]"
            ".map(li => [li.dataset.layer, li.textContent, getComputedStyle(li).opacity]);"
        )

    assert {layer for layer, _, opacity in opacities() if opacity != "1"} == set()
    assert [text for layer, text, _ in opacities() if layer == "forecast"] == [
        "Forecast",
        "80% forecast range",
        "95% forecast range",
    ]
    switch(dash_duo, "forecast").click()
    until(lambda: shown(dash_duo, "forecast") == [], timeout=5)
    until(lambda: {layer for layer, _, o in opacities() if float(o) < 0.5} == {"forecast"}, 5)
    assert dash_duo.find_element(entry).is_displayed()  # still there, to switch back on
    switch(dash_duo, "forecast").click()
    until(lambda: all(float(o) == 1 for _, _, o in opacities()), timeout=5)
    assert dash_duo.get_logs() == []


def test_msr113_the_png_download_carries_the_key(dash_duo, demo_app):
    # The key is HTML, so plotly.js's camera button would download the chart without it;
    # the page downloads a copy drawn with plotly.js's legend instead, of what is shown.
    dash_duo.start_server(demo_app)
    open_measure(dash_duo, f"/measure/{EMS}?layers=history,target")
    downloaded = dash_duo.driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const calls = [];
        const real = window.Plotly.downloadImage;
        window.Plotly.downloadImage = (figure, options) => {
          calls.push(options);
          return window.Plotly.toImage(figure, Object.assign({}, options, {format: "svg"}))
            .then(url => done({calls, svg: decodeURIComponent(url.split(",")[1])}));
        };
        document.querySelector(
          '#measure-graph .modebar-btn[data-title="Download plot as a PNG"]').click();
        window.Plotly.downloadImage = real;
        """
    )
    [options] = downloaded["calls"]
    assert options["format"] == "png" and options["filename"] == "measure-ems-response-time"
    legend = re.findall(r'class="legendtext"[^>]*>([^<]*)<', downloaded["svg"])
    assert legend == ["Target", "Actual"]  # the layers shown, not the hidden ones
    assert dash_duo.get_logs() == []
