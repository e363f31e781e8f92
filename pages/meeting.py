"""One Stat meeting: agenda editor, Stat memo, live capture and the follow-up memo.

Edits are checked against the version the user saw (see ``data.meetings``); the page
polls a cheap fingerprint every few seconds so what others capture shows up at once.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html

from analytics.agenda import (
    SECTION_HELP,
    SECTION_LABELS,
    draft_followup_text,
    draft_memo_intro,
    format_day,
    format_when,
    propose_agenda,
)
from components.context import current_store
from components.layout import guarded, requires
from components.meeting_panels import (
    FOLLOWUP,
    MEMO,
    CaptureIds,
    add_button,
    alert,
    capture_forms,
    capture_from_forms,
    captured_key,
    captured_panel,
    department_names,
    document_buttons,
    export_links,
    followup_state,
    icon,
    meeting_or_none,
    meeting_status_badge,
    memo_state,
    owner_suggestions,
    register_activity_poll,
    save_or_mark_sent,
    sign_in_hint,
    write_outcome,
)
from components.memo import load_followup, load_memo
from data import meetings as writes


def _title(meeting_id=None, **_variables) -> str:
    meeting = meeting_or_none(meeting_id)
    return f"{meeting.title} · Statroom" if meeting else "Meeting · Statroom"


dash.register_page(
    __name__,
    path_template="/meeting/<meeting_id>",
    title=_title,
    order=22,
)

POLL_MS = 4000
TABS = ("agenda", "memo", "capture", "followup")


class ids:
    meeting = "meeting-id"
    version = "meeting-version"
    activity = "meeting-activity"
    poll = "meeting-poll"
    tabs = "meeting-tabs"
    tab_sink = "meeting-tab-sink"
    status = "meeting-status"
    status_alert = "meeting-status-alert"
    mark_held = "meeting-mark-held"
    mark_cancelled = "meeting-mark-cancelled"
    mark_scheduled = "meeting-mark-scheduled"
    # agenda
    agenda = "meeting-agenda"
    agenda_alert = "meeting-agenda-alert"
    agenda_versions = "meeting-agenda-versions"
    agenda_seen = "meeting-agenda-seen"
    accept = "meeting-agenda-accept"
    replace = "meeting-agenda-replace"
    up = "meeting-agenda-up"
    down = "meeting-agenda-down"
    remove = "meeting-agenda-remove"
    minutes = "meeting-agenda-minutes"
    add_section = "meeting-agenda-add-section"
    add_measure = "meeting-agenda-add-measure"
    add_title = "meeting-agenda-add-title"
    add_minutes = "meeting-agenda-add-minutes"
    add = "meeting-agenda-add"
    # memo
    memo_intro = "meeting-memo-intro"
    memo_save = "meeting-memo-save"
    memo_draft = "meeting-memo-draft"
    memo_sent = "meeting-memo-sent"
    memo_alert = "meeting-memo-alert"
    memo_state = "meeting-memo-state"
    memo_preview = "meeting-memo-preview"
    # capture
    captured = "meeting-captured"
    captured_seen = "meeting-captured-seen"
    # follow-up
    followup_text = "meeting-followup-text"
    followup_save = "meeting-followup-save"
    followup_redraft = "meeting-followup-redraft"
    followup_sent = "meeting-followup-sent"
    followup_alert = "meeting-followup-alert"
    followup_state = "meeting-followup-state"


capture = CaptureIds("meeting")


def _meeting_path(meeting_id, tab: str | None = None) -> str:
    path = f"/meeting/{int(meeting_id)}"
    return f"{path}?tab={tab}" if tab else path


@guarded
@requires("viewer")
def layout(meeting_id=None, tab="agenda", **_query):
    store = current_store()
    meeting = store.meeting(meeting_id) if meeting_id is not None else None
    if meeting is None:
        return _not_found(store)
    tab = tab if tab in TABS else "agenda"
    can_edit = store.viewer.can_edit
    measures = store.measures()
    agenda = store.agenda(meeting.id)
    activity = store.meeting_activity(meeting.id)
    followup_doc, followup = load_followup(store, meeting.id)
    return html.Div(
        [
            dcc.Store(id=ids.meeting, data=meeting.id),
            dcc.Store(id=ids.version, data=meeting.version),
            dcc.Store(id=ids.activity, data=activity),
            dcc.Store(id=ids.agenda_seen, data=activity.get("agenda")),
            dcc.Store(id=ids.captured_seen, data=captured_key(activity)),
            dcc.Store(id=ids.agenda_versions, data=_versions(agenda)),
            dcc.Store(id=ids.tab_sink),
            dcc.Interval(id=ids.poll, interval=POLL_MS),
            html.Nav(
                html.A([icon("bi-arrow-left", "me-1"), "All meetings"], href="/meetings"),
                className="small mb-2",
                **{"aria-label": "Breadcrumb"},
            ),
            _header(store, meeting, can_edit),
            dbc.Tabs(
                [
                    dbc.Tab(
                        _agenda_tab(store, meeting, agenda, measures, can_edit),
                        label="Agenda",
                        tab_id="agenda",
                    ),
                    dbc.Tab(_memo_tab(store, meeting, can_edit), label="Stat memo", tab_id="memo"),
                    dbc.Tab(
                        _capture_tab(store, meeting, agenda, measures, can_edit),
                        label="Live capture",
                        tab_id="capture",
                    ),
                    dbc.Tab(
                        _followup_tab(meeting, followup_doc, followup, can_edit),
                        label="Follow-up memo",
                        tab_id="followup",
                    ),
                ],
                id=ids.tabs,
                active_tab=tab,
                class_name="meeting-tabs mt-3",
            ),
        ],
        className="meeting-page",
    )


def _not_found(store):
    message = (
        "There is no meeting with that number. It may have been removed."
        if store.viewer.can_see_internal
        else "Meetings are internal working documents. Sign in to see them."
    )
    return html.Div(
        [
            html.H1("Meeting not found", className="page-title"),
            html.P(message, className="page-lede"),
            html.A("See all meetings", href="/meetings"),
        ]
    )


def _versions(agenda: pd.DataFrame) -> dict:
    return {str(int(i)): int(v) for i, v in zip(agenda["id"], agenda["version"], strict=True)}


# -- header ------------------------------------------------------------------------------------


def _header(store, meeting, can_edit: bool) -> html.Div:
    area_names = {a.id: a.name for a in store.areas()}
    scope = [area_names.get(a, a) for a in meeting.areas] + list(meeting.departments)
    return html.Div(
        [
            html.Div(
                [
                    html.H1(meeting.title, className="page-title"),
                    html.P(
                        [
                            icon("bi-calendar-event", "me-1"),
                            format_when(meeting.scheduled_for),
                            " · ",
                            html.Span(meeting_status_badge(meeting.status), id=ids.status),
                        ],
                        className="mb-1",
                    ),
                    html.P(["Covers: ", "; ".join(scope)], className="small-muted mb-1"),
                    html.P(
                        ["Attendees: ", ", ".join(meeting.attendees) or "none listed"],
                        className="small-muted mb-0",
                    ),
                ]
            ),
            html.Div(
                [
                    dbc.Button(
                        [icon("bi-easel", "me-1"), "Present"],
                        href=f"/meeting/{meeting.id}/present",
                        color="primary",
                        size="lg",
                        class_name="me-2",
                    ),
                    dbc.Button(
                        [icon("bi-check2-square", "me-1"), "Its actions"],
                        href=f"/actions?meeting={meeting.id}",
                        color="secondary",
                        outline=True,
                    ),
                    html.Div(
                        [
                            dbc.Button(
                                label,
                                id=button_id,
                                size="sm",
                                color="secondary",
                                outline=True,
                                class_name=status_button_class(button_id, meeting.status),
                            )
                            for button_id, label in STATUS_BUTTONS
                        ],
                        className="mt-2 status-buttons",
                    )
                    if can_edit
                    else sign_in_hint(_meeting_path(meeting.id)),
                    html.Div(id=ids.status_alert, className="mt-2", role="status"),
                ],
                className="meetings-head-actions text-lg-end",
            ),
        ],
        className="meetings-head",
    )


STATUS_BUTTONS = (
    (ids.mark_held, "Mark as held"),
    (ids.mark_cancelled, "Cancel meeting"),
    (ids.mark_scheduled, "Back to scheduled"),
)
BUTTON_STATUS = {
    ids.mark_held: "held",
    ids.mark_cancelled: "cancelled",
    ids.mark_scheduled: "scheduled",
}


def status_button_class(button_id: str, status: str) -> str:
    """Only the moves that make sense: a scheduled meeting can be held or cancelled; a held
    or cancelled one can go back to scheduled."""
    target = BUTTON_STATUS[button_id]
    shown = target != status and (status == "scheduled" or target == "scheduled")
    return "ms-1" if shown else "d-none"


@dash.callback(
    Output(ids.status, "children"),
    Output(ids.version, "data", allow_duplicate=True),
    Output(ids.status_alert, "children"),
    Output(ids.mark_held, "class_name"),
    Output(ids.mark_cancelled, "class_name"),
    Output(ids.mark_scheduled, "class_name"),
    Input(ids.mark_held, "n_clicks"),
    Input(ids.mark_cancelled, "n_clicks"),
    Input(ids.mark_scheduled, "n_clicks"),
    State(ids.meeting, "data"),
    State(ids.version, "data"),
    prevent_initial_call=True,
)
def set_status(_held, _cancelled, _scheduled, meeting_id, version):
    status = BUTTON_STATUS.get(ctx.triggered_id)
    if status is None or not ctx.triggered[0]["value"]:
        return (dash.no_update,) * 6
    store = current_store()
    new_version, message = write_outcome(
        lambda: writes.update_meeting(
            store.engine, store.viewer, meeting_id, version, status=status
        ),
        "",
        _meeting_path(meeting_id),
    )
    if new_version is None:
        return dash.no_update, dash.no_update, message, *(dash.no_update,) * 3
    classes = [status_button_class(button_id, status) for button_id, _ in STATUS_BUTTONS]
    return meeting_status_badge(status), new_version, None, *classes


# -- agenda ------------------------------------------------------------------------------------


def current_proposal(store, meeting):
    measures = store.measures()
    scoped = [
        m.id for m in measures if m.area_id in meeting.areas or m.department in meeting.departments
    ]
    return propose_agenda(
        meeting=meeting,
        measures=measures,
        payloads=store.summary_payloads(scoped) if scoped else {},
        actions=store.action_items(),
        meetings=store.meetings(),
    )


def proposal_table(proposal) -> html.Div:
    rows = []
    for number, item in enumerate(proposal.items, 1):
        rows.append(
            html.Tr(
                [
                    html.Td(str(number), className="text-end"),
                    html.Td(SECTION_LABELS[item.section].split()[0]),
                    html.Td(
                        [
                            html.Div(item.title, className="fw-semibold"),
                            html.Div(item.reason, className="small-muted"),
                        ]
                    ),
                    html.Td(f"{item.minutes} min", className="text-nowrap text-end"),
                ]
            )
        )
    since = (
        f"since {proposal.since_meeting} on {format_day(proposal.since)}"
        if proposal.since_meeting
        else f"since {format_day(proposal.since)} (no earlier meeting on these areas)"
    )
    return html.Div(
        [
            html.P(
                f"{len(proposal.items)} items, {proposal.total_minutes} minutes. "
                f"“New” means new {since}.",
                className="small-muted",
            ),
            dbc.Table(
                [
                    html.Caption("Statroom's proposed agenda"),
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("#", scope="col"),
                                html.Th("Section", scope="col"),
                                html.Th("Item", scope="col"),
                                html.Th("Time", scope="col", className="text-end"),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                class_name="proposal-table align-middle",
            )
            if rows
            else html.P("Nothing in scope to propose yet.", className="small-muted"),
        ]
    )


def agenda_view(meeting, agenda: pd.DataFrame, measures: dict, can_edit: bool, proposal=None):
    """The agenda in order, grouped by section, with edit controls for editors."""
    if agenda.empty:
        children = [
            html.H2("Proposed agenda", className="h5"),
            html.P(
                "Follow-ups first, then standing items, then what is new — the Stat memo "
                "structure. Accept it, then reorder, retime, add or remove items.",
                className="small-muted",
            ),
        ]
        if proposal is not None:
            children.append(proposal_table(proposal))
        if can_edit:
            children.append(
                dbc.Button(
                    [icon("bi-check2", "me-1"), "Accept this agenda"],
                    id=ids.accept,
                    color="primary",
                )
            )
        return html.Div(children, className="agenda-proposal")
    start = pd.Timestamp(meeting.scheduled_for)
    total = int(agenda["minutes"].sum())
    rows, section, clock = [], None, start
    last = len(agenda)
    for number, item in enumerate(agenda.to_dict("records"), 1):
        if item["section"] != section:
            section = item["section"]
            rows.append(
                html.Tr(
                    html.Th(
                        [
                            SECTION_LABELS[section],
                            html.Span(
                                f" — {SECTION_HELP[section]}", className="small-muted fw-normal"
                            ),
                        ],
                        colSpan=5 if can_edit else 4,
                        scope="colgroup",
                        className="agenda-section",
                    )
                )
            )
        measure = measures.get(item["measure_id"]) if item["measure_id"] else None
        title = (
            html.A(item["title"], href=f"/measure/{measure.id}")
            if measure is not None
            else html.Span(item["title"])
        )
        item_id = int(item["id"])
        minutes = (
            html.Label(
                [
                    html.Span(f"Minutes for item {number}", className="visually-hidden"),
                    dbc.Input(
                        id={"type": ids.minutes, "index": item_id},
                        type="number",
                        min=0,
                        max=240,
                        step=1,
                        value=int(item["minutes"]),
                        debounce=True,
                        size="sm",
                        class_name="minutes-input",
                    ),
                ],
                className="mb-0",
            )
            if can_edit
            else f"{int(item['minutes'])} min"
        )
        cells = [
            html.Td(str(number), className="text-end agenda-number"),
            html.Td(
                [
                    html.Div(title, className="fw-semibold"),
                    html.Div(item["reason"], className="small-muted") if item["reason"] else None,
                ]
            ),
            html.Td(clock.strftime("%H:%M"), className="text-nowrap small-muted"),
            html.Td(minutes, className="text-nowrap"),
        ]
        clock += pd.Timedelta(minutes=int(item["minutes"]))
        if can_edit:
            cells.append(
                html.Td(
                    html.Div(
                        [
                            _icon_button(
                                ids.up,
                                item_id,
                                "bi-arrow-up",
                                f"Move item {number} up",
                                disabled=number == 1,
                            ),
                            _icon_button(
                                ids.down,
                                item_id,
                                "bi-arrow-down",
                                f"Move item {number} down",
                                disabled=number == last,
                            ),
                            _icon_button(
                                ids.remove,
                                item_id,
                                "bi-trash3",
                                f"Remove item {number}",
                                danger=True,
                            ),
                        ],
                        className="btn-group",
                        role="group",
                        **{"aria-label": f"Item {number} controls"},
                    ),
                    className="text-end text-nowrap",
                )
            )
        rows.append(html.Tr(cells))
    head = [
        html.Th("#", scope="col"),
        html.Th("Item", scope="col"),
        html.Th("Starts", scope="col"),
        html.Th("Minutes", scope="col"),
    ]
    if can_edit:
        head.append(html.Th("Move or remove", scope="col", className="text-end"))
    return html.Div(
        [
            # Keeps the accept button's id in the layout for the edit callback.
            html.Span(id=ids.accept, hidden=True) if can_edit else None,
            html.P(
                [
                    html.Strong(f"{len(agenda)} items · {total} minutes"),
                    f" · {start.strftime('%H:%M')} to "
                    f"{(start + pd.Timedelta(minutes=total)).strftime('%H:%M')}",
                ],
                className="mb-2",
            ),
            dbc.Table(
                [
                    html.Caption("The agenda in running order"),
                    html.Thead(html.Tr(head)),
                    html.Tbody(rows),
                ],
                class_name="agenda-table align-middle",
                responsive=True,
            ),
        ]
    )


def _icon_button(kind: str, item_id: int, icon_name: str, label: str, disabled=False, danger=False):
    return html.Button(
        icon(icon_name),
        id={"type": kind, "index": item_id},
        className=f"btn btn-sm {'btn-outline-danger' if danger else 'btn-outline-secondary'}",
        title=label,
        disabled=disabled,
        n_clicks=0,
        **{"aria-label": label},
    )


def _agenda_tab(store, meeting, agenda, measures, can_edit):
    by_id = {m.id: m for m in measures}
    proposal = current_proposal(store, meeting)
    parts = [
        html.Div(id=ids.agenda_alert, role="status", **{"aria-live": "polite"}),
        html.Div(
            agenda_view(meeting, agenda, by_id, can_edit, proposal if agenda.empty else None),
            id=ids.agenda,
        ),
    ]
    if can_edit:
        parts += [_add_item_form(measures), _replace_panel(proposal)]
    return html.Div(parts, className="pt-3")


def _add_item_form(measures) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Add an item", className="h6"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("Section", html_for=ids.add_section),
                                dbc.Select(
                                    id=ids.add_section,
                                    options=[
                                        {"label": v, "value": k} for k, v in SECTION_LABELS.items()
                                    ],
                                    value="new",
                                ),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Measure", html_for=ids.add_measure),
                                dcc.Dropdown(
                                    id=ids.add_measure,
                                    options=[{"label": m.name, "value": m.id} for m in measures],
                                    placeholder="Optional",
                                ),
                            ],
                            md=4,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Title", html_for=ids.add_title),
                                dbc.Input(
                                    id=ids.add_title,
                                    maxlength=300,
                                    placeholder="Defaults to the measure's name",
                                ),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Minutes", html_for=ids.add_minutes),
                                dbc.Input(
                                    id=ids.add_minutes, type="number", min=0, max=240, value=5
                                ),
                            ],
                            md=2,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                add_button("Add to agenda", ids.add, color="secondary"),
            ]
        ),
        className="mt-3",
    )


def _replace_panel(proposal) -> html.Details:
    return html.Details(
        [
            html.Summary("Start again from Statroom's proposal"),
            html.Div(
                [
                    proposal_table(proposal),
                    dbc.Button(
                        "Replace the agenda with this proposal",
                        id=ids.replace,
                        color="warning",
                        size="sm",
                    ),
                ],
                className="pt-2",
            ),
        ],
        className="mt-3 replace-panel",
    )


def _pattern_trigger():
    """(kind, item id, value) of the pattern-matching control that fired, else None."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        return None
    value = ctx.triggered[0]["value"] if ctx.triggered else None
    return trigger["type"], int(trigger["index"]), value


