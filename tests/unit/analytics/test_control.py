"""XmR charts against published textbook examples, rule by rule, and as properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from analytics.control import xmr

from .conftest import make_series

# Montgomery, Introduction to Statistical Quality Control, 6th ed. (2009), Example 6.5:
# weekly cost of processing mortgage loans. Published: x-bar = 300.5, MR-bar = 7.79,
# UCL = 321.22, LCL = 279.78, and for the moving ranges UCL = D4 * MR-bar = 25.45.
# The process is judged in control (no signals).
MONTGOMERY_6_5 = [
    310, 288, 297, 298, 307, 303, 294, 297, 308, 306,
    294, 299, 297, 299, 314, 295, 293, 306, 301, 304,
]  # fmt: skip

# NIST/SEMATECH e-Handbook of Statistical Methods, §6.3.2.2 (flow rate of 10 batches).
# Published: x-bar = 50.81, MR-bar = 1.8778, UCL = 55.8041, LCL = 45.8159.
NIST_FLOWRATE = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]


def test_xmr001_limits_textbook_montgomery():
    chart = xmr(make_series(MONTGOMERY_6_5, "week"), "week")
    (phase,) = chart.phases
    assert_allclose(phase.centre, 300.5)
    assert_allclose(phase.mr_bar, 7.79, atol=0.005)
    assert_allclose([phase.lower, phase.upper], [279.78, 321.22], atol=0.01)
    assert_allclose(phase.url, 25.45, atol=0.01)
    assert chart.signals == []


def test_xmr002_limits_textbook_nist():
    chart = xmr(make_series(NIST_FLOWRATE, "day"), "day", min_points=10)
    (phase,) = chart.phases
    assert_allclose([phase.centre, phase.mr_bar], [50.81, 1.8778], atol=1e-4)
    # NIST uses 3/1.128 = 2.6596 where Wheeler rounds to 2.66.
    assert_allclose([phase.lower, phase.upper], [45.8159, 55.8041], rtol=1e-4)


def _baseline() -> list[float]:
    # Mean 10, every moving range 2: limits 10 ± 5.32, sigma = 1.773. Ends below centre.
    return [11.0, 9.0] * 10


def _rules(values) -> set[tuple[str, str]]:
    chart = xmr(make_series(values), "month", recalculate=False)
    last = chart.points["period"].iloc[-1]
    return {(rule, s.side) for s in chart.signals if s.period == last for rule in s.rules}


def test_xmr003_rule_beyond_limits():
    assert _rules([*_baseline(), 16.0]) == {("beyond_limits", "above")}
    assert _rules([*_baseline(), 4.0]) == {("beyond_limits", "below")}


def test_xmr004_rule_two_of_three_beyond_2sigma():
    assert _rules([*_baseline(), 14.0, 10.0, 14.0]) == {("two_of_three_beyond_2sigma", "above")}
    # Only one of three beyond 2 sigma: nothing.
    assert _rules([*_baseline(), 14.0, 10.0, 10.0]) == set()


def test_xmr005_rule_four_of_five_beyond_1sigma():
    assert _rules([*_baseline(), 8.0, 8.0, 10.0, 8.0, 8.0]) == {
        ("four_of_five_beyond_1sigma", "below")
    }


def test_xmr006_rule_run_of_eight():
    assert _rules([*_baseline(), *[10.5] * 8]) == {("run_of_eight", "above")}
    assert _rules([*_baseline(), *[10.5] * 7]) == set()


def test_xmr007_fewer_than_minimum_points_gives_reason():
    chart = xmr(make_series(np.arange(11.0)), "month")
    assert not chart.available
    assert chart.phases == [] and chart.signals == []
    assert "at least 12" in chart.reason


def test_xmr008_sustained_shift_starts_new_phase():
    low = [11.0, 9.0] * 15
    high = [19.0, 21.0] * 10
    chart = xmr(make_series(low + high), "month")
    assert len(chart.phases) == 2
    first, second = chart.phases
    assert second.trigger == "shift_up"
    assert second.start == pd.Timestamp("2018-01-01") + pd.DateOffset(months=30)
    assert_allclose([first.centre, second.centre], [10.0, 20.0])
    # Against its own limits, the new phase is quiet.
    assert all(s.phase == 0 for s in chart.signals)


def test_xmr009_short_shift_is_not_a_phase():
    # Only 10 values after the shift: fewer than 12, so the old limits stay.
    chart = xmr(make_series([11.0, 9.0] * 15 + [19.0, 21.0] * 5), "month")
    assert len(chart.phases) == 1
    assert chart.has_recent_signal()


def test_xmr010_moving_range_skips_missing_periods():
    values = [*[9.0, 11.0] * 8, np.nan, 30.0, 32.0, 30.0]
    chart = xmr(make_series(values), "month", recalculate=False)
    # 15 moving ranges of 2 before the gap, then |32-30| twice; none across the gap.
    assert_allclose(chart.phases[0].mr_bar, 2.0)
    assert np.isnan(chart.points["mr"].iloc[16])
    assert len(chart.points) == 19


def test_xmr011_limits_clipped_to_bounds():
    chart = xmr(make_series([0.0, 3.0] * 10), "month", bounds=(0.0, None))
    assert chart.phases[0].lower == 0.0
    assert_allclose(chart.phases[0].upper, 1.5 + 2.66 * 3)


def test_xmr012_recent_signal_only_in_last_points():
    old_spike = xmr(make_series([*_baseline(), 30.0, *_baseline()[:6]]), "month")
    assert old_spike.signals and not old_spike.has_recent_signal()
    new_spike = xmr(make_series([*_baseline(), 10.0, 30.0, 10.0]), "month")
    assert new_spike.has_recent_signal()


@settings(max_examples=25, deadline=None)
@given(
    level=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    n=st.integers(12, 80),
)
def test_xmr013_constant_series_has_no_signals(level, n):
    chart = xmr(make_series(np.full(n, level)), "month")
    assert chart.available and chart.signals == []
    assert len(chart.phases) == 1
    assert chart.phases[0].lower == chart.phases[0].upper == level


@settings(max_examples=30, deadline=None)
@example(seed=553444, before=21, after=8, up=False)  # the run began seven values early
@given(
    seed=st.integers(0, 2**32 - 1),
    before=st.integers(12, 40),
    after=st.integers(8, 30),
    up=st.booleans(),
)
def test_xmr014_four_sigma_step_is_detected(seed, before, after, up):
    rng = np.random.default_rng(seed)
    step = 4.0 if up else -4.0
    values = np.r_[rng.normal(0, 1, before), step + rng.normal(0, 1, after)]
    chart = xmr(make_series(values), "month")
    shift_start = chart.points["period"].iloc[before]
    # A new phase starts where the run begins, which is before the step when the values
    # just before it happen to fall on the new side already: by chance, any number of them
    # (seed 553444 with 21 values before a downward step: seven).
    shift = "shift_up" if up else "shift_down"
    detected = any(
        p.start >= shift_start - pd.DateOffset(months=6)
        or (p.trigger == shift and p.start <= shift_start <= p.end)
        for p in chart.phases[1:]
    )
    detected |= any(s.period >= shift_start for s in chart.signals)
    # A short series takes its limits from every value, steps included: the centre line
    # then sits between the two levels and the values before the step are the run.
    before_side = "below" if up else "above"
    detected |= any(s.rule == "run_of_eight" and s.side == before_side for s in chart.signals)
    assert detected


def test_xmr015_one_signal_per_value_with_all_its_rules():
    chart = xmr(make_series([*_baseline(), *[10.5] * 7, 20.0]), "month", recalculate=False)
    (last,) = [s for s in chart.signals if s.period == chart.points["period"].iloc[-1]]
    assert last.rule == "beyond_limits"
    assert set(last.rules) == {"beyond_limits", "run_of_eight"}


def test_xmr016_steady_trend_is_a_staircase():
    values = 0.5 * np.arange(72) + np.random.default_rng(1).normal(0, 1, 72)
    chart = xmr(make_series(values), "month")
    assert len(chart.phases) >= 4
    assert all(p.n >= 12 for p in chart.phases)
    assert all(b.centre > a.centre for a, b in zip(chart.phases, chart.phases[1:], strict=False))


def test_xmr017_chance_runs_rarely_split_the_chart():
    # Skewed counts with no change: runs of 8 below the mean are common, new phases rare.
    splits = 0
    for seed in range(40):
        counts = np.random.default_rng(seed).poisson(3, 200).astype(float)
        splits += len(xmr(make_series(counts, "week"), "week").phases) > 1
    assert splits <= 4


def test_xmr018_limits_crossed_by_clipping_report_the_rule_once():
    # Values far below a natural lower bound of 0 (bad data): the upper limit falls below
    # the clipped lower one, so the last value lies beyond both. It is one signal, its
    # rule named once (it was listed twice).
    chart = xmr(make_series([-50.0, -52.0] * 10 + [-20.0]), "month", bounds=(0.0, None))
    phase = chart.phases[0]
    assert phase.upper < -20.0 < phase.lower == 0.0
    last = chart.signals[-1]
    assert last.value == -20.0 and last.side == "above"
    assert last.rules.count("beyond_limits") == 1
