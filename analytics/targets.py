"""Targets: status of each value against a time-varying target, and the outlook for the next one.

A target row ``(period_start, period_end, value, tolerance, label)`` says: every period
that starts within ``[period_start, period_end]`` should meet ``value``. ``tolerance``
(in the measure's unit, ≥ 0) is how far on the wrong side still counts as "near".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.forecast import ForecastResult
from analytics.periods import grid_after, regular_series

STATUSES = ("met", "near", "missed", "no_target", "no_data")

#: Backtest coverage of the 80% band counted as well calibrated.
CALIBRATED_80 = (0.70, 0.90)
#: Fewest held-out points before the calibration is judged at all.
MIN_CALIBRATION_POINTS = 12
#: Farthest a probability is computed, in forecast horizons.
MAX_HORIZONS_AHEAD = 3


@dataclass(frozen=True)
class Target:
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    value: float
    tolerance: float
    label: str


@dataclass(frozen=True)
class TargetOutlook:
    """Where the series is heading relative to its next target.

    ``probability`` is P(the value of the target window's last period meets the target);
    ``window_probability`` is P(the average of all the window's period values, observed
    and forecast, meets it). ``projected`` is the forecast of that last period with its
    80%/95% band. ``calibration`` reads the forecast's backtest coverage (see
    :func:`target_outlook`). ``reason`` explains a missing probability.
    """

    target: Target | None
    target_period: pd.Timestamp | None
    periods_ahead: int | None
    projected: dict[str, float] | None
    probability: float | None
    probability_near: float | None
    window_probability: float | None
    window_periods: int
    window_observed: int
    method: str | None
    coverage80: float | None
    coverage95: float | None
    backtest_points: int
    calibration: str
    reason: str | None


def as_targets(frame: pd.DataFrame | None) -> list[Target]:
    """Targets as a list sorted by start date (empty for no frame)."""
    if frame is None or len(frame) == 0:
        return []
    out = []
    for row in frame.itertuples(index=False):
        value = getattr(row, "value", None)
        if value is None or not np.isfinite(float(value)):
            continue
        tol = getattr(row, "tolerance", 0.0)
        tol = 0.0 if tol is None or not np.isfinite(float(tol)) else float(tol)
        out.append(
            Target(
                period_start=pd.Timestamp(row.period_start),
                period_end=pd.Timestamp(row.period_end),
                value=float(value),
                tolerance=tol,
                label=str(getattr(row, "label", "") or ""),
            )
        )
    return sorted(out, key=lambda t: t.period_start)


def active_target(targets: list[Target], period: pd.Timestamp) -> Target | None:
    """The target whose window contains ``period`` (the latest-starting one if several)."""
    period = pd.Timestamp(period)
    hits = [t for t in targets if t.period_start <= period <= t.period_end]
    return hits[-1] if hits else None


def target_status(
    value: float | None, target: float | None, tolerance: float, direction: str
) -> str:
    """``met``, ``near``, ``missed`` or ``no_target`` for one value.

    * higher_is_better: met if ``value ≥ target``; near if ``target - tolerance ≤ value``;
      otherwise missed.
    * lower_is_better: met if ``value ≤ target``; near if ``value ≤ target + tolerance``.
    * neutral (the target is a level to hold): met if ``|value - target| ≤ tolerance``,
      otherwise missed; there is no "near".

    A missing target gives ``no_target``; a missing value under a target gives
    ``no_data``.
    """
    if target is None or not np.isfinite(target):
        return "no_target"
    if value is None or not np.isfinite(value):
        return "no_data"
    if direction == "neutral":
        return "met" if abs(value - target) <= tolerance else "missed"
    gap = value - target if direction == "higher_is_better" else target - value
    if gap >= 0:
        return "met"
    if gap >= -tolerance:
        return "near"
    return "missed"


def target_statuses(
    series: pd.DataFrame, targets: list[Target] | pd.DataFrame, direction: str
) -> pd.DataFrame:
    """Status of every observed value: columns period, value, target, tolerance, status."""
    if isinstance(targets, pd.DataFrame):
        targets = as_targets(targets)
    rows = []
    for period, value in series[["period", "value"]].dropna().itertuples(index=False):
        t = active_target(targets, period)
        status = target_status(value, t.value if t else None, t.tolerance if t else 0.0, direction)
        rows.append(
            (
                pd.Timestamp(period),
                float(value),
                t.value if t else np.nan,
                t.tolerance if t else np.nan,
                status,
            )
        )
    return pd.DataFrame(rows, columns=["period", "value", "target", "tolerance", "status"])


def _meets(values: np.ndarray, target: Target, direction: str, near: bool = False) -> np.ndarray:
    tol = target.tolerance if near else 0.0
    if direction == "neutral":
        return np.abs(values - target.value) <= target.tolerance
    if direction == "higher_is_better":
        return values >= target.value - tol
    return values <= target.value + tol


def _calibration(result: ForecastResult | None) -> str:
    if result is None or result.coverage80 is None:
        return "unknown"
    if result.backtest_points < MIN_CALIBRATION_POINTS:
        return "unknown"
    lo, hi = CALIBRATED_80
    if result.coverage80 < lo:
        return "overconfident"
    if result.coverage80 > hi:
        return "underconfident"
    return "well_calibrated"


def next_target(targets: list[Target], last_period: pd.Timestamp, frequency: str) -> Target | None:
    """The earliest-ending target that still has a period after ``last_period`` to come."""
    following = grid_after(pd.Timestamp(last_period), frequency, 1)[0]
    upcoming = [t for t in targets if t.period_end >= following]
    return min(upcoming, key=lambda t: t.period_end) if upcoming else None


def target_outlook(
    series: pd.DataFrame,
    targets: list[Target] | pd.DataFrame,
    direction: str,
    frequency: str,
    forecast: ForecastResult | None,
) -> TargetOutlook:
    """Projected value and probability of meeting the next target.

    Method
    ------
    The *next target* is the earliest-ending target whose window still contains a period
    after the latest observed one. Its *target period* is the last grid period starting on or before
    ``period_end``.

    * ``projected``: the forecast mean and 80%/95% band for the target period.
    * ``probability``: the share of the forecast's simulated sample paths (2,000; ETS
      ``simulate`` from the fitted model, Gaussian random walks for the simple methods)
      whose value in the target period meets the target (``met``, not counting
      tolerance); ``probability_near`` counts "near" too. This is the forecast's own
      predictive distribution at the target date, so it is only as trustworthy as the
      forecast's bands: ``coverage80``/``coverage95`` from the backtest are reported with
      it, and ``calibration`` is ``well_calibrated`` when the 80% band covered 70–90% of
      at least 12 held-out values, ``overconfident`` below (probabilities too close to
      0 or 1), ``underconfident`` above, ``unknown`` otherwise.
    * ``window_probability``: a target set for a whole window (e.g. a fiscal-year
      average) is judged on the *unweighted mean of the period values in the window*.
      Observed periods enter with their actual values; each sample path fills in the
      rest. For ``rate`` measures this mean of period rates is an approximation of the
      pooled annual rate (future denominators are unknown).

    No probability is given when the target lies more than
    :data:`MAX_HORIZONS_AHEAD` forecast horizons ahead, or when the forecast failed.
    """
    if isinstance(targets, pd.DataFrame):
        targets = as_targets(targets)
    calibration = _calibration(forecast)
    base = {
        "coverage80": forecast.coverage80 if forecast else None,
        "coverage95": forecast.coverage95 if forecast else None,
        "backtest_points": forecast.backtest_points if forecast else 0,
        "calibration": calibration,
        "method": None,
    }
    obs = series.dropna(subset=["value"])
    if obs.empty:
        return _no_outlook(None, "There is no data to project.", **base)
    grid = regular_series(obs, frequency)
    last = grid.index[-1]
    target = next_target(targets, last, frequency)
    if target is None:
        return _no_outlook(None, "There is no upcoming target.", **base)
    if forecast is None or forecast.error or forecast.paths is None:
        reason = forecast.error if forecast and forecast.error else "No forecast is available."
        return _no_outlook(target, reason, **base)
    path_periods = forecast.path_periods
    in_window = path_periods[
        (path_periods >= target.period_start) & (path_periods <= target.period_end)
    ]
    ahead = path_periods[path_periods <= target.period_end]
    needed = steps_to(last, target, frequency)
    if needed == 0 or needed > len(path_periods) or len(in_window) == 0:
        return _no_outlook(
            target,
            f"The target date is more than {MAX_HORIZONS_AHEAD} forecast horizons ahead.",
            **base,
        )
    k = len(ahead) - 1  # index of the target period in the paths
    end_values = forecast.paths[:, k]
    projected = {
        "mean": float(np.mean(end_values)),
        "median": float(np.median(end_values)),
    }
    frame = forecast.frame
    row = frame[frame["period"] == ahead[-1]]
    if len(row):
        for col in ("mean", "lo80", "hi80", "lo95", "hi95"):
            projected[col] = float(row[col].iloc[0])
    else:  # beyond the displayed horizon: use the paths' quantiles
        for col, q in (("lo80", 10), ("hi80", 90), ("lo95", 2.5), ("hi95", 97.5)):
            projected[col] = float(np.percentile(end_values, q))
    p = float(np.mean(_meets(end_values, target, direction)))
    p_near = float(np.mean(_meets(end_values, target, direction, near=True)))

    observed_in_window = grid.loc[
        (grid.index >= target.period_start) & (grid.index <= target.period_end), "value"
    ].dropna()
    idx = [int(np.flatnonzero(path_periods == d)[0]) for d in in_window]
    window_sum = forecast.paths[:, idx].sum(axis=1) + observed_in_window.sum()
    window_n = len(idx) + len(observed_in_window)
    window_p = float(np.mean(_meets(window_sum / window_n, target, direction)))
    method = (
        f"{len(end_values):,} simulated future paths of the "
        f"{forecast.model or forecast.method} forecast"
    )
    base["method"] = method
    return TargetOutlook(
        target=target,
        target_period=ahead[-1],
        periods_ahead=k + 1,
        projected=projected,
        probability=p,
        probability_near=p_near,
        window_probability=window_p,
        window_periods=window_n,
        window_observed=len(observed_in_window),
        reason=None,
        **base,
    )


def _no_outlook(target: Target | None, reason: str, **base) -> TargetOutlook:
    return TargetOutlook(
        target=target,
        target_period=None,
        periods_ahead=None,
        projected=None,
        probability=None,
        probability_near=None,
        window_probability=None,
        window_periods=0,
        window_observed=0,
        reason=reason,
        **base,
    )


def steps_to(last_period: pd.Timestamp, target: Target, frequency: str) -> int:
    """Grid periods from ``last_period`` (exclusive) to the target's last period."""
    count, probe = 0, 64
    while True:
        periods = grid_after(last_period, frequency, probe)
        count = int((periods <= target.period_end).sum())
        if count < probe:
            return count
        probe *= 2