def _render_agenda(store, meeting_id):
    """(agenda view, versions, fingerprint) as stored now."""
    meeting = store.meeting(meeting_id)
    if meeting is None:
        return html.P("This meeting was removed."), {}, None
    agenda = store.agenda(meeting.id)
    measures = {m.id: m for m in store.measures()}
    proposal = current_proposal(store, meeting) if agenda.empty else None
    view = agenda_view(meeting, agenda, measures, store.viewer.can_edit, proposal)
    return view, _versions(agenda), store.meeting_activity(meeting.id).get("agenda")


@dash.callback(
    Output(ids.agenda, "children", allow_duplicate=True),
    Output(ids.agenda_versions, "data", allow_duplicate=True),
    Output(ids.agenda_seen, "data", allow_duplicate=True),
    Input(ids.activity, "data"),
    State(ids.meeting, "data"),
    State(ids.agenda_seen, "data"),
    prevent_initial_call=True,
)
def refresh_agenda(activity, meeting_id, seen):
    """Show the agenda again when someone else changed it."""
    if (activity or {}).get("agenda") == seen:
        return (dash.no_update,) * 3
    return _render_agenda(current_store(), meeting_id)


@dash.callback(
    Output(ids.agenda, "children", allow_duplicate=True),
    Output(ids.agenda_versions, "data", allow_duplicate=True),
    Output(ids.agenda_seen, "data", allow_duplicate=True),
    Output(ids.agenda_alert, "children"),
    Output(ids.version, "data", allow_duplicate=True),
    Input(ids.accept, "n_clicks"),
    Input(ids.replace, "n_clicks"),
    Input({"type": ids.up, "index": ALL}, "n_clicks"),
    Input({"type": ids.down, "index": ALL}, "n_clicks"),
    Input({"type": ids.remove, "index": ALL}, "n_clicks"),
    Input({"type": ids.minutes, "index": ALL}, "value"),
    Input(ids.add, "n_clicks"),
    State(ids.meeting, "data"),
    State(ids.version, "data"),
    State(ids.agenda_versions, "data"),
    State(ids.add_section, "value"),
    State(ids.add_measure, "value"),
    State(ids.add_title, "value"),
    State(ids.add_minutes, "value"),
    prevent_initial_call=True,
)
def edit_agenda(
    _accept,
    _replace,
    _up,
    _down,
    _remove,
    _minutes,
    _add,
    meeting_id,
    version,
    versions,
    section,
    measure_id,
    title,
    minutes,
):
    """Every agenda edit, each checked against the version the user saw."""
    store = current_store()
    trigger = ctx.triggered_id
    versions = versions or {}
    reload_href = _meeting_path(meeting_id)
    engine, viewer = store.engine, store.viewer
    new_version = dash.no_update
    nothing = (dash.no_update,) * 5

    if trigger in (ids.accept, ids.replace):
        if not ctx.triggered[0]["value"]:
            return nothing
        meeting = store.meeting(meeting_id)
        items = current_proposal(store, meeting).items if meeting else []
        result, message = write_outcome(
            lambda: writes.accept_agenda(engine, viewer, meeting_id, version, items),
            f"Agenda accepted: {len(items)} items."
            if trigger == ids.accept
            else "Agenda replaced with Statroom's proposal.",
            reload_href,
        )
        if result is not None:
            new_version = result
    elif trigger == ids.add:
        if not ctx.triggered[0]["value"]:
            return nothing
        measure = store.measure(measure_id) if measure_id else None
        _, message = write_outcome(
            lambda: writes.add_agenda_item(
                engine,
                viewer,
                meeting_id,
                section=section or "new",
                title=(title or "").strip() or (measure.name if measure else ""),
                minutes=minutes if minutes is not None else 5,
                measure_id=measure.id if measure else None,
            ),
            "Item added.",
            reload_href,
        )
    else:
        fired = _pattern_trigger()
        if fired is None:
            return nothing
        kind, item_id, value = fired
        seen_version = versions.get(str(item_id))
        if kind in (ids.up, ids.down, ids.remove) and not value:
            return nothing
        if kind == ids.up:
            action = lambda: writes.move_agenda_item(engine, viewer, item_id, seen_version, -1)  # noqa: E731
        elif kind == ids.down:
            action = lambda: writes.move_agenda_item(engine, viewer, item_id, seen_version, 1)  # noqa: E731
        elif kind == ids.remove:
            action = lambda: writes.remove_agenda_item(engine, viewer, item_id, seen_version)  # noqa: E731
        else:
            if value is None or str(value) == "":
                return nothing
            action = lambda: writes.update_agenda_item(  # noqa: E731
                engine, viewer, item_id, seen_version, minutes=value
            )
        _, message = write_outcome(action, "", reload_href)
    view, new_versions, fingerprint = _render_agenda(store, meeting_id)
    return view, new_versions, fingerprint, message, new_version


