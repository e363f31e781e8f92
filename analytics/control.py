"""XmR (individuals and moving range) process behaviour charts.

An XmR chart separates routine variation from signals. The centre line is the average of a
baseline; the natural process limits are ``centre ± 2.66 × mR̄`` (mR̄ = average moving
range between consecutive values) and the upper range limit of the moving ranges is
``3.268 × mR̄``. Four detection rules mark signals. When a run of eight shows the process
has moved and stays moved, a new phase starts there with limits of its own, so a chart
draws stepped limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.periods import regular_values

#: Scaling constants for moving ranges of two values: 3 / d2, d2 and D4 (d2 = 1.128).
E2 = 2.66
D2 = 1.128
D4 = 3.268

#: Fewest values for limits: fewer gives no chart limits (and a reason).
MIN_POINTS = 12
#: Values from the start of a phase used to compute its limits (Wheeler's baseline).
BASELINE_POINTS = 20
#: Length of the run on one side of the centre line that signals a shift.
RUN_LENGTH = 8
#: A shift persists when the mean of the values after its first 8 (at least this many,
#: at most BASELINE_POINTS) is beyond the old centre by PERSIST_Z standard errors.
PERSIST_POINTS = 4
PERSIST_Z = 3.0
#: How many of the latest values count as "new" for ``has_new_signal``.
RECENT_POINTS = 3

RULES = {
    "beyond_limits": "A value outside the natural process limits",
    "two_of_three_beyond_2sigma": "2 of 3 successive values more than 2 sigma from the "
    "centre line, on the same side",
    "four_of_five_beyond_1sigma": "4 of 5 successive values more than 1 sigma from the "
    "centre line, on the same side",
    "run_of_eight": "8 successive values on the same side of the centre line",
}

_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}


@dataclass(frozen=True)
class Phase:
    """One stretch of the chart with constant limits.

    ``start``/``end`` are the first and last periods of the phase, ``baseline_n`` the
    number of values the limits were computed from, ``trigger`` why the phase began
    (``start``, ``shift_up`` or ``shift_down``). ``lower``/``upper`` are the natural
    process limits, clipped to the measure's natural bounds when given; ``sigma`` is
    ``mr_bar / 1.128``.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    centre: float
    lower: float
    upper: float
    sigma: float
    mr_bar: float
    url: float
    n: int
    baseline_n: int
    trigger: str


@dataclass(frozen=True)
class Signal:
    """A value that fired one or more rules.

    ``rule`` is the first of ``rules`` in the order of :data:`RULES` (a value beyond the
    limits is reported as that, even if it also completes a run); ``side`` is ``above`` or
    ``below`` the centre line; ``phase`` indexes :attr:`ControlChart.phases`.
    """

    period: pd.Timestamp
    value: float
    rule: str
    side: str
    phase: int
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlChart:
    """Result of :func:`xmr`.

    ``points`` has one row per observed value: period, value, mr (moving range to the
    previous grid period, NaN across a gap or a phase boundary), phase, centre, lower,
    upper and ``mr_above_url``.
    """

    available: bool
    reason: str | None
    phases: list[Phase] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    points: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_points: int = MIN_POINTS

    def has_recent_signal(self, last: int = RECENT_POINTS) -> bool:
        """True when a signal falls on any of the ``last`` observed values."""
        if not self.signals or self.points.empty:
            return False
        # Signals fall on observed periods, which are sorted: the recent ones are those
        # on or after the ``last``-th latest observed period.
        periods = self.points["period"]
        first_recent = periods.iloc[max(len(periods) - last, 0) if last > 0 else 0]
        return any(s.period >= first_recent for s in self.signals)


def _moving_ranges(values: np.ndarray, adjacent: np.ndarray) -> np.ndarray:
    mr = np.full(len(values), np.nan)
    if len(values) > 1:
        diff = np.abs(np.diff(values))
        mr[1:] = np.where(adjacent[1:], diff, np.nan)
    return mr


def _limits(values: np.ndarray, adjacent: np.ndarray) -> tuple[float, float]:
    """(centre, mR̄) from values and whether each follows its predecessor on the grid."""
    mr = _moving_ranges(values, adjacent)
    mr_bar = float(np.nanmean(mr)) if np.isfinite(mr).any() else 0.0
    # An exact centre for constant data (a floating-point mean can miss it by an ulp).
    centre = float(values[0]) if np.ptp(values) == 0 else float(np.mean(values))
    return centre, mr_bar


def _sides(values: np.ndarray, centre: float) -> np.ndarray:
    """-1, 0, +1 for below, on, above the centre line (rounding noise counts as on it)."""
    dev = values - centre
    dev[np.abs(dev) <= 1e-12 * max(1.0, abs(centre))] = 0.0
    return np.sign(dev)


