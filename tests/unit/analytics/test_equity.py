"""Equity statistics: intervals against statsmodels/scipy, aggregation, dispersion, gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from analytics.equity import (
    MIN_COUNT,
    MIN_DENOMINATOR,
    aggregate_citywide,
    coefficient_of_variation,
    equity_summary,
    poisson_exact_interval,
    spread_interval,
    theil_index,
    wilson_interval,
)
from analytics.periods import MeasureMeta

PERCENT = MeasureMeta("percent", 100.0, "higher_is_better", "month", "rate")
RATE = MeasureMeta("rate", 1000.0, "lower_is_better", "month", "rate")
MINUTES = MeasureMeta("minutes", 1.0, "lower_is_better", "month", "mean")
COUNT = MeasureMeta("count", 1.0, "lower_is_better", "month", "sum")


def test_eqt001_wilson_matches_statsmodels():
    successes = np.array([0, 1, 7, 19, 20, 450])
    trials = np.array([20, 20, 20, 20, 20, 1000])
    for alpha in (0.05, 0.2):
        lo, hi = wilson_interval(successes, trials, alpha)
        ref_lo, ref_hi = proportion_confint(successes, trials, alpha=alpha, method="wilson")
        assert_allclose(lo, ref_lo, rtol=1e-10, atol=1e-14)
        assert_allclose(hi, ref_hi, rtol=1e-10)


def test_eqt002_poisson_exact_matches_statsmodels_and_gamma():
    counts = np.array([0, 1, 5, 11, 250])
    lo, hi = poisson_exact_interval(counts)
    for k, got_lo, got_hi in zip(counts, lo, hi, strict=True):
        ref_lo, ref_hi = confint_poisson(k, 1.0, method="exact-c")
        assert_allclose([got_lo, got_hi], [ref_lo, ref_hi], rtol=1e-10, atol=1e-14)
        # Garwood via the gamma distribution, an independent formulation.
        gamma_lo = stats.gamma.ppf(0.025, k) if k > 0 else 0.0
        assert_allclose([got_lo, got_hi], [gamma_lo, stats.gamma.ppf(0.975, k + 1)], rtol=1e-8)


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 5000)), min_size=1, max_size=30),
    scale=st.sampled_from([1.0, 100.0, 1000.0, 100000.0]),
)
def test_eqt003_rate_from_districts_equals_citywide(pairs, scale):
    periods = pd.date_range("2024-01-01", periods=3, freq="MS")
    rows = [
        (f"d{i}", p, num / den * scale, float(num), float(den))
        for p in periods
        for i, (num, den) in enumerate(pairs)
    ]
    panel = pd.DataFrame(
        rows, columns=["geography_id", "period", "value", "numerator", "denominator"]
    )
    city = aggregate_citywide(panel, "rate", scale)
    total_num = sum(n for n, _ in pairs)
    total_den = sum(d for _, d in pairs)
    assert_allclose(city["value"], total_num / total_den * scale, rtol=1e-12)
    assert (city["geographies"] == len(pairs)).all()


@settings(max_examples=80, deadline=None)
@given(
    successes=st.integers(0, 10_000),
    extra=st.integers(0, 10_000),
    alpha=st.sampled_from([0.01, 0.05, 0.2]),
)
def test_eqt004_intervals_contain_the_estimate(successes, extra, alpha):
    trials = successes + extra
    if trials > 0:
        lo, hi = wilson_interval(successes, trials, alpha)
        p = successes / trials
        assert lo - 1e-12 <= p <= hi + 1e-12
        assert 0 <= lo <= hi <= 1
    lo, hi = poisson_exact_interval(successes, alpha)
    assert lo <= successes <= hi


def test_eqt005_theil_index_reference_values():
    assert theil_index([5, 5, 5, 5]) == 0.0
    assert_allclose(theil_index([0, 0, 0, 12]), np.log(4))
    x = np.array([1.0, 2.0, 6.0])
    # Population weights equal repeating each geography's value once per resident.
    assert_allclose(theil_index(x, [1, 2, 3]), theil_index(np.repeat(x, [1, 2, 3])))
    assert theil_index([-1.0, 2.0]) is None


def test_eqt006_cv_matches_scipy():
    x = np.array([3.0, 4.5, 5.0, 9.0])
    assert_allclose(coefficient_of_variation(x), stats.variation(x))


def test_eqt007_spread_interval_formula():
    values = np.array([8.0, 9.0, 8.5, 9.5, 9.0, 8.0])
    expected = stats.t.ppf(0.975, 5) * np.mean(np.abs(np.diff(values))) / 1.128
    assert_allclose(spread_interval(values), expected)
    assert np.isnan(spread_interval([1.0, 2.0, 3.0]))


def test_eqt008_aggregate_mean_weighted_and_sum():
    panel = pd.DataFrame(
        {
            "geography_id": ["a", "b", "a", "b"],
            "period": pd.to_datetime(["2024-01-01"] * 2 + ["2024-02-01"] * 2),
            "value": [6.0, 10.0, 6.0, 10.0],
            "numerator": np.nan,
            "denominator": [30.0, 10.0, np.nan, 10.0],
        }
    )
    mean = aggregate_citywide(panel, "mean")
    assert_allclose(mean["value"], [(6 * 30 + 10 * 10) / 40, 8.0])  # weighted, then plain
    assert_allclose(aggregate_citywide(panel, "sum")["value"], [16.0, 16.0])


def _geographies(n: int, priority: set[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"g{i}" for i in range(n)],
            "name": [f"Area {i}" for i in range(n)],
            "population": [10_000] * n,
            "equity_priority": [i in priority for i in range(n)],
        }
    )


def _proportion_panel(rates: dict[str, float], den: float, periods) -> pd.DataFrame:
    rows = []
    for p in periods:
        for gid, r in rates.items():
            num = round(r * den)
            rows.append((gid, p, num / den * 100, float(num), den))
    return pd.DataFrame(
        rows, columns=["geography_id", "period", "value", "numerator", "denominator"]
    )


def test_eqt009_cross_section_intervals_gaps_and_suppression():
    periods = pd.date_range("2024-01-01", periods=3, freq="MS")
    panel = _proportion_panel({"g0": 0.5, "g1": 0.8, "g2": 0.6}, 200.0, periods)
    small = (panel["geography_id"] == "g2") & (panel["period"] == periods[-1])
    panel.loc[small, ["numerator", "denominator", "value"]] = [6.0, 10.0, 60.0]
    result = equity_summary(panel, _geographies(3, {0}), PERCENT)
    table = result.table.set_index("geography_id")
    assert result.basis.kind == "proportion" and result.basis.interval == "wilson"
    city = (100 + 160 + 6) / 410 * 100
    assert_allclose(result.citywide_value, city)
    ref_lo, ref_hi = proportion_confint(100, 200, alpha=0.05, method="wilson")
    assert_allclose(table.loc["g0", ["lower", "upper"]].astype(float), [ref_lo * 100, ref_hi * 100])
    assert_allclose(table.loc["g1", "gap"], 80 - city)
    assert table.loc["g0", "assessment"] == "worse" and table.loc["g1", "assessment"] == "better"
    # Suppressed, but kept, flagged and left out of the dispersion statistics.
    assert table.loc["g2", "suppressed"]
    assert str(MIN_DENOMINATOR) in table.loc["g2", "suppression_reason"]
    assert result.n_suppressed == 1 and len(table) == 3
    assert_allclose(result.disparity_ratio, 80 / 50)
    assert (result.best_geography, result.worst_geography) == ("g1", "g0")
    assert_allclose(result.cv, stats.variation([50.0, 80.0]))
    # Priority (g0) against the pooled rest (g1 + g2, the suppressed one included).
    pvr = result.priority_vs_rest
    assert_allclose([pvr["priority"], pvr["rest"]], [50.0, 166 / 210 * 100])


def test_eqt010_rate_basis_uses_exact_poisson_and_count_threshold():
    periods = pd.date_range("2024-01-01", periods=2, freq="MS")
    rows = [
        (gid, p, num / 5000 * 1000, num, 5000.0)
        for p in periods
        for gid, num in (("g0", 40.0), ("g1", 8.0), ("g2", 25.0))
    ]
    panel = pd.DataFrame(
        rows, columns=["geography_id", "period", "value", "numerator", "denominator"]
    )
    result = equity_summary(panel, _geographies(3, set()), RATE)
    table = result.table.set_index("geography_id")
    assert result.basis.kind == "rate"
    ref_lo, ref_hi = confint_poisson(40, 5000 / 1000, method="exact-c")
    assert_allclose(table.loc["g0", ["lower", "upper"]].astype(float), [ref_lo, ref_hi])
    assert table.loc["g1", "suppressed"] and str(MIN_COUNT) in table.loc["g1", "suppression_reason"]
    assert result.gap_kind == "max_minus_min"  # nobody flagged as equity priority
    # Lower is better: worst = highest rate.
    assert (result.best_geography, result.worst_geography) == ("g2", "g0")


def test_eqt011_sum_measures_compare_per_capita():
    geos = _geographies(2, {0})
    geos["population"] = [2_000, 8_000]
    panel = pd.DataFrame(
        {
            "geography_id": ["g0", "g1"],
            "period": pd.to_datetime(["2024-01-01"] * 2),
            "value": [40.0, 80.0],
            "numerator": np.nan,
            "denominator": np.nan,
        }
    )
    result = equity_summary(panel, geos, COUNT)
    table = result.table.set_index("geography_id")
    assert result.basis.kind == "per_capita"
    assert_allclose(table["value"], [20.0, 10.0])  # per 1,000 residents
    assert_allclose(result.citywide_value, 120 / 10)


def test_eqt012_narrowing_gap_is_detected(rng):
    periods = pd.date_range("2022-01-01", periods=36, freq="MS")
    rows = []
    for k, p in enumerate(periods):
        gap = 20.0 - 0.5 * k + rng.normal(0, 0.5)
        for gid, level in (("g0", 60.0 + gap), ("g1", 60.0), ("g2", 61.0)):
            rows.append((gid, p, level, np.nan, np.nan))
    panel = pd.DataFrame(
        rows, columns=["geography_id", "period", "value", "numerator", "denominator"]
    )
    result = equity_summary(panel, _geographies(3, {0}), MINUTES)
    assert result.basis.kind == "mean" and result.gap_kind == "priority_minus_rest"
    assert result.gap_verdict == "narrowing"
    assert len(result.gap_series) == 36
    first = result.gap_series.iloc[0]
    assert_allclose(first["gap"], first["priority"] - first["rest"])
    table = result.table.set_index("geography_id")
    assert (table["lower"] <= table["value"]).all() and (table["value"] <= table["upper"]).all()


@pytest.mark.parametrize("meta", [PERCENT, RATE, MINUTES, COUNT])
def test_eqt013_empty_panel_is_reported_not_raised(meta):
    empty = pd.DataFrame(columns=["geography_id", "period", "value", "numerator", "denominator"])
    result = equity_summary(empty, _geographies(2, set()), meta)
    assert result.reason and result.gap_verdict == "insufficient_data"