# -- Stat memo ---------------------------------------------------------------------------------


def memo_preview(store, meeting_id) -> html.Div:
    loaded = load_memo(store, meeting_id, with_charts=False)
    if loaded is None:
        return html.P("This meeting was removed.")
    doc, _ = loaded
    if not doc.items:
        return html.P("Accept an agenda first: the memo is built from it.", className="small-muted")
    sections = []
    for label, items in doc.sections():
        blocks = []
        for item in items:
            blocks.append(
                html.Div(
                    [
                        html.H4(
                            f"{item.number}. {item.title} ({item.minutes} min)", className="h6"
                        ),
                        html.P(item.reason, className="small-muted fst-italic mb-1")
                        if item.reason
                        else None,
                        html.Ul([html.Li(line) for line in item.key_figures], className="mb-1"),
                        html.P("Questions for the room", className="fw-semibold mb-0 small")
                        if item.questions
                        else None,
                        html.Ul([html.Li(q) for q in item.questions]),
                    ],
                    className="memo-item",
                )
            )
        sections.append(html.Section([html.H3(label, className="h5 mt-3"), *blocks]))
    return html.Div(sections)


def _memo_tab(store, meeting, can_edit):
    intro = meeting.memo_text
    if not intro:
        loaded = load_memo(store, meeting.id, with_charts=False)
        intro = draft_memo_intro(loaded[0]) if loaded else ""
    editor = [
        dbc.Label(
            "Summary at the top of the memo", html_for=ids.memo_intro, className="fw-semibold"
        ),
        html.P(
            "Headings start with “# ”, bullets with “- ”; a blank line starts a new paragraph.",
            className="small-muted mb-1",
        ),
        dbc.Textarea(
            id=ids.memo_intro, value=intro, rows=6, readonly=not can_edit, class_name="mb-2"
        ),
    ]
    editor.append(
        document_buttons(
            (ids.memo_save, "Save summary"),
            (ids.memo_draft, "Start again from the draft"),
            (ids.memo_sent, "Mark memo as sent"),
        )
        if can_edit
        else sign_in_hint(_meeting_path(meeting.id, "memo"))
    )
    return html.Div(
        [
            html.Div(id=ids.memo_state, children=memo_state(meeting)),
            export_links(meeting.id, "memo", "Stat memo"),
            html.P(
                "Exports use the saved summary and the current agenda and figures.",
                className="small-muted",
            ),
            html.Div(id=ids.memo_alert, role="status", **{"aria-live": "polite"}),
            dbc.Row(
                [
                    dbc.Col(editor, lg=5),
                    dbc.Col(
                        [
                            html.H2("Preview", className="h5"),
                            html.Div(
                                memo_preview(store, meeting.id),
                                id=ids.memo_preview,
                                className="memo-preview",
                            ),
                        ],
                        lg=7,
                    ),
                ]
            ),
        ],
        className="pt-3",
    )


