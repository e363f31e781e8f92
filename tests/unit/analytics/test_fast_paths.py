"""The refresh's fast paths give the same numbers as the plain computations they replace.

``statroom refresh`` must fit a large city in minutes, so a few hot spots compute in bulk
or skip overhead: every neighbourhood's grid at once, the trend run length for several
windows at once, ETS fits that call statsmodels' smoother directly. Each test here pins
one of them to the straightforward computation, exactly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

import analytics.forecast as forecast
from analytics.control import (
    RULES,
    _first_sustained_run,
    _rule_signals,
    _sides,
    xmr,
)
from analytics.control import RUN_LENGTH as RUN
from analytics.ets_kernel import forward_points, smooth_rows
from analytics.periods import positions, regular_panel, regular_values
from analytics.trend import (
    _kruskal_pvalue,
    _sorted_median,
    _window_tests,
    is_seasonal,
    mann_kendall,
    seasonal_flags,
    seasonal_kendall,
    theil_sen,
    trend_summary,
)

FREQ = {"week": "7D", "month": "MS", "quarter": "QS-FEB", "year": "YS-JUL", "day": "D"}


def panel(frequency: str, seed: int = 0, start="2018-02-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    periods = pd.date_range(pd.Timestamp(start), periods=60, freq=FREQ[frequency])
    rows = []
    for g, (first, last) in enumerate([(0, 60), (5, 60), (0, 41), (20, 21), (10, 50)]):
        for k in range(first, last):
            if g == 4 and k % 7 == 0:
                continue  # gaps inside the span
            value = np.nan if (g == 1 and k == 30) else float(rng.normal(10, 2))
            rows.append((f"g{g}", periods[k], value, float(k), 100.0))
    return pd.DataFrame(
        rows, columns=["geography_id", "period", "value", "numerator", "denominator"]
    )


def per_geography(frame: pd.DataFrame, frequency: str) -> dict[str, pd.Series]:
    observed = frame[frame["value"].notna()]
    return {g: regular_values(s, frequency) for g, s in observed.groupby("geography_id")}


def assert_same_grids(fast: dict, slow: dict) -> None:
    assert fast.keys() == slow.keys()
    for gid, expected in slow.items():
        got = fast[gid]
        assert got.index.equals(expected.index), gid
        assert got.index.freq == expected.index.freq, gid
        assert got.index.name == expected.index.name == "period"
        assert got.name == expected.name == "value"
        np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())


@pytest.mark.parametrize("frequency", ["week", "month", "quarter", "year", "day"])
def test_fst001_panel_grids_equal_one_geography_at_a_time(frequency):
    frame = panel(frequency)
    assert_same_grids(regular_panel(frame, frequency), per_geography(frame, frequency))


def test_fst002_panel_grids_fall_back_on_mixed_phases_and_duplicates():
    weeks = panel("week")
    shifted = weeks["geography_id"] == "g2"
    weeks.loc[shifted, "period"] += pd.Timedelta(days=2)  # another weekday
    assert_same_grids(regular_panel(weeks, "week"), per_geography(weeks, "week"))
    months = panel("month")
    twice = pd.concat([months, months.iloc[[3]].assign(value=99.0)], ignore_index=True)
    assert_same_grids(regular_panel(twice, "month"), per_geography(twice, "month"))
    assert regular_panel(months.assign(value=np.nan), "month") == {}


@pytest.mark.parametrize("period,w", [(12, 24), (52, 104), (4, 8), (7, 90), (1, 10), (1, 24)])
def test_fst003_batched_window_tests_equal_the_tests_window_by_window(period, w):
    rng = np.random.default_rng(period * w)
    y = np.round(rng.normal(size=w + 40).cumsum(), 0)  # rounded: plenty of ties
    y[rng.random(len(y)) < 0.15] = np.nan
    backs = np.arange(1, 41)
    s, var, n = _window_tests(y, w, period, backs)
    for k, back in enumerate(backs):
        window = y[len(y) - back - w : len(y) - back]
        test = seasonal_kendall(window, period) if period > 1 else mann_kendall(window)
        assert (s[k], var[k], n[k]) == (test.s, test.var_s, test.n)


def test_fst004_trend_run_length_is_unchanged():
    """The run length, recomputed window by window as the method describes."""
    rng = np.random.default_rng(3)
    y = 50 + 0.4 * np.arange(96) + rng.normal(0, 3, 96)
    series = pd.Series(y, index=pd.date_range("2018-01-01", periods=96, freq="MS"))
    result = trend_summary(series, "month", "higher_is_better", seasonal=False)
    assert result.verdict == "improving"
    run = 1
    for back in range(1, 72):
        test = mann_kendall(y[len(y) - back - 24 : len(y) - back])
        if test.change != "increasing":
            break
        run += 1
    assert result.run_length == run


def test_fst005_theil_sen_interval_matches_the_definition():
    rng = np.random.default_rng(5)
    y = np.round(rng.normal(size=36).cumsum(), 1)
    x = np.arange(36, dtype=float)
    result = theil_sen(y, x, period=12)
    var = 0.0
    for season in range(12):
        ys = y[x % 12 == season]  # positions are distinct: no ties in x
        m = len(ys)
        ties = sum(c * (c - 1) * (2 * c + 5) for c in np.unique(ys, return_counts=True)[1])
        var += (m * (m - 1) * (2 * m + 5) - 0 - ties) / 18.0
    slopes = np.sort([(y[j] - y[i]) / (j - i) for i in range(36) for j in range(i + 12, 36, 12)])
    z = stats.norm.ppf(0.025)
    upper = min(int(np.round((len(slopes) - z * np.sqrt(var)) / 2.0)), len(slopes) - 1)
    assert result.slope == np.median(slopes)
    assert result.ci_high == slopes[upper]


@pytest.mark.parametrize("frequency", ["day", "week", "month", "quarter", "year"])
def test_fst006_positions_count_whole_periods(frequency):
    index = pd.date_range("2001-03-01", periods=30, freq=FREQ[frequency])[[0, 1, 2, 5, 29]]
    step = {"day": 1, "week": 1, "month": 1, "quarter": 3, "year": 12}[frequency]
    if frequency in ("day", "week"):
        expected = np.asarray((index - index[0]).days, dtype=float) / (
            7.0 if frequency == "week" else 1.0
        )
    else:
        months = (index.year - index[0].year) * 12 + (index.month - index[0].month)
        expected = np.asarray(months, dtype=float) / step
    np.testing.assert_array_equal(positions(index, frequency), expected)
    np.testing.assert_array_equal(positions(index.to_numpy(), frequency), expected)


def test_fst007_seasonality_test_is_scipys_kruskal():
    rng = np.random.default_rng(8)
    t = np.arange(72)
    for amplitude in (0.0, 0.5, 3.0):
        y = rng.normal(size=72) + amplitude * np.sin(2 * np.pi * t / 12)
        trend = pd.Series(y).rolling(12, center=True, min_periods=6).mean()
        trend = trend.rolling(2, min_periods=1).mean().shift(-1).to_numpy()
        resid = y - trend
        groups = [resid[(t % 12 == g) & np.isfinite(resid)] for g in range(12)]
        assert is_seasonal(y, 12) == (stats.kruskal(*groups).pvalue < 0.01)


def test_fst008_recent_signal_means_one_of_the_last_three_values():
    values = np.r_[np.full(30, 10.0) + np.tile([0.5, -0.5], 15), 30.0, 10.0, 10.0]
    series = pd.Series(values, index=pd.date_range("2020-01-01", periods=33, freq="MS"))
    chart = xmr(series, "month")
    assert chart.has_recent_signal(3)
    assert not chart.has_recent_signal(2)
    assert chart.has_recent_signal(0)  # every value counts


def _statsmodels_fit(y: np.ndarray, spec: forecast.ETSSpec) -> np.ndarray:
    model = ETSModel(
        pd.Series(y),
        error=spec.error,
        trend=spec.trend,
        damped_trend=spec.damped,
        seasonal=spec.seasonal,
        seasonal_periods=spec.season_length if spec.seasonal else None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=400, return_params=True)


def test_fst009_direct_fit_is_statsmodels_fit_bit_for_bit(monkeypatch):
    """With statsmodels' own L-BFGS memory, the lean fit lands on identical parameters."""
    monkeypatch.setitem(forecast._LBFGS_OPTIONS, "maxcor", 10)
    rng = np.random.default_rng(11)
    t = np.arange(60)
    y = 100 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 60)
    for spec in (
        forecast.ETSSpec("add", None, False, None),
        forecast.ETSSpec("mul", "add", True, None),
        forecast.ETSSpec("add", "add", False, "add", 12),
        forecast.ETSSpec("mul", None, False, "mul", 12),
        forecast.ETSSpec("mul", "mul", False, None),  # no compiled smoother: the Python path
    ):
        fast = forecast._fit_params(forecast._ets_model(y, spec, 12))
        np.testing.assert_array_equal(fast, _statsmodels_fit(y, spec))


