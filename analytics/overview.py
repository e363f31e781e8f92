"""The city overview and the priority-area tiles: counts, "what changed", staleness, sorting.

Pure functions over the stored summaries (``docs/methodology.md``, "Stored summary") and
plain measure records; no I/O, no Dash. A *measure record* is anything with the
attributes (or dict keys) ``id``, ``name``, ``department``, ``unit``, ``decimals``,
``unit_label``, ``rate_per`` and ``frequency`` — the data layer's ``MeasureInfo`` is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from analytics.narrative import format_value
from analytics.periods import (
    period_end,
    period_label,
    period_noun,
    period_offset,
    periods_per_year,
)

#: Target statuses in the order a manager triages them: problems first.
STATUS_ORDER = ("missed", "near", "met", "no_target", "no_data")
#: Tile orders an area page offers; the first is the default.
SORTS = ("status", "name", "department")
SORT_LABELS = {"status": "Status (off target first)", "name": "Name", "department": "Department"}

#: Kinds of change on the overview, most urgent first.
CHANGE_KINDS = ("target_miss", "signal", "worsening")
CHANGE_LABELS = {
    "target_miss": "New target miss",
    "signal": "New signal",
    "worsening": "Now worsening",
}

_RULE_WORDS = {
    "beyond_limits": "outside the control limits ({side} than usual)",
    "two_of_three_beyond_2sigma": "2 of the last 3 values were well {side_word} the usual level",
    "four_of_five_beyond_1sigma": "4 of the last 5 values were {side_word} the usual level",
    "run_of_eight": "8 values in a row were {side_word} the usual level",
}
_STATUS_WORDS = {
    "met": "on target",
    "near": "near its target",
    "missed": "off target",
    "no_target": "without a target",
    "no_data": "without data",
}


def _get(obj: Any, name: str, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _value(measure: Any, value: float | None) -> str:
    return format_value(
        value,
        _get(measure, "unit", "count"),
        _get(measure, "decimals", 1),
        _get(measure, "unit_label", "") or "",
        _get(measure, "rate_per"),
    )


def _timestamp(period) -> pd.Timestamp | None:
    if period is None or (isinstance(period, float) and pd.isna(period)):
        return None
    ts = pd.Timestamp(period)
    return None if pd.isna(ts) else ts


def standalone_period(period, frequency: str) -> str:
    """:func:`analytics.periods.period_label` for use on its own line: "Week of 9 November 2026"."""
    label = period_label(pd.Timestamp(period), frequency)
    if label.startswith("the "):
        label = label[4:]
    return label[:1].upper() + label[1:]


# -- status counts ----------------------------------------------------------------------


def status_counts(statuses: Iterable[str | None], signals: Iterable[bool] = ()) -> dict[str, int]:
    """How many measures are in each target status, and how many carry a new signal.

    Returns a dict with one key per :data:`STATUS_ORDER` entry plus ``signal``. A missing
    status (no stored summary yet) counts as ``no_data``.
    """
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for status in statuses:
        counts[status if status in counts else "no_data"] += 1
    counts["signal"] = sum(bool(s) for s in signals)
    return counts


# -- staleness -----------------------------------------------------------------------------


def overdue_period(
    latest_period, frequency: str, update_lag_days: int, as_of
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first missing period whose data should have arrived by ``as_of``, and its due date.

    A period's value is due ``update_lag_days`` after the period ends. Periods follow one
    another, so data is late exactly when the period right after ``latest_period`` is
    due: ``period_end(next) + update_lag_days <= as_of``. Returns ``(period, due date)``,
    or None when nothing is overdue or there is no data at all (a measure with no data has
    its own "no data" state).
    """
    latest = _timestamp(latest_period)
    if latest is None:
        return None
    following = latest + period_offset(frequency)
    due = period_end(following, frequency) + pd.Timedelta(days=int(update_lag_days or 0))
    if due <= pd.Timestamp(as_of):
        return following, due
    return None


def is_stale(latest_period, frequency: str, update_lag_days: int, as_of) -> bool:
    """True when data is later than the measure's expected update lag.

    Stale means the newest period whose data should have arrived by ``as_of`` (period end
    + ``update_lag_days`` ≤ ``as_of``) is newer than ``latest_period``, the latest period
    with data. Example: a monthly measure with a 31-day lag whose latest value is for
    June 2026 is stale on 31 August 2026 (July ended 31 July, due 31 August), not on 30
    August. A measure with no data at all is not "stale" but "no data" (False).
    """
    return overdue_period(latest_period, frequency, update_lag_days, as_of) is not None


