"""Trend statistics: OLS and Theil–Sen slopes, (seasonal) Mann–Kendall tests, verdicts.

The verdict a page shows ("improving", "worsening"...) comes from a Mann–Kendall test on
a recent window of the series (a seasonal Kendall test when the series is seasonal), read
against the measure's direction. Slopes are in the measure's unit per period; positions
are period numbers on the regular grid, so gaps keep their place in time.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from analytics.periods import (
    periods_per_year,
    positions,
    regular_values,
    same_period_last_year,
    season_length,
    trend_window,
)

#: Fewest non-missing values in the window for any verdict.
MIN_TREND_POINTS = 8
#: Significance level of the trend tests.
ALPHA = 0.05
#: Significance level of the Kruskal–Wallis test that decides whether a series is seasonal.
SEASONALITY_ALPHA = 0.01

VERDICTS = (
    "improving",
    "worsening",
    "increasing",
    "decreasing",
    "no_significant_change",
    "insufficient_data",
)


@dataclass(frozen=True)
class OLSTrend:
    """Least-squares line ``value = intercept + slope * t`` with ``t`` in periods."""

    slope: float
    intercept: float
    stderr: float
    ci_low: float
    ci_high: float
    p_value: float
    r_squared: float
    n: int


@dataclass(frozen=True)
class TheilSen:
    """Median of pairwise slopes with Sen's (1968) rank-based confidence interval."""

    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    n: int
    seasonal: bool = False


@dataclass(frozen=True)
class KendallTest:
    """Mann–Kendall statistic ``S``, its variance, normal score and two-sided p-value."""

    s: float
    var_s: float
    z: float
    p_value: float
    tau: float
    n: int
    seasonal: bool = False
    period: int = 1

    @property
    def change(self) -> str:
        """``"increasing"``, ``"decreasing"`` or ``"none"`` at :data:`ALPHA`."""
        return _change(self.s, self.p_value, ALPHA)


@dataclass(frozen=True)
class TrendResult:
    """Everything the trend panel shows. ``verdict`` is the headline."""

    verdict: str
    change: str | None
    test: str | None
    seasonal: bool
    season_length: int
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    window_periods: int
    n: int
    alpha: float
    ols: OLSTrend | None
    theil_sen: TheilSen | None
    kendall: KendallTest | None
    slope_per_year: float | None
    run_length: int | None
    run_length_capped: bool
    reason: str | None = None


@dataclass(frozen=True)
class PeriodChange:
    """The latest value against one comparison period."""

    period: pd.Timestamp | None
    value: float | None
    absolute: float | None
    relative: float | None
    assessment: str | None


@dataclass(frozen=True)
class Changes:
    latest_period: pd.Timestamp | None
    latest_value: float | None
    vs_previous: PeriodChange
    vs_last_year: PeriodChange


# -- building blocks ------------------------------------------------------------------


def _xy(y, x=None) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    x = np.arange(len(y), dtype=float) if x is None else np.asarray(x, dtype=float)
    if x.shape != y.shape:
        raise ValueError("x and y must have the same length")
    keep = np.isfinite(y) & np.isfinite(x)
    return x[keep], y[keep]