def test_fst010_candidates_start_no_worse_than_statsmodels_default():
    rng = np.random.default_rng(12)
    t = np.arange(72)
    y = 50 + 0.3 * t + 6 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1.5, 72)
    fitted = []
    for spec in forecast.candidate_specs(y, 12):
        model = forecast._ets_model(y, spec, 12)
        start = forecast._best_start(model, spec, fitted)
        default = forecast._start_llf(model, np.asarray(model.start_params, dtype=float))
        if start is not None:
            assert forecast._start_llf(model, start) > default
        params = forecast._fit_params(model, start)
        fitted.append((spec, list(model.param_names), np.asarray(params)))
    assert any(
        forecast._best_start(forecast._ets_model(y, s, 12), s, fitted[:i]) is not None
        for i, (s, _, _) in enumerate(fitted)
    )


def test_fst011_results_without_standard_errors_forecast_the_same():
    rng = np.random.default_rng(13)
    y = 20 + rng.normal(0, 1, 48).cumsum() * 0.2 + 5
    spec = forecast.ETSSpec("add", "add", True, None)
    model = forecast._ets_model(y, spec, 1)
    params = forecast._fit_params(model)
    lean = model.smooth(params)
    full = ETSModel(pd.Series(y), error="add", trend="add", damped_trend=True).smooth(params)
    assert np.isnan(lean.cov_params_approx).all()
    assert lean.aicc == full.aicc
    a = lean.get_prediction(start=48, end=55).summary_frame(alpha=0.2)
    b = full.get_prediction(start=48, end=55).summary_frame(alpha=0.2)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("frequency,period", [("month", 12), ("week", 52), ("day", 7)])