def stale_description(latest_period, frequency: str, update_lag_days: int, as_of) -> str:
    """Plain words for the staleness flag, or "" when the data is on time."""
    overdue = overdue_period(latest_period, frequency, update_lag_days, as_of)
    if overdue is None:
        return ""
    period, due = overdue
    return (
        f"Data for {period_label(period, frequency)} was due by "
        f"{due.day} {due.month_name()} {due.year} and has not arrived."
    )


# -- changes against earlier periods ---------------------------------------------------------


def change_phrase(change: Mapping | None, measure: Any) -> dict[str, str] | None:
    """Words for one entry of a summary's ``changes`` (``vs_previous`` or ``vs_last_year``).

    Returns ``{"direction": "up"|"down"|"same", "amount": ..., "against": ...,
    "assessment": "better"|"worse"|"unchanged"|""}`` — e.g. amount "4.4%" (relative change),
    "1.2 points" for percentages (a change of a percentage is in points), or the unit
    value when the earlier value was 0 — or None when there is nothing to compare with.
    """
    if not change or change.get("value") is None or change.get("absolute") is None:
        return None
    frequency = _get(measure, "frequency", "month")
    absolute = float(change["absolute"])
    relative = change.get("relative")
    against = period_label(pd.Timestamp(change["period"]), frequency)
    direction = "up" if absolute > 0 else "down" if absolute < 0 else "same"
    decimals = _get(measure, "decimals", 1)
    if direction == "same":
        amount = ""
    elif _get(measure, "unit") == "percent":
        places = max(int(decimals), 0)
        points = f"{abs(absolute):,.{places}f}"
        if float(points.replace(",", "")) == 0:
            smallest = f"{10**-places:.{places}f}"
            amount = f"less than {smallest} {'point' if smallest == '1' else 'points'}"
        else:
            amount = f"{points} {'point' if points == '1' else 'points'}"
    elif relative is not None:
        pct = abs(float(relative)) * 100
        if pct < 0.05:
            amount = "less than 0.1%"
        else:
            amount = f"{pct:,.1f}%" if pct < 10 else f"{pct:,.0f}%"
    else:
        amount = _value(measure, abs(absolute))
    return {
        "direction": direction,
        "amount": amount,
        "against": against,
        "assessment": change.get("assessment") or "",
    }


def change_sentence(change: Mapping | None, measure: Any) -> str:
    """One line such as "Up 4.4% from October 2025 (worse)" or "No value for September 2026"."""
    phrase = change_phrase(change, measure)
    if phrase is None:
        if change and change.get("period"):
            frequency = _get(measure, "frequency", "month")
            return f"No value for {period_label(pd.Timestamp(change['period']), frequency)}"
        return "Nothing to compare with"
    if phrase["direction"] == "same":
        text = f"Same as {phrase['against']}"
    else:
        verb = "Up" if phrase["direction"] == "up" else "Down"
        text = f"{verb} {phrase['amount']} from {phrase['against']}"
    if phrase["assessment"] in ("better", "worse"):
        text += f" ({phrase['assessment']})"
    return text


# -- what changed since the previous period ---------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One entry of the overview's "What changed" list."""

    measure_id: str
    measure_name: str
    kind: str
    period: pd.Timestamp
    period_label: str
    text: str
    #: False for good news (a favourable signal), True for bad news, None when neutral.
    unfavourable: bool | None = True

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self.kind]


def _new_target_miss(measure: Any, summary: Mapping) -> Change | None:
    target = summary.get("target") or {}
    history = target.get("history") or []
    latest = _timestamp(summary.get("latest_period"))
    if not history or latest is None:
        return None
    last = history[-1]
    if _timestamp(last.get("period")) != latest or last.get("status") != "missed":
        return None
    previous = _timestamp(summary.get("previous_period"))
    before = next((row for row in history if _timestamp(row.get("period")) == previous), None)
    if before is not None and before.get("status") == "missed":
        return None
    frequency = _get(measure, "frequency", "month")
    text = (
        f"{_value(measure, last.get('value'))} against a target of "
        f"{_value(measure, last.get('target'))}"
    )
    if before is not None and previous is not None:
        text += (
            f"; it was {_STATUS_WORDS.get(before.get('status'), 'not off target')} in "
            f"{period_label(previous, frequency)}"
        )
    return Change(
        _get(measure, "id"),
        _get(measure, "name"),
        "target_miss",
        latest,
        period_label(latest, frequency),
        text + ".",
    )


