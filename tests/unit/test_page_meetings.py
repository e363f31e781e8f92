"""Meeting pages as functions: layouts and callbacks on a copy of the demo city, as an
editor and as a read-only viewer; memo download routes."""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date, timedelta

import dash
import flask
import pytest
from docx import Document
from pypdf import PdfReader

from api import memo_routes
from app import create_app
from data import meetings as writes
from data.config import Config
from data.store import SYSTEM, Store, Viewer
from tests.helpers import copy_sqlite, hrefs, ids_in, text_of, triggered, walk

EDITOR = Viewer("editor", "test-editor")


@pytest.fixture
def app(demo_database_url, tmp_path):
    """The app on a private copy of the demo city, so writes here do not leak into other
    tests."""
    app = create_app(
        Config(
            database_url=copy_sqlite(demo_database_url, tmp_path / "demo.db"),
            secret_key="test",
            anonymous_role="viewer",
        )
    )
    memo_routes.register(app.server)
    return app


@contextmanager
def signed_in(app, role: str | None):
    with app.server.test_request_context("/"):
        if role:
            flask.session["role"] = role
            flask.session["username"] = f"test-{role}"
        yield


@pytest.fixture
def editor(app):
    with signed_in(app, "editor"):
        yield app


@pytest.fixture
def viewer(app):
    with signed_in(app, None):
        yield app


@pytest.fixture
def store(app):
    from components.context import EXTENSION_KEY

    return Store(app.server.extensions[EXTENSION_KEY].engine, SYSTEM)


def call(callback, component_id, prop, value, *args):
    with triggered(component_id, prop, value):
        return getattr(callback, "__wrapped__", callback)(*args)


def new_meeting(store, areas=("infrastructure",)) -> int:
    return writes.create_meeting(
        store.engine,
        EDITOR,
        title="InfraStat test",
        scheduled_for=f"{date.today() + timedelta(days=7)}T09:30",
        areas=list(areas),
        attendees=["Chief Performance Officer"],
    )


# -- /meetings ----------------------------------------------------------------------------------


def test_pgm001_meetings_list_and_who_may_schedule(app):
    from pages import meetings

    with signed_in(app, None):
        page = meetings.layout()
        words = text_of(page)
        assert "HousingStat: Housing and Customer Service" in words
        assert "InfraStat: Infrastructure and Transportation" in words
        assert "Sign in to schedule meetings" in words
        assert meetings.ids.create not in ids_in(page)
        assert {"/meeting/1", "/meeting/2", "/meeting/3"} <= set(hrefs(page))
    with signed_in(app, "editor"):
        assert meetings.ids.create in ids_in(meetings.layout())


def test_pgm002_create_meeting_opens_it_or_explains_the_problem(editor, store):
    from pages import meetings

    href, message = call(
        meetings.create_meeting,
        meetings.ids.create,
        "n_clicks",
        1,
        1,
        "StreetStat",
        "2026-12-03",
        "10:00",
        ["infrastructure"],
        None,
        "CPO\nDirector\n",
    )
    assert href.startswith("/meeting/") and message is None
    created = store.meeting(int(href.rsplit("/", 1)[1]))
    assert created.title == "StreetStat" and created.attendees == ("CPO", "Director")
    assert created.scheduled_for.isoformat() == "2026-12-03T10:00:00"
    href, message = call(
        meetings.create_meeting,
        meetings.ids.create,
        "n_clicks",
        1,
        1,
        "No scope",
        "2026-12-03",
        "10:00",
        [],
        [],
        "",
    )
    assert href is dash.no_update
    assert "Pick at least one priority area or department" in text_of(message)


def test_pgm003_viewers_are_refused_by_the_data_layer(viewer):
    from pages import meetings

    href, message = call(
        meetings.create_meeting,
        meetings.ids.create,
        "n_clicks",
        1,
        1,
        "Sneaky",
        "2026-12-03",
        "10:00",
        ["infrastructure"],
        None,
        "",
    )
    assert href is dash.no_update
    assert "Only editors can change meetings" in text_of(message)


# -- /meeting/<id>: agenda ------------------------------------------------------------------------


