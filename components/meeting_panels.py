"""Layout pieces shared by the meeting pages: badges, alerts, the live-capture forms and
the lists of what was captured, the memo controls; and the live-capture and polling logic
that the meeting page and the presenter both run.

Writes go through :mod:`data.meetings`; :func:`write_outcome` turns its errors into the
alert a user sees (a conflict says what happened and offers a reload).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html
from sqlalchemy.exc import SQLAlchemyError

from analytics.agenda import FOLLOWUP_WINDOW, MEMO_LEAD, STATUS_LABELS, format_day, format_when
from components.context import current_store
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
        #: Each kind's add button, and the field a successful add clears.
        self.add_buttons = {
            "action": self.action_add,
            "note": self.note_add,
            "annotation": self.annotation_add,
        }
        self.cleared_on_add = {
            "action": self.action_description,
            "note": self.note_body,
            "annotation": self.annotation_label,
        }
        #: The fields a capture reads, by the names :func:`submit_capture` knows them.
        self.fields = {
            "description": self.action_description,
            "owner": self.action_owner,
            "department": self.action_department,
            "due": self.action_due,
            "action_measure": self.action_measure,
            "item": self.item,
            "body": self.note_body,
            "label": self.annotation_label,
            "date": self.annotation_date,
            "annotation_measure": self.annotation_measure,
            "public": self.annotation_public,
        }

    def outputs(self) -> list[Output]:
        """What a capture callback sets: the alert, then the fields an add clears."""
        cleared = [Output(field, "value") for field in self.cleared_on_add.values()]
        return [Output(self.alert, "children"), *cleared]

    def inputs(self, meeting_store: str) -> list:
        """What a capture callback reads: the add buttons, the meeting id held in the
        ``meeting_store`` Store, then :attr:`fields` in order."""
        return [
            *(Input(button, "n_clicks") for button in self.add_buttons.values()),
            State(meeting_store, "data"),
            *(State(field, "value") for field in self.fields.values()),
        ]


def measure_options(measures) -> list[dict]:
    return [{"label": m.name, "value": m.id} for m in measures]


def add_button(label: str, component_id: str, color: str = "primary") -> dbc.Button:
    return dbc.Button([icon("bi-plus-lg", "me-1"), label], id=component_id, color=color, size="sm")


def _capture_card(title: str, fields: list, add: dbc.Button) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody([html.H3(title, className="h6 card-title"), *fields, add]),
        className="h-100 capture-card",
    )


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

    def measure_field(label, control_id, placeholder):
        return field(
            label,
            control_id,
            dcc.Dropdown(
                id=control_id, options=options, value=default_measure, placeholder=placeholder
            ),
        )

    action = _capture_card(
        "Action item",
        [
            field(
                "What will be done",
                ids.action_description,
                dbc.Textarea(id=ids.action_description, rows=2, maxlength=5000),
            ),
            field(
                "Owner",
                ids.action_owner,
                dbc.Input(id=ids.action_owner, list=ids.owners, maxlength=200, autocomplete="off"),
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
            measure_field("Linked measure", ids.action_measure, "None"),
        ],
        add_button("Add action item", ids.action_add),
    )
    note = _capture_card(
        "Note",
        [
            field(
                "About",
                ids.item,
                dbc.Select(id=ids.item, options=item_options, value=WHOLE_MEETING),
            ),
            field("Note", ids.note_body, dbc.Textarea(id=ids.note_body, rows=4, maxlength=10000)),
        ],
        add_button("Add note", ids.note_add),
    )
    annotation = _capture_card(
        "Chart annotation",
        [
            field(
                "Text on the chart",
                ids.annotation_label,
                dbc.Input(
                    id=ids.annotation_label, maxlength=200, placeholder="e.g. New crew starts"
                ),
            ),
            field("Date", ids.annotation_date, dbc.Input(id=ids.annotation_date, type="date")),
            measure_field("Measure", ids.annotation_measure, "Pick a measure"),
            dbc.Checkbox(
                id=ids.annotation_public,
                label="Show on the public site too",
                value=False,
                class_name="mb-2",
            ),
        ],
        add_button("Add annotation", ids.annotation_add),
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


# -- capture and polling, shared by the meeting page and the presenter ---------------------------


def meeting_or_none(meeting_id):
    """The meeting for a page title, or None: a title must not fail on a bad id or a database
    that is down (the layout then says what is wrong)."""
    try:
        return current_store().meeting(meeting_id) if meeting_id else None
    except SQLAlchemyError:
        return None


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
    """Write what a capture form holds (``kind``: action, note or annotation); ``values`` is
    keyed like :attr:`CaptureIds.fields`.

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
                measure_id=values.get("action_measure") or None,
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
                measure_id=values.get("annotation_measure") or None,
                meeting_id=meeting_id,
                is_public=bool(values.get("public")),
            )

        success = "Annotation added to the chart."
    result, message = write_outcome(call, success, reload_href)
    return result is not None, message


def capture_from_forms(ids: CaptureIds, store, meeting_id, form: Sequence) -> tuple | None:
    """Write what the clicked add button's form holds.

    ``form`` holds the values of :attr:`CaptureIds.fields`, in order. Returns the values of
    :meth:`CaptureIds.outputs`: the alert, then each clearable field emptied after a
    successful add of its kind and left alone otherwise. None when no button was clicked.
    """
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        return None
    kind_of_button = {button: kind for kind, button in ids.add_buttons.items()}
    kind = kind_of_button[ctx.triggered_id]
    values = dict(zip(ids.fields, form, strict=True))
    ok, message = submit_capture(store, kind, meeting_id, values)
    cleared = ("" if ok and other == kind else dash.no_update for other in ids.cleared_on_add)
    return message, *cleared