@dash.callback(
    Output(ids.memo_preview, "children"),
    Input(ids.agenda_seen, "data"),
    State(ids.meeting, "data"),
    prevent_initial_call=True,
)
def refresh_memo_preview(_seen, meeting_id):
    return memo_preview(current_store(), meeting_id)


@dash.callback(
    Output(ids.memo_intro, "value"),
    Output(ids.version, "data", allow_duplicate=True),
    Output(ids.memo_alert, "children"),
    Output(ids.memo_state, "children"),
    Input(ids.memo_save, "n_clicks"),
    Input(ids.memo_draft, "n_clicks"),
    Input(ids.memo_sent, "n_clicks"),
    State(ids.memo_intro, "value"),
    State(ids.meeting, "data"),
    State(ids.version, "data"),
    prevent_initial_call=True,
)
def edit_memo(_save, _draft, _sent, text, meeting_id, version):
    store = current_store()
    trigger = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        return (dash.no_update,) * 4
    if trigger == ids.memo_draft:
        loaded = load_memo(store, meeting_id, with_charts=False)
        doc = loaded[0] if loaded else None
        draft = draft_memo_intro(doc) if doc else ""
        return (
            draft,
            dash.no_update,
            alert("Draft restored. Save it to use it in the memo.", "info"),
            dash.no_update,
        )
    saving = trigger == ids.memo_save
    return save_or_mark_sent(MEMO, store, saving, text, meeting_id, version)


