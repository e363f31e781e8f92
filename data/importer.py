"""Import a catalog and observations: validate, then write everything or nothing.

Every import gets a row in ``import_log``: who, when, which files, rows read and
written, and the outcome:

* ``rejected``: validation found problems; nothing but the log row is written.
* ``success``: the catalog and all observations were written in one transaction.
* ``failed``: the write itself failed (say, the database went away); the
  transaction was rolled back, so nothing but the log row remains.

The log row is written as ``running`` before the data transaction starts, so an
import that is interrupted (the process killed) shows as such.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from tqdm import tqdm

from data.cache import bump_data_version
from data.db import bulk_transaction, update_planner_statistics
from data.models import Geography, ImportLog, Measure, utcnow
from data.store import Viewer
from data.validation import (
    Existing,
    MeasureRules,
    Problem,
    ValidationReport,
    validate_files,
    validate_uploads,
)
from data.writer import check_references, touch_measures, upsert_observations, write_catalog

log = logging.getLogger(__name__)

#: ``progress`` may be True (a tqdm bar on stderr) or a callable taking
#: (rows written so far, rows to write), called after each batch.
Progress = bool | Callable[[int, int], None]


@dataclass
class ImportResult:
    """What an import did. ``ok`` only when everything was written."""

    outcome: str
    report: ValidationReport
    rows_written: int = 0
    #: Measures whose analytics need recomputing: the catalog's and those observed.
    measure_ids: set[str] = field(default_factory=set)
    log_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


def read_existing(conn: Connection) -> Existing:
    """The measures and geographies already stored, for checking new observations."""
    measures = {
        row.id: MeasureRules(row.frequency, row.aggregation, row.unit, row.rate_per)
        for row in conn.execute(
            select(
                Measure.id, Measure.frequency, Measure.aggregation, Measure.unit, Measure.rate_per
            )
        )
    }
    geographies = frozenset(conn.execute(select(Geography.id)).scalars())
    return Existing(measures=measures, geography_ids=geographies)


def import_files(
    engine: Engine,
    catalog_path: str | Path,
    observation_paths: Sequence[str | Path],
    user: str = "",
    progress: Progress = False,
) -> ImportResult:
    """Validate files on disk and import them atomically (see the module docstring)."""
    with engine.connect() as conn:
        existing = read_existing(conn)
    report = validate_files(catalog_path, observation_paths, existing=existing)
    source = ", ".join(str(p) for p in [catalog_path, *observation_paths])
    return import_report(engine, report, source=source, user=user, progress=progress)


def import_uploads(
    engine: Engine,
    catalog: tuple[str, bytes],
    observations: Sequence[tuple[str, bytes]],
    attachments: Mapping[str, bytes] | None = None,
    user: str = "",
    progress: Progress = False,
) -> ImportResult:
    """Validate uploaded files, given as ``(file name, content)``, and import them atomically.

    ``attachments`` holds the GeoJSON files the catalog names (see
    :func:`data.validation.validate_uploads`).
    """
    with engine.connect() as conn:
        existing = read_existing(conn)
    report = validate_uploads(catalog, observations, attachments, existing=existing)
    names = [catalog[0], *(name for name, _ in observations), *(attachments or {})]
    return import_report(engine, report, source=", ".join(names), user=user, progress=progress)


def import_uploads_as(
    viewer: Viewer,
    engine: Engine,
    catalog: tuple[str, bytes],
    observations: Sequence[tuple[str, bytes]],
    attachments: Mapping[str, bytes] | None = None,
    progress: Progress = False,
) -> ImportResult:
    """:func:`import_uploads` on behalf of a signed-in person: admins only.

    The admin page calls this, so the rule holds whatever the page does; the import
    log records the viewer's user name.
    """
    if not viewer.is_admin:
        raise PermissionError("Only Statroom administrators can import data.")
    return import_uploads(
        engine, catalog, observations, attachments, user=viewer.username, progress=progress
    )


def import_report(
    engine: Engine,
    report: ValidationReport,
    source: str,
    user: str = "",
    progress: Progress = False,
) -> ImportResult:
    """Write a validated report's catalog and observations, and log the import.

    A report with problems is logged as rejected and nothing else is written.
    """
    if not report.ok:
        log_id = _log(
            engine,
            user=user,
            source=source,
            rows_read=report.rows_read,
            outcome="rejected",
            message=report.format(),
        )
        return ImportResult("rejected", report, log_id=log_id)

    catalog, frame = report.catalog, report.observations
    observed = set(frame["measure_id"].unique()) if len(frame) else set()
    log_id = _log(
        engine,
        user=user,
        source=source,
        rows_read=report.rows_read,
        outcome="running",
        finished=False,
    )
    bar, on_batch = _progress(progress, len(frame))
    try:
        with bulk_transaction(engine) as conn:
            write_catalog(conn, catalog)
            written = upsert_observations(conn, frame, progress=on_batch)
            check_references(conn, frame)
            touch_measures(conn, sorted(observed))
            bump_data_version(conn)  # app processes drop their cached reads
            conn.execute(
                update(ImportLog)
                .where(ImportLog.id == log_id)
                .values(
                    outcome="success",
                    rows_written=written,
                    finished_at=utcnow(),
                    message=f"Imported {written:,} observations for {len(observed)} measures "
                    f"and a catalog of {len(catalog.measures)} measures.",
                )
            )
    except Exception as exc:
        log.exception("Import %s failed while writing", log_id)
        message = (
            f"The import failed while writing to the database ({type(exc).__name__}); "
            "nothing was imported. Try again; if it fails again, ask the administrator "
            "to look at the server log."
        )
        _finish_log(engine, log_id, "failed", message)
        failed = replace(
            report,
            problems=[*report.problems, Problem(source, None, None, message)],
            problem_count=report.problem_count + 1,
        )
        return ImportResult("failed", failed, log_id=log_id)
    finally:
        if bar is not None:
            bar.close()
    update_planner_statistics(engine)
    return ImportResult(
        "success",
        report,
        rows_written=written,
        measure_ids=catalog.measure_ids() | observed,
        log_id=log_id,
    )


def _progress(progress: Progress, total: int):
    """A tqdm bar (or None) and the per-batch callback to give ``upsert_observations``."""
    if not progress:
        return None, None
    bar = None
    if progress is True:
        bar = tqdm(
            total=total, unit="rows", unit_scale=True, desc="Importing observations", disable=None
        )
    done = 0

    def on_batch(rows: int) -> None:
        nonlocal done
        done += rows
        if bar is not None:
            bar.update(rows)
        if callable(progress):
            progress(done, total)

    return bar, on_batch


def _log(
    engine: Engine,
    *,
    user: str,
    source: str,
    rows_read: int,
    outcome: str,
    message: str = "",
    finished: bool = True,
) -> int:
    now = utcnow()
    with engine.begin() as conn:
        return conn.execute(
            insert(ImportLog)
            .values(
                started_at=now,
                finished_at=now if finished else None,
                user=user[:120],
                source=source,
                rows_read=rows_read,
                rows_written=0,
                outcome=outcome,
                message=message,
            )
            .returning(ImportLog.id)
        ).scalar_one()


def _finish_log(engine: Engine, log_id: int, outcome: str, message: str) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(
                update(ImportLog)
                .where(ImportLog.id == log_id)
                .values(outcome=outcome, finished_at=utcnow(), message=message)
            )
    except Exception:
        log.exception("Could not record the outcome of import %s", log_id)
