"""Plain-language values and headlines for tiles and the kiosk.

``format_value(7.9, "minutes", 1)`` gives ``"7.9 minutes"``; :func:`headline` turns a
stored summary into one sentence such as "Average EMS response time was 7.9 minutes in
October 2026, better than the 8-minute target and improving for 6 months."
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from analytics.periods import period_label, period_noun

NO_DATA = "No data"
_CURRENCY_SYMBOLS = {"": "$", "USD": "$", "$": "$", "EUR": "€", "€": "€", "GBP": "£", "£": "£"}
_TIME_UNITS = ("minutes", "hours", "days")


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{max(int(decimals), 0)}f}"


def _trimmed(value: float, decimals: int) -> str:
    """Like :func:`_number` but without trailing zeros: ``8`` rather than ``8.0``."""
    text = _number(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _compact_currency(value: float, decimals: int) -> str:
    size = abs(value)
    for bound, suffix in ((1e9, "B"), (1e6, "M")):
        if size >= bound:
            return f"{value / bound:,.1f}{suffix}"
    return _number(value, decimals)


def format_value(
    value: float | None,
    unit: str,
    decimals: int = 1,
    unit_label: str = "",
    rate_per: int | None = None,
) -> str:
    """A value with its unit, as people write it.

    Examples
    --------
    >>> format_value(7.94, "minutes", 1)
    '7.9 minutes'
    >>> format_value(82.5, "percent", 1)
    '82.5%'
    >>> format_value(1_234_567, "currency", 0, "USD")
    '$1.2M'
    >>> format_value(4.12, "rate", 1, "residents", 1000)
    '4.1 per 1,000 residents'
    >>> format_value(4.12, "rate", 1, "per 1,000 residents", 1000)
    '4.1 per 1,000 residents'
    >>> format_value(1204, "count", 0, "potholes")
    '1,204 potholes'

    Missing values give ``"No data"``. Currency of a million or more is shortened (M, B);
    ``unit_label`` is the currency code (USD, EUR, GBP get their symbol, others follow the
    number). Minutes, hours and days are singular for exactly 1.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NO_DATA
    value = float(value)
    label = (unit_label or "").strip()
    if unit == "percent":
        return f"{_number(value, decimals)}%"
    if unit == "currency":
        amount = _compact_currency(abs(value), decimals)
        sign = "-" if value < 0 else ""
        symbol = _CURRENCY_SYMBOLS.get(label.upper() if len(label) == 3 else label)
        if symbol:
            return f"{sign}{symbol}{amount}"
        return f"{sign}{amount} {label}"
    if unit in _TIME_UNITS:
        text = _number(value, decimals)
        noun = unit[:-1] if text == "1" else unit
        return f"{text} {label or noun}"
    if unit == "rate":
        text = _number(value, decimals)
        if label.lower().startswith("per "):  # the label already says "per 1,000 residents"
            return f"{text} {label}"
        per = f" per {int(rate_per):,}" if rate_per else ""
        return f"{text}{per}{' ' + label if label else ''}"
    text = _number(value, decimals)
    return f"{text} {label}" if label else text