# -- live capture ------------------------------------------------------------------------------


def captured_view(store, meeting_id):
    return captured_panel(
        actions=store.action_items(meeting_id=meeting_id),
        notes=store.meeting_notes(meeting_id),
        annotations=store.meeting_annotations(meeting_id),
        agenda=store.agenda(meeting_id),
        measure_names={m.id: m.name for m in store.measures()},
    )


def _capture_tab(store, meeting, agenda, measures, can_edit):
    forms = (
        capture_forms(
            capture,
            measures=measures,
            owners=owner_suggestions(store, meeting),
            departments=department_names(store),
            agenda=agenda,
        )
        if can_edit
        else sign_in_hint(_meeting_path(meeting.id, "capture"), "capture commitments")
    )
    return html.Div(
        [
            html.P(
                "Capture commitments, notes and chart annotations as the room agrees them. "
                "Everything appears at once on this page, on other screens and in the presenter.",
                className="small-muted",
            ),
            forms,
            html.H2("Captured in this meeting", className="h5 mt-2"),
            html.Div(captured_view(store, meeting.id), id=ids.captured, **{"aria-live": "polite"}),
        ],
        className="pt-3",
    )


@dash.callback(
    Output(ids.captured, "children", allow_duplicate=True),
    Output(ids.captured_seen, "data", allow_duplicate=True),
    Input(ids.activity, "data"),
    State(ids.meeting, "data"),
    State(ids.captured_seen, "data"),
    prevent_initial_call=True,
)
def refresh_captured(activity, meeting_id, seen):
    """Show what others captured, as soon as the poll notices it."""
    key = captured_key(activity or {})
    if key == seen:
        return dash.no_update, dash.no_update
    return captured_view(current_store(), meeting_id), key


