"""Benchmark #7's simulated viewers: kiosk screens, public-site visitors and open-data clients.

Run by ``bench/load.py``, which starts the server, captures the callback bodies and reads
the results; on its own::

    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8050 \\
        --users 100 --spawn-rate 20 --run-time 60s \\
        --callbacks bench/out/load-callbacks-demo-postgres.json

What a viewer does is what a browser does, minus the static files: every page is a full
load (the public pages link with plain ``<a href>``, so each click is one) made of

1. the HTML page (``GET /kiosk``),
2. ``GET /_dash-layout`` and ``GET /_dash-dependencies`` (fetched one after the other
   here; a browser fetches them side by side, so this is slightly pessimistic). The
   layout request carries the page's URL as its ``Referer``, as a browser's does, and
   the answer holds the page (``components/layout.py``, ``page_container``);
3. the callbacks Dash fires on load (``POST /_dash-update-component``), if any.

JavaScript and CSS bundles, fonts and the favicon are **not** requested: browsers keep
them (Dash fingerprints their URLs) and a reverse proxy serves them in production.

Callback bodies are **replayed**, not written by hand: ``bench/load.py`` loads each page
once in headless Chromium and saves the bodies it sent (``--callbacks``). A replay
changes only the values a browser would change: the pathname and query string of the
page, the tick count of the kiosk's ``dcc.Interval``, and each ``State`` read from the
layout the server just returned (the kiosk's settings store). The ``endId`` token is read
from each HTML page, as the renderer does.

The viewers (Locust picks them 3 : 5 : 2, so 100 users are 30 kiosks, 50 visitors and 20
API clients):

* :class:`KioskScreen`: a lobby screen. Switched on at a random moment within one
  interval, it loads ``/kiosk`` (half of them ``/kiosk?area=<random area>``, as a
  department's screen) and then posts one rotation tick per interval (15 s by default:
  the ``seconds`` of the settings the page returned), like ``dcc.Interval``'s timer,
  whatever the answers take. A tick must return a figure; a 204 is a failure, since the
  kiosk answers 204 only when it could not prepare the slide (``pages/kiosk.py``,
  ``advance``).
* :class:`PublicVisitor`: a resident. ``/public``, then a random priority area, then a
  random public measure of it; 30% then switch the chart to every period
  (``?range=all``), 20% download the measure's CSV. 5 to 20 s of reading between pages
  (``between(5, 20)``), and as long again before the next visit.
* :class:`ApiClient`: a script or app on the open-data API (``docs/api.md``): the
  catalog (JSON, CSV, areas), a measure, its observations (JSON, CSV, every
  neighbourhood's CSV, a date range), its stored statistics, the geographies and their
  boundaries; 1 to 5 s between requests (``between(1, 5)``).

Every response is checked: status 200 (204 for a callback that updates nothing), JSON
that parses with the expected keys, a CSV with its header, a page layout that is the page
asked for (not the "can't reach its database" banner, not "we couldn't find"). A check
that fails is a Locust failure, named by endpoint (``POST callback kiosk:<output>``).

Budget (``bench/load.py``): p95 at most 300 ms over all requests, zero failures.
"""

from __future__ import annotations

import json
import random
import re
import time
from copy import deepcopy
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from locust import FastHttpUser, between, events, task

UPDATE_PATH = "/_dash-update-component"
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
HTML_HEADERS = {"Accept": "text/html,application/xhtml+xml"}
#: Seconds a request may take before Locust gives up on it (a failure).
NETWORK_TIMEOUT = 30.0

#: The root component of each page the viewers load, checked in the router's answer.
PAGE_ROOTS = {
    "kiosk": "kiosk-root",
    "public": "public-root",
    "public-area": "public-area-root",
    "public-measure": "public-measure-root",
}
#: Texts that mean a page answered 200 but without the page (``components/layout.py``,
#: ``components/public_panels.py``).
NOT_THE_PAGE = {
    "unavailable-banner": "the database banner instead of the page",
    "may not be public": "'we couldn't find' instead of the page",
}
KIOSK_AREA_SHARE = 0.5
RANGE_SHARE = 0.3
DOWNLOAD_SHARE = 0.2

_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)

#: What ``bench/load.py`` captured: see :func:`load_scenario`.
SCENARIO: dict[str, Any] = {}


# -- pure helpers (tests/unit/test_locustfile.py) -------------------------------------------


def end_id(html: str) -> str | None:
    """The signed ``end_id`` of Dash's config in an HTML page, echoed as ``?endId=``."""
    match = _CONFIG.search(html)
    if not match:
        return None
    try:
        return json.loads(match.group(1)).get("end_id")
    except ValueError:
        return None


def update_url(token: str | None) -> str:
    return f"{UPDATE_PATH}?endId={quote(token, safe='~')}" if token else UPDATE_PATH


