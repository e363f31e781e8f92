"""The kiosk in headless Chromium: it advances, survives a server restart, and does not grow.

No assertion depends on how fast anything runs: every wait polls for a state the page
reaches (the next measure, the note shown or hidden) with a generous timeout.
"""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from data.config import Config
from data.db import make_engine
from data.store import PUBLIC, Store
from tests.helpers import copy_sqlite
from tests.integration.browser_checks import wait_for_page, wait_until

AREA = "health"  # four public measures: short cycles


@pytest.fixture
def public(demo_database_url):
    return Store(make_engine(demo_database_url), PUBLIC)


def shown(driver) -> dict:
    return driver.execute_script(
        """
        const text = id => (document.getElementById(id) || {}).textContent || "";
        const note = document.getElementById("kiosk-offline");
        return {name: text("kiosk-name"), counter: text("kiosk-counter"),
                offline: note ? !note.hidden : null};
        """
    )


def test_kio101_kiosk_advances_to_the_next_measure(dash_duo, demo_app, public):
    dash_duo.start_server(demo_app)
    measures = public.measures(AREA)
    dash_duo.driver.get(f"{dash_duo.server_url}/kiosk?interval=1&area={AREA}")
    wait_for_page(dash_duo, "#kiosk-name")
    assert shown(dash_duo.driver)["name"] == measures[0].name
    assert shown(dash_duo.driver)["counter"] == f"1 of {len(measures)}"
    dash_duo.wait_for_text_to_equal("#kiosk-name", measures[1].name, timeout=20)
    dash_duo.wait_for_text_to_equal("#kiosk-counter", f"2 of {len(measures)}", timeout=20)
    # ... and all the way round to the first again.
    dash_duo.wait_for_text_to_equal("#kiosk-counter", f"1 of {len(measures)}", timeout=30)
    assert shown(dash_duo.driver)["name"] == measures[0].name
    headline = dash_duo.find_element("#kiosk-headline").text
    assert headline.startswith(measures[0].name + " was ")
    assert "Data last updated" in dash_duo.find_element("#kiosk-updated").text
    # Nothing to press: no links, buttons or inputs, and the chart has no toolbar.
    controls = dash_duo.driver.execute_script(
        "return document.querySelectorAll('.kiosk-root a, .kiosk-root button, "
        ".kiosk-root input, .kiosk-root select, .modebar').length"
    )
    assert controls == 0
    hidden = dash_duo.driver.execute_script(
        "return getComputedStyle(document.querySelector('.app-header')).display"
    )
    assert hidden == "none"
    assert dash_duo.get_logs() == []


class RestartableServer:
    """The app on a fixed local port, stopped and started like a server process.

    Each start builds a new app from the same configuration, as a restarted
    process would.
    """

    def __init__(self, config: Config):
        self.config = config
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        app = create_app(self.config)
        self.server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def test_kio102_kiosk_recovers_by_itself_after_a_server_restart(
    dash_duo, demo_database_url, public
):
    measures = [m.name for m in public.measures(AREA)]
    server = RestartableServer(
        Config(database_url=demo_database_url, secret_key="test", anonymous_role="public")
    )
    server.start()
    driver = dash_duo.driver
    try:
        driver.get(f"{server.url}/kiosk?interval=1&area={AREA}")
        wait_until(lambda: shown(driver)["name"] == measures[1], 30, "the kiosk advanced")

        server.stop()
        wait_until(lambda: shown(driver)["offline"], 30, "the reconnecting note appeared")
        stalled = shown(driver)
        assert stalled["name"] in measures  # the last measure stays on screen meanwhile

        server.start()
        wait_until(lambda: not shown(driver)["offline"], 30, "the note went away")
        after = shown(driver)["name"]
        wait_until(lambda: shown(driver)["name"] != after, 30, "the rotation continued")
        assert shown(driver)["name"] in measures
    finally:
        server.stop()
    # The browser logged the refused connections while the server was down; that is the
    # point of the test, so the console is not required to be clean here.


