"""The facilitator's journey in a real browser, signed in as an editor: schedule a meeting
and accept the proposed agenda, export the memo, present with the keyboard, capture an
action and an annotation live, produce the follow-up memo; and two editors on one action.
"""

from __future__ import annotations

import io
import re
import time

import pytest
import requests
from docx import Document
from pypdf import PdfReader
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from api import memo_routes
from app import create_app
from data.config import Config
from data.db import make_engine
from data.store import SYSTEM, Store
from data.users import AccountError, add_user
from tests.helpers import copy_sqlite
from tests.integration.conftest import pytest_setup_options

USER, PASSWORD = "test-editor", "a-long-password"


@pytest.fixture
def db_url(demo_database_url, tmp_path):
    """A private copy of the demo city (these tests write), with an editor account."""
    url = copy_sqlite(demo_database_url, tmp_path / "demo.db")
    engine = make_engine(url)
    try:
        add_user(engine, USER, PASSWORD, "editor")
    except AccountError:
        pass
    engine.dispose()
    return url


@pytest.fixture
def meetings_app(db_url):
    app = create_app(Config(database_url=db_url, secret_key="test", anonymous_role="viewer"))
    memo_routes.register(app.server)
    return app


@pytest.fixture
def store(db_url):
    return Store(make_engine(db_url), SYSTEM)


def sign_in(driver, base: str) -> None:
    driver.get(base + "/login?next=/meetings")
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: d.find_elements(By.ID, "login-username"))
    driver.find_element(By.ID, "login-username").send_keys(USER)
    driver.find_element(By.ID, "login-password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/auth/login'] button[type=submit]").click()
    wait.until(lambda d: d.current_url.endswith("/meetings"))


def set_value(driver, element_id: str, value: str) -> None:
    """Type into a React-controlled input (dates included) the way a user's input does."""
    driver.execute_script(
        """
        const el = document.getElementById(arguments[0]);
        const proto = el.tagName === "TEXTAREA" ? HTMLTextAreaElement : HTMLInputElement;
        Object.getOwnPropertyDescriptor(proto.prototype, "value").set.call(el, arguments[1]);
        el.dispatchEvent(new Event("input", {bubbles: true}));
        el.dispatchEvent(new Event("change", {bubbles: true}));
        """,
        element_id,
        value,
    )


def pick(dash_duo, dropdown_id: str, label: str) -> None:
    click(dash_duo, f"#{dropdown_id}")
    option = dash_duo.wait_for_element(".dash-dropdown-content .dash-dropdown-option")
    for option in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"):
        if option.text.strip() == label:
            option.click()
            break
    else:
        raise AssertionError(f"no option {label!r} in {dropdown_id}")
    ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()


def click(dash_duo, selector: str, timeout: int = 20) -> None:
    """Scroll the element to the middle of the window, then click it as a user would
    (again if the page was still settling and something else got the click)."""
    for attempt in range(4):
        element = dash_duo.wait_for_element(selector, timeout=timeout)
        dash_duo.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
        )
        try:
            element.click()
            return
        except (ElementClickInterceptedException, StaleElementReferenceException):
            if attempt == 3:
                raise
            time.sleep(0.5)


def key(driver, *keys) -> None:
    ActionChains(driver).send_keys(*keys).perform()


def browser_session(driver) -> requests.Session:
    session = requests.Session()
    for cookie in driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    return session


def section_text(dash_duo) -> str:
    return dash_duo.find_element("#present-section").text.lower()


def wait_for_item(dash_duo, n: int, total: int, timeout: int = 15) -> None:
    """The presenter shows item ``n`` (the label is upper-cased by CSS)."""
    WebDriverWait(dash_duo.driver, timeout).until(
        lambda _: f"item {n} of {total}" in section_text(dash_duo)
    )


