"""``statroom refresh``: recompute and store the analytics of every measure.

The heavy statistics (forecasts, control limits, equity) are computed here,
when data changes, so page requests only read stored results. Measures are
summarised in parallel worker processes; the parent reads inputs and writes
results, so only one process writes to the database.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from tqdm import tqdm

from analytics.summary import MeasureMeta, summarize_measure
from data.store import SYSTEM, MeasureInfo, Store, save_summaries

log = logging.getLogger("statroom.refresh")


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


def _summarize(job: dict) -> tuple[str, dict[str, dict]]:
    """Worker: summarise one measure; never raises, so one bad series cannot stop a refresh."""
    measure_id = job.pop("measure_id")
    try:
        return measure_id, summarize_measure(**job)
    except Exception as exc:  # noqa: BLE001 - recorded as the measure's reason, logged
        log.exception("summary of %s failed", measure_id)
        reason = f"The statistics could not be computed: {type(exc).__name__}: {exc}"
        return measure_id, {"citywide": {"error": reason, "forecast_error": reason}}


def refresh(
    engine: Engine,
    measure_ids: list[str] | None = None,
    progress: bool = True,
    as_of: date | None = None,
    workers: int | None = None,
) -> RefreshResult:
    """Recompute the stored summaries of ``measure_ids`` (all measures when None)."""
    started = time.perf_counter()
    store = Store(engine, SYSTEM)
    city = store.city()
    geographies = store.geographies_frame()
    wanted = None if measure_ids is None else set(measure_ids)
    measures = [m for m in store.measures() if wanted is None or m.id in wanted]
    as_of = as_of or date.today()

    def jobs():
        for measure in measures:
            yield {
                "measure_id": measure.id,
                "meta": measure_meta(measure),
                "citywide": store.series(measure.id),
                "panel": store.panel(measure.id),
                "geographies": geographies,
                "targets": store.targets(measure.id),
                "as_of": as_of,
                "fiscal_year_start_month": city.fiscal_year_start_month,
            }

    result = RefreshResult()
    workers = workers or min(os.cpu_count() or 1, max(len(measures), 1))
    bar = tqdm(
        total=len(measures), desc="Refreshing analytics", unit="measure", disable=not progress
    )
    if workers > 1:
        engine.dispose()  # forked workers must not share the parent's connections
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = pool.map(_summarize, jobs(), chunksize=1)
            _store_all(engine, outcomes, result, bar)
    else:
        _store_all(engine, map(_summarize, jobs()), result, bar)
    bar.close()
    result.seconds = time.perf_counter() - started
    return result


def _store_all(engine: Engine, outcomes, result: RefreshResult, bar) -> None:
    for measure_id, rows in outcomes:
        save_summaries(engine, measure_id, rows)
        citywide = rows.get("citywide", {})
        reason = citywide.get("forecast_error") or citywide.get("error")
        if reason:
            result.failures[measure_id] = reason
        result.measures += 1
        bar.update(1)
