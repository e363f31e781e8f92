"""The meeting cycle's write side: meetings, agendas, notes, action items and annotations.

Reads live in :class:`data.store.Store`; every change goes through this module, which
enforces two rules so no page can forget them:

* **Editors only.** Every function takes the acting :class:`~data.store.Viewer` and
  raises :class:`EditPermissionError` unless ``viewer.can_edit``.
* **No lost updates.** Every update takes the ``version`` the user saw. If the row has
  changed since (someone else saved first) nothing is written and :class:`ConflictError`
  says what happened and what to do. The ``version`` columns are SQLAlchemy
  ``version_id_col``s, so a change that races in between our read and our write is caught
  by the database too (``UPDATE ... WHERE version = :seen``).

Meeting times are the city's local wall-clock time, as the facilitator entered them;
"sent" and status-change times are recorded the same way, so "memo sent 48 hours
before the meeting" compares like with like.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from data.models import (
    ACTION_STATUSES,
    AGENDA_SECTIONS,
    MEETING_STATUSES,
    ActionItem,
    ActionStatusChange,
    AgendaItem,
    Annotation,
    Measure,
    Meeting,
    MeetingNote,
    PriorityArea,
)
from data.store import Viewer

CLOSED_STATUSES = ("done", "dropped")
MAX_TITLE = 300
MAX_LABEL = 200
MAX_NAME = 200
MAX_MINUTES = 240


class EditPermissionError(PermissionError):
    """The viewer may look but not change anything."""

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "Only editors can change meetings, agendas and action items. Sign in with an "
            "editor account, or ask your Statroom administrator for editor access."
        )


class ConflictError(Exception):
    """Someone else changed (or removed) the record after the user loaded it."""

    def __init__(self, kind: str, removed: bool = False):
        self.kind = kind
        self.removed = removed
        verb = "removed" if removed else "changed"
        see = "what is there now" if removed else "their version"
        super().__init__(
            f"Someone else {verb} this {kind} while you were editing it. "
            f"Your change was not saved; reload to see {see}."
        )


class MeetingInputError(ValueError):
    """A user-facing problem with what was entered; the message says how to fix it."""


# -- helpers ----------------------------------------------------------------------------------


def now() -> datetime:
    """Local wall-clock time, to the second (see the module docstring)."""
    return datetime.now().replace(microsecond=0)


def _require_editor(viewer: Viewer) -> None:
    if not viewer.can_edit:
        raise EditPermissionError()


def _actor(viewer: Viewer) -> str:
    return viewer.username or viewer.role


def _text(value, what: str, limit: int, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise MeetingInputError(f"Enter {what}.")
    if len(text) > limit:
        raise MeetingInputError(f"Keep {what} under {limit} characters (it has {len(text)}).")
    return text


def _as_date(value, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        raise MeetingInputError(f"Enter {what} as a date (YYYY-MM-DD).") from None


def _as_datetime(value, what: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    try:
        return datetime.fromisoformat(str(value or "")).replace(microsecond=0, tzinfo=None)
    except ValueError:
        raise MeetingInputError(f"Enter {what} as a date and time.") from None


def _minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise MeetingInputError("Enter the minutes as a whole number.") from None
    if not 0 <= minutes <= MAX_MINUTES:
        raise MeetingInputError(f"Minutes must be between 0 and {MAX_MINUTES}.")
    return minutes


def _names(values: Iterable[str] | None, what: str) -> list[str]:
    out: list[str] = []
    for value in values or ():
        name = _text(value, what, MAX_NAME, required=False)
        if name and name not in out:
            out.append(name)
    return out


def _check_measure(session: Session, measure_id: str | None) -> str | None:
    if not measure_id:
        return None
    if session.get(Measure, measure_id) is None:
        raise MeetingInputError(f"There is no measure {measure_id!r}; pick one from the list.")
    return measure_id


def _check_meeting(session: Session, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = session.get(Meeting, int(meeting_id))
    if meeting is None:
        raise ConflictError("meeting", removed=True)
    return meeting


def _load(session: Session, model, row_id, version, kind: str):
    row = session.get(model, row_id)
    if row is None:
        raise ConflictError(kind, removed=True)
    if version is None or int(version) != row.version:
        raise ConflictError(kind)
    return row


def _commit(session: Session, kind: str) -> None:
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(kind) from exc


def _touch(row, column: str) -> None:
    """Force an UPDATE, and so a version bump, even when no column of ``row`` changed."""
    flag_modified(row, column)


# -- meetings ---------------------------------------------------------------------------------


def _scope(session: Session, areas, departments) -> dict:
    areas = _names(areas, "an area")
    departments = _names(departments, "a department name")
    if not areas and not departments:
        raise MeetingInputError("Pick at least one priority area or department for the meeting.")
    known = set(session.execute(select(PriorityArea.id)).scalars())
    unknown = [a for a in areas if a not in known]
    if unknown:
        raise MeetingInputError(f"Unknown priority area: {', '.join(unknown)}.")
    return {"areas": areas, "departments": departments}


def create_meeting(
    engine: Engine,
    viewer: Viewer,
    *,
    title: str,
    scheduled_for,
    areas: Sequence[str] = (),
    departments: Sequence[str] = (),
    attendees: Sequence[str] = (),
) -> int:
    """Schedule a meeting; returns its id."""
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = Meeting(
            title=_text(title, "a title", MAX_TITLE),
            scheduled_for=_as_datetime(scheduled_for, "the meeting date"),
            status="scheduled",
            scope=_scope(session, areas, departments),
            attendees=_names(attendees, "an attendee"),
            created_at=now(),
        )
        session.add(meeting)
        session.commit()
        return meeting.id


def update_meeting(
    engine: Engine,
    viewer: Viewer,
    meeting_id: int,
    version: int,
    *,
    title: str | None = None,
    scheduled_for=None,
    status: str | None = None,
    areas: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
    attendees: Sequence[str] | None = None,
) -> int:
    """Change a meeting's details; returns the new version."""
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _load(session, Meeting, int(meeting_id), version, "meeting")
        if title is not None:
            meeting.title = _text(title, "a title", MAX_TITLE)
        if scheduled_for is not None:
            meeting.scheduled_for = _as_datetime(scheduled_for, "the meeting date")
        if status is not None:
            if status not in MEETING_STATUSES:
                raise MeetingInputError(f"Status must be one of {', '.join(MEETING_STATUSES)}.")
            meeting.status = status
        if areas is not None or departments is not None:
            scope = meeting.scope or {}
            meeting.scope = _scope(
                session,
                scope.get("areas", []) if areas is None else areas,
                scope.get("departments", []) if departments is None else departments,
            )
        if attendees is not None:
            meeting.attendees = _names(attendees, "an attendee")
        _touch(meeting, "title")
        _commit(session, "meeting")
        return meeting.version


