"""``statroom refresh``: recompute and store the analytics of every measure.

The heavy statistics (forecasts, control limits, equity) are computed here,
when data changes, so page requests only read stored results.

Measures are summarised in parallel worker processes. Each worker opens its own
connection and reads a measure's observations in one query (every geography at
once); the parent only hands out measure ids and writes the results, in batches
of several measures per transaction, so only one process writes to the database.
A measure whose statistics fail still gets a stored row saying why; a refresh
never stops half-way because of one measure.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from tqdm import tqdm

from analytics.summary import MeasureMeta, summarize_measure
from data.db import update_planner_statistics
from data.models import CITYWIDE, MeasureSummary
from data.store import SYSTEM, MeasureInfo, Store, save_summary_records, summary_records

log = logging.getLogger("statroom.refresh")

#: Measures written per transaction: fewer commits, and readers see whole measures.
WRITE_BATCH = 16
#: Jobs queued per worker ahead of the results: keeps workers busy, bounds memory.
QUEUE_PER_WORKER = 4


@dataclass
class RefreshResult:
    measures: int = 0
    #: measure id → human-readable reason its forecast (or whole summary) is missing
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def measure_meta(measure: MeasureInfo) -> MeasureMeta:
    return MeasureMeta(
        unit=measure.unit,
        scale=measure.scale,
        direction=measure.direction,
        frequency=measure.frequency,
        aggregation=measure.aggregation,
        name=measure.name,
        unit_label=measure.unit_label,
        decimals=measure.decimals,
        rate_per=measure.rate_per,
    )


@dataclass(frozen=True)
class _Context:
    """What every measure's summary needs besides its own data."""

    geographies: pd.DataFrame
    as_of: date
    fiscal_year_start_month: int


# The worker's own store and context, set once per process by _init_worker.
_store: Store | None = None
_context: _Context | None = None


def _init_worker(database_url: str | None, engine: Engine | None, context: _Context) -> None:
    global _store, _context
    if database_url is not None:  # a worker process of its own
        from data.db import make_engine

        engine = make_engine(database_url)
        # The statistics allocate many short-lived objects and no cycles worth chasing:
        # collect less often (a few percent of the refresh time).
        gc.freeze()
        gc.set_threshold(10_000, 20, 20)
    _store = Store(engine, SYSTEM)
    _context = context


def _summarize(job: tuple[str, MeasureMeta]) -> tuple[str, list[dict], str | None]:
    """Worker: read and summarise one measure, and serialise its rows for writing.

    Returns ``(measure id, rows, reason)``, ``reason`` saying why the forecast (or the
    whole summary) is missing. Never raises, so one bad series cannot stop a refresh.
    """
    measure_id, meta = job
    rows = _summary_rows(measure_id, meta)
    try:
        records = summary_records(measure_id, rows)
    except (TypeError, ValueError) as exc:  # a value JSON cannot hold: say so, go on
        log.exception("summary of %s could not be serialised", measure_id)
        rows = _failed_rows(f"The statistics could not be stored: {exc}")
        records = summary_records(measure_id, rows)
    citywide = rows.get(CITYWIDE, {})
    reason = citywide.get("forecast_error") or citywide.get("error")
    return measure_id, records, reason


def _summary_rows(measure_id: str, meta: MeasureMeta) -> dict[str, dict]:
    try:
        observations = _store.observations(measure_id)
        is_city = observations["geography_id"] == CITYWIDE
        citywide = observations.loc[is_city].drop(columns="geography_id").reset_index(drop=True)
        panel = observations.loc[~is_city].reset_index(drop=True)
        rows = summarize_measure(
            meta,
            citywide,
            panel,
            _context.geographies,
            _store.targets(measure_id),
            as_of=_context.as_of,
            fiscal_year_start_month=_context.fiscal_year_start_month,
        )
        return rows
    except Exception as exc:  # noqa: BLE001 - recorded as the measure's reason, logged
        log.exception("summary of %s failed", measure_id)
        return _failed_rows(f"The statistics could not be computed: {type(exc).__name__}: {exc}")


def _failed_rows(reason: str) -> dict[str, dict]:
    return {CITYWIDE: {"error": reason, "forecast_error": reason}}


def refresh(
    engine: Engine,
    measure_ids: list[str] | None = None,
    progress: bool = True,
    as_of: date | None = None,
    workers: int | None = None,
) -> RefreshResult:
    """Recompute the stored summaries of ``measure_ids`` (all measures when None).

    ``workers`` processes (default: one per CPU, at most one per measure) each read and
    summarise measures; this process writes the results. With one worker, or an
    in-memory SQLite database that other processes cannot open, everything runs here.
    """
    started = time.perf_counter()
    store = Store(engine, SYSTEM)
    city = store.city()
    wanted = None if measure_ids is None else set(measure_ids)
    measures = [m for m in store.measures() if wanted is None or m.id in wanted]
    context = _Context(
        geographies=store.geographies_frame(),
        as_of=as_of or date.today(),
        fiscal_year_start_month=city.fiscal_year_start_month,
    )
    jobs = [(m.id, measure_meta(m)) for m in measures]
    result = RefreshResult()
    workers = workers or min(os.cpu_count() or 1, max(len(measures), 1))
    database_url = _shareable_url(engine)
    bar = tqdm(
        total=len(measures), desc="Refreshing analytics", unit="measure", disable=not progress
    )
    writer = _Writer(engine, result, bar)
    try:
        if workers > 1 and database_url is not None and len(jobs) > 1:
            engine.dispose()  # forked workers must not share the parent's connections
            with ProcessPoolExecutor(
                max_workers=workers,
                initializer=_init_worker,
                initargs=(database_url, None, context),
            ) as pool:
                _run_pool(pool, jobs, workers * QUEUE_PER_WORKER, writer)
        else:
            _init_worker(None, engine, context)
            for job in jobs:
                writer.add(*_summarize(job))
        writer.flush()
    finally:
        bar.close()
    # Only the summaries changed: the observations' statistics (a second to sample on a
    # large city) still hold.
    update_planner_statistics(engine, tables=(MeasureSummary.__tablename__,))
    result.seconds = time.perf_counter() - started
    return result


def _run_pool(pool: ProcessPoolExecutor, jobs: list, queued: int, writer: _Writer) -> None:
    """Keep ``queued`` jobs in flight and write results in the order they finish."""
    pending = iter(jobs)
    running = set()
    for job in pending:
        running.add(pool.submit(_summarize, job))
        if len(running) >= queued:
            break
    while running:
        done, running = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            writer.add(*future.result())
            job = next(pending, None)
            if job is not None:
                running.add(pool.submit(_summarize, job))


class _Writer:
    """Collects summaries and writes them a batch of measures per transaction."""

    def __init__(self, engine: Engine, result: RefreshResult, bar) -> None:
        self.engine, self.result, self.bar = engine, result, bar
        self.measure_ids: list[str] = []
        self.records: list[dict] = []

    def add(self, measure_id: str, records: list[dict], reason: str | None) -> None:
        self.measure_ids.append(measure_id)
        self.records.extend(records)
        self.bar.update(1)
        if reason:
            self.result.failures[measure_id] = reason
        if len(self.measure_ids) >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.measure_ids:
            return
        save_summary_records(self.engine, self.measure_ids, self.records)
        self.result.measures += len(self.measure_ids)
        self.measure_ids, self.records = [], []


def _shareable_url(engine: Engine) -> str | None:
    """The engine's URL when another process can open the same database, else None."""
    url = make_url(engine.url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)
