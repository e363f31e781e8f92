"""The Stat meeting cycle as pure functions: agenda proposals, memo and follow-up content,
and "measure the measurers" statistics.

A Stat meeting follows one structure (the CitiStat memo): **follow-up items** first (open
commitments from earlier meetings), then **standing items** (progress on the priority
measures), then **new items** (what changed since the last meeting). Everything here works
on plain values — measure records, stored summary payloads (``docs/methodology.md``,
"Stored summary") and frames from the Store — and does no I/O.

Definitions
-----------
*In scope*: a measure is in a meeting's scope when its priority area or its department is
one the meeting covers. An action item is in scope when its measure or department is, or
when it was agreed at a meeting whose scope overlaps.

*Since the last meeting*: the cut-off is the latest **held** meeting with an overlapping
scope before this one; with none, :data:`DEFAULT_LOOKBACK_DAYS` before the meeting. A
value is *new* when its period ended after the cut-off.

*New items* are measures with, since the cut-off: a control-chart signal on one of the
latest values; a new run of target misses (the first missed period of the current run is
new); or a worsening trend whose run began (see ``trend.run_length``) after it.

*Timeliness* follows the Baltimore CitiStat rule: the memo goes out at least
:data:`MEMO_LEAD` (48 hours) before the meeting and the follow-up within
:data:`FOLLOWUP_WINDOW` (2 days) after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from analytics.narrative import format_value, headline
from analytics.periods import period_end, period_label, period_noun, period_offset

SECTIONS = ("follow_up", "standing", "new")
SECTION_LABELS = {
    "follow_up": "Follow-up items",
    "standing": "Standing items",
    "new": "New items",
}
SECTION_HELP = {
    "follow_up": "Open commitments from earlier meetings, overdue ones first.",
    "standing": "Progress on the priority measures against their targets.",
    "new": "Signals, new target misses and worsening trends since the last meeting.",
}
OPEN_STATUSES = ("open", "in_progress")
STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
TARGET_WORDS = {
    "met": "On target",
    "near": "Near target",
    "missed": "Off target",
    "no_target": "No target set",
    "no_data": "No data yet",
}

DEFAULT_LOOKBACK_DAYS = 42
MEMO_LEAD = timedelta(hours=48)
FOLLOWUP_WINDOW = timedelta(days=2)

MAX_FOLLOW_UPS = 8
MAX_STANDING = 6
MAX_NEW = 5
#: Suggested minutes by what the item is about.
MINUTES = {
    "overdue": 5,
    "open": 3,
    "missed": 10,
    "near": 7,
    "met": 5,
    "no_target": 5,
    "new": 10,
    "new_favourable": 5,
}

_SHORT_RULES = {
    "beyond_limits": "a value outside the control limits",
    "two_of_three_beyond_2sigma": "2 of 3 values close to a control limit",
    "four_of_five_beyond_1sigma": "4 of 5 values well off the centre line",
    "run_of_eight": "8 values in a row on one side of the centre line",
}


def _get(obj: Any, name: str, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _present(value):
    """``value``, or None when it is missing (None, NaN, NaT)."""
    return None if _missing(value) else value


def format_day(day) -> str:
    """``"29 Oct 2026"``."""
    if _missing(day):
        return ""
    ts = pd.Timestamp(day)
    return f"{ts.day} {ts.strftime('%b')} {ts.year}"


def format_when(moment) -> str:
    """``"Thu 12 Nov 2026, 09:30"``."""
    if _missing(moment):
        return ""
    ts = pd.Timestamp(moment)
    return f"{ts.strftime('%a')} {format_day(ts)}, {ts.strftime('%H:%M')}"


def shorten(text: str, limit: int = 120) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- scope --------------------------------------------------------------------------------------


def in_scope(measure: Any, areas: Iterable[str], departments: Iterable[str]) -> bool:
    return _get(measure, "area_id") in set(areas) or _get(measure, "department") in set(departments)


def scopes_overlap(areas_a, departments_a, areas_b, departments_b) -> bool:
    return bool(set(areas_a or ()) & set(areas_b or ())) or bool(
        set(departments_a or ()) & set(departments_b or ())
    )


def last_meeting(
    meetings: pd.DataFrame,
    *,
    before: datetime,
    areas: Iterable[str],
    departments: Iterable[str],
    exclude_id: int | None = None,
) -> dict | None:
    """The latest held meeting before ``before`` whose scope overlaps, as a dict, or None."""
    if meetings is None or meetings.empty:
        return None
    best = None
    for row in meetings.to_dict("records"):
        if row["status"] != "held" or row["id"] == exclude_id:
            continue
        when = pd.Timestamp(row["scheduled_for"])
        if when >= pd.Timestamp(before):
            continue
        if not scopes_overlap(row["areas"], row["departments"], areas, departments):
            continue
        if best is None or when > pd.Timestamp(best["scheduled_for"]):
            best = row
    return best


def news_cutoff(meeting: Any, meetings: pd.DataFrame) -> tuple[date, str | None]:
    """What "new" is measured from: the last held meeting in scope before ``meeting`` (its
    date and title) or, with none, :data:`DEFAULT_LOOKBACK_DAYS` before it (title None)."""
    when = pd.Timestamp(_get(meeting, "scheduled_for"))
    previous = last_meeting(
        meetings,
        before=when,
        areas=_get(meeting, "areas") or (),
        departments=_get(meeting, "departments") or (),
        exclude_id=_get(meeting, "id"),
    )
    if previous is not None:
        return pd.Timestamp(previous["scheduled_for"]).date(), previous["title"]
    return (when - pd.Timedelta(days=DEFAULT_LOOKBACK_DAYS)).date(), None


# -- agenda proposal ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedItem:
    section: str
    title: str
    minutes: int
    reason: str
    measure_id: str | None = None
    action_item_id: int | None = None


@dataclass(frozen=True)
class AgendaProposal:
    items: list[ProposedItem]
    #: "New" means new since this date.
    since: date
    #: Title of the meeting ``since`` comes from, or None when it is the default look-back.
    since_meeting: str | None = None

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.items)

    def section(self, name: str) -> list[ProposedItem]:
        return [item for item in self.items if item.section == name]


def propose_agenda(
    *,
    meeting: Any,
    measures: Iterable[Any],
    payloads: Mapping[str, dict],
    actions: pd.DataFrame,
    meetings: pd.DataFrame,
) -> AgendaProposal:
    """Propose a meeting's agenda in the three Stat memo sections.

    Parameters
    ----------
    meeting
        Anything with ``id``, ``scheduled_for``, ``areas`` and ``departments``.
    measures
        Measure records (``id``, ``name``, ``area_id``, ``department``, ``unit``, ``decimals``,
        ``unit_label``, ``rate_per``, ``direction``, ``frequency``), in display order.
    payloads
        Measure id → stored citywide summary payload.
    actions
        Action items: ``id``, ``description``, ``owner``, ``department``, ``due_date``,
        ``status``, ``measure_id``, ``meeting_id``.
    meetings
        Every meeting: ``id``, ``scheduled_for``, ``status``, ``areas``, ``departments``.
    """
    areas = list(_get(meeting, "areas") or ())
    departments = list(_get(meeting, "departments") or ())
    when = pd.Timestamp(_get(meeting, "scheduled_for"))
    scoped = [m for m in measures if in_scope(m, areas, departments)]
    since, since_meeting = news_cutoff(meeting, meetings)

    follow_ups = follow_up_items(
        actions,
        meeting_date=when.date(),
        meeting_id=_get(meeting, "id"),
        scope_measure_ids={_get(m, "id") for m in scoped},
        areas=areas,
        departments=departments,
        meetings=meetings,
    )
    new = new_items(scoped, payloads, since)
    taken = {item.measure_id for item in new}
    standing = standing_items([m for m in scoped if _get(m, "id") not in taken], payloads)
    return AgendaProposal(follow_ups + standing + new, since, since_meeting)


def follow_up_items(
    actions: pd.DataFrame,
    *,
    meeting_date: date,
    meeting_id: int | None,
    scope_measure_ids: set[str],
    areas: Iterable[str],
    departments: Iterable[str],
    meetings: pd.DataFrame,
) -> list[ProposedItem]:
    """Open action items from earlier meetings in scope: overdue first (most overdue first),
    then by due date; 5 minutes for an overdue item, 3 for one still on time."""
    if actions is None or actions.empty:
        return []
    departments = set(departments)
    earlier = {}
    if meetings is not None and not meetings.empty:
        for row in meetings.to_dict("records"):
            if pd.Timestamp(row["scheduled_for"]).date() < meeting_date and row["id"] != meeting_id:
                earlier[row["id"]] = row
    chosen = []
    for row in actions.to_dict("records"):
        if row["status"] not in OPEN_STATUSES or _missing(row.get("meeting_id")):
            continue
        origin = earlier.get(int(row["meeting_id"]))
        if origin is None:
            continue
        if not (
            _present(row.get("measure_id")) in scope_measure_ids
            or row.get("department") in departments
            or scopes_overlap(origin["areas"], origin["departments"], areas, departments)
        ):
            continue
        due = pd.Timestamp(row["due_date"]).date()
        chosen.append((due, row, origin))
    chosen.sort(key=lambda t: (t[0] >= meeting_date, t[0], t[1]["id"]))
    items = []
    for due, row, _origin in chosen[:MAX_FOLLOW_UPS]:
        late = (meeting_date - due).days
        status = STATUS_LABELS.get(row["status"], row["status"]).lower()
        if late > 0:
            when = f"Overdue by {late} day{'s' if late != 1 else ''} (due {format_day(due)})"
        else:
            when = f"Due {format_day(due)}"
        items.append(
            ProposedItem(
                section="follow_up",
                title=shorten(row["description"]),
                minutes=MINUTES["overdue" if late > 0 else "open"],
                reason=f"{when}; {status}; {row['owner']}.",
                measure_id=_present(row.get("measure_id")),
                action_item_id=int(row["id"]),
            )
        )
    return items


def _order_key(measure) -> tuple:
    return (_get(measure, "display_order", 0) or 0, _get(measure, "name", ""))


def _value_text(measure, value) -> str:
    return format_value(
        value,
        _get(measure, "unit"),
        _get(measure, "decimals", 1),
        _get(measure, "unit_label", ""),
        _get(measure, "rate_per"),
    )


def _trend_words(trend: dict | None, frequency: str) -> str | None:
    if not trend or trend.get("verdict") in (None, "insufficient_data"):
        return None
    verdict = trend["verdict"]
    if verdict == "no_significant_change":
        return "no clear trend"
    run = trend.get("run_length") or 0
    if run >= 2:
        at_least = "at least " if trend.get("run_length_capped") else ""
        return f"{verdict} for {at_least}{run} {period_noun(frequency, run)}"
    return verdict


def standing_reason(measure, payload: dict) -> str:
    """``"Off target: 54.8 days in October 2026 against 50.8 days; worsening for 13 months."``"""
    status = payload.get("target_status") or "no_data"
    frequency = payload.get("frequency") or _get(measure, "frequency", "month")
    value, period = payload.get("latest_value"), payload.get("latest_period")
    if value is None or period is None:
        return "No data has been reported yet."
    text = f"{TARGET_WORDS.get(status, status)}: {_value_text(measure, value)} in "
    text += period_label(pd.Timestamp(period), frequency)
    current = (payload.get("target") or {}).get("current")
    if current and status in ("met", "near", "missed"):
        text += f" against {_value_text(measure, current['value'])}"
    trend = _trend_words(payload.get("trend"), frequency)
    return text + (f"; {trend}." if trend else ".")


def standing_items(measures: list, payloads: Mapping[str, dict]) -> list[ProposedItem]:
    """The scope's priority measures — those with a target — off-target ones first."""
    rank = {"missed": 0, "near": 1, "met": 2}
    with_target = [
        m for m in measures if (payloads.get(_get(m, "id")) or {}).get("target_status") in rank
    ]
    with_target.sort(key=lambda m: (rank[payloads[_get(m, "id")]["target_status"]], *_order_key(m)))
    chosen = with_target[:MAX_STANDING]
    if len(chosen) < 3:
        # Few targets in scope: show the measures with data so the room still sees progress.
        rest = [
            m
            for m in sorted(measures, key=_order_key)
            if m not in chosen
            and (payloads.get(_get(m, "id")) or {}).get("latest_value") is not None
        ]
        chosen += rest[: 3 - len(chosen)]
    items = []
    for measure in chosen:
        payload = payloads.get(_get(measure, "id")) or {}
        status = payload.get("target_status") or "no_target"
        items.append(
            ProposedItem(
                section="standing",
                title=_get(measure, "name"),
                minutes=MINUTES.get(status, MINUTES["no_target"]),
                reason=standing_reason(measure, payload),
                measure_id=_get(measure, "id"),
            )
        )
    return items