def register_activity_poll(activity: str, poll: str, meeting: str) -> Callable:
    """Register the callback that refreshes the ``activity`` Store from the database on each
    tick of the ``poll`` Interval, for the meeting in the ``meeting`` Store; returns it."""

    @dash.callback(
        Output(activity, "data"),
        Input(poll, "n_intervals"),
        State(meeting, "data"),
        State(activity, "data"),
        prevent_initial_call=True,
    )
    def poll_activity(_n, meeting_id, known):
        """A cheap query every few seconds; downstream panels re-render only on a change."""
        fresh = current_store().meeting_activity(meeting_id)
        return dash.no_update if fresh == known else fresh

    return poll_activity


# -- Stat memo and follow-up memo ----------------------------------------------------------------


def _sent_state(document: str, sent_at, deadline, late: str, due: str) -> html.P:
    """Whether ``document`` went out by its ``deadline``; ``late`` and ``due`` say what the
    deadline means, in words."""
    if sent_at:
        was_late = pd.Timestamp(sent_at) > deadline
        return html.P(
            [
                icon("bi-send-check" if not was_late else "bi-exclamation-triangle-fill", "me-1"),
                f"{document} sent {format_when(sent_at)}",
                html.Strong(f" — late: {late}") if was_late else " — on time.",
            ],
            className="memo-state",
        )
    return html.P(
        [
            icon("bi-hourglass-split", "me-1"),
            f"Not sent yet. Send by {format_when(deadline)} ({due}).",
        ],
        className="memo-state",
    )


def memo_state(meeting) -> html.P:
    return _sent_state(
        "Memo",
        meeting.memo_sent_at,
        pd.Timestamp(meeting.scheduled_for) - MEMO_LEAD,
        "less than 48 hours before the meeting",
        "48 hours before the meeting",
    )


def followup_state(meeting) -> html.P:
    return _sent_state(
        "Follow-up",
        meeting.followup_sent_at,
        pd.Timestamp(meeting.scheduled_for) + FOLLOWUP_WINDOW,
        "more than 2 days after the meeting",
        "within 2 days of the meeting",
    )


@dataclass(frozen=True)
class SentDocument:
    """A text the meeting sends out (the Stat memo or the follow-up): how to save it, how to
    mark it sent, and what each tells the user."""

    tab: str
    save: Callable[..., int]  # (engine, viewer, meeting_id, version, text) -> new version
    saved: str
    mark_sent: Callable[..., int]  # (engine, viewer, meeting_id, version) -> new version
    marked_sent: str
    state: Callable[..., html.P]  # meeting -> when it was sent, or when it is due


MEMO = SentDocument(
    "memo",
    writes.save_memo_text,
    "Summary saved.",
    writes.mark_memo_sent,
    "Memo marked as sent.",
    memo_state,
)
FOLLOWUP = SentDocument(
    "followup",
    writes.save_followup_text,
    "Follow-up saved.",
    writes.mark_followup_sent,
    "Follow-up marked as sent.",
    followup_state,
)


def save_or_mark_sent(document: SentDocument, store, saving: bool, text, meeting_id, version):
    """Save ``document``'s text (or mark it sent) against the version the user saw.

    Returns the edit callbacks' outputs: (text, version, alert, state).
    """
    engine, viewer = store.engine, store.viewer
    if saving:
        write = partial(document.save, engine, viewer, meeting_id, version, text)
        success = document.saved
    else:
        write = partial(document.mark_sent, engine, viewer, meeting_id, version)
        success = document.marked_sent
    result, message = write_outcome(
        write, success, f"/meeting/{int(meeting_id)}?tab={document.tab}"
    )
    if result is None:
        return dash.no_update, dash.no_update, message, dash.no_update
    return dash.no_update, result, message, document.state(store.meeting(meeting_id))


def document_buttons(save: tuple[str, str], redraft: tuple[str, str], sent: tuple[str, str]):
    """Save, start again and mark as sent, under a memo's text; each an ``(id, label)``."""
    (save_id, save_label), (redraft_id, redraft_label), (sent_id, sent_label) = save, redraft, sent
    return html.Div(
        [
            dbc.Button(save_label, id=save_id, color="primary", size="sm", class_name="me-2"),
            dbc.Button(
                redraft_label,
                id=redraft_id,
                color="secondary",
                outline=True,
                size="sm",
                class_name="me-2",
            ),
            dbc.Button(
                [icon("bi-send", "me-1"), sent_label], id=sent_id, color="success", size="sm"
            ),
        ],
        className="mb-2",
    )


#: The formats a memo exports to: (file extension, icon, button label).
EXPORT_FORMATS = (
    ("html", "bi-printer", "Printable page"),
    ("pdf", "bi-filetype-pdf", "PDF"),
    ("docx", "bi-filetype-docx", "Word"),
)


def export_links(meeting_id, kind: str, label: str) -> html.Div:
    """Buttons that download the meeting's ``kind`` (memo or followup) in each format."""
    base = f"/meeting/{int(meeting_id)}/{kind}"
    buttons = [
        dbc.Button(
            [icon(icon_name, "me-1"), text],
            href=f"{base}.{extension}",
            external_link=True,
            color="secondary",
            outline=True,
            size="sm",
            class_name="me-1",
            id=f"meeting-{kind}-{extension}",
            # The printable page opens in a tab of its own; the files download.
            **({"target": "_blank"} if extension == "html" else {}),
        )
        for extension, icon_name, text in EXPORT_FORMATS
    ]
    return html.Div(
        [html.Span(f"{label}: ", className="fw-semibold me-1"), *buttons],
        className="export-links mb-2",
    )