def test_pgm004_accept_the_proposed_agenda_then_reorder_and_retime(editor, store):
    from pages import meeting as page

    meeting_id = new_meeting(store)
    layout = page.layout(meeting_id=str(meeting_id))
    words = text_of(layout)
    assert "Proposed agenda" in words and "Accept this agenda" in words
    proposal = page.current_proposal(store, store.meeting(meeting_id))
    assert proposal.items and proposal.items[0].section == "follow_up"

    version = store.meeting(meeting_id).version
    view, versions, seen, message, new_version = call(
        page.edit_agenda,
        page.ids.accept,
        "n_clicks",
        1,
        1,
        None,
        [],
        [],
        [],
        [],
        None,
        meeting_id,
        version,
        {},
        "new",
        None,
        None,
        5,
    )
    agenda = store.agenda(meeting_id)
    assert agenda["title"].tolist() == [i.title for i in proposal.items]
    assert new_version == version + 1
    assert "Agenda accepted" in text_of(message)
    assert set(versions) == {str(i) for i in agenda["id"]}

    second = int(agenda.iloc[1]["id"])
    call(
        page.edit_agenda,
        {"type": page.ids.up, "index": second},
        "n_clicks",
        1,
        None,
        None,
        [1],
        [],
        [],
        [],
        None,
        meeting_id,
        new_version,
        versions,
        "new",
        None,
        None,
        5,
    )
    moved = store.agenda(meeting_id)
    assert int(moved.iloc[0]["id"]) == second

    versions = page._versions(moved)
    call(
        page.edit_agenda,
        {"type": page.ids.minutes, "index": second},
        "value",
        12,
        None,
        None,
        [],
        [],
        [],
        [12],
        None,
        meeting_id,
        new_version,
        versions,
        "new",
        None,
        None,
        5,
    )
    assert int(store.agenda(meeting_id).iloc[0]["minutes"]) == 12


def test_pgm005_stale_agenda_edit_shows_a_conflict_and_keeps_the_other_change(editor, store):
    from pages import meeting as page

    meeting_id = new_meeting(store)
    writes.accept_agenda(
        store.engine,
        EDITOR,
        meeting_id,
        store.meeting(meeting_id).version,
        [{"section": "standing", "title": "Potholes", "minutes": 10}],
    )
    item = store.agenda(meeting_id).iloc[0]
    seen = {str(int(item["id"])): int(item["version"])}
    # Someone else retimes the item first.
    writes.update_agenda_item(
        store.engine, EDITOR, int(item["id"]), int(item["version"]), minutes=20
    )
    _, _, _, message, _ = call(
        page.edit_agenda,
        {"type": page.ids.minutes, "index": int(item["id"])},
        "value",
        3,
        None,
        None,
        [],
        [],
        [],
        [3],
        None,
        meeting_id,
        1,
        seen,
        "new",
        None,
        None,
        5,
    )
    assert "Someone else changed this agenda item while you were editing it" in text_of(message)
    assert "Reload now" in text_of(message)
    assert int(store.agenda(meeting_id).iloc[0]["minutes"]) == 20


def test_pgm006_read_only_viewer_sees_no_edit_controls(viewer, store):
    from pages import meeting as page

    layout = page.layout(meeting_id="1")
    present = ids_in(layout)
    assert page.ids.add not in present and page.ids.memo_save not in present
    assert "Sign in to edit" in text_of(layout)
    assert "Potholes repaired within 3 days" in text_of(layout)
    assert "Meeting not found" in text_of(page.layout(meeting_id="999"))
    assert "Meeting not found" in text_of(page.layout(meeting_id="<script>"))


# -- live capture and follow-up ------------------------------------------------------------------


def test_pgm007_capture_an_action_note_and_annotation(editor, store):
    from pages import meeting as page

    capture = page.capture
    meeting_id = new_meeting(store)
    due = (date.today() + timedelta(days=30)).isoformat()
    view, seen, message, description, body, label = call(
        page.capture_live,
        capture.action_add,
        "n_clicks",
        1,
        1,
        None,
        None,
        meeting_id,
        "Pilot a <b>night</b> crew",
        "Director",
        "Department of Public Works",
        due,
        "potholes-repaired-3-days",
        "",
        None,
        None,
        None,
        None,
        False,
    )
    assert "Action item added" in text_of(message) and description == ""
    assert "Pilot a <b>night</b> crew" in text_of(view)  # literal text, not markup
    view, seen, message, *_ = call(
        page.capture_live,
        capture.annotation_add,
        "n_clicks",
        1,
        None,
        None,
        1,
        meeting_id,
        None,
        None,
        None,
        None,
        None,
        "",
        None,
        "New crew starts",
        "2027-03-01",
        "potholes-repaired-3-days",
        False,
    )
    assert "New crew starts" in text_of(view)
    assert store.meeting_annotations(meeting_id)["source"].tolist() == ["meeting"]
    *_, message, _, _, _ = call(
        page.capture_live,
        capture.action_add,
        "n_clicks",
        2,
        2,
        None,
        None,
        meeting_id,
        "",
        "",
        None,
        "",
        None,
        "",
        None,
        None,
        None,
        None,
        False,
    )
    assert "Enter what will be done" in text_of(message)
    # Another screen sees it on its next poll.
    activity = store.meeting_activity(meeting_id)
    refreshed, key = page.refresh_captured(activity, meeting_id, "stale")
    assert "Pilot a <b>night</b> crew" in text_of(refreshed)
    assert page.refresh_captured(activity, meeting_id, key) == (
        dash.no_update,
        dash.no_update,
    )


