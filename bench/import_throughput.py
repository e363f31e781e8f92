"""Import throughput: a generated catalog and a ~1M-row CSV, checked and imported.

    .venv/bin/python bench/import_throughput.py [--rows 1000000]

Runs ``validate_files`` and ``import_files`` (twice: a fresh import, then the
same file again, which updates every row) on a temporary SQLite file, and on a
fresh PostgreSQL database too when STATROOM_TEST_POSTGRES_URL is set. Prints
rows per second; the budget is 200,000 rows/s CSV to database on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# The project's root first: run as a script, bench/ leads the path, and its analytics.py
# would stand in for the analytics package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine_line  # noqa: E402  (bench/ is on the path: run as a script)

from data.db import make_engine, migrate  # noqa: E402
from data.importer import import_files  # noqa: E402
from data.validation import validate_files  # noqa: E402

GEOGRAPHIES = 20
MEASURES = 100


def write_inputs(folder: Path, rows: int) -> tuple[Path, Path]:
    """A catalog of monthly measures (every fifth a rate) and a shuffled observation CSV."""
    features = []
    for i in range(GEOGRAPHIES):
        x, y = -90 + (i % 5) * 0.01, 40 + (i // 5) * 0.01
        ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
        features.append(
            {
                "type": "Feature",
                "properties": {"id": f"g{i:02d}", "name": f"Area {i}", "population": 1000},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    (folder / "areas.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    lines = [
        "city: Benchmark City",
        "fiscal_year_start_month: 7",
        "geographies:",
        "  - file: areas.geojson",
        "priority_areas:",
        "  - {id: all, name: Everything}",
        "measures:",
    ]
    for m in range(MEASURES):
        rate = m % 5 == 0
        lines.append(
            f"  - {{id: m{m:03d}, area: all, name: Measure {m}, "
            f"unit: {'percent' if rate else 'count'}, direction: higher_is_better, "
            f"frequency: month, aggregation: {'rate' if rate else 'sum'}}}"
        )
    catalog = folder / "catalog.yaml"
    catalog.write_text("\n".join(lines) + "\n")

    geographies = np.array([""] + [f"g{i:02d}" for i in range(GEOGRAPHIES)], dtype=object)
    months = -(-rows // (MEASURES * len(geographies)))
    periods = pd.date_range("1900-01-01", periods=months, freq="MS").strftime("%Y-%m")
    rng = np.random.default_rng(0)
    keys = rng.permutation(MEASURES * len(geographies) * months)[:rows]
    m, rest = np.divmod(keys, len(geographies) * months)
    g, p = np.divmod(rest, months)
    rate = m % 5 == 0
    denominator = rng.integers(100, 1000, rows)
    numerator = (denominator * rng.random(rows)).round()
    frame = pd.DataFrame(
        {
            "measure": np.char.add("m", np.char.zfill(m.astype(str), 3)),
            "period": np.asarray(periods)[p],
            "geography": geographies[g],
            "value": np.where(rate, "", rng.integers(0, 10_000, rows).astype(str)),
            "numerator": np.where(rate, numerator.astype(int).astype(str), ""),
            "denominator": np.where(rate, denominator.astype(str), ""),
        }
    )
    observations = folder / "observations.csv"
    frame.to_csv(observations, index=False)
    return catalog, observations


def timed(label: str, rows: int, func):
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    print(f"  {label:<28} {seconds:7.2f} s  {rows / seconds:>11,.0f} rows/s")
    return result


def run(database_url: str, catalog: Path, observations: Path, rows: int) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    try:
        for label in ("import (fresh)", "import (same file again)"):
            result = timed(label, rows, lambda: import_files(engine, catalog, [observations]))
            assert result.ok and result.rows_written == rows, result.report.format()
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        catalog, observations = write_inputs(folder, args.rows)
        size = observations.stat().st_size / 1e6
        print(machine_line())
        print(
            f"{args.rows:,} rows, {size:.0f} MB CSV, {MEASURES} measures, "
            f"{GEOGRAPHIES} geographies + citywide"
        )
        report = timed(
            "check (validate only)", args.rows, lambda: validate_files(catalog, [observations])
        )
        assert report.ok, report.format()

        print("SQLite")
        run(f"sqlite:///{folder / 'bench.db'}", catalog, observations, args.rows)

        postgres = os.environ.get("STATROOM_TEST_POSTGRES_URL")
        if postgres:
            print("PostgreSQL")
            admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
            name = f"statroom_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
                run(url, catalog, observations, args.rows)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
