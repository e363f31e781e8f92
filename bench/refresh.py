"""Benchmark #6: load and full refresh of the demo and large cities, on SQLite and PostgreSQL.

    .venv/bin/python bench/refresh.py [--sizes demo large] [--backends sqlite postgres]

For each city size and database: a fresh database (a temporary SQLite file; a new
PostgreSQL database next to STATROOM_TEST_POSTGRES_URL, dropped afterwards), the
deterministic city written with ``load_demo`` (bulk writes: COPY on PostgreSQL), then a
full ``refresh`` with one worker process per CPU. Prints a table: observations, load
time and rate, refresh wall time, the CPU time it used (all processes), and the
forecasts that could not be fitted. Budgets: demo refresh under 60 s; large city at most
3 minutes on two cores. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
import warnings
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine_line  # noqa: E402  (bench/ is on the path: run as a script)

from data.db import make_engine, migrate  # noqa: E402
from data.demo import default_as_of, load_demo  # noqa: E402
from data.refresh import refresh  # noqa: E402

BUDGET_S = {"demo": 60, "large": 180}


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def database(backend: str, folder: Path):
    """A fresh, empty database URL on ``backend``; removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(os.environ["STATROOM_TEST_POSTGRES_URL"])
    name = f"statroom_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(size: str, backend: str, folder: Path, as_of: date, workers: int | None) -> dict:
    with database(backend, folder) as url:
        engine = make_engine(url)
        migrate(engine)
        started = time.perf_counter()
        rows = load_demo(engine, size=size, progress=False, as_of=as_of)
        loaded = time.perf_counter() - started
        cpu = _cpu_seconds()
        result = refresh(engine, progress=False, as_of=as_of, workers=workers)
        cpu = _cpu_seconds() - cpu
        engine.dispose()
    return {
        "city": size,
        "database": backend,
        "measures": result.measures,
        "observations": rows,
        "load s": round(loaded, 1),
        "load rows/s": round(rows / loaded),
        "refresh s": round(result.seconds, 1),
        "refresh CPU s": round(cpu, 1),
        "budget s": BUDGET_S[size],
        "forecasts failed": len(result.failures),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["demo", "large"], choices=["demo", "large"])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    backends = list(args.backends)
    if "postgres" in backends and not os.environ.get("STATROOM_TEST_POSTGRES_URL"):
        print("(STATROOM_TEST_POSTGRES_URL is not set: PostgreSQL is skipped)\n")
        backends.remove("postgres")
    as_of = default_as_of()
    print(
        f"Full refresh benchmark, {date.today().isoformat()}, as_of {as_of.isoformat()}\n"
        f"{machine_line()}\n"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            for backend in backends:
                rows.append(run(size, backend, Path(tmp), as_of, args.workers))
                print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    print("\nAll runs:")
    pd.set_option("display.width", 200)
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