def test_fst012_seasonality_of_a_panel_equals_one_series_at_a_time(frequency, period):
    rng = np.random.default_rng(period)
    rows = []
    periods = pd.date_range("2015-01-05", periods=4 * period + 30, freq=FREQ[frequency])
    for g, (first, last) in enumerate([(0, None), (7, None), (0, -9), (3, -2), (20, None)]):
        span = periods[first:last]
        amplitude = (0.0, 1.5, 4.0, 0.3, 2.0)[g]
        t = np.arange(len(span))
        values = (
            100 * (g + 1) + amplitude * np.sin(2 * np.pi * t / period) + rng.normal(size=len(t))
        )
        values[rng.random(len(t)) < 0.05] = np.nan
        rows += [(f"g{g}", p, v) for p, v in zip(span, values, strict=True)]
    frame = pd.DataFrame(rows, columns=["geography_id", "period", "value"])
    grids = regular_panel(frame, frequency)
    flags = seasonal_flags(grids, period)
    assert flags == {gid: is_seasonal(grid.to_numpy(), period) for gid, grid in grids.items()}
    assert set(flags.values()) == {True, False}  # the test sees both kinds


def _plain_rule_signals(values, centre, sigma, lower, upper):
    """Each rule value by value, straight from its definition (the fast path: all at once)."""
    dev, side = values - centre, _sides(values, centre)
    out = []
    for i in range(len(values)):
        hits = []  # (rule, side) in RULES order
        if values[i] > upper or values[i] < lower:
            hits.append(("beyond_limits", "above" if values[i] > upper else "below"))
        windows = [("run_of_eight", None, RUN, RUN)]
        if sigma > 0:
            windows = [("two_of_three_beyond_2sigma", 2.0, 2, 3)]
            windows += [("four_of_five_beyond_1sigma", 1.0, 4, 5), ("run_of_eight", None, RUN, RUN)]
        for rule, zone, need, width in windows:
            for sign, name in ((1, "above"), (-1, "below")):
                window = range(i - width + 1, i + 1)
                if window.start < 0:
                    continue
                hit = [
                    side[k] == sign if zone is None else sign * dev[k] > zone * sigma
                    for k in window
                ]
                if hit[-1] and sum(hit) >= need:
                    hits.append((rule, name))
        if hits:
            out.append((i, tuple(rule for rule, _ in hits), hits[0][1]))
    return out


