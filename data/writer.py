"""Bulk writes of a validated catalog and observations.

These functions trust their input: validation happens before, in
``data.validation``. Each takes an open connection so the caller decides the
transaction; an import runs everything in one transaction (all or nothing).
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from data.catalog import Catalog
from data.models import (
    CITYWIDE,
    Annotation,
    City,
    Geography,
    Measure,
    Observation,
    PriorityArea,
    Target,
    utcnow,
)

OBSERVATION_COLUMNS = ["measure_id", "geography_id", "period", "value", "numerator", "denominator"]
#: Rows per executemany batch: large enough to amortise round trips, small enough for memory.
BATCH_ROWS = 50_000


def _upsert(conn: Connection, table, rows: list[dict], key: list[str]) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE, on SQLite and PostgreSQL alike."""
    if not rows:
        return
    dialect = conn.dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    stmt = insert(table)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in key}
    stmt = stmt.on_conflict_do_update(index_elements=key, set_=updates) if updates else (
        stmt.on_conflict_do_nothing(index_elements=key)
    )
    conn.execute(stmt, rows)


def write_catalog(conn: Connection, catalog: Catalog) -> None:
    """Upsert the city, geographies, areas and measures; replace targets and catalog annotations.

    Targets and catalog annotations of the measures in the catalog are replaced
    as a whole, so a re-import of the same catalog is idempotent. Annotations
    captured in meetings or by users are kept.
    """
    existing_city = conn.execute(select(City.id)).scalar()
    city_row = {
        "id": existing_city or 1,
        "name": catalog.city_name,
        "fiscal_year_start_month": catalog.fiscal_year_start_month,
        "boundaries_note": catalog.boundaries_note,
    }
    _upsert(conn, City.__table__, [city_row], ["id"])

    geographies = [asdict(g) for g in catalog.geographies]
    if CITYWIDE not in catalog.geography_ids():
        geographies.insert(0, _citywide_row(catalog))
    _upsert(conn, Geography.__table__, geographies, ["id"])
    _upsert(conn, PriorityArea.__table__, [asdict(a) for a in catalog.areas], ["id"])

    now = utcnow()
    measures = [{**asdict(m), "updated_at": now} for m in catalog.measures]
    _upsert(conn, Measure.__table__, measures, ["id"])

    measure_ids = list(catalog.measure_ids())
    conn.execute(delete(Target).where(Target.measure_id.in_(measure_ids)))
    if catalog.targets:
        conn.execute(Target.__table__.insert(), [asdict(t) for t in catalog.targets])

    conn.execute(
        delete(Annotation).where(
            Annotation.source == "catalog",
            (Annotation.measure_id.in_(measure_ids)) | (Annotation.measure_id.is_(None)),
        )
    )
    if catalog.annotations:
        conn.execute(
            Annotation.__table__.insert(),
            [
                {**asdict(a), "source": "catalog", "created_at": now, "version": 1}
                for a in catalog.annotations
            ],
        )


def _citywide_row(catalog: Catalog) -> dict:
    populations = [g.population for g in catalog.geographies if g.population]
    return {
        "id": CITYWIDE,
        "name": "Citywide",
        "kind": "city",
        "population": sum(populations) if populations else None,
        "equity_priority": False,
        "attributes": {},
        "geometry": None,
        "display_order": -1,
    }


def upsert_observations(conn: Connection, frame: pd.DataFrame, progress=None) -> int:
    """Upsert observations on (measure, geography, period); returns the rows written.

    ``frame`` has the columns in :data:`OBSERVATION_COLUMNS`, with ``period`` as
    dates and NaN for missing numerators and denominators. ``progress`` is an
    optional callable taking the number of rows just written.
    """
    if frame.empty:
        return 0
    frame = frame[OBSERVATION_COLUMNS]
    periods = pd.to_datetime(frame["period"]).dt.date
    values = frame["value"].astype(float)
    numerators = frame["numerator"].astype(float).astype(object).where(frame["numerator"].notna())
    denominators = (
        frame["denominator"].astype(float).astype(object).where(frame["denominator"].notna())
    )
    records = list(
        zip(
            frame["measure_id"].astype(str),
            frame["geography_id"].astype(str),
            periods,
            values,
            numerators,
            denominators,
            strict=True,
        )
    )
    keys = ["measure_id", "geography_id", "period"]
    written = 0
    for start in range(0, len(records), BATCH_ROWS):
        chunk = [dict(zip(OBSERVATION_COLUMNS, r, strict=True)) for r in records[start : start + BATCH_ROWS]]
        _upsert(conn, Observation.__table__, chunk, keys)
        written += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return written


def touch_measures(conn: Connection, measure_ids: list[str]) -> None:
    """Record that these measures' data changed now ("last updated")."""
    if measure_ids:
        conn.execute(
            Measure.__table__.update()
            .where(Measure.id.in_(measure_ids))
            .values(updated_at=utcnow())
        )
