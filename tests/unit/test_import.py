"""Importing into a real database (SQLite, and PostgreSQL when configured).

Codes: ``imp``. Every bad input of ``test_validation.py`` is rejected here too,
with the database left exactly as it was apart from one ``rejected`` history row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, func, select

import data.importer
import data.writer
from cli import main
from data.importer import import_files, import_uploads
from data.models import Annotation, Geography, ImportLog, Measure, Observation, Target

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CATALOG = (EXAMPLES / "catalog.yaml").read_text()
GEOJSON = (EXAMPLES / "neighborhoods.geojson").read_text()
OBSERVATIONS = (EXAMPLES / "observations.csv").read_text()
HEADER = "measure,period,geography,value,numerator,denominator\n"
GOOD_ROWS = "library-visits,2024-07,riverside,4100,,\nlibrary-visits,2024-07,eastgate,3900,,\n"


def snapshot(engine, *, with_log: bool = False, ignore=None) -> dict[str, list[tuple]]:
    """Every row of every table (import_log only when asked), in a stable order.

    ``ignore`` maps a table name to columns to leave out.
    """
    ignore = ignore or {}
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (
                    tuple(row)
                    for row in conn.execute(
                        select(*[c for c in table.c if c.name not in ignore.get(table.name, ())])
                    )
                ),
                key=repr,
            )
            for table in metadata.sorted_tables
            if with_log or table.name != "import_log"
        }


def log_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(ImportLog).order_by(ImportLog.id)).all()


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def import_example(engine, folder: Path, **kwargs):
    write(
        folder,
        {
            "catalog.yaml": CATALOG,
            "neighborhoods.geojson": GEOJSON,
            "observations.csv": OBSERVATIONS,
        },
    )
    return import_files(
        engine, folder / "catalog.yaml", [folder / "observations.csv"], user="tester", **kwargs
    )


def _catalog_field(field: str, value: str) -> str:
    """The example catalog with the first measure's ``field`` set to ``value``."""
    head, found, tail = CATALOG.partition(f"    {field}: ")
    assert found
    return head + found + value + tail[tail.index("\n") :]


def _bad_row(line: str) -> tuple:
    return None, None, {"obs.csv": HEADER + GOOD_ROWS + line + "\n"}


def _bad_catalog(catalog: str | None, geojson: str | None = None) -> tuple:
    return catalog, geojson, {"obs.csv": HEADER + GOOD_ROWS}


