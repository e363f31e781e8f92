"""Meetings: upcoming and past Stat meetings, and a form to schedule one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from analytics.agenda import MEMO_LEAD, format_day, format_when
from components.context import current_store
from components.layout import guarded, requires
from components.meeting_panels import (
    alert,
    icon,
    meeting_status_badge,
    sign_in_hint,
    staff_only,
)
from data import meetings as writes

dash.register_page(__name__, path="/meetings", title="Meetings · Statroom", order=20)


class ids:
    redirect = "meetings-redirect"
    title = "meetings-new-title"
    day = "meetings-new-date"
    time = "meetings-new-time"
    areas = "meetings-new-areas"
    departments = "meetings-new-departments"
    attendees = "meetings-new-attendees"
    create = "meetings-new-create"
    alert = "meetings-new-alert"


@guarded
@requires("viewer")
def layout(**_query):
    store = current_store()
    if not store.viewer.can_see_internal:
        return staff_only("Stat meetings", "/meetings")
    meetings = store.meetings()
    now = pd.Timestamp(datetime.now())
    upcoming = meetings[meetings["scheduled_for"] >= now.normalize()].sort_values("scheduled_for")
    past = meetings[meetings["scheduled_for"] < now.normalize()]
    area_names = {a.id: a.name for a in store.areas()}
    viewer = store.viewer
    return html.Div(
        [
            dcc.Location(id=ids.redirect, refresh="callback-nav"),
            html.Div(
                [
                    html.Div(
                        [
                            html.H1("Stat meetings", className="page-title"),
                            html.P(
                                "Memo out 48 hours before, charts on the screen in the room, "
                                "commitments captured as they are made, and a follow-up memo "
                                "within two days. Follow-ups come first at the next meeting.",
                                className="page-lede",
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            dbc.Button(
                                [icon("bi-check2-square", "me-1"), "Action tracker"],
                                href="/actions",
                                color="secondary",
                                outline=True,
                                className="me-2",
                            ),
                            dbc.Button(
                                [icon("bi-heart-pulse", "me-1"), "Is the cycle working?"],
                                href="/meetings/health",
                                color="secondary",
                                outline=True,
                            ),
                        ],
                        className="meetings-head-actions",
                    ),
                ],
                className="meetings-head",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2("Upcoming", className="h4 mt-2"),
                            meetings_table(
                                upcoming,
                                area_names,
                                "No meetings scheduled.",
                                now,
                                "Upcoming meetings",
                            ),
                            html.H2("Past", className="h4 mt-4"),
                            meetings_table(
                                past, area_names, "No meetings held yet.", now, "Past meetings"
                            ),
                        ],
                        xl=8,
                    ),
                    dbc.Col(create_form(store) if viewer.can_edit else _read_only(), xl=4),
                ]
            ),
        ]
    )


def _read_only():
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Schedule a meeting", className="h5"),
                sign_in_hint("/meetings", "schedule meetings"),
            ]
        ),
        className="mt-2",
    )


def _scope_text(row, area_names) -> str:
    parts = [area_names.get(a, a) for a in row["areas"]]
    n = len(row["departments"])
    if n:
        parts.append(f"{n} department{'s' if n != 1 else ''}" if parts else row["departments"][0])
    return " · ".join(parts)


def _memo_state(row, now: pd.Timestamp) -> html.Span:
    when = pd.Timestamp(row["scheduled_for"])
    if row["status"] == "cancelled":
        return html.Span("—")
    deadline = when - MEMO_LEAD
    if pd.notna(row["memo_sent_at"]):
        sent = pd.Timestamp(row["memo_sent_at"])
        if sent <= deadline:
            return html.Span([icon("bi-send-check", "me-1"), f"Sent {format_day(sent)}"])
        return html.Span(
            [icon("bi-exclamation-triangle-fill", "me-1"), f"Sent late, {format_day(sent)}"],
            className="health-state-late",
        )
    if now > deadline:
        return html.Span(
            [icon("bi-exclamation-triangle-fill", "me-1"), "Not sent"],
            className="health-state-missing",
        )
    return html.Span(f"Due {format_day(deadline)}")


def meetings_table(
    frame: pd.DataFrame, area_names: dict, empty: str, now, caption: str = "Meetings"
) -> html.Div:
    if frame.empty:
        return html.P(empty, className="small-muted")
    rows = []
    for row in frame.to_dict("records"):
        rows.append(
            html.Tr(
                [
                    html.Td(format_when(row["scheduled_for"]), className="text-nowrap"),
                    html.Td(
                        [
                            html.A(row["title"], href=f"/meeting/{int(row['id'])}"),
                            html.Div(_scope_text(row, area_names), className="small-muted"),
                        ]
                    ),
                    html.Td(meeting_status_badge(row["status"])),
                    html.Td(
                        f"{int(row['n_items'])} items · {int(row['agenda_minutes'])} min"
                        if row["n_items"]
                        else "No agenda yet",
                        className="text-nowrap",
                    ),
                    html.Td(str(int(row["n_actions"])), className="text-end"),
                    html.Td(_memo_state(row, now), className="text-nowrap"),
                ]
            )
        )
    return dbc.Table(
        [
            html.Caption(caption, className="visually-hidden"),
            html.Thead(
                html.Tr(
                    [
                        html.Th("When", scope="col"),
                        html.Th("Meeting", scope="col"),
                        html.Th("Status", scope="col"),
                        html.Th("Agenda", scope="col"),
                        html.Th("Actions", scope="col", className="text-end"),
                        html.Th("Memo", scope="col"),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        hover=True,
        responsive=True,
        class_name="meetings-table align-middle",
    )


def create_form(store) -> dbc.Card:
    areas = store.areas()
    departments = sorted({m.department for m in store.measures() if m.department})
    default_day = date.today() + timedelta(days=14)
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Schedule a meeting", className="h5"),
                html.P(
                    "Statroom proposes the agenda from the areas and departments you pick.",
                    className="small-muted",
                ),
                html.Div(id=ids.alert, role="status", **{"aria-live": "polite"}),
                dbc.Label("Title", html_for=ids.title),
                dbc.Input(
                    id=ids.title,
                    maxlength=300,
                    placeholder="e.g. InfraStat: Infrastructure and Transportation",
                    className="mb-2",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("Date", html_for=ids.day),
                                dbc.Input(id=ids.day, type="date", value=default_day.isoformat()),
                            ]
                        ),
                        dbc.Col(
                            [
                                dbc.Label("Start time", html_for=ids.time),
                                dbc.Input(id=ids.time, type="time", value="09:30"),
                            ]
                        ),
                    ],
                    className="mb-2",
                ),
                dbc.Label("Priority areas", html_for=ids.areas),
                dcc.Dropdown(
                    id=ids.areas,
                    options=[{"label": a.name, "value": a.id} for a in areas],
                    multi=True,
                    placeholder="Pick one or more",
                    className="mb-2",
                ),
                dbc.Label("Departments", html_for=ids.departments),
                dcc.Dropdown(
                    id=ids.departments,
                    options=departments,
                    multi=True,
                    placeholder="Optional",
                    className="mb-2",
                ),
                dbc.Label("Attendees, one per line", html_for=ids.attendees),
                dbc.Textarea(id=ids.attendees, rows=4, className="mb-3"),
                dbc.Button(
                    [icon("bi-calendar-plus", "me-1"), "Schedule meeting"],
                    id=ids.create,
                    color="primary",
                ),
            ]
        ),
        className="mt-2 create-meeting",
    )


@dash.callback(
    Output(ids.redirect, "href"),
    Output(ids.alert, "children"),
    Input(ids.create, "n_clicks"),
    State(ids.title, "value"),
    State(ids.day, "value"),
    State(ids.time, "value"),
    State(ids.areas, "value"),
    State(ids.departments, "value"),
    State(ids.attendees, "value"),
    prevent_initial_call=True,
)
def create_meeting(n_clicks, title, day, start, areas, departments, attendees):
    """Schedule the meeting and open it."""
    if not n_clicks:
        return dash.no_update, dash.no_update
    store = current_store()
    try:
        when = datetime.combine(date.fromisoformat(day or ""), time.fromisoformat(start or "09:30"))
    except ValueError:
        return dash.no_update, alert("Enter the meeting's date and start time.", "danger")
    try:
        meeting_id = writes.create_meeting(
            store.engine,
            store.viewer,
            title=title or "",
            scheduled_for=when,
            areas=areas or [],
            departments=departments or [],
            attendees=(attendees or "").splitlines(),
        )
    except (writes.EditPermissionError, writes.MeetingInputError) as exc:
        return dash.no_update, alert(str(exc), "danger")
    return f"/meeting/{meeting_id}", None