def save_memo_text(engine: Engine, viewer: Viewer, meeting_id: int, version: int, text: str) -> int:
    """Save the analyst's edited memo text; returns the meeting's new version."""
    return _set_meeting_text(engine, viewer, meeting_id, version, "memo_text", text)


def save_followup_text(
    engine: Engine, viewer: Viewer, meeting_id: int, version: int, text: str
) -> int:
    """Save the edited follow-up memo; returns the meeting's new version."""
    return _set_meeting_text(engine, viewer, meeting_id, version, "followup_text", text)


def _set_meeting_text(engine, viewer, meeting_id, version, column: str, text: str) -> int:
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _load(session, Meeting, int(meeting_id), version, "meeting")
        setattr(meeting, column, (text or "").replace("\r\n", "\n"))
        _touch(meeting, "title")
        _commit(session, "meeting")
        return meeting.version


def mark_memo_sent(
    engine: Engine, viewer: Viewer, meeting_id: int, version: int, sent_at=None
) -> int:
    """Record when the Stat memo went out (now by default); returns the new version."""
    return _mark_sent(engine, viewer, meeting_id, version, "memo_sent_at", sent_at)


def mark_followup_sent(
    engine: Engine, viewer: Viewer, meeting_id: int, version: int, sent_at=None
) -> int:
    """Record when the follow-up memo went out (now by default); returns the new version."""
    return _mark_sent(engine, viewer, meeting_id, version, "followup_sent_at", sent_at)


