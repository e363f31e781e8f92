"""What the page, callback and load benchmarks share: the cities and a running server.

* :func:`city_database` gives a database holding a refreshed demo or large city, on
  SQLite or PostgreSQL. Building the large city takes minutes (write, then a full
  refresh), so the databases are kept between runs: SQLite files under ``bench/out/``,
  PostgreSQL databases named ``statroom_bench_<size>`` next to
  ``STATROOM_TEST_POSTGRES_URL``. ``rebuild=True`` starts them again.
* :func:`serve` runs gunicorn (``app:server``, as deployed) on a free loopback port and
  yields its base URL once ``/healthz`` answers.
* :func:`sample_paths` picks the pages to measure: ``/``, an area, a measure with
  neighbourhood data, ``/equity`` and ``/kiosk``.

Timings are printed by the benchmarks, never asserted.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.db import make_engine, migrate  # noqa: E402
from data.demo import load_demo  # noqa: E402
from data.models import MeasureSummary  # noqa: E402
from data.refresh import refresh  # noqa: E402
from data.store import Store, Viewer  # noqa: E402

OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
SIZES = ("demo", "large")
BACKENDS = ("sqlite", "postgres")


def postgres_available() -> bool:
    return bool(os.environ.get("STATROOM_TEST_POSTGRES_URL"))


def backends_from(requested: list[str]) -> list[str]:
    """``requested`` without PostgreSQL when no server is configured (said once)."""
    backends = list(requested)
    if "postgres" in backends and not postgres_available():
        print("(STATROOM_TEST_POSTGRES_URL is not set: PostgreSQL is skipped)\n")
        backends.remove("postgres")
    return backends


def _database_url(size: str, backend: str, suffix: str = "") -> str:
    """The URL of the kept ``size`` city (``suffix`` names the copy being built)."""
    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{OUT / f'city-{size}{suffix}.db'}"
    base = make_url(os.environ["STATROOM_TEST_POSTGRES_URL"])
    return base.set(database=f"statroom_bench_{size}{suffix}").render_as_string(hide_password=False)


def _postgres_admin(statement: str) -> None:
    admin = create_engine(
        make_url(os.environ["STATROOM_TEST_POSTGRES_URL"]), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def _drop(size: str, backend: str, suffix: str = "") -> None:
    if backend == "sqlite":
        for end in ("", "-wal", "-shm"):
            (OUT / f"city-{size}{suffix}.db{end}").unlink(missing_ok=True)
        return
    _postgres_admin(f'DROP DATABASE IF EXISTS "statroom_bench_{size}{suffix}" WITH (FORCE)')


def _exists(size: str, backend: str) -> bool:
    if backend == "sqlite":
        return (OUT / f"city-{size}.db").exists()
    admin = create_engine(
        make_url(os.environ["STATROOM_TEST_POSTGRES_URL"]), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            return bool(
                conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"),
                    {"n": f"statroom_bench_{size}"},
                ).scalar()
            )
    finally:
        admin.dispose()


def _is_ready(url: str) -> bool:
    """The city is loaded and refreshed."""
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            summaries = conn.execute(select(func.count()).select_from(MeasureSummary)).scalar()
        return bool(summaries) and Store(engine, Viewer("viewer")).observation_count() > 0
    finally:
        engine.dispose()


def city_database(size: str, backend: str, *, rebuild: bool = False) -> str:
    """The URL of a database holding the refreshed ``size`` city on ``backend``.

    A city is built under another name and renamed when its refresh has finished, so a
    benchmark never finds (or keeps) a half-built one.
    """
    if rebuild:
        _drop(size, backend)
    url = _database_url(size, backend)
    if _exists(size, backend) and _is_ready(url):
        return url
    _drop(size, backend)
    building = "_building"
    _drop(size, backend, building)
    if backend == "postgres":
        _postgres_admin(f'CREATE DATABASE "statroom_bench_{size}{building}"')
    print(f"Building the {size} city on {backend} (kept in {_where(size, backend)})...")
    started = time.perf_counter()
    engine = make_engine(_database_url(size, backend, building))
    try:
        migrate(engine)
        load_demo(engine, size=size, progress=False)
        refresh(engine, progress=False)
    finally:
        engine.dispose()
    if backend == "sqlite":
        (OUT / f"city-{size}{building}.db").rename(OUT / f"city-{size}.db")
        _drop(size, backend, building)  # the emptied WAL and shared-memory files
    else:
        _postgres_admin(
            f'ALTER DATABASE "statroom_bench_{size}{building}" RENAME TO "statroom_bench_{size}"'
        )
    print(f"  built in {time.perf_counter() - started:.0f} s\n", flush=True)
    return url


def _where(size: str, backend: str) -> str:
    return str(OUT / f"city-{size}.db") if backend == "sqlite" else f"statroom_bench_{size}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(
    database_url: str,
    *,
    workers: int = 1,
    threads: int = 4,
    cache_url: str | None = None,
    anonymous_role: str = "viewer",
) -> Iterator[str]:
    """gunicorn serving ``database_url`` on loopback; yields the base URL.

    Staff pages are measured as a signed-in viewer would see them, so the anonymous
    role defaults to ``viewer`` (``STATROOM_ANONYMOUS_ROLE``).
    """
    env = {
        **os.environ,
        "STATROOM_DATABASE_URL": database_url,
        "STATROOM_SECRET_KEY": secrets.token_hex(32),
        "STATROOM_ANONYMOUS_ROLE": anonymous_role,
    }
    env.pop("STATROOM_CACHE_URL", None)
    if cache_url:
        env["STATROOM_CACHE_URL"] = cache_url
    with gunicorn(
        [
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "app:server",
        ],
        env,
    ) as base:
        yield base


@contextmanager
def gunicorn(arguments: list[str], env: dict[str, str]) -> Iterator[str]:
    """gunicorn with ``arguments`` on a free loopback port; yields the base URL once
    ``/healthz`` answers, and stops the server afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        + arguments,
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, server)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_until_healthy(base: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            # A long timeout: probes must not pile up on a busy worker.
            if requests.get(f"{base}/healthz", timeout=60).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base} did not become healthy in {timeout:.0f} s")


def sample_paths(database_url: str) -> dict[str, str]:
    """The pages the benchmarks measure, named: overview, area, measure, equity, kiosk.

    The measure is the first public monthly measure with neighbourhood data (the richest
    page); the area is that measure's.
    """
    engine = make_engine(database_url)
    try:
        store = Store(engine, Viewer("viewer"))
        with_neighbourhoods = store.measures_with_neighborhoods()
        measures = store.measures()
        chosen = next(
            (
                m
                for m in measures
                if m.id in with_neighbourhoods and m.frequency == "month" and m.is_public
            ),
            measures[0],
        )
    finally:
        engine.dispose()
    return {
        "overview": "/",
        "area": f"/area/{chosen.area_id}",
        "measure": f"/measure/{chosen.id}",
        "equity": "/equity",
        "kiosk": "/kiosk",
    }


def reference_seconds(repeats: int = 3) -> float:
    """The best of ``repeats`` timings of a fixed pure-Python loop.

    Machines of the same kind have differed by half in speed, and one machine by as
    much within an hour, so every table carries this figure: it tells a slower machine
    from slower code when figures of different runs are compared.
    """
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        total = 0
        for i in range(20_000_000):
            total += i % 7
        best = min(best, time.perf_counter() - started)
    return best


def machine_line() -> str:
    """One line describing where the figures were taken (see :func:`reference_seconds`)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPUs, load average {load:.1f}, Python {sys.version.split()[0]}, "
        f"reference loop {reference_seconds():.2f} s"
    )