def test_kio103_kiosk_does_not_grow_over_many_rotations(dash_duo, demo_app, public):
    """Forty-odd rotations: the page's DOM is the same size and its JS heap does not grow.

    Both are measured on the same measure (the first), with the rotation paused (focus on
    the kiosk pauses it) so that nothing is drawing, after a forced garbage collection.
    """
    count = len(public.measures(AREA))
    first_of = f"1 of {count}"
    dash_duo.start_server(demo_app)
    driver = dash_duo.driver
    driver.get(f"{dash_duo.server_url}/kiosk?interval=1&area={AREA}")
    wait_for_page(dash_duo, "#kiosk-name")

    def nodes() -> int:
        return driver.execute_script("return document.getElementsByTagName('*').length")

    last_seen = [None]

    def steady_page() -> bool:
        """True once the page looks the same as at the previous poll."""
        now = (nodes(), shown(driver)["counter"])
        settled = now == last_seen[0]
        last_seen[0] = now
        return settled

    def pause_on_first_measure() -> None:
        for _attempt in range(5):
            wait_until(lambda: shown(driver)["counter"] == first_of, 30, "back to the first")
            driver.execute_script("document.getElementById('kiosk-root').focus()")
            # Let a tick already in flight land and the chart finish drawing.
            last_seen[0] = None
            wait_until(steady_page, 20, "the page stopped changing", poll=0.5)
            if shown(driver)["counter"] == first_of:
                return
            driver.execute_script("document.activeElement.blur()")
        raise AssertionError("could not pause on the first measure")

    def measure_after(cycles: int) -> dict:
        for _ in range(cycles):
            wait_until(lambda: shown(driver)["counter"] != first_of, 30, "left the first")
            wait_until(lambda: shown(driver)["counter"] == first_of, 30, "back to the first")
        wait_until(lambda: shown(driver)["counter"] != first_of, 30, "left the first")
        pause_on_first_measure()
        assert driver.execute_script("return document.body.classList.contains('kiosk-paused')")
        samples = []
        for _ in range(3):
            driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
            samples.append(driver.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"])
        sample = {
            "heap": min(samples),
            "nodes": nodes(),
            "layout": driver.execute_script(
                "return JSON.stringify(window.store.getState().layout).length"
            ),
        }
        driver.execute_script("document.activeElement.blur()")  # resume
        return sample

    first = measure_after(cycles=1)
    later = measure_after(cycles=10)  # about 4 x 10 = 40 more rotations
    assert later["nodes"] == first["nodes"], (first, later)
    assert later["layout"] <= first["layout"] * 1.05  # the layout state does not grow
    # A leak of one figure per rotation would add megabytes; allow noise, not growth.
    assert later["heap"] - first["heap"] < 3 * 2**20, (first, later)
    assert dash_duo.get_logs() == []


def test_kio104_focus_pauses_the_rotation_and_blur_resumes_it(dash_duo, demo_app, public):
    count = len(public.measures(AREA))
    dash_duo.start_server(demo_app)
    driver = dash_duo.driver
    driver.get(f"{dash_duo.server_url}/kiosk?interval=1&area={AREA}")
    wait_for_page(dash_duo, "#kiosk-name")
    driver.execute_script("document.getElementById('kiosk-root').focus()")
    wait_until(lambda: dash_duo.find_element(".kiosk-paused-note").is_displayed(), 10, "paused")
    # A tick already in flight may still land; after that, three intervals go by and
    # nothing changes.
    driver.execute_script("return new Promise(r => setTimeout(r, 1500))")
    held = shown(driver)["counter"]
    driver.execute_script("return new Promise(r => setTimeout(r, 3000))")
    assert shown(driver)["counter"] == held
    driver.execute_script("document.activeElement.blur()")
    wait_until(lambda: shown(driver)["counter"] != held, 20, "the rotation resumed")
    assert not dash_duo.find_element(".kiosk-paused-note").is_displayed()
    assert count > 1
    assert dash_duo.get_logs() == []


def test_kio105_kiosk_loaded_while_the_database_was_down_recovers(
    dash_duo, demo_database_url, tmp_path
):
    """The page first shows the app's "can't reach its database" banner (no kiosk, so no
    interval); kiosk.js retries every 30 s and reloads once /healthz answers."""
    path = tmp_path / "later.db"
    path.mkdir()  # a folder where the database file should be: SQLite cannot open it
    app = create_app(
        Config(database_url=f"sqlite:///{path}", secret_key="test", anonymous_role="public")
    )
    dash_duo.start_server(app)
    dash_duo.driver.get(f"{dash_duo.server_url}/kiosk?interval=1&area={AREA}")
    dash_duo.wait_for_element(".unavailable-banner", timeout=20)

    path.rmdir()
    copy_sqlite(demo_database_url, path)
    dash_duo.wait_for_element("#kiosk-name", timeout=75)
    wait_until(lambda: shown(dash_duo.driver)["counter"].startswith("2 of"), 30, "it rotates")
