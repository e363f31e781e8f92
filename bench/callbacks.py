"""Benchmark #3: server callback latency, replayed as POSTs to ``/_dash-update-component``.

    .venv/bin/python bench/callbacks.py [--sizes demo large] [--backends sqlite postgres]
                                        [--runs 30]

**The main callbacks** are the server requests that build a page's content and graphs:

* the page's first view: ``GET /_dash-layout`` with the page's URL as its ``Referer``,
  which runs the page's ``layout()`` and so builds every tile, table and figure of ``/``,
  the area, the measure, ``/equity`` and ``/kiosk`` (``components/layout.py``,
  ``page_container``). It is a GET, not a callback, but it is the same server work the
  page callback did before the first view moved into the layout;
* the page callback of Dash Pages (``_pages_content.children``), which does the same
  when a visitor follows a link within the app (captured by navigating to each page
  from the one before it, as ``dcc.Link`` does);
* ``pages/area.py:update_view``: a new sort or department re-draws the tiles and their
  sparklines (driven here by picking the second "Sort by" option);
* ``pages/equity.py:update_view``: the "Earlier" button re-draws the map, bars, gap
  chart and small multiples for the period before (on load it no longer runs: the URL
  reaches it only when it asks for another view);
* ``pages/kiosk.py:advance``: every tick of the kiosk's interval builds the next slide
  and its figure (captured from ``/kiosk?interval=1``).

The measure page's controls are clientside callbacks (no server round trip); the CSV
downloads and the equity map's click-through run only on demand and are not counted.

How: for each city size and database (PostgreSQL when ``STATROOM_TEST_POSTGRES_URL`` is
set) a server is started and headless Chromium loads each page and makes the
interactions above; the request bodies of every ``/_dash-update-component`` POST are
read from Chrome's performance log (``bench/browser.py``). Each distinct callback (its
``output`` and what triggered it) is then replayed with ``requests``:

* **cold**: once, as the first request to a freshly started gunicorn (the first
  callback the process runs, after it rendered its entry pages at start,
  ``app.warm_pages``); the server is restarted for each callback;
* **warm**: ``--runs`` times on one server, after one unmeasured warm-up round, round
  robin over the callbacks so that noise spreads evenly.

Reported per callback: page, output (shortened), trigger, whether it is a main one,
cold ms, warm p50, p95, max and response bytes; and per page the p95 of all the warm
samples of its main callbacks. Other callbacks the browser sent (say, ones Dash fires
when a callback re-creates the components they listen to) are replayed and listed too. Budget: p95 ≤ 100 ms
on the large city (shown against every city). Every answer must be HTTP 200, or 204
(PreventUpdate); anything else is counted as a failure and makes the exit status
non-zero. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import (  # noqa: E402
    UPDATE_PATH,
    CallbackPost,
    capture_callback_posts,
    chromium,
    console_errors,
    now_ms,
    render_time,
    short_output,
    wait_until_settled,
)
from common import (  # noqa: E402
    BACKENDS,
    SIZES,
    backends_from,
    city_database,
    machine_line,
    sample_paths,
    serve,
)

P95_BUDGET_MS = 100
#: A callback is a main one when it writes one of these (see the module docstring).
MAIN_OUTPUTS = frozenset(
    {
        "_pages_content.children",
        "area-tiles.children",
        "equity-views.children",
        "kiosk-graph.figure",
    }
)
OK_STATUSES = (200, 204)
FIRST_VIEW = "_dash-layout (first view)"
PAGE_CALLBACK = "_pages_content.children"

#: How long the kiosk page is left open so its 1-second interval ticks at least once.
KIOSK_WAIT_S = 2.5


@dataclass
class Callback:
    """One distinct callback request captured from a page."""

    page: str
    output: str
    trigger: str
    body: str
    #: Set for the first view: the page's path, sent as the layout request's Referer.
    first_view: str | None = None
    cold_ms: float | None = None
    cold_status: int | None = None
    warm_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    response_bytes: int = 0

    @property
    def main(self) -> bool:
        if self.first_view is not None:
            return True
        outputs = json.loads(self.body).get("outputs")
        outputs = outputs if isinstance(outputs, list) else [outputs]
        return any(f"{o.get('id')}.{o.get('property')}" in MAIN_OUTPUTS for o in outputs)

    @property
    def failures(self) -> int:
        statuses = self.statuses + ([self.cold_status] if self.cold_status is not None else [])
        return sum(status not in OK_STATUSES for status in statuses)


def trigger_of(post: CallbackPost) -> str:
    changed = post.payload.get("changedPropIds") or []
    return ", ".join(changed) if changed else "(initial)"


def distinct(page: str, posts: list[CallbackPost], found: list[Callback]) -> None:
    """Add ``posts`` to ``found``, once per (page, output, trigger)."""
    seen = {(c.page, c.output, c.trigger) for c in found}
    for post in posts:
        key = (page, post.output, trigger_of(post))
        if key not in seen:
            seen.add(key)
            found.append(Callback(page, post.output, key[2], post.body))


def capture(base: str, paths: dict[str, str], problems: list[str]) -> list[Callback]:
    """The requests a visitor's browser sends on each page: its first view, the callbacks
    of a load and of interactions, and the page callback of a link from the page before."""
    found: list[Callback] = []
    pages = list(paths.items())
    with chromium() as driver:
        for index, (page, path) in enumerate(pages):
            found.append(Callback(page, FIRST_VIEW, "page load (Referer)", "", first_view=path))
            url = base + path + ("?interval=1" if page == "kiosk" else "")
            render_time(driver, url)
            if page == "kiosk":
                time.sleep(KIOSK_WAIT_S)
                wait_until_settled(driver, after_ms=now_ms(driver))
            elif page == "area":
                interact(driver, lambda: Select(driver.find_element(By.ID, "area-sort")))
            elif page == "equity":
                interact(driver, lambda: driver.find_element(By.ID, "equity-earlier"))
            posts = capture_callback_posts(driver)
            for post in posts:
                if post.status not in OK_STATUSES:
                    problems.append(f"{page}: browser got {post.status} for {post.output}")
            problems.extend(f"{page} console: {m}" for m in console_errors(driver))
            distinct(page, posts, found)
            # A link within the app to the next page: its content comes from the callback.
            next_page, next_path = pages[(index + 1) % len(pages)]
            follow_link(driver, next_path)
            posts = capture_callback_posts(driver)
            # Only the page callback: others a link sets off belong to the page it leaves.
            routed = [p for p in posts if PAGE_CALLBACK in p.output]
            if not routed:
                problems.append(f"{next_page}: no page callback after a link")
            distinct(next_page, routed, found)
    return found


def has_page(node) -> bool:
    """Whether a ``/_dash-layout`` answer holds a page in Dash Pages' content."""
    if isinstance(node, list):
        return any(has_page(item) for item in node)
    if not isinstance(node, dict):
        return False
    props = node.get("props") or {}
    if props.get("id") == "_pages_content":
        return props.get("children") is not None
    return any(has_page(value) for value in props.values())