def ols_trend(y, x=None, *, alpha: float = ALPHA) -> OLSTrend:
    r"""Ordinary least-squares trend line.

    Fits :math:`y_t = a + b t + \varepsilon_t` and tests :math:`b = 0` with the usual
    :math:`t` statistic on :math:`n-2` degrees of freedom. The :math:`(1-\alpha)`
    confidence interval is :math:`\hat b \pm t_{1-\alpha/2,\,n-2}\,\mathrm{se}(\hat b)`,
    :math:`\mathrm{se}(\hat b)^2 = \hat\sigma^2 / \sum (t - \bar t)^2`. Missing values
    are dropped. Reference: Draper & Smith, *Applied Regression Analysis* (3rd ed.,
    1998), ch. 1.

    Parameters
    ----------
    y : array_like
        Values; NaN are skipped.
    x : array_like, optional
        Positions in periods (default ``0..n-1``).
    alpha : float
        One minus the confidence level.
    """
    x, y = _xy(y, x)
    n = len(y)
    nan = float("nan")
    if n < 3 or np.ptp(x) == 0:
        return OLSTrend(nan, nan, nan, nan, nan, nan, nan, n)
    xm, ym = x.mean(), y.mean()
    sxx = np.sum((x - xm) ** 2)
    slope = np.sum((x - xm) * (y - ym)) / sxx
    intercept = ym - slope * xm
    resid = y - intercept - slope * x
    sse = float(np.sum(resid**2))
    sst = float(np.sum((y - ym) ** 2))
    dof = n - 2
    stderr = float(np.sqrt(sse / dof / sxx))
    tcrit = _t_ppf(1 - alpha / 2, dof)
    if stderr > 0:
        p = float(2 * special.stdtr(dof, -(abs(slope) / stderr)))  # = stats.t.sf, sans overhead
    else:
        p = 0.0 if slope != 0 else 1.0
    r2 = 1 - sse / sst if sst > 0 else 0.0
    return OLSTrend(
        slope=float(slope),
        intercept=float(intercept),
        stderr=stderr,
        ci_low=float(slope - tcrit * stderr),
        ci_high=float(slope + tcrit * stderr),
        p_value=p,
        r_squared=float(r2),
        n=n,
    )


def _tie_term(values: np.ndarray) -> float:
    _, counts = np.unique(values, return_counts=True)
    counts = counts[counts > 1].astype(float)
    return float(np.sum(counts * (counts - 1) * (2 * counts + 5)))


def _column_tie_term(ordered: np.ndarray) -> float:
    """:func:`_tie_term` summed over the columns of a column-sorted table (NaN last)."""
    equal = ordered[1:] == ordered[:-1]
    if not equal.any():
        return 0.0
    rows, cols = ordered.shape
    starts = np.vstack([np.ones((1, cols), dtype=bool), ~equal])
    group = np.cumsum(starts, axis=0) - 1 + np.arange(cols) * rows
    counts = np.bincount(group[np.isfinite(ordered)]).astype(float)
    counts = counts[counts > 1]
    return float(np.sum(counts * (counts - 1) * (2 * counts + 5)))


def _season_tie_terms(values: np.ndarray, groups: np.ndarray, seasons: np.ndarray) -> np.ndarray:
    """:func:`_tie_term` of the values of each season in ``seasons`` (sorted group ids)."""
    order = np.lexsort((values, groups))
    v, g = values[order], groups[order]
    same = (v[1:] == v[:-1]) & (g[1:] == g[:-1])
    if not same.any():
        return np.zeros(len(seasons))
    run = np.cumsum(np.r_[True, ~same]) - 1  # id of each run of equal values in a season
    counts = np.bincount(run).astype(float)
    run_season = np.searchsorted(seasons, g[np.r_[True, ~same]])
    out = np.zeros(len(seasons))
    np.add.at(out, run_season, counts * (counts - 1) * (2 * counts + 5))
    return out


@functools.lru_cache(maxsize=64)
def _norm_ppf(q: float) -> float:
    return float(stats.norm.ppf(q))


@functools.lru_cache(maxsize=1024)
def _t_ppf(q: float, dof: int) -> float:
    return float(stats.t.ppf(q, dof))


def _kendall_var(n: int, ties: float) -> float:
    return (n * (n - 1) * (2 * n + 5) - ties) / 18.0


def _season_groups(n: int, period: int | None) -> np.ndarray:
    if period is None or period <= 1:
        return np.zeros(n, dtype=int)
    return np.arange(n) % period