def _plain_first_sustained_run(values, centre, sigma, start, earliest, min_points):
    """The run search value by value (the fast path finds the runs with numpy)."""
    side, n, i = _sides(values, centre), len(values), start
    while i < n:
        j = i
        while j + 1 < n and side[j + 1] == side[i]:
            j += 1
        r = max(i, earliest)
        if side[i] != 0 and j - i + 1 >= RUN and r <= j and n - r >= min_points:
            later = values[max(r, i + RUN) :][:20]
            if len(later) >= 4 and (np.mean(later) - centre) * side[i] > 3 * sigma / np.sqrt(
                len(later)
            ):
                return r, int(side[i])
        i = j + 1
    return None


def test_fst013_xmr_rules_and_shift_search_equal_the_plain_loops():
    rng = np.random.default_rng(14)
    for trial in range(300):
        n = int(rng.integers(1, 90))
        kind = trial % 4
        if kind == 0:
            values = rng.normal(10, 2, n)
        elif kind == 1:
            values = rng.poisson(2, n).astype(float)  # ties and values on the centre line
        elif kind == 2:
            values = np.r_[rng.normal(10, 1, n // 2), rng.normal(13, 1, n - n // 2)]
        else:
            values = 10 + 0.08 * np.arange(n) + rng.normal(0, 0.5, n)
        centre = float(np.mean(values[:20]))
        sigma = float(rng.choice([0.0, 0.5, 1.5]))
        lower, upper = centre - 3 * sigma, centre + 3 * sigma
        assert _rule_signals(values, centre, sigma, lower, upper) == _plain_rule_signals(
            values, centre, sigma, lower, upper
        )
        start = int(rng.integers(0, max(n, 1)))
        args = (values, centre, max(sigma, 0.1), start, start + 12, 12)
        assert _first_sustained_run(*args) == _plain_first_sustained_run(*args)


def test_fst014_xmr_points_are_built_on_first_read():
    rng = np.random.default_rng(15)
    values = np.r_[rng.normal(10, 1, 40), np.nan, rng.normal(14, 1, 40)]
    series = pd.Series(values, index=pd.date_range("2019-01-01", periods=81, freq="MS"))
    chart = xmr(series, "month")
    assert "points" not in vars(chart)  # nothing built yet: the refresh never reads them
    points = chart.points
    assert list(points["period"]) == list(series.dropna().index)
    assert points["period"].dtype == series.index.dtype
    assert chart.points is points
    assert {s.rule for s in chart.signals} <= set(RULES)


def test_fst015_forecast_bands_are_statsmodels_summary_frames():
    rng = np.random.default_rng(16)
    t = np.arange(72)
    y = 50 + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 72)
    specs = forecast.candidate_specs(y, 12)
    assert {s.error for s in specs} == {"add", "mul"}  # analytic and simulated intervals
    for spec in specs[::3]:
        res = forecast._fit_ets(y, spec, 12)
        bands = forecast._ets_bands(res, 72, 12, seed=4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = res.get_prediction(start=72, end=83, **forecast._sim_kwargs(4))
            frames = {
                level: pred.summary_frame(alpha=alpha) for level, alpha in ((80, 0.2), (95, 0.05))
            }
        np.testing.assert_array_equal(bands["mean"], frames[80]["mean"].to_numpy())
        for level, frame in frames.items():
            np.testing.assert_array_equal(bands[f"lo{level}"], frame["pi_lower"].to_numpy())
            np.testing.assert_array_equal(bands[f"hi{level}"], frame["pi_upper"].to_numpy())


def test_fst016_compiled_smoother_is_statsmodels_smoother_bit_for_bit():
    rng = np.random.default_rng(17)
    t = np.arange(90)
    y = 80 + 0.4 * t + 6 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 90)
    for spec in forecast.candidate_specs(y, 12):  # additive and multiplicative seasons
        model = forecast._ets_model(y, spec, 12)
        bounds = np.array(model._setup_bounds(), dtype=float)
        fixed = bounds[:, 0] == bounds[:, 1]
        fixed_values = np.where(fixed, bounds[:, 0], 0.0)
        start = model._convert_and_bound_start_params(np.asarray(model.start_params))[~fixed]
        rows = np.clip(start * (1 + rng.normal(0, 0.02, (4, len(start)))), *bounds[~fixed].T)
        stars = ("smoothing_trend" not in model.bounds, "smoothing_seasonal" not in model.bounds)
        states = model._k_states_internal
        compiled = np.zeros((4, len(y)))
        smooth_rows(
            rows, y, compiled, np.zeros((len(y), states)), fixed.astype(np.int64),
            fixed_values, *stars, spec.seasonal == "mul",
        )  # fmt: skip
        for row, got in zip(rows, compiled, strict=True):
            expected = np.zeros(len(y))
            model._smoothing_func(
                row.copy(), y, expected, np.zeros((len(y), states)), fixed.astype(np.int64),
                fixed_values, *stars,
            )  # fmt: skip
            np.testing.assert_array_equal(got, expected)


def _forward_steps(x, lower, upper, bounded):
    """scipy's forward-difference steps (``approx_derivative``), in numpy."""
    h = np.full_like(x, forecast._FD_STEP)
    tiny = ((x + h) - x) == 0  # huge |x|: a relative step
    if tiny.any():
        sign = np.where(x >= 0, 1.0, -1.0)
        h[tiny] = (np.finfo(float).eps ** 0.5 * sign * np.maximum(1.0, np.abs(x)))[tiny]
    if bounded:
        lower_dist, upper_dist = x - lower, upper - x
        violated = ((x + h) < lower) | ((x + h) > upper)
        fitting = np.abs(h) <= np.maximum(lower_dist, upper_dist)
        h[violated & fitting] *= -1
        forward = (upper_dist >= lower_dist) & ~fitting
        h[forward] = upper_dist[forward]
        backward = (upper_dist < lower_dist) & ~fitting
        h[backward] = -lower_dist[backward]
    return h


def test_fst017_compiled_gradient_steps_are_scipys_steps():
    rng = np.random.default_rng(18)
    k = 6
    lower = np.array([1e-4, 1e-4, 0.8, -np.inf, -np.inf, 0.0])
    upper = np.array([0.9999, 0.9999, 0.98, np.inf, np.inf, 1e-9])
    for _ in range(200):
        x = np.clip(rng.uniform(-1, 1, k) * rng.choice([1.0, 1e3, 1e12], k), lower, upper)
        on_bound = rng.random(k) < 0.3
        x[on_bound] = np.clip(upper, -1e12, 1e12)[on_bound]
        for bounded in (True, False):
            points, denominators = np.empty((k + 1, k)), np.empty(k)
            forward_points(x, lower, upper, bounded, forecast._FD_STEP, points, denominators)
            h = _forward_steps(x, lower, upper, bounded)
            expected = np.tile(x, (k + 1, 1))
            expected[np.arange(1, k + 1), np.arange(k)] = x + h
            np.testing.assert_array_equal(points, expected)
            np.testing.assert_array_equal(denominators, (x + h) - x)


def test_fst018_kruskal_p_value_is_scipys_bit_for_bit():
    rng = np.random.default_rng(19)
    for trial in range(400):
        groups = []
        for _ in range(int(rng.integers(2, 53))):
            values = rng.normal(size=int(rng.integers(1, 12))) * 10.0 ** rng.integers(-3, 6)
            groups.append(np.round(values, 1) if trial % 3 == 0 else values)  # ties
        assert _kruskal_pvalue(groups) == stats.kruskal(*groups).pvalue


def test_fst019_median_of_sorted_values_is_numpys():
    rng = np.random.default_rng(20)
    for trial in range(2000):
        values = rng.normal(size=int(rng.integers(1, 60))) * 10.0 ** rng.integers(-5, 8)
        values = np.round(values) if trial % 3 == 0 else values  # ties
        assert _sorted_median(np.sort(values)) == np.median(values)


@pytest.mark.parametrize("maxiter", [400, 3])
def test_fst020_lbfgsb_driver_stops_where_scipy_minimize_stops(maxiter):
    """The lean L-BFGS-B loop and ``optimize.minimize`` evaluate the same points and
    stop at the same iterate, bit for bit, converged or cut short by ``maxiter``."""
    from scipy import optimize

    rng = np.random.default_rng(20)
    target = rng.normal(size=6)
    scale = np.linspace(1.0, 30.0, 6)
    lb = np.array([-np.inf, -1.0, 0.0, -np.inf, -0.5, 0.2])
    ub = np.array([np.inf, 1.0, np.inf, 0.3, 0.5, 0.2 + 1e-3])

    def objective(x):
        r = x - target
        return float(np.sum(scale * r**2) + np.sum(np.cos(3 * x))), 2 * scale * r - 3 * np.sin(
            3 * x
        )

    x0 = np.clip(rng.normal(size=6), lb, ub)
    seen_lean, seen_scipy = [], []
    lean = forecast._lbfgsb_minimum(
        lambda x: (seen_lean.append(x.copy()), objective(x))[1], x0, lb, ub, maxiter
    )
    options = {**forecast._LBFGS_OPTIONS, "maxiter": maxiter, "maxfun": forecast._LBFGS_MAXFUN}
    found = optimize.minimize(
        lambda x: (seen_scipy.append(x.copy()), objective(x))[1],
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(lb, ub, strict=True)),
        options=options,
    )
    np.testing.assert_array_equal(lean, found.x)
    assert len(seen_lean) == len(seen_scipy) > 1
    np.testing.assert_array_equal(np.array(seen_lean), np.array(seen_scipy))
    if maxiter == 3:
        assert found.nit == 3 and not found.success  # the limit, not convergence, stopped it


