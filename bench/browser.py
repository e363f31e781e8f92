"""Selenium helpers shared by the page, callback and load benchmarks.

* :func:`chromium` opens headless Debian Chromium (``/usr/bin/chromium`` driven by
  ``/usr/bin/chromedriver``) with a fresh, empty temporary profile, so every browser it
  opens starts **cold**: no HTTP cache, no local storage. Chrome's performance log
  records network events, so callback request bodies can be read back.
* :func:`render_time` loads a page and returns the milliseconds from navigation start
  (``performance.timeOrigin``) until the page has *settled*:

  - Dash has hydrated the app and no callback is pending
    (``window.store.getState().callbacks``, read as ``dash.testing`` reads it);
  - no element carries ``data-dash-is-loading``;
  - every ``.dash-graph`` holds a drawn plotly plot (``.js-plotly-plot .main-svg``).

  The condition is checked inside the page on every animation frame by a script that
  Chrome runs before the page's own scripts (``Page.addScriptToEvaluateOnNewDocument``),
  so a page that settles before the driver gets control is timed correctly. The page
  must then stay settled for a quiet window (``quiet_ms``) so chained callbacks are
  not missed; the time reported is the first frame of that final stable stretch, not
  the end of the window. :func:`wait_until_settled` does the same wait after an
  interaction (a click, a select). The page keeps its state on
  ``window.__statroomSettle``: ``since`` (ms since navigation start when the current
  settled stretch began, or null while busy) and ``reason`` (why it is busy).
* :func:`capture_callback_posts` reads the ``/_dash-update-component`` requests of the
  last navigation from the performance log: request bodies, status and response sizes.
  :func:`network_requests` gives every request of the last navigation the same way.
* :func:`figure_sizes` measures the figure of every ``Graph`` in the settled component
  tree (``window.store.getState().layout``) as bytes of ``JSON.stringify(figure)``.
* :func:`resource_timings` gives the page's Resource Timing entries (when each callback
  answer arrived, to split a render into server and browser time).
* :func:`settled_layout` returns that tree as JSON text (the page-floor benchmark
  serves it back from a static app).
* :func:`console_errors` gives the severe browser-console entries since the last call.

Nothing here asserts on timing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WINDOW_SIZE = (1440, 1000)
#: Milliseconds a page must stay settled before its render is over.
QUIET_MS = 400
#: Seconds a page may take to settle before :func:`render_time` gives up.
SETTLE_TIMEOUT = 90
UPDATE_PATH = "/_dash-update-component"

# Runs at document start in every page the driver opens. It keeps, on
# ``window.__statroomSettle``, the time (performance.now(), i.e. ms since navigation
# start) of the first animation frame of the current settled stretch, or null while the
# page is still busy, and why it is busy.
_SETTLE_WATCH = """
(() => {
  if (window.__statroomSettle) { return; }
  const state = window.__statroomSettle = {since: null, reason: "not started", frames: 0};
  function pending(s) {
    if (Array.isArray(s.pendingCallbacks) && s.pendingCallbacks.length) { return true; }
    const callbacks = s.callbacks || {};
    for (const key of Object.keys(callbacks)) {
      if (key === "stored" || key === "completed") { continue; }
      const queue = callbacks[key];
      if (Array.isArray(queue) && queue.length) { return true; }
    }
    return false;
  }
  function busy() {
    const store = window.store;
    if (!store || !store.getState) { return "no dash store"; }
    const s = store.getState();
    if (!s.layout) { return "no layout"; }
    if (s.appLifecycle && s.appLifecycle !== "HYDRATED") { return "not hydrated"; }
    if (pending(s)) { return "callbacks pending"; }
    if (document.querySelector("[data-dash-is-loading]")) { return "loading"; }
    for (const graph of document.querySelectorAll(".dash-graph")) {
      if (!graph.querySelector(".js-plotly-plot .main-svg")) { return "graph not drawn"; }
    }
    return "";
  }
  function frame() {
    state.frames += 1;
    let reason;
    try { reason = busy(); } catch (error) { reason = "error: " + error; }
    if (reason) {
      state.since = null;
      state.reason = reason;
    } else if (state.since === null) {
      state.since = performance.now();
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();
"""

# Resolves with the start of the settled stretch (not before ``after``) once it has
# lasted ``quiet`` ms.
_WAIT_SETTLED = """
const after = arguments[0];
const quiet = arguments[1];
const done = arguments[arguments.length - 1];
function poll() {
  const state = window.__statroomSettle;
  if (state && state.since !== null) {
    const since = Math.max(state.since, after);
    if (performance.now() - since >= quiet) { done(since); return; }
  }
  setTimeout(poll, 25);
}
poll();
"""

_SETTLE_REASON = """
const state = window.__statroomSettle;
return state ? state.reason + " (" + state.frames + " frames)" : "watch script missing";
"""

_FIGURE_SIZES = """
const encoder = new TextEncoder();
const found = [];
const unnamed = {};
function walk(node, owner) {
  if (Array.isArray(node)) { node.forEach((child) => walk(child, owner)); return; }
  if (!node || typeof node !== "object") { return; }
  const props = node.props && typeof node.props === "object" ? node.props : null;
  const id = props && props.id !== undefined ? props.id : undefined;
  const name = id === undefined ? null : typeof id === "string" ? id : JSON.stringify(id);
  if (node.type === "Graph" && props) {
    const figure = props.figure || {};
    let label = name;
    if (label === null) {
      unnamed[owner] = (unnamed[owner] || 0) + 1;
      label = owner + " graph " + unnamed[owner];
    }
    found.push({
      id: label,
      // plotly.js attaches a decoded copy (_inputArray) to every typed array it drew:
      // leave it out, to count what the server sent.
      bytes: encoder.encode(JSON.stringify(figure, (k, v) => (k === "_inputArray" ? undefined : v))).length,
      traces: Array.isArray(figure.data) ? figure.data.length : 0,
    });
    return;
  }
  const inner = name === null ? owner : name;
  for (const key of Object.keys(node)) { walk(node[key], inner); }
}
walk(window.store.getState().layout.components, "page");
return found;
"""

_RESOURCE_TIMINGS = """
return performance.getEntriesByType("resource").map((e) => ({
  url: e.name, initiator: e.initiatorType, start: e.startTime,
  response_start: e.responseStart, response_end: e.responseEnd,
}));
"""


@dataclass
class Request:
    """One network request of a page load, as the performance log tells it."""

    request_id: str
    url: str
    method: str
    resource_type: str
    post_data: str | None = None
    status: int | None = None
    #: Bytes on the wire: headers and (possibly compressed) body.
    encoded_bytes: int | None = None
    #: Bytes of the decoded response body.
    body_bytes: int = 0
    failed: str | None = None
    #: ms from the navigation's document request until this request was sent / its
    #: last byte arrived (Chrome's network timestamps, so close to navigation start).
    sent_ms: float | None = None
    finished_ms: float | None = None
    #: ms from the navigation's document request until the response headers arrived.
    headers_ms: float | None = None

    @property
    def duration_ms(self) -> float | None:
        if self.sent_ms is None or self.finished_ms is None:
            return None
        return self.finished_ms - self.sent_ms

    @property
    def waiting_ms(self) -> float | None:
        """Sent to response headers: the server's time (Flask answers once the body is
        built), free of how long a busy page takes to read the body."""
        if self.sent_ms is None or self.headers_ms is None:
            return None
        return self.headers_ms - self.sent_ms

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@dataclass
class CallbackPost:
    """One ``/_dash-update-component`` request: what was sent and what came back."""

    #: The callback's ``output`` key (Dash's own identifier for a callback).
    output: str
    #: The request body exactly as sent (JSON text), ready to replay.
    body: str
    status: int | None
    #: Bytes of the decoded response body.
    response_bytes: int
    #: Bytes on the wire, headers included.
    encoded_bytes: int | None
    url: str
    #: ms from sending the request to its last byte (server time plus transfer).
    duration_ms: float | None = None
    #: ms from the navigation's document request to the answer's last byte.
    finished_ms: float | None = None
    #: ms from sending the request to the response headers (the server's time).
    waiting_ms: float | None = None

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@contextmanager
def chromium(*, window_size: tuple[int, int] = WINDOW_SIZE) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh temporary profile (a cold browser); quit on exit."""
    profile = tempfile.mkdtemp(prefix="statroom-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={profile}",
        f"--window-size={window_size[0]},{window_size[1]}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    options.add_experimental_option(
        "perfLoggingPrefs", {"enableNetwork": True, "enablePage": False}
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _SETTLE_WATCH})
        driver.set_script_timeout(SETTLE_TIMEOUT)
        driver.set_page_load_timeout(SETTLE_TIMEOUT)
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


def render_time(driver: webdriver.Chrome, url: str, *, quiet_ms: int = QUIET_MS) -> float:
    """Load ``url``; ms from navigation start until the page settled (see module doc)."""
    driver.get(url)
    return wait_until_settled(driver, quiet_ms=quiet_ms)


def now_ms(driver: webdriver.Chrome) -> float:
    """The page's clock: ms since its navigation started (``performance.now()``)."""
    return float(driver.execute_script("return performance.now();"))


def wait_until_settled(
    driver: webdriver.Chrome, *, after_ms: float = 0.0, quiet_ms: int = QUIET_MS
) -> float:
    """Wait until the current page has been settled for ``quiet_ms``; return when (page
    clock, ms) that stable stretch began, or ``after_ms`` if it began earlier.

    After an interaction, pass ``after_ms=now_ms(driver)`` taken just before it: the
    wait then lasts at least ``quiet_ms`` past the interaction, long enough for the
    callbacks it triggers to be queued.
    """
    try:
        return float(driver.execute_async_script(_WAIT_SETTLED, after_ms, quiet_ms))
    except TimeoutException:
        reason = driver.execute_script(_SETTLE_REASON)
        raise RuntimeError(
            f"{driver.current_url} did not settle in {SETTLE_TIMEOUT} s: {reason}"
        ) from None


def network_requests(driver: webdriver.Chrome) -> list[Request]:
    """Every request of the last navigation, in the order they were sent.

    Reads (and so empties) the performance log; events before the last document request
    belong to earlier navigations and are dropped.
    """
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"].startswith("Network."):
            events.append(message)
    return _requests_from(events, driver)


def _requests_from(events: list[dict], driver: webdriver.Chrome | None = None) -> list[Request]:
    """Fold ``Network.*`` events into requests, keeping those of the last navigation."""
    start = 0
    for index, event in enumerate(events):
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent" and params.get("type") == "Document":
            start = index
    requests: dict[str, Request] = {}
    origin = events[start]["params"].get("timestamp") if events else None

    def since_origin(params: dict) -> float | None:
        moment = params.get("timestamp")
        return None if moment is None or origin is None else (moment - origin) * 1000

    for event in events[start:]:
        method, params = event["method"], event["params"]
        request_id = params.get("requestId")
        if method == "Network.requestWillBeSent":
            sent = params["request"]
            request = Request(
                request_id=request_id,
                url=sent["url"],
                method=sent["method"],
                resource_type=params.get("type", ""),
                post_data=sent.get("postData"),
                sent_ms=since_origin(params),
            )
            if request.post_data is None and sent.get("hasPostData") and driver is not None:
                request.post_data = _post_data(driver, request_id)
            requests[request_id] = request
            continue
        request = requests.get(request_id)
        if request is None:
            continue
        if method == "Network.responseReceived":
            request.status = params["response"].get("status")
            request.headers_ms = since_origin(params)
        elif method == "Network.dataReceived":
            request.body_bytes += params.get("dataLength", 0)
        elif method == "Network.loadingFinished":
            request.encoded_bytes = int(params.get("encodedDataLength", 0))
            request.finished_ms = since_origin(params)
        elif method == "Network.loadingFailed":
            request.finished_ms = since_origin(params)
            # A 204 answer whose (empty) body nobody reads is "canceled": not a failure.
            if not (params.get("canceled") and request.status is not None):
                request.failed = params.get("errorText", "failed")
    return list(requests.values())


def _post_data(driver: webdriver.Chrome, request_id: str) -> str | None:
    try:
        return driver.execute_cdp_cmd("Network.getRequestPostData", {"requestId": request_id})[
            "postData"
        ]
    except WebDriverException:
        return None


def callback_posts(requests: list[Request]) -> list[CallbackPost]:
    """The ``/_dash-update-component`` requests among ``requests``."""
    posts = []
    for request in requests:
        if request.method != "POST" or not request.path.endswith(UPDATE_PATH):
            continue
        body = request.post_data or ""
        try:
            output = json.loads(body).get("output", "")
        except ValueError:
            output = ""
        posts.append(
            CallbackPost(
                output=output,
                body=body,
                status=request.status,
                response_bytes=request.body_bytes,
                encoded_bytes=request.encoded_bytes,
                url=request.url,
                duration_ms=request.duration_ms,
                finished_ms=request.finished_ms,
                waiting_ms=request.waiting_ms,
            )
        )
    return posts


def short_output(output: str, width: int = 60) -> str:
    """A callback's ``output`` key made readable: ``..a.children...b.data..`` gives
    ``a.children b.data``, cut to ``width`` characters."""
    text = " ".join(part for part in output.strip(".").split("...") if part)
    return text if len(text) <= width else text[: width - 1] + "…"


def capture_callback_posts(driver: webdriver.Chrome) -> list[CallbackPost]:
    """The ``/_dash-update-component`` POSTs of the last navigation (empties the log)."""
    return callback_posts(network_requests(driver))


def figure_sizes(driver: webdriver.Chrome) -> list[dict]:
    """Each Graph of the settled layout: ``id`` (its component id, or the nearest
    ancestor's id and a count when it has none), ``bytes`` (UTF-8 length of
    ``JSON.stringify(figure)``) and ``traces``."""
    return driver.execute_script(_FIGURE_SIZES)


def resource_timings(driver: webdriver.Chrome) -> list[dict]:
    """The page's Resource Timing entries: ``url``, ``initiator``, ``start``,
    ``response_start`` and ``response_end``, in ms since navigation start."""
    return driver.execute_script(_RESOURCE_TIMINGS)


def settled_layout(driver: webdriver.Chrome) -> str:
    """The component tree as the callbacks left it, as JSON text (figures included), in
    the form ``/_dash-layout`` serves it."""
    return driver.execute_script(
        "return JSON.stringify(window.store.getState().layout.components,"
        " (k, v) => (k === '_inputArray' ? undefined : v));"
    )


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """Severe browser-console messages since the last call (empties the log)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
