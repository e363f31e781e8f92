"""The data-access object: reads, visibility and stored summaries, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import inspect, select

from data.catalog import AnnotationSpec, AreaSpec, Catalog, GeographySpec, MeasureSpec, TargetSpec
from data.models import Observation
from data.store import PUBLIC, SYSTEM, Store, Viewer, save_summaries
from data.writer import upsert_observations, write_catalog

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def small_catalog() -> Catalog:
    return Catalog(
        city_name="Testville",
        fiscal_year_start_month=7,
        geographies=[
            GeographySpec("north", "North", population=1000, geometry=SQUARE),
            GeographySpec("south", "South", population=3000, equity_priority=True, geometry=SQUARE),
        ],
        areas=[AreaSpec("safety", "Public safety"), AreaSpec("internal", "Internal ops", "", 1)],
        measures=[
            MeasureSpec(
                "response",
                "safety",
                "Response time",
                "Response",
                "minutes",
                "lower_is_better",
                "month",
                "mean",
                is_public=True,
            ),
            MeasureSpec(
                "cleared",
                "safety",
                "Cases cleared",
                "Cleared",
                "percent",
                "higher_is_better",
                "month",
                "rate",
                is_public=False,
            ),
            MeasureSpec(
                "overtime",
                "internal",
                "Overtime",
                "Overtime",
                "currency",
                "lower_is_better",
                "month",
                "sum",
                is_public=False,
            ),
        ],
        targets=[TargetSpec("response", date(2025, 7, 1), date(2026, 6, 30), 8.0, 0.5)],
        annotations=[
            AnnotationSpec("New protocol", date(2025, 3, 1), measure_id="response"),
            AnnotationSpec("Secret audit", date(2025, 4, 1), measure_id="cleared"),
            AnnotationSpec("Data outage", date(2025, 5, 1), is_public=False),
        ],
    )


def observations() -> pd.DataFrame:
    rows = []
    for month in range(1, 4):
        period = date(2025, month, 1)
        rows += [
            ("response", "citywide", period, 8.0 + month, None, None),
            ("response", "north", period, 7.0 + month, None, None),
            ("cleared", "citywide", period, 50.0, 20, 40),
            ("cleared", "north", period, 40.0, 4, 10),
            ("overtime", "citywide", period, 1000.0 * month, None, None),
        ]
    return pd.DataFrame(
        rows, columns=["measure_id", "geography_id", "period", "value", "numerator", "denominator"]
    )


@pytest.fixture
def loaded(engine):
    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
    return engine


def test_sto001_public_viewer_sees_only_public_measures(loaded):
    public = Store(loaded, PUBLIC)
    staff = Store(loaded, Viewer("viewer"))
    assert [m.id for m in public.measures()] == ["response"]
    assert {m.id for m in staff.measures()} == {"response", "cleared", "overtime"}
    assert public.measure("cleared") is None
    assert staff.measure("cleared").name == "Cases cleared"


def test_sto002_areas_without_visible_measures_are_hidden(loaded):
    assert [a.id for a in Store(loaded, PUBLIC).areas()] == ["safety"]
    assert [a.id for a in Store(loaded, SYSTEM).areas()] == ["safety", "internal"]


def test_sto003_internal_series_are_empty_for_the_public(loaded):
    public = Store(loaded, PUBLIC)
    assert public.series("cleared").empty
    assert public.panel("cleared").empty
    assert public.targets("cleared").empty
    assert public.annotations("cleared").empty
    assert len(Store(loaded, SYSTEM).series("cleared")) == 3


def test_sto004_series_is_ordered_and_typed(loaded):
    series = Store(loaded, PUBLIC).series("response", start=date(2025, 2, 1))
    assert list(series.columns) == ["period", "value", "numerator", "denominator"]
    assert series["period"].tolist() == [pd.Timestamp("2025-02-01"), pd.Timestamp("2025-03-01")]
    assert series["value"].tolist() == [10.0, 11.0]
    assert series["numerator"].isna().all()


def test_sto005_panel_excludes_citywide(loaded):
    panel = Store(loaded, SYSTEM).panel("cleared")
    assert set(panel["geography_id"]) == {"north"}
    assert panel["numerator"].tolist() == [4.0, 4.0, 4.0]


def test_sto006_annotations_include_citywide_ones_by_visibility(loaded):
    staff = Store(loaded, SYSTEM).annotations("response")
    public = Store(loaded, PUBLIC).annotations("response")
    assert staff["label"].tolist() == ["New protocol", "Data outage"]
    assert public["label"].tolist() == ["New protocol"]


def test_sto007_summaries_respect_visibility(loaded):
    save_summaries(loaded, "cleared", {"citywide": {"latest_value": 50.0, "target_status": "met"}})
    save_summaries(
        loaded, "response", {"citywide": {"latest_value": 11.0, "trend_verdict": "worsening"}}
    )
    assert Store(loaded, PUBLIC).summary("cleared") is None
    staff = Store(loaded, SYSTEM).summary("cleared")
    assert staff.target_status == "met" and staff.payload["latest_value"] == 50.0
    assert Store(loaded, PUBLIC).summaries()["measure_id"].tolist() == ["response"]


def test_sto008_save_summaries_replaces_previous(loaded):
    save_summaries(loaded, "response", {"citywide": {"latest_value": 1.0}, "north": {}})
    save_summaries(loaded, "response", {"citywide": {"latest_value": 2.0}})
    store = Store(loaded, SYSTEM)
    assert store.summary("response").latest_value == 2.0
    assert store.summary("response", "north") is None


def test_sto009_latest_observations(loaded):
    latest = Store(loaded, SYSTEM).latest_observations().set_index("measure_id")
    assert latest.loc["overtime", "value"] == 3000.0
    assert latest.loc["overtime", "period"] == pd.Timestamp("2025-03-01")
    assert "cleared" not in Store(loaded, PUBLIC).latest_observations()["measure_id"].tolist()


def test_sto010_boundaries_are_geojson_with_geography_ids(loaded):
    boundaries = Store(loaded, PUBLIC).boundaries()
    assert boundaries["type"] == "FeatureCollection"
    assert [f["id"] for f in boundaries["features"]] == ["north", "south"]
    assert boundaries["features"][0]["geometry"] == SQUARE


def test_sto011_citywide_geography_added_with_total_population(loaded):
    store = Store(loaded, SYSTEM)
    assert [g.id for g in store.geographies()] == ["north", "south"]
    citywide = store.geographies(include_citywide=True)[0]
    assert (citywide.id, citywide.population) == ("citywide", 4000)


def test_sto012_reimport_is_idempotent(loaded):
    with loaded.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
    with loaded.connect() as conn:
        assert len(conn.execute(select(Observation)).all()) == len(observations())
    assert len(Store(loaded, SYSTEM).targets("response")) == 1
    assert len(Store(loaded, SYSTEM).annotations("response")) == 2


def test_sto013_migrations_create_every_model_table(engine):
    from data.models import Base

    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_sto014_unknown_role_is_refused():
    with pytest.raises(ValueError):
        Viewer("superuser")


def test_sto015_refresh_stores_the_overviews_digest_and_old_summaries_still_get_one(loaded):
    from sqlalchemy import update

    from analytics.overview import change_digest
    from data.models import MeasureSummary

    summary = {
        "latest_period": "2026-10-01",
        "previous_period": "2026-09-01",
        "latest_value": 9.0,
        "target": {"history": [{"period": "2026-10-01", "status": "missed"}]},
        "control": {"signals": [{"period": "2020-01-01", "rule": "run_of_eight"}]},
        "trend": {"verdict": "worsening", "n": 24, "window_periods": 24},
        "forecast": {"points": list(range(500))},  # the bulk the digest leaves out
    }
    save_summaries(loaded, "response", {"citywide": summary})
    with loaded.connect() as conn:
        stored = conn.execute(select(MeasureSummary.digest)).scalar_one()
    assert stored == change_digest(summary)
    assert "forecast" not in stored and stored["control"]["signals"] == []
    assert Store(loaded, SYSTEM).change_digests() == {"response": change_digest(summary)}
    # Summaries stored before digests were kept (migration 0003) get theirs from the payload.
    with loaded.begin() as conn:
        conn.execute(update(MeasureSummary).values(digest=None))
    assert Store(loaded, SYSTEM).change_digests() == {"response": change_digest(summary)}


def test_sto016_observations_read_from_the_driver_equal_series_and_panel(loaded):
    """The refresh reads a measure through the driver's own rows; it must get what the
    page reads get, typed the same, and nothing the viewer may not see."""
    staff = Store(loaded, SYSTEM)
    for measure_id in ("response", "cleared"):
        read = staff.observations(measure_id)
        assert list(read.columns) == ["geography_id", "period", "value", "numerator", "denominator"]
        citywide = read[read["geography_id"] == "citywide"].drop(columns="geography_id")
        pd.testing.assert_frame_equal(
            citywide.reset_index(drop=True), staff.series(measure_id), check_dtype=True
        )
        panel = read[read["geography_id"] != "citywide"].reset_index(drop=True)
        pd.testing.assert_frame_equal(panel, staff.panel(measure_id), check_dtype=True)
    assert Store(loaded, PUBLIC).observations("cleared").empty
    public = Store(loaded, PUBLIC).observations("response")  # by geography, then period
    assert public["geography_id"].tolist() == ["citywide"] * 3 + ["north"] * 3
    assert public["value"].tolist() == [9.0, 10.0, 11.0, 8.0, 9.0, 10.0]


def test_sto017_observations_keep_key_order_on_sqlite_and_the_migration_keeps_every_row(
    tmp_path,
):
    """Migration 0004 rebuilds SQLite's observation table WITHOUT ROWID: every row, the
    (measure, period) index, the constraints and the cascade on deleting a measure stay."""
    from alembic import command
    from sqlalchemy import delete, func

    from data.db import alembic_config, make_engine
    from data.models import Measure

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    cfg = alembic_config(url)
    command.upgrade(cfg, "0003")
    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
        before = conn.execute(select(Observation).order_by(*Observation.__table__.c)).all()
        assert "WITHOUT ROWID" not in _observation_ddl(conn)
    command.upgrade(cfg, "head")
    with engine.begin() as conn:
        assert "WITHOUT ROWID" in _observation_ddl(conn)
        assert "CHECK (denominator IS NULL OR denominator > 0)" in _observation_ddl(conn)
        after = conn.execute(select(Observation).order_by(*Observation.__table__.c)).all()
        assert after == before and len(after) == len(observations())
        indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("observation")}
        assert indexes["ix_observation_measure_period"] == ["measure_id", "period"]
        conn.execute(delete(Measure).where(Measure.id == "cleared"))
        left = conn.execute(select(func.count()).where(Observation.measure_id == "cleared"))
        assert left.scalar_one() == 0
    command.downgrade(cfg, "0003")
    with engine.connect() as conn:
        assert "WITHOUT ROWID" not in _observation_ddl(conn)
        assert conn.execute(select(func.count()).select_from(Observation)).scalar_one() == len(
            [r for r in before if r.measure_id != "cleared"]
        )
    engine.dispose()


def _observation_ddl(conn) -> str:
    return conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'observation'"
    ).scalar_one()


def test_sto018_a_bulk_transaction_leaves_foreign_keys_to_the_writer_and_restores_them(engine):
    """On SQLite, bulk_transaction switches row-by-row foreign-key checks off for its own
    transaction only; check_references then refuses what refers to nothing, and the
    transaction is rolled back. PostgreSQL refuses the row itself."""
    from sqlalchemy import func
    from sqlalchemy.exc import IntegrityError

    from data.db import bulk_transaction
    from data.writer import check_references

    sqlite = engine.dialect.name == "sqlite"
    with bulk_transaction(engine) as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, observations())
        if sqlite:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 0
        check_references(conn, observations())  # all present: nothing raised
    orphan = observations().head(1).assign(measure_id="no-such-measure", geography_id="nowhere")
    # (PostgreSQL's refusal comes from the driver's COPY path, as psycopg's own error.)
    refused = IntegrityError if sqlite else Exception
    with pytest.raises(refused, match="no-such-measure" if sqlite else "foreign key"):
        with bulk_transaction(engine) as conn:
            upsert_observations(conn, orphan)
            check_references(conn, orphan)
    with engine.connect() as conn:
        if sqlite:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        stored = conn.execute(select(func.count()).select_from(Observation)).scalar_one()
    assert stored == len(observations())