def follow_link(driver, path: str) -> None:
    """Go to ``path`` within the app as ``dcc.Link`` does, and wait until settled."""
    before = now_ms(driver)
    driver.execute_script(
        "window.history.pushState({}, '', arguments[0]);"
        "window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));",
        path,
    )
    wait_until_settled(driver, after_ms=before)


def interact(driver, control) -> None:
    """Pick another option of a select, or click a button, and wait until settled."""
    element = control()
    before = now_ms(driver)
    if isinstance(element, Select):
        current = element.first_selected_option.get_attribute("value")
        values = [o.get_attribute("value") for o in element.options]
        element.select_by_value(next(v for v in values if v and v != current))
    elif element.is_enabled():
        element.click()
    else:
        return
    wait_until_settled(driver, after_ms=before)


def post(session: requests.Session, base: str, callback: Callback) -> tuple[float, int, int]:
    """Replay ``callback``; (ms, HTTP status, response bytes)."""
    started = time.perf_counter()
    if callback.first_view is not None:
        response = session.get(
            base + "/_dash-layout",
            headers={"Accept": "application/json", "Referer": base + callback.first_view},
            timeout=120,
        )
        status = response.status_code
        if status == 200 and not has_page(response.json()):
            status = 599  # the shell came without the page: counted as a failure
        return (time.perf_counter() - started) * 1000, status, len(response.content)
    response = session.post(
        base + UPDATE_PATH,
        data=callback.body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        timeout=120,
    )
    return (time.perf_counter() - started) * 1000, response.status_code, len(response.content)


