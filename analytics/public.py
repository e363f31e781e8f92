"""Plain-language wording, time windows and rotation steps for the public site and kiosk.

Pure functions: the pages pass in stored summaries and frames and get back words,
dates and tidy frames. Nothing here reads the database or knows about Dash.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

from analytics.narrative import duration, format_value
from analytics.periods import period_label

#: Kiosk rotation: seconds per measure when neither the URL nor the configuration says.
KIOSK_DEFAULT_INTERVAL = 15
#: Seconds per measure the kiosk accepts: fast enough for a test, slow enough to be
#: useful on a wall. Anything outside is clamped to the nearest bound.
KIOSK_INTERVAL_RANGE = (1, 3600)

#: Chart ranges a visitor can pick on a public measure page: label → years (None: all).
RANGES = {"2y": ("2 years", 2), "5y": ("5 years", 5), "10y": ("10 years", 10), "all": ("All", None)}
#: The range shown first: enough periods to see a trend, few enough to read the chart.
DEFAULT_RANGE = {"day": "2y", "week": "2y", "month": "5y", "quarter": "5y", "year": "all"}
#: What the kiosk shows of each measure: about three years (five for quarterly data).
KIOSK_YEARS = {"day": 1, "week": 2, "month": 3, "quarter": 5, "year": None}

TREND_WORDS = {
    "improving": ("Improving", "improving"),
    "worsening": ("Getting worse", "worsening"),
    "increasing": ("Rising", "neutral"),
    "decreasing": ("Falling", "neutral"),
    "no_significant_change": ("No clear trend", "flat"),
}
NO_TREND = ("Too little data to judge a trend", "unknown")


def kiosk_interval(requested, default: int | None = None) -> int:
    """Seconds per measure from the ``interval`` query value, clamped to a sane range.

    A missing or unreadable value gives ``default`` (itself clamped), and that falls back
    to :data:`KIOSK_DEFAULT_INTERVAL`.

    >>> kiosk_interval("20")
    20
    >>> kiosk_interval("0.2"), kiosk_interval("99999"), kiosk_interval("soon", 30)
    (1, 3600, 30)
    """
    low, high = KIOSK_INTERVAL_RANGE
    fallback = KIOSK_DEFAULT_INTERVAL if default is None else default
    try:
        seconds = float(requested)
    except (TypeError, ValueError):
        seconds = float(fallback)
    if not math.isfinite(seconds):
        seconds = float(fallback)
    return int(min(max(round(seconds), low), high))


def rotation_step(tick: int | None, count: int) -> int:
    """Which of ``count`` measures to show on interval tick ``tick`` (0 before the first).

    Derived from the tick alone, so the kiosk keeps no state that could grow or go
    stale: after a server restart the next tick simply shows the next measure.
    """
    if count <= 0:
        return 0
    return int(tick or 0) % count


def window_start(latest, frequency: str, years: int | None) -> pd.Timestamp | None:
    """The first period to show: ``years`` before the latest period (None: everything)."""
    if latest is None or years is None or pd.isna(latest):
        return None
    latest = pd.Timestamp(latest)
    if frequency == "day":
        return latest - pd.DateOffset(years=years) + pd.Timedelta(days=1)
    if frequency == "week":
        return latest - pd.Timedelta(weeks=52 * years - 1)
    months = {"month": 1, "quarter": 3, "year": 12}.get(frequency, 1)
    return latest - pd.DateOffset(years=years) + pd.DateOffset(months=months)


def chart_range(requested: str | None, frequency: str) -> str:
    """A known range key for the public chart; an unknown one falls back to the default."""
    if requested in RANGES:
        return requested
    return DEFAULT_RANGE.get(frequency, "5y")


def trend_words(trend: dict | None, frequency: str) -> tuple[str, str]:
    """(Phrase, kind) for the stored trend block: ("Improving for 13 months", "improving").

    ``kind`` is improving, worsening, neutral (a change on a measure with no better
    direction), flat or unknown; pages pick an icon from it.
    """
    verdict = (trend or {}).get("verdict")
    if verdict not in TREND_WORDS:
        return NO_TREND
    text, kind = TREND_WORDS[verdict]
    run = (trend or {}).get("run_length") or 0
    if verdict != "no_significant_change" and run >= 2:
        capped = bool(trend.get("run_length_capped"))
        text += f" for {duration(run, frequency, capped)}"
    return text, kind


def change_words(change: dict | None, measure) -> tuple[str, str | None]:
    """A change block (``changes.vs_last_year`` of a stored summary) in words.

    Returns (text, assessment): ("0.4 minutes lower than in October 2025", "better").
    Percentages change by percentage points. ``assessment`` is better, worse or None.
    """
    if not change or change.get("absolute") is None or change.get("period") is None:
        return "No earlier figure to compare with", None
    absolute = float(change["absolute"])
    when = period_label(pd.Timestamp(change["period"]), measure.frequency)
    if absolute == 0:
        return f"The same as in {when}", None
    if measure.unit == "percent":
        points = f"{abs(absolute):,.{max(int(measure.decimals), 0)}f}"
        size = f"{points} percentage point{'' if points == '1' else 's'}"
    else:
        size = format_value(
            abs(absolute), measure.unit, measure.decimals, measure.unit_label, measure.rate_per
        )
    way = "higher" if absolute > 0 else "lower"
    assessment = change.get("assessment")
    return f"{size} {way} than in {when}", assessment if assessment in ("better", "worse") else None


def change_verdict(change: dict | None) -> str:
    """One word for a change block, for a tile: Better, Worse, Higher, Lower, The same, or
    "—" when there is nothing to compare with."""
    if not change or change.get("absolute") is None or change.get("period") is None:
        return "—"
    if change.get("assessment") in ("better", "worse"):
        return change["assessment"].title()
    absolute = float(change["absolute"])
    return "The same" if absolute == 0 else ("Higher" if absolute > 0 else "Lower")


def updated_on(when) -> str:
    """A date as residents write it: "22 November 2026" ("not yet" when unknown)."""
    if when is None or pd.isna(when):
        return "not yet"
    if isinstance(when, str):
        when = pd.Timestamp(when)
    if isinstance(when, pd.Timestamp):
        when = when.to_pydatetime()
    if isinstance(when, datetime):
        when = when.date()
    if not isinstance(when, date):
        return "not yet"
    return f"{when.day} {when:%B %Y}"


def forecast_frame(forecast: dict | None) -> pd.DataFrame:
    """The stored forecast block's points as the frame ``measure_chart`` takes."""
    points = (forecast or {}).get("points") or []
    frame = pd.DataFrame(points, columns=["period", "mean", "lo80", "hi80", "lo95", "hi95"])
    frame["period"] = pd.to_datetime(frame["period"])
    for column in ("mean", "lo80", "hi80", "lo95", "hi95"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def target_on(targets: pd.DataFrame, periods: pd.Series) -> pd.Series:
    """The target in force on each period (NaN where none), from a targets frame with
    ``period_start``, ``period_end`` and ``value``."""
    values = pd.Series(float("nan"), index=periods.index)
    if targets is None or targets.empty:
        return values
    stamps = pd.to_datetime(periods)
    for row in targets.itertuples(index=False):
        inside = (stamps >= pd.Timestamp(row.period_start)) & (
            stamps <= pd.Timestamp(row.period_end)
        )
        values[inside] = row.value
    return values


def clip_targets(targets: pd.DataFrame, start) -> pd.DataFrame:
    """Targets that are in force on or after ``start``, their start moved up to ``start``,
    so an old target does not stretch a chart's time axis back years."""
    if targets is None or targets.empty or start is None:
        return targets
    start = pd.Timestamp(start)
    kept = targets[pd.to_datetime(targets["period_end"]) >= start].copy()
    kept["period_start"] = pd.to_datetime(kept["period_start"]).clip(lower=start)
    return kept


def table_rows(history: pd.DataFrame, targets: pd.DataFrame, measure) -> list[dict]:
    """Rows for the chart's table alternative, newest first: period, value, target.

    ``measure`` has ``unit``, ``decimals``, ``unit_label``, ``rate_per`` and
    ``frequency``. Values are formatted as on the page; a missing one reads "No data".
    """
    if history.empty:
        return []
    target = target_on(targets, history["period"])

    def fmt(value) -> str:
        if value is None or pd.isna(value):
            return "No data"
        return format_value(
            value, measure.unit, measure.decimals, measure.unit_label, measure.rate_per
        )

    rows = [
        {
            "period": _sentence_case(period_label(pd.Timestamp(period), measure.frequency)),
            "value": fmt(value),
            "target": "—" if pd.isna(goal) else fmt(goal),
        }
        for period, value, goal in zip(history["period"], history["value"], target, strict=True)
    ]
    return rows[::-1]


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]