def _is_new(period, frequency: str, since: date) -> bool:
    return period_end(pd.Timestamp(period), frequency).date() > since


@dataclass(frozen=True)
class NewFindings:
    """Why a measure is news since the last meeting (each None when not)."""

    signal: dict | None = None
    missed_since: str | None = None
    worsening_since: str | None = None

    @property
    def any(self) -> bool:
        return bool(self.signal or self.missed_since or self.worsening_since)

    @property
    def unfavourable(self) -> bool:
        return bool(
            self.missed_since
            or self.worsening_since
            or (self.signal and self.signal.get("favourable") is not True)
        )


def new_findings(payload: dict, frequency: str, since: date) -> NewFindings:
    """What is new about one measure since ``since`` (see the module docstring)."""
    signal = None
    control = payload.get("control") or {}
    if control.get("has_new_signal"):
        recent = [s for s in control.get("signals") or [] if _is_new(s["period"], frequency, since)]
        if recent:
            signal = max(recent, key=lambda s: s["period"])

    missed_since = None
    history = (payload.get("target") or {}).get("history") or []
    if payload.get("target_status") == "missed" and history and history[-1]["status"] == "missed":
        start = len(history) - 1
        while start > 0 and history[start - 1]["status"] == "missed":
            start -= 1
        if _is_new(history[start]["period"], frequency, since):
            missed_since = history[start]["period"]

    worsening_since = None
    trend = payload.get("trend") or {}
    latest = payload.get("latest_period")
    if trend.get("verdict") == "worsening" and latest and not trend.get("run_length_capped"):
        run = max(int(trend.get("run_length") or 1), 1)
        start = pd.Timestamp(latest) - period_offset(frequency, run - 1)
        if _is_new(start, frequency, since):
            worsening_since = start.date().isoformat()
    return NewFindings(signal, missed_since, worsening_since)