def test_mtj001_facilitator_journey(dash_duo, meetings_app, store):
    dash_duo.start_server(meetings_app)
    base = dash_duo.server_url
    driver = dash_duo.driver
    sign_in(driver, base)

    # 1. Schedule a meeting and accept the proposed agenda.
    dash_duo.wait_for_element("#meetings-new-title").send_keys("InfraStat: browser test")
    pick(dash_duo, "meetings-new-areas", "Infrastructure and Transportation")
    set_value(
        driver, "meetings-new-attendees", "Chief Performance Officer\nDirector of Public Works"
    )
    click(dash_duo, "#meetings-new-create")
    WebDriverWait(driver, 20).until(lambda d: "/meeting/" in d.current_url)
    meeting_id = int(re.search(r"/meeting/(\d+)", driver.current_url).group(1))
    dash_duo.wait_for_contains_text("#main h1", "InfraStat: browser test", timeout=20)
    click(dash_duo, "#meeting-agenda-accept")
    dash_duo.wait_for_element(".agenda-table", timeout=20)
    dash_duo.wait_for_contains_text("#meeting-agenda-alert", "Agenda accepted")
    agenda = store.agenda(meeting_id)
    assert len(agenda) >= 3 and agenda["section"].iloc[0] == "follow_up"
    assert len(driver.find_elements(By.CSS_SELECTOR, ".minutes-input")) == len(agenda)
    # Move the second item up with the keyboard-reachable button.
    second = int(agenda.iloc[1]["id"])
    click(dash_duo, "button[aria-label='Move item 2 up']")
    WebDriverWait(driver, 10).until(lambda d: int(store.agenda(meeting_id).iloc[0]["id"]) == second)

    # 2. Export the memo.
    driver.find_element(By.LINK_TEXT, "Stat memo").click()
    pdf_link = dash_duo.wait_for_element("#meeting-memo-pdf")
    assert pdf_link.get_attribute("href").endswith(f"/meeting/{meeting_id}/memo.pdf")
    http = browser_session(driver)
    pdf = http.get(pdf_link.get_attribute("href"), timeout=60)
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "Stat memo: InfraStat: browser test" in text
    assert agenda.iloc[-1]["title"].split()[0] in text
    docx = http.get(f"{base}/meeting/{meeting_id}/memo.docx", timeout=60)
    assert docx.headers["Content-Type"].endswith("wordprocessingml.document")
    assert Document(io.BytesIO(docx.content)).paragraphs[0].text.startswith("Stat memo")
    html_page = http.get(f"{base}/meeting/{meeting_id}/memo.html", timeout=60)
    assert html_page.headers["Content-Type"].startswith("text/html")
    click(dash_duo, "#meeting-memo-sent")
    dash_duo.wait_for_contains_text("#meeting-memo-state", "Memo sent")

    # 3. Present with the keyboard through all items.
    driver.get(f"{base}/meeting/{meeting_id}/present")
    dash_duo.wait_for_element("#present-root", timeout=20)
    dash_duo.wait_for_element("#present-slide .presenter-title", timeout=20)
    assert "chrome-hidden" in driver.find_element(By.TAG_NAME, "body").get_attribute("class")
    assert not driver.find_element(By.CSS_SELECTOR, ".app-header").is_displayed()
    total = len(store.agenda(meeting_id))
    titles = store.agenda(meeting_id)["title"].tolist()
    wait_for_item(dash_duo, 1, total)
    for n in range(2, total + 1):
        key(driver, Keys.ARROW_RIGHT if n % 2 else Keys.SPACE)
        wait_for_item(dash_duo, n, total)
        dash_duo.wait_for_text_to_equal("#present-slide .presenter-title", titles[n - 1])
    key(driver, Keys.ARROW_RIGHT)  # past the end stays on the last item
    time.sleep(0.5)
    assert f"item {total} of {total}" in section_text(dash_duo)
    key(driver, "1")
    wait_for_item(dash_duo, 1, total)
    key(driver, Keys.PAGE_DOWN)
    wait_for_item(dash_duo, 2, total)
    key(driver, Keys.ARROW_LEFT)
    wait_for_item(dash_duo, 1, total)
    assert "left" in dash_duo.find_element("#present-timer").text
    assert driver.current_url.endswith("?item=1")

    # 4. Add an action item and an annotation live, from the presenter.
    measure_id = store.agenda(meeting_id).iloc[0]["measure_id"]
    key(driver, "c")
    dash_duo.wait_for_element("#present-action-description", timeout=10)
    set_value(driver, "present-action-description", "Crew <b>audit</b> of =SUM(A1)")
    set_value(driver, "present-action-owner", "Director of Public Works")
    set_value(driver, "present-action-due", "2027-01-15")
    click(dash_duo, "#present-action-add")
    dash_duo.wait_for_contains_text("#present-capture-alert", "Action item added")
    set_value(driver, "present-annotation-label", "New crew starts")
    set_value(driver, "present-annotation-date", "2026-10-01")
    click(dash_duo, "#present-annotation-add")
    dash_duo.wait_for_contains_text("#present-capture-alert", "Annotation added")
    key(driver, Keys.ESCAPE)  # closes the capture panel, not the presenter
    time.sleep(1)
    assert "/present" in driver.current_url
    captured = store.action_items(meeting_id=meeting_id)
    assert captured["description"].tolist() == ["Crew <b>audit</b> of =SUM(A1)"]
    assert measure_id, "the first item should be about a measure"
    assert captured["measure_id"].tolist() == [measure_id]
    # Both appear at once on the slide being shown: the commitment and the chart label.
    dash_duo.wait_for_contains_text("#present-slide", "Crew <b>audit</b> of =SUM(A1)", timeout=15)
    dash_duo.wait_for_contains_text("#present-slide", "New crew starts", timeout=15)
    assert store.meeting_annotations(meeting_id)["source"].tolist() == ["meeting"]
    key(driver, Keys.ESCAPE)
    WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith(f"/meeting/{meeting_id}"))
    dash_duo.wait_for_element("#meeting-tabs", timeout=20)
    assert "chrome-hidden" not in driver.find_element(By.TAG_NAME, "body").get_attribute("class")

    # 5. Produce the follow-up memo.
    driver.get(f"{base}/meeting/{meeting_id}?tab=followup")
    textarea = dash_duo.wait_for_element("#meeting-followup-text", timeout=20)
    assert "Crew <b>audit</b> of =SUM(A1)" in textarea.get_attribute("value")
    assert "## Director of Public Works" in textarea.get_attribute("value")
    click(dash_duo, "#meeting-followup-save")
    dash_duo.wait_for_contains_text("#meeting-followup-alert", "Follow-up saved")
    click(dash_duo, "#meeting-followup-sent")
    dash_duo.wait_for_contains_text("#meeting-followup-state", "Follow-up sent")
    followup = http.get(f"{base}/meeting/{meeting_id}/followup.docx", timeout=60)
    bullets = [
        p.text
        for p in Document(io.BytesIO(followup.content)).paragraphs
        if p.style.name == "List Bullet"
    ]
    assert any(
        b.startswith("Crew <b>audit</b> of =SUM(A1)") and b.endswith("— due 15 Jan 2027")
        for b in bullets
    )
    followup_pdf = http.get(f"{base}/meeting/{meeting_id}/followup.pdf", timeout=60)
    assert followup_pdf.headers["Content-Type"] == "application/pdf"
    assert store.meeting(meeting_id).followup_sent_at is not None
    assert dash_duo.get_logs() == []


