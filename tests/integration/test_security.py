"""Security in headless Chromium: the Content-Security-Policy holds on every page, and
untrusted text never becomes HTML or a link.

A watcher installed at document start (Chrome DevTools ``Page.addScriptToEvaluateOnNewDocument``)
records every ``securitypolicyviolation`` event and every alert/confirm/prompt call.
"""

from __future__ import annotations

import textwrap
from datetime import date

import dash
import pytest
from sqlalchemy.orm import Session

from app import create_app
from data.config import Config
from data.db import make_engine
from data.importer import import_files
from data.models import ActionItem
from data.refresh import refresh
from data.store import SYSTEM, Store
from tests.conftest import DEMO_AS_OF
from tests.helpers import copy_sqlite
from tests.integration.browser_checks import (
    csp_violations,
    dialogs,
    fill_path,
    wait_for_page,
    wait_until,
    watch_new_documents,
)

HOSTILE_MEASURE = "hostile-measure"
HOSTILE_AREA = "hostile-area"
NAME = "<script>alert(1)</script>"
SHORT_NAME = "<img src=x onerror=alert(2)>"
DESCRIPTION = "See [the details](javascript:alert(3)) or javascript:alert(4)"
AREA_NAME = "<svg onload=alert(5)>Hostile area</svg>"
METHODOLOGY = '<a href="javascript:alert(6)">how</a>'
SOURCE = "<b>bold source</b>"
DEPARTMENT = "<iframe src=javascript:alert(7)></iframe>"
UNIT_LABEL = "<i>widgets</i>"
ANNOTATION = '=HYPERLINK("http://evil")'
ACTION = "<b>bold</b> <img src=x onerror=alert(8)>"


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="session")
def hostile_database_url(demo_database_url, tmp_path_factory) -> str:
    """A copy of the demo city plus one public measure whose every text is an attack."""
    folder = tmp_path_factory.mktemp("hostile")
    url = copy_sqlite(demo_database_url, folder / "hostile.db")

    city = Store(make_engine(url), SYSTEM).city()
    catalog = folder / "catalog.yaml"
    catalog.write_text(
        textwrap.dedent(
            f"""
            city: {_yaml(city.name)}
            fiscal_year_start_month: {city.fiscal_year_start_month}
            priority_areas:
              - id: {HOSTILE_AREA}
                name: {_yaml(AREA_NAME)}
                description: {_yaml(DESCRIPTION)}
            measures:
              - id: {HOSTILE_MEASURE}
                area: {HOSTILE_AREA}
                name: {_yaml(NAME)}
                short_name: {_yaml(SHORT_NAME)}
                description: {_yaml(DESCRIPTION)}
                methodology: {_yaml(METHODOLOGY)}
                department: {_yaml(DEPARTMENT)}
                owner: {_yaml(SHORT_NAME)}
                data_source: {_yaml(SOURCE)}
                unit: count
                unit_label: {_yaml(UNIT_LABEL)}
                decimals: 0
                direction: higher_is_better
                frequency: month
                aggregation: sum
                public: true
            targets:
              {HOSTILE_MEASURE}:
                - {{start: 2024-07-01, end: 2027-06-30, value: 100, tolerance: 5, label: {_yaml(NAME)}}}
            annotations:
              - measure: {HOSTILE_MEASURE}
                date: 2025-03-01
                label: {_yaml(ANNOTATION)}
                description: {_yaml(ACTION)}
            """
        ),
        encoding="utf-8",
    )
    observations = folder / "observations.csv"
    months = [f"{year}-{month:02d}" for year in (2024, 2025, 2026) for month in range(1, 13)]
    rows = [f"{HOSTILE_MEASURE},{m},,{90 + i % 7 + i // 6}" for i, m in enumerate(months[:34])]
    observations.write_text(
        "measure,period,geography,value,numerator,denominator\n" + "\n".join(rows) + "\n"
    )
    engine = make_engine(url)
    result = import_files(engine, catalog, [observations], user="test")
    assert result.ok, result.report.format()
    refresh(engine, measure_ids=[HOSTILE_MEASURE], progress=False, as_of=DEMO_AS_OF, workers=1)
    with Session(engine) as session:
        session.add(
            ActionItem(
                description=ACTION,
                owner=SHORT_NAME,
                department=DEPARTMENT,
                due_date=date(2026, 12, 1),
                status="open",
                measure_id=HOSTILE_MEASURE,
            )
        )
        session.commit()
    engine.dispose()
    return url


@pytest.fixture
def hostile_app(hostile_database_url):
    return create_app(
        Config(database_url=hostile_database_url, secret_key="test", anonymous_role="viewer")
    )


def registered_paths(values: dict[str, str]) -> list[str]:
    paths = set()
    for page in dash.page_registry.values():
        if page["module"].endswith("not_found_404"):
            paths.add("/no-such-page")
            continue
        paths.add(fill_path(page.get("path_template") or page["path"], values))
    return sorted(paths)


