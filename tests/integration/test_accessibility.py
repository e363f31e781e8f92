"""axe-core (from the npm registry) in headless Chromium: no serious or critical WCAG 2.1
A/AA violations on the public pages, the kiosk and the measure page.

Install axe-core with ``npm ci --prefix tests/integration``; without it these tests skip.
"""

from __future__ import annotations

import dash
import pytest
from selenium.webdriver.common.keys import Keys

from tests.integration.browser_checks import axe_source, axe_violations, wait_for_page

PAGES = [
    ("/public", ".public-card"),
    ("/public/area/public-safety", ".public-card"),
    ("/public/measure/ems-response-time", "#public-measure-chart .main-svg"),
    ("/kiosk", "#kiosk-graph .main-svg"),
    ("/measure/ems-response-time", "#main h1"),
]


@pytest.fixture(scope="module")
def axe():
    return axe_source()


@pytest.mark.parametrize("path, ready", PAGES, ids=[p for p, _ in PAGES])
def test_a11y001_no_serious_or_critical_violations(dash_duo, demo_app, axe, path, ready):
    if path.startswith("/measure/") and "/measure/<measure_id>" not in {
        p.get("path_template") for p in dash.page_registry.values()
    }:
        pytest.skip("the measure page is not registered yet")
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + path)
    wait_for_page(dash_duo, ready)
    violations = axe_violations(dash_duo.driver, axe)
    assert violations == [], f"{path}: {violations}"


def test_a11y002_public_measure_with_its_table_open_in_the_dark_theme(dash_duo, demo_app, axe):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/public/measure/ems-response-time")
    wait_for_page(dash_duo, "#public-measure-chart .main-svg")
    dash_duo.driver.execute_script("document.documentElement.setAttribute('data-bs-theme', 'dark')")
    dash_duo.find_element(".public-details summary").send_keys(Keys.ENTER)
    dash_duo.wait_for_element("#public-measure-table table", timeout=10)
    violations = axe_violations(dash_duo.driver, axe)
    assert violations == [], violations


def test_a11y003_axe_finds_a_planted_violation(dash_duo, demo_app, axe):
    """The check can fail: an image without a text alternative is reported."""
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/public")
    wait_for_page(dash_duo, ".public-card")
    dash_duo.driver.execute_script(
        "const img = document.createElement('img'); img.src = 'data:,';"
        "document.querySelector('#main').appendChild(img);"
    )
    assert "image-alt" in {v["id"] for v in axe_violations(dash_duo.driver, axe)}