def replay_body(template: dict, values: dict[tuple[str, str], Any]) -> dict:
    """``template`` (a captured callback body) with the ``inputs`` and ``state`` named by
    ``(component id, property)`` in ``values`` set to new values; the rest as captured."""
    body = deepcopy(template)
    for key in ("inputs", "state"):
        for item in body.get(key) or []:
            # A list is a pattern-matching (ALL) dependency: each item is one component.
            for entry in item if isinstance(item, list) else [item]:
                wanted = (entry.get("id"), entry.get("property"))
                if isinstance(wanted[0], str) and wanted in values:
                    entry["value"] = values[wanted]
    return body


def location_values(path: str) -> dict[tuple[str, str], str]:
    """What the Pages router's ``dcc.Location`` holds for ``path`` (query string included)."""
    parts = urlsplit(path)
    search = f"?{parts.query}" if parts.query else ""
    return {("_pages_location", "pathname"): parts.path, ("_pages_location", "search"): search}


def find_prop(tree: Any, component_id: str, prop: str, default: Any = None) -> Any:
    """The property ``prop`` of the component ``component_id`` in a Dash layout (JSON)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                if props.get("id") == component_id and prop in props:
                    return props[prop]
                stack.extend(props.values())
    return default


def state_values(template: dict, layout: Any) -> dict[tuple[str, str], Any]:
    """Each ``State`` of ``template`` as the component in ``layout`` holds it now."""
    found = {}
    missing = object()
    for entry in template.get("state") or []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            value = find_prop(layout, entry["id"], entry["property"], missing)
            if value is not missing:
                found[(entry["id"], entry["property"])] = value
    return found


def callback_label(body: dict) -> str:
    """A short, stable name for a callback: its page content, figure or first output."""
    outputs = body.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs] if outputs else []
    names = [f"{o.get('id')}.{o.get('property')}" for o in outputs if isinstance(o, dict)]
    for name in names:
        if name.startswith("_pages_content."):
            return "_pages_content"
    for name in names:
        if name.endswith(".figure"):
            return name
    return names[0] if names else str(body.get("output", "?"))


def interval_input(body: dict) -> tuple[str, str] | None:
    """The ``n_intervals`` input that fires a timed callback (the kiosk's tick)."""
    for entry in body.get("inputs") or []:
        if isinstance(entry, dict) and entry.get("property") == "n_intervals":
            return entry["id"], "n_intervals"
    return None


def status_problem(response) -> str:
    """A failure message for an unexpected status: the client's error when there was no
    answer (status 0: timeout, connection reset), else the status and the answer's start."""
    if not response.status_code:
        # geventhttpclient names the URL ("URL http://...: 0, original=timed out"); keep the
        # cause only, so that failures group by request name and cause.
        error = getattr(response, "error", None)
        cause = re.search(r"original=(.*)$", str(error)) if error else None
        reason = cause.group(1) if cause else type(error).__name__ if error else "no response"
        return f"no answer: {reason}"
    try:
        text = " ".join((response.text or "").split())[:80]
    except Exception:  # noqa: BLE001 - an undecodable body still deserves its status
        text = ""
    return f"status {response.status_code}" + (f": {text}" if text else "")


def layout_problem(text: str, page: str) -> str | None:
    """Why an answer (the layout, or the router's) does not hold ``page``, or None."""
    root = PAGE_ROOTS.get(page)
    for marker, meaning in NOT_THE_PAGE.items():
        if marker in text:
            return meaning
    if root and f'"{root}"' not in text:
        return f"no {root} in the page layout"
    return None


# -- the captured scenario ----------------------------------------------------------------


@events.init_command_line_parser.add_listener
def _arguments(parser):
    parser.add_argument(
        "--callbacks",
        default="",
        help="the callback bodies bench/load.py captured from Chromium (JSON)",
    )


@events.init.add_listener
def _load(environment, **_kwargs):
    options = environment.parsed_options
    if options is not None:
        if not options.callbacks:
            raise SystemExit("--callbacks is required: bench/load.py captures the bodies.")
        SCENARIO.update(load_scenario(Path(options.callbacks)))


def load_scenario(path: Path) -> dict:
    """The captured bodies and the public catalog: ``pages`` (page -> ``path`` and the
    ``posts`` sent on load), ``timed`` (page -> a body fired by an interval),
    ``areas`` (ids) and ``measures`` (``id``, ``area_id``)."""
    if not path.is_file():
        raise SystemExit(f"--callbacks {path}: no such file; bench/load.py captures it.")
    scenario = json.loads(path.read_text())
    for page in PAGE_ROOTS:
        if page not in scenario["pages"]:
            raise SystemExit(f"{path} has no capture of the {page} page")
    if not scenario.get("measures"):
        raise SystemExit(f"{path} lists no public measures")
    return scenario


# -- viewers ----------------------------------------------------------------------------


class Browser(FastHttpUser):
    """A browser with its static files cached: full page loads and replayed callbacks."""

    abstract = True
    network_timeout = NETWORK_TIMEOUT
    connection_timeout = NETWORK_TIMEOUT

    def load_page(self, page: str, path: str, label: str | None = None) -> dict | None:
        """Load ``path`` as ``page``; returns the layout the router sent, or None."""
        label = label or path
        with self.client.get(
            path, name=f"GET {label}", headers=dict(HTML_HEADERS), catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(status_problem(response))
                return None
            if "_dash-config" not in (response.text or ""):
                response.failure("not a Dash page")
                return None
            token = end_id(response.text)
        # The renderer's layout request carries the page's URL as its Referer, and the
        # server renders that page into the shell (components/layout.py, page_container).
        layout = self._json(
            "GET /_dash-layout",
            "/_dash-layout",
            "props",
            referer=self.host.rstrip("/") + path,
            page=page,
        )
        if layout is None:
            return None
        if self._json("GET /_dash-dependencies", "/_dash-dependencies", None) is None:
            return None
        content = find_prop(layout, "_pages_content", "children")
        for posted in SCENARIO["pages"][page]["posts"]:
            template = json.loads(posted)
            body = replay_body(template, location_values(path))
            answer = self.callback(page, body, token)
            if answer is None:
                return None
            routed = answer.get("_pages_content", {}).get("children")
            if routed is not None:
                content = routed
        self.token = token
        return content

    def callback(self, page: str, body: dict, token: str | None, *, figure: bool = False):
        """POST one callback; returns the ``response`` mapping (``{}`` for a 204)."""
        name = f"POST callback {page}:{callback_label(body)}"
        with self.client.post(
            update_url(token),
            data=json.dumps(body),
            headers=dict(JSON_HEADERS),
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code == 204 and not figure:
                return {}
            if response.status_code == 204:
                # The kiosk answers 204 only when it could not prepare the slide.
                response.failure("204: no slide (server log: 'kiosk: could not prepare tick')")
                return None
            if response.status_code != 200:
                response.failure(status_problem(response))
                return None
            try:
                answer = response.json()["response"]
            except (ValueError, KeyError, TypeError):
                response.failure("not a Dash callback answer")
                return None
            if "_pages_content" in answer:
                problem = layout_problem(response.text, page)
                if problem:
                    response.failure(problem)
                    return None
            if figure and not any(
                isinstance(props.get("figure"), dict)
                and isinstance(props["figure"].get("data"), list)
                for props in answer.values()
                if isinstance(props, dict)
            ):
                response.failure("no figure in the answer")
                return None
            return answer

    def _json(self, name: str, path: str, key: str | None, *, referer: str = "", page: str = ""):
        headers = {"Accept": "application/json", **({"Referer": referer} if referer else {})}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(status_problem(response))
                return None
            problem = layout_problem(response.text, page) if page else None
            if problem:
                response.failure(problem)
                return None
            try:
                data = response.json()
            except ValueError:
                response.failure("not JSON")
                return None
            if key is not None and (not isinstance(data, dict) or key not in data):
                response.failure(f"no {key!r} in the answer")
                return None
            if not data:
                response.failure("empty answer")  # e.g. no callbacks registered yet
                return None
            if "unavailable-banner" in response.text:
                response.failure("the database banner instead of the app")
                return None
            return data


class KioskScreen(Browser):
    """A lobby screen: one page load, then a rotation tick per interval (``dcc.Interval``)."""

    weight = 3

    def on_start(self):
        self.layout = None
        self.token = None
        self.seconds = 15.0
        # Switched on at a random moment, so the screens do not tick in step.
        time.sleep(random.uniform(0, self.seconds))
        self.switch_on()

    def switch_on(self):
        self.tick = 0
        path = "/kiosk"
        if random.random() < KIOSK_AREA_SHARE and SCENARIO["areas"]:
            path = f"/kiosk?area={random.choice(SCENARIO['areas'])}"
        self.layout = self.load_page("kiosk", path, "/kiosk")
        settings = find_prop(self.layout, "kiosk-settings", "data") or {}
        self.seconds = float(settings.get("seconds") or self.seconds)
        self.next_tick = time.monotonic() + self.seconds

    def wait_time(self):
        # setInterval keeps its own time: the next tick is due one interval after the last,
        # however long the answer took.
        return max(0.0, self.next_tick - time.monotonic())

    @task
    def rotate(self):
        if time.monotonic() < self.next_tick:
            return  # Locust runs a task straight after on_start; the first tick is not due.
        self.next_tick += self.seconds
        if self.layout is None:
            # The page never loaded: someone reloads the screen.
            self.switch_on()
            return
        self.tick += 1
        for posted in SCENARIO["timed"].get("kiosk", []):
            template = json.loads(posted)
            values = state_values(template, self.layout)
            interval = interval_input(template)
            if interval:
                values[interval] = self.tick
            self.callback("kiosk", replay_body(template, values), self.token, figure=True)


class PublicVisitor(Browser):
    """A resident on the public site: front page, an area, a measure, maybe its data."""

    weight = 5
    wait_time = between(5, 20)

    @task
    def visit(self):
        measures = SCENARIO["measures"]
        if self.load_page("public", "/public") is None:
            return
        self.wait()
        area = random.choice(sorted({m["area_id"] for m in measures}))
        if self.load_page("public-area", f"/public/area/{area}", "/public/area/<area_id>") is None:
            return
        self.wait()
        measure = random.choice([m for m in measures if m["area_id"] == area])["id"]
        page = f"/public/measure/{measure}"
        if self.load_page("public-measure", page, "/public/measure/<measure_id>") is None:
            return
        if random.random() < RANGE_SHARE:
            self.wait()
            self.load_page(
                "public-measure", f"{page}?range=all", "/public/measure/<measure_id>?range=all"
            )
        if random.random() < DOWNLOAD_SHARE:
            self.wait()
            download_csv(self.client, measure)


class ApiClient(FastHttpUser):
    """A script or app reading the open-data API (``docs/api.md``)."""

    weight = 2
    wait_time = between(1, 5)
    network_timeout = NETWORK_TIMEOUT
    connection_timeout = NETWORK_TIMEOUT

    def measure(self) -> str:
        return quote(random.choice(SCENARIO["measures"])["id"], safe="")

    @task(2)
    def catalog(self):
        api_json(self.client, "/api/v1/measures", "measures")

    @task(1)
    def catalog_csv(self):
        api_csv(self.client, "/api/v1/measures.csv", "id,")

    @task(1)
    def areas(self):
        api_json(self.client, "/api/v1/areas", "areas")

    @task(2)
    def one_measure(self):
        api_json(self.client, f"/api/v1/measures/{self.measure()}", "targets", "<id>")

    @task(4)
    def observations(self):
        api_json(
            self.client,
            f"/api/v1/measures/{self.measure()}/observations",
            "observations",
            "<id>/observations",
        )

    @task(2)
    def observations_csv(self):
        download_csv(self.client, self.measure())

    @task(1)
    def neighbourhoods_csv(self):
        api_csv(
            self.client,
            f"/api/v1/measures/{self.measure()}/observations.csv?geography=all",
            "geography_id,period",
            "<id>/observations.csv?geography=all",
        )

    @task(1)
    def observations_since(self):
        api_json(
            self.client,
            f"/api/v1/measures/{self.measure()}/observations?start=2024-01-01&end=2024-12-31",
            "observations",
            "<id>/observations?start&end",
        )

    @task(2)
    def summary(self):
        api_json(
            self.client,
            f"/api/v1/measures/{self.measure()}/summary",
            "payload",
            "<id>/summary",
            # A measure without stored analytics answers 404 by design (docs/api.md).
            allow_404=True,
        )

    @task(1)
    def geographies(self):
        api_json(self.client, "/api/v1/geographies", "geographies")

    @task(1)
    def boundaries(self):
        api_json(self.client, "/api/v1/geographies.geojson", "features")


def api_json(client, path: str, key: str, label: str | None = None, *, allow_404=False):
    name = f"GET /api/v1/measures/{label}" if label else f"GET {path}"
    with client.get(path, name=name, catch_response=True) as response:
        if allow_404 and response.status_code == 404:
            return
        if response.status_code != 200:
            response.failure(status_problem(response))
            return
        try:
            data = response.json()
        except ValueError:
            response.failure("not JSON")
            return
        if not isinstance(data, dict) or key not in data:
            response.failure(f"no {key!r} in the answer")


def api_csv(client, path: str, header: str, label: str | None = None):
    name = f"GET /api/v1/measures/{label}" if label else f"GET {path}"
    with client.get(path, name=name, catch_response=True) as response:
        kind = response.headers.get("Content-Type", "") if response.headers else ""
        if response.status_code != 200:
            response.failure(status_problem(response))
        elif not kind.startswith("text/csv"):
            response.failure(f"Content-Type {kind!r}, not text/csv")
        elif not (response.text or "").startswith(header):
            response.failure("no CSV header")


def download_csv(client, measure: str) -> None:
    api_csv(
        client,
        f"/api/v1/measures/{measure}/observations.csv",
        "geography_id,period",
        "<id>/observations.csv",
    )