#: name -> (catalog text, GeoJSON text, observation files); None means the example's.
#: One case per rule; each also has good rows, so a partial write would show.
BAD_IMPORTS = {
    "missing-columns": (None, None, {"obs.csv": "measure,period\nlibrary-visits,2024-07\n"}),
    "unknown-measure": _bad_row("library-visitz,2024-07,,1,,"),
    "unknown-geography": _bad_row("library-visits,2024-07,uptown,1,,"),
    "unparseable-period": _bad_row("library-visits,2024-13,,1,,"),
    "period-not-monthly": _bad_row("library-visits,2024-03-05,,1,,"),
    "week-not-monday": _bad_row("emergency-response-minutes,2024-04-03,,6,,"),
    "non-numeric-value": _bad_row("library-visits,2024-08,,lots,,"),
    "nan-value": _bad_row("library-visits,2024-08,,nan,,"),
    "inf-value": _bad_row("library-visits,2024-08,,inf,,"),
    "zero-denominator": _bad_row("permits-on-time,2024-Q3,,,5,0"),
    "negative-denominator": _bad_row("permits-on-time,2024-Q3,,,5,-2"),
    "rate-without-denominator": _bad_row("permits-on-time,2024-Q3,,90,,"),
    "duplicate-in-file": _bad_row("library-visits,2024-07-01,riverside,1,,"),
    "duplicate-across-files": (
        None,
        None,
        {"a.csv": HEADER + GOOD_ROWS, "b.csv": HEADER + "library-visits,2024-07,eastgate,1,,\n"},
    ),
    "empty-file": (None, None, {"obs.csv": HEADER + GOOD_ROWS, "empty.csv": ""}),
    "non-utf8-file": (
        None,
        None,
        {
            "obs.csv": (HEADER + GOOD_ROWS + "library-visits,2024-08,caf\xe9,1,,\n").encode(
                "latin-1"
            )
        },
    ),
    "yaml-list": _bad_catalog("- city: Riverton\n- measures: []\n"),
    "yaml-scalar": _bad_catalog("Riverton\n"),
    "missing-keys": _bad_catalog(CATALOG.replace("fiscal_year_start_month: 7", "")),
    "unknown-unit": _bad_catalog(_catalog_field("unit", "kilograms")),
    "unknown-direction": _bad_catalog(_catalog_field("direction", "up")),
    "unknown-frequency": _bad_catalog(_catalog_field("frequency", "fortnight")),
    "unknown-aggregation": _bad_catalog(_catalog_field("aggregation", "median")),
    "target-unknown-measure": _bad_catalog(
        CATALOG.replace("  permits-on-time:\n    - {start", "  permit-on-time:\n    - {start")
    ),
    "duplicate-ids": _bad_catalog(
        CATALOG.replace("  - id: library-visits", "  - id: overtime-spending")
    ),
    "geojson-missing": _bad_catalog(
        CATALOG.replace("file: neighborhoods.geojson", "file: wards.geojson")
    ),
    "geojson-malformed": _bad_catalog(None, GEOJSON[:-10]),
    "geojson-not-polygons": _bad_catalog(None, GEOJSON.replace('"Polygon"', '"LineString"', 1)),
}


# -- a good import -----------------------------------------------------------------------------


def test_imp001_example_imports(engine, tmp_path):
    result = import_example(engine, tmp_path)
    assert result.ok and result.outcome == "success", result.report.format()
    assert result.rows_written == 76
    assert result.measure_ids == {
        "pothole-repair-days",
        "emergency-response-minutes",
        "permits-on-time",
        "overtime-spending",
        "library-visits",
        "violent-crime-rate",
    }
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Observation)).scalar_one() == 76
        row = conn.execute(
            select(Observation).where(
                Observation.measure_id == "permits-on-time", Observation.period == date(2024, 1, 1)
            )
        ).one()
        assert row.geography_id == "citywide"
        assert row.value == pytest.approx(row.numerator / row.denominator * 100)
        rate = conn.execute(
            select(Observation).where(
                Observation.measure_id == "violent-crime-rate",
                Observation.geography_id == "riverside",
                Observation.period == date(2023, 7, 1),
            )
        ).one()
        assert rate.value == pytest.approx(rate.numerator / 14100 * 1000)
        assert rate.denominator == 14100
        monthly = conn.execute(
            select(Observation.numerator, Observation.denominator).where(
                Observation.measure_id == "library-visits"
            )
        ).all()
        assert set(monthly) == {(None, None)}
        geographies = dict(conn.execute(select(Geography.id, Geography.population)).all())
        assert geographies == {
            "citywide": 53550,
            "northside": 18250,
            "downtown": 9400,
            "riverside": 14100,
            "eastgate": 11800,
        }
        tolerances = conn.execute(
            select(Target.label, Target.tolerance)
            .where(Target.measure_id == "pothole-repair-days")
            .order_by(Target.period_start)
        ).all()
        assert [(label, round(tol, 9)) for label, tol in tolerances] == [
            ("FY2024", 0.5),
            ("FY2025", 0.5),
        ]
        assert conn.execute(select(func.count()).select_from(Annotation)).scalar_one() == 3
    (log,) = log_rows(engine)
    assert (log.outcome, log.user, log.rows_read, log.rows_written) == ("success", "tester", 76, 76)
    assert log.source == f"{tmp_path}/catalog.yaml, {tmp_path}/observations.csv"
    assert log.finished_at is not None and log.finished_at >= log.started_at