@dash.callback(
    Output(ids.captured, "children", allow_duplicate=True),
    Output(ids.captured_seen, "data", allow_duplicate=True),
    *capture.outputs(),
    *capture.inputs(ids.meeting),
    prevent_initial_call=True,
)
def capture_live(_action, _note, _annotation, meeting_id, *form):
    """Add an action item, a note or an annotation from the capture forms."""
    store = current_store()
    outcome = capture_from_forms(capture, store, meeting_id, form)
    if outcome is None:
        return (dash.no_update,) * 6
    key = captured_key(store.meeting_activity(meeting_id))
    return captured_view(store, meeting_id), key, *outcome


# -- follow-up memo ----------------------------------------------------------------------------


def _followup_tab(meeting, doc, text, can_edit):
    saved = bool(meeting.followup_text.strip())
    controls = (
        document_buttons(
            (ids.followup_save, "Save follow-up"),
            (ids.followup_redraft, "Redraft from commitments and notes"),
            (ids.followup_sent, "Mark follow-up as sent"),
        )
        if can_edit
        else sign_in_hint(_meeting_path(meeting.id, "followup"))
    )
    return html.Div(
        [
            html.Div(followup_state(meeting), id=ids.followup_state),
            export_links(meeting.id, "followup", "Follow-up memo"),
            html.P(
                (
                    "Showing the saved follow-up. "
                    if saved
                    else "This is a draft from the commitments and notes captured so far; save it to "
                    "keep your edits. "
                )
                + f"{doc.n_commitments} commitments from {len(doc.owners)} owners. "
                "Exports use the saved text (or this draft until one is saved).",
                className="small-muted",
            ),
            html.Div(id=ids.followup_alert, role="status", **{"aria-live": "polite"}),
            dbc.Label("Follow-up memo", html_for=ids.followup_text, className="fw-semibold"),
            dbc.Textarea(
                id=ids.followup_text,
                value=text,
                rows=18,
                readonly=not can_edit,
                class_name="mb-2 followup-text",
            ),
            controls,
        ],
        className="pt-3",
    )


