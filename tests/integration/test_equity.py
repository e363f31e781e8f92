"""The neighborhood explorer in a browser: an equity officer changes measure and period,
shares the URL, goes Back, and opens a neighborhood."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from data.db import make_engine
from data.store import SYSTEM, Store

TIMEOUT = 40

# The JSON of a graph's traces as plotly holds them (typed arrays made plain lists).
TRACES = """
const graph = document.getElementById(arguments[0]);
const plot = graph && graph.querySelector('.js-plotly-plot');
if (!plot || !plot.data) { return null; }
const plain = (v) => (v && typeof v === 'object' && typeof v.length === 'number') ? Array.from(v) : v;
return plot.data.map((t) => ({
  name: t.name || null, x: plain(t.x), y: plain(t.y), z: plain(t.z),
  locations: plain(t.locations), customdata: plain(t.customdata)
}));
"""


@pytest.fixture
def store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def traces(dash_duo, graph_id):
    return dash_duo.driver.execute_script(TRACES, graph_id)


def wait_for_traces(dash_duo, graph_id):
    dash_duo.wait_for_element(f"#{graph_id} .js-plotly-plot", timeout=TIMEOUT)
    until(lambda: traces(dash_duo, graph_id), timeout=TIMEOUT)
    return traces(dash_duo, graph_id)


def snapshot(dash_duo):
    """What the map, the ranking and the gap chart currently draw."""
    return {g: wait_for_traces(dash_duo, g) for g in ("equity-map", "equity-bars", "equity-gap")}


def pick(dash_duo, dropdown_id, value, search=None):
    """Open a Dash dropdown, optionally type a search, and choose the option ``value``."""
    dash_duo.find_element(f"#{dropdown_id}").click()
    if search:
        box = dash_duo.wait_for_element(".dash-dropdown-content input.dash-dropdown-search")
        box.send_keys(search)
    option = dash_duo.wait_for_element(
        f'.dash-dropdown-content input[value="{value}"]', timeout=TIMEOUT
    )
    option.find_element(By.XPATH, "./ancestor::label[1]").click()


#: Records what triggered each callback request the page sends (``window.__triggers``).
RECORD_TRIGGERS = """
window.__triggers = [];
const send = window.fetch;
window.fetch = function (url, options) {
  if (String(url).includes("_dash-update-component")) {
    window.__triggers.push(JSON.parse(options.body).changedPropIds);
  }
  return send.apply(this, arguments);
};
"""


def triggers(dash_duo) -> list[str]:
    """Every property whose change made the page ask the server, in order."""
    dash_duo._wait_for_callbacks()
    sent = dash_duo.driver.execute_script("return window.__triggers;")
    return [prop for request in sent for prop in request]


def open_page(dash_duo, demo_app, path):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element("#equity-views h2", timeout=TIMEOUT)


def test_equ001_changing_measure_and_period_updates_every_view(dash_duo, demo_app, store):
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_TRIGGERS}
    )
    open_page(dash_duo, demo_app, "/equity?measure=violent-crime-rate")
    dash_duo.wait_for_contains_text("#equity-views h2", "October 2026", timeout=TIMEOUT)
    before = snapshot(dash_duo)

    # A new measure: the URL, the heading and all three figures change.
    pick(dash_duo, "equity-measure", "ems-response-time", search="EMS")
    dash_duo.wait_for_contains_text("#equity-views h2", "Average EMS response time", TIMEOUT)
    assert "measure=ems-response-time" in dash_duo.driver.current_url
    assert "period=" not in dash_duo.driver.current_url
    ems = snapshot(dash_duo)
    for graph in before:
        assert ems[graph] != before[graph], f"{graph} did not change with the measure"
    # The URL the server wrote asks for the view it drew, so it is not sent back.
    assert "equity-measure.value" in triggers(dash_duo)
    assert "equity-url-asks.data" not in triggers(dash_duo)

    # One period earlier: the cross-section changes, the gap series is marked elsewhere.
    dash_duo.find_element("#equity-earlier").click()
    dash_duo.wait_for_contains_text("#equity-views h2", "September 2026", TIMEOUT)
    assert "period=2026-09-01" in dash_duo.driver.current_url
    september = snapshot(dash_duo)
    assert september["equity-map"] != ems["equity-map"]
    assert september["equity-bars"] != ems["equity-bars"]
    assert september["equity-gap"] != ems["equity-gap"]

    # Any period from the picker.
    pick(dash_duo, "equity-period", "2025-03-01", search="March 2025")
    dash_duo.wait_for_contains_text("#equity-views h2", "March 2025", TIMEOUT)
    assert "period=2025-03-01" in dash_duo.driver.current_url
    assert snapshot(dash_duo)["equity-map"] != september["equity-map"]

    # Back returns to the previous view, pickers included.
    dash_duo.driver.back()
    dash_duo.wait_for_contains_text("#equity-views h2", "September 2026", TIMEOUT)
    dash_duo.wait_for_contains_text("#equity-period", "September 2026", TIMEOUT)
    assert snapshot(dash_duo)["equity-map"] == september["equity-map"]
    dash_duo.driver.back()
    dash_duo.wait_for_contains_text("#equity-views h2", "October 2026", TIMEOUT)
    dash_duo.driver.back()
    dash_duo.wait_for_contains_text("#equity-views h2", "Violent crimes", TIMEOUT)
    dash_duo.wait_for_contains_text("#equity-measure", "Violent crimes", TIMEOUT)
    assert snapshot(dash_duo)["equity-map"] == before["equity-map"]
    assert dash_duo.get_logs() == []


def test_equ002_a_shared_url_reopens_the_same_view(dash_duo, demo_app, store):
    path = "/equity?measure=fire-arrival-standard&period=2026-06-01"
    open_page(dash_duo, demo_app, path)
    dash_duo.wait_for_contains_text("#equity-views h2", "June 2026", TIMEOUT)
    dash_duo.wait_for_contains_text("#equity-measure", "Fire calls reached", TIMEOUT)
    dash_duo.wait_for_contains_text("#equity-period", "June 2026", TIMEOUT)
    shared = snapshot(dash_duo)
    # The URL settles without a new history entry or a redraw, and the server is not
    # asked about it: the page arrived showing what the URL asks for.
    assert dash_duo.driver.current_url.endswith(path)
    dash_duo._wait_for_callbacks()
    posts = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('_dash-update-component')).length;"
    )
    assert posts == 0

    # A colleague opening the same link in a new window sees the same figures.
    dash_duo.driver.get(dash_duo.server_url + "/")
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_contains_text("#equity-views h2", "June 2026", TIMEOUT)
    assert snapshot(dash_duo) == shared
    # The map shows June's neighborhoods: the hidden ones are those June suppressed.
    suppressed = next(t for t in shared["equity-map"] if t["name"] == "Suppressed")
    assert len(suppressed["locations"]) > 0
    assert dash_duo.get_logs() == []


def test_equ003_selecting_a_neighborhood_opens_its_measure_page(dash_duo, demo_app, store):
    open_page(dash_duo, demo_app, "/equity?measure=ems-response-time")
    bars = wait_for_traces(dash_duo, "equity-bars")
    first_geography = bars[0]["customdata"][0]
    bar = dash_duo.wait_for_element("#equity-bars .bars .point path", timeout=TIMEOUT)
    ActionChains(dash_duo.driver).move_to_element(bar).click().perform()
    until(lambda: "/measure/" in dash_duo.driver.current_url, timeout=TIMEOUT)
    url = dash_duo.driver.current_url
    assert url.endswith(f"/measure/ems-response-time?geography={first_geography}")
    # Let the next page finish drawing, so the test ends on a settled page.
    dash_duo.wait_for_element("#main h1", timeout=TIMEOUT)
    dash_duo._wait_for_callbacks()


def test_equ004_table_links_and_unknown_measure(dash_duo, demo_app, store):
    open_page(dash_duo, demo_app, "/equity?measure=no-such-measure&period=1999-01-01")
    first = next(m for m in store.measures() if m.id in store.measures_with_neighborhoods())
    dash_duo.wait_for_contains_text(".equity-note", "no-such-measure", TIMEOUT)
    dash_duo.wait_for_contains_text("#equity-views h2", first.name, TIMEOUT)
    links = dash_duo.find_elements(".equity-table tbody a")
    assert len(links) == len(store.geographies())
    assert all(
        link.get_attribute("href").split("?")[0].endswith(f"/measure/{first.id}") for link in links
    )
    assert dash_duo.get_logs() == []