def test_imp002_reimporting_the_same_files_changes_nothing(engine, tmp_path):
    assert import_example(engine, tmp_path).ok
    # The measures' "last updated" time moves, targets and catalog annotations are
    # replaced as a whole (new ids), and the data version moves (caches start over);
    # everything else stays as it was.
    ignore = {
        "measure": {"updated_at"},
        "target": {"id"},
        "annotation": {"id", "created_at"},
        "data_version": {"version", "changed_at"},
    }
    before = snapshot(engine, ignore=ignore)
    result = import_example(engine, tmp_path)
    assert result.ok and result.rows_written == 76
    assert snapshot(engine, ignore=ignore) == before
    assert [r.outcome for r in log_rows(engine)] == ["success", "success"]


def test_imp003_a_corrected_value_replaces_the_old_one(engine, tmp_path):
    assert import_example(engine, tmp_path).ok
    write(
        tmp_path,
        {
            "fix.csv": HEADER + "pothole-repair-days,2023-07,,9.75,,\n"
            "permits-on-time,2023-Q3,,,1,4\n"
        },
    )
    result = import_files(engine, tmp_path / "catalog.yaml", [tmp_path / "fix.csv"])
    assert result.ok, result.report.format()
    with engine.connect() as conn:
        values = dict(
            conn.execute(
                select(Observation.measure_id, Observation.value).where(
                    Observation.geography_id == "citywide",
                    Observation.period == date(2023, 7, 1),
                    Observation.measure_id.in_(["pothole-repair-days", "permits-on-time"]),
                )
            ).all()
        )
        assert values == {"pothole-repair-days": 9.75, "permits-on-time": 25.0}
        assert conn.execute(select(func.count()).select_from(Observation)).scalar_one() == 76


# -- bad input changes nothing -----------------------------------------------------------------


def test_imp004_every_rejected_import_leaves_the_database_unchanged(engine, tmp_path, subtests):
    assert import_example(engine, tmp_path / "seed").ok
    before = snapshot(engine)
    logs = len(log_rows(engine))
    for name, (catalog, geojson, files) in BAD_IMPORTS.items():
        with subtests.test(msg=name):
            folder = tmp_path / name
            write(
                folder,
                {
                    "catalog.yaml": catalog or CATALOG,
                    "neighborhoods.geojson": geojson or GEOJSON,
                    **files,
                },
            )
            result = import_files(
                engine, folder / "catalog.yaml", [folder / f for f in files], user="tester"
            )
            assert not result.ok and result.outcome == "rejected"
            assert result.rows_written == 0
            problem = result.report.problems[0]
            assert problem.file.startswith(str(folder)), problem
            assert snapshot(engine) == before
            logs += 1
            log = log_rows(engine)[-1]
            assert len(log_rows(engine)) == logs
            assert (log.outcome, log.rows_written, log.user) == ("rejected", 0, "tester")
            assert log.message == result.report.format()


def test_imp005_check_touches_nothing_and_import_rejects(engine, tmp_path, monkeypatch):
    assert import_example(engine, tmp_path / "seed").ok
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("STATROOM_DATABASE_URL", url)
    write(
        tmp_path,
        {
            "catalog.yaml": CATALOG,
            "neighborhoods.geojson": GEOJSON,
            "bad.csv": HEADER + GOOD_ROWS + "library-visits,2024-13,,1,,\n",
        },
    )
    args = [str(tmp_path / "catalog.yaml"), str(tmp_path / "bad.csv")]
    before = snapshot(engine, with_log=True)
    files = _sqlite_files(engine)
    runner = CliRunner()

    checked = runner.invoke(main, ["check", *args])
    assert checked.exit_code == 1
    assert (
        f'{tmp_path}/bad.csv, row 4, column "period": "2024-13" is not a date; use '
        "YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY."
    ) in checked.output
    assert snapshot(engine, with_log=True) == before
    assert _sqlite_files(engine) == files  # byte for byte

    imported = runner.invoke(main, ["import", "--no-refresh", *args])
    assert imported.exit_code == 1
    assert "Nothing was imported." in imported.output
    assert snapshot(engine) == {k: v for k, v in before.items() if k != "import_log"}
    assert log_rows(engine)[-1].outcome == "rejected"