def test_fst021_stored_signals_are_the_charts_signals():
    """The summary writes signals from the chart's positions; they must say what the
    chart's Signal objects say, value for value."""
    from analytics.summary import _control_block

    rng = np.random.default_rng(21)
    weeks = pd.date_range("2016-01-04", periods=520, freq="W-MON")
    values = 50 + 8 * np.sin(2 * np.pi * np.arange(520) / 52) + rng.normal(0, 1, 520)
    values[100] = np.nan  # a gap: positions count observed values, not periods
    chart = xmr(pd.Series(values, index=weeks), "week")
    block = _control_block(chart, "lower_is_better")
    assert len(chart.signals) > 100  # a seasonal weekly series signals a lot
    assert block["signals"] == [
        {
            "period": s.period.date().isoformat(),
            "value": s.value,
            "rule": s.rule,
            "rules": list(s.rules),
            "rule_label": RULES[s.rule],
            "side": s.side,
            "phase": s.phase,
            "favourable": s.side == "below",
        }
        for s in chart.signals
    ]


def test_fst022_rules_of_all_phases_at_once_equal_each_phase_on_its_own():
    """xmr judges every phase's values in one pass, each against its own phase's limits;
    the signals and moving ranges must be those of the phases taken one at a time."""
    rng = np.random.default_rng(22)
    charts = 0
    for _ in range(60):
        steps = rng.choice([0.0, 4.0, -5.0], size=4)
        values = np.concatenate([rng.normal(10 + s, 1.0, int(rng.integers(14, 60))) for s in steps])
        values[rng.random(len(values)) < 0.03] = np.nan
        index = pd.date_range("2015-01-05", periods=len(values), freq="W-MON")
        chart = xmr(pd.Series(values, index=index), "week")
        observed = values[~np.isnan(values)]
        expected, mr = [], []
        bounds = np.cumsum([0] + [p.n for p in chart.phases])
        for k, (phase, s, e) in enumerate(zip(chart.phases, bounds[:-1], bounds[1:], strict=True)):
            plain = _plain_rule_signals(
                observed[s:e], phase.centre, phase.sigma, phase.lower, phase.upper
            )
            expected += [(s + i, rules, side, k) for i, rules, side in plain]
            part = np.abs(np.diff(observed[s:e]))
            adjacent = np.diff(np.flatnonzero(~np.isnan(values))[s:e]) == 1
            mr += [np.nan] + list(np.where(adjacent, part, np.nan))
        assert chart.fired == expected
        np.testing.assert_array_equal(chart.columns["mr"], np.array(mr))
        charts += len(chart.phases) > 1
    assert charts > 20  # most trials have several phases


