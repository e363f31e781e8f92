"""Layout pieces shared by the meeting pages: badges, alerts, the live-capture forms and
the lists of what was captured.

Writes go through :mod:`data.meetings`; :func:`write_outcome` turns its errors into the
alert a user sees (a conflict says what happened and offers a reload).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import quote

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from analytics.agenda import STATUS_LABELS, format_day, format_when
from data import meetings as writes
from data.meetings import ConflictError, EditPermissionError, MeetingInputError

ACTION_STATUS_STYLE = {
    "open": ("bi-circle", "status-none"),
    "in_progress": ("bi-arrow-repeat", "status-near"),
    "done": ("bi-check-circle-fill", "status-met"),
    "dropped": ("bi-x-circle", "status-none"),
}
MEETING_STATUS_STYLE = {
    "scheduled": ("Scheduled", "bi-calendar-event", "status-none"),
    "held": ("Held", "bi-check-circle-fill", "status-met"),
    "cancelled": ("Cancelled", "bi-x-circle", "status-missed"),
}


def icon(name: str, extra: str = "") -> html.I:
    return html.I(className=f"bi {name} {extra}".strip(), **{"aria-hidden": "true"})


def _badge(text: str, icon_name: str, css: str, title: str = "") -> html.Span:
    return html.Span(
        [icon(icon_name, "me-1"), text],
        className=f"badge status-badge {css}",
        title=title or text,
    )


def action_status_badge(status: str) -> html.Span:
    icon_name, css = ACTION_STATUS_STYLE.get(status, ("bi-circle", "status-none"))
    return _badge(STATUS_LABELS.get(status, status), icon_name, css)


def overdue_badge(days: int) -> html.Span:
    return _badge(
        f"Overdue {days} day{'s' if days != 1 else ''}",
        "bi-exclamation-triangle-fill",
        "status-missed overdue-badge",
    )


def meeting_status_badge(status: str) -> html.Span:
    text, icon_name, css = MEETING_STATUS_STYLE.get(status, (status, "bi-circle", "status-none"))
    return _badge(text, icon_name, css)


def days_overdue(due_date, status: str, today: date | None = None) -> int:
    """Days past due for an open item, else 0."""
    if status not in ("open", "in_progress") or due_date is None or pd.isna(due_date):
        return 0
    return max(((today or date.today()) - pd.Timestamp(due_date).date()).days, 0)


def sign_in_hint(path: str, what: str = "edit") -> html.P:
    return html.P(
        [
            icon("bi-lock", "me-1"),
            "You can look but not change anything. ",
            html.A(f"Sign in to {what}", href=f"/login?next={quote(path, safe='/')}"),
            " with an editor account.",
        ],
        className="small-muted sign-in-hint mb-2",
    )


def staff_only(title: str, path: str) -> html.Div:
    """What the public sees on an internal page: a title and a way to sign in."""
    return html.Div(
        [
            html.H1(title, className="page-title"),
            html.P(
                [
                    "Meetings and their commitments are internal working records. ",
                    html.A("Sign in", href=f"/login?next={quote(path, safe='/')}"),
                    " with a city staff account to see them.",
                ],
                className="page-lede",
            ),
        ]
    )


def alert(message: str, color: str = "success", reload_href: str | None = None) -> dbc.Alert:
    children = [message]
    if reload_href:
        children += [" ", html.A("Reload now", href=reload_href, className="alert-link")]
    return dbc.Alert(children, color=color, dismissable=True, className="py-2 mb-2")


def write_outcome(action: Callable[[], object], success: str, reload_href: str):
    """Run a write; return ``(result, alert)``. Errors become the alert and result is None."""
    try:
        return action(), (alert(success) if success else None)
    except ConflictError as exc:
        return None, alert(str(exc), "warning", reload_href)
    except EditPermissionError as exc:
        return None, alert(str(exc), "danger")
    except MeetingInputError as exc:
        return None, alert(str(exc), "danger")


# -- live capture forms --------------------------------------------------------------------------


#: The note form's "about" value for a note on the meeting as a whole.
WHOLE_MEETING = "meeting"


class CaptureIds:
    """Component ids of one capture panel; ``prefix`` keeps two panels apart."""

    def __init__(self, prefix: str):
        p = prefix
        self.alert = f"{p}-capture-alert"
        self.item = f"{p}-capture-item"
        self.action_description = f"{p}-action-description"
        self.action_owner = f"{p}-action-owner"
        self.action_department = f"{p}-action-department"
        self.action_due = f"{p}-action-due"
        self.action_measure = f"{p}-action-measure"
        self.action_add = f"{p}-action-add"
        self.owners = f"{p}-owner-options"
        self.note_body = f"{p}-note-body"
        self.note_add = f"{p}-note-add"
        self.annotation_label = f"{p}-annotation-label"
        self.annotation_date = f"{p}-annotation-date"
        self.annotation_measure = f"{p}-annotation-measure"
        self.annotation_public = f"{p}-annotation-public"
        self.annotation_add = f"{p}-annotation-add"


def measure_options(measures) -> list[dict]:
    return [{"label": m.name, "value": m.id} for m in measures]


def capture_forms(
    ids: CaptureIds,
    *,
    measures,
    owners: list[str],
    departments: list[str],
    agenda: pd.DataFrame,
    default_measure: str | None = None,
    compact: bool = False,
) -> html.Div:
    """Three small forms: an action item, a note, a chart annotation."""
    options = measure_options(measures)
    item_options = [{"label": "The whole meeting", "value": WHOLE_MEETING}] + [
        {"label": f"{n}. {title}", "value": str(item_id)}
        for n, (item_id, title) in enumerate(zip(agenda["id"], agenda["title"], strict=True), 1)
    ]
    col = {"md": 12} if compact else {"lg": 4}

    def field(label, control_id, control):
        return html.Div(
            [dbc.Label(label, html_for=control_id, className="mb-1"), control], className="mb-2"
        )

    action = dbc.Card(
        dbc.CardBody(
            [
                html.H3("Action item", className="h6 card-title"),
                field(
                    "What will be done",
                    ids.action_description,
                    dbc.Textarea(id=ids.action_description, rows=2, maxlength=5000),
                ),
                field(
                    "Owner",
                    ids.action_owner,
                    dbc.Input(
                        id=ids.action_owner, list=ids.owners, maxlength=200, autocomplete="off"
                    ),
                ),
                html.Datalist([html.Option(value=o) for o in owners], id=ids.owners),
                field(
                    "Department",
                    ids.action_department,
                    dcc.Dropdown(
                        id=ids.action_department,
                        options=departments,
                        placeholder="Pick a department",
                    ),
                ),
                field("Due date", ids.action_due, dbc.Input(id=ids.action_due, type="date")),
                field(
                    "Linked measure",
                    ids.action_measure,
                    dcc.Dropdown(
                        id=ids.action_measure,
                        options=options,
                        value=default_measure,
                        placeholder="None",
                    ),
                ),
                dbc.Button(
                    [icon("bi-plus-lg", "me-1"), "Add action item"],
                    id=ids.action_add,
                    color="primary",
                    size="sm",
                ),
            ]
        ),
        className="h-100 capture-card",
    )
    note = dbc.Card(
        dbc.CardBody(
            [
                html.H3("Note", className="h6 card-title"),
                field(
                    "About",
                    ids.item,
                    dbc.Select(id=ids.item, options=item_options, value=WHOLE_MEETING),
                ),
                field(
                    "Note", ids.note_body, dbc.Textarea(id=ids.note_body, rows=4, maxlength=10000)
                ),
                dbc.Button(
                    [icon("bi-plus-lg", "me-1"), "Add note"],
                    id=ids.note_add,
                    color="primary",
                    size="sm",
                ),
            ]
        ),
        className="h-100 capture-card",
    )
    annotation = dbc.Card(
        dbc.CardBody(
            [
                html.H3("Chart annotation", className="h6 card-title"),
                field(
                    "Text on the chart",
                    ids.annotation_label,
                    dbc.Input(
                        id=ids.annotation_label, maxlength=200, placeholder="e.g. New crew starts"
                    ),
                ),
                field("Date", ids.annotation_date, dbc.Input(id=ids.annotation_date, type="date")),
                field(
                    "Measure",
                    ids.annotation_measure,
                    dcc.Dropdown(
                        id=ids.annotation_measure,
                        options=options,
                        value=default_measure,
                        placeholder="Pick a measure",
                    ),
                ),
                dbc.Checkbox(
                    id=ids.annotation_public,
                    label="Show on the public site too",
                    value=False,
                    class_name="mb-2",
                ),
                dbc.Button(
                    [icon("bi-plus-lg", "me-1"), "Add annotation"],
                    id=ids.annotation_add,
                    color="primary",
                    size="sm",
                ),
            ]
        ),
        className="h-100 capture-card",
    )
    return html.Div(
        [
            html.Div(id=ids.alert, role="status", **{"aria-live": "polite"}),
            dbc.Row(
                [dbc.Col(card, className="mb-3", **col) for card in (action, note, annotation)]
            ),
        ]
    )


# -- what was captured ---------------------------------------------------------------------------


def action_rows(actions: pd.DataFrame, today: date | None = None) -> list:
    rows = []
    for a in actions.to_dict("records"):
        late = days_overdue(a["due_date"], a["status"], today)
        rows.append(
            html.Li(
                [
                    html.Div(a["description"], className="fw-semibold"),
                    html.Div(
                        [
                            html.Span(a["owner"]),
                            html.Span(f" · {a['department']}" if a.get("department") else ""),
                            html.Span(f" · due {format_day(a['due_date'])} "),
                            action_status_badge(a["status"]),
                            " ",
                            overdue_badge(late) if late else None,
                        ],
                        className="small-muted",
                    ),
                ],
                className="captured-item",
            )
        )
    return rows


def captured_panel(
    *,
    actions: pd.DataFrame,
    notes: pd.DataFrame,
    annotations: pd.DataFrame,
    agenda: pd.DataFrame,
    measure_names: dict[str, str],
) -> dbc.Row:
    """Three lists: commitments, notes and annotations captured in the meeting."""
    titles = {int(i): t for i, t in zip(agenda["id"], agenda["title"], strict=True)}
    note_items = [
        html.Li(
            [
                html.Div(n["body"], className="note-body"),
                html.Div(
                    [
                        titles.get(int(n["agenda_item_id"]), "General")
                        if pd.notna(n["agenda_item_id"])
                        else "General",
                        f" · {n['author']}" if n["author"] else "",
                        f" · {format_when(n['created_at'])}",
                    ],
                    className="small-muted",
                ),
            ],
            className="captured-item",
        )
        for n in notes.to_dict("records")
    ]
    annotation_items = [
        html.Li(
            [
                html.Div(a["label"], className="fw-semibold"),
                html.Div(
                    [
                        measure_names.get(a["measure_id"], "All measures"),
                        f" · {format_day(a['start_date'])}",
                        " · public" if a["is_public"] else " · internal",
                    ],
                    className="small-muted",
                ),
            ],
            className="captured-item",
        )
        for a in annotations.to_dict("records")
    ]

    def column(title, items, empty):
        return dbc.Col(
            [
                html.H3(
                    [title, html.Span(f" ({len(items)})", className="small-muted")], className="h6"
                ),
                html.Ul(items, className="captured-list")
                if items
                else html.P(empty, className="small-muted"),
            ],
            lg=4,
            className="mb-3",
        )

    return dbc.Row(
        [
            column("Commitments", action_rows(actions), "No action items captured yet."),
            column("Notes", note_items, "No notes yet."),
            column("Chart annotations", annotation_items, "No annotations yet."),
        ]
    )


# -- capture helpers shared by the meeting page and the presenter --------------------------------


def owner_suggestions(store, meeting) -> list[str]:
    """Attendees first, then everyone who has owned an action."""
    known = store.action_items()["owner"].dropna().tolist()
    return list(dict.fromkeys([*meeting.attendees, *known]))


def department_names(store) -> list[str]:
    return sorted({m.department for m in store.measures() if m.department})


def captured_key(activity: dict) -> str:
    """The part of a meeting's activity fingerprint that the captured lists depend on."""
    return "|".join(activity.get(k, "") for k in ("actions", "notes", "annotations"))