def _new_signal(measure: Any, summary: Mapping) -> Change | None:
    control = summary.get("control") or {}
    signals = control.get("signals") or []
    latest = _timestamp(summary.get("latest_period"))
    previous = _timestamp(summary.get("previous_period"))
    if latest is None:
        return None
    now = next((s for s in signals if _timestamp(s.get("period")) == latest), None)
    if now is None:
        return None
    if previous is not None and any(
        _timestamp(s.get("period")) == previous and s.get("side") == now.get("side")
        for s in signals
    ):
        return None  # the same signal continues: not new since the previous period
    frequency = _get(measure, "frequency", "month")
    side_word = now.get("side") if now.get("side") in ("above", "below") else "away from"
    side = {"above": "higher", "below": "lower"}.get(now.get("side"), "different")
    pattern = _RULE_WORDS.get(now.get("rule"), "an unusual pattern ({side} than usual)")
    favourable = now.get("favourable")
    meaning = {
        True: "A real change for the better, not random variation.",
        False: "A real change for the worse, not random variation.",
    }.get(favourable, "More than random variation.")
    text = (
        f"At {_value(measure, now.get('value'))}, "
        f"{pattern.format(side=side, side_word=side_word)}. {meaning}"
    )
    return Change(
        _get(measure, "id"),
        _get(measure, "name"),
        "signal",
        latest,
        period_label(latest, frequency),
        text,
        None if favourable is None else not favourable,
    )


def _newly_worsening(measure: Any, summary: Mapping) -> Change | None:
    trend = summary.get("trend") or {}
    latest = _timestamp(summary.get("latest_period"))
    if latest is None or trend.get("verdict") != "worsening":
        return None
    if trend.get("run_length") != 1 or trend.get("run_length_capped"):
        return None  # worsening for longer (or we cannot tell): not a change
    frequency = _get(measure, "frequency", "month")
    n = trend.get("window_periods") or trend.get("n") or 0
    moving = {"increasing": "rising", "decreasing": "falling"}.get(trend.get("change"), "moving")
    text = (
        f"The trend turned to worsening: values have been {moving} over the last "
        f"{n} {period_noun(frequency, n)}."
        if n
        else "The trend turned to worsening."
    )
    return Change(
        _get(measure, "id"),
        _get(measure, "name"),
        "worsening",
        latest,
        period_label(latest, frequency),
        text,
    )


def what_changed(measures: Sequence[Any], summaries: Mapping[str, Mapping]) -> list[Change]:
    """What changed in each measure's latest period against its previous period.

    Three kinds, most urgent first:

    * ``target_miss`` — the latest target status (``target.history``) is *missed* while
      the previous period's was not (or had no status);
    * ``signal`` — a control-chart signal on the latest period that was not already
      signalling on the same side in the previous period; unfavourable signals before
      favourable ones;
    * ``worsening`` — the trend verdict is *worsening* now and was not at the previous
      period's end (``trend.run_length`` is 1 and not capped).

    Within a kind, the newest period comes first, then the order of ``measures``.
    ``summaries`` maps measure id to its stored citywide summary; measures without one
    are skipped.
    """
    found: list[tuple[tuple, Change]] = []
    for position, measure in enumerate(measures):
        summary = summaries.get(_get(measure, "id"))
        if not summary:
            continue
        for detect in (_new_target_miss, _new_signal, _newly_worsening):
            change = detect(measure, summary)
            if change is None:
                continue
            favourable_last = 1 if change.unfavourable is False else 0
            key = (
                CHANGE_KINDS.index(change.kind),
                favourable_last,
                -change.period.value,
                position,
            )
            found.append((key, change))
    return [change for _, change in sorted(found, key=lambda item: item[0])]


def change_digest(summary: Mapping) -> dict:
    """The part of a stored summary that :func:`what_changed` reads, and ``as_of``.

    A stored summary holds whole histories (control-chart signals, target history,
    equity); the overview needs only the latest and previous periods of them. On a large
    city the digests are a few hundred bytes per measure where the summaries are tens of
    kilobytes, so the overview can keep them cached and read them quickly.
    ``what_changed(measures, {id: change_digest(s)})`` equals ``what_changed(measures,
    {id: s})``.
    """
    if not summary:
        return {}
    latest = _timestamp(summary.get("latest_period"))
    previous = _timestamp(summary.get("previous_period"))
    wanted = {t for t in (latest, previous) if t is not None}

    def at_wanted_periods(rows) -> list:
        return [r for r in rows or [] if _timestamp(r.get("period")) in wanted]

    target = summary.get("target") or {}
    control = summary.get("control") or {}
    trend = summary.get("trend") or {}
    trend_keys = ("verdict", "run_length", "run_length_capped", "window_periods", "n", "change")
    return {
        "as_of": summary.get("as_of"),
        "latest_period": summary.get("latest_period"),
        "previous_period": summary.get("previous_period"),
        "target": {"history": at_wanted_periods(target.get("history"))},
        "control": {"signals": at_wanted_periods(control.get("signals"))},
        "trend": {k: trend[k] for k in trend_keys if k in trend},
    }


