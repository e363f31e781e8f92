"""Engine creation and migrations.

SQLite is the embedded default (WAL mode, busy timeout); PostgreSQL through
psycopg 3 is the scale-out path. The same models and queries serve both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("statroom.db")

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: The tables that imports, the demo loader and refresh write in bulk.
BULK_TABLES = ("observation", "measure_summary", "measure", "target", "geography")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(database_url: str, **kwargs) -> Engine:
    """Create an engine; on SQLite, create the folder and switch on WAL and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction for a bulk write whose foreign keys the writer checks itself.

    SQLite checks each inserted row's foreign keys as it goes, two index look-ups per
    observation (a tenth of an import's time). Here it does not: the writer must check the
    references of what it wrote before the transaction ends (see
    :func:`data.writer.check_references`). PostgreSQL gets an ordinary transaction.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A no-op inside a transaction; the driver has none open before the first write.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                yield conn
        finally:
            if sqlite:
                _check_foreign_keys_again(conn)


def _check_foreign_keys_again(conn: Connection) -> None:
    """Back to the pool as every other connection is, or not back at all."""
    try:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()
    except SQLAlchemyError:  # a broken connection: the pool opens a new one instead
        log.warning("could not switch foreign-key checks back on", exc_info=True)
        conn.invalidate()


def alembic_config(database_url: str):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; escape it for URLs with encoded characters.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def is_empty(engine: Engine) -> bool:
    """True when the database has no measures yet (or no schema at all)."""
    from sqlalchemy import func, select

    from data.models import Measure

    if not inspect(engine).has_table(Measure.__tablename__):
        return True
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Measure)).scalar_one() == 0


def update_planner_statistics(engine: Engine, tables: tuple[str, ...] = BULK_TABLES) -> None:
    """After a bulk write to ``tables``, let PostgreSQL's planner know their new contents.

    PostgreSQL plans queries from statistics that autovacuum refreshes some time after a
    write, and never where it is switched off (as on this project's test machine, where
    the freshly loaded large city had none). Its manual advises ``ANALYZE`` after
    populating a database; it samples each table (about a second for the large city's
    5.8 million observations). SQLite's planner needs no statistics for these indexed
    reads, so it is left alone. A failure is logged: the data is written, only plans
    may be worse until autovacuum runs.
    """
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE " + ", ".join(tables)))
    except SQLAlchemyError:
        log.warning("could not update the planner statistics", exc_info=True)
