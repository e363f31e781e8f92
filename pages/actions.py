"""Action tracker: every commitment from the Stat meetings, who owns it and whether it is late.

Filters live in the URL (``?owner=...&status=overdue``) so a view can be shared and Back
works. Overdue items carry the word "Overdue" as well as a colour. Status changes are
kept with who made them, when and why, and shown under each item.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html

from analytics.agenda import STATUS_LABELS, format_day, format_when
from components.context import current_store
from components.layout import guarded, requires
from components.meeting_panels import (
    action_status_badge,
    alert,
    days_overdue,
    icon,
    overdue_badge,
    sign_in_hint,
    staff_only,
)
from data import meetings as writes
from data.export import frame_to_csv

dash.register_page(__name__, path="/actions", title="Action tracker · Statroom", order=23)

FILTERS = ("owner", "department", "status", "meeting", "measure")
#: Status filter values beyond the stored statuses.
DERIVED_STATUSES = {
    "active": "Open or in progress",
    "overdue": "Overdue",
}


class ids:
    owner = "actions-owner"
    department = "actions-department"
    status = "actions-status"
    meeting = "actions-meeting"
    measure = "actions-measure"
    table = "actions-table"
    summary = "actions-summary"
    url_sink = "actions-url-sink"
    download = "actions-download"
    download_button = "actions-download-button"
    edit = "actions-edit"
    modal = "actions-modal"
    modal_title = "actions-modal-title"
    modal_alert = "actions-modal-alert"
    editing = "actions-editing"
    new_status = "actions-new-status"
    new_due = "actions-new-due"
    comment = "actions-comment"
    save = "actions-save"
    cancel = "actions-cancel"
    page_alert = "actions-page-alert"


def filtered(
    store,
    owner=None,
    department=None,
    status=None,
    meeting=None,
    measure=None,
    today: date | None = None,
) -> pd.DataFrame:
    """The action items that match the filters (status may be a derived one)."""
    stored = status if status in STATUS_LABELS else None
    frame = store.action_items(
        owner=owner or None,
        department=department or None,
        status=stored,
        meeting_id=meeting or None,
        measure_id=measure or None,
    )
    if frame.empty:
        return frame
    today = today or date.today()
    late = [
        days_overdue(d, s, today) for d, s in zip(frame["due_date"], frame["status"], strict=True)
    ]
    frame = frame.assign(days_overdue=late)
    if status == "active":
        frame = frame[frame["status"].isin(["open", "in_progress"])]
    elif status == "overdue":
        frame = frame[frame["days_overdue"] > 0]
    # Overdue first (most overdue first), then open ones by due date, then closed ones.
    rank = frame["status"].map({"open": 1, "in_progress": 1}).fillna(2)
    rank = rank.where(frame["days_overdue"] == 0, 0)
    order = frame.assign(_rank=rank, _late=-frame["days_overdue"]).sort_values(
        ["_rank", "_late", "due_date", "id"], kind="stable"
    )
    return order.drop(columns=["_rank", "_late"])


def _options(values) -> list[dict]:
    return [{"label": v, "value": v} for v in sorted({v for v in values if v})]


@guarded
@requires("viewer")
def layout(owner=None, department=None, status=None, meeting=None, measure=None, **_query):
    store = current_store()
    if not store.viewer.can_see_internal:
        return staff_only("Action tracker", "/actions")
    everything = store.action_items()
    meetings = store.meetings()
    measures = {m.id: m.name for m in store.measures()}
    linked = sorted(
        {m for m in everything["measure_id"].dropna() if m in measures}, key=lambda m: measures[m]
    )
    status_options = [
        {"label": label, "value": value} for value, label in DERIVED_STATUSES.items()
    ] + [{"label": label, "value": value} for value, label in STATUS_LABELS.items()]

    def dropdown(control_id, label, options, value):
        return dbc.Col(
            [
                dbc.Label(label, html_for=control_id),
                dcc.Dropdown(
                    id=control_id, options=options, value=value, placeholder="All", clearable=True
                ),
            ],
            md=6,
            lg=True,
            className="mb-2",
        )

    frame = filtered(store, owner, department, status, meeting, measure)
    return html.Div(
        [
            dcc.Store(id=ids.url_sink),
            dcc.Store(id=ids.editing),
            dcc.Download(id=ids.download),
            html.Div(
                [
                    html.Div(
                        [
                            html.H1("Action tracker", className="page-title"),
                            html.P(
                                "Every commitment made in a Stat meeting: who does what by "
                                "when. Overdue items come first at the next meeting.",
                                className="page-lede",
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            dbc.Button(
                                [icon("bi-download", "me-1"), "Download CSV"],
                                id=ids.download_button,
                                color="secondary",
                                outline=True,
                            ),
                        ],
                        className="meetings-head-actions",
                    ),
                ],
                className="meetings-head",
            ),
            None if store.viewer.can_edit else sign_in_hint("/actions", "update actions"),
            dbc.Row(
                [
                    dropdown(ids.owner, "Owner", _options(everything["owner"]), owner),
                    dropdown(
                        ids.department, "Department", _options(everything["department"]), department
                    ),
                    dropdown(ids.status, "Status", status_options, status),
                    dropdown(
                        ids.meeting,
                        "Meeting",
                        [
                            {
                                "label": f"{format_day(r['scheduled_for'])} · {r['title']}",
                                "value": str(int(r["id"])),
                            }
                            for r in meetings.to_dict("records")
                        ],
                        str(meeting) if meeting else None,
                    ),
                    dropdown(
                        ids.measure,
                        "Measure",
                        [{"label": measures[m], "value": m} for m in linked],
                        measure,
                    ),
                ],
                className="actions-filters g-2",
            ),
            html.Div(id=ids.page_alert, role="status", **{"aria-live": "polite"}),
            html.Div(
                actions_table(store, frame, measures), id=ids.table, **{"aria-live": "polite"}
            ),
            _edit_modal(),
        ]
    )


def _history_list(history: pd.DataFrame) -> html.Details | None:
    if history.empty:
        return None
    items = []
    for h in history.to_dict("records"):
        old = STATUS_LABELS.get(h["old_status"], h["old_status"]) if h["old_status"] else None
        new = STATUS_LABELS.get(h["new_status"], h["new_status"])
        change = f"{old} → {new}" if old and old != new else (new if not old else "Note")
        items.append(
            html.Li(
                [
                    html.Strong(change),
                    f" · {format_when(h['changed_at'])}",
                    f" · {h['changed_by']}" if h["changed_by"] else "",
                    html.Div(h["comment"]) if h["comment"] else None,
                ]
            )
        )
    return html.Details(
        [html.Summary(f"History ({len(items)})"), html.Ol(items)],
        className="action-history",
    )


def actions_table(store, frame: pd.DataFrame, measure_names: dict) -> html.Div:
    if frame.empty:
        return html.P("No action items match these filters.", className="small-muted mt-3")
    history = store.action_history(frame["id"].tolist())
    can_edit = store.viewer.can_edit
    overdue = int((frame["days_overdue"] > 0).sum())
    rows = []
    for a in frame.to_dict("records"):
        late = int(a["days_overdue"])
        meeting = (
            html.Div(
                [
                    "Agreed at ",
                    html.A(a["meeting_title"], href=f"/meeting/{int(a['meeting_id'])}"),
                    f" on {format_day(a['meeting_date'])}",
                ],
                className="small-muted",
            )
            if pd.notna(a["meeting_id"]) and a["meeting_title"]
            else None
        )
        measure = (
            html.A(
                measure_names.get(a["measure_id"], a["measure_name"]),
                href=f"/measure/{quote(a['measure_id'], safe='')}",
            )
            if a["measure_id"] and a["measure_id"] in measure_names
            else html.Span("—", className="small-muted")
        )
        status = [action_status_badge(a["status"])]
        if a["status"] == "done" and a["completed_at"] is not None and pd.notna(a["completed_at"]):
            status.append(html.Div(f"on {format_day(a['completed_at'])}", className="small-muted"))
        if can_edit:
            status.append(
                html.Button(
                    "Update",
                    id={"type": ids.edit, "index": int(a["id"])},
                    className="btn btn-link btn-sm p-0 d-block",
                    n_clicks=0,
                    **{"aria-label": f"Update action: {a['description'][:60]}"},
                )
            )
        rows.append(
            html.Tr(
                [
                    html.Td([html.Div(a["description"], className="fw-semibold"), meeting]),
                    html.Td(
                        [html.Div(a["owner"]), html.Div(a["department"], className="small-muted")]
                    ),
                    html.Td(
                        [
                            html.Div(format_day(a["due_date"]), className="text-nowrap"),
                            overdue_badge(late) if late else None,
                        ]
                    ),
                    html.Td(status),
                    html.Td(measure),
                    html.Td(_history_list(history[history["action_id"] == a["id"]])),
                ],
                className="is-overdue" if late else None,
            )
        )
    summary = f"{len(frame)} action item{'s' if len(frame) != 1 else ''}"
    if overdue:
        summary += f", {overdue} overdue"
    return html.Div(
        [
            html.P(summary, className="fw-semibold mt-3 mb-1", id=ids.summary),
            dbc.Table(
                [
                    html.Caption(
                        "Action items: overdue first, then open ones by due date, then closed ones"
                    ),
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(h, scope="col")
                                for h in ("Action", "Owner", "Due", "Status", "Measure", "History")
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                class_name="actions-table align-middle",
                responsive=True,
            ),
        ]
    )


def _edit_modal() -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Update action item", id=ids.modal_title)),
            dbc.ModalBody(
                [
                    html.Div(id=ids.modal_alert, role="status", **{"aria-live": "polite"}),
                    dbc.Label("Status", html_for=ids.new_status),
                    dbc.Select(
                        id=ids.new_status,
                        options=[{"label": v, "value": k} for k, v in STATUS_LABELS.items()],
                        class_name="mb-2",
                    ),
                    dbc.Label("Due date", html_for=ids.new_due),
                    dbc.Input(id=ids.new_due, type="date", class_name="mb-2"),
                    dbc.Label("What happened (kept in the history)", html_for=ids.comment),
                    dbc.Textarea(id=ids.comment, rows=3, maxlength=2000),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button("Cancel", id=ids.cancel, color="secondary", outline=True),
                    dbc.Button("Save", id=ids.save, color="primary"),
                ]
            ),
        ],
        id=ids.modal,
        is_open=False,
    )


@dash.callback(
    Output(ids.table, "children"),
    Input(ids.owner, "value"),
    Input(ids.department, "value"),
    Input(ids.status, "value"),
    Input(ids.meeting, "value"),
    Input(ids.measure, "value"),
    prevent_initial_call=True,
)
def filter_actions(owner, department, status, meeting, measure):
    store = current_store()
    measures = {m.id: m.name for m in store.measures()}
    return actions_table(
        store, filtered(store, owner, department, status, meeting, measure), measures
    )


dash.clientside_callback(
    """
    function (owner, department, status, meeting, measure) {
        const values = {owner, department, status, meeting, measure};
        const url = new URL(window.location.href);
        Object.keys(values).forEach(function (key) {
            if (values[key]) { url.searchParams.set(key, values[key]); }
            else { url.searchParams.delete(key); }
        });
        if (url.href !== window.location.href) {
            window.history.pushState(window.history.state, "", url);
        }
        return url.search;
    }
    """,
    Output(ids.url_sink, "data"),
    Input(ids.owner, "value"),
    Input(ids.department, "value"),
    Input(ids.status, "value"),
    Input(ids.meeting, "value"),
    Input(ids.measure, "value"),
    prevent_initial_call=True,
)


@dash.callback(
    Output(ids.modal, "is_open"),
    Output(ids.editing, "data"),
    Output(ids.modal_title, "children"),
    Output(ids.new_status, "value"),
    Output(ids.new_due, "value"),
    Output(ids.comment, "value"),
    Output(ids.modal_alert, "children"),
    Input({"type": ids.edit, "index": ALL}, "n_clicks"),
    Input(ids.cancel, "n_clicks"),
    prevent_initial_call=True,
)
def open_editor(_clicks, _cancel):
    """Open the update form on the version of the action the user sees now."""
    if ctx.triggered_id == ids.cancel:
        return False, None, dash.no_update, dash.no_update, dash.no_update, dash.no_update, None
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered[0]["value"]:
        return (dash.no_update,) * 7
    store = current_store()
    found = store.action_items()
    found = found[found["id"] == int(trigger["index"])]
    if found.empty:
        return (False, None, dash.no_update, dash.no_update, dash.no_update, dash.no_update, None)
    action = found.iloc[0]
    editing = {"id": int(action["id"]), "version": int(action["version"])}
    title = f"Update: {action['description'][:80]}"
    return (
        True,
        editing,
        title,
        action["status"],
        pd.Timestamp(action["due_date"]).date().isoformat(),
        "",
        None,
    )


@dash.callback(
    Output(ids.modal, "is_open", allow_duplicate=True),
    Output(ids.modal_alert, "children", allow_duplicate=True),
    Output(ids.table, "children", allow_duplicate=True),
    Output(ids.page_alert, "children"),
    Input(ids.save, "n_clicks"),
    State(ids.editing, "data"),
    State(ids.new_status, "value"),
    State(ids.new_due, "value"),
    State(ids.comment, "value"),
    State(ids.owner, "value"),
    State(ids.department, "value"),
    State(ids.status, "value"),
    State(ids.meeting, "value"),
    State(ids.measure, "value"),
    prevent_initial_call=True,
)
def save_action(
    _n, editing, status, due, comment, owner, department, status_filter, meeting, measure
):
    """Save the update, checked against the version the form was opened on."""
    if not editing:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    store = current_store()
    try:
        writes.update_action(
            store.engine,
            store.viewer,
            editing["id"],
            editing["version"],
            status=status,
            due_date=due or None,
            comment=comment or "",
        )
    except writes.ConflictError as exc:
        return True, alert(str(exc), "warning", "/actions"), dash.no_update, dash.no_update
    except (writes.EditPermissionError, writes.MeetingInputError) as exc:
        return True, alert(str(exc), "danger"), dash.no_update, dash.no_update
    measures = {m.id: m.name for m in store.measures()}
    table = actions_table(
        store, filtered(store, owner, department, status_filter, meeting, measure), measures
    )
    return False, None, table, alert("Action item updated.")


@dash.callback(
    Output(ids.download, "data"),
    Input(ids.download_button, "n_clicks"),
    State(ids.owner, "value"),
    State(ids.department, "value"),
    State(ids.status, "value"),
    State(ids.meeting, "value"),
    State(ids.measure, "value"),
    prevent_initial_call=True,
)
def download_actions(_n, owner, department, status, meeting, measure):
    frame = filtered(current_store(), owner, department, status, meeting, measure)
    columns = [
        "id",
        "description",
        "owner",
        "department",
        "due_date",
        "status",
        "completed_at",
        "days_overdue",
        "measure_id",
        "measure_name",
        "meeting_id",
        "meeting_title",
    ]
    out = frame.reindex(columns=columns)
    return dcc.send_string(frame_to_csv(out), f"statroom-actions-{date.today().isoformat()}.csv")