def signal_phrase(signal: dict) -> str:
    rule = _SHORT_RULES.get(signal.get("rule"), "an unusual value")
    if signal.get("favourable") is True:
        return f"{rule}, a change for the better"
    if signal.get("favourable") is False:
        return f"{rule}, a change for the worse"
    return rule


def new_reason(findings: NewFindings, frequency: str) -> str:
    parts = []
    if findings.signal:
        label = period_label(pd.Timestamp(findings.signal["period"]), frequency)
        parts.append(f"signal in {label}: {signal_phrase(findings.signal)}")
    if findings.missed_since:
        parts.append(
            f"off target since {period_label(pd.Timestamp(findings.missed_since), frequency)}"
        )
    if findings.worsening_since:
        label = period_label(pd.Timestamp(findings.worsening_since), frequency)
        parts.append(f"worsening since {label}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def new_items(measures: list, payloads: Mapping[str, dict], since: date) -> list[ProposedItem]:
    """Measures with something new since ``since``: unfavourable news first, then the ones
    with most reasons; 10 minutes each (5 for a change for the better alone)."""
    found = []
    for measure in measures:
        payload = payloads.get(_get(measure, "id")) or {}
        frequency = payload.get("frequency") or _get(measure, "frequency", "month")
        findings = new_findings(payload, frequency, since)
        if findings.any:
            found.append((measure, findings, frequency))
    found.sort(
        key=lambda t: (
            not t[1].unfavourable,
            -sum(bool(x) for x in (t[1].signal, t[1].missed_since, t[1].worsening_since)),
            *_order_key(t[0]),
        )
    )
    return [
        ProposedItem(
            section="new",
            title=_get(measure, "name"),
            minutes=MINUTES["new" if findings.unfavourable else "new_favourable"],
            reason=new_reason(findings, frequency),
            measure_id=_get(measure, "id"),
        )
        for measure, findings, frequency in found[:MAX_NEW]
    ]


# -- memo content -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemoItem:
    number: int
    section: str
    title: str
    minutes: int
    reason: str
    measure_id: str | None = None
    measure_name: str | None = None
    key_figures: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MemoDocument:
    meeting_title: str
    meeting_when: datetime
    attendees: list[str]
    scope_text: str
    intro: str
    items: list[MemoItem]

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.items)

    @property
    def send_by(self) -> datetime:
        return pd.Timestamp(self.meeting_when).to_pydatetime() - MEMO_LEAD

    def sections(self) -> list[tuple[str, list[MemoItem]]]:
        return [
            (SECTION_LABELS[name], [i for i in self.items if i.section == name])
            for name in SECTIONS
            if any(i.section == name for i in self.items)
        ]