def submit_capture(store, kind: str, meeting_id, values: dict):
    """Write what a capture form holds (``kind``: action, note or annotation).

    Returns ``(ok, alert)``.
    """
    engine, viewer = store.engine, store.viewer
    reload_href = f"/meeting/{int(meeting_id)}?tab=capture"
    if kind == "action":

        def call():
            return writes.add_action(
                engine,
                viewer,
                description=values.get("description") or "",
                owner=values.get("owner") or "",
                department=values.get("department") or "",
                due_date=values.get("due") or "",
                measure_id=values.get("measure") or None,
                meeting_id=meeting_id,
            )

        success = "Action item added."
    elif kind == "note":
        item = values.get("item")

        def call():
            return writes.add_note(
                engine,
                viewer,
                meeting_id,
                values.get("body") or "",
                agenda_item_id=int(item) if item and item != WHOLE_MEETING else None,
            )

        success = "Note added."
    else:

        def call():
            return writes.add_annotation(
                engine,
                viewer,
                label=values.get("label") or "",
                start_date=values.get("date") or "",
                measure_id=values.get("measure") or None,
                meeting_id=meeting_id,
                is_public=bool(values.get("public")),
            )

        success = "Annotation added to the chart."
    result, message = write_outcome(call, success, reload_href)
    return result is not None, message
