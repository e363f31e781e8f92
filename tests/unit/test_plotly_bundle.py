"""The partial plotly.js bundle the app serves (``make plotly-bundle``): the same plotly.js
release as plotly.py's, and every trace type the pages draw is in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs_version

from app import create_app
from data.config import Config

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "assets" / "vendor" / "plotly-statroom.min.js"
ENTRY = ROOT / "tools" / "plotly-bundle" / "index.js"
#: scatter is in plotly.js core; the others are registered in tools/plotly-bundle/index.js.
BUNDLED = {"scatter"} | set(re.findall(r"plotly\.js/lib/(\w+)'", ENTRY.read_text())) - {"core"}


def test_plt001_bundle_is_plotly_pys_release():
    # plotly.py writes figures for its own plotly.js; a bundle of another release could
    # draw them differently. Upgrading plotly means `make plotly-bundle` (and this test).
    version = re.search(r'\.version="([0-9.]+)"', BUNDLE.read_text())
    assert version and version.group(1) == get_plotlyjs_version()
    lock = json.loads((ENTRY.parent / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/plotly.js"]["version"] == get_plotlyjs_version()


def figures_in(node):
    if isinstance(node, dict):
        props = node.get("props") if isinstance(node.get("props"), dict) else {}
        if node.get("type") == "Graph" and isinstance(props.get("figure"), dict):
            yield props["figure"]
        for value in (props or node).values():
            yield from figures_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from figures_in(item)


@pytest.fixture(scope="module")
def demo_client(demo_database_url):
    config = Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    return create_app(config).server.test_client()


@pytest.mark.parametrize(
    "path",
    [
        "/measure/ems-response-time",
        "/measure/ems-response-time?geography=ahuntsic",
        "/area/public-safety",
        "/equity",
        "/kiosk",
        "/public/measure/ems-response-time",
    ],
)
def test_plt002_every_trace_type_drawn_is_bundled(demo_client, path):
    layout = demo_client.get("/_dash-layout", headers={"Referer": f"http://localhost{path}"})
    figures = list(figures_in(layout.json))
    assert figures, f"{path} drew no figure"
    types = {trace.get("type", "scatter") for f in figures for trace in f.get("data") or []}
    assert types and types <= BUNDLED, f"{path} draws {sorted(types - BUNDLED)}"


def test_plt003_pages_load_the_bundle_not_the_full_plotly(demo_client):
    page = demo_client.get("/public").get_data(as_text=True)
    assert "/assets/vendor/plotly-statroom.min.js" in page
    assert "plotly.min.js" not in page
