"""Measure the measurers: is the Stat cycle itself working?

Meetings held against scheduled, actions closed on time, measures updated on schedule,
and memo and follow-up timeliness (memo 48 hours before, follow-up within 2 days).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from analytics.agenda import cycle_health, format_day, format_when
from analytics.periods import period_label
from components.context import current_store
from components.layout import guarded, requires
from components.meeting_panels import icon, meeting_status_badge, staff_only

dash.register_page(
    __name__, path="/meetings/health", title="Is the Stat cycle working? · Statroom", order=24
)

STATE_WORDS = {
    "on_time": "On time",
    "late": "Late",
    "missing": "Not sent",
    "pending": "Not due yet",
    "not_applicable": "—",
}


def measures_frame(store) -> pd.DataFrame:
    """Visible measures with their latest citywide period."""
    latest = store.latest_observations().set_index("measure_id")["period"]
    return pd.DataFrame(
        [
            {
                "id": m.id,
                "name": m.name,
                "frequency": m.frequency,
                "update_lag_days": m.update_lag_days,
                "latest_period": latest.get(m.id),
            }
            for m in store.measures()
        ],
        columns=["id", "name", "frequency", "update_lag_days", "latest_period"],
    )


def health_for(store, as_of: datetime | None = None):
    return cycle_health(
        meetings=store.meetings(),
        actions=store.action_items(),
        measures=measures_frame(store),
        as_of=as_of or datetime.now(),
    )


def _tile(title: str, share, words: str, explain: str, href: str | None = None) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(title, className="h6 card-title"),
                html.Div(share.percent, className="health-value"),
                html.Div(words, className="health-words"),
                html.P(explain, className="small-muted mb-0 mt-1"),
                html.A("See them", href=href, className="small") if href else None,
            ]
        ),
        className="health-tile",
    )


def _state(state: str) -> html.Span:
    return html.Span(STATE_WORDS.get(state, state), className=f"health-state-{state}")


@guarded
@requires("viewer")
def layout(**_query):
    store = current_store()
    if not store.viewer.can_see_internal:
        return staff_only("Is the Stat cycle working?", "/meetings/health")
    now = datetime.now()
    health = health_for(store, now)
    tiles = [
        _tile(
            "Meetings held",
            health.meetings_held,
            health.meetings_held.words("scheduled meetings held"),
            "Meetings whose date has passed; cancelled ones count as not held.",
        ),
        _tile(
            "Actions closed on time",
            health.actions_on_time,
            health.actions_on_time.words("due actions done by their date"),
            f"{health.overdue_actions} still open past their due date. Dropped actions are "
            "left out.",
            "/actions?status=overdue" if health.overdue_actions else None,
        ),
        _tile(
            "Measures updated on schedule",
            health.measures_on_schedule,
            health.measures_on_schedule.words("measures up to date"),
            "Each period's data is due a set number of days after the period ends.",
        ),
        _tile(
            "Memos on time",
            health.memos_on_time,
            health.memos_on_time.words("memos sent 48 hours ahead"),
            "Baltimore's CitiStat rule: the memo goes out at least 48 hours before.",
        ),
        _tile(
            "Follow-ups on time",
            health.followups_on_time,
            health.followups_on_time.words("follow-ups within 2 days"),
            "The follow-up memo goes out within 2 days of the meeting.",
        ),
    ]
    return html.Div(
        [
            html.Nav(
                html.A([icon("bi-arrow-left", "me-1"), "All meetings"], href="/meetings"),
                className="small mb-2",
                **{"aria-label": "Breadcrumb"},
            ),
            html.H1("Is the Stat cycle working?", className="page-title"),
            html.P(
                f"Measuring the measurers, as of {format_when(now)}: are meetings held, "
                "commitments kept, data fresh and memos on time?",
                className="page-lede",
            ),
            dbc.Row([dbc.Col(t, md=6, xl=True, className="mb-3") for t in tiles], className="g-3"),
            html.H2("Memo and follow-up timeliness, by meeting", className="h4 mt-3"),
            _meetings_table(health.meetings),
            html.H2("Measures behind schedule", className="h4 mt-4"),
            _late_measures(health.measures),
        ]
    )


def _meetings_table(frame: pd.DataFrame):
    if frame.empty:
        return html.P("No meetings yet.", className="small-muted")
    rows = []
    for r in frame.sort_values("scheduled_for", ascending=False).to_dict("records"):
        memo = (
            f"{format_when(r['memo_sent_at'])} ({r['memo_lead_hours']:.0f} h before)"
            if pd.notna(r["memo_sent_at"])
            else f"due {format_when(r['memo_deadline'])}"
        )
        follow = (
            f"{format_when(r['followup_sent_at'])} ({r['followup_days']:.1f} days after)"
            if pd.notna(r["followup_sent_at"])
            else (
                f"due {format_when(r['followup_deadline'])}"
                if r["followup_state"] != "not_applicable"
                else ""
            )
        )
        rows.append(
            html.Tr(
                [
                    html.Td(format_when(r["scheduled_for"]), className="text-nowrap"),
                    html.Td(html.A(r["title"], href=f"/meeting/{int(r['id'])}")),
                    html.Td(meeting_status_badge(r["status"])),
                    html.Td([_state(r["memo_state"]), html.Div(memo, className="small-muted")]),
                    html.Td(
                        [_state(r["followup_state"]), html.Div(follow, className="small-muted")]
                    ),
                ]
            )
        )
    return dbc.Table(
        [
            html.Caption("Memo: at least 48 hours before. Follow-up: within 2 days after."),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in ("When", "Meeting", "Status", "Memo", "Follow-up")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        class_name="health-table align-middle",
        responsive=True,
    )


def _late_measures(frame: pd.DataFrame):
    late = frame[~frame["on_schedule"].astype(bool)].sort_values("days_late", ascending=False)
    if late.empty:
        return html.P("Every measure's data is up to date.", className="small-muted")
    rows = [
        html.Tr(
            [
                html.Td(html.A(r["name"], href=f"/measure/{quote(r['id'], safe='')}")),
                html.Td(r["frequency"].capitalize()),
                html.Td(
                    period_label(pd.Timestamp(r["latest_period"]), r["frequency"])
                    if r["latest_period"]
                    else "No data"
                ),
                html.Td(format_day(r["next_due"]) if pd.notna(r["next_due"]) else "—"),
                html.Td(
                    f"{int(r['days_late'])} days" if pd.notna(r["days_late"]) else "—",
                    className="text-end",
                ),
            ]
        )
        for r in late.to_dict("records")
    ]
    return dbc.Table(
        [
            html.Caption("Measures whose next period of data is overdue, most overdue first"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in ("Measure", "Frequency", "Latest data", "Next data due", "Late by")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        class_name="health-table align-middle",
        responsive=True,
    )