def _first_sustained_run(
    values: np.ndarray, centre: float, sigma: float, start: int, earliest: int, min_points: int
) -> tuple[int, int] | None:
    """Where the first sustained shift after ``start`` begins, and its side (+1/-1).

    A shift is a run of RUN_LENGTH or more values on one side of ``centre``. The new phase
    starts at the run's first value, or at ``earliest`` if the run began before it but is
    still going there. It needs ``min_points`` values from that start, and it must persist:
    the mean of the values that follow the run's first 8 (at least PERSIST_POINTS, at most
    BASELINE_POINTS) lies beyond the old centre on the run's side by more than
    PERSIST_Z standard errors (3σ̂/√k), so chance runs — common in skewed data such as
    counts — do not split the chart.
    """
    side = _sides(values, centre)
    i = start
    n = len(values)
    while i < n:
        if side[i] == 0:
            i += 1
            continue
        j = i
        while j + 1 < n and side[j + 1] == side[i]:
            j += 1
        r = max(i, earliest)
        if j - i + 1 >= RUN_LENGTH and r <= j and n - r >= min_points:
            # Judge persistence on the values after the 8 that made the run: the run
            # itself was picked for being on one side, so it cannot be its own evidence.
            after = max(r, i + RUN_LENGTH)
            later = values[after : after + BASELINE_POINTS]
            if len(later) >= PERSIST_POINTS:
                shift = (np.mean(later) - centre) * side[i]
                if shift > PERSIST_Z * sigma / np.sqrt(len(later)):
                    return r, int(side[i])
        i = j + 1
    return None


def _rule_signals(
    values: np.ndarray, centre: float, sigma: float, lower: float, upper: float
) -> list[tuple[int, str, str]]:
    """Indices that fire each rule within one phase (windows never cross phases)."""
    out: list[tuple[int, str, str]] = []
    for i in np.flatnonzero(values > upper):
        out.append((int(i), "beyond_limits", "above"))
    for i in np.flatnonzero(values < lower):
        out.append((int(i), "beyond_limits", "below"))
    dev = values - centre
    side = _sides(values, centre)
    checks = [("run_of_eight", None, RUN_LENGTH, RUN_LENGTH)]
    if sigma > 0:
        checks = [
            ("two_of_three_beyond_2sigma", 2.0, 2, 3),
            ("four_of_five_beyond_1sigma", 1.0, 4, 5),
            *checks,
        ]
    for rule, zone, need, width in checks:
        if len(values) < width:
            continue
        for sign, name in ((1, "above"), (-1, "below")):
            hit = side == sign if zone is None else sign * dev > zone * sigma
            counts = np.convolve(hit, np.ones(width, dtype=int), mode="valid")  # window sums
            fired = (counts >= need) & hit[width - 1 :]
            out.extend((int(i) + width - 1, rule, name) for i in np.flatnonzero(fired))
    return out


