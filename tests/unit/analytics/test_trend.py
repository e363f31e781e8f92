"""Trend statistics against independent implementations (statsmodels, scipy, pymannkendall)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall as pmk
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from analytics.trend import (
    is_seasonal,
    mann_kendall,
    ols_trend,
    period_changes,
    seasonal_kendall,
    theil_sen,
    trend_summary,
    verdict_for,
)

from .conftest import make_series


def test_trd001_ols_matches_statsmodels(rng):
    x = np.arange(40, dtype=float)
    y = 3.0 + 0.2 * x + rng.normal(0, 2, 40)
    y[[5, 17]] = np.nan
    keep = np.isfinite(y)
    ref = sm.OLS(y[keep], sm.add_constant(x[keep])).fit()
    got = ols_trend(y, x)
    assert_allclose(got.slope, ref.params[1], rtol=1e-10)
    assert_allclose(got.intercept, ref.params[0], rtol=1e-10)
    assert_allclose(got.stderr, ref.bse[1], rtol=1e-10)
    assert_allclose(got.p_value, ref.pvalues[1], rtol=1e-8)
    assert_allclose([got.ci_low, got.ci_high], ref.conf_int(alpha=0.05)[1], rtol=1e-10)
    assert_allclose(got.r_squared, ref.rsquared, rtol=1e-10)
    assert got.n == 38


def test_trd002_mann_kendall_matches_pymannkendall(rng):
    y = np.round(rng.normal(0, 1, 50) + 0.02 * np.arange(50), 1)  # rounding creates ties
    y[[3, 30]] = np.nan
    ref = pmk.original_test(y)
    got = mann_kendall(y)
    assert_allclose(
        [got.s, got.var_s, got.z, got.p_value, got.tau],
        [ref.s, ref.var_s, ref.z, ref.p, ref.Tau],
        rtol=1e-9,
    )


def test_trd003_theil_sen_matches_scipy(rng):
    x = np.array([0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20], float)
    y = np.round(1.5 - 0.3 * x + rng.standard_t(3, len(x)), 0)  # heavy tails and ties
    ref = stats.theilslopes(y, x, alpha=0.95)
    got = theil_sen(y, x, alpha=0.05)
    assert_allclose(
        [got.slope, got.intercept, got.ci_low, got.ci_high],
        [ref.slope, ref.intercept, ref.low_slope, ref.high_slope],
        rtol=1e-12,
    )


def test_trd004_kendall_tau_matches_scipy(rng):
    y = rng.normal(0, 1, 30) + 0.05 * np.arange(30)
    ref = stats.kendalltau(np.arange(30), y)
    assert_allclose(mann_kendall(y).tau, ref.statistic, rtol=1e-12)


def test_trd005_seasonal_kendall_matches_pymannkendall(rng):
    months = np.arange(62)
    y = np.round(10 + 3 * np.sin(2 * np.pi * months / 12) + 0.05 * months + rng.normal(0, 1, 62))
    y[[4, 25, 26]] = np.nan
    ref = pmk.seasonal_test(y, period=12)
    got = seasonal_kendall(y, 12)
    assert_allclose(
        [got.s, got.var_s, got.z, got.p_value, got.tau],
        [ref.s, ref.var_s, ref.z, ref.p, ref.Tau],
        rtol=1e-9,
    )


def test_trd015_seasonal_kendall_with_many_ties_matches_pymannkendall(rng):
    # Small counts: most seasons have tied values, which change the variance.
    counts = rng.poisson(2.0, 130).astype(float)
    counts[rng.random(130) < 0.1] = np.nan
    for period in (4, 12, 52):
        ref = pmk.seasonal_test(counts, period=period)
        got = seasonal_kendall(counts, period)
        assert_allclose([got.s, got.var_s, got.p_value], [ref.s, ref.var_s, ref.p], rtol=1e-9)


def test_trd006_seasonal_sen_slope_matches_pymannkendall(rng):
    months = np.arange(60)
    y = 10 + 3 * np.sin(2 * np.pi * months / 12) + 0.08 * months + rng.normal(0, 0.5, 60)
    # pymannkendall gives the slope per cycle (12 periods); ours is per period.
    ref = pmk.seasonal_sens_slope(y, period=12).slope / 12
    assert_allclose(theil_sen(y, period=12).slope, ref, rtol=1e-12)


@pytest.mark.parametrize(
    "direction, rising, expected",
    [
        ("higher_is_better", True, "improving"),
        ("higher_is_better", False, "worsening"),
        ("lower_is_better", True, "worsening"),
        ("lower_is_better", False, "improving"),
        ("neutral", True, "increasing"),
        ("neutral", False, "decreasing"),
    ],
)
def test_trd007_verdict_respects_direction(rng, direction, rising, expected):
    slope = 0.5 if rising else -0.5
    series = make_series(50 + slope * np.arange(36) + rng.normal(0, 1, 36))
    result = trend_summary(series, "month", direction)
    assert result.verdict == expected
    assert result.window_periods == 24 and result.n == 24


def test_trd008_flat_noise_is_no_significant_change():
    # A fixed, trendless pattern: Kendall's S over the window is exactly zero.
    series = make_series(np.tile([5.0, 7.0, 6.0, 4.0], 9))
    result = trend_summary(series, "month", "higher_is_better")
    assert result.verdict == "no_significant_change"
    assert verdict_for("none", "lower_is_better") == "no_significant_change"


def test_trd009_insufficient_data_has_reason():
    series = make_series([1, 2, 3, 4, 5, 6, 7.0])
    result = trend_summary(series, "month", "higher_is_better")
    assert result.verdict == "insufficient_data"
    assert "at least 8" in result.reason
    # Seven values in the window even when the series is long but mostly missing.
    values = np.full(40, np.nan)
    values[-7:] = np.arange(7)
    assert trend_summary(make_series(values), "month", "neutral").verdict == "insufficient_data"


def test_trd010_seasonality_detection(rng):
    months = np.arange(72)
    seasonal = 10 + 4 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 1, 72)
    noise = 10 + rng.normal(0, 1, 72)
    assert is_seasonal(seasonal, 12)
    assert not is_seasonal(noise, 12)
    assert not is_seasonal(seasonal[:30], 12)  # fewer than three cycles
    result = trend_summary(make_series(seasonal), "month", "higher_is_better")
    assert result.test == "seasonal_kendall" and result.seasonal


def test_trd011_run_length_counts_consecutive_same_verdicts(rng):
    # Flat for four years, then a steady climb for two.
    values = np.r_[
        10 + rng.normal(0, 0.5, 48), 10 + 0.3 * np.arange(1, 25) + rng.normal(0, 0.5, 24)
    ]
    series = make_series(values)
    result = trend_summary(series, "month", "higher_is_better")
    assert result.verdict == "improving"
    # Independent check: recompute the verdict as of each earlier month.
    expected = 0
    for back in range(len(values)):
        past = trend_summary(series.iloc[: len(values) - back], "month", "higher_is_better")
        if past.verdict != "improving":
            break
        expected += 1
    assert result.run_length == expected
    assert 1 < result.run_length < 24


def test_trd012_period_changes_previous_and_last_year():
    values = np.arange(1, 26, dtype=float)
    series = make_series(values, start="2024-01-01")  # last period 2026-01
    changes = period_changes(series, "month", "lower_is_better")
    assert changes.latest_period == pd.Timestamp("2026-01-01")
    assert changes.vs_previous.value == 24 and changes.vs_previous.absolute == 1
    assert changes.vs_previous.assessment == "worse"
    assert changes.vs_last_year.period == pd.Timestamp("2025-01-01")
    assert changes.vs_last_year.value == 13
    assert_allclose(changes.vs_last_year.relative, 12 / 13)
    # A missing previous period is not bridged.
    gappy = series.drop(index=23)
    assert period_changes(gappy, "month", "neutral").vs_previous.value is None


def test_trd013_slopes_use_grid_positions_across_gaps():
    # A perfect line with two missing months: the slope stays exact per period.
    series = make_series(2.0 + 0.5 * np.arange(30)).drop(index=[20, 21])
    result = trend_summary(series, "month", "higher_is_better")
    assert_allclose(result.ols.slope, 0.5)
    assert_allclose(result.theil_sen.slope, 0.5)
    assert_allclose(result.slope_per_year, 6.0)


@settings(max_examples=25, deadline=None)
@given(
    level=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    n=st.integers(8, 60),
)
def test_trd014_constant_series_has_zero_slope(level, n):
    result = trend_summary(make_series(np.full(n, level)), "month", "higher_is_better")
    assert result.verdict == "no_significant_change"
    assert result.kendall.s == 0
    assert result.theil_sen.slope == 0
    assert_allclose(result.ols.slope, 0, atol=1e-9 * max(1, abs(level)))