@dash.callback(
    Output(ids.followup_text, "value"),
    Output(ids.version, "data", allow_duplicate=True),
    Output(ids.followup_alert, "children"),
    Output(ids.followup_state, "children"),
    Input(ids.followup_save, "n_clicks"),
    Input(ids.followup_redraft, "n_clicks"),
    Input(ids.followup_sent, "n_clicks"),
    State(ids.followup_text, "value"),
    State(ids.meeting, "data"),
    State(ids.version, "data"),
    prevent_initial_call=True,
)
def edit_followup(_save, _redraft, _sent, text, meeting_id, version):
    store = current_store()
    trigger = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        return (dash.no_update,) * 4
    if trigger == ids.followup_redraft:
        loaded = load_followup(store, meeting_id)
        if loaded is None:
            return (
                dash.no_update,
                dash.no_update,
                alert("This meeting was removed.", "warning"),
                dash.no_update,
            )
        return (
            draft_followup_text(loaded[0]),
            dash.no_update,
            alert("Redrafted from the commitments and notes. Save it to keep it.", "info"),
            dash.no_update,
        )
    saving = trigger == ids.followup_save
    return save_or_mark_sent(FOLLOWUP, store, saving, text, meeting_id, version)


# -- polling and URL ---------------------------------------------------------------------------


poll_activity = register_activity_poll(ids.activity, ids.poll, ids.meeting)

dash.clientside_callback(
    """
    function (tab) {
        if (tab) {
            const url = new URL(window.location.href);
            const shown = url.searchParams.get("tab") || "agenda";
            if (shown !== tab) {
                url.searchParams.set("tab", tab);
                window.history.replaceState(window.history.state, "", url);
            }
        }
        return tab;
    }
    """,
    Output(ids.tab_sink, "data"),
    Input(ids.tabs, "active_tab"),
)
