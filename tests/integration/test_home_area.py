"""Browser journeys: overview → priority area → measure; search; sort and filter in the URL."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from data.db import make_engine
from data.store import SYSTEM, Store

AREA = "public-safety"


@pytest.fixture
def store(demo_database_url):
    return Store(make_engine(demo_database_url), SYSTEM)


def path(dash_duo) -> str:
    return dash_duo.driver.current_url.removeprefix(dash_duo.server_url)


def landed_on(dash_duo, target: str) -> None:
    """Wait until the URL is ``target`` and the new page has replaced this one (the
    measure page's content belongs to another test file)."""
    until(lambda: path(dash_duo) == target, timeout=10)
    until(
        lambda: (
            not dash_duo.find_elements("#home-search, .kpi-tile")
            and dash_duo.find_elements("#main h1")
        ),
        timeout=20,
    )
    dash_duo._wait_for_callbacks()


def tile_titles(dash_duo) -> list[str]:
    """The tiles' titles in page order (read in one go: tiles are replaced on re-sort)."""
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.kpi-tile .kpi-title'), e => e.innerText);"
    )


def test_hma001_home_shows_every_area_card_with_counts(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    dash_duo.wait_for_element(".area-card", timeout=20)
    cards = dash_duo.find_elements(".area-card")
    areas = store.areas()
    assert [c.find_element(By.CSS_SELECTOR, ".card-title").text for c in cards] == [
        a.name for a in areas
    ]
    flat = store.summaries().set_index("measure_id")["target_status"]
    for card, area in zip(cards, areas, strict=True):
        statuses = flat[[m.id for m in store.measures(area.id)]]
        counts = card.find_element(By.CSS_SELECTOR, ".status-counts").text
        assert f"{(statuses == 'missed').sum()} off target" in counts
        assert f"{(statuses == 'near').sum()} near target" in counts
        assert f"{(statuses == 'met').sum()} on target" in counts
    assert dash_duo.find_element("#home-what-changed").text.startswith("What changed")
    assert dash_duo.get_logs() == []


def test_hma002_search_enter_opens_the_best_match(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    box = dash_duo.wait_for_element("#home-search", timeout=20)
    box.send_keys("ems resp")
    dash_duo.wait_for_text_to_equal(
        "#home-search-hits li:first-child .hit-name", "Average EMS response time"
    )
    assert "1 measure matches" in dash_duo.find_element("#home-search-status").text
    box.send_keys(Keys.ENTER)
    landed_on(dash_duo, "/measure/ems-response-time")
    assert dash_duo.get_logs() == []


def test_hma003_search_is_keyboard_usable_by_department(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    box = dash_duo.wait_for_element("#home-search", timeout=20)
    box.send_keys("fire department")
    fire = [m for m in store.measures() if m.department == "Fire Department"]
    until(lambda: len(dash_duo.find_elements("#home-search-hits a")) == len(fire), timeout=10)
    box.send_keys(Keys.TAB)  # into the list of matches
    focused = dash_duo.driver.switch_to.active_element
    assert "home-search-hit" in focused.get_attribute("class")
    target = focused.get_attribute("href").removeprefix(dash_duo.server_url)
    assert target in {f"/measure/{m.id}" for m in fire}
    focused.send_keys(Keys.ENTER)
    landed_on(dash_duo, target)
    assert dash_duo.get_logs() == []


def test_hma004_area_tiles_sort_and_filter_update_the_url_and_back_works(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + f"/area/{AREA}")
    dash_duo.wait_for_element(".kpi-tile", timeout=20)
    measures = store.measures(AREA)
    assert len(dash_duo.find_elements(".kpi-tile")) == len(measures)
    by_status = tile_titles(dash_duo)

    Select(dash_duo.find_element("#area-sort")).select_by_value("name")
    by_name = sorted((m.name for m in measures), key=str.casefold)
    until(lambda: tile_titles(dash_duo) == by_name, timeout=10)
    assert by_name != by_status
    assert path(dash_duo) == f"/area/{AREA}?sort=name"

    Select(dash_duo.find_element("#area-department")).select_by_value("Police Department")
    police = sorted(
        (m.name for m in measures if m.department == "Police Department"), key=str.casefold
    )
    until(lambda: tile_titles(dash_duo) == police, timeout=10)
    assert path(dash_duo) == f"/area/{AREA}?sort=name&department=Police+Department"

    dash_duo.driver.back()
    until(lambda: tile_titles(dash_duo) == by_name, timeout=10)
    assert Select(dash_duo.find_element("#area-department")).first_selected_option.text == (
        "All departments"
    )
    assert dash_duo.get_logs() == []


def test_hma005_a_shared_url_reopens_the_same_view(dash_duo, demo_app, store):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(
        dash_duo.server_url + f"/area/{AREA}?sort=name&department=Police+Department"
    )
    dash_duo.wait_for_element(".kpi-tile", timeout=20)
    police = sorted(
        (m.name for m in store.measures(AREA) if m.department == "Police Department"),
        key=str.casefold,
    )
    assert tile_titles(dash_duo) == police
    assert Select(dash_duo.find_element("#area-sort")).first_selected_option.text == "Name"
    assert (
        Select(dash_duo.find_element("#area-department")).first_selected_option.text
        == "Police Department"
    )
    assert dash_duo.get_logs() == []


def test_hma006_manager_drills_from_home_to_area_to_a_measure(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.wait_for_element(".area-card", timeout=20)
    dash_duo.find_element(f".area-card .card-title a[href='/area/{AREA}']").click()
    dash_duo.wait_for_element(".kpi-tile", timeout=20)
    assert path(dash_duo) == f"/area/{AREA}"
    dash_duo.wait_for_text_to_equal("#main h1", "Public Safety")
    first = dash_duo.find_element(".kpi-tile")
    measure_id = first.get_attribute("id").removeprefix("tile-")
    # A click anywhere on the tile (here on its value) follows the tile's link.
    value = first.find_element(By.CSS_SELECTOR, ".kpi-value")
    ActionChains(dash_duo.driver).move_to_element(value).click().perform()
    landed_on(dash_duo, f"/measure/{measure_id}")
    assert dash_duo.get_logs() == []


def test_hma007_unknown_area_is_a_friendly_message(dash_duo, demo_app):
    dash_duo.start_server(demo_app)
    dash_duo.driver.get(dash_duo.server_url + "/area/no-such-area")
    dash_duo.wait_for_text_to_equal("#main h1", "We couldn't find that priority area", timeout=20)
    assert dash_duo.get_logs() == []