def _change_sentence(measure, payload: dict, frequency: str) -> str | None:
    change = (payload.get("changes") or {}).get("vs_last_year")
    if not change or change.get("absolute") is None or change.get("value") is None:
        return None
    earlier = _value_text(measure, change["value"])
    label = period_label(pd.Timestamp(change["period"]), frequency)
    absolute = change["absolute"]
    if _get(measure, "unit") == "percent":
        size = f"{abs(absolute):,.{max(int(_get(measure, 'decimals', 1) or 0), 0)}f} points"
    else:
        size = _value_text(measure, abs(absolute))
    direction = "higher" if absolute > 0 else "lower"
    if absolute == 0:
        return f"A year earlier, in {label}, it was the same: {earlier}."
    judged = {"better": ", a change for the better", "worse": ", a change for the worse"}.get(
        change.get("assessment"), ""
    )
    return f"That is {size} {direction} than in {label} ({earlier}){judged}."


def _outlook_sentence(payload: dict) -> str | None:
    target = payload.get("target") or {}
    outlook = target.get("outlook") or {}
    probability = outlook.get("probability")
    goal = outlook.get("target") or {}
    if probability is None or not goal:
        return None
    label = goal.get("label") or "the target"
    when = period_label(pd.Timestamp(outlook["target_period"]), payload.get("frequency", "month"))
    chance = round(float(probability) * 100)
    chance_text = (
        "less than 1%" if chance < 1 else "more than 99%" if chance > 99 else f"about {chance}%"
    )
    return f"The forecast puts the chance of meeting the {label} in {when} at {chance_text}."


