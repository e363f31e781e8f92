"""Plain-language readings of a measure's stored statistics, for the measure page.

Each function takes one block of the stored summary payload (see
``docs/methodology.md``, "Stored summary") and returns words a department manager can
act on: "Improving: values have fallen by about 0.09 minutes a year over the last 24
months; this is unlikely to be chance (p = 0.001)." Nothing here reads data or knows
about Dash; the page only lays the words out.

A :class:`Reading` is a short ``headline`` ("Improving", "3 signals since March 2024"),
a ``detail`` sentence and a ``tone`` (``better``, ``worse``, ``neutral`` or
``unknown``) from which a page picks an icon; the headline always carries the meaning
in words, so tone is never shown by colour alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.narrative import format_value
from analytics.periods import period_end, period_label, period_noun, period_offset
from analytics.targets import active_target, as_targets, target_status

TONES = ("better", "worse", "neutral", "unknown")

VERDICT_HEADLINES = {
    "improving": "Improving",
    "worsening": "Worsening",
    "increasing": "Increasing",
    "decreasing": "Decreasing",
    "no_significant_change": "No clear trend",
    "insufficient_data": "Not enough data for a trend",
}
_VERDICT_TONES = {"improving": "better", "worsening": "worse"}

CALIBRATION_LABELS = {
    "well_calibrated": "Well calibrated",
    "overconfident": "Overconfident",
    "underconfident": "Underconfident",
    "unknown": "Not yet tested",
}

FREQUENCY_ADJECTIVES = {
    "day": "Daily",
    "week": "Weekly",
    "month": "Monthly",
    "quarter": "Quarterly",
    "year": "Yearly",
}


@dataclass(frozen=True)
class Reading:
    """A few words (``headline``), one or two sentences (``detail``) and a ``tone``."""

    headline: str
    detail: str
    tone: str = "neutral"


# -- numbers in words --------------------------------------------------------------------


def _get(obj: Any, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _finite(value) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def about_decimals(value: float, decimals: int, max_extra: int = 3) -> int:
    """Fewest decimals (at least ``decimals``) that show ``value`` to within 10%.

    A slope of 0.0864 minutes shown with the measure's one decimal would read "0.1";
    two decimals ("0.09") are within 10% of the truth.

    >>> about_decimals(0.0864, 1)
    2
    >>> about_decimals(2.34, 1)
    1
    """
    decimals = max(int(decimals or 0), 0)
    size = abs(float(value))
    if size == 0:
        return decimals
    for extra in range(max_extra + 1):
        d = decimals + extra
        if abs(round(size, d) - size) <= 0.1 * size:
            return d
    return decimals + max_extra


def amount(value: float, unit_info: Any, decimals: int | None = None, about: bool = False) -> str:
    """The size of a difference (sign dropped) in the measure's unit.

    Differences of percentages are in percentage points ("1.2 percentage points");
    everything else reads like a value ("0.09 minutes", "$12,300", "0.05 per 1,000
    residents"). Decimals follow :func:`about_decimals` unless given; ``about`` rounds
    amounts of 1,000 or more to two significant figures, for approximate statements.
    """
    unit = _get(unit_info, "unit")
    size = abs(float(value))
    if about and size >= 1000:
        # "about $390,000 a year", not "about $392,724 a year".
        size = float(round(size, 1 - int(math.floor(math.log10(size)))))
        decimals = 0
    if decimals is None:
        decimals = about_decimals(size, _get(unit_info, "decimals", 1) or 0)
    if unit == "percent":
        text = f"{size:,.{decimals}f}"
        return f"{text} percentage {'point' if text == '1' else 'points'}"
    return format_value(
        size, unit, decimals, _get(unit_info, "unit_label", ""), _get(unit_info, "rate_per")
    )


def rounds_to_zero(value: float, unit_info: Any) -> bool:
    """True when :func:`amount` would write ``value`` as zero."""
    decimals = about_decimals(value, _get(unit_info, "decimals", 1) or 0)
    return round(abs(float(value)), decimals) == 0


def value_text(value: float | None, unit_info: Any) -> str:
    """A value as :func:`analytics.narrative.format_value` writes it, with the measure's decimals."""
    return format_value(
        value,
        _get(unit_info, "unit"),
        _get(unit_info, "decimals", 1) or 0,
        _get(unit_info, "unit_label", ""),
        _get(unit_info, "rate_per"),
    )


def p_value_text(p: float | None) -> str:
    """``"p = 0.15"``, ``"p = 0.004"`` or ``"p < 0.001"``."""
    if not _finite(p):
        return "p unknown"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


def chance_text(probability: float) -> str:
    """``"69% chance"``; the extremes read ``"Over 99% chance"`` and ``"Under 1% chance"``."""
    if probability >= 0.995:
        return "Over 99% chance"
    if probability <= 0.005:
        return "Under 1% chance"
    return f"{round(probability * 100)}% chance"


def share_text(share: float) -> str:
    """A share as a whole percentage: ``0.979`` → ``"98%"``."""
    return f"{round(share * 100)}%"


def date_text(day) -> str:
    """``"16 November 2026"``."""
    ts = pd.Timestamp(day)
    return f"{ts.day} {ts.month_name()} {ts.year}"


def _period(period, frequency: str) -> str:
    return period_label(pd.Timestamp(period), frequency)


def _periods(n: int, frequency: str) -> str:
    return f"{n} {period_noun(frequency, n)}"


# -- trend -------------------------------------------------------------------------------


def trend_reading(trend: dict | None, unit_info: Any, frequency: str) -> Reading:
    """The trend verdict, its slope per year and its significance, in words.

    Examples of the detail: "Values have fallen by about 0.09 minutes a year over the last
    24 months; this is unlikely to be chance (p = 0.001)." or "... but a change this size
    could easily be chance (p = 0.15)." The slope is the Theil–Sen slope per year (the
    one used with the verdict) and ``p`` the (seasonal) Mann–Kendall p-value.
    """
    if not trend:
        return Reading("No trend", "The trend could not be computed for this series.", "unknown")
    verdict = trend.get("verdict") or "insufficient_data"
    headline = VERDICT_HEADLINES.get(verdict, verdict.replace("_", " ").capitalize())
    if verdict == "insufficient_data":
        reason = trend.get("reason") or "There are too few recent values to judge a trend."
        return Reading(headline, _sentence(reason), "unknown")

    window = trend.get("window_periods") or trend.get("n") or 0
    over = f"over the last {_periods(window, frequency)}"
    slope = trend.get("slope_per_year")
    p = (trend.get("kendall") or {}).get("p_value")
    p_text = p_value_text(p)
    moved = None
    if _finite(slope) and not rounds_to_zero(slope, unit_info):
        moved = f"{'risen' if slope > 0 else 'fallen'} by about {amount(slope, unit_info, about=True)} a year"

    if verdict == "no_significant_change":
        if moved is None:
            detail = f"Values show no consistent rise or fall {over} ({p_text})."
        else:
            detail = (
                f"Values have {moved} {over}, but a change this size could easily be "
                f"chance ({p_text})."
            )
    else:
        movement = moved or ("risen" if trend.get("change") == "increasing" else "fallen")
        detail = f"Values have {movement} {over}; this is unlikely to be chance ({p_text})."
        run = trend.get("run_length") or 0
        if run >= 2:
            at_least = "at least " if trend.get("run_length_capped") else ""
            detail += f" It has been {verdict} for {at_least}{_periods(run, frequency)}."
    if trend.get("seasonal"):
        detail += f" The usual seasonal pattern is allowed for (each {period_noun(frequency)}"
        detail += f" is compared with the same {period_noun(frequency)} in other years)."
    return Reading(headline, detail, _VERDICT_TONES.get(verdict, "neutral"))


def _sentence(text: str) -> str:
    text = str(text).strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


# -- period-over-period changes ----------------------------------------------------------


def change_reading(change: dict | None, unit_info: Any, frequency: str) -> Reading:
    """The latest value against one earlier period.

    Headline "Up 0.16 minutes (+2.1%)"; detail "From 7.6 minutes in September 2026:
    worse." Changes of percentages are in percentage points, without a relative change.
    """
    period = (change or {}).get("period")
    absolute = (change or {}).get("absolute")
    if not change or not _finite(absolute) or not _finite(change.get("value")):
        when = f" for {_period(period, frequency)}" if period else ""
        return Reading("No comparison", f"There is no value{when} to compare with.", "unknown")
    earlier = value_text(change["value"], unit_info)
    from_text = f"From {earlier} in {_period(period, frequency)}"
    if rounds_to_zero(absolute, unit_info):
        return Reading("Unchanged", f"{from_text}.", "neutral")
    headline = f"{'Up' if absolute > 0 else 'Down'} {amount(absolute, unit_info)}"
    relative = change.get("relative")
    if _get(unit_info, "unit") != "percent" and _finite(relative):
        headline += f" ({relative * 100:+.1f}%)".replace("-", "−")
    assessment = change.get("assessment")
    if assessment in ("better", "worse"):
        return Reading(headline, f"{from_text}: {assessment}.", assessment)
    return Reading(headline, f"{from_text}.", "neutral")


# -- control chart -----------------------------------------------------------------------


def signal_description(signal: dict) -> str:
    """What a control-chart signal means, with its side: "8 values in a row below the centre line"."""
    side = signal.get("side") or ""
    rule = signal.get("rule")
    if rule == "beyond_limits":
        if side == "above":
            return "a value above the upper natural limit"
        if side == "below":
            return "a value below the lower natural limit"
        return "a value outside the natural limits"
    where = f" {side} the centre line" if side in ("above", "below") else " from the centre line"
    if rule == "two_of_three_beyond_2sigma":
        return f"2 of 3 values far{where} (beyond 2 sigma)"
    if rule == "four_of_five_beyond_1sigma":
        return f"4 of 5 values{where} by more than 1 sigma"
    if rule == "run_of_eight":
        return f"8 values in a row{where}"
    label = signal.get("rule_label")
    return label[0].lower() + label[1:] if label else "a signal"


def signal_hover(signal: dict) -> str:
    """The hover text of a signal point: the rule in words and whether it is good news."""
    text = signal_description(signal)
    text = text[0].upper() + text[1:]
    favourable = signal.get("favourable")
    if favourable is True:
        text += " (favourable)"
    elif favourable is False:
        text += " (unfavourable)"
    return text


def control_reading(control: dict | None, unit_info: Any, frequency: str) -> Reading:
    """The control chart in words: signals in the current phase and the latest of them.

    Headline "3 signals since March 2024" (the current phase's start); detail "Latest: 8
    values in a row below the centre line, in October 2026 (a change for the better)."
    With no signals, the natural limits of the current phase are given instead.
    """
    if not control:
        return Reading(
            "No control chart", "The control chart could not be computed for this series."
        )
    if not control.get("available") or not control.get("phases"):
        reason = control.get("reason") or "There are too few values to set control limits."
        return Reading("No control limits yet", _sentence(reason), "unknown")
    phases = control["phases"]
    current = phases[-1]
    index = len(phases) - 1
    since = _period(current["start"], frequency)
    signals = [s for s in control.get("signals") or [] if s.get("phase") == index]
    recalculated = ""
    if index > 0 and current.get("trigger") in ("shift_up", "shift_down"):
        way = "up" if current["trigger"] == "shift_up" else "down"
        recalculated = f" The limits were recalculated in {since} after a lasting shift {way}."
    if not signals:
        limits = (
            f"{value_text(current.get('lower'), unit_info)} to "
            f"{value_text(current.get('upper'), unit_info)}"
        )
        return Reading(
            f"No signals since {since}",
            f"Values since then stay within the natural limits ({limits}): routine "
            f"variation, not a change in the process.{recalculated}",
            "neutral",
        )
    latest = signals[-1]
    n = len(signals)
    favourable = latest.get("favourable")
    verdict = {True: " (a change for the better)", False: " (a change for the worse)"}.get(
        favourable, ""
    )
    detail = (
        f"Latest: {signal_description(latest)}, in {_period(latest['period'], frequency)}{verdict}."
    )
    if control.get("has_new_signal"):
        recent = control.get("recent_points") or 3
        detail += f" This is recent: one of the {recent} latest values."
    tone = {True: "better", False: "worse"}.get(favourable, "neutral")
    return Reading(f"{n} signal{'s' if n != 1 else ''} since {since}", detail + recalculated, tone)


# -- targets, outlook and forecast -------------------------------------------------------


def target_name(target: dict, unit_info: Any) -> str:
    """ "the FY2027 target of 7.6 minutes" (or "the target of 7.6 minutes" without a label)."""
    value = value_text(target.get("value"), unit_info)
    label = (target.get("label") or "").strip()
    if not label:
        return f"the target of {value}"
    if any(word in label.lower() for word in ("target", "goal")):
        return f"the {label} of {value}"
    return f"the target of {value} ({label})"


def _meets_phrase(target: dict, unit_info: Any, direction: str) -> str:
    value = value_text(target.get("value"), unit_info)
    if direction == "lower_is_better":
        return f"at or below {value}"
    if direction == "higher_is_better":
        return f"at or above {value}"
    tolerance = target.get("tolerance") or 0
    return f"within {amount(tolerance, unit_info)} of {value}" if tolerance else f"at {value}"


def outlook_reading(
    outlook: dict | None, unit_info: Any, direction: str, frequency: str
) -> Reading:
    """The probability of meeting the next target, in words.

    Headline "69% chance of meeting the FY2027 target of 7.6 minutes"; the detail says
    which value that is about ("the June 2027 value at or below 7.6 minutes") and, when the
    target covers several periods, the chance for the average over the whole window.
    """
    if not outlook:
        return Reading("No outlook", "There is no forecast to judge the target against.")
    probability = outlook.get("probability")
    target = outlook.get("target")
    if not _finite(probability) or not target:
        reason = outlook.get("reason") or "No probability could be computed."
        return Reading("No probability", _sentence(reason), "unknown")
    headline = f"{chance_text(probability)} of meeting {target_name(target, unit_info)}"
    when = outlook.get("target_period")
    detail = (
        f"That is the chance that the {_period(when, frequency)} value is "
        f"{_meets_phrase(target, unit_info, direction)} if the process carries on as it has."
        if when
        else "That is the chance if the process carries on as it has."
    )
    window = outlook.get("window_probability")
    periods = outlook.get("window_periods") or 0
    if _finite(window) and periods > 1:
        observed = outlook.get("window_observed") or 0
        detail += (
            f" The chance that the average over the whole target period meets it is "
            f"{chance_text(window).replace(' chance', '').lower()} ({observed} of "
            f"{_periods(periods, frequency)} already reported)."
        )
    if probability >= 0.8:
        tone = "better"
    elif probability <= 0.2:
        tone = "worse"
    else:
        tone = "neutral"
    return Reading(headline, detail, tone)


def calibration_reading(outlook_or_forecast: dict | None) -> Reading:
    """How far to trust a forecast probability, from the backtest coverage of its bands."""
    block = outlook_or_forecast or {}
    label = block.get("calibration") or _calibration(block)
    headline = CALIBRATION_LABELS.get(label, CALIBRATION_LABELS["unknown"])
    coverage = block.get("coverage80")
    points = block.get("backtest_points") or 0
    if label == "unknown" or not _finite(coverage) or not points:
        return Reading(
            headline,
            "There were too few past values to test the forecast bands, so treat the "
            "probability as a rough guide.",
            "unknown",
        )
    held = (
        f"In back-tests the 80% forecast band held {share_text(coverage)} of {points} past values"
    )
    if label == "well_calibrated":
        return Reading(
            headline,
            f"{held}, close to the 80% it should: the probability can be taken at face value.",
            "better",
        )
    if label == "overconfident":
        return Reading(
            headline,
            f"{held}: the bands are too narrow, so the probability is surer of itself than it "
            "should be (too close to 0% or 100%).",
            "worse",
        )
    return Reading(
        headline,
        f"{held}: the bands are wider than needed, so the probability is more cautious than "
        "it should be (too close to 50%).",
        "neutral",
    )


def _calibration(block: dict) -> str:
    """The outlook's calibration rule, for a forecast block that does not carry the label."""
    coverage = block.get("coverage80")
    if not _finite(coverage) or (block.get("backtest_points") or 0) < 12:
        return "unknown"
    if coverage < 0.70:
        return "overconfident"
    if coverage > 0.90:
        return "underconfident"
    return "well_calibrated"


def forecast_reading(forecast: dict | None, frequency: str) -> Reading:
    """Which forecast method was used, how far ahead, and its back-test accuracy (MASE)."""
    if not forecast:
        return Reading(
            "No forecast", "Forecasts are computed for the citywide series only.", "unknown"
        )
    if forecast.get("error") or not forecast.get("points"):
        reason = forecast.get("error") or "The forecast could not be computed."
        return Reading("No forecast", _sentence(reason), "unknown")
    method = forecast.get("method_label") or forecast.get("method") or "Forecast"
    model = forecast.get("model")
    horizon = forecast.get("horizon") or len(forecast["points"])
    detail = f"{model + ', ' if model else ''}{_periods(horizon, frequency)} ahead"
    if forecast.get("n_train") and forecast.get("training_start"):
        detail += (
            f", fitted to {forecast['n_train']} values from "
            f"{_period(forecast['training_start'], frequency)}"
        )
    detail += "."
    mase = forecast.get("mase")
    if _finite(mase):
        judged = "better than" if mase < 1 else "no better than"
        detail += (
            f" In back-tests it missed by {mase:.2f} times as much as a simple "
            f"“same as before” guess ({judged} that guess; MASE {mase:.2f})."
        )
    notes = [n for n in forecast.get("notes") or [] if n]
    if notes:
        detail += " " + " ".join(_sentence(n) for n in notes)
    return Reading(method, detail, "neutral")


# -- one neighborhood against the city ---------------------------------------------------

#: What a neighborhood's value is, by the equity block's ``basis``.
BASIS_NOUNS = {
    "proportion": "share",
    "rate": "rate",
    "per_capita": "count per 1,000 residents",
    "total": "total",
    "mean": "average",
}


def basis_noun(basis: str | None, counted: str = "") -> str:
    """ "average", "share", "rate", "total", or "reports per 1,000 residents" (per capita)."""
    if basis == "per_capita" and counted:
        return f"{counted} per 1,000 residents"
    return BASIS_NOUNS.get(basis or "", "value")


@dataclass(frozen=True)
class UnitInfo:
    """The display details :func:`analytics.narrative.format_value` needs."""

    unit: str
    decimals: int
    unit_label: str = ""
    rate_per: int | None = None


def equity_unit(unit_info: Any, basis: str | None, values=()) -> UnitInfo:
    """How to write the neighborhood values of an equity block.

    Counts compared per capita (``basis`` ``per_capita``) are per 1,000 residents, not in
    the measure's unit: they read "0.35 per 1,000 residents", with enough decimals to show
    two significant figures of the typical value. Every other basis is in the measure's
    own unit.
    """
    decimals = int(_get(unit_info, "decimals", 1) or 0)
    if basis != "per_capita":
        return UnitInfo(
            _get(unit_info, "unit"),
            decimals,
            _get(unit_info, "unit_label", "") or "",
            _get(unit_info, "rate_per"),
        )
    finite = [abs(float(v)) for v in values if _finite(_num(v)) and float(v) != 0]
    if finite:
        typical = float(np.median(finite))
        decimals = min(max(1 - int(math.floor(math.log10(typical))), 0), 6)
    else:
        decimals = max(decimals, 1)
    return UnitInfo("rate", decimals, "residents", 1000)


def equity_reading(row: dict | None, unit_info: Any, frequency: str) -> Reading | None:
    """A neighborhood's latest value against citywide: the gap, whether it is real, the rank."""
    if not row or not _finite(row.get("value")):
        return None
    if row.get("suppressed"):
        why = row.get("suppression_reason") or "too few cases"
        return Reading(
            "Too few cases to compare",
            f"The latest value rests on {why}, so it is not compared with the city.",
            "unknown",
        )
    citywide = row.get("citywide_value")
    gap = row.get("gap")
    if not _finite(citywide) or not _finite(gap):
        return Reading(value_text(row["value"], unit_info), "No citywide value to compare with.")
    assessment = row.get("assessment")
    if gap == 0:
        headline = "Same as citywide"
    elif assessment in ("better", "worse"):
        headline = f"{amount(gap, unit_info)} {assessment} than citywide"
    else:
        headline = f"{amount(gap, unit_info)} {'above' if gap > 0 else 'below'} citywide"
    detail = f"{value_text(row['value'], unit_info)} against {value_text(citywide, unit_info)}"
    detail += " citywide"
    if row.get("period"):
        detail += f" in {_period(row['period'], frequency)}"
    detail += "."
    lower, upper = row.get("lower"), row.get("upper")
    interval = (
        f" (95% interval {value_text(lower, unit_info)} to {value_text(upper, unit_info)})"
        if _finite(lower) and _finite(upper)
        else ""
    )
    if row.get("significant"):
        detail += f" The difference is larger than chance would explain{interval}."
    elif interval:
        detail += f" The difference could be chance{interval}."
    if row.get("rank") and row.get("ranked_of"):
        detail += f" Ranked {row['rank']} of {row['ranked_of']} neighborhoods (1 = best)."
    tone = assessment if assessment in ("better", "worse") and row.get("significant") else "neutral"
    return Reading(headline, detail, tone)


# -- freshness and due dates -------------------------------------------------------------


@dataclass(frozen=True)
class Staleness:
    """Whether a series is later than its expected update lag.

    The next period (after the latest observed one) is expected ``update_lag_days`` after
    it ends; the series is stale once ``today`` is past that date.
    """

    stale: bool
    next_period: pd.Timestamp | None
    expected_by: date | None
    days_late: int


def staleness(
    latest_period, frequency: str, update_lag_days: int, today: date | pd.Timestamp
) -> Staleness:
    """Is the series later than expected? (the demo city's definition of a stale measure)."""
    if latest_period is None or (isinstance(latest_period, float) and math.isnan(latest_period)):
        return Staleness(False, None, None, 0)
    following = pd.Timestamp(latest_period) + period_offset(frequency)
    due = period_end(following, frequency) + pd.Timedelta(days=int(update_lag_days or 0))
    late = (pd.Timestamp(today).normalize() - due).days
    return Staleness(late > 0, following, due.date(), max(late, 0))


def staleness_text(state: Staleness, frequency: str) -> str:
    """ "Late: figures for October 2026 were expected by 30 November 2026 (12 days ago)."."""
    if state.next_period is None:
        return "No data has been reported yet."
    period = _period(state.next_period, frequency)
    expected = date_text(state.expected_by)
    if state.stale:
        days = f"{state.days_late} day{'s' if state.days_late != 1 else ''}"
        return f"Late: figures for {period} were expected by {expected} ({days} ago)."
    return f"Up to date: figures for {period} are expected by {expected}."


def update_schedule(frequency: str, update_lag_days: int) -> str:
    """ "Monthly, within 31 days of the month's end"."""
    adjective = FREQUENCY_ADJECTIVES.get(frequency, frequency.capitalize())
    lag = int(update_lag_days or 0)
    if lag == 0:
        return f"{adjective}, as soon as the {period_noun(frequency)} ends"
    days = f"{lag} day{'s' if lag != 1 else ''}"
    return f"{adjective}, within {days} of the {period_noun(frequency)}'s end"


def due_reading(due_date, today: date | pd.Timestamp) -> Reading:
    """An open action's due date against today: "Overdue by 12 days", "Due today", "Due in 5 days"."""
    if due_date is None or (isinstance(due_date, float) and math.isnan(due_date)):
        return Reading("No due date", "", "unknown")
    days = (pd.Timestamp(due_date).normalize() - pd.Timestamp(today).normalize()).days
    when = date_text(due_date)
    if days < 0:
        n = -days
        return Reading(f"Overdue by {n} day{'s' if n != 1 else ''}", when, "worse")
    if days == 0:
        return Reading("Due today", when, "neutral")
    return Reading(f"Due in {days} day{'s' if days != 1 else ''}", when, "neutral")


# -- the series as a table ---------------------------------------------------------------

TABLE_COLUMNS = ["period", "value", "numerator", "denominator", "target", "tolerance", "status"]


def series_table(
    series: pd.DataFrame, targets: pd.DataFrame | None, direction: str
) -> pd.DataFrame:
    """Every observed period with the target active for it and the status against it.

    Columns: period, value, numerator, denominator, target, tolerance, status (met /
    near / missed / no_target / no_data), oldest first.
    """
    rules = as_targets(targets)
    rows = []
    for row in series.itertuples(index=False):
        t = active_target(rules, row.period)
        value = float(row.value) if _finite(_num(row.value)) else np.nan
        rows.append(
            (
                pd.Timestamp(row.period),
                value,
                _num(getattr(row, "numerator", np.nan)),
                _num(getattr(row, "denominator", np.nan)),
                t.value if t else np.nan,
                t.tolerance if t else np.nan,
                target_status(
                    None if np.isnan(value) else value,
                    t.value if t else None,
                    t.tolerance if t else 0.0,
                    direction,
                ),
            )
        )
    frame = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    frame["period"] = pd.to_datetime(frame["period"])
    return frame.sort_values("period", ignore_index=True)


def _num(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return np.nan
    return value