def attention_first(measures: Sequence[Any], summaries: Mapping[str, Mapping], limit: int):
    """The ``limit`` measures of an overview card that most need attention (off target
    first, then near, on, no target, no data; catalog order within a status), and how
    many were left out."""
    statuses = {
        _get(m, "id"): (summaries.get(_get(m, "id")) or {}).get("target_status") for m in measures
    }
    chosen = (
        arrange(measures, "status", statuses=statuses)[:limit]
        if len(measures) > limit
        else list(measures)
    )
    return chosen, len(measures) - len(chosen)


# -- sorting and filtering tiles ------------------------------------------------------------


def _status_rank(status: str | None) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER) - 1


def clean_view(sort: str | None, department: str | None, departments: Iterable[str]) -> tuple:
    """``(sort, department)`` made valid: an unknown sort is the default, an unknown
    department is "all" (None)."""
    sort = sort if sort in SORTS else SORTS[0]
    department = department if department and department in set(departments) else None
    return sort, department


def arrange(
    items: Sequence[Any],
    sort: str = "status",
    department: str | None = None,
    *,
    statuses: Mapping[str, str | None] | None = None,
) -> list[Any]:
    """Measures filtered to ``department`` (None: all) and sorted.

    * ``status``: off target, near, on target, no target, no data; ties keep the given
      (catalog) order.
    * ``name``: alphabetical, case-insensitive.
    * ``department``: by department, then name.

    ``statuses`` maps measure id to target status; without it each item's own
    ``target_status`` is used.
    """
    statuses = statuses or {}

    def status_of(item):
        return statuses.get(_get(item, "id"), _get(item, "target_status"))

    chosen = [i for i in items if department is None or _get(i, "department") == department]
    if sort == "name":
        return sorted(chosen, key=lambda i: str(_get(i, "name", "")).casefold())
    if sort == "department":
        return sorted(
            chosen,
            key=lambda i: (
                str(_get(i, "department", "")).casefold(),
                str(_get(i, "name", "")).casefold(),
            ),
        )
    return sorted(chosen, key=lambda i: _status_rank(status_of(i)))  # stable: catalog order


def view_query(sort: str | None, department: str | None, page: int = 1) -> str:
    """The query string of an area view: ``"?sort=name&department=Police+Department"``
    (``&page=2`` from the second page of tiles on)."""
    params = {}
    if sort and sort in SORTS:
        params["sort"] = sort
    if department:
        params["department"] = department
    if page and page > 1:
        params["page"] = str(page)
    return "?" + urlencode(params) if params else ""


def page_of(items: Sequence[Any], page, per_page: int) -> tuple[list[Any], int, int]:
    """``(the items on page, the page, how many pages)``. ``page`` counts from 1; a page
    that is missing, not a number or out of range is the nearest valid one."""
    pages = max(1, -(-len(items) // per_page))
    try:
        page = int(page)
    except (TypeError, ValueError):
        page = 1
    page = min(max(page, 1), pages)
    return list(items[(page - 1) * per_page : page * per_page]), page, pages


# -- words for a tile ---------------------------------------------------------------------

_VERDICT_WORDS = {
    "improving": "Improving",
    "worsening": "Worsening",
    "increasing": "Rising",
    "decreasing": "Falling",
}


def trend_words(trend: Mapping | None, frequency: str) -> str:
    """The trend verdict in words: "Worsening for 6 months", "No clear trend"."""
    verdict = (trend or {}).get("verdict")
    if verdict == "no_significant_change":
        return "No clear trend"
    if verdict not in _VERDICT_WORDS:
        return "Not enough data for a trend"
    run = trend.get("run_length") or 0
    if run < 2:
        return _VERDICT_WORDS[verdict]
    at_least = "at least " if trend.get("run_length_capped") else ""
    per_year = periods_per_year(frequency)
    if frequency != "year" and run >= 2 * per_year:
        years = run // per_year
        return f"{_VERDICT_WORDS[verdict]} for {at_least}{years} years"
    return f"{_VERDICT_WORDS[verdict]} for {at_least}{run} {period_noun(frequency, run)}"


def latest_signal_description(summary: Mapping | None) -> str:
    """What the newest control-chart signal says, for the signal badge's tooltip."""
    signals = ((summary or {}).get("control") or {}).get("signals") or []
    if not signals:
        return ""
    newest = signals[-1]
    frequency = (summary or {}).get("frequency") or "month"
    when = period_label(pd.Timestamp(newest["period"]), frequency)
    return f"{newest.get('rule_label') or 'Control-chart signal'} ({when})"