def _get(obj: Any, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _name_says_unit(name: str, unit_info: Any) -> bool:
    """Whether ``name`` already carries the unit ("Violent crimes per 1,000 residents",
    "Building permits issued"), so repeating it after the number would read twice."""
    unit = _get(unit_info, "unit")
    label = (_get(unit_info, "unit_label", "") or "").strip().lower()
    lowered = (name or "").lower()
    if unit == "rate":
        rate_per = _get(unit_info, "rate_per")
        return bool(rate_per) and f"per {int(rate_per):,}" in lowered
    if unit == "count" and label:
        return re.search(rf"\b{re.escape(label)}\b", lowered) is not None
    return False


def _value_text(value: float, unit_info: Any, bare: bool, trim: bool = False) -> str:
    decimals = _get(unit_info, "decimals", 1)
    if bare:
        return (_trimmed if trim else _number)(float(value), decimals or 0)
    return format_value(
        value,
        _get(unit_info, "unit"),
        decimals,
        _get(unit_info, "unit_label", ""),
        _get(unit_info, "rate_per"),
    )


def _target_phrase(target: float, unit_info: Any, bare: bool = False) -> str:
    unit = _get(unit_info, "unit")
    decimals = _get(unit_info, "decimals", 1) or 0
    if unit in _TIME_UNITS:
        return f"the {_trimmed(target, decimals)}-{unit[:-1]} target"
    if unit == "percent":
        return f"the {_trimmed(target, decimals)}% target"
    return f"the target of {_value_text(target, unit_info, bare, trim=True)}"


def _when(period: str, frequency: str) -> str:
    label = period_label(pd.Timestamp(period), frequency)
    return f"on {label}" if frequency == "day" else f"in {label}"


#: Periods in a year, for saying a long run in years ("for at least 6 years").
_PER_YEAR = {"week": 52, "month": 12, "quarter": 4}
NO_CLEAR_TREND = "with no clear trend"


def duration(periods: int, frequency: str, at_least: bool = False) -> str:
    """How long a run of ``periods`` lasted, as people say it.

    Whole years of two or more are said in years; shorter or uneven runs in periods.

    Examples
    --------
    >>> duration(6, "month")
    '6 months'
    >>> duration(72, "month", at_least=True)
    'at least 6 years'
    >>> duration(30, "month")
    '30 months'
    >>> duration(8, "quarter")
    '2 years'
    """
    per_year = _PER_YEAR.get(frequency)
    if per_year and periods >= 2 * per_year and periods % per_year == 0:
        text = f"{periods // per_year} years"
    else:
        text = f"{periods} {period_noun(frequency, periods)}"
    return f"at least {text}" if at_least else text


def _trend_clause(trend: dict | None, frequency: str) -> str | None:
    if not trend:
        return None
    verdict = trend.get("verdict")
    if verdict in (None, "insufficient_data"):
        return None
    if verdict == "no_significant_change":
        return NO_CLEAR_TREND
    run = trend.get("run_length") or 0
    if run >= 2:
        return f"{verdict} for {duration(run, frequency, bool(trend.get('run_length_capped')))}"
    return verdict


def _target_clause(
    target: dict | None, direction: str, unit_info: Any, bare: bool = False
) -> str | None:
    if not target or not target.get("current"):
        return None
    status = target.get("status")
    phrase = _target_phrase(target["current"]["value"], unit_info, bare)
    if direction == "neutral":
        return {"met": f"within {phrase}", "missed": f"off {phrase}"}.get(status)
    if status == "met":
        return f"meeting {phrase}" if not target.get("gap") else f"better than {phrase}"
    if status == "near":
        return f"close to {phrase}"
    if status == "missed":
        return f"worse than {phrase}"
    return None


def headline(name: str | None, unit_info: Any, summary: dict) -> str:
    """One plain sentence about a measure's latest value, target and trend.

    Parameters
    ----------
    name : str
        The measure's display name ("Average EMS response time").
    unit_info
        Anything with ``unit``, ``decimals``, ``unit_label`` and ``rate_per`` (attributes or
        keys): a :class:`MeasureMeta`, the data layer's measure record, or a dict.
    summary : dict
        One entry of :func:`analytics.summary.summarize_measure`.

    The sentence is "<name> was <value> in <period>", then — when known — the target
    comparison (better than / meeting / close to / worse than the target; within / off
    for neutral measures) and the trend verdict with its run length ("improving for 6
    months"; "at least" when the run reaches the start of the data; whole years of two
    or more in years). A unit the name already says is not repeated: "Violent crimes per
    1,000 residents was 0.39", not "... was 0.39 per 1,000 residents".
    """
    name = name or _get(unit_info, "name") or "This measure"
    value = summary.get("latest_value")
    period = summary.get("latest_period")
    if value is None or period is None:
        return f"{name} has no data yet."
    frequency = summary.get("frequency") or _get(unit_info, "frequency", "month")
    direction = summary.get("direction") or _get(unit_info, "direction", "neutral")
    bare = _name_says_unit(name, unit_info)
    text = _value_text(value, unit_info, bare)
    target = _target_clause(summary.get("target"), direction, unit_info, bare)
    trend = _trend_clause(summary.get("trend"), frequency)
    sentence = f"{name} was {text} {_when(period, frequency)}"
    if target:
        sentence += f", {target}"
    if trend:
        # "better than the target and improving", but "better than the target, with no
        # clear trend": "and with" reads as if the lack of a trend were an achievement.
        sentence += f"{' and' if target and trend != NO_CLEAR_TREND else ','} {trend}"
    return sentence + "."