def _mark_sent(engine, viewer, meeting_id, version, column: str, sent_at) -> int:
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _load(session, Meeting, int(meeting_id), version, "meeting")
        setattr(meeting, column, now() if sent_at is None else _as_datetime(sent_at, "the time"))
        _touch(meeting, "title")
        _commit(session, "meeting")
        return meeting.version


# -- agenda -----------------------------------------------------------------------------------


def _agenda_row(meeting_id: int, position: int, item) -> AgendaItem:
    def field(name, default=None):
        if isinstance(item, dict):
            return item.get(name, default)
        return getattr(item, name, default)

    section = field("section")
    if section not in AGENDA_SECTIONS:
        raise MeetingInputError(f"Section must be one of {', '.join(AGENDA_SECTIONS)}.")
    action_id = field("action_item_id")
    return AgendaItem(
        meeting_id=meeting_id,
        position=position,
        section=section,
        title=_text(field("title"), "a title for the agenda item", MAX_TITLE),
        measure_id=field("measure_id") or None,
        action_item_id=int(action_id) if action_id is not None else None,
        minutes=_minutes(field("minutes", 5)),
        reason=(field("reason", "") or "").strip(),
    )


def accept_agenda(
    engine: Engine, viewer: Viewer, meeting_id: int, version: int, items: Sequence
) -> int:
    """Replace the meeting's agenda with ``items`` (a proposal, in order).

    Items are anything with ``section``, ``title``, ``minutes``, ``reason``,
    ``measure_id`` and ``action_item_id`` (attributes or keys). Checked against the
    meeting's version, so two facilitators cannot both replace the agenda unseen.
    Returns the meeting's new version.
    """
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _load(session, Meeting, int(meeting_id), version, "meeting")
        rows = [_agenda_row(meeting.id, position, item) for position, item in enumerate(items)]
        for row in rows:
            _check_measure(session, row.measure_id)
            if (
                row.action_item_id is not None
                and session.get(ActionItem, row.action_item_id) is None
            ):
                row.action_item_id = None
        meeting.agenda_items.clear()
        session.flush()
        meeting.agenda_items.extend(rows)
        _touch(meeting, "title")
        _commit(session, "meeting")
        return meeting.version


