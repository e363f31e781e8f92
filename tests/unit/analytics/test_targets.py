"""Target status and the probability of meeting the next target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from analytics.forecast import ForecastResult, forecast_series
from analytics.targets import (
    Target,
    active_target,
    as_targets,
    target_outlook,
    target_status,
    target_statuses,
)

from .conftest import make_series


@pytest.mark.parametrize(
    "value, direction, expected",
    [
        (9.0, "higher_is_better", "met"),
        (8.0, "higher_is_better", "met"),
        (7.6, "higher_is_better", "near"),
        (7.4, "higher_is_better", "missed"),
        (7.0, "lower_is_better", "met"),
        (8.4, "lower_is_better", "near"),
        (8.6, "lower_is_better", "missed"),
        (8.4, "neutral", "met"),
        (7.4, "neutral", "missed"),
    ],
)
def test_tgt001_status_respects_direction(value, direction, expected):
    assert target_status(value, 8.0, 0.5, direction) == expected


def test_tgt002_missing_target_or_value():
    assert target_status(5.0, None, 0.0, "higher_is_better") == "no_target"
    assert target_status(None, 5.0, 0.0, "higher_is_better") == "no_data"


def _targets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2018-01-01", "2019-01-01"]),
            "period_end": pd.to_datetime(["2018-12-31", "2019-12-31"]),
            "value": [10.0, 12.0],
            "tolerance": [1.0, 1.0],
            "label": ["2018", "2019"],
        }
    )


def test_tgt003_time_varying_target():
    targets = as_targets(_targets())
    assert active_target(targets, pd.Timestamp("2018-06-01")).value == 10.0
    assert active_target(targets, pd.Timestamp("2019-06-01")).value == 12.0
    assert active_target(targets, pd.Timestamp("2020-01-01")) is None
    series = make_series([10.5] * 12 + [10.5] * 12 + [10.5] * 2)
    statuses = target_statuses(series, targets, "higher_is_better")["status"]
    assert list(statuses[[0, 12, 24]]) == ["met", "missed", "no_target"]


def _fake_forecast(paths: np.ndarray, start: str, coverage80=0.8, points=24) -> ForecastResult:
    periods = pd.date_range(start, periods=paths.shape[1], freq="MS")
    frame = pd.DataFrame(
        {
            "period": periods,
            "mean": paths.mean(axis=0),
            "lo80": np.percentile(paths, 10, axis=0),
            "hi80": np.percentile(paths, 90, axis=0),
            "lo95": np.percentile(paths, 2.5, axis=0),
            "hi95": np.percentile(paths, 97.5, axis=0),
        }
    )
    return ForecastResult(
        method="ets",
        model="ETS(A,N,N)",
        aicc=1.0,
        horizon=paths.shape[1],
        season_length=12,
        frame=frame,
        coverage80=coverage80,
        coverage95=0.95,
        backtest_points=points,
        paths=paths,
        path_periods=periods,
    )


@pytest.mark.parametrize("direction", ["higher_is_better", "lower_is_better"])
def test_tgt004_probability_is_the_predictive_tail(rng, direction):
    # Paths ~ N(11, 2^2) at every step: P(>= 12) = 1 - Phi(0.5).
    paths = rng.normal(11.0, 2.0, size=(20000, 12))
    history = make_series([11.0] * 12, start="2019-01-01")  # through Dec 2019
    targets = pd.DataFrame(
        {
            "period_start": [pd.Timestamp("2020-01-01")],
            "period_end": [pd.Timestamp("2020-06-30")],
            "value": [12.0],
            "tolerance": [0.5],
            "label": ["H1 2020"],
        }
    )
    outlook = target_outlook(
        history, targets, direction, "month", _fake_forecast(paths, "2020-01-01")
    )
    expected = stats.norm.sf(0.5) if direction == "higher_is_better" else stats.norm.cdf(0.5)
    assert outlook.target_period == pd.Timestamp("2020-06-01")
    assert outlook.periods_ahead == 6
    assert_allclose(outlook.probability, expected, atol=0.01)
    near = stats.norm.sf(0.25) if direction == "higher_is_better" else stats.norm.cdf(0.75)
    assert_allclose(outlook.probability_near, near, atol=0.01)
    assert outlook.calibration == "well_calibrated"
    # Window mean of 6 independent N(11, 4) values: N(11, 4/6).
    window = (
        stats.norm.sf(1 / np.sqrt(4 / 6))
        if direction == "higher_is_better"
        else stats.norm.cdf(1 / np.sqrt(4 / 6))
    )
    assert_allclose(outlook.window_probability, window, atol=0.01)


def test_tgt005_window_probability_counts_observed_periods(rng):
    # Fiscal-year target already half observed at a level far above the target.
    paths = rng.normal(10.0, 0.1, size=(4000, 12))
    history = make_series([20.0] * 6, start="2020-01-01")  # Jan-Jun observed
    targets = pd.DataFrame(
        {
            "period_start": [pd.Timestamp("2020-01-01")],
            "period_end": [pd.Timestamp("2020-12-31")],
            "value": [14.0],
            "tolerance": [0.0],
            "label": ["2020"],
        }
    )
    outlook = target_outlook(
        history, targets, "higher_is_better", "month", _fake_forecast(paths, "2020-07-01")
    )
    assert outlook.probability == 0.0  # December alone: ~10 < 14
    assert outlook.window_probability == 1.0  # the year's mean: ~15 >= 14
    assert outlook.window_observed == 6 and outlook.window_periods == 12


def test_tgt006_no_outlook_reasons(rng):
    history = make_series([1.0] * 12, start="2019-01-01")
    paths = rng.normal(1.0, 0.1, size=(100, 12))
    forecast = _fake_forecast(paths, "2020-01-01")
    none = target_outlook(history, _targets(), "higher_is_better", "month", forecast)
    assert none.probability is None and "no upcoming target" in none.reason
    far = pd.DataFrame(
        {
            "period_start": [pd.Timestamp("2025-01-01")],
            "period_end": [pd.Timestamp("2025-12-31")],
            "value": [1.0],
            "tolerance": [0.0],
            "label": ["far"],
        }
    )
    beyond = target_outlook(history, far, "higher_is_better", "month", forecast)
    assert beyond.probability is None and "horizons ahead" in beyond.reason
    overconfident = _fake_forecast(paths, "2020-01-01", coverage80=0.5)
    assert (
        target_outlook(history, far, "neutral", "month", overconfident).calibration
        == "overconfident"
    )


def test_tgt007_outlook_from_a_real_forecast(rng):
    # A steady level of 100 with noise sd 5, target 100 next December: about a coin flip.
    history = make_series(100 + rng.normal(0, 5, 48), start="2016-01-01")
    target = Target(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-31"), 100.0, 0.0, "")
    forecast = forecast_series(history, "month", path_steps=12, backtest=False)
    outlook = target_outlook(history, [target], "higher_is_better", "month", forecast)
    assert 0.2 < outlook.probability < 0.8
    assert outlook.projected["lo95"] < 100 < outlook.projected["hi95"]
    assert "simulated future paths" in outlook.method