def key_figures(measure, payload: dict) -> list[str]:
    """The measure's key figures in words: headline, change on a year, target outlook, signal."""
    if not payload:
        return [f"{_get(measure, 'name')} has no stored figures yet."]
    frequency = payload.get("frequency") or _get(measure, "frequency", "month")
    out = [headline(_get(measure, "name"), measure, payload)]
    for sentence in (
        _change_sentence(measure, payload, frequency),
        _outlook_sentence(payload),
    ):
        if sentence:
            out.append(sentence)
    control = payload.get("control") or {}
    if control.get("has_new_signal") and control.get("signals"):
        signal = max(control["signals"], key=lambda s: s["period"])
        label = period_label(pd.Timestamp(signal["period"]), frequency)
        out.append(f"Control chart: {label} shows {signal_phrase(signal)}.")
    return out


def measure_questions(measure, payload: dict, findings: NewFindings | None = None) -> list[str]:
    """Open questions for the room about one measure."""
    if not payload or payload.get("latest_value") is None:
        return ["When will data for this measure be available?"]
    frequency = payload.get("frequency") or _get(measure, "frequency", "month")
    questions = []
    if findings and findings.signal:
        label = period_label(pd.Timestamp(findings.signal["period"]), frequency)
        if findings.signal.get("favourable") is True:
            questions.append(f"What caused the improvement in {label}, and can it be kept up?")
        else:
            questions.append(f"What changed in {label}? The value is outside the usual range.")
    if findings and findings.worsening_since:
        label = period_label(pd.Timestamp(findings.worsening_since), frequency)
        questions.append(f"What explains the worsening since {label}?")
    status = payload.get("target_status")
    current = (payload.get("target") or {}).get("current") or {}
    if status == "missed":
        by = f" by {format_day(current['period_end'])}" if current.get("period_end") else ""
        questions.append(
            f"What is keeping this measure off target, and what will close the gap{by}?"
        )
    elif status == "near":
        questions.append("What would move this measure from near target to on target?")
    elif status == "met":
        questions.append("Is the current level sustainable, and what could put it at risk?")
    elif status == "no_target":
        questions.append("Should this measure have a target, and what should it be?")
    return questions


def action_questions(action: Mapping, meeting_date: date) -> list[str]:
    due = pd.Timestamp(action["due_date"]).date()
    if due < meeting_date:
        return ["What is blocking this commitment, and what is the new completion date?"]
    return [f"Is this on track for {format_day(due)}? What help is needed?"]


def _action_figures(action: Mapping, meeting_date: date, origin_title: str | None) -> list[str]:
    due = pd.Timestamp(action["due_date"]).date()
    status = STATUS_LABELS.get(action["status"], action["status"])
    agreed = f" at {origin_title}" if origin_title else ""
    lines = [f"{action['owner']} committed{agreed} to: {action['description']}"]
    late = (meeting_date - due).days
    state = f"overdue by {late} days" if late > 0 else f"due {format_day(due)}"
    lines.append(f"Status: {status}; {state}.")
    return lines


def build_memo(
    *,
    meeting: Any,
    agenda: pd.DataFrame,
    measures: Mapping[str, Any],
    payloads: Mapping[str, dict],
    actions: Mapping[int, Mapping],
    meeting_titles: Mapping[int, str] | None = None,
    scope_text: str = "",
    since: date | None = None,
) -> MemoDocument:
    """The Stat memo's content: for each agenda item, its key figures in words and the
    open questions. ``actions`` maps action id → action record for follow-up items."""
    when = pd.Timestamp(_get(meeting, "scheduled_for"))
    meeting_titles = meeting_titles or {}
    items = []
    for number, row in enumerate(agenda.to_dict("records"), start=1):
        measure_id = _present(row.get("measure_id"))
        measure = measures.get(measure_id) if measure_id else None
        payload = (payloads.get(measure_id) or {}) if measure else {}
        figures: list[str] = []
        questions: list[str] = []
        action = None
        if not _missing(row.get("action_item_id")):
            action = actions.get(int(row["action_item_id"]))
        if action is not None:
            origin = meeting_titles.get(action.get("meeting_id"))
            figures += _action_figures(action, when.date(), origin)
            questions += action_questions(action, when.date())
        if measure is not None:
            frequency = payload.get("frequency") or _get(measure, "frequency", "month")
            findings = new_findings(payload, frequency, since) if since and payload else None
            figures += key_figures(measure, payload)
            if action is None:
                questions += measure_questions(measure, payload, findings)
        items.append(
            MemoItem(
                number=number,
                section=row["section"],
                title=row["title"],
                minutes=int(row["minutes"]),
                reason=row.get("reason") or "",
                measure_id=measure_id if measure is not None else None,
                measure_name=_get(measure, "name") if measure is not None else None,
                key_figures=figures,
                questions=questions,
            )
        )
    return MemoDocument(
        meeting_title=_get(meeting, "title"),
        meeting_when=when.to_pydatetime(),
        attendees=list(_get(meeting, "attendees") or ()),
        scope_text=scope_text,
        intro=(_get(meeting, "memo_text") or "").strip(),
        items=items,
    )


