"""The demo city: deterministic, realistic and internally consistent (``pytest -k dem``)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from data import demo
from data.demo import DEFAULT_SEED, build_demo_city, default_as_of, load_demo, write_demo_city
from data.models import (
    AGGREGATIONS,
    CITYWIDE,
    DIRECTIONS,
    FREQUENCIES,
    UNITS,
    ActionItem,
    ActionStatusChange,
    AgendaItem,
    Annotation,
    Geography,
    ImportLog,
    Measure,
    Meeting,
    MeetingNote,
    Observation,
    Target,
    measure_scale,
)

AS_OF = date(2025, 11, 1)
PERIODS_PER_YEAR = {"week": 52, "month": 12, "quarter": 4}
STEP = {
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
}


@pytest.fixture(scope="module")
def city():
    return build_demo_city(as_of=AS_OF)


@pytest.fixture(scope="module")
def measures(city):
    return {m.id: m for m in city.catalog.measures}


@pytest.fixture(scope="module")
def citywide(city):
    obs = city.observations
    return obs[obs["geography_id"] == CITYWIDE].assign(
        measure_id=lambda f: f["measure_id"].astype(str)
    )


def _digest(city) -> str:
    hashed = pd.util.hash_pandas_object(city.observations, index=True).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def _series(citywide, measure_id):
    return citywide[citywide["measure_id"] == measure_id].sort_values("period")


def _status(value, target, tolerance, direction):
    gap = value - target if direction == "higher_is_better" else target - value
    return "met" if gap >= 0 else "near" if gap >= -tolerance else "missed"


# -- determinism --------------------------------------------------------------------------------


def test_dem001_same_seed_same_city(city):
    again = build_demo_city(as_of=AS_OF)
    pd.testing.assert_frame_equal(again.observations, city.observations, check_exact=True)
    assert _digest(again) == _digest(city)
    assert again.catalog == city.catalog
    assert again.meetings == city.meetings
    assert again.actions == city.actions


def test_dem002_seed_and_as_of_change_the_city(city):
    other = build_demo_city(seed=DEFAULT_SEED + 1, as_of=AS_OF)
    assert _digest(other) != _digest(city)
    later = build_demo_city(as_of=date(2025, 12, 1))
    monthly = later.observations[later.observations["measure_id"] == "violent-crime-rate"]
    assert monthly["period"].max() == pd.Timestamp("2025-11-01")
    assert default_as_of(date(2025, 11, 22)) == date(2025, 11, 17)  # that week's Monday
    assert default_as_of(date(2025, 11, 17)) == date(2025, 11, 17)


# -- catalog ----------------------------------------------------------------------------------


def test_dem003_catalog_meets_the_minimums(city):
    catalog = city.catalog
    assert {a.id for a in catalog.areas} >= {
        "public-safety",
        "infrastructure",
        "health",
        "housing",
        "environment",
        "customer-service",
    }
    assert len(catalog.measures) >= 36
    assert len({m.id for m in catalog.measures}) == len(catalog.measures)
    frequencies = Counter(m.frequency for m in catalog.measures)
    assert frequencies["week"] >= 4 and frequencies["quarter"] >= 4
    assert frequencies["month"] > len(catalog.measures) / 2
    assert {"count", "rate", "percent", "minutes", "days", "currency"} <= {
        m.unit for m in catalog.measures
    }
    public = sum(m.is_public for m in catalog.measures) / len(catalog.measures)
    assert 0.5 <= public <= 0.7
    assert any(m.direction == "neutral" for m in catalog.measures)
    area_ids = {a.id for a in catalog.areas}
    for m in catalog.measures:
        assert m.area_id in area_ids
        assert m.unit in UNITS and m.direction in DIRECTIONS
        assert m.frequency in FREQUENCIES and m.aggregation in AGGREGATIONS
        assert m.department and m.owner and m.description and m.methodology and m.data_source
        assert m.update_lag_days > 0
        assert (m.unit == "rate") == (m.rate_per is not None)
    assert catalog.fiscal_year_start_month == 7


def test_dem004_neighborhoods_are_real_polygons(city):
    hoods = city.catalog.geographies
    assert len(hoods) == 58
    assert CITYWIDE not in {g.id for g in hoods}
    assert "sample data" in city.catalog.boundaries_note
    for g in hoods:
        assert g.kind == "neighborhood"
        assert g.population and 5_000 < g.population < 100_000
        assert g.geometry["type"] in ("Polygon", "MultiPolygon")
        assert g.attributes["median_household_income"] > 0
        coords = np.array([p for poly in _polygons(g.geometry) for ring in poly for p in ring])
        assert np.array_equal(coords, np.round(coords, 5))
        assert -74 < coords[:, 0].min() and coords[:, 1].max() < 46
    equity = [g for g in hoods if g.equity_priority]
    assert 0.2 <= len(equity) / len(hoods) <= 0.3
    # Equity priority follows the attribute it is documented to follow: lowest income.
    incomes = sorted(g.attributes["median_household_income"] for g in hoods)
    assert max(g.attributes["median_household_income"] for g in equity) <= incomes[len(equity)]


def _polygons(geometry):
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


# -- observations -----------------------------------------------------------------------------


def test_dem005_eight_years_of_current_history(city, measures, citywide):
    assert city.observations["period"].max() < pd.Timestamp(AS_OF)
    first = citywide.groupby("measure_id")["period"].min()
    last = citywide.groupby("measure_id")["period"].max()
    long = [mid for mid in measures if first[mid] <= pd.Timestamp(AS_OF) - pd.DateOffset(years=8)]
    assert len(long) >= len(measures) - 1  # one program started later
    monthly = [mid for mid, m in measures.items() if m.frequency == "month"]
    assert (last[monthly] == pd.Timestamp("2025-10-01")).sum() >= len(monthly) - 1
    assert len(_series(citywide, "violent-crime-rate")) == 96
    # Periods are named by their first day: Mondays, firsts of months, calendar quarters.
    for mid, m in measures.items():
        periods = _series(citywide, mid)["period"]
        if m.frequency == "week":
            assert (periods.dt.day_of_week == 0).all(), mid
        else:
            assert (periods.dt.day == 1).all(), mid
        if m.frequency == "quarter":
            assert periods.dt.month.isin([1, 4, 7, 10]).all(), mid


def test_dem006_citywide_is_built_from_neighborhoods(city, measures, citywide):
    obs = city.observations
    hoods = obs[obs["geography_id"] != CITYWIDE].assign(
        measure_id=lambda f: f["measure_id"].astype(str)
    )
    sums = hoods.groupby(["measure_id", "period"])[["value", "numerator", "denominator"]].sum(
        min_count=1
    )
    city_rows = citywide.set_index(["measure_id", "period"])
    with_hoods = set(sums.index.get_level_values(0))
    assert len(with_hoods) >= 28
    for mid, m in measures.items():
        rows = city_rows.loc[mid]
        if mid not in with_hoods:
            continue
        parts = sums.loc[mid]
        assert rows.index.equals(parts.index), mid
        if m.aggregation == "sum":
            np.testing.assert_allclose(rows["value"], parts["value"], rtol=1e-12, err_msg=mid)
            continue
        np.testing.assert_allclose(rows["numerator"], parts["numerator"], rtol=1e-12)
        np.testing.assert_allclose(rows["denominator"], parts["denominator"], rtol=1e-12)
        expected = parts["numerator"] / parts["denominator"] * measure_scale(m.unit, m.rate_per)
        np.testing.assert_allclose(rows["value"], expected, rtol=1e-12, err_msg=mid)


def test_dem007_values_are_plausible(city, measures):
    obs = city.observations.assign(measure_id=lambda f: f["measure_id"].astype(str))
    assert (obs["value"] >= 0).all()
    assert obs["value"].notna().all()
    assert (obs["denominator"].dropna() > 0).all()
    for mid, rows in obs.groupby("measure_id"):
        m = measures[mid]
        if m.unit == "percent":
            assert rows["value"].between(0, 100).all(), mid
        if m.unit in ("rate", "percent") and mid != "recycling-diversion-rate":
            whole = rows[["numerator", "denominator"]].to_numpy()
            assert np.array_equal(whole, np.round(whole)), f"{mid}: counts are whole numbers"
        if m.aggregation == "sum" and m.decimals == 0:
            assert np.array_equal(rows["value"], np.round(rows["value"])), mid


def test_dem008_exactly_two_stale_measures(measures, citywide):
    stale = set()
    for mid, last in citywide.groupby("measure_id")["period"].max().items():
        m = measures[mid]
        next_end = last + 2 * STEP[m.frequency] - timedelta(days=1)
        if next_end + timedelta(days=m.update_lag_days) < pd.Timestamp(AS_OF):
            stale.add(mid)
    assert stale == {"illegal-dumping", "low-birth-weight"}


def test_dem009_outage_and_missing_periods(city, measures, citywide):
    outages = [a for a in city.catalog.annotations if a.measure_id is None]
    assert len(outages) == 1 and outages[0].end_date is not None
    start, end = pd.Timestamp(outages[0].start_date), pd.Timestamp(outages[0].end_date)
    dark, gaps = [], []
    for mid, m in measures.items():
        periods = _series(citywide, mid)["period"]
        if m.frequency == "month" and periods.between(start, end).sum() == 0:
            if (periods < start).any() and (periods > end).any():
                dark.append(mid)
        expected = pd.date_range(periods.min(), periods.max(), freq=STEP[m.frequency])
        if len(expected) > len(periods):
            gaps.append(mid)
    assert len(dark) >= 5
    assert "violent-crime-rate" not in dark
    assert len(set(gaps) - set(dark)) >= 2  # gaps other than the outage


def test_dem010_level_shifts_are_real_and_annotated(city, measures, citywide):
    shifts = [a for a in city.catalog.annotations if a.measure_id is not None]
    assert len(shifts) >= 5
    for a in shifts:
        m = measures[a.measure_id]
        n = PERIODS_PER_YEAR[m.frequency]
        series = _series(citywide, a.measure_id)
        before = series[series["period"] < pd.Timestamp(a.start_date)]["value"].tail(n)
        after = series[series["period"] >= pd.Timestamp(a.start_date)]["value"].head(n)
        change = after.mean() / before.mean() - 1
        assert abs(change) >= 0.08, f"{a.measure_id}: {a.label} changed only {change:.1%}"


def test_dem011_seasonality(citywide):
    def by_month(mid, months):
        series = _series(citywide, mid)
        return series[series["period"].dt.month.isin(months)]["value"].mean()

    assert by_month("pothole-reports", [2, 3, 4]) > 1.5 * by_month("pothole-reports", [8, 9, 10])
    assert by_month("violent-crime-rate", [6, 7, 8]) > 1.15 * by_month(
        "violent-crime-rate", [12, 1, 2]
    )
    assert by_month("flu-vaccinations", [10, 11]) > 4 * by_month("flu-vaccinations", [5, 6])


def test_dem012_equity_gaps_narrow_and_widen(city, measures):
    equity = {g.id: g.equity_priority for g in city.catalog.geographies}
    population = {g.id: g.population for g in city.catalog.geographies}
    obs = city.observations
    hoods = obs[obs["geography_id"] != CITYWIDE].assign(
        measure_id=lambda f: f["measure_id"].astype(str),
        equity=lambda f: f["geography_id"].astype(str).map(equity),
        people=lambda f: f["geography_id"].astype(str).map(population),
    )

    def gap(rows):
        if measures[rows["measure_id"].iloc[0]].aggregation == "sum":
            totals = rows.groupby("equity")[["value", "people"]].sum()
            level = totals["value"] / totals["people"]
        else:
            totals = rows.groupby("equity")[["numerator", "denominator"]].sum()
            level = totals["numerator"] / totals["denominator"]
        return abs(np.log(level[True] / level[False]))

    changes = {}
    for mid, rows in hoods.groupby("measure_id"):
        periods = np.sort(rows["period"].unique())
        n = 2 * PERIODS_PER_YEAR[measures[mid].frequency]
        first = gap(rows[rows["period"].isin(periods[:n])])
        last = gap(rows[rows["period"].isin(periods[-n:])])
        if first >= 0.25:  # a clear gap to begin with: smaller ones are mostly noise
            changes[mid] = last / first - 1
    assert sum(c <= -0.2 for c in changes.values()) >= 3, changes
    assert sum(c >= 0.2 for c in changes.values()) >= 3, changes
    violent = hoods[hoods["measure_id"] == "violent-crime-rate"]
    rates = violent.groupby("equity")[["numerator", "denominator"]].sum()
    assert (rates["numerator"] / rates["denominator"])[True] > 1.5 * (
        rates["numerator"] / rates["denominator"]
    )[False]


def test_dem013_fiscal_year_targets(city, measures, citywide):
    targets = pd.DataFrame([t.__dict__ for t in city.catalog.targets])
    assert (targets["period_start"].map(lambda d: (d.month, d.day)) == (7, 1)).all()
    assert (targets["period_end"].map(lambda d: (d.month, d.day)) == (6, 30)).all()
    assert (targets["tolerance"] > 0).all()
    assert date(2026, 6, 30) in set(targets["period_end"])  # the current fiscal year
    statuses = Counter()
    for mid, rows in targets.groupby("measure_id"):
        m = measures[mid]
        values = rows.sort_values("period_start")["value"].to_numpy()
        steps = np.diff(values) * (1 if m.direction == "higher_is_better" else -1)
        assert (steps >= 0).all() and (steps > 0).any(), f"{mid}: targets tighten"
        latest = _series(citywide, mid).iloc[-1]
        current = rows[
            (rows["period_start"] <= latest["period"].date())
            & (rows["period_end"] >= latest["period"].date())
        ].iloc[0]
        statuses[_status(latest["value"], current["value"], current["tolerance"], m.direction)] += 1
    assert min(statuses["met"], statuses["near"], statuses["missed"]) >= 3, statuses
    with_target = set(targets["measure_id"])
    assert not any(measures[mid].direction == "neutral" for mid in with_target)
    assert (
        sum(m.direction != "neutral" and mid not in with_target for mid, m in measures.items()) >= 2
    )


# -- meetings ---------------------------------------------------------------------------------


def test_dem014_meetings_and_actions_tell_a_story(city, measures):
    held = [m for m in city.meetings if m.status == "held"]
    scheduled = [m for m in city.meetings if m.status == "scheduled"]
    assert len(held) == 2 and len(scheduled) == 1
    assert scheduled[0].scheduled_for.date() > AS_OF
    followup_days = []
    for m in held:
        assert m.memo_sent_at < m.scheduled_for < m.followup_sent_at
        assert m.notes and m.agenda
        followup_days.append((m.followup_sent_at - m.scheduled_for).days)
    assert min(followup_days) <= 2 < max(followup_days)  # one follow-up went out late

    actions = {a.key: a for a in city.actions}
    for m in city.meetings:
        for item in m.agenda:
            assert item.measure_id is None or item.measure_id in measures
            assert item.action_key is None or item.action_key in actions
    overdue = [
        a for a in city.actions if a.status in ("open", "in_progress") and a.due_date < AS_OF
    ]
    on_time = [a for a in city.actions if a.status == "done" and a.completed_at <= a.due_date]
    late = [a for a in city.actions if a.status == "done" and a.completed_at > a.due_date]
    assert overdue and on_time and late
    for a in city.actions:
        assert a.measure_id in measures
        assert a.history[0].old_status is None and a.history[-1].new_status == a.status
        times = [h.changed_at for h in a.history]
        assert times == sorted(times) and times[-1].date() <= AS_OF


# -- writing ----------------------------------------------------------------------------------


def _count(conn, model, *where):
    return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_dem015_load_demo_writes_everything(engine, city):
    seen = []
    written = load_demo(engine, progress=seen.append, as_of=AS_OF)
    assert written == len(city.observations) == sum(seen)
    meeting_annotations = sum(len(m.annotations) for m in city.meetings)
    with engine.connect() as conn:
        assert _count(conn, Observation) == written
        assert _count(conn, Measure) == len(city.catalog.measures)
        assert _count(conn, Geography) == len(city.catalog.geographies) + 1
        assert _count(conn, Target) == len(city.catalog.targets)
        assert _count(conn, Annotation, Annotation.source == "catalog") == len(
            city.catalog.annotations
        )
        assert _count(conn, Annotation, Annotation.source == "meeting") == meeting_annotations
        assert _count(conn, Meeting) == 3
        assert _count(conn, AgendaItem) == sum(len(m.agenda) for m in city.meetings)
        assert _count(conn, MeetingNote) == sum(len(m.notes) for m in city.meetings)
        assert _count(conn, ActionItem) == len(city.actions)
        assert _count(conn, ActionStatusChange) == sum(len(a.history) for a in city.actions)
        assert _count(conn, AgendaItem, AgendaItem.action_item_id.is_not(None)) >= 2
        log = conn.execute(select(ImportLog)).one()
        assert (log.source, log.user, log.outcome) == ("demo city", "statroom demo", "success")
        assert log.rows_written == written
        stored = conn.execute(
            select(Observation.value).where(
                Observation.measure_id == "ems-response-time",
                Observation.geography_id == CITYWIDE,
                Observation.period == date(2025, 10, 1),
            )
        ).scalar_one()
    expected = _series(
        city.observations[city.observations["geography_id"] == CITYWIDE], "ems-response-time"
    )["value"].iloc[-1]
    assert stored == pytest.approx(expected, rel=1e-12)


def test_dem016_write_is_all_or_nothing(engine, city, monkeypatch):
    small = replace(city, observations=city.observations.head(500))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "_write_meetings", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        write_demo_city(engine, small)
    with engine.connect() as conn:
        for model in (Measure, Observation, Meeting, ImportLog):
            assert _count(conn, model) == 0, model.__tablename__


# -- the large city ---------------------------------------------------------------------------


def test_dem017_large_city_for_benchmarks():
    large = build_demo_city("large", as_of=AS_OF)
    catalog = large.catalog
    assert len(catalog.measures) >= 800
    assert len(catalog.geographies) >= 60
    assert all(g.geometry and g.population for g in catalog.geographies)
    halves = [g for g in catalog.geographies if "split_from" in g.attributes]
    assert halves and all("half" in g.name for g in halves)
    assert len(large.observations) > 5_000_000
    assert {m.frequency for m in catalog.measures} >= {"month", "week"}
    monthly = large.observations[large.observations["measure_id"] == "violent-crime-rate"]
    assert monthly["period"].nunique() == 120
