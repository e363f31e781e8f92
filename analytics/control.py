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
from functools import cached_property

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
    upper and ``mr_above_url``. It is built from ``columns`` when first read: the stored
    summary needs only the phases and signals, and building a frame for each of a large
    city's fifty thousand charts cost a tenth of the refresh.

    ``fired`` lists the signalling values in period order, as ``(position among the
    observed values, rules, side, phase)``; :attr:`signals` boxes them as
    :class:`Signal` when first read. A long weekly series has hundreds, and the stored
    summary writes them straight from these positions.
    """

    available: bool
    reason: str | None
    phases: list[Phase] = field(default_factory=list)
    fired: list[tuple[int, tuple[str, ...], str, int]] = field(default_factory=list, repr=False)
    columns: dict[str, object] = field(default_factory=dict, repr=False)
    min_points: int = MIN_POINTS

    @cached_property
    def points(self) -> pd.DataFrame:
        if not self.columns:
            return pd.DataFrame()
        return pd.DataFrame(self.columns).reset_index(drop=True)

    @cached_property
    def signals(self) -> list[Signal]:
        periods, values = self.columns.get("period"), self.columns.get("value")
        return [
            Signal(pd.Timestamp(periods[i]), float(values[i]), rules[0], side, k, rules)
            for i, rules, side, k in self.fired
        ]

    def has_recent_signal(self, last: int = RECENT_POINTS) -> bool:
        """True when a signal falls on any of the ``last`` observed values."""
        periods = self.columns.get("period")
        if not self.fired or periods is None or len(periods) == 0:
            return False
        first_recent = max(len(periods) - last, 0) if last > 0 else 0
        return any(position >= first_recent for position, *_ in self.fired)


def _moving_ranges(values: np.ndarray, adjacent: np.ndarray) -> np.ndarray:
    mr = np.full(len(values), np.nan)
    if len(values) > 1:
        diff = np.abs(np.diff(values))
        mr[1:] = np.where(adjacent[1:], diff, np.nan)
    return mr


_add, _max, _min = np.add.reduce, np.maximum.reduce, np.minimum.reduce


def _limits(values: np.ndarray, adjacent: np.ndarray) -> tuple[float, float]:
    """(centre, mR̄) from values and whether each follows its predecessor on the grid."""
    mr = _moving_ranges(values, adjacent)
    # np.nanmean(mr) and np.mean(values), summed the same way (so to the same bits)
    # without their dispatch overhead: this runs twice per phase of every chart.
    counted = ~np.isnan(mr)
    mr_bar = (
        float(_add(np.where(counted, mr, 0.0)) / np.count_nonzero(counted))
        if np.isfinite(mr).any()
        else 0.0
    )
    # An exact centre for constant data (a floating-point mean can miss it by an ulp).
    top, bottom = _max(values), _min(values)
    centre = float(values[0]) if top - bottom == 0 else float(_add(values) / len(values))
    return centre, mr_bar


def _sides(values: np.ndarray, centre: float | np.ndarray) -> np.ndarray:
    """-1, 0, +1 for below, on, above the centre line (rounding noise counts as on it);
    ``centre`` may hold each value's own."""
    dev = values - centre
    dev[np.abs(dev) <= 1e-12 * np.maximum(1.0, np.abs(centre))] = 0.0
    return np.sign(dev)