def test_pgm008_follow_up_memo_is_drafted_from_commitments(editor, store):
    from pages import meeting as page

    meeting_id = new_meeting(store)
    writes.add_action(
        store.engine,
        EDITOR,
        description="Map long outages",
        owner="Lighting",
        department="DOT",
        due_date=date(2027, 1, 15),
        meeting_id=meeting_id,
    )
    writes.add_note(store.engine, EDITOR, meeting_id, "Utility pole work is the bottleneck")
    version = store.meeting(meeting_id).version
    text, _, message, _ = call(
        page.edit_followup,
        page.ids.followup_redraft,
        "n_clicks",
        1,
        None,
        1,
        None,
        "",
        meeting_id,
        version,
    )
    assert "## Lighting (DOT)\n- Map long outages — due 15 Jan 2027" in text
    assert "Utility pole work is the bottleneck" in text
    _, new_version, message, state = call(
        page.edit_followup,
        page.ids.followup_save,
        "n_clicks",
        1,
        1,
        1,
        None,
        text,
        meeting_id,
        version,
    )
    assert new_version == version + 1 and "Follow-up saved" in text_of(message)
    assert store.meeting(meeting_id).followup_text.startswith("Thank you for attending")
    # A second editor still on the old version is told, and the saved text stays.
    _, kept, message, _ = call(
        page.edit_followup,
        page.ids.followup_save,
        "n_clicks",
        1,
        1,
        1,
        None,
        "other text",
        meeting_id,
        version,
    )
    assert kept is dash.no_update
    assert "Someone else changed this meeting" in text_of(message)
    assert store.meeting(meeting_id).followup_text.startswith("Thank you for attending")
    _, v3, message, state = call(
        page.edit_followup,
        page.ids.followup_sent,
        "n_clicks",
        1,
        1,
        1,
        1,
        text,
        meeting_id,
        new_version,
    )
    assert "Follow-up sent" in text_of(state)


def test_pgm009_status_buttons_offer_only_sensible_moves(editor, store):
    from pages import meeting as page

    assert page.status_button_class(page.ids.mark_held, "scheduled") != "d-none"
    assert page.status_button_class(page.ids.mark_scheduled, "scheduled") == "d-none"
    assert page.status_button_class(page.ids.mark_cancelled, "held") == "d-none"
    meeting_id = new_meeting(store)
    badge, version, message, held, cancel, back = call(
        page.set_status,
        page.ids.mark_held,
        "n_clicks",
        1,
        1,
        None,
        None,
        meeting_id,
        store.meeting(meeting_id).version,
    )
    assert store.meeting(meeting_id).status == "held" and "Held" in text_of(badge)
    assert (held, cancel, back) == ("d-none", "d-none", "ms-1")


# -- /actions ------------------------------------------------------------------------------------


def test_pgm010_action_tracker_filters_and_overdue_word(viewer, store):
    from pages import actions

    page = actions.layout(status="overdue")
    words = text_of(page)
    assert "OVERDUE" in words.upper() and "Overdue" in words
    overdue = actions.filtered(store.for_viewer(Viewer("viewer")), status="overdue")
    assert len(overdue) >= 1 and (overdue["days_overdue"] > 0).all()
    everything = actions.filtered(store.for_viewer(Viewer("viewer")))
    # Overdue first.
    assert everything["days_overdue"].iloc[0] > 0
    table = actions.filter_actions("911 Communications Manager", None, None, None, None)
    assert "Fill the six vacant 911 call-taker positions." in text_of(table)
    assert "Present a plan to bring" not in text_of(table)
    assert "/measure/calls-911-answered-15s" in hrefs(table)
    assert "History (2)" in text_of(table)