def _sorted_median(ordered: np.ndarray) -> np.float64:
    """``np.median`` of a sorted, finite, non-empty array (the middle value, or the mean
    of the middle two, computed as np.median computes it)."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def theil_sen(y, x=None, *, alpha: float = ALPHA, period: int | None = None) -> TheilSen:
    r"""Theil–Sen slope (median of pairwise slopes) with Sen's confidence interval.

    The slope is the median of :math:`(y_j - y_i)/(x_j - x_i)` over all pairs with
    :math:`x_j > x_i`; the intercept is :math:`\mathrm{med}(y) - \hat b\,\mathrm{med}(x)`.
    The :math:`(1-\alpha)` interval takes the sorted slopes at ranks
    :math:`(N \mp z_{1-\alpha/2}\sqrt{\mathrm{Var}\,S})/2`, where ``Var S`` is the
    Mann–Kendall variance corrected for ties in ``x`` and ``y`` (Sen 1968, eq. 2.6; the
    same construction as :func:`scipy.stats.theilslopes`).

    With ``period`` set, only pairs in the same season (same position modulo
    ``period``) are used and ``Var S`` is the sum of the per-season variances: the
    seasonal Kendall slope of Hirsch, Slack & Smith (1982). The slope is still per
    period.

    References
    ----------
    Theil, H. (1950). A rank-invariant method of linear and polynomial regression analysis.
    Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau.
    *JASA* 63, 1379–1389.
    Hirsch, R. M., Slack, J. R., Smith, R. A. (1982). Techniques of trend analysis for
    monthly water quality data. *Water Resources Research* 18(1), 107–121.
    """
    y_all = np.asarray(y, dtype=float)
    x_all = np.arange(len(y_all), dtype=float) if x is None else np.asarray(x, dtype=float)
    groups_all = _season_groups(len(y_all), period)
    keep = np.isfinite(y_all) & np.isfinite(x_all)
    y_, x_, g_ = y_all[keep], x_all[keep], groups_all[keep]
    nan = float("nan")
    seasonal = bool(period and period > 1)
    if len(y_) < 2:
        return TheilSen(nan, nan, nan, nan, len(y_), seasonal)
    dx = x_[None, :] - x_[:, None]
    dy = y_[None, :] - y_[:, None]
    same = g_[None, :] == g_[:, None]
    mask = (dx > 0) & same
    slopes = np.sort(dy[mask] / dx[mask])
    if slopes.size == 0:
        return TheilSen(nan, nan, nan, nan, len(y_), seasonal)
    slope = float(_sorted_median(slopes))
    intercept = float(_sorted_median(np.sort(y_)) - slope * _sorted_median(np.sort(x_)))
    seasons, sizes = np.unique(g_, return_counts=True)
    tx, ty = _season_tie_terms(x_, g_, seasons), _season_tie_terms(y_, g_, seasons)
    var = 0.0
    for m, tie_x, tie_y in zip(sizes.tolist(), tx.tolist(), ty.tolist(), strict=True):
        var += (m * (m - 1) * (2 * m + 5) - tie_x - tie_y) / 18.0
    z = _norm_ppf(alpha / 2)
    nt = len(slopes)
    sigma = np.sqrt(var)
    upper = min(int(np.round((nt - z * sigma) / 2.0)), nt - 1)
    lower = max(int(np.round((nt + z * sigma) / 2.0)) - 1, 0)
    return TheilSen(slope, intercept, float(slopes[lower]), float(slopes[upper]), len(y_), seasonal)


def _mk_parts(y: np.ndarray) -> tuple[float, float, int]:
    y = y[np.isfinite(y)]
    n = len(y)
    if n < 2:
        return 0.0, 0.0, n
    s = float(np.sum(np.sign(y[None, :] - y[:, None])[np.triu_indices(n, 1)]))
    return s, _kendall_var(n, _tie_term(y)), n


def _z_p(s: float, var_s: float) -> tuple[float, float]:
    if var_s <= 0:
        return 0.0, 1.0
    z = (s - np.sign(s)) / np.sqrt(var_s)
    return float(z), math.erfc(abs(z) / math.sqrt(2))  # two-sided normal p-value


def mann_kendall(y) -> KendallTest:
    r"""Mann–Kendall test for a monotonic trend.

    :math:`S = \sum_{i<j} \operatorname{sgn}(y_j - y_i)`, with variance
    :math:`[n(n-1)(2n+5) - \sum_t t(t-1)(2t+5)]/18` (``t`` = sizes of groups of tied
    values), continuity-corrected score :math:`z = (S - \operatorname{sgn} S)/\sqrt{\mathrm{Var}\,S}`
    and two-sided normal p-value. ``tau = S / (n(n-1)/2)``. Missing values are skipped.

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. *Econometrica* 13, 245–259.
    Kendall, M. G. (1975). *Rank Correlation Methods*, 4th ed. Griffin.
    Gilbert, R. O. (1987). *Statistical Methods for Environmental Pollution Monitoring*,
    ch. 16.
    """
    s, var_s, n = _mk_parts(np.asarray(y, dtype=float))
    z, p = _z_p(s, var_s)
    tau = s / (0.5 * n * (n - 1)) if n > 1 else float("nan")
    return KendallTest(s, var_s, z, p, tau, n, seasonal=False, period=1)


def seasonal_kendall(y, period: int) -> KendallTest:
    r"""Seasonal Kendall test (Hirsch, Slack & Smith 1982; Hirsch & Slack 1984).

    The series is split into ``period`` seasons by position (element ``i`` belongs to
    season ``i mod period``, so pass a series on its regular grid). A Mann–Kendall
    statistic is computed within each season and :math:`S = \sum_g S_g`,
    :math:`\mathrm{Var}\,S = \sum_g \mathrm{Var}\,S_g`; ``z`` and ``p`` as in
    :func:`mann_kendall`. ``tau = S / \sum_g n_g(n_g-1)/2``. The test compares each
    season only with itself, so regular seasonal swings are not mistaken for a trend.
    It does not correct for serial correlation between seasons.
    """
    y = np.asarray(y, dtype=float)
    cycles = -(-len(y) // period)
    grid = np.full(cycles * period, np.nan)
    grid[: len(y)] = y
    table = grid.reshape(cycles, period)  # rows: cycles, columns: seasons
    finite = np.isfinite(table)
    n_g = finite.sum(axis=0).astype(float)
    upper = np.triu(np.ones((cycles, cycles), dtype=bool), 1)
    diff = table[None, :, :] - table[:, None, :]  # [i, j, g] = y[j, g] - y[i, g]
    s = float(np.nansum(np.sign(diff[upper])))
    ties = _column_tie_term(np.sort(table, axis=0))
    var_s = float(np.sum(n_g * (n_g - 1) * (2 * n_g + 5)) - ties) / 18.0
    pairs = float(np.sum(0.5 * n_g * (n_g - 1)))
    z, p = _z_p(s, var_s)
    tau = s / pairs if pairs > 0 else float("nan")
    return KendallTest(s, var_s, z, p, tau, int(n_g.sum()), seasonal=True, period=period)


def is_seasonal(y, period: int, *, alpha: float = SEASONALITY_ALPHA) -> bool:
    """Whether a regular series has a seasonal pattern worth modelling.

    Requires at least three full cycles. The series is detrended by a centred moving
    average of one cycle (a 2×m moving average when ``period`` is even, as in classical
    decomposition), and a Kruskal–Wallis test compares the detrended values across the
    ``period`` seasons; the series is seasonal when ``p < alpha`` (default 0.01).

    Reference: Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.),
    §3.4 (classical decomposition); Kruskal & Wallis (1952), *JASA* 47, 583–621.
    """
    values = np.asarray(y, dtype=float)
    if period <= 1 or np.count_nonzero(~np.isnan(values)) < 3 * period:
        return False
    return _seasonal_test(values, _cycle_trend(pd.DataFrame(values), period)[:, 0], period, alpha)


def _cycle_trend(frame: pd.DataFrame, period: int) -> np.ndarray:
    """The centred moving average of one cycle of each column (before the final shift of
    the 2×m average): columns are computed one by one with pandas' own running sums."""
    if period % 2 == 0:
        trend = frame.rolling(period, center=True, min_periods=period // 2).mean()
        return trend.rolling(2, min_periods=1).mean().to_numpy()
    return frame.rolling(period, center=True, min_periods=period // 2 + 1).mean().to_numpy()


def _seasonal_test(values: np.ndarray, trend: np.ndarray, period: int, alpha: float) -> bool:
    if period % 2 == 0:
        trend = np.append(trend[1:], np.nan)  # the 2×m average's .shift(-1)
    resid = values - trend
    seasons = np.arange(len(values)) % period
    finite = np.isfinite(resid)
    groups = [resid[(seasons == g) & finite] for g in range(period)]
    groups = [g for g in groups if len(g) >= 2]
    if len(groups) < 2 or np.ptp(np.concatenate(groups)) == 0:
        return False
    return bool(_kruskal_pvalue(groups) < alpha)


def seasonal_flags(
    grids: dict[str, pd.Series], period: int, *, alpha: float = SEASONALITY_ALPHA
) -> dict[str, bool]:
    """:func:`is_seasonal` of many regular series at once (the neighbourhoods of a measure).

    When the series are stretches of one regular grid (as
    :func:`analytics.periods.regular_panel` gives them), their moving averages are
    computed in one pass over a table with a column per series. A column's values
    outside its stretch are missing, and pandas skips missing values in its running sums,
    so each column gets exactly the numbers it would alone (the first value of a 2×m
    average lies before the stretch, and its window holds fewer than m/2 values, so it
    stays missing there too). Otherwise each series is tested on its own.
    """
    if period <= 1 or not grids:
        return {gid: is_seasonal(g.to_numpy(), period, alpha=alpha) for gid, g in grids.items()}
    frame = pd.DataFrame(grids)
    spans = {}
    for gid, grid in grids.items():
        first = frame.index.get_indexer(grid.index[:1])[0] if len(grid) else -1
        if first < 0 or not frame.index[first : first + len(grid)].equals(grid.index):
            return {gid: is_seasonal(g.to_numpy(), period, alpha=alpha) for gid, g in grids.items()}
        spans[gid] = first
    trends = _cycle_trend(frame, period)
    flags = {}
    for j, (gid, grid) in enumerate(grids.items()):
        values = grid.to_numpy(dtype=float)
        if np.count_nonzero(~np.isnan(values)) < 3 * period:
            flags[gid] = False
            continue
        first = spans[gid]
        trend = trends[first : first + len(values), j]
        flags[gid] = _seasonal_test(values, trend, period, alpha)
    return flags


def _kruskal_pvalue(groups: list[np.ndarray]) -> float:
    """The p-value of ``scipy.stats.kruskal(*groups)`` for non-empty, finite 1-D float
    groups.

    scipy's own steps (average ranks with tie counts as its ``_rankdata`` gives them, the
    tie correction, the sum over groups, the chi-squared survival function), in the same
    order, so the same bits, without its array-API and nan-policy layers, which cost
    several times the test for the short groups of a monthly series.
    """
    sizes = [len(g) for g in groups]
    total = sum(sizes)
    values = np.concatenate(groups)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.concatenate(([True], ordered[:-1] != ordered[1:]))
    first = np.flatnonzero(starts)
    counts = np.diff(first, append=total)
    average = (first + 1).astype(float) + (counts.astype(float) - 1) / 2
    ranked = np.empty(total)
    ranked[order] = np.repeat(average, counts)
    ties = np.zeros(total)
    ties[starts] = counts
    correction = 1 - np.sum(ties**3 - ties) / (total**3 - total)
    # Rank sums are sums of halves, exact in any order; the groups' terms are then added
    # one after another, as scipy's sum() does.
    rank_sums = np.add.reduceat(ranked, np.cumsum([0, *sizes[:-1]]))
    ssbn = sum((rank_sums**2 / np.asarray(sizes)).tolist())
    h = 12.0 / (total * (total + 1)) * ssbn - 3 * (total + 1)
    h /= correction
    return float(special.chdtrc(float(len(groups) - 1), h))


def _change(s: float, p: float, alpha: float) -> str:
    if p < alpha and s > 0:
        return "increasing"
    if p < alpha and s < 0:
        return "decreasing"
    return "none"


def verdict_for(change: str, direction: str) -> str:
    """Read a change (``increasing``/``decreasing``/``none``) against a direction.

    ``higher_is_better``: increasing → improving, decreasing → worsening;
    ``lower_is_better``: the reverse; ``neutral``: ``increasing``/``decreasing``.
    No significant change → ``no_significant_change``.
    """
    if change == "none":
        return "no_significant_change"
    if direction == "neutral":
        return change
    up_is_good = direction == "higher_is_better"
    good = (change == "increasing") == up_is_good
    return "improving" if good else "worsening"


# -- the headline trend ------------------------------------------------------------------


def _window_verdict_s(values: np.ndarray, period: int) -> tuple[float, float, int]:
    test = seasonal_kendall(values, period) if period > 1 else mann_kendall(values)
    return test.s, test.p_value, test.n


def _tie_terms(ordered: np.ndarray) -> np.ndarray:
    """:func:`_tie_term` of each column of a column-sorted table (NaN last)."""
    rows, cols = ordered.shape
    out = np.zeros(cols)
    equal = ordered[1:] == ordered[:-1]
    if not equal.any():
        return out
    starts = np.vstack([np.ones((1, cols), dtype=bool), ~equal])
    group = np.cumsum(starts, axis=0) - 1 + np.arange(cols) * rows
    finite = np.isfinite(ordered)
    counts = np.bincount(group[finite], minlength=rows * cols).astype(float)
    owner = np.arange(rows * cols) // rows
    np.add.at(out, owner, counts * (counts - 1) * (2 * counts + 5))
    return out


def _run_length(
    y: np.ndarray,
    w: int,
    period: int,
    limit: int,
    min_points: int,
    alpha: float,
    direction: str,
    verdict: str,
) -> tuple[int, bool]:
    """Step 5 of :func:`trend_summary`: ``(run_length, capped)``.

    The same test, window by window, as the method describes; the windows are evaluated
    in batches of growing size (12, 24, 48…) and a window's significance is decided by
    comparing its score with the critical value, calling ``erfc`` only near it, so the
    verdicts are exactly those of :func:`_z_p`.
    """
    backs = max(0, min(limit - 1, len(y) - w))  # windows that start within the series
    verdicts = {c: verdict_for(c, direction) for c in ("increasing", "decreasing", "none")}
    tail = y[len(y) - backs - w :] if backs else y  # every window lies in the last values
    pairs = _pair_sums(tail, period, w) if backs else None
    run, back, batch = 1, 1, 12
    while back < limit:
        if back > backs:  # this window would start before the series
            return run, True
        last = min(backs, back + batch - 1)
        s, var, n = _window_tests(tail, w, period, np.arange(back, last + 1), pairs)
        change = np.where(_significant(s, var, alpha), np.sign(s), 0.0)
        same = np.array(
            [verdicts[_CHANGE_NAMES[c]] == verdict for c in change.tolist()], dtype=bool
        )
        stop = np.flatnonzero((n < min_points) | ~same)
        if stop.size:
            return run + int(stop[0]), False
        run += last - back + 1
        back, batch = last + 1, batch * 2
    return run, True


_CHANGE_NAMES = {1.0: "increasing", -1.0: "decreasing", 0.0: "none"}


def _significant(s: np.ndarray, var: np.ndarray, alpha: float) -> np.ndarray:
    """``_z_p(s, var)[1] < alpha`` for arrays, exactly: ``erfc`` is monotone, so only
    scores within a hair of the critical value need it evaluated."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    absz = np.abs(z)
    critical = math.sqrt(2) * float(special.erfcinv(alpha))
    out = absz > critical * (1 + 1e-9)
    near = np.flatnonzero(np.abs(absz - critical) <= critical * 1e-9)
    for i in near:
        out[i] = _z_p(float(s[i]), float(var[i]))[1] < alpha
    return out


def _window_tests(
    y: np.ndarray,
    w: int,
    period: int,
    backs: np.ndarray,
    pairs: list[tuple[int, np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``S``, ``Var S`` and ``n`` of the trend test on the windows of ``w`` values ending
    ``backs`` periods before the end of ``y``: what :func:`seasonal_kendall` (``period >
    1``) or :func:`mann_kendall` give one window at a time, for several windows at once.
    ``pairs`` is :func:`_pair_sums` of ``y`` (computed here when not given). Every
    quantity is a sum of integers, so it is exact whatever the order of summation."""
    ends = len(y) - np.asarray(backs)
    starts = ends - w
    windows = y[starts[:, None] + np.arange(w)]  # row k: y[end_k - w : end_k]
    count = len(ends)
    pairs = _pair_sums(y, period, w) if pairs is None else pairs
    # S sums the pairs (i, i + lag) inside [start, end): those with start <= i < end - lag.
    s = np.zeros(count)
    for lag, running in pairs:
        s += running[ends - lag] - running[starts]
    finite = np.isfinite(windows)
    n = finite.sum(axis=1)
    if period > 1:
        cycles = -(-w // period)
        padded = np.full((count, cycles * period), np.nan)
        padded[:, :w] = windows
        tables = padded.reshape(count, cycles, period)  # [window, cycle, season]
        n_g = np.isfinite(tables).sum(axis=1).astype(float)
        ordered = np.sort(tables, axis=1).transpose(1, 0, 2).reshape(cycles, -1)
        ties = _tie_terms(ordered).reshape(count, period).sum(axis=1)
        var = (np.sum(n_g * (n_g - 1) * (2 * n_g + 5), axis=1) - ties) / 18.0
        return s, var, n
    ties = _tie_terms(np.sort(windows, axis=1).T)
    nf = n.astype(float)
    var = (nf * (nf - 1) * (2 * nf + 5) - ties) / 18.0
    var[n < 2] = 0.0
    s[n < 2] = 0.0
    return s, var, n


def _pair_sums(y: np.ndarray, period: int, w: int | None = None) -> list[tuple[int, np.ndarray]]:
    """Running sums of ``sign(y[i + lag] - y[i])`` for each lag a trend test on windows
    of ``w`` values compares (multiples of ``period`` when seasonal; every lag
    otherwise); pairs with a missing value count 0. Entry ``k`` of a lag's array sums
    the pairs that start before ``k``."""
    w = len(y) if w is None else w
    step = period if period > 1 else 1
    out = []
    for lag in range(step, min(w, len(y)), step):
        with np.errstate(invalid="ignore"):
            signs = np.sign(y[lag:] - y[:-lag])
        signs[np.isnan(signs)] = 0.0
        out.append((lag, np.concatenate([[0.0], np.cumsum(signs)])))
    return out


def trend_summary(
    series: pd.DataFrame | pd.Series,
    frequency: str,
    direction: str,
    *,
    window: int | None = None,
    alpha: float = ALPHA,
    min_points: int = MIN_TREND_POINTS,
    seasonal: bool | None = None,
    max_run_periods: int | None = None,
) -> TrendResult:
    """Trend of a series over its recent window, with a direction-aware verdict.

    Method
    ------
    1. The series is put on its regular grid (:func:`analytics.periods.regular_values`).
    2. The window is the last ``window`` grid periods (default
       :func:`analytics.periods.trend_window`: 24 months, 104 weeks, 8 quarters,
       90 days, 10 years). NaN values in it are skipped by every statistic.
    3. Seasonality is decided on the whole series with :func:`is_seasonal`. A seasonal
       series is tested with :func:`seasonal_kendall` and its slope is the seasonal Sen
       slope; others with :func:`mann_kendall` and the ordinary Theil–Sen slope. A seasonal
       test needs two full cycles in the window; otherwise the plain test is used.
    4. With fewer than ``min_points`` (8) values in the window the verdict is
       ``insufficient_data``. Otherwise a test significant at ``alpha`` (0.05) gives
       ``increasing`` or ``decreasing``, read through :func:`verdict_for`.
    5. ``run_length`` counts the consecutive most recent period ends (the current one
       included) at which the same test on the window ending there gave the same verdict:
       "improving for 6 months" means the 24-month test has said "improving" at each of
       the last 6 month ends. It stops at the first different verdict or when the window
       no longer has enough data; ``run_length_capped`` is True when it stopped because
       the history ran out (a full window is no longer available) or it reached
       ``max_run_periods`` (default three windows), so the run may be longer.

    The OLS line (:func:`ols_trend`) is reported alongside for reference; the verdict does
    not use it, because the rank-based tests are robust to outliers and skew.
    """
    grid = regular_values(series, frequency)
    y = grid.to_numpy(dtype=float)
    idx = grid.index
    m = season_length(frequency)
    w = window or trend_window(frequency)
    if seasonal is None:
        seasonal = m > 1 and is_seasonal(y, m)
    use_seasonal = bool(seasonal and m > 1 and w >= 2 * m)
    period = m if use_seasonal else 1
    test_name = "seasonal_kendall" if use_seasonal else "mann_kendall"
    yw = y[-w:]
    n = int(np.isfinite(yw).sum())
    stamps = idx.to_numpy()  # Timestamps boxed from it: indexing the index costs more
    start = pd.Timestamp(stamps[-len(yw)]) if len(yw) else None
    end = pd.Timestamp(stamps[-1]) if len(idx) else None
    if n < min_points:
        return TrendResult(
            verdict="insufficient_data",
            change=None,
            test=None,
            seasonal=bool(seasonal),
            season_length=m,
            window_start=start,
            window_end=end,
            window_periods=len(yw),
            n=n,
            alpha=alpha,
            ols=None,
            theil_sen=None,
            kendall=None,
            slope_per_year=None,
            run_length=None,
            run_length_capped=False,
            reason=f"The trend needs at least {min_points} values in the last {w} "
            f"periods; there are {n}.",
        )
    # Align seasons with the calendar: position 0 of the window is season 0.
    x = positions(stamps[-len(yw) :], frequency)
    kendall = seasonal_kendall(yw, period) if use_seasonal else mann_kendall(yw)
    sen = theil_sen(yw, x, alpha=alpha, period=period if use_seasonal else None)
    ols = ols_trend(yw, x, alpha=alpha)
    change = _change(kendall.s, kendall.p_value, alpha)
    verdict = verdict_for(change, direction)

    limit = 3 * w if max_run_periods is None else max_run_periods
    run, capped = _run_length(y, w, period, limit, min_points, alpha, direction, verdict)
    return TrendResult(
        verdict=verdict,
        change=change,
        test=test_name,
        seasonal=bool(seasonal),
        season_length=m,
        window_start=start,
        window_end=end,
        window_periods=len(yw),
        n=n,
        alpha=alpha,
        ols=ols,
        theil_sen=sen,
        kendall=kendall,
        slope_per_year=float(sen.slope * periods_per_year(frequency)),
        run_length=run,
        run_length_capped=capped,
    )


def _assess(delta: float, direction: str) -> str | None:
    if direction == "neutral" or not np.isfinite(delta):
        return None
    if delta == 0:
        return "unchanged"
    good = (delta > 0) == (direction == "higher_is_better")
    return "better" if good else "worse"


def _compare(latest: float, period: pd.Timestamp, other: float | None, direction: str):
    if other is None or not np.isfinite(other):
        return PeriodChange(period, None, None, None, None)
    delta = latest - other
    rel = delta / abs(other) if other != 0 else None
    return PeriodChange(period, float(other), float(delta), rel, _assess(delta, direction))


def period_changes(series: pd.DataFrame | pd.Series, frequency: str, direction: str) -> Changes:
    """Change of the latest value against the previous period and a year earlier.

    The previous period is the grid period right before the latest observation (no value
    when it is missing: a gap is not bridged). "A year earlier" is
    :func:`analytics.periods.same_period_last_year`. ``relative`` is
    ``(latest - earlier) / |earlier|`` (None when earlier is 0); ``assessment`` is
    ``better``/``worse``/``unchanged`` by the measure's direction (None when neutral).
    """
    grid = regular_values(series, frequency)
    none = PeriodChange(None, None, None, None, None)
    # On the grid's arrays: this runs for every neighbourhood of every measure.
    values = grid.to_numpy(dtype=float)
    stamps = grid.index.to_numpy()
    observed = np.flatnonzero(~np.isnan(values))
    if len(observed) == 0:
        return Changes(None, None, none, none)
    last = int(observed[-1])
    latest_period = pd.Timestamp(stamps[last])
    latest = float(values[last])
    if last > 0:
        prev_period = pd.Timestamp(stamps[last - 1])
        vs_prev = _compare(latest, prev_period, float(values[last - 1]), direction)
    else:
        vs_prev = none
    ly_period = same_period_last_year(latest_period, frequency)
    at = int(np.searchsorted(stamps, ly_period.to_datetime64()))
    ly = float(values[at]) if at < last and stamps[at] == ly_period.to_datetime64() else None
    vs_ly = _compare(latest, ly_period, ly, direction)
    return Changes(latest_period, latest, vs_prev, vs_ly)
