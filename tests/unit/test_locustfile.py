"""The load benchmark's pure parts: replaying captured callbacks and reading Locust's CSV.

Nothing here runs Locust or times anything. ``bench/locustfile.py`` is imported without
gevent's monkey-patching (``LOCUST_SKIP_MONKEY_PATCH``), which would otherwise change
threading for the whole test session.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[2]

KIOSK_TICK = {
    "output": "..kiosk-area.children...kiosk-graph.figure...kiosk-answered.data..",
    "outputs": [
        {"id": "kiosk-area", "property": "children"},
        {"id": "kiosk-graph", "property": "figure"},
        {"id": "kiosk-answered", "property": "data"},
    ],
    "inputs": [{"id": "kiosk-tick", "property": "n_intervals", "value": 1}],
    "changedPropIds": ["kiosk-tick.n_intervals"],
    "state": [{"id": "kiosk-settings", "property": "data", "value": {"area": None, "seconds": 15}}],
}
ROUTER = {
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ],
    "inputs": [
        {"id": "_pages_location", "property": "pathname", "value": "/public/measure/a"},
        {"id": "_pages_location", "property": "search", "value": ""},
    ],
    "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
}
KIOSK_LAYOUT = {
    "type": "Div",
    "namespace": "dash_html_components",
    "props": {
        "id": "kiosk-root",
        "children": [
            {
                "type": "Store",
                "namespace": "dash_core_components",
                "props": {"id": "kiosk-settings", "data": {"area": "health", "seconds": 20}},
            },
            {"type": "Interval", "props": {"id": "kiosk-tick", "n_intervals": 0}},
        ],
    },
}


@pytest.fixture(scope="module")
def locustfile():
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Importing Locust (gevent) in a pytest-xdist worker deadlocked on a module import
        # lock; `make bench` runs this file in a single process instead.
        pytest.skip("run without pytest-xdist: make bench does")
    pytest.importorskip("locust")
    with mock.patch.dict(os.environ, {"LOCUST_SKIP_MONKEY_PATCH": "1"}):
        spec = importlib.util.spec_from_file_location(
            "bench_locustfile", ROOT / "bench" / "locustfile.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def load():
    pytest.importorskip("psutil")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_load"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    yield module
    sys.modules.pop("bench_load", None)


def test_lod001_router_replayed_for_another_page(locustfile):
    body = locustfile.replay_body(ROUTER, locustfile.location_values("/public/measure/b?range=all"))
    assert body["inputs"] == [
        {"id": "_pages_location", "property": "pathname", "value": "/public/measure/b"},
        {"id": "_pages_location", "property": "search", "value": "?range=all"},
    ]
    assert body["changedPropIds"] == ROUTER["changedPropIds"]
    assert ROUTER["inputs"][0]["value"] == "/public/measure/a"  # the capture is untouched


def test_lod002_kiosk_tick_carries_the_settings_the_page_returned(locustfile):
    values = locustfile.state_values(KIOSK_TICK, KIOSK_LAYOUT)
    assert values == {("kiosk-settings", "data"): {"area": "health", "seconds": 20}}
    values[locustfile.interval_input(KIOSK_TICK)] = 7
    body = locustfile.replay_body(KIOSK_TICK, values)
    assert body["inputs"][0]["value"] == 7
    assert body["state"][0]["value"] == {"area": "health", "seconds": 20}


def test_lod003_missing_component_keeps_the_captured_state(locustfile):
    assert locustfile.state_values(KIOSK_TICK, {"props": {"id": "other"}}) == {}
    assert locustfile.find_prop([KIOSK_LAYOUT], "kiosk-tick", "n_intervals") == 0
    assert locustfile.find_prop(KIOSK_LAYOUT, "kiosk-tick", "interval", "none") == "none"


def test_lod004_end_id_read_from_the_dash_config(locustfile):
    config = json.dumps({"url_base_pathname": None, "end_id": "abc~123"})
    html = f'<footer><script id="_dash-config" type="application/json">{config}</script>'
    token = locustfile.end_id(html)
    assert token == "abc~123"
    assert locustfile.update_url(token) == "/_dash-update-component?endId=abc~123"
    assert locustfile.update_url(locustfile.end_id("<html></html>")) == "/_dash-update-component"


def test_lod005_callbacks_named_by_what_they_draw(locustfile):
    assert locustfile.callback_label(ROUTER) == "_pages_content"
    assert locustfile.callback_label(KIOSK_TICK) == "kiosk-graph.figure"
    plain = {"outputs": {"id": "x", "property": "children"}}
    assert locustfile.callback_label(plain) == "x.children"


def test_lod006_a_banner_or_not_found_is_not_the_page(locustfile):
    assert locustfile.layout_problem('{"id": "kiosk-root"}', "kiosk") is None
    banner = '{"className": "unavailable-banner"}'
    assert "database" in locustfile.layout_problem(banner, "kiosk")
    missing = '{"id": "public-measure-root", "children": "...may not be public..."}'
    assert "find" in locustfile.layout_problem(missing, "public-measure")
    assert locustfile.layout_problem('{"id": "public-root"}', "public-area") is not None


STATS = """\
Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,\
50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
GET,GET /kiosk,39,0,4,14.0,1.1,94.1,24551.7,2.07,0.0,4,7,8,18,59,90,94,94,94,94,94
POST,POST callback kiosk:_pages_content,0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A
,Aggregated,39,2,17,61.2,1.1,756.2,23641.4,10.8,0.0,17,44,66,85,180,250,470,700,760,760,760
"""


def test_lod007_locust_statistics_read_back(load, tmp_path):
    path = tmp_path / "run_stats.csv"
    path.write_text(STATS)
    rows, total = load.read_stats(path)
    assert [r.name for r in rows] == ["GET /kiosk", "POST callback kiosk:_pages_content"]
    assert (rows[0].requests, rows[0].p95, rows[0].max) == (39, 90.0, 94.1)
    assert rows[1].p95 is None
    assert (total.name, total.failures, total.p95, total.p99) == ("Aggregated", 2, 250.0, 700.0)
    assert "OVER" in load.verdict(total)
    assert "within" in load.verdict(load.Row("Aggregated", 10, 0, 1.0, 5, 290, 300, 400))


def test_lod008_failures_read_back(load, tmp_path):
    path = tmp_path / "run_failures.csv"
    path.write_text('Method,Name,Error,Occurrences\nPOST,POST callback kiosk:x,"status 500",3\n')
    assert load.read_failures(path) == [("POST callback kiosk:x", "status 500", 3)]
    assert load.read_failures(tmp_path / "none.csv") == []


class _Answer:
    def __init__(self, status_code, text="", error=None):
        self.status_code, self.text, self.error = status_code, text, error


def test_lod009_failures_group_by_cause_not_by_url(locustfile):
    timeout = OSError("URL http://127.0.0.1:1/kiosk?area=health: 0, original=timed out")
    assert locustfile.status_problem(_Answer(0, error=timeout)) == "no answer: timed out"
    page = "<!doctype html>\n<title>415 Unsupported Media Type</title>"
    assert locustfile.status_problem(_Answer(415, page)).startswith(
        "status 415: <!doctype html> <title>"
    )
