"""Benchmarks #1, #2 and #4: page render time, its floor, and payload sizes.

    .venv/bin/python bench/pages.py [--sizes demo large] [--backends sqlite postgres]
                                    [--runs 7] [--cold-runs 3] [--pages measure equity ...]

For each city size and database (PostgreSQL when ``STATROOM_TEST_POSTGRES_URL`` is set)
the overview ``/``, an area, a measure, ``/equity`` and ``/kiosk`` are loaded in headless
Chromium and timed from navigation start until the page has settled: no Dash callback
pending, nothing loading, and every graph drawn (see ``bench/browser.py``).

* **#1 Render time.** *Cold* is the first load of a page by a browser with an empty
  profile (no HTTP cache) from a server started for that load alone (the server, as
  deployed, has rendered its entry pages once before taking traffic:
  ``app.warm_pages``); the median of ``--cold-runs`` such loads is reported. *Warm* is
  the same page loaded again ``--runs`` times in one browser, after one unmeasured
  load; the median, min and max are reported, with when the server's last answer
  arrived ("last answer", median: the layout, which holds the page's first view, or a
  callback), how long the browser then took to draw ("drawing after": warm median minus
  last answer), and the slowest of those answers in the last load with its server time
  (request sent to response headers). Budget, stated for the measure page on the large
  city and shown against every page: median warm ≤ 600 ms, cold ≤ 1.5 s.
* **#2 Floor.** The page is first loaded twice and its settled component tree (the
  layout as the callbacks left it, figures included) saved under ``bench/out/floor/``,
  to be served by ``bench/floor.py``: the same Dash, assets and component bundles, that
  JSON as the layout, no callbacks, no database, no analytics. Budget: our time ≤ 1.3×
  the floor's, cold and warm. A stricter floor, the same figures drawn by bare
  ``Plotly.newPlot`` with no Dash, is shown for reference. Ours and the two floors are
  timed taking turns — each cold round loads all three, and one browser's warm loads
  alternate between them — so that a slow stretch of a shared machine weighs on each
  alike.
* **#4 Payload.** Per graph, the bytes of ``JSON.stringify(figure)`` in the settled
  layout; per page their sum, the bytes of the ``/_dash-update-component`` answers and of
  ``/_dash-layout`` (decoded bodies, last warm load). Budget: ≤ 200 KB of figure JSON
  per graph.

Timings are printed, never asserted. The exit status is non-zero only when something is
broken: a page that does not settle, a failed callback, or severe console errors.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import (  # noqa: E402
    UPDATE_PATH,
    Request,
    chromium,
    console_errors,
    figure_sizes,
    network_requests,
    render_time,
    settled_layout,
    short_output,
)
from common import (  # noqa: E402
    BACKENDS,
    OUT,
    SIZES,
    backends_from,
    city_database,
    machine_line,
    sample_paths,
    serve,
)
from floor import serve_floor  # noqa: E402

WARM_BUDGET_MS = 600
COLD_BUDGET_MS = 1500
FLOOR_RATIO = 1.3
GRAPH_BUDGET_BYTES = 200 * 1024
PAGES = ("overview", "area", "measure", "equity", "kiosk")
FLOOR_DIR = OUT / "floor"


@dataclass
class Timing:
    """One page timed cold (median of ``cold_runs``) and warm."""

    cold_runs: list[float]
    warm_ms: list[float]
    #: Per warm load: ms from navigation start to the last callback answer's last byte.
    answered_ms: list[float] = field(default_factory=list)

    @property
    def cold_ms(self) -> float:
        return statistics.median(self.cold_runs)

    @property
    def warm_median(self) -> float:
        return statistics.median(self.warm_ms)


@dataclass
class PageResult:
    size: str
    backend: str
    page: str
    path: str
    ours: Timing | None = None
    floor: Timing | None = None
    plotly_floor: Timing | None = None
    graphs: list[dict] = field(default_factory=list)
    callback_bytes: int = 0
    layout_bytes: int = 0
    callbacks: int = 0
    #: The slowest server answer (layout or callback) of the last warm load: (what, ms).
    slowest: tuple[str, float] | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Target:
    """What is timed: ours, the floor or the plotly floor (``start()`` yields a base URL)."""

    name: str
    start: Callable
    path: str
    timing: Timing = field(default_factory=lambda: Timing([], []))
    #: The requests of its last load.
    requests: list[Request] = field(default_factory=list)


def time_targets(targets: list[Target], runs: int, colds: int, problems: list[str]) -> None:
    """Time each target cold and warm, taking turns, so that a slow stretch of a noisy
    machine falls on all of them alike rather than on whichever ran then.

    Cold: ``colds`` rounds; in each, every target in turn is loaded once by a fresh
    browser from a server started for that load. Warm: every target's server is started
    and one browser loads each page once unmeasured, then ``runs`` rounds of one load of
    each target in turn (each server has its own origin, so each stays warm in the
    browser's caches).
    """
    for _ in range(colds):
        for target in targets:
            with target.start() as base, chromium() as driver:
                target.timing.cold_runs.append(render_time(driver, base + target.path))
                check_requests(network_requests(driver), "cold", problems)
                problems.extend(f"console: {message}" for message in console_errors(driver))
    with ExitStack() as stack:
        # One browser for all: open browsers side by side slow each other down.
        opened = [(target, stack.enter_context(target.start())) for target in targets]
        driver = stack.enter_context(chromium())
        for target, base in opened:
            render_time(driver, base + target.path)
            network_requests(driver)
        for _ in range(runs):
            for target, base in opened:
                target.timing.warm_ms.append(render_time(driver, base + target.path))
                target.requests = network_requests(driver)
                check_requests(target.requests, "warm", problems)
                finished = [
                    r.finished_ms
                    for r in target.requests
                    if is_server_answer(r) and r.finished_ms is not None
                ]
                if finished:
                    target.timing.answered_ms.append(max(finished))
        problems.extend(f"console: {message}" for message in console_errors(driver))


def output_of(request: Request) -> str:
    try:
        return json.loads(request.post_data or "{}").get("output", "")
    except ValueError:
        return ""


def is_update(request: Request) -> bool:
    return request.method == "POST" and request.path.endswith(UPDATE_PATH)


def is_server_answer(request: Request) -> bool:
    """A request the server computes for the page: a callback, or the layout (which holds
    the page's first view)."""
    return is_update(request) or request.path == "/_dash-layout"


def check_requests(requests: list[Request], load: str, problems: list[str]) -> None:
    for request in requests:
        if request.failed or (request.status is not None and request.status >= 400):
            problem = f"{load} load: {request.method} {request.path} -> "
            problem += request.failed or str(request.status)
            if problem not in problems:
                problems.append(problem)


def measure_page(
    size: str, backend: str, database_url: str, page: str, path: str, runs: int, colds: int
) -> PageResult:
    result = PageResult(size, backend, page, path)
    layout_file = FLOOR_DIR / f"{size}-{backend}-{page}.json"
    ours_server = partial(serve, database_url)
    try:
        # The floor is the page as it settles: load it, then once more warm, and keep it.
        with ours_server() as base, chromium() as driver:
            render_time(driver, base + path)
            render_time(driver, base + path)
            result.graphs = figure_sizes(driver)
            layout_file.write_text(settled_layout(driver))
        floor_server = partial(serve_floor, layout_file)
        ours, floor, plotly = (
            Target("ours", ours_server, path),
            Target("floor", floor_server, "/"),
            Target("plotly floor", floor_server, "/plotly"),
        )
        time_targets([ours, floor, plotly], runs, colds, result.problems)
        result.ours, result.floor, result.plotly_floor = ours.timing, floor.timing, plotly.timing
        updates = [r for r in ours.requests if is_update(r)]
        result.callbacks = len(updates)
        result.callback_bytes = sum(r.body_bytes for r in updates)
        result.layout_bytes = sum(r.body_bytes for r in ours.requests if r.path == "/_dash-layout")
        timed = [r for r in ours.requests if is_server_answer(r) and r.waiting_ms is not None]
        if timed:
            slowest = max(timed, key=lambda r: r.waiting_ms)
            label = short_output(output_of(slowest)) if is_update(slowest) else slowest.path
            result.slowest = (label, slowest.waiting_ms)
    except Exception as error:  # noqa: BLE001 - report it with the others and go on
        traceback.print_exc()
        result.problems.append(f"{type(error).__name__}: {error}")
    return result


def ms(value: float | None) -> float | None:
    return None if value is None else round(value)


def render_table(results: list[PageResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        t = r.ours
        if t is None:
            continue
        answered = statistics.median(t.answered_ms) if t.answered_ms else None
        over = []
        if t.warm_median > WARM_BUDGET_MS:
            over.append("warm")
        if t.cold_ms > COLD_BUDGET_MS:
            over.append("cold")
        rows.append(
            {
                "size": r.size,
                "backend": r.backend,
                "page": r.page,
                "cold ms": ms(t.cold_ms),
                "warm median": ms(t.warm_median),
                "warm min": ms(min(t.warm_ms)),
                "warm max": ms(max(t.warm_ms)),
                "last answer": ms(answered),
                "drawing after": ms(None if answered is None else t.warm_median - answered),
                "slowest answer": None if r.slowest is None else r.slowest[0],
                "server ms": None if r.slowest is None else ms(r.slowest[1]),
                "budget": f"≤{WARM_BUDGET_MS} warm, ≤{COLD_BUDGET_MS} cold",
                "verdict": "met" if not over else "over (" + ", ".join(over) + ")",
            }
        )
    return pd.DataFrame(rows)


def floor_table(results: list[PageResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        if r.ours is None or r.floor is None:
            continue
        warm_ratio = r.ours.warm_median / r.floor.warm_median
        cold_ratio = r.ours.cold_ms / r.floor.cold_ms
        plotly = r.plotly_floor
        over = [n for n, x in (("warm", warm_ratio), ("cold", cold_ratio)) if x > FLOOR_RATIO]
        rows.append(
            {
                "size": r.size,
                "backend": r.backend,
                "page": r.page,
                "ours warm": ms(r.ours.warm_median),
                "floor warm": ms(r.floor.warm_median),
                "ratio warm": f"{warm_ratio:.2f}",
                "ours cold": ms(r.ours.cold_ms),
                "floor cold": ms(r.floor.cold_ms),
                "ratio cold": f"{cold_ratio:.2f}",
                "plotly warm": None if plotly is None else ms(plotly.warm_median),
                "plotly cold": None if plotly is None else ms(plotly.cold_ms),
                "budget": f"≤{FLOOR_RATIO}× floor",
                "verdict": "met" if not over else "over (" + ", ".join(over) + ")",
            }
        )
    return pd.DataFrame(rows)


def payload_table(results: list[PageResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        if r.ours is None:
            continue
        largest = max(r.graphs, key=lambda g: g["bytes"], default=None)
        over = [g for g in r.graphs if g["bytes"] > GRAPH_BUDGET_BYTES]
        rows.append(
            {
                "size": r.size,
                "backend": r.backend,
                "page": r.page,
                "graphs": len(r.graphs),
                "figures KB": kb(sum(g["bytes"] for g in r.graphs)),
                "largest graph": None if largest is None else largest["id"],
                "its KB": None if largest is None else kb(largest["bytes"]),
                "callbacks": r.callbacks,
                "answers KB": kb(r.callback_bytes),
                "_dash-layout KB": kb(r.layout_bytes),
                "budget": f"≤{GRAPH_BUDGET_BYTES // 1024} KB per graph",
                "verdict": "met" if not over else f"over ({len(over)} graphs)",
            }
        )
    return pd.DataFrame(rows)


def oversized_table(results: list[PageResult]) -> pd.DataFrame:
    rows = [
        {
            "size": r.size,
            "backend": r.backend,
            "page": r.page,
            "graph": g["id"],
            "traces": g["traces"],
            "KB": kb(g["bytes"]),
        }
        for r in results
        for g in r.graphs
        if g["bytes"] > GRAPH_BUDGET_BYTES
    ]
    return pd.DataFrame(rows)


def kb(size: int) -> float:
    return round(size / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", choices=SIZES, default=list(SIZES))
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    parser.add_argument("--runs", type=int, default=7, help="warm loads per page (default 7)")
    parser.add_argument(
        "--cold-runs",
        type=int,
        default=3,
        help="cold loads per page, each from a fresh "
        "server and browser; the median is reported (default 3)",
    )
    args = parser.parse_args(argv)
    FLOOR_DIR.mkdir(parents=True, exist_ok=True)

    print(machine_line())
    results: list[PageResult] = []
    for backend in backends_from(args.backends):
        for size in args.sizes:
            database_url = city_database(size, backend)
            paths = sample_paths(database_url)
            for page in args.pages:
                result = measure_page(
                    size, backend, database_url, page, paths[page], args.runs, args.cold_runs
                )
                results.append(result)
                t = result.ours
                print(
                    f"  {size}/{backend} {page} {result.path}: "
                    + (f"cold {t.cold_ms:.0f} ms, warm {t.warm_median:.0f} ms" if t else "failed"),
                    flush=True,
                )

    print(f"\n{machine_line()}")
    print("\n#1 Page render time (ms from navigation start until settled)")
    print(render_table(results).to_string(index=False))
    print("\n#2 Floor: the same settled layout served static (Dash, and bare plotly.js)")
    print(floor_table(results).to_string(index=False))
    print("\n#4 Payload: figure JSON per page and graph; callback answers and _dash-layout")
    print(payload_table(results).to_string(index=False))
    oversized = oversized_table(results)
    if not oversized.empty:
        print(f"\nGraphs over {GRAPH_BUDGET_BYTES // 1024} KB of figure JSON")
        print(oversized.to_string(index=False))

    broken = [r for r in results if r.problems]
    if broken:
        print("\nBroken:")
        for r in broken:
            for problem in r.problems:
                print(f"  {r.size}/{r.backend} {r.page} {r.path}: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
