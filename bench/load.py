"""Benchmark #7: the kiosk, the public site and the open-data API under load.

    STATROOM_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    STATROOM_TEST_REDIS_URL=redis://127.0.0.1:6379/15 \\
    .venv/bin/python bench/load.py [--sizes demo large] [--backends postgres sqlite] \\
        [--users 100] [--spawn-rate 20] [--run-time 60s] [--no-cache-compare]

For each city size and database (PostgreSQL by default; SQLite when asked, or when
STATROOM_TEST_POSTGRES_URL is not set):

1. the refreshed city from ``bench/common.py`` (built once and kept; the large city takes
   minutes), served by gunicorn on loopback as deployed: two workers, four threads each,
   the Redis cache (``STATROOM_TEST_REDIS_URL``, or ``--cache-url``) and
   ``STATROOM_ANONYMOUS_ROLE=public``;
2. one load in headless Chromium (``bench/browser.py``) of ``/kiosk``, ``/public``, a
   public area and a public measure, keeping the callback bodies each page sent, and the
   kiosk's first rotation tick (~15 s later); the public catalog from ``/api/v1``. Saved
   as ``bench/out/load-callbacks-<size>-<backend>.json``; this also warms the cache a
   little, as a server that has been up for a while would be. A page that does not
   settle is reported and loaded again (see :func:`_load_settled`);
3. Locust (``bench/locustfile.py``: 30 kiosk screens, 50 public-site visitors and 20 API
   clients, with think times; the file says what each does) run headless for a bounded
   time: ``--users 100 --spawn-rate 20 --run-time 60s``. Locust runs as a separate
   process (its gevent loop must not share a process with anything else) with its
   ``FastHttpUser`` client, the cheaper one; it is a single process, so it takes at most
   one of the two cores, and the CPU it used is printed so its share is visible;
4. its ``--csv`` statistics (``bench/out/load-<size>-<backend>-<cache>_stats.csv``) read
   back and printed per request name and aggregated: requests, failures, req/s, p50, p95,
   p99, max (Locust's percentiles, bucketed to two significant figures), then the
   failures by message, the CPU the server and Locust used, and a line against the
   budget. Requests still in flight when the time is up are dropped, not counted.

With the demo city, a second run serves it **without** ``STATROOM_CACHE_URL``, to show
what Redis adds: each gunicorn worker then has its own in-process cache (the app never
runs uncached). ``--no-cache-compare`` skips it.

Budget: p95 at most 300 ms over all requests, and zero failures. Timings are printed,
never asserted: the exit status is non-zero only when the setup is broken (no server,
no browser, no Locust statistics).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BIN,
    OUT,
    ROOT,
    SIZES,
    backends_from,
    city_database,
    machine_line,
    postgres_available,
    serve,
)

LOCUSTFILE = ROOT / "bench" / "locustfile.py"
BUDGET_P95_MS = 300
#: Seconds to wait for the kiosk's first rotation tick in Chromium (its interval is 15 s).
TICK_TIMEOUT = 45
#: The pages captured in Chromium, by the names the locustfile uses.
PAGES = ("kiosk", "public", "public-area", "public-measure")


# -- capture --------------------------------------------------------------------------------


def public_catalog(base: str) -> dict:
    """The areas and measures the public sees, from the open-data API."""
    areas = requests.get(f"{base}/api/v1/areas", timeout=30)
    measures = requests.get(f"{base}/api/v1/measures", timeout=30)
    areas.raise_for_status()
    measures.raise_for_status()
    listed = [{"id": m["id"], "area_id": m["area_id"]} for m in measures.json()["measures"]]
    with_measures = {m["area_id"] for m in listed}
    return {
        "areas": [a["id"] for a in areas.json()["areas"] if a["id"] in with_measures],
        "measures": listed,
    }


def capture(base: str, path: Path) -> dict:
    """Load each page once in headless Chromium; save the callback bodies it sent (none,
    for a page whose first view comes whole with its layout)."""
    from browser import capture_callback_posts, chromium

    catalog = public_catalog(base)
    if not catalog["measures"]:
        raise RuntimeError("the city has no public measures to load")
    first = catalog["measures"][0]
    paths = {
        "kiosk": "/kiosk",
        "public": "/public",
        "public-area": f"/public/area/{first['area_id']}",
        "public-measure": f"/public/measure/{first['id']}",
    }
    scenario = {"captured_from": base, "pages": {}, "timed": {}, **catalog}
    with chromium() as driver:
        for page in reversed(PAGES):  # the kiosk last: its tick comes after the load
            _load_settled(driver, base + paths[page])
            posts = capture_callback_posts(driver)
            # A page's first view comes with its layout, so a load may send no callback.
            _check_posts(page, posts, required=False)
            scenario["pages"][page] = {"path": paths[page], "posts": [p.body for p in posts]}
        _wait_for_next_settle(driver)
        ticks = capture_callback_posts(driver)
        _check_posts("kiosk tick", ticks)
        scenario["timed"]["kiosk"] = [p.body for p in ticks]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scenario, indent=1))
    return scenario


def _load_settled(driver, url: str, attempts: int = 3) -> None:
    """Load ``url`` until it settles, reloading as a person would when it does not.

    A page that never settles is reported: on a freshly started server, Dash's first-request
    setup races with concurrent requests in a threaded worker (plotly/dash#3971), and the
    JavaScript bundles can fail with "... is not a registered library" (500)."""
    from browser import network_requests, render_time

    for attempt in range(1, attempts + 1):
        try:
            render_time(driver, url)
            return
        except RuntimeError as error:
            failed = [
                f"{r.method} {r.path} -> {r.status or r.failed}"
                for r in network_requests(driver)
                if r.failed or (r.status or 0) >= 400
            ]
            print(f"(Chromium, load {attempt} of {url}: {error}; failed: {failed or 'none'})")
    raise RuntimeError(f"{url} did not load in Chromium in {attempts} attempts")


def _wait_for_next_settle(driver) -> None:
    """Wait until the page, settled now, gets busy (the kiosk's tick) and settles again.

    Reads ``window.__statroomSettle``, which ``bench/browser.py`` keeps up to date on
    every frame (the start of the current settled stretch, or null while busy)."""
    read = "return window.__statroomSettle ? window.__statroomSettle.since : null;"
    settled = driver.execute_script(read)
    deadline = time.monotonic() + TICK_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(0.5)
        since = driver.execute_script(read)
        if since is not None and settled is not None and since > settled:
            time.sleep(0.5)  # the response's last network events
            return
    raise RuntimeError(f"the kiosk did not tick within {TICK_TIMEOUT} s in Chromium")


def _check_posts(page: str, posts, *, required: bool = True) -> None:
    if required and not posts:
        raise RuntimeError(f"{page}: Chromium sent no callback")
    bad = [f"{p.output} -> {p.status}" for p in posts if p.status not in (200, 204)]
    if bad:
        raise RuntimeError(f"{page}: callbacks failed in Chromium: {', '.join(bad)}")


# -- Locust -------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of Locust's ``_stats.csv``; times in milliseconds."""

    name: str
    requests: int
    failures: int
    rps: float
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_stats(path: Path) -> tuple[list[Row], Row | None]:
    """The rows of a Locust ``_stats.csv`` by name, and its ``Aggregated`` row."""
    rows, total = [], None
    with path.open(newline="") as handle:
        for record in csv.DictReader(handle):
            # The locustfile's names carry the method ("GET /kiosk"), like the Type column.
            row = Row(
                name=record["Name"],
                requests=int(record["Request Count"]),
                failures=int(record["Failure Count"]),
                rps=_number(record["Requests/s"]) or 0.0,
                p50=_number(record["50%"]),
                p95=_number(record["95%"]),
                p99=_number(record["99%"]),
                max=_number(record["Max Response Time"]),
            )
            if record["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    return rows, total


def read_failures(path: Path) -> list[tuple[str, str, int]]:
    """``(request name, error, occurrences)`` from a Locust ``_failures.csv``."""
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [(r["Name"], r["Error"], int(r["Occurrences"])) for r in csv.DictReader(handle)]


def read_exceptions(path: Path) -> list[tuple[int, str]]:
    """``(count, message)`` of errors raised inside the simulated viewers themselves."""
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [(int(r["Count"]), r["Message"]) for r in csv.DictReader(handle)]


def _server_processes() -> list[psutil.Process]:
    """gunicorn's master and workers (children of this process)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "gunicorn" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def run_locust(base: str, callbacks: Path, prefix: Path, args) -> dict:
    """Run Locust headless against ``base``; its CSVs go to ``prefix``_*.csv."""
    for old in prefix.parent.glob(f"{prefix.name}_*.csv"):
        old.unlink()
    log = prefix.with_suffix(".log")
    command = [
        str(BIN / "locust"),
        "--locustfile",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        base,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--callbacks",
        str(callbacks),
    ]
    server = _server_processes()
    server_cpu = _cpu_seconds(server)
    machine = psutil.cpu_times()
    started = time.perf_counter()
    with log.open("w") as output:
        locust = psutil.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
        locust_cpu = 0.0
        while locust.poll() is None:
            try:
                times = locust.cpu_times()
                locust_cpu = times.user + times.system
            except psutil.Error:
                pass
            time.sleep(0.5)
    wall = time.perf_counter() - started
    machine_after = psutil.cpu_times()
    busy = _busy(machine, machine_after)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"Locust wrote no statistics (exit {locust.returncode}); see {log}")
    rows, total = read_stats(stats)
    return {
        "rows": rows,
        "total": total,
        "failures": read_failures(Path(f"{prefix}_failures.csv")),
        "exceptions": read_exceptions(Path(f"{prefix}_exceptions.csv")),
        "wall": wall,
        "locust_cpu": locust_cpu,
        "server_cpu": _cpu_seconds(server) - server_cpu,
        "machine_busy": busy,
        "log": log,
    }


def _busy(before, after) -> float:
    """Share of the machine's CPU time that was not idle between two ``cpu_times()``."""
    idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
    total = sum(after) - sum(before)
    return 1 - idle / total if total > 0 else float("nan")


# -- report -------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def format_table(rows: list[Row], total: Row | None) -> str:
    width = max([len(r.name) for r in rows] + [len("Aggregated"), 20])
    header = (
        f"{'request':<{width}}  {'reqs':>6}  {'fails':>5}  {'req/s':>6}  "
        f"{'p50':>5}  {'p95':>5}  {'p99':>5}  {'max':>6}"
    )
    lines = [header + "  (ms)", "-" * (len(header) + 6)]
    for row in [*sorted(rows, key=lambda r: r.name), *([total] if total else [])]:
        if row is total:
            lines.append("-" * (len(header) + 6))
        lines.append(
            f"{row.name:<{width}}  {row.requests:>6}  {row.failures:>5}  {row.rps:>6.1f}  "
            f"{_ms(row.p50):>5}  {_ms(row.p95):>5}  {_ms(row.p99):>5}  {_ms(row.max):>6}"
        )
    return "\n".join(lines)


def verdict(total: Row | None) -> str:
    if total is None or not total.requests:
        return "no requests were made"
    within = (total.p95 or 0) <= BUDGET_P95_MS and total.failures == 0
    slowest = f"p95 {_ms(total.p95)} ms, {total.failures} failures of {total.requests} requests"
    budget = f"budget p95 <= {BUDGET_P95_MS} ms and zero failures"
    return f"{slowest}: {'within' if within else 'OVER'} {budget}"


def report(title: str, result: dict, args) -> None:
    print(title)
    print(format_table(result["rows"], result["total"]))
    if result["failures"]:
        print("failures:")
        for name, error, count in result["failures"]:
            print(f"  {count:>5} x {name}: {error}")
    if result["exceptions"]:
        print(f"errors inside the simulated viewers (see {result['log']}):")
        for count, message in result["exceptions"]:
            print(f"  {count:>5} x {message}")
    wall = result["wall"]
    print(
        f"CPU over {wall:.0f} s: gunicorn {result['server_cpu']:.0f} s "
        f"({result['server_cpu'] / wall / (os.cpu_count() or 1):.0%} of the machine), "
        f"Locust {result['locust_cpu']:.0f} s ({result['locust_cpu'] / wall:.0%} of one core); "
        f"machine busy {result['machine_busy']:.0%} (everything, PostgreSQL and Redis included)"
    )
    print(verdict(result["total"]))
    print(flush=True)


# -- main -------------------------------------------------------------------------------


def _redis_ok(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _wait_for_builder(size: str, backend: str) -> None:
    """Wait while another process works in the PostgreSQL city (a build in progress),
    rather than have :func:`city_database` find it unfinished and build it again."""
    if backend != "postgres":
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(os.environ["STATROOM_TEST_POSTGRES_URL"]))
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
        "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
    )
    said = False
    try:
        while True:
            busy = 0
            for _ in range(5):
                with admin.connect() as conn:
                    busy += conn.execute(query, {"name": f"statroom_bench_{size}"}).scalar()
                time.sleep(1)
            if not busy:
                return
            if not said:
                print(f"(another process is working in statroom_bench_{size}: waiting)")
                said = True
            time.sleep(20)
    finally:
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", choices=SIZES, default=list(SIZES))
    parser.add_argument(
        "--backends", nargs="+", choices=("sqlite", "postgres"), default=["postgres"]
    )
    parser.add_argument("--users", type=int, default=100, help="simulated viewers (100)")
    parser.add_argument("--spawn-rate", type=float, default=20, help="viewers started per second")
    parser.add_argument("--run-time", default="60s", help="Locust's --run-time (60s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("STATROOM_TEST_REDIS_URL"),
        help="the Redis cache (STATROOM_TEST_REDIS_URL)",
    )
    parser.add_argument(
        "--no-cache-compare",
        action="store_true",
        help="skip the demo city's extra run without Redis",
    )
    args = parser.parse_args(argv)

    backends = args.backends
    if backends == ["postgres"] and not postgres_available():
        print("(STATROOM_TEST_POSTGRES_URL is not set: running on SQLite instead)\n")
        backends = ["sqlite"]
    backends = backends_from(backends)
    if args.cache_url and not _redis_ok(args.cache_url):
        print(f"Redis does not answer at {args.cache_url}.", file=sys.stderr)
        return 2
    if not args.cache_url:
        print("(no STATROOM_TEST_REDIS_URL or --cache-url: in-process caches only)\n")

    print(f"Load test: {args.users} viewers, {args.spawn_rate:g}/s, for {args.run_time}")
    print(f"{machine_line()}\n", flush=True)
    summary = []
    for backend in backends:
        for size in args.sizes:
            _wait_for_builder(size, backend)
            url = city_database(size, backend)
            caches = [("redis", args.cache_url)] if args.cache_url else [("in-process", None)]
            if size == "demo" and args.cache_url and not args.no_cache_compare:
                caches.append(("in-process", None))
            for cache_name, cache_url in caches:
                label = f"{size}-{backend}-{cache_name}"
                with serve(
                    url, workers=args.workers, cache_url=cache_url, anonymous_role="public"
                ) as base:
                    callbacks = OUT / f"load-callbacks-{size}-{backend}.json"
                    scenario = capture(base, callbacks)
                    result = run_locust(base, callbacks, OUT / f"load-{label}", args)
                cache_words = "Redis cache" if cache_url else "in-process cache per worker"
                report(
                    f"== {size} city on {backend}, {args.workers} gunicorn workers, {cache_words} "
                    f"({len(scenario['measures'])} public measures) ==",
                    result,
                    args,
                )
                summary.append((label, result["total"]))
    if len(summary) > 1:
        print("Summary")
        for label, total in summary:
            print(f"  {label:<28} {verdict(total)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