def _runs(side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each stretch of equal, non-zero ``side`` values."""
    change = np.flatnonzero(side[1:] != side[:-1]) + 1
    firsts = np.concatenate(([0], change))
    lasts = np.concatenate((change - 1, [len(side) - 1]))
    keep = side[firsts] != 0
    return firsts[keep], lasts[keep]


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
    n = len(values)
    if n - start < RUN_LENGTH:
        return None
    side = _sides(values[start:], centre)
    firsts, lasts = _runs(side)
    long_enough = lasts - firsts + 1 >= RUN_LENGTH
    runs = zip(
        (firsts[long_enough] + start).tolist(), (lasts[long_enough] + start).tolist(), strict=True
    )
    for i, j in runs:
        r = max(i, earliest)
        if r <= j and n - r >= min_points:
            # Judge persistence on the values after the 8 that made the run: the run
            # itself was picked for being on one side, so it cannot be its own evidence.
            after = max(r, i + RUN_LENGTH)
            later = values[after : after + BASELINE_POINTS]
            if len(later) >= PERSIST_POINTS:
                direction = side[i - start]
                shift = (np.mean(later) - centre) * direction
                if shift > PERSIST_Z * sigma / np.sqrt(len(later)):
                    return r, int(direction)
    return None


#: The rules' names in :data:`RULES` order; for each windowed rule, its row in
#: :func:`_rule_signals`' table of hits (above and below the centre line take two rows),
#: and its count and window.
_RULE_NAMES = tuple(RULES)
_WINDOWED = (
    ("two_of_three_beyond_2sigma", 0, 2, 3),
    ("four_of_five_beyond_1sigma", 2, 4, 5),
    ("run_of_eight", 4, RUN_LENGTH, RUN_LENGTH),
)
#: The rules named by each combination of fired rules (bit k: rule k of RULES).
_RULE_SETS = [
    tuple(name for k, name in enumerate(_RULE_NAMES) if code >> k & 1)
    for code in range(1 << len(_RULE_NAMES))
]


def _rule_signals(
    values: np.ndarray,
    centre: float | np.ndarray,
    sigma: float | np.ndarray,
    lower: float | np.ndarray,
    upper: float | np.ndarray,
    phase_start: np.ndarray | None = None,
) -> list[tuple[int, tuple[str, ...], str]]:
    """Values that fire rules, each judged within its own phase (windows never cross
    phases).

    ``centre``, ``sigma``, ``lower`` and ``upper`` are one phase's numbers, or arrays of
    each value's own phase's; ``phase_start`` (an array, for the latter) is where each
    value's phase starts. Returns ``(index, rules fired in RULES order, side of the
    first)`` per signalling value. A value fires a rule on one side only: a windowed rule
    counts the value itself.
    """
    n = len(values)
    dev = values - centre
    side = _sides(values, centre)
    # Rows: beyond 2 sigma above / below, beyond 1 sigma above / below, on the side
    # above / below the centre line. Window sums of each row from one running sum.
    hits = np.zeros((6, n), dtype=bool)
    spread = np.asarray(sigma) > 0  # no sigma, no zones
    hits[0], hits[1] = (dev > 2.0 * sigma) & spread, (-dev > 2.0 * sigma) & spread
    hits[2], hits[3] = (dev > 1.0 * sigma) & spread, (-dev > 1.0 * sigma) & spread
    hits[4], hits[5] = side == 1, side == -1
    running = np.zeros((6, n + 1), dtype=np.int64)
    np.cumsum(hits, axis=1, out=running[:, 1:])
    fired = np.zeros((len(_RULE_NAMES), n), dtype=bool)
    above = np.zeros((len(_RULE_NAMES), n), dtype=bool)
    fired[0] = (values > upper) | (values < lower)
    above[0] = values > upper
    ends = np.arange(n)
    for k, (_, row, need, width) in enumerate(_WINDOWED, start=1):
        if n < width:
            continue
        pair = slice(row, row + 2)
        counts = running[pair, width:] - running[pair, :-width]
        fires = (counts >= need) & hits[pair, width - 1 :]
        if phase_start is not None:  # the window ending here starts in this value's phase
            fires &= ends[width - 1 :] - (width - 1) >= phase_start[width - 1 :]
        fired[k, width - 1 :] = fires[0] | fires[1]
        above[k, width - 1 :] = fires[0]
    signalling = np.flatnonzero(fired.any(axis=0))
    if not len(signalling):
        return []
    codes = (fired[:, signalling] * (1 << np.arange(len(_RULE_NAMES)))[:, None]).sum(axis=0)
    first = fired[:, signalling].argmax(axis=0)
    first_above = above[first, signalling]
    return [
        (i, _RULE_SETS[code], "above" if up else "below")
        for i, code, up in zip(
            signalling.tolist(), codes.tolist(), first_above.tolist(), strict=True
        )
    ]


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

    # Split into phases. Limits depend only on where a phase starts and how many values
    # its baseline has, and the search has already computed most of those.
    limits: dict[tuple[int, int], tuple[float, float]] = {}

    def follows(start: int, stop: int) -> np.ndarray:
        """``adjacent`` within a phase: no moving range across its start."""
        adj = adjacent[start:stop].copy()
        adj[0] = False
        return adj

    def baseline_limits(start: int, count: int) -> tuple[float, float]:
        if (start, count) not in limits:
            stop = start + count
            limits[start, count] = _limits(values[start:stop], follows(start, stop))
        return limits[start, count]

    starts: list[tuple[int, str]] = [(0, "start")]
    while recalculate:
        s = starts[-1][0]
        centre, mr_bar = baseline_limits(s, min(n - s, baseline_points))
        found = _first_sustained_run(values, centre, mr_bar / D2, s, s + min_points, min_points)
        if found is None:
            break
        r, direction = found
        starts.append((r, "shift_up" if direction > 0 else "shift_down"))

    phases: list[Phase] = []
    phase_of, phase_start = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    centres, sigmas, lowers, uppers, urls = (np.zeros(n) for _ in range(5))
    # Periods as datetime64 values, each boxed as a Timestamp only where a phase or a
    # signal needs it (indexing the DatetimeIndex itself costs more than the chart).
    periods = grid.index.to_numpy()[on_grid]
    for k, (s, trigger) in enumerate(starts):
        e = starts[k + 1][0] if k + 1 < len(starts) else n
        nb = min(e - s, baseline_points)
        centre, mr_bar = baseline_limits(s, nb)
        sigma = mr_bar / D2
        lower, upper = centre - E2 * mr_bar, centre + E2 * mr_bar
        if lo_bound is not None:
            lower = max(lower, lo_bound)
        if hi_bound is not None:
            upper = min(upper, hi_bound)
        phases.append(
            Phase(
                start=pd.Timestamp(periods[s]),
                end=pd.Timestamp(periods[e - 1]),
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
        phase_of[s:e], phase_start[s:e] = k, s
        centres[s:e], sigmas[s:e], lowers[s:e], uppers[s:e] = centre, sigma, lower, upper
        urls[s:e] = D4 * mr_bar
    # Every phase's moving ranges and rules at once, each against its own phase's numbers.
    mr_all = _moving_ranges(values, adjacent & (phase_start != np.arange(n)))
    fired = [
        (i, rules, side, int(phase_of[i]))
        for i, rules, side in _rule_signals(values, centres, sigmas, lowers, uppers, phase_start)
    ]
    columns = {
        "period": periods,
        "value": values,
        "mr": mr_all,
        "phase": phase_of,
        "centre": centres,
        "lower": lowers,
        "upper": uppers,
        "mr_above_url": mr_all > urls,
    }
    return ControlChart(
        available=True,
        reason=None,
        phases=phases,
        fired=fired,
        columns=columns,
        min_points=min_points,
    )