def test_fst023_json_conversion_by_type_gives_each_kind_of_value_its_json():
    """to_jsonable decides a type's conversion once; every kind of value still gets its own."""
    from dataclasses import dataclass
    from datetime import date, datetime

    from analytics.summary import to_jsonable

    @dataclass
    class Pair:
        left: object
        right: object

    class Label(str):
        pass

    values = {
        "numpy float": np.float64(2.5),
        "numpy nan": np.float32("nan"),
        "numpy int": np.int64(7),
        "numpy bool": np.bool_(True),
        "inf": float("inf"),
        "nat": pd.NaT,
        "timestamp": pd.Timestamp("2026-10-01 13:30"),
        "datetime": datetime(2026, 9, 1, 8),
        "date": date(2026, 8, 1),
        "tuple": (1, np.float64("nan")),
        "array": np.array([1.5, np.inf]),
        "index": pd.Index([3, 4]),
        "frame": pd.DataFrame({"a": [1.0, np.nan]}),
        "dataclass": Pair(np.int32(1), pd.Timestamp("2026-01-01")),
        "label": Label("kept"),
        "other": complex(1, 2),
    }
    for _ in range(2):  # the second time through, every type's conversion is cached
        assert to_jsonable(values) == {
            "numpy float": 2.5,
            "numpy nan": None,
            "numpy int": 7,
            "numpy bool": True,
            "inf": None,
            "nat": None,
            "timestamp": "2026-10-01",
            "datetime": "2026-09-01",
            "date": "2026-08-01",
            "tuple": [1, None],
            "array": [1.5, None],
            "index": [3, 4],
            "frame": [{"a": 1.0}, {"a": None}],
            "dataclass": {"left": 1, "right": "2026-01-01"},
            "label": "kept",
            "other": "(1+2j)",
        }
    assert type(to_jsonable(np.int64(7))) is int and type(to_jsonable(np.bool_(False))) is bool