def open_page(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + path)
    wait_for_page(dash_duo, "#main h1, .kiosk-name")
    # Charts draw after their callbacks; give any late violation the chance to show.
    dash_duo.driver.execute_script("return new Promise(r => setTimeout(r, 300))")


def test_sec001_no_csp_violation_on_any_page(dash_duo, demo_app, demo_database_url):
    store = Store(make_engine(demo_database_url), SYSTEM)
    values = {
        "measure_id": "ems-response-time",
        "area_id": store.areas()[0].id,
        "geography_id": store.geographies()[0].id,
    }
    dash_duo.start_server(demo_app)
    watch_new_documents(dash_duo.driver)
    paths = registered_paths(values) + ["/kiosk?interval=1"]
    assert {"/public", "/kiosk", "/admin/data"} <= set(paths)
    for path in paths:
        open_page(dash_duo, path)
        assert csp_violations(dash_duo.driver) == [], path
    # The kiosk's clientside callbacks and its JS run for a few rotations, too.
    dash_duo.wait_for_text_to_equal("#kiosk-counter", "3 of 23", timeout=30)
    assert csp_violations(dash_duo.driver) == []
    assert dash_duo.get_logs() == []


def test_sec002_the_watcher_sees_a_violation(dash_duo, demo_app):
    """The check can fail: an inline script is blocked and reported."""
    dash_duo.start_server(demo_app)
    watch_new_documents(dash_duo.driver)
    open_page(dash_duo, "/public")
    dash_duo.driver.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        "document.body.appendChild(s);"
    )
    found = wait_until(lambda: csp_violations(dash_duo.driver), 5, "a violation was recorded")
    assert found[0]["directive"].startswith("script-src")
    assert dash_duo.driver.execute_script("return window.__ran") is None


INSPECT = """
const text = document.body.innerText;
const svgText = Array.from(document.querySelectorAll("svg text")).map(t => t.textContent).join(" | ");
const bad = [];
document.querySelectorAll("script").forEach(s => { if (s.textContent.includes("alert(")) bad.push("script: " + s.textContent.slice(0, 80)); });
document.querySelectorAll("img[src='x'], iframe, [onerror], [onload]").forEach(e => bad.push(e.outerHTML.slice(0, 80)));
document.querySelectorAll("b, strong, i, tspan").forEach(e => {
  if (/bold|widgets/.test(e.textContent) && !e.classList.contains("bi")) bad.push(e.tagName + ": " + e.textContent.slice(0, 60));
});
document.querySelectorAll("a[href]").forEach(a => {
  if (/^\\s*javascript:/i.test(a.getAttribute("href"))) bad.push("link: " + a.getAttribute("href"));
});
return {text: text, svgText: svgText, bad: bad, title: document.title};
"""

#: Pages that show the hostile measure's name as text (path → also in a chart).
SHOWS_NAME = {
    "/public": False,
    f"/public/area/{HOSTILE_AREA}": False,
    f"/public/measure/{HOSTILE_MEASURE}": True,
    f"/kiosk?area={HOSTILE_AREA}": True,
}


def test_sec003_untrusted_text_never_becomes_html_or_a_link(dash_duo, hostile_app):
    dash_duo.start_server(hostile_app)
    watch_new_documents(dash_duo.driver)
    values = {"measure_id": HOSTILE_MEASURE, "area_id": HOSTILE_AREA, "geography_id": "citywide"}
    paths = sorted(set(registered_paths(values)) | set(SHOWS_NAME) | {"/"})
    for path in paths:
        open_page(dash_duo, path)
        if path.startswith("/kiosk") or path.startswith("/public/measure"):
            wait_until(
                lambda: dash_duo.driver.execute_script(
                    "return document.querySelectorAll('.js-plotly-plot .main-svg').length"
                ),
                20,
                f"{path}: chart drawn",
            )
        seen = dash_duo.driver.execute_script(INSPECT)
        assert seen["bad"] == [], path
        assert dialogs(dash_duo.driver) == [], path
        assert csp_violations(dash_duo.driver) == [], path
        if path in SHOWS_NAME:
            assert NAME in seen["text"], path  # shown literally, as text
        if SHOWS_NAME.get(path):
            assert "widgets" in seen["svgText"], path  # the unit label, literally
    # The public measure page shows every field literally, the annotation in its chart.
    open_page(dash_duo, f"/public/measure/{HOSTILE_MEASURE}")
    seen = dash_duo.driver.execute_script(INSPECT)
    for literal in (NAME, DESCRIPTION, METHODOLOGY, SOURCE, DEPARTMENT):
        assert literal in seen["text"], literal
    assert ANNOTATION in seen["svgText"] and UNIT_LABEL in seen["svgText"]
    assert seen["title"].startswith(NAME)
    assert dialogs(dash_duo.driver) == []
