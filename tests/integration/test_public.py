"""The public site in headless Chromium: browse, read a measure, its table, its downloads."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from selenium.webdriver.common.keys import Keys

from data.db import make_engine
from data.store import PUBLIC, SYSTEM, Store
from tests.integration.browser_checks import click, wait_for_page


@pytest.fixture
def public(demo_database_url):
    return Store(make_engine(demo_database_url), PUBLIC)


@pytest.fixture
def everything(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def test_pbl101_browse_from_the_front_page_to_a_measure(dash_duo, demo_app, public, everything):
    dash_duo.start_server(demo_app)  # anonymous visitors are staff viewers in this app
    dash_duo.driver.get(dash_duo.server_url + "/public")
    wait_for_page(dash_duo, ".public-card")
    body = dash_duo.find_element("#main").text
    for measure in public.measures():
        assert measure.name in body
    for measure in everything.measures():
        if not measure.is_public:
            assert measure.name not in body, measure.id
    # The staff navigation is hidden; the public header takes its place.
    header = dash_duo.driver.execute_script(
        "return [getComputedStyle(document.querySelector('.app-header')).display,"
        " document.querySelector('.public-header').offsetHeight > 0]"
    )
    assert header == ["none", True]

    click(dash_duo.driver, dash_duo.find_element(".public-nav-link[href='/public/area/health']"))
    dash_duo.wait_for_text_to_equal("#main h1", "Health", timeout=20)
    card = public.measures("health")[0]
    click(dash_duo.driver, dash_duo.find_element(f"a[href='/public/measure/{card.id}']"))
    dash_duo.wait_for_text_to_equal("#main h1", card.name, timeout=20)
    wait_for_page(dash_duo, "#public-measure-chart .main-svg")
    assert dash_duo.driver.title.startswith(card.name)
    assert dash_duo.get_logs() == []


def test_pbl102_measure_page_table_about_and_downloads(dash_duo, demo_app, public):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/public/measure/ems-response-time")
    wait_for_page(dash_duo, "#public-measure-chart .main-svg")
    lede = dash_duo.find_element(".public-headline").text
    assert lede.startswith("Average EMS response time was ")
    # The table is one click (or Enter) away, and holds the chart's periods.
    table = dash_duo.find_element("#public-measure-table")
    assert not table.is_displayed()
    summary = dash_duo.find_element(".public-details summary")
    summary.send_keys(Keys.ENTER)
    dash_duo.wait_for_element("#public-measure-table table", timeout=10)
    assert table.is_displayed()
    rows = dash_duo.driver.find_elements("css selector", "#public-measure-table tbody tr")
    assert len(rows) >= 12 and "October 2026" in rows[0].text
    about = dash_duo.find_element(".public-about-data").text
    measure = public.measure("ems-response-time")
    assert measure.data_source in about and measure.department in about

    for link in ("observations.csv", "observations"):
        href = dash_duo.find_element(
            f"a[href='/api/v1/measures/ems-response-time/{link}']"
        ).get_attribute("href")
        response = requests.get(href, timeout=10)
        assert response.status_code == 200
        if link.endswith(".csv"):
            frame = list(csv.DictReader(io.StringIO(response.text)))
            assert len(frame) == len(public.series("ems-response-time"))
        else:
            assert response.json()["measure_id"] == "ems-response-time"

    # The chart range is a link: the URL says what is shown, and Back works.
    click(dash_duo.driver, dash_duo.find_element(".public-range-link[href$='range=all']"))
    dash_duo.wait_for_element(".public-range-link.active[href$='range=all']", timeout=20)
    assert dash_duo.driver.current_url.endswith("range=all")
    assert dash_duo.get_logs() == []


def test_pbl103_internal_measure_page_is_not_found_for_the_public(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/public/measure/police-overtime")
    dash_duo.wait_for_text_to_equal("#main h1", "We couldn't find that measure", timeout=20)
    assert "overtime" not in dash_duo.find_element("#main").text.lower()
    assert dash_duo.get_logs() == []


def test_pbl104_public_pages_work_from_the_keyboard(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/public")
    wait_for_page(dash_duo, ".public-card")
    body = dash_duo.find_element("body")
    focused = []
    for _ in range(4):
        body.send_keys(Keys.TAB)
        focused.append(
            dash_duo.driver.execute_script(
                "const el = document.activeElement;"
                "return [el.tagName, el.textContent.trim(), getComputedStyle(el).outlineStyle]"
            )
        )
    assert focused[0][:2] == ["A", "Skip to main content"]
    assert [f[0] for f in focused[1:]] == ["A", "A", "A"]  # the public header's links
    assert focused[2][1] == "All measures"
    assert all(f[2] != "none" for f in focused[1:])  # focus is visible
    assert dash_duo.get_logs() == []