def _ordered_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    stmt = (
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    return list(session.execute(stmt).scalars())


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position


def add_agenda_item(
    engine: Engine,
    viewer: Viewer,
    meeting_id: int,
    *,
    section: str,
    title: str,
    minutes: int = 5,
    reason: str = "",
    measure_id: str | None = None,
    action_item_id: int | None = None,
) -> int:
    """Add an item at the end of its section; returns its id."""
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _check_meeting(session, meeting_id)
        row = _agenda_row(
            meeting.id,
            0,
            {
                "section": section,
                "title": title,
                "minutes": minutes,
                "reason": reason,
                "measure_id": measure_id,
                "action_item_id": action_item_id,
            },
        )
        _check_measure(session, row.measure_id)
        items = _ordered_items(session, meeting.id)
        rank = AGENDA_SECTIONS.index(row.section)
        insert_at = len(items)
        for index, item in enumerate(items):
            if AGENDA_SECTIONS.index(item.section) > rank:
                insert_at = index
                break
        items.insert(insert_at, row)
        session.add(row)
        _renumber(items)
        _commit(session, "agenda item")
        return row.id


def update_agenda_item(
    engine: Engine,
    viewer: Viewer,
    item_id: int,
    version: int,
    *,
    minutes: int | None = None,
    title: str | None = None,
    reason: str | None = None,
    section: str | None = None,
) -> int:
    """Retime, retitle or re-section one item; returns its new version."""
    _require_editor(viewer)
    with Session(engine) as session:
        item = _load(session, AgendaItem, int(item_id), version, "agenda item")
        if minutes is not None:
            item.minutes = _minutes(minutes)
        if title is not None:
            item.title = _text(title, "a title for the agenda item", MAX_TITLE)
        if reason is not None:
            item.reason = reason.strip()
        if section is not None:
            if section not in AGENDA_SECTIONS:
                raise MeetingInputError(f"Section must be one of {', '.join(AGENDA_SECTIONS)}.")
            item.section = section
        _touch(item, "title")
        _commit(session, "agenda item")
        return item.version


def move_agenda_item(
    engine: Engine, viewer: Viewer, item_id: int, version: int, offset: int
) -> None:
    """Move one item up (``offset`` < 0) or down the agenda, swapping with its neighbour."""
    _require_editor(viewer)
    with Session(engine) as session:
        item = _load(session, AgendaItem, int(item_id), version, "agenda item")
        items = _ordered_items(session, item.meeting_id)
        index = next(i for i, row in enumerate(items) if row.id == item.id)
        target = max(0, min(len(items) - 1, index + (1 if offset > 0 else -1)))
        if target == index:
            return
        items.insert(target, items.pop(index))
        _renumber(items)
        _commit(session, "agenda item")


def remove_agenda_item(engine: Engine, viewer: Viewer, item_id: int, version: int) -> None:
    _require_editor(viewer)
    with Session(engine) as session:
        item = _load(session, AgendaItem, int(item_id), version, "agenda item")
        meeting_id = item.meeting_id
        session.delete(item)
        session.flush()
        _renumber(_ordered_items(session, meeting_id))
        _commit(session, "agenda item")


# -- notes ------------------------------------------------------------------------------------


def add_note(
    engine: Engine,
    viewer: Viewer,
    meeting_id: int,
    body: str,
    agenda_item_id: int | None = None,
) -> int:
    """Record a note taken in the meeting (optionally on one agenda item); returns its id."""
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _check_meeting(session, meeting_id)
        if agenda_item_id is not None:
            item = session.get(AgendaItem, int(agenda_item_id))
            if item is None or item.meeting_id != meeting.id:
                raise ConflictError("agenda item", removed=True)
        note = MeetingNote(
            meeting_id=meeting.id,
            agenda_item_id=int(agenda_item_id) if agenda_item_id is not None else None,
            body=_text(body, "the note", 10_000),
            author=_actor(viewer),
            created_at=now(),
        )
        session.add(note)
        session.commit()
        return note.id


# -- action items -----------------------------------------------------------------------------


def add_action(
    engine: Engine,
    viewer: Viewer,
    *,
    description: str,
    owner: str,
    due_date,
    department: str = "",
    measure_id: str | None = None,
    meeting_id: int | None = None,
    comment: str = "",
) -> int:
    """Record a commitment (who does what by when); returns its id.

    The first history entry (none → open) records who captured it and when.
    """
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _check_meeting(session, meeting_id)
        stamp = now()
        action = ActionItem(
            description=_text(description, "what will be done", 5_000),
            owner=_text(owner, "who owns the action", MAX_NAME),
            department=_text(department, "the department", MAX_NAME, required=False),
            due_date=_as_date(due_date, "the due date"),
            status="open",
            measure_id=_check_measure(session, measure_id),
            meeting_id=meeting.id if meeting else None,
            created_at=stamp,
        )
        action.history.append(
            ActionStatusChange(
                old_status=None,
                new_status="open",
                changed_by=_actor(viewer),
                changed_at=stamp,
                comment=(comment or (f"Agreed at {meeting.title}." if meeting else "")).strip(),
            )
        )
        session.add(action)
        session.commit()
        return action.id


_UNSET = object()


def update_action(
    engine: Engine,
    viewer: Viewer,
    action_id: int,
    version: int,
    *,
    status: str | None = None,
    comment: str = "",
    description: str | None = None,
    owner: str | None = None,
    department: str | None = None,
    due_date=None,
    measure_id=_UNSET,
    completed_on=None,
) -> int:
    """Change an action item; a status change is kept in its history. Returns the new version.

    Moving to ``done`` sets the completion date (``completed_on``, default today);
    reopening clears it.
    """
    _require_editor(viewer)
    with Session(engine) as session:
        action = _load(session, ActionItem, int(action_id), version, "action item")
        if description is not None:
            action.description = _text(description, "what will be done", 5_000)
        if owner is not None:
            action.owner = _text(owner, "who owns the action", MAX_NAME)
        if department is not None:
            action.department = _text(department, "the department", MAX_NAME, required=False)
        if due_date is not None:
            action.due_date = _as_date(due_date, "the due date")
        if measure_id is not _UNSET:
            action.measure_id = _check_measure(session, measure_id)
        if status is not None and status != action.status:
            if status not in ACTION_STATUSES:
                raise MeetingInputError(f"Status must be one of {', '.join(ACTION_STATUSES)}.")
            stamp = now()
            action.history.append(
                ActionStatusChange(
                    old_status=action.status,
                    new_status=status,
                    changed_by=_actor(viewer),
                    changed_at=stamp,
                    comment=(comment or "").strip(),
                )
            )
            action.status = status
            if status == "done":
                action.completed_at = (
                    stamp.date() if completed_on is None else _as_date(completed_on, "the date")
                )
            else:
                action.completed_at = None
        elif comment and comment.strip():
            # A progress note without a status change is history too.
            action.history.append(
                ActionStatusChange(
                    old_status=action.status,
                    new_status=action.status,
                    changed_by=_actor(viewer),
                    changed_at=now(),
                    comment=comment.strip(),
                )
            )
        _touch(action, "description")
        _commit(session, "action item")
        return action.version


# -- annotations ------------------------------------------------------------------------------


def add_annotation(
    engine: Engine,
    viewer: Viewer,
    *,
    label: str,
    start_date,
    measure_id: str | None = None,
    end_date=None,
    description: str = "",
    meeting_id: int | None = None,
    is_public: bool = False,
) -> int:
    """Put a dated note on a measure's chart ("new crew starts 1 March"); returns its id.

    Annotations captured in a meeting have source "meeting" and are internal unless
    ``is_public``; a catalog re-import keeps them.
    """
    _require_editor(viewer)
    with Session(engine) as session:
        meeting = _check_meeting(session, meeting_id)
        start = _as_date(start_date, "the date")
        end = _as_date(end_date, "the end date") if end_date else None
        if end is not None and end < start:
            raise MeetingInputError("The end date must be on or after the start date.")
        annotation = Annotation(
            measure_id=_check_measure(session, measure_id),
            start_date=start,
            end_date=end,
            label=_text(label, "the annotation text", MAX_LABEL),
            description=(description or "").strip(),
            is_public=bool(is_public),
            source="meeting" if meeting else "user",
            meeting_id=meeting.id if meeting else None,
            created_by=_actor(viewer),
            created_at=now(),
        )
        session.add(annotation)
        session.commit()
        return annotation.id


def update_annotation(
    engine: Engine,
    viewer: Viewer,
    annotation_id: int,
    version: int,
    *,
    label: str | None = None,
    start_date=None,
    end_date=_UNSET,
    description: str | None = None,
    is_public: bool | None = None,
) -> int:
    """Edit a meeting or user annotation; returns the new version."""
    _require_editor(viewer)
    with Session(engine) as session:
        annotation = _load(session, Annotation, int(annotation_id), version, "annotation")
        _refuse_catalog(annotation)
        if label is not None:
            annotation.label = _text(label, "the annotation text", MAX_LABEL)
        if start_date is not None:
            annotation.start_date = _as_date(start_date, "the date")
        if end_date is not _UNSET:
            annotation.end_date = _as_date(end_date, "the end date") if end_date else None
        if annotation.end_date is not None and annotation.end_date < annotation.start_date:
            raise MeetingInputError("The end date must be on or after the start date.")
        if description is not None:
            annotation.description = description.strip()
        if is_public is not None:
            annotation.is_public = bool(is_public)
        _touch(annotation, "label")
        _commit(session, "annotation")
        return annotation.version


def delete_annotation(engine: Engine, viewer: Viewer, annotation_id: int, version: int) -> None:
    _require_editor(viewer)
    with Session(engine) as session:
        annotation = _load(session, Annotation, int(annotation_id), version, "annotation")
        _refuse_catalog(annotation)
        session.delete(annotation)
        _commit(session, "annotation")


def _refuse_catalog(annotation: Annotation) -> None:
    if annotation.source == "catalog":
        raise MeetingInputError(
            "This annotation comes from the catalog file; change it there and re-import."
        )