def draft_memo_intro(doc: MemoDocument) -> str:
    """A first paragraph for the memo, for the analyst to edit."""
    counts = {name: sum(i.section == name for i in doc.items) for name in SECTIONS}
    parts = []
    if counts["follow_up"]:
        parts.append(
            f"{counts['follow_up']} follow-up item{'s' if counts['follow_up'] != 1 else ''}"
        )
    if counts["standing"]:
        parts.append(f"{counts['standing']} standing item{'s' if counts['standing'] != 1 else ''}")
    if counts["new"]:
        parts.append(f"{counts['new']} new item{'s' if counts['new'] != 1 else ''}")
    listed = (
        ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if parts
        else "no items yet"
    )
    lines = [
        f"{doc.meeting_title} meets on {format_when(doc.meeting_when)}. "
        f"The agenda has {listed}, {doc.total_minutes} minutes in all.",
    ]
    off = [
        i.title for i in doc.items if i.section in ("standing", "new") and "Off target" in i.reason
    ]
    if off:
        lines.append("Off target: " + "; ".join(off) + ".")
    lines.append(
        "Each item below gives the key figures in words, the chart and the questions for "
        "the room. Follow-up items come first."
    )
    return "\n\n".join(lines)


# -- follow-up memo -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Commitment:
    id: int
    description: str
    owner: str
    department: str
    due_date: date
    status: str
    measure_name: str | None = None


@dataclass(frozen=True)
class FollowupDocument:
    meeting_title: str
    meeting_when: datetime
    attendees: list[str]
    #: (owner, departments, commitments), owners in order of their earliest due date.
    owners: list[tuple[str, str, list[Commitment]]]
    #: (agenda item title or "General", note bodies)
    notes: list[tuple[str, list[str]]]
    #: (measure name, date text, label)
    annotations: list[tuple[str, str, str]]

    @property
    def send_by(self) -> datetime:
        return pd.Timestamp(self.meeting_when).to_pydatetime() + FOLLOWUP_WINDOW

    @property
    def n_commitments(self) -> int:
        return sum(len(c) for _, _, c in self.owners)


def build_followup(
    *,
    meeting: Any,
    actions: pd.DataFrame,
    notes: pd.DataFrame,
    agenda: pd.DataFrame,
    annotations: pd.DataFrame,
    measure_names: Mapping[str, str],
) -> FollowupDocument:
    """The follow-up memo's content: commitments grouped by owner with due dates, the notes
    by agenda item and the chart annotations captured in the meeting."""
    groups: dict[str, list[Commitment]] = {}
    for row in (actions if actions is not None else pd.DataFrame()).to_dict("records"):
        if row["status"] == "dropped":
            continue
        groups.setdefault(row["owner"], []).append(
            Commitment(
                id=int(row["id"]),
                description=row["description"],
                owner=row["owner"],
                department=row.get("department") or "",
                due_date=pd.Timestamp(row["due_date"]).date(),
                status=row["status"],
                measure_name=measure_names.get(_present(row.get("measure_id"))),
            )
        )
    owners = []
    for owner, items in groups.items():
        items.sort(key=lambda c: (c.due_date, c.id))
        departments = ", ".join(dict.fromkeys(c.department for c in items if c.department))
        owners.append((owner, departments, items))
    owners.sort(key=lambda t: (t[2][0].due_date, t[0]))

    titles = {}
    if agenda is not None and not agenda.empty:
        titles = {int(r["id"]): r["title"] for r in agenda.to_dict("records")}
    order = list(titles)
    by_item: dict[str, list[str]] = {}
    ranked = []
    for row in (notes if notes is not None else pd.DataFrame()).to_dict("records"):
        item = row.get("agenda_item_id")
        key = titles.get(int(item), "General") if not _missing(item) else "General"
        if key not in by_item:
            rank = (
                order.index(int(item)) if not _missing(item) and int(item) in titles else len(order)
            )
            ranked.append((rank, key))
        by_item.setdefault(key, []).append(row["body"])
    notes_out = [(key, by_item[key]) for _, key in sorted(ranked, key=lambda t: t[0])]

    annotations_out = []
    for row in (annotations if annotations is not None else pd.DataFrame()).to_dict("records"):
        name = measure_names.get(_present(row.get("measure_id"))) or "All measures"
        when = format_day(row["start_date"])
        if not _missing(row.get("end_date")):
            when += f" to {format_day(row['end_date'])}"
        annotations_out.append((name or "All measures", when, row["label"]))
    return FollowupDocument(
        meeting_title=_get(meeting, "title"),
        meeting_when=pd.Timestamp(_get(meeting, "scheduled_for")).to_pydatetime(),
        attendees=list(_get(meeting, "attendees") or ()),
        owners=owners,
        notes=notes_out,
        annotations=annotations_out,
    )