def xmr(
    series: pd.DataFrame | pd.Series,
    frequency: str,
    *,
    min_points: int = MIN_POINTS,
    baseline_points: int = BASELINE_POINTS,
    recalculate: bool = True,
    bounds: tuple[float | None, float | None] = (None, None),
) -> ControlChart:
    r"""XmR chart with Western Electric detection rules and phase recalculation.

    Method
    ------
    *Limits* (Wheeler 2000, ch. 3–4). For a phase, take its first ``baseline_points``
    (20) values. Centre :math:`\bar x` = their mean; :math:`\overline{mR}` = mean of the
    moving ranges :math:`|x_t - x_{t-1}|` between values on consecutive grid periods (a
    moving range is not taken across a missing period or a phase boundary). Natural
    process limits :math:`\bar x \pm 2.66\,\overline{mR}`; upper range limit
    :math:`3.268\,\overline{mR}`; :math:`\hat\sigma = \overline{mR}/1.128`. Limits are then
    held for the rest of the phase. Limits beyond the measure's natural ``bounds`` (e.g.
    below 0 for a count) are clipped to them.

    *Rules* (Western Electric 1956; Montgomery 2009 §5.3.6), each judged against the
    limits of the value's own phase, over successive observed values (missing periods
    are skipped), never across a phase boundary; the value that completes the pattern is
    flagged, and only when it is itself part of it:

    1. ``beyond_limits``: a value beyond a natural process limit;
    2. ``two_of_three_beyond_2sigma``: 2 of 3 successive values beyond
       :math:`2\hat\sigma`, same side;
    3. ``four_of_five_beyond_1sigma``: 4 of 5 successive values beyond
       :math:`1\hat\sigma`, same side;
    4. ``run_of_eight``: 8 successive values on the same side of the centre line (values
       exactly on it break a run).

    *Recalculation.* A run of at least 8 values on one side of the current phase's
    centre line starts a new phase at its first value — or, if the run began within the
    phase's first ``min_points`` values, at the phase's ``min_points``-th value, provided the
    run is still going there — when (a) at least ``min_points`` values remain from that
    start, and (b) the shift persists: the mean of the values after the run's first 8
    (at least 4, at most 20) lies beyond the old centre line, on the run's side, by more
    than :math:`3\hat\sigma/\sqrt k` (k values), so chance runs — common in skewed data
    such as counts — do not split the chart. The new
    phase's limits come from its own baseline and the search continues from there. A
    shift in the latest 11 values therefore shows as signals against the old limits until
    there is enough data for new ones; a steady trend shows as a staircase of phases.

    Each signalling value is reported once, with every rule it fired (``rules``) and the
    first of them in the order above (``rule``).

    *Minimum.* With fewer than ``min_points`` (12) values the chart has no limits:
    ``available`` is False and ``reason`` says why.

    References
    ----------
    Wheeler, D. J. (2000). *Understanding Variation: The Key to Managing Chaos*, 2nd ed.
    SPC Press.
    Western Electric Co. (1956). *Statistical Quality Control Handbook*.
    Montgomery, D. C. (2009). *Introduction to Statistical Quality Control*, 6th ed. Wiley.
    NIST/SEMATECH e-Handbook of Statistical Methods, §6.3.2.2 (individuals charts).
    """
    grid = regular_values(series, frequency)
    grid_values = grid.to_numpy(dtype=float)
    on_grid = ~np.isnan(grid_values)
    values = grid_values[on_grid]
    n = len(values)
    if n < min_points:
        return ControlChart(
            available=False,
            reason=f"Control limits need at least {min_points} values; this series has {n}.",
            min_points=min_points,
        )
    grid_pos = np.flatnonzero(on_grid)
    adjacent = np.concatenate([[False], np.diff(grid_pos) == 1])
    lo_bound, hi_bound = bounds

    # Split into phases.
    starts: list[tuple[int, str]] = [(0, "start")]
    while recalculate:
        s = starts[-1][0]
        base = slice(s, min(n, s + baseline_points))
        centre, mr_bar = _limits(
            values[base], adjacent[base] & (np.arange(base.start, base.stop) > s)
        )
        found = _first_sustained_run(values, centre, mr_bar / D2, s, s + min_points, min_points)
        if found is None:
            break
        r, direction = found
        starts.append((r, "shift_up" if direction > 0 else "shift_down"))

    phases: list[Phase] = []
    phase_of = np.zeros(n, dtype=int)
    centres, lowers, uppers, sigmas = (np.zeros(n) for _ in range(4))
    mr_all = np.full(n, np.nan)
    urls = np.zeros(n)
    signals: list[Signal] = []
    periods = grid.index[on_grid]
    stamps: list = []  # periods as Timestamps, boxed once, when the first signal needs them
    for k, (s, trigger) in enumerate(starts):
        e = starts[k + 1][0] if k + 1 < len(starts) else n
        adj = adjacent[s:e].copy()
        adj[0] = False
        nb = min(e - s, baseline_points)
        centre, mr_bar = _limits(values[s : s + nb], adj[:nb])
        sigma = mr_bar / D2
        lower, upper = centre - E2 * mr_bar, centre + E2 * mr_bar
        if lo_bound is not None:
            lower = max(lower, lo_bound)
        if hi_bound is not None:
            upper = min(upper, hi_bound)
        phases.append(
            Phase(
                start=periods[s],
                end=periods[e - 1],
                centre=centre,
                lower=lower,
                upper=upper,
                sigma=sigma,
                mr_bar=mr_bar,
                url=D4 * mr_bar,
                n=e - s,
                baseline_n=nb,
                trigger=trigger,
            )
        )
        phase_of[s:e] = k
        centres[s:e], lowers[s:e], uppers[s:e], sigmas[s:e] = centre, lower, upper, sigma
        mr_all[s:e] = _moving_ranges(values[s:e], adj)
        urls[s:e] = D4 * mr_bar
        fired: dict[int, list[tuple[str, str]]] = {}
        for i, rule, side in _rule_signals(values[s:e], centre, sigma, lower, upper):
            fired.setdefault(i, []).append((rule, side))
        for i in sorted(fired):
            hits = sorted(fired[i], key=lambda hit: _RULE_ORDER[hit[0]])
            rule, side = hits[0]
            rules = tuple(r for r, _ in hits)
            stamps = stamps or periods.tolist()
            signals.append(Signal(stamps[s + i], float(values[s + i]), rule, side, k, rules))
    points = pd.DataFrame(
        {
            "period": periods,
            "value": values,
            "mr": mr_all,
            "phase": phase_of,
            "centre": centres,
            "lower": lowers,
            "upper": uppers,
            "mr_above_url": mr_all > urls,
        }
    ).reset_index(drop=True)
    return ControlChart(
        available=True,
        reason=None,
        phases=phases,
        signals=signals,
        points=points,
        min_points=min_points,
    )
