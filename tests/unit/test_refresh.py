"""``statroom refresh``: every measure summarised, in worker processes or not, never aborted."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

import analytics.summary
from data.cache import read_data_version
from data.db import make_engine, migrate
from data.models import MeasureSummary
from data.refresh import refresh
from data.writer import upsert_observations, write_catalog
from tests.unit.test_store import small_catalog

AS_OF = date(2026, 11, 16)


def monthly_observations() -> pd.DataFrame:
    """Three years of monthly data for the small catalog's measures."""
    rows = []
    for k, period in enumerate(pd.date_range("2023-10-01", periods=36, freq="MS")):
        day = period.date()
        rows += [
            ("response", "citywide", day, 9.0 + (k % 12) / 6, None, None),
            ("response", "north", day, 8.0 + (k % 5) / 3, None, None),
            ("response", "south", day, 10.0 - (k % 7) / 4, None, None),
            ("cleared", "citywide", day, 50.0, 20 + k % 3, 40),
            ("cleared", "north", day, 40.0, 4 + k % 2, 10),
            ("overtime", "citywide", day, 1000.0 + 20 * k, None, None),
        ]
    return pd.DataFrame(
        rows, columns=["measure_id", "geography_id", "period", "value", "numerator", "denominator"]
    )


@pytest.fixture
def city(engine):
    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, monthly_observations())
    return engine


def stored(engine) -> dict[tuple[str, str], dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(MeasureSummary.measure_id, MeasureSummary.geography_id, MeasureSummary.payload)
        ).all()
    return {(m, g): payload for m, g, payload in rows}


def test_ref001_workers_and_a_single_process_store_the_same_summaries(city):
    before = read_data_version(city)
    result = refresh(city, progress=False, as_of=AS_OF, workers=2)
    assert result.measures == 3 and result.failures == {}
    parallel = stored(city)
    assert {g for m, g in parallel if m == "response"} == {"citywide", "north", "south"}
    assert parallel[("response", "citywide")]["forecast"]["method"] == "ets"
    assert read_data_version(city) > before  # app processes drop their cached reads

    refresh(city, progress=False, as_of=AS_OF, workers=1)
    single = stored(city)
    assert single.keys() == parallel.keys()
    for key, payload in parallel.items():
        assert single[key] == payload, key


def test_ref002_one_failing_measure_stores_its_reason_and_the_rest_go_on(city, monkeypatch):
    real = analytics.summary.summarize_measure

    def flaky(meta, *args, **kwargs):
        if meta.name == "Cases cleared":
            raise RuntimeError("disk on fire")
        return real(meta, *args, **kwargs)

    # Worker processes are forked, so they see the patched function too.
    monkeypatch.setattr("data.refresh.summarize_measure", flaky)
    result = refresh(city, progress=False, as_of=AS_OF, workers=2)
    assert result.measures == 3
    assert set(result.failures) == {"cleared"}
    assert "disk on fire" in result.failures["cleared"]
    rows = stored(city)
    assert "disk on fire" in rows[("cleared", "citywide")]["error"]
    assert rows[("response", "citywide")]["trend"] is not None


def test_ref003_a_forecast_that_fails_keeps_the_other_statistics(city, monkeypatch):
    def no_forecast(*args, **kwargs):
        raise ValueError("no convergence")

    monkeypatch.setattr(analytics.summary, "forecast_series", no_forecast)
    result = refresh(city, progress=False, as_of=AS_OF, workers=1, measure_ids=["response"])
    assert "no convergence" in result.failures["response"]
    citywide = stored(city)[("response", "citywide")]
    assert citywide["forecast_error"] and "no convergence" in citywide["forecast_error"]
    assert citywide["trend"] is not None and citywide["control"] is not None


def test_ref004_only_the_named_measures_are_refreshed(city):
    result = refresh(city, progress=False, as_of=AS_OF, measure_ids=["overtime"])
    assert result.measures == 1
    assert {m for m, _ in stored(city)} == {"overtime"}


def test_ref005_an_in_memory_database_is_refreshed_in_process():
    engine = make_engine("sqlite://")
    migrate(engine)
    with engine.begin() as conn:
        write_catalog(conn, small_catalog())
        upsert_observations(conn, monthly_observations())
    result = refresh(engine, progress=False, as_of=AS_OF, workers=2)
    assert result.measures == 3
    assert len(stored(engine)) == 3 * 3  # citywide and both neighbourhoods, per measure


def test_ref006_postgresql_gets_new_statistics_for_the_summaries_only(city):
    """A refresh writes summaries alone, so only their table is analysed again: sampling
    the observations (about a second on a large city) would learn nothing new."""
    from sqlalchemy import text

    if city.dialect.name != "postgresql":
        return  # SQLite's planner needs none (data/db.py)

    def analyses() -> dict[str, int]:
        with city.connect() as conn:
            rows = conn.execute(text("SELECT relname, analyze_count FROM pg_stat_user_tables"))
            return dict(rows.all())

    before = analyses()
    refresh(city, progress=False, as_of=AS_OF, workers=1)
    after = analyses()
    assert after["measure_summary"] == before.get("measure_summary", 0) + 1
    assert after["observation"] == before.get("observation", 0)