def draft_followup_text(doc: FollowupDocument) -> str:
    """The follow-up memo as editable text (``#`` headings, ``-`` bullets, blank-line
    paragraphs), grouped by owner with due dates."""
    n = doc.n_commitments
    lines = [
        f"Thank you for attending {doc.meeting_title} on {format_when(doc.meeting_when)}. "
        f"The room agreed {n} commitment{'s' if n != 1 else ''}, listed below by owner with "
        "their due dates. They come first at the next meeting.",
        "",
        "# Commitments",
    ]
    if not doc.owners:
        lines += ["", "No commitments were recorded."]
    for owner, departments, items in doc.owners:
        lines += ["", f"## {owner}" + (f" ({departments})" if departments else "")]
        for c in items:
            about = f" [{c.measure_name}]" if c.measure_name else ""
            lines.append(f"- {c.description}{about} — due {format_day(c.due_date)}")
    if doc.notes:
        lines += ["", "# Notes from the meeting"]
        for title, bodies in doc.notes:
            lines += ["", f"## {title}"]
            lines += [f"- {' '.join(body.split())}" for body in bodies]
    if doc.annotations:
        lines += ["", "# Added to the charts"]
        lines += [f"- {name}, {when}: {label}" for name, when, label in doc.annotations]
    return "\n".join(lines).strip() + "\n"


# -- measure the measurers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """``count`` of ``total``, e.g. 3 of 4 memos on time."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def percent(self) -> str:
        return "–" if self.value is None else f"{round(self.value * 100)}%"

    def words(self, noun: str) -> str:
        return f"{self.count} of {self.total} {noun}"


