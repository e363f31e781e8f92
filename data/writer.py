"""Bulk writes of a validated catalog and observations.

These functions trust their input: validation happens before, in
``data.validation``. Each takes an open connection so the caller decides the
transaction; an import runs everything in one transaction (all or nothing).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

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
    stmt = (
        stmt.on_conflict_do_update(index_elements=key, set_=updates)
        if updates
        else (stmt.on_conflict_do_nothing(index_elements=key))
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

    Rows are written in key order (which keeps SQLite's B-trees local) and in
    large batches: on SQLite as multi-row ``INSERT ... ON CONFLICT`` statements, on
    PostgreSQL by ``COPY`` into a temporary table and one ``INSERT ... SELECT ...
    ON CONFLICT`` per batch. The key must be unique within ``frame``.
    """
    if frame.empty:
        return 0
    columns = _observation_columns(frame)
    write = {"sqlite": _write_sqlite, "postgresql": _write_postgresql}.get(
        conn.dialect.name, _write_generic
    )
    written = 0
    for start in range(0, len(frame), BATCH_ROWS):
        batch = _rows([column[start : start + BATCH_ROWS] for column in columns])
        write(conn, batch)
        written += len(batch)
        if progress is not None:
            progress(len(batch))
    return written


def _observation_columns(frame: pd.DataFrame) -> list[np.ndarray]:
    """The observation columns in key order, ready for a DBAPI.

    Periods become ISO date text (how SQLAlchemy stores a Date on SQLite, and what
    PostgreSQL parses). Text is factorised first, so each distinct id or period
    is converted once.
    """
    # (pandas factorises plain object arrays faster than its string columns.)
    measure_codes, measures = pd.factorize(frame["measure_id"].to_numpy(dtype=object), sort=True)
    geography_codes, geographies = pd.factorize(
        frame["geography_id"].to_numpy(dtype=object), sort=True
    )
    period_codes, periods = pd.factorize(frame["period"], sort=True)
    order = _key_order(measure_codes, geography_codes, period_codes, len(geographies), len(periods))
    iso = pd.to_datetime(pd.Index(periods)).strftime("%Y-%m-%d")
    return [
        np.array([str(m) for m in measures], dtype=object)[measure_codes[order]],
        np.array([str(g) for g in geographies], dtype=object)[geography_codes[order]],
        np.asarray(iso, dtype=object)[period_codes[order]],
        *(frame[c].to_numpy(dtype=float)[order] for c in ("value", "numerator", "denominator")),
    ]


def _key_order(
    measure_codes: np.ndarray,
    geography_codes: np.ndarray,
    period_codes: np.ndarray,
    geographies: int,
    periods: int,
) -> np.ndarray:
    """The positions of the rows in key order, given each key column's sorted codes."""
    if len(measure_codes) * geographies * periods >= 2**62:  # one integer key would overflow
        return np.lexsort((period_codes, geography_codes, measure_codes))
    # One integer per key sorts in a fifth of lexsort's time; the keys are unique, so an
    # unstable sort gives the one order there is.
    key = measure_codes.astype(np.int64) * geographies + geography_codes
    return np.argsort(key * periods + period_codes)


def _rows(columns: list[np.ndarray]) -> np.ndarray:
    """One batch as an (n, 6) object array; missing numerators and denominators are None."""
    rows = np.empty((len(columns[0]), len(columns)), dtype=object)
    for i, column in enumerate(columns):
        if column.dtype == object:
            rows[:, i] = column
        else:
            given = ~np.isnan(column)
            rows[given, i] = column[given]  # the rest stay None
    return rows


