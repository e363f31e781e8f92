"""Every registered page opens in headless Chromium with no console errors."""

from __future__ import annotations

import re

import dash
import pytest
from dash.testing.wait import until

from data.db import make_engine
from data.store import SYSTEM, Store


def example_path(template: str, store: Store) -> str:
    """Fill a page's path template with real ids from the demo city."""
    samples = {
        "area_id": store.areas()[0].id,
        "measure_id": store.measures()[0].id,
        "geography_id": store.geographies()[0].id,
    }
    return re.sub(r"<(\w+)>", lambda m: str(samples.get(m.group(1), "1")), template)


@pytest.fixture
def store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def test_smk001_every_page_renders_without_console_errors(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    pages = list(dash.page_registry.values())
    assert len(pages) >= 2
    for page in pages:
        path = example_path(page.get("path_template") or page["path"], store)
        if page["module"].endswith("not_found_404"):
            path = "/no-such-page"
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element("#main h1", timeout=20)
        dash_duo._wait_for_callbacks()
        assert dash_duo.get_logs() == [], f"console errors on {path}"


def test_smk002_home_lists_areas_and_measures_from_the_store(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    dash_duo.wait_for_element(".area-card", timeout=20)
    for area in store.areas():
        dash_duo.wait_for_contains_text("#main", area.name)
    first = store.measures()[0]
    dash_duo.wait_for_contains_text("#main", first.name)
    assert dash_duo.get_logs() == []


def test_smk003_unknown_path_shows_404(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/definitely/not/here")
    dash_duo.wait_for_text_to_equal("#main h1", "We couldn't find that page", timeout=20)


def test_smk004_dark_theme_is_kept_across_visits(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.set_window_size(1400, 900)  # the switch sits in the expanded navbar
    dash_duo.driver.get(dash_duo.server_url + "/equity")
    dash_duo.wait_for_element("#main h1", timeout=20)

    def theme():
        return dash_duo.driver.execute_script(
            "return document.documentElement.getAttribute('data-bs-theme');"
        )

    def switch_on():
        return dash_duo.driver.execute_script(
            "return document.getElementById('theme-switch').checked;"
        )

    assert theme() == "light" and not switch_on()
    dash_duo.find_element("#theme-switch").click()
    until(lambda: theme() == "dark", timeout=5)
    # The next page starts dark, with the switch on, from the first paint.
    dash_duo.driver.get(dash_duo.server_url + "/actions")
    dash_duo.wait_for_element("#main h1", timeout=20)
    assert theme() == "dark"
    until(switch_on, timeout=5)
    dash_duo.find_element("#theme-switch").click()
    until(lambda: theme() == "light", timeout=5)
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#main h1", timeout=20)
    assert theme() == "light" and not switch_on()
    assert dash_duo.get_logs() == []


def test_smk010_pages_trim_and_parse_with_the_browsers_own_functions(dash_duo, demo_app):
    """Dash's polyfill (core-js 2) replaces String.prototype.trim, parseInt and parseFloat
    with slower versions; assets/page-load/ keeps the browser's own and puts them back
    (components/first_view.py), and the page still draws its charts.

    They tell apart by U+180E, a space to core-js 2 and not since Unicode 6.3."""
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/measure/violent-crime-rate")
    dash_duo.wait_for_element("#main .js-plotly-plot .main-svg", timeout=20)
    seen = dash_duo.driver.execute_script(
        """
        const s = '\\u180e';
        return {
            polyfilled: window._babelPolyfill === true,
            trim: (s + 'x' + s).trim(),
            trimStart: (s + 'x').trimStart(),
            trimEnd: ('x' + s).trimEnd(),
            parseInt: [parseInt(s + '12'), Number.parseInt(s + '12')],
            parseFloat: [parseFloat(s + '1.5'), Number.parseFloat(s + '1.5')],
            left: 'statroomNatives' in window,
        };
        """
    )
    assert seen["polyfilled"]  # the polyfill did run, and its versions were replaced:
    assert seen["trim"] == "\u180ex\u180e"
    assert (seen["trimStart"], seen["trimEnd"]) == ("\u180ex", "x\u180e")
    assert seen["parseInt"] == [None, None] and seen["parseFloat"] == [None, None]  # NaN
    assert not seen["left"]
    assert dash_duo.get_logs() == []