def test_mtj002_live_capture_reaches_the_presenter_on_another_screen(dash_duo, meetings_app, store):
    dash_duo.start_server(meetings_app)
    base = dash_duo.server_url
    driver = dash_duo.driver
    sign_in(driver, base)
    # Meeting 1 (InfraStat) opens on the potholes item.
    driver.get(f"{base}/meeting/1/present")
    dash_duo.wait_for_element("#present-slide .presenter-title", timeout=20)
    presenter = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(f"{base}/meeting/1?tab=capture")
    dash_duo.wait_for_element("#meeting-action-description", timeout=20)
    set_value(driver, "meeting-action-description", "Second screen commitment")
    set_value(driver, "meeting-action-owner", "Street Maintenance")
    set_value(driver, "meeting-action-due", "2027-02-01")
    pick(dash_duo, "meeting-action-measure", "Potholes repaired within 3 days")
    click(dash_duo, "#meeting-action-add")
    dash_duo.wait_for_contains_text("#meeting-captured", "Second screen commitment")
    driver.switch_to.window(presenter)
    dash_duo.wait_for_contains_text("#present-slide", "Second screen commitment", timeout=20)
    assert dash_duo.get_logs() == []


def second_browser():
    options = pytest_setup_options()
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    return webdriver.Chrome(options=options)