_COLUMNS_SQL = "measure_id, geography_id, period, value, numerator, denominator"
_INSERT = (
    "INSERT INTO observation (measure_id, geography_id, period, value, numerator, denominator)"
    " VALUES "
)
#: Unchanged rows are left alone, which makes re-importing the same file cheap.
_ON_CONFLICT = (
    " ON CONFLICT (measure_id, geography_id, period) DO UPDATE SET value = excluded.value,"
    " numerator = excluded.numerator, denominator = excluded.denominator"
    " WHERE observation.value {op} excluded.value"
    " OR observation.numerator {op} excluded.numerator"
    " OR observation.denominator {op} excluded.denominator"
)
_ON_CONFLICT_SQLITE = _ON_CONFLICT.format(op="IS NOT")
_ON_CONFLICT_POSTGRESQL = _ON_CONFLICT.format(op="IS DISTINCT FROM")
#: Rows per SQLite statement: many rows per statement saves most of the per-row overhead.
SQLITE_ROWS_PER_STATEMENT = 1000


def _write_sqlite(conn: Connection, rows: np.ndarray) -> None:
    import sqlite3

    width = rows.shape[1]
    limit = conn.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // width))
    placeholders = "(" + ", ".join("?" * width) + ")"
    whole = len(rows) // per_statement * per_statement
    if whole:
        sql = _INSERT + ", ".join([placeholders] * per_statement) + _ON_CONFLICT_SQLITE
        params = rows[:whole].reshape(-1, width * per_statement).tolist()
        conn.exec_driver_sql(sql, list(map(tuple, params)))
    if whole < len(rows):
        conn.exec_driver_sql(
            _INSERT + placeholders + _ON_CONFLICT_SQLITE, list(map(tuple, rows[whole:].tolist()))
        )


_LOAD_TABLE = "statroom_observation_load"


def _write_postgresql(conn: Connection, rows: np.ndarray) -> None:
    columns = _COLUMNS_SQL
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_LOAD_TABLE} "
            "(LIKE observation INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {_LOAD_TABLE}")
        with cursor.copy(f"COPY {_LOAD_TABLE} ({columns}) FROM STDIN") as copy:
            for row in rows.tolist():
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO observation ({columns}) SELECT {columns} FROM {_LOAD_TABLE}"  # noqa: S608 - constant names
            + _ON_CONFLICT_POSTGRESQL
        )


def _write_generic(conn: Connection, rows: np.ndarray) -> None:
    records = [dict(zip(OBSERVATION_COLUMNS, r, strict=True)) for r in rows.tolist()]
    for r in records:
        r["period"] = date.fromisoformat(r["period"])
    _upsert(conn, Observation.__table__, records, ["measure_id", "geography_id", "period"])


#: The tables an import writes besides observations, whose references SQLite can list.
_CATALOG_TABLES = tuple(
    t.__tablename__ for t in (PriorityArea, Measure, Geography, Target, Annotation)
)


def check_references(conn: Connection, frame: pd.DataFrame) -> None:
    """Raise ``IntegrityError`` unless everything an import wrote refers to stored rows.

    For :func:`data.db.bulk_transaction`, where SQLite does not check each row: the
    catalog's small tables are checked whole (``PRAGMA foreign_key_check``), the
    observations by their distinct measure and geography ids, which is what each of
    their rows refers to. On PostgreSQL, which checked each row, this finds nothing.
    """
    problems = []
    if conn.dialect.name == "sqlite":
        for table in _CATALOG_TABLES:
            for row in conn.exec_driver_sql(f"PRAGMA foreign_key_check({table})"):
                problems.append(f"{table} row {row[1]} refers to a missing {row[2]}")
    for column, parent in (
        (Observation.measure_id, Measure),
        (Observation.geography_id, Geography),
    ):
        wanted = set(frame[column.key].unique()) if len(frame) else set()
        if wanted:
            stored = set(conn.execute(select(parent.id).where(parent.id.in_(wanted))).scalars())
            problems += [
                f"observations refer to a missing {parent.__tablename__} {i!r}"
                for i in sorted(wanted - stored)
            ]
    if problems:
        raise IntegrityError("; ".join(problems[:5]), None, Exception("foreign key check"))


def touch_measures(conn: Connection, measure_ids: list[str]) -> None:
    """Record that these measures' data changed now ("last updated")."""
    if measure_ids:
        conn.execute(
            Measure.__table__.update()
            .where(Measure.id.in_(measure_ids))
            .values(updated_at=utcnow())
        )
