"""The page and callback benchmarks' pure parts: reading Chrome's network log, naming
callbacks, and the static floor page.

No browser is started and nothing is timed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

PAGE_BODY = {
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ],
    "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/equity"}],
    "changedPropIds": ["_pages_location.pathname"],
}


def _load(name: str):
    # Loaded by file name, not put on sys.path: bench/pages.py would shadow pages/.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def browser():
    return _load("browser")


@pytest.fixture(scope="module")
def floor():
    return _load("floor")


def sent(request_id, url, *, kind="Fetch", method="GET", body=None, at=0.0):
    request = {"url": url, "method": method}
    if body is not None:
        request["postData"] = body
    return {
        "method": "Network.requestWillBeSent",
        "params": {"requestId": request_id, "type": kind, "request": request, "timestamp": at},
    }


def answered(request_id, status, size, *, at=0.0, headers_at=None):
    headers = {"requestId": request_id, "response": {"status": status}}
    if headers_at is not None:
        headers["timestamp"] = headers_at
    return [
        {"method": "Network.responseReceived", "params": headers},
        {"method": "Network.dataReceived", "params": {"requestId": request_id, "dataLength": size}},
        {
            "method": "Network.loadingFinished",
            "params": {"requestId": request_id, "encodedDataLength": size + 100, "timestamp": at},
        },
    ]


def test_bnb001_only_the_last_navigation_is_kept(browser):
    events = [
        sent("1", "http://x/measure/a", kind="Document", at=10.0),
        sent("2", "http://x/_dash-layout", at=10.1),
        sent("3", "http://x/equity", kind="Document", at=20.0),
        *answered("3", 200, 500, at=20.05),
        sent("4", "http://x/_dash-layout", at=20.1),
        *answered("4", 200, 6000, at=20.2),
    ]
    requests = browser._requests_from(events)
    assert [r.path for r in requests] == ["/equity", "/_dash-layout"]
    layout = requests[1]
    assert (layout.status, layout.body_bytes, layout.encoded_bytes) == (200, 6000, 6100)
    assert layout.sent_ms == pytest.approx(100)
    assert layout.finished_ms == pytest.approx(200)
    assert layout.duration_ms == pytest.approx(100)


def test_bnb002_callback_posts_carry_body_output_and_sizes(browser):
    body = json.dumps(PAGE_BODY)
    events = [
        sent("1", "http://x/equity", kind="Document", at=1.0),
        sent("2", "http://x/_dash-update-component?endId=abc", method="POST", body=body, at=1.5),
        *answered("2", 200, 455_000, at=2.0, headers_at=1.8),
        sent("3", "http://x/_dash-dependencies", at=1.2),
    ]
    posts = browser.callback_posts(browser._requests_from(events))
    assert len(posts) == 1
    post = posts[0]
    assert post.output == PAGE_BODY["output"]
    assert post.payload == PAGE_BODY
    assert (post.status, post.response_bytes) == (200, 455_000)
    assert post.duration_ms == pytest.approx(500)
    assert post.waiting_ms == pytest.approx(300)
    assert post.finished_ms == pytest.approx(1000)


def test_bnb003_an_unread_204_is_not_a_failure_but_a_refused_request_is(browser):
    body = json.dumps(PAGE_BODY)
    events = [
        sent("1", "http://x/equity", kind="Document"),
        sent("2", "http://x/_dash-update-component", method="POST", body=body),
        {
            "method": "Network.responseReceived",
            "params": {"requestId": "2", "response": {"status": 204}},
        },
        {
            "method": "Network.loadingFailed",
            "params": {"requestId": "2", "canceled": True, "errorText": "net::ERR_ABORTED"},
        },
        sent("3", "http://x/_dash-update-component", method="POST", body=body),
        {
            "method": "Network.loadingFailed",
            "params": {"requestId": "3", "errorText": "net::ERR_CONNECTION_REFUSED"},
        },
    ]
    requests = browser._requests_from(events)
    assert requests[1].status == 204 and requests[1].failed is None
    assert requests[2].failed == "net::ERR_CONNECTION_REFUSED"


def test_bnb004_short_output_names_every_output(browser):
    assert browser.short_output(PAGE_BODY["output"]) == "_pages_content.children _pages_store.data"
    assert browser.short_output("kiosk-graph.figure") == "kiosk-graph.figure"
    assert browser.short_output("..a.b...c.d..", width=5) == "a.b …"


def test_bnb005_floor_finds_every_graph_of_a_settled_layout(floor):
    tree = {
        "type": "Div",
        "namespace": "dash_html_components",
        "props": {
            "children": [
                {
                    "type": "Graph",
                    "namespace": "dash_core_components",
                    "props": {
                        "id": "g1",
                        "figure": {"data": [{"y": [1]}]},
                        "style": {"height": 300},
                    },
                },
                {"type": "Div", "props": {"children": {"type": "Graph", "props": {"id": "g2"}}}},
            ]
        },
    }
    graphs = floor.graph_props(tree)
    assert graphs == [
        {"figure": {"data": [{"y": [1]}]}, "config": {}, "style": {"height": 300}},
        {"figure": {}, "config": {}, "style": {}},
    ]
    page = floor.plotly_page(
        [{"figure": {"layout": {"title": "</script>"}}, "config": {}, "style": {}}]
    )
    assert "Plotly.newPlot" in page
    assert '</script>"' not in page  # a figure cannot close the page's script


def test_bnb006_floor_compares_the_bundles_an_index_loads(floor):
    index = (
        '<link rel="stylesheet" href="/assets/a.css?m=1">'
        '<script src="/_dash-component-suites/dash/x.js"></script><script>inline()</script>'
    )
    assert floor.bundles(index) == {"/assets/a.css?m=1", "/_dash-component-suites/dash/x.js"}


def test_bnb007_the_floor_server_starts_with_bench_first_on_the_path():
    # gunicorn runs ``floor:server`` with bench/ ahead of the project on sys.path, where
    # bench/analytics.py and bench/pages.py shadow Statroom's packages: the floor may
    # import only what does not reach them. It serves pages as Statroom does.
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import floor\n"
        'app = floor.create_floor_app(\'{"type": "Div", "namespace": "dash_html_components",'
        ' "props": {}}\')\n'
        "print(app.server.test_client().get('/').get_data(as_text=True))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(BENCH), str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '<link rel="preload" href="/_dash-layout"' in done.stdout