def _sqlite_files(engine) -> dict[str, str]:
    if engine.dialect.name != "sqlite":
        return {}
    engine.dispose()  # checkpoint the WAL into the main file
    path = Path(engine.url.database)
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in path.parent.glob(path.name + "*")
    }


def test_imp006_cli_import_succeeds(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("STATROOM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(
        main,
        [
            "import",
            "--no-refresh",
            "--user",
            "ana",
            str(EXAMPLES / "catalog.yaml"),
            str(EXAMPLES / "observations.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Imported 76 observations for 6 measures." in result.output
    assert log_rows(engine)[-1].user == "ana"


def test_imp007_a_failed_write_is_rolled_back_and_logged(engine, tmp_path, monkeypatch):
    assert import_example(engine, tmp_path / "seed").ok
    before = snapshot(engine)
    real = data.importer.upsert_observations

    def fail_halfway(conn, frame, progress=None):
        real(conn, frame, progress)
        raise RuntimeError("connection lost")

    monkeypatch.setattr(data.importer, "upsert_observations", fail_halfway)
    folder = tmp_path / "changed"
    write(
        folder,
        {
            "catalog.yaml": CATALOG.replace("city: Riverton", "city: Elsewhere"),
            "neighborhoods.geojson": GEOJSON,
            "obs.csv": HEADER + GOOD_ROWS + "pothole-repair-days,2023-07,,99,,\n",
        },
    )
    result = import_files(engine, folder / "catalog.yaml", [folder / "obs.csv"])
    assert result.outcome == "failed" and not result.ok
    assert "failed while writing to the database (RuntimeError)" in result.report.format()
    assert snapshot(engine) == before
    log = log_rows(engine)[-1]
    assert (log.outcome, log.rows_written, log.rows_read) == ("failed", 0, 3)
    assert "nothing was imported" in log.message


def test_imp015_a_measure_deleted_while_importing_fails_the_import_and_leaves_nothing(
    engine, tmp_path, monkeypatch
):
    """Validation checks references against what was stored when it ran; a measure
    deleted before the write (another admin, say) must not leave orphan observations.
    On SQLite, which does not check each bulk-written row, check_references refuses them;
    on PostgreSQL the row itself is refused."""
    from sqlalchemy import delete

    assert import_example(engine, tmp_path / "seed").ok
    before = snapshot(engine)
    real = data.importer.write_catalog

    def delete_a_measure_after_the_catalog(conn, catalog):
        real(conn, catalog)
        conn.execute(delete(Measure).where(Measure.id == "pothole-repair-days"))

    monkeypatch.setattr(data.importer, "write_catalog", delete_a_measure_after_the_catalog)
    folder = tmp_path / "more"
    write(
        folder,
        {
            "catalog.yaml": CATALOG,
            "neighborhoods.geojson": GEOJSON,
            "obs.csv": HEADER + GOOD_ROWS + "pothole-repair-days,2023-07,,99,,\n",
        },
    )
    result = import_files(engine, folder / "catalog.yaml", [folder / "obs.csv"])
    assert result.outcome == "failed"
    assert "nothing was imported" in result.report.format()
    assert snapshot(engine) == before
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # the pool's connections check foreign keys again
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


# -- text, uploads, existing data, progress -----------------------------------------------------


def test_imp008_formulas_and_html_round_trip_unchanged(engine, tmp_path):
    formula = '=HYPERLINK("http://example.com/?q=1","click me")'
    script = "<script>alert(1)</script>"
    catalog = (
        CATALOG.replace("name: Library visits", f"name: '{formula}'")
        .replace("label: Winter storm", f"label: '{script}'")
        .replace("short_name: Overtime", "short_name: '+1 @ops -2'")
    )
    geojson = GEOJSON.replace(
        '"name": "Downtown"', '"name": "<b onmouseover=alert(1)>Downtown</b>"'
    )
    result = import_uploads(
        engine,
        ("catalog.yaml", catalog.encode()),
        [("observations.csv", OBSERVATIONS.encode())],
        {"neighborhoods.geojson": geojson.encode()},
    )
    assert result.ok, result.report.format()
    with engine.connect() as conn:
        assert (
            conn.execute(select(Measure.name).where(Measure.id == "library-visits")).scalar_one()
            == formula
        )
        assert (
            conn.execute(
                select(Measure.short_name).where(Measure.id == "overtime-spending")
            ).scalar_one()
            == "+1 @ops -2"
        )
        assert (
            conn.execute(
                select(Annotation.label).where(Annotation.measure_id.is_(None))
            ).scalar_one()
            == script
        )
        assert (
            conn.execute(select(Geography.name).where(Geography.id == "downtown")).scalar_one()
            == "<b onmouseover=alert(1)>Downtown</b>"
        )


def test_imp009_uploads_import_like_files(engine, tmp_path):
    result = import_uploads(
        engine,
        ("catalog.yaml", CATALOG.encode()),
        [("observations.csv", OBSERVATIONS.encode())],
        {"neighborhoods.geojson": GEOJSON.encode()},
        user="web",
    )
    assert result.ok and result.rows_written == 76
    uploaded = snapshot(engine)
    assert import_example(engine, tmp_path).ok
    assert snapshot(engine)["observation"] == uploaded["observation"]
    log = log_rows(engine)[0]
    assert (log.user, log.source) == (
        "web",
        "catalog.yaml, observations.csv, neighborhoods.geojson",
    )
    rejected = import_uploads(
        engine,
        ("catalog.yaml", CATALOG.encode()),
        [("obs.csv", (HEADER + "library-visits,2024-13,,1,,\n").encode())],
        {"neighborhoods.geojson": GEOJSON.encode()},
    )
    assert rejected.outcome == "rejected"
    assert str(rejected.report.problems[0]).startswith('obs.csv, row 2, column "period"')


def test_imp010_observations_for_measures_already_stored(engine, tmp_path):
    assert import_example(engine, tmp_path / "seed").ok
    small = (
        "city: Riverton\nfiscal_year_start_month: 7\n"
        "priority_areas:\n  - {id: parks, name: Parks}\n"
        "measures:\n  - {id: park-visits, area: parks, name: Park visits, unit: count, "
        "direction: higher_is_better, frequency: month, aggregation: sum}\n"
    )
    folder = tmp_path / "more"
    write(
        folder,
        {
            "catalog.yaml": small,
            "obs.csv": HEADER + "park-visits,2024-07,,120,,\n"
            "library-visits,2024-07,riverside,4100,,\n"
            "permits-on-time,2024-Q3,,,170,200\n",
        },
    )
    result = import_files(engine, folder / "catalog.yaml", [folder / "obs.csv"])
    assert result.ok, result.report.format()
    assert result.measure_ids == {"park-visits", "library-visits", "permits-on-time"}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Observation)).scalar_one() == 79
        assert (
            conn.execute(
                select(Observation.value).where(
                    Observation.measure_id == "permits-on-time",
                    Observation.period == date(2024, 7, 1),
                )
            ).scalar_one()
            == 85.0
        )
    # The stored measure's frequency still applies.
    write(folder, {"obs.csv": HEADER + "library-visits,2024-07-02,,1,,\n"})
    result = import_files(engine, folder / "catalog.yaml", [folder / "obs.csv"])
    assert result.outcome == "rejected"
    assert 'monthly measure "library-visits"' in result.report.problems[0].message


def test_imp011_progress_callback_and_bar(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(data.writer, "BATCH_ROWS", 10)
    calls = []
    result = import_example(
        engine, tmp_path, progress=lambda done, total: calls.append((done, total))
    )
    assert result.ok
    assert calls == [(min(n, 76), 76) for n in range(10, 77, 10)] + [(76, 76)]
    assert import_example(engine, tmp_path, progress=True).ok


def test_imp012_batched_writes_are_exact(engine, tmp_path, monkeypatch):
    """Many batches, multi-row statements with a remainder: every value comes back exactly."""
    monkeypatch.setattr(data.writer, "BATCH_ROWS", 1000)
    monkeypatch.setattr(data.writer, "SQLITE_ROWS_PER_STATEMENT", 7)
    rng = np.random.default_rng(5)
    days = pd.date_range("2000-01-01", periods=2503, freq="D")
    values = rng.standard_normal(len(days)) * 10.0 ** rng.integers(-8, 12, len(days))
    numerators = np.where(np.arange(len(days)) % 3 == 0, np.nan, rng.integers(0, 99, len(days)))
    denominators = np.where(np.isnan(numerators), np.nan, 100.0)
    catalog = (CATALOG.rstrip() + "\n").replace(
        "measures:\n",
        "measures:\n  - {id: daily, area: safe-streets, name: Daily, unit: count, "
        "direction: neutral, frequency: day, aggregation: sum}\n",
    )
    frame = pd.DataFrame(
        {
            "measure": "daily",
            "period": days.strftime("%Y-%m-%d"),
            "geography": "downtown",
            "value": [repr(float(v)) for v in values],
            "numerator": ["" if np.isnan(n) else str(int(n)) for n in numerators],
            "denominator": ["" if np.isnan(d) else "100" for d in denominators],
        }
    )
    result = import_uploads(
        engine,
        ("catalog.yaml", catalog.encode()),
        [("daily.csv", frame.to_csv(index=False).encode())],
        {"neighborhoods.geojson": GEOJSON.encode()},
    )
    assert result.ok and result.rows_written == 2503, result.report.format()
    with engine.connect() as conn:
        stored = conn.execute(
            select(
                Observation.period,
                Observation.value,
                Observation.numerator,
                Observation.denominator,
            )
            .where(Observation.measure_id == "daily")
            .order_by(Observation.period)
        ).all()
    assert [r.period for r in stored] == [d.date() for d in days]
    assert [r.value for r in stored] == values.tolist()
    assert [r.numerator for r in stored] == [None if np.isnan(n) else n for n in numerators]
    assert [r.denominator for r in stored] == [None if np.isnan(d) else d for d in denominators]


def test_imp013_examples_are_documented():
    """The docs describe the example files' fields; a new catalog key must be documented."""
    from data.catalog_file import (
        ANNOTATION_KEYS,
        AREA_KEYS,
        FEATURE_PROPERTIES,
        LAYER_KEYS,
        MEASURE_KEYS,
        TARGET_KEYS,
        TOP_LEVEL_KEYS,
    )
    from data.validation import FILE_COLUMNS

    docs = (Path(__file__).resolve().parents[2] / "docs" / "data-format.md").read_text()
    keys = [
        *TOP_LEVEL_KEYS,
        *LAYER_KEYS,
        *AREA_KEYS,
        *MEASURE_KEYS,
        *TARGET_KEYS,
        *ANNOTATION_KEYS,
        *FEATURE_PROPERTIES,
        *FILE_COLUMNS,
    ]
    assert [k for k in keys if f"| `{k}` |" not in docs] == []
    assert json.loads(GEOJSON)["type"] == "FeatureCollection"


def test_imp014_an_import_leaves_postgresql_with_planner_statistics(engine, tmp_path):
    from sqlalchemy import text

    from data.db import BULK_TABLES

    result = import_example(engine, tmp_path)
    assert result.ok, result.report.format()
    if engine.dialect.name != "postgresql":
        return  # SQLite's planner needs none (data/db.py)
    with engine.connect() as conn:
        analyzed = conn.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables"
                " WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
            )
        ).scalars()
        assert set(BULK_TABLES) <= set(analyzed)
