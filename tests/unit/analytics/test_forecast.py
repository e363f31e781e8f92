"""Forecast bands against statsmodels, fallbacks, gaps and the backtest arithmetic.

ETS fits are the slow part of the suite: each test fits at most one candidate set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from analytics.forecast import (
    _evaluate,
    backtest_origins,
    candidate_specs,
    contiguous_history,
    forecast_series,
    simple_forecast,
)

from .conftest import make_series


@pytest.fixture(scope="module")
def seasonal_series() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    t = np.arange(72)
    values = 200 + 1.5 * t + 30 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 6, 72)
    return make_series(values)


@pytest.fixture(scope="module")
def seasonal_forecast(seasonal_series):
    return forecast_series(seasonal_series, "month", bounds=(0.0, None), path_steps=18)


def test_fct001_selects_lowest_aicc_candidate(seasonal_series, seasonal_forecast):
    result = seasonal_forecast
    assert result.method == "ets"
    assert len(result.candidates) == len(candidate_specs(seasonal_series["value"].to_numpy(), 12))
    assert result.aicc == min(result.candidates.values())
    assert result.model == min(result.candidates, key=result.candidates.get)
    assert ",A)" in result.model or ",M)" in result.model  # a seasonal model wins


def test_fct002_bands_match_statsmodels(seasonal_series, seasonal_forecast):
    result = seasonal_forecast
    code = result.model[4:-1].split(",")
    spec = {"A": "add", "M": "mul", "N": None}
    model = ETSModel(
        pd.Series(seasonal_series["value"].to_numpy()),
        error=spec[code[0]],
        trend=spec[code[1][0]],
        damped_trend=code[1].endswith("d"),
        seasonal=spec[code[2]],
        seasonal_periods=12 if code[2] != "N" else None,
    )
    # Candidates start from the simpler candidates' optima (warm starts), so the chosen
    # model's maximum may differ a little from statsmodels' own fit from its default start:
    # no worse than it by more than a hair...
    default_fit = model.fit(disp=False, maxiter=400)
    assert result.aicc <= default_fit.aicc + 0.5
    # ...and at our parameters, statsmodels gives our AICc and our bands exactly.
    fit = model.smooth(result.params)
    assert_allclose(fit.aicc, result.aicc, rtol=1e-9)
    # Multiplicative models have simulated intervals: same seed, same draws.
    pred = fit.get_prediction(start=72, end=83, rng=np.random.default_rng(0))
    for alpha, lo, hi in ((0.2, "lo80", "hi80"), (0.05, "lo95", "hi95")):
        ref = pred.summary_frame(alpha=alpha)
        assert_allclose(result.frame["mean"], ref["mean"], rtol=1e-6)
        assert_allclose(result.frame[lo], ref["pi_lower"], rtol=1e-6)
        assert_allclose(result.frame[hi], ref["pi_upper"], rtol=1e-6)


def test_fct003_bands_are_ordered_and_dated(seasonal_forecast):
    f = seasonal_forecast.frame
    assert len(f) == 12
    assert f["period"].iloc[0] == pd.Timestamp("2024-01-01")
    cols = ["lo95", "lo80", "mean", "hi80", "hi95"]
    assert (np.diff(f[cols].to_numpy(), axis=1) >= -1e-9).all()


def test_fct004_backtest_scores_are_stored(seasonal_forecast):
    r = seasonal_forecast
    assert r.backtest_origins == 4 and r.backtest_points == 48
    assert 0 < r.mase < 2
    assert 0 <= r.coverage80 <= r.coverage95 <= 1


def test_fct005_counts_are_clipped_at_zero(rng):
    values = np.abs(rng.normal(1.0, 1.5, 40)) + 0.1
    result = forecast_series(make_series(values), "month", bounds=(0.0, None), backtest=False)
    assert (result.frame[["mean", "lo80", "lo95"]] >= 0).all().all()
    assert result.frame["lo95"].min() == 0.0


def test_fct006_short_and_intermittent_series_fall_back():
    short = forecast_series(make_series([5, 6, 7, 6, 8, 7, 9.0]), "month")
    assert short.method == "naive" and short.aicc is None
    assert any("simple method" in n for n in short.notes)
    sparse = [0, 0, 3, 0, 0, 1, 0, 0, 0, 2, 0, 0, 4, 0, 1, 0, 0, 0, 2, 0.0]
    intermittent = forecast_series(make_series(sparse), "month", bounds=(0.0, None))
    assert intermittent.method in ("naive", "drift", "seasonal_naive")
    assert any("intermittent" in n for n in intermittent.notes)
    too_short = forecast_series(make_series([1.0, 2.0]), "month")
    assert too_short.error and "at least 3" in too_short.error
    assert too_short.frame.empty


def test_fct007_simulated_paths_match_the_bands(seasonal_forecast):
    # The probability of meeting a target comes from the paths: their quantiles must agree
    # with the prediction intervals the chart draws.
    r = seasonal_forecast
    assert r.paths.shape == (2000, 18)
    q10, q90 = np.percentile(r.paths[:, :12], [10, 90], axis=0)
    width = (r.frame["hi80"] - r.frame["lo80"]).to_numpy()
    assert_allclose(q10, r.frame["lo80"], atol=0.1 * width.max())
    assert_allclose(q90, r.frame["hi80"], atol=0.1 * width.max())


def test_fct008_simple_method_intervals_follow_fpp3():
    y = np.array([3.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0])
    out = simple_forecast(y, "naive", 4)
    sigma = np.sqrt(np.mean(np.diff(y) ** 2))
    z80 = stats.norm.ppf(0.9)
    assert_allclose(out["mean"], 9.0)
    assert_allclose(out["hi80"] - out["mean"], z80 * sigma * np.sqrt([1, 2, 3, 4]))
    drift = simple_forecast(y, "drift", 3)
    assert_allclose(drift["mean"], 9.0 + np.array([1, 2, 3]) * (9.0 - 3.0) / 6)
    season = simple_forecast(np.arange(8.0), "seasonal_naive", 6, m=4)
    assert_allclose(season["mean"], [4, 5, 6, 7, 4, 5])


def test_fct009_mase_of_naive_on_a_line():
    # Naive forecasts of y = t miss by h at step h; the in-sample naive MAE is 1,
    # so MASE = mean(1..H) = (H + 1) / 2.
    y = np.arange(40.0)
    origins = backtest_origins(len(y), 6, min_train=2, origins=4)
    assert origins == [25, 28, 31, 34]
    mase, cov80, cov95, used, points = _evaluate(
        y, origins, 6, lambda train, h: simple_forecast(train, "naive", h), m=1
    )
    assert used == 4 and points == 24
    assert_allclose(mase, 3.5)


def test_fct010_gaps_interpolated_or_cut():
    values = np.arange(30.0)
    values[[10, 11]] = np.nan  # short gap: filled
    y, notes = contiguous_history(make_series(values), "month")
    assert len(y) == 30 and np.isfinite(y).all()
    assert_allclose(y.iloc[10:12], [10.0, 11.0])
    values[[20, 21, 22, 23]] = np.nan  # long gap: keep what follows
    y, notes = contiguous_history(make_series(values), "month")
    assert y.index[0] == pd.Timestamp("2018-01-01") + pd.DateOffset(months=24)
    assert len(y) == 6
    assert any("gap" in n for n in notes)


def test_fct011_weekly_series_use_capped_history(rng):
    t = np.arange(420)
    values = 500 + 40 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 10, 420)
    result = forecast_series(make_series(values, "week"), "week", backtest=False)
    assert result.n_train == 260 and result.horizon == 26
    assert result.error is None and np.isfinite(result.frame["mean"]).all()