def open_update(driver, action_id: int) -> None:
    wait = WebDriverWait(driver, 20)
    selector = f"button[id*='\"index\":{action_id},']"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))
    driver.find_element(By.CSS_SELECTOR, selector).click()
    wait.until(lambda d: d.find_element(By.ID, "actions-comment").is_displayed())


def choose_status(driver, value: str) -> None:
    driver.execute_script(
        """
        const el = document.getElementById("actions-new-status");
        Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set
            .call(el, arguments[0]);
        el.dispatchEvent(new Event("change", {bubbles: true}));
        """,
        value,
    )


def test_mtj003_two_editors_on_one_action_nothing_is_lost(dash_duo, meetings_app, store):
    dash_duo.start_server(meetings_app)
    base = dash_duo.server_url
    first = dash_duo.driver
    second = second_browser()
    try:
        action = store.action_items(owner="Vision Zero Program Manager").iloc[0]
        action_id = int(action["id"])
        url = f"{base}/actions?owner=Vision+Zero+Program+Manager"
        for driver in (first, second):
            sign_in(driver, base)
            driver.get(url)
            open_update(driver, action_id)
        # The first editor saves.
        choose_status(first, "in_progress")
        set_value(first, "actions-comment", "Corridor list drafted")
        first.find_element(By.ID, "actions-save").click()
        dash_duo.wait_for_contains_text("#actions-page-alert", "Action item updated")
        dash_duo.wait_for_contains_text("#actions-table", "In progress")
        # The second editor, still on the old version, is told and keeps their form.
        choose_status(second, "done")
        set_value(second, "actions-comment", "Report sent")
        second.find_element(By.ID, "actions-save").click()
        WebDriverWait(second, 20).until(
            lambda d: (
                "Someone else changed this action item while you were editing it"
                in d.find_element(By.ID, "actions-modal-alert").text
            )
        )
        assert second.find_element(By.ID, "actions-comment").get_attribute("value") == "Report sent"
        now = store.action_items(owner="Vision Zero Program Manager").iloc[0]
        assert now["status"] == "in_progress"
        # After a reload the second editor applies the change on top of the first.
        second.get(url)
        open_update(second, action_id)
        choose_status(second, "done")
        set_value(second, "actions-comment", "Report sent")
        second.find_element(By.ID, "actions-save").click()
        WebDriverWait(second, 20).until(
            lambda d: "Action item updated" in d.find_element(By.ID, "actions-page-alert").text
        )
        history = store.action_history([action_id])
        assert history["comment"].tolist()[-2:] == ["Corridor list drafted", "Report sent"]
        assert history["new_status"].tolist()[-2:] == ["in_progress", "done"]
        assert [e for e in second.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        second.quit()
    assert dash_duo.get_logs() == []


def test_mtj004_readers_see_no_edit_controls(dash_duo, meetings_app):
    dash_duo.start_server(meetings_app)
    dash_duo.driver.get(dash_duo.server_url + "/meeting/1")
    dash_duo.wait_for_contains_text("#main", "Sign in to edit", timeout=20)
    assert dash_duo.driver.find_elements(By.ID, "meeting-agenda-add") == []
    dash_duo.driver.get(dash_duo.server_url + "/actions")
    dash_duo.wait_for_element(".actions-table", timeout=20)
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "button[id*='actions-edit']") == []
    assert "OVERDUE" in dash_duo.find_element(".actions-table").text.upper()
    dash_duo.driver.get(dash_duo.server_url + "/meetings/health")
    dash_duo.wait_for_contains_text("#main", "Memos on time", timeout=20)
    assert dash_duo.get_logs() == []