def replay(database_url: str, callbacks: list[Callback], runs: int) -> None:
    for callback in callbacks:
        with serve(database_url) as base, requests.Session() as session:
            callback.cold_ms, callback.cold_status, _ = post(session, base, callback)
    with serve(database_url) as base, requests.Session() as session:
        for callback in callbacks:
            post(session, base, callback)  # warm-up round, not measured
        for _ in range(runs):
            for callback in callbacks:
                elapsed, status, size = post(session, base, callback)
                callback.warm_ms.append(elapsed)
                callback.statuses.append(status)
                callback.response_bytes = max(callback.response_bytes, size)


def pct(samples: list[float], q: float) -> float | None:
    return round(float(np.percentile(samples, q)), 1) if samples else None


def callback_rows(size: str, backend: str, callbacks: list[Callback]) -> list[dict]:
    rows = []
    for c in callbacks:
        p95 = pct(c.warm_ms, 95)
        rows.append(
            {
                "size": size,
                "backend": backend,
                "page": c.page,
                "output": short_output(c.output, 44),
                "trigger": short_output(c.trigger, 28),
                "main": "yes" if c.main else "no",
                "cold ms": None if c.cold_ms is None else round(c.cold_ms, 1),
                "p50": pct(c.warm_ms, 50),
                "p95": p95,
                "max": round(max(c.warm_ms), 1) if c.warm_ms else None,
                "KB": round(c.response_bytes / 1024, 1),
                "fails": c.failures,
                "budget": f"p95≤{P95_BUDGET_MS}",
                "verdict": verdict(p95),
            }
        )
    return rows


def page_rows(size: str, backend: str, callbacks: list[Callback]) -> list[dict]:
    rows = []
    for page in dict.fromkeys(c.page for c in callbacks):
        mine = [c for c in callbacks if c.page == page and c.main]
        samples = [ms for c in mine for ms in c.warm_ms]
        p95 = pct(samples, 95)
        rows.append(
            {
                "size": size,
                "backend": backend,
                "page": page,
                "main callbacks": len(mine),
                "samples": len(samples),
                "p50": pct(samples, 50),
                "p95": p95,
                "worst cold ms": round(max(c.cold_ms or 0 for c in mine), 1),
                "fails": sum(c.failures for c in mine),
                "budget": f"p95≤{P95_BUDGET_MS}",
                "verdict": verdict(p95),
            }
        )
    return rows


def verdict(p95: float | None) -> str:
    if p95 is None:
        return "no data"
    return "met" if p95 <= P95_BUDGET_MS else "over"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", choices=SIZES, default=list(SIZES))
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--runs", type=int, default=30, help="warm replays per callback")
    parser.add_argument(
        "--show-bodies", action="store_true", help="print the captured request bodies"
    )
    args = parser.parse_args(argv)

    print(machine_line())
    by_callback, by_page, problems = [], [], []
    for backend in backends_from(args.backends):
        for size in args.sizes:
            database_url = city_database(size, backend)
            paths = sample_paths(database_url)
            found: list[Callback] = []
            try:
                with serve(database_url) as base:
                    found = capture(base, paths, problems)
                replay(database_url, found, args.runs)
            except Exception as error:  # noqa: BLE001 - report it with the others and go on
                traceback.print_exc()
                problems.append(f"{size}/{backend}: {type(error).__name__}: {error}")
            if args.show_bodies:
                for c in found:
                    print(f"{c.page} {c.trigger}: {c.body}")
            by_callback += callback_rows(size, backend, found)
            by_page += page_rows(size, backend, found)
            failed = sum(c.failures for c in found)
            if failed:
                problems.append(f"{size}/{backend}: {failed} replayed requests failed")
            print(f"  {size}/{backend}: {len(found)} callbacks replayed", flush=True)

    print(f"\n{machine_line()}")
    print("\n#3 Server callback latency per callback (ms, requests.Session POSTs)")
    print(pd.DataFrame(by_callback).to_string(index=False))
    print("\n#3 Per page (all warm samples of the page's main callbacks)")
    print(pd.DataFrame(by_page).to_string(index=False))
    if problems:
        print("\nBroken:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
