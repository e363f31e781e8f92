"""The data admin page in headless Chromium: sign in, upload, read the report, import.

The import runs as a Dash background callback in a process of its own, as in production.
It writes, so the tests use a copy of the demo database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from data.config import Config
from data.db import make_engine
from data.users import add_user
from tests.helpers import copy_sqlite
from tests.integration.browser_checks import click, wait_for_page, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery"


@pytest.fixture
def admin_app(demo_database_url, tmp_path):
    url = copy_sqlite(demo_database_url, tmp_path / "copy.db")
    engine = make_engine(url)
    add_user(engine, "ada", PASSWORD, "admin", "Ada Admin")
    add_user(engine, "val", PASSWORD, "viewer", "Val Viewer")
    engine.dispose()
    return create_app(Config(database_url=url, secret_key="test", anonymous_role="public"))


def sign_in(dash_duo, username: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + "/login?next=/admin/data")
    dash_duo.wait_for_element("#login-username", timeout=20).send_keys(username)
    dash_duo.find_element("#login-password").send_keys(PASSWORD)
    click(dash_duo.driver, dash_duo.find_element("button[type=submit]"))


def choose(dash_duo, *paths: Path) -> None:
    field = dash_duo.find_element("#admin-data-upload input[type=file]")
    # ChromeDriver adds to a multiple file input's selection; a person replaces it.
    dash_duo.driver.execute_script("arguments[0].value = ''", field)
    field.send_keys("\n".join(str(p) for p in paths))


def test_adm101_admin_checks_then_imports_and_sees_the_history(dash_duo, admin_app, tmp_path):
    dash_duo.start_server(admin_app)
    sign_in(dash_duo, "ada")
    wait_for_page(dash_duo, "#admin-data-upload")
    confirm = dash_duo.find_element("#admin-data-confirm")
    assert not confirm.is_enabled()

    bad = tmp_path / "observations.csv"
    bad.write_text(
        (EXAMPLES / "observations.csv").read_text() + "pothole-repair-days,2025-13,,abc,,\n"
    )
    choose(dash_duo, EXAMPLES / "catalog.yaml", EXAMPLES / "neighborhoods.geojson", bad)
    dash_duo.wait_for_element(".admin-problems", timeout=30)
    cells = [c.text for c in dash_duo.driver.find_elements("css selector", ".admin-problems td")]
    assert cells[:3] == ["observations.csv", "78", "period"]
    assert not confirm.is_enabled()

    choose(
        dash_duo,
        EXAMPLES / "catalog.yaml",
        EXAMPLES / "neighborhoods.geojson",
        EXAMPLES / "observations.csv",
    )
    dash_duo.wait_for_contains_text("#admin-data-report", "No problems found", timeout=30)
    wait_until(confirm.is_enabled, 10, "the import button is enabled")
    click(dash_duo.driver, confirm)
    dash_duo.wait_for_contains_text("#admin-data-result", "Imported 76 observations", timeout=120)
    history = dash_duo.find_element("#admin-data-history").text
    assert "ada" in history and "catalog.yaml" in history and "Imported" in history
    assert not confirm.is_enabled()  # the same files are not imported twice by accident
    assert dash_duo.get_logs() == []


def test_adm102_viewers_get_a_sign_in_prompt_and_no_upload(dash_duo, admin_app):
    dash_duo.start_server(admin_app)
    sign_in(dash_duo, "val")
    dash_duo.wait_for_text_to_equal("#main h1", "Sign in to see this page", timeout=20)
    assert dash_duo.driver.find_elements("css selector", "#admin-data-upload") == []
    dash_duo.driver.get(dash_duo.server_url + "/auth/logout")  # GET is refused: still signed in
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(dash_duo.server_url + "/admin/data")
    dash_duo.wait_for_text_to_equal("#main h1", "Sign in to see this page", timeout=20)
    assert dash_duo.driver.find_elements("css selector", "#admin-data-upload") == []


def test_adm103_an_oversized_file_is_refused_with_a_clear_message(dash_duo, admin_app, tmp_path):
    dash_duo.start_server(admin_app)
    sign_in(dash_duo, "ada")
    wait_for_page(dash_duo, "#admin-data-upload")
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(51 * 2**20)  # sparse: 51 MB on paper, nothing on disk
    choose(dash_duo, EXAMPLES / "catalog.yaml", huge)
    dash_duo.wait_for_contains_text("#admin-data-size-warning", "Too large to upload", timeout=20)
    warning = dash_duo.find_element("#admin-data-size-warning").text
    assert "huge.csv (51 MB)" in warning and "up to 50 MB" in warning
    assert not dash_duo.find_element("#admin-data-confirm").is_enabled()