def test_pgm011_action_update_conflict_keeps_the_form_open(editor, store):
    from pages import actions

    action = store.action_items(owner="Vision Zero Program Manager").iloc[0]
    editing = {"id": int(action["id"]), "version": int(action["version"])}
    writes.update_action(
        store.engine,
        EDITOR,
        editing["id"],
        editing["version"],
        status="in_progress",
        comment="First",
    )
    is_open, message, table, page_alert = call(
        actions.save_action,
        actions.ids.save,
        "n_clicks",
        1,
        1,
        editing,
        "done",
        None,
        "Second",
        None,
        None,
        None,
        None,
        None,
    )
    assert is_open is True and table is dash.no_update
    assert "Someone else changed this action item while you were editing it" in text_of(message)
    assert (
        store.action_items(owner="Vision Zero Program Manager").iloc[0]["status"] == "in_progress"
    )
    fresh = {"id": editing["id"], "version": editing["version"] + 1}
    is_open, _, table, page_alert = call(
        actions.save_action,
        actions.ids.save,
        "n_clicks",
        1,
        1,
        fresh,
        "done",
        None,
        "Second",
        None,
        None,
        None,
        None,
        None,
    )
    assert is_open is False and "Action item updated" in text_of(page_alert)
    history = store.action_history([editing["id"]])
    assert history["comment"].tolist()[-2:] == ["First", "Second"]


# -- health, presenter, downloads ---------------------------------------------------------------


def test_pgm012_cycle_health_page(viewer):
    from pages import meetings_health

    words = text_of(meetings_health.layout())
    for text in (
        "Meetings held",
        "Actions closed on time",
        "Measures updated on schedule",
        "Memos on time",
        "Follow-ups on time",
        "2 of 2 scheduled meetings held",
        "Babies born at a low birth weight",
    ):
        assert text in words


def test_pgm013_presenter_layout_and_slides(editor, store):
    from pages import present

    layout = present.layout(meeting_id="1", item="2")
    assert layout.id == present.ids.root
    assert layout.to_plotly_json()["props"]["data-exit"] == "/meeting/1"
    stores = {c.id: c for c in walk(layout) if getattr(c, "id", None)}
    assert stores[present.ids.index].data == 1
    assert len(stores[present.ids.meta].data) == 4
    assert present.ids.capture in stores  # editors can capture from the presenter
    slide, label = present.show_item(2, {}, 1920, 1)
    assert label == "New items · item 3 of 4"
    graphs = [c for c in walk(slide) if c.__class__.__name__ == "Graph"]
    names = {t.name for t in graphs[0].figure.data}
    assert {"Actual", "Target", "Forecast", "Signal"} <= names
    assert not names & present.CONTROL_LINES
    assert graphs[0].figure.layout.template.layout.font.size == 24
    assert present.chart_font_size(1920) == 26 and present.chart_font_size(1280) == 17
    assert "Nothing to present" in text_of(present.layout(meeting_id="999"))


def test_pgm014_memo_routes_serve_files_to_staff_only(app):
    client = app.server.test_client()
    pdf = client.get("/meeting/1/memo.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert "Potholes repaired within 3 days" in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages
    )
    docx = client.get("/meeting/1/followup.docx")
    assert docx.mimetype.endswith("wordprocessingml.document")
    assert any("Four actions agreed" in p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    page = client.get("/meeting/1/memo.html")
    assert page.mimetype == "text/html" and b"Stat memo: InfraStat" in page.data
    assert client.get("/meeting/999/memo.pdf").status_code == 404
    assert client.get("/meeting/1/memo.exe").status_code == 404
    public = create_app(
        Config(
            database_url=str(app.server.extensions["statroom"].engine.url),
            secret_key="test",
            anonymous_role="public",
        )
    )
    memo_routes.register(public.server)
    assert public.server.test_client().get("/meeting/1/memo.pdf").status_code == 404


def test_pgm015_the_public_is_asked_to_sign_in(app):
    from components.context import EXTENSION_KEY

    url = str(app.server.extensions[EXTENSION_KEY].engine.url)
    public = create_app(Config(database_url=url, secret_key="test", anonymous_role="public"))
    from pages import actions, meetings, meetings_health

    with public.server.test_request_context("/"):
        for layout in (meetings.layout, actions.layout, meetings_health.layout):
            words = text_of(layout())
            assert "Sign in to see this page" in words
            assert "InfraStat" not in words and "Deputy" not in words