def meeting_timeliness(meetings: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """One row per meeting with memo and follow-up deadlines and their state.

    States: ``on_time``, ``late`` (sent after the deadline), ``missing`` (not sent and the
    deadline has passed), ``pending`` (not sent, deadline still ahead) and
    ``not_applicable`` (cancelled meetings; follow-ups of meetings not held).
    """
    now = pd.Timestamp(as_of)
    rows = []
    for row in (meetings if meetings is not None else pd.DataFrame()).to_dict("records"):
        when = pd.Timestamp(row["scheduled_for"])
        memo_deadline = when - MEMO_LEAD
        follow_deadline = when + FOLLOWUP_WINDOW
        memo_sent = None if _missing(row.get("memo_sent_at")) else pd.Timestamp(row["memo_sent_at"])
        follow_sent = (
            None if _missing(row.get("followup_sent_at")) else pd.Timestamp(row["followup_sent_at"])
        )
        memo_state = _deadline_state(row["status"] != "cancelled", memo_sent, memo_deadline, now)
        follow_state = _deadline_state(row["status"] == "held", follow_sent, follow_deadline, now)
        rows.append(
            {
                "id": row["id"],
                "title": row["title"],
                "scheduled_for": when,
                "status": row["status"],
                "memo_deadline": memo_deadline,
                "memo_sent_at": memo_sent,
                "memo_lead_hours": (when - memo_sent).total_seconds() / 3600 if memo_sent else None,
                "memo_state": memo_state,
                "followup_deadline": follow_deadline,
                "followup_sent_at": follow_sent,
                "followup_days": (follow_sent - when).total_seconds() / 86400
                if follow_sent
                else None,
                "followup_state": follow_state,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "title",
            "scheduled_for",
            "status",
            "memo_deadline",
            "memo_sent_at",
            "memo_lead_hours",
            "memo_state",
            "followup_deadline",
            "followup_sent_at",
            "followup_days",
            "followup_state",
        ],
    )


def _deadline_state(applies: bool, sent, deadline, now) -> str:
    if not applies:
        return "not_applicable"
    if sent is not None:
        return "on_time" if sent <= deadline else "late"
    return "missing" if now > deadline else "pending"


def _share_of_states(states: pd.Series) -> Share:
    counted = states[states.isin(["on_time", "late", "missing"])]
    return Share(int((counted == "on_time").sum()), int(len(counted)))


def action_timeliness(actions: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each action's state: ``on_time`` (done by its due date), ``late`` (done after it),
    ``overdue`` (still open past it), ``pending`` (open, not yet due) or ``dropped``.
    A done item without a completion date counts as late."""
    rows = []
    for row in (actions if actions is not None else pd.DataFrame()).to_dict("records"):
        due = pd.Timestamp(row["due_date"]).date()
        if row["status"] == "dropped":
            state = "dropped"
        elif row["status"] == "done":
            done = (
                None
                if _missing(row.get("completed_at"))
                else pd.Timestamp(row["completed_at"]).date()
            )
            state = "on_time" if done is not None and done <= due else "late"
        else:
            state = "overdue" if due < as_of else "pending"
        rows.append({"id": row["id"], "due_date": due, "state": state})
    return pd.DataFrame(rows, columns=["id", "due_date", "state"])


def measure_timeliness(measures: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Is each measure's data up to date? ``measures`` has ``id``, ``name``, ``frequency``,
    ``update_lag_days`` and ``latest_period`` (NaT when there is no data).

    The period after the latest one is *due* ``update_lag_days`` after it ends; a measure
    is on schedule while that date has not passed. ``days_late`` counts from it.
    """
    rows = []
    day = pd.Timestamp(as_of)
    for row in (measures if measures is not None else pd.DataFrame()).to_dict("records"):
        latest = row.get("latest_period")
        if _missing(latest):
            rows.append(
                {**_measure_row(row), "next_due": None, "on_schedule": False, "days_late": None}
            )
            continue
        following = pd.Timestamp(latest) + period_offset(row["frequency"])
        due = period_end(following, row["frequency"]) + pd.Timedelta(
            days=int(row["update_lag_days"])
        )
        late = (day - due).days
        rows.append(
            {
                **_measure_row(row),
                "next_due": due.date(),
                "on_schedule": late <= 0,
                "days_late": max(late, 0),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "name",
            "frequency",
            "latest_period",
            "next_due",
            "on_schedule",
            "days_late",
        ],
    )


def _measure_row(row) -> dict:
    latest = row.get("latest_period")
    return {
        "id": row["id"],
        "name": row.get("name", row["id"]),
        "frequency": row["frequency"],
        "latest_period": None if _missing(latest) else pd.Timestamp(latest).date(),
    }


@dataclass(frozen=True)
class CycleHealth:
    meetings_held: Share
    actions_on_time: Share
    measures_on_schedule: Share
    memos_on_time: Share
    followups_on_time: Share
    overdue_actions: int
    meetings: pd.DataFrame
    actions: pd.DataFrame
    measures: pd.DataFrame


def cycle_health(
    *,
    meetings: pd.DataFrame,
    actions: pd.DataFrame,
    measures: pd.DataFrame,
    as_of: datetime,
) -> CycleHealth:
    """ "Measure the measurers": is the Stat cycle itself working?

    * meetings held of those scheduled up to ``as_of`` (cancelled ones count as not held);
    * actions done by their due date, of those done or past due (dropped ones left out);
    * measures whose data is up to date (:func:`measure_timeliness`);
    * memos sent at least 48 hours before, and follow-ups within 2 days after, of those
      whose deadline has passed or that have been sent (:func:`meeting_timeliness`).
    """
    now = pd.Timestamp(as_of)
    timely = meeting_timeliness(meetings, now.to_pydatetime())
    past = timely[timely["scheduled_for"] <= now]
    held = Share(int((past["status"] == "held").sum()), int(len(past)))
    action_rows = action_timeliness(actions, now.date())
    decided = action_rows[action_rows["state"].isin(["on_time", "late", "overdue"])]
    measure_rows = measure_timeliness(measures, now.date())
    return CycleHealth(
        meetings_held=held,
        actions_on_time=Share(int((decided["state"] == "on_time").sum()), int(len(decided))),
        measures_on_schedule=Share(int(measure_rows["on_schedule"].sum()), int(len(measure_rows))),
        memos_on_time=_share_of_states(timely["memo_state"]),
        followups_on_time=_share_of_states(timely["followup_state"]),
        overdue_actions=int((action_rows["state"] == "overdue").sum()),
        meetings=timely,
        actions=action_rows,
        measures=measure_rows,
    )
