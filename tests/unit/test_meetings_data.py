"""The meeting cycle's data layer: writes in data.meetings, reads in Store, on SQLite and
PostgreSQL. Editors only; stale versions are refused with a message for the user."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data import meetings as writes
from data.catalog import AreaSpec, Catalog, GeographySpec, MeasureSpec
from data.models import ActionItem
from data.store import PUBLIC, Store, Viewer
from data.writer import write_catalog

EDITOR = Viewer("editor", "ana")
OTHER_EDITOR = Viewer("editor", "ben")
STAFF = Viewer("viewer", "val")


def catalog() -> Catalog:
    def measure(measure_id, area, department, public):
        return MeasureSpec(
            measure_id,
            area,
            measure_id.title(),
            measure_id,
            "count",
            "lower_is_better",
            "month",
            "sum",
            department=department,
            is_public=public,
        )

    return Catalog(
        city_name="Testville",
        fiscal_year_start_month=7,
        geographies=[GeographySpec("north", "North", population=100)],
        areas=[AreaSpec("streets", "Streets"), AreaSpec("safety", "Safety", "", 1)],
        measures=[
            measure("potholes", "streets", "Public Works", True),
            measure("overtime", "safety", "Police", False),
        ],
    )


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        write_catalog(conn, catalog())
    return engine


@pytest.fixture
def meeting_id(db):
    return writes.create_meeting(
        db,
        EDITOR,
        title="StreetStat",
        scheduled_for=datetime(2026, 3, 5, 9, 30),
        areas=["streets"],
        departments=["Public Works"],
        attendees=["Director", " Director ", "Analyst", ""],
    )


def test_mtg001_create_meeting_and_read_it_back(db, meeting_id):
    store = Store(db, STAFF)
    meeting = store.meeting(meeting_id)
    assert meeting.title == "StreetStat"
    assert meeting.scheduled_for == datetime(2026, 3, 5, 9, 30)
    assert meeting.status == "scheduled"
    assert meeting.areas == ("streets",)
    assert meeting.departments == ("Public Works",)
    assert meeting.attendees == ("Director", "Analyst")
    listing = store.meetings()
    assert listing["id"].tolist() == [meeting_id]
    assert listing.loc[0, "n_items"] == 0 and listing.loc[0, "n_actions"] == 0


def test_mtg002_viewers_cannot_write_and_are_told_why(db, meeting_id):
    with pytest.raises(writes.EditPermissionError, match="Only editors"):
        writes.create_meeting(
            db, STAFF, title="X", scheduled_for=datetime(2026, 1, 1), areas=["streets"]
        )
    with pytest.raises(PermissionError):
        writes.add_note(db, PUBLIC, meeting_id, "hello")
    with pytest.raises(writes.EditPermissionError):
        writes.add_action(db, STAFF, description="d", owner="o", due_date=date(2026, 4, 1))
    assert Store(db, STAFF).meeting_notes(meeting_id).empty


def test_mtg003_meeting_needs_a_scope_and_a_title(db):
    with pytest.raises(writes.MeetingInputError, match="at least one priority area"):
        writes.create_meeting(db, EDITOR, title="X", scheduled_for=datetime(2026, 1, 1))
    with pytest.raises(writes.MeetingInputError, match="Unknown priority area"):
        writes.create_meeting(
            db, EDITOR, title="X", scheduled_for=datetime(2026, 1, 1), areas=["nope"]
        )
    with pytest.raises(writes.MeetingInputError, match="title"):
        writes.create_meeting(
            db, EDITOR, title="  ", scheduled_for=datetime(2026, 1, 1), areas=["streets"]
        )


def test_mtg004_stale_meeting_version_is_refused_and_nothing_is_lost(db, meeting_id):
    store = Store(db, STAFF)
    seen = store.meeting(meeting_id).version
    v2 = writes.save_followup_text(db, EDITOR, meeting_id, seen, "Ana's follow-up")
    assert v2 == seen + 1
    with pytest.raises(writes.ConflictError) as caught:
        writes.save_followup_text(db, OTHER_EDITOR, meeting_id, seen, "Ben's follow-up")
    assert "Someone else changed this meeting while you were editing it" in str(caught.value)
    assert "reload" in str(caught.value)
    assert store.meeting(meeting_id).followup_text == "Ana's follow-up"


def test_mtg005_accept_agenda_then_move_retime_add_remove(db, meeting_id):
    store = Store(db, STAFF)
    version = store.meeting(meeting_id).version
    items = [
        {"section": "follow_up", "title": "Crew plan", "minutes": 5, "reason": "Overdue"},
        {"section": "standing", "title": "Potholes", "minutes": 10, "measure_id": "potholes"},
        {"section": "new", "title": "Overtime", "minutes": 10, "measure_id": "overtime"},
    ]
    new_version = writes.accept_agenda(db, EDITOR, meeting_id, version, items)
    assert new_version == version + 1
    agenda = store.agenda(meeting_id)
    assert agenda["title"].tolist() == ["Crew plan", "Potholes", "Overtime"]
    assert agenda["position"].tolist() == [0, 1, 2]
    # Missing links are None, not NaN (which is truthy), on both backends.
    assert agenda.iloc[0]["measure_id"] is None and agenda.iloc[0]["action_item_id"] is None

    last = agenda.iloc[2]
    writes.move_agenda_item(db, EDITOR, int(last["id"]), int(last["version"]), -1)
    assert store.agenda(meeting_id)["title"].tolist() == ["Crew plan", "Overtime", "Potholes"]

    row = store.agenda(meeting_id).iloc[0]
    writes.update_agenda_item(db, EDITOR, int(row["id"]), int(row["version"]), minutes=8)
    assert store.agenda(meeting_id).iloc[0]["minutes"] == 8

    added = writes.add_agenda_item(
        db, EDITOR, meeting_id, section="standing", title="Budget", minutes=4
    )
    # Added before the first item of a later section (here the moved "new" item).
    assert store.agenda(meeting_id)["title"].tolist() == [
        "Crew plan",
        "Budget",
        "Overtime",
        "Potholes",
    ]
    assert store.agenda(meeting_id).set_index("id").loc[added, "section"] == "standing"

    row = store.agenda(meeting_id).set_index("id").loc[added]
    writes.remove_agenda_item(db, EDITOR, added, int(row["version"]))
    agenda = store.agenda(meeting_id)
    assert "Budget" not in agenda["title"].tolist()
    assert agenda["position"].tolist() == list(range(len(agenda)))
    assert store.meetings().loc[0, "agenda_minutes"] == 8 + 10 + 10


def test_mtg006_stale_agenda_item_is_refused(db, meeting_id):
    store = Store(db, STAFF)
    writes.accept_agenda(
        db,
        EDITOR,
        meeting_id,
        store.meeting(meeting_id).version,
        [{"section": "standing", "title": "Potholes", "minutes": 10}],
    )
    item = store.agenda(meeting_id).iloc[0]
    item_id, seen = int(item["id"]), int(item["version"])
    writes.update_agenda_item(db, EDITOR, item_id, seen, minutes=12)
    with pytest.raises(writes.ConflictError, match="this agenda item"):
        writes.update_agenda_item(db, OTHER_EDITOR, item_id, seen, minutes=3)
    assert store.agenda(meeting_id).iloc[0]["minutes"] == 12
    writes.remove_agenda_item(db, EDITOR, item_id, seen + 1)
    with pytest.raises(writes.ConflictError, match="Someone else removed this agenda item"):
        writes.update_agenda_item(db, OTHER_EDITOR, item_id, seen + 1, minutes=3)


def test_mtg007_action_status_changes_are_kept_with_who_and_when(db, meeting_id):
    store = Store(db, STAFF)
    action_id = writes.add_action(
        db,
        EDITOR,
        description="Fill potholes on Main St",
        owner="Director",
        department="Public Works",
        due_date="2026-04-01",
        measure_id="potholes",
        meeting_id=meeting_id,
    )
    version = int(store.action_items().iloc[0]["version"])
    version = writes.update_action(
        db, OTHER_EDITOR, action_id, version, status="in_progress", comment="Crew booked"
    )
    writes.update_action(
        db, EDITOR, action_id, version, status="done", completed_on=date(2026, 3, 20)
    )
    action = store.action_items().iloc[0]
    assert action["status"] == "done"
    assert action["completed_at"] == date(2026, 3, 20)
    assert action["meeting_title"] == "StreetStat"
    assert action["measure_name"] == "Potholes"
    history = store.action_history([action_id])
    assert history["new_status"].tolist() == ["open", "in_progress", "done"]
    assert history["old_status"].tolist()[1:] == ["open", "in_progress"]
    assert history["changed_by"].tolist() == ["ana", "ben", "ana"]
    assert history["comment"].tolist()[:2] == ["Agreed at StreetStat.", "Crew booked"]
    assert history["changed_at"].notna().all()


def test_mtg008_two_editors_on_one_action_second_gets_the_message(db):
    action_id = writes.add_action(
        db, EDITOR, description="Plan", owner="Director", due_date=date(2026, 4, 1)
    )
    store = Store(db, STAFF)
    seen = int(store.action_items().iloc[0]["version"])
    writes.update_action(db, EDITOR, action_id, seen, status="in_progress", comment="Started")
    with pytest.raises(writes.ConflictError) as caught:
        writes.update_action(db, OTHER_EDITOR, action_id, seen, status="dropped")
    assert str(caught.value) == (
        "Someone else changed this action item while you were editing it. Your change was "
        "not saved; reload to see their version."
    )
    assert store.action_items().iloc[0]["status"] == "in_progress"
    assert store.action_history([action_id])["comment"].tolist()[-1] == "Started"


def test_mtg009_a_race_between_read_and_write_is_caught_by_the_database(db):
    action_id = writes.add_action(
        db, EDITOR, description="Plan", owner="Director", due_date=date(2026, 4, 1)
    )
    with Session(db) as session:
        action = session.get(ActionItem, action_id)
        # Someone else commits between our read and our write.
        with db.begin() as conn:
            conn.execute(
                update(ActionItem)
                .where(ActionItem.id == action_id)
                .values(owner="Someone", version=ActionItem.version + 1)
            )
        action.status = "done"
        with pytest.raises(writes.ConflictError):
            writes._commit(session, "action item")
    with db.connect() as conn:
        assert conn.execute(select(ActionItem.status)).scalar_one() == "open"


def test_mtg010_annotations_from_a_meeting_have_source_meeting(db, meeting_id):
    annotation_id = writes.add_annotation(
        db,
        EDITOR,
        label="New crew starts",
        start_date="2026-03-01",
        measure_id="potholes",
        meeting_id=meeting_id,
    )
    store = Store(db, STAFF)
    captured = store.meeting_annotations(meeting_id)
    assert captured["label"].tolist() == ["New crew starts"]
    assert captured["source"].tolist() == ["meeting"]
    assert captured["created_by"].tolist() == ["ana"]
    assert not captured.iloc[0]["is_public"]
    # It shows on the measure's chart for staff, not for the public.
    assert "New crew starts" in store.annotations("potholes")["label"].tolist()
    assert "New crew starts" not in Store(db, PUBLIC).annotations("potholes")["label"].tolist()
    version = int(captured.iloc[0]["version"])
    writes.update_annotation(db, EDITOR, annotation_id, version, label="Second crew starts")
    with pytest.raises(writes.ConflictError, match="annotation"):
        writes.delete_annotation(db, OTHER_EDITOR, annotation_id, version)
    writes.delete_annotation(db, EDITOR, annotation_id, version + 1)
    assert store.meeting_annotations(meeting_id).empty


def test_mtg011_notes_memos_and_sent_marks(db, meeting_id):
    store = Store(db, STAFF)
    writes.add_note(db, EDITOR, meeting_id, "<script>alert(1)</script>")
    version = store.meeting(meeting_id).version
    version = writes.save_memo_text(db, EDITOR, meeting_id, version, "Summary\r\nline")
    version = writes.mark_memo_sent(db, EDITOR, meeting_id, version, datetime(2026, 3, 2, 17))
    version = writes.mark_followup_sent(db, EDITOR, meeting_id, version)
    meeting = store.meeting(meeting_id)
    assert meeting.memo_text == "Summary\nline"
    assert meeting.memo_sent_at == datetime(2026, 3, 2, 17)
    assert meeting.followup_sent_at is not None
    notes = store.meeting_notes(meeting_id)
    assert notes["body"].tolist() == ["<script>alert(1)</script>"]
    assert notes["author"].tolist() == ["ana"]


def test_mtg012_action_filters(db, meeting_id):
    writes.add_action(
        db,
        EDITOR,
        description="A",
        owner="Director",
        department="Public Works",
        due_date=date(2026, 4, 1),
        measure_id="potholes",
        meeting_id=meeting_id,
    )
    writes.add_action(
        db,
        EDITOR,
        description="B",
        owner="Chief",
        department="Police",
        due_date=date(2026, 3, 1),
        measure_id="overtime",
    )
    store = Store(db, STAFF)
    assert store.action_items()["description"].tolist() == ["B", "A"]
    assert store.action_items(owner="Director")["description"].tolist() == ["A"]
    assert store.action_items(department="Police")["description"].tolist() == ["B"]
    assert store.action_items(meeting_id=meeting_id)["description"].tolist() == ["A"]
    assert store.action_items(meeting_id=str(meeting_id))["description"].tolist() == ["A"]
    assert store.action_items(measure_id="overtime")["description"].tolist() == ["B"]
    assert store.action_items(status=["done"]).empty
    assert store.action_items(meeting_id="not-a-number").empty


def test_mtg013_the_public_sees_no_meetings_or_actions(db, meeting_id):
    writes.add_action(
        db,
        EDITOR,
        description="Internal overtime plan",
        owner="Chief",
        due_date=date(2026, 3, 1),
        measure_id="overtime",
        meeting_id=meeting_id,
    )
    writes.add_note(db, EDITOR, meeting_id, "internal")
    public = Store(db, PUBLIC)
    assert public.meetings().empty
    assert public.meeting(meeting_id) is None
    assert public.agenda(meeting_id).empty
    assert public.meeting_notes(meeting_id).empty
    assert public.action_items().empty
    assert public.action_history().empty
    assert public.actions().empty
    assert public.meeting_activity(meeting_id) == {}


def test_mtg014_activity_fingerprint_changes_with_every_capture(db, meeting_id):
    store = Store(db, STAFF)
    before = store.meeting_activity(meeting_id)
    writes.add_note(db, EDITOR, meeting_id, "one")
    after_note = store.meeting_activity(meeting_id)
    assert after_note["notes"] != before["notes"]
    assert after_note["actions"] == before["actions"]
    action_id = writes.add_action(
        db, EDITOR, description="A", owner="O", due_date=date(2026, 4, 1), meeting_id=meeting_id
    )
    after_action = store.meeting_activity(meeting_id)
    assert after_action["actions"] != after_note["actions"]
    writes.update_action(db, EDITOR, action_id, 1, status="done")
    assert store.meeting_activity(meeting_id)["actions"] != after_action["actions"]
    version = store.meeting(meeting_id).version
    writes.save_memo_text(db, EDITOR, meeting_id, version, "x")
    assert store.meeting_activity(meeting_id)["meeting"] != before["meeting"]


def test_mtg015_action_needs_what_who_and_when(db):
    with pytest.raises(writes.MeetingInputError, match="what will be done"):
        writes.add_action(db, EDITOR, description=" ", owner="O", due_date=date(2026, 1, 1))
    with pytest.raises(writes.MeetingInputError, match="who owns"):
        writes.add_action(db, EDITOR, description="D", owner="", due_date=date(2026, 1, 1))
    with pytest.raises(writes.MeetingInputError, match="due date"):
        writes.add_action(db, EDITOR, description="D", owner="O", due_date="soon")
    with pytest.raises(writes.MeetingInputError, match="no measure"):
        writes.add_action(
            db, EDITOR, description="D", owner="O", due_date=date(2026, 1, 1), measure_id="x"
        )
