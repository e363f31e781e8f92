"""Presenter mode: one agenda item per screen, in large type, for the projector.

Keyboard (``assets/statroom/presenter.js``): Right, Space or PageDown for the next item;
Left or PageUp for the previous one; 1–9 to jump; Home and End; F for full screen; C to
capture an action, note or annotation; Esc to leave. The page hides the app's navbar and
footer (``chrome-hidden`` on ``<body>``) while it is shown.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from analytics.agenda import SECTION_LABELS, STATUS_LABELS, format_day
from analytics.narrative import format_value
from analytics.periods import period_label, period_noun
from components.badges import signal_badge, target_badge
from components.context import current_store
from components.figures import ALL_LAYERS, measure_chart
from components.layout import guarded, requires
from components.meeting_panels import (
    CaptureIds,
    capture_forms,
    capture_from_forms,
    days_overdue,
    department_names,
    meeting_or_none,
    overdue_badge,
    owner_suggestions,
    register_activity_poll,
)


def _title(meeting_id=None, **_variables) -> str:
    meeting = meeting_or_none(meeting_id)
    return f"Presenting: {meeting.title} · Statroom" if meeting else "Presenting · Statroom"


dash.register_page(
    __name__,
    path_template="/meeting/<meeting_id>/present",
    title=_title,
    order=21,
)

POLL_MS = 4000
#: Control limits are left off the projected chart: signals stay, the room reads the rest.
CONTROL_LINES = {"Centre line", "Lower natural limit", "Upper natural limit"}
THICK_LINES = {"Actual", "Forecast", "Target"}


class ids:
    root = "present-root"
    meeting = "present-meeting"
    index = "present-index"
    key = "present-key"
    meta = "present-meta"
    started = "present-started"
    activity = "present-activity"
    tick = "present-tick"
    poll = "present-poll"
    slide = "present-slide"
    section = "present-section"
    timer = "present-timer"
    progress = "present-progress"
    progress_text = "present-progress-text"
    prev = "present-prev"
    next = "present-next"
    capture = "present-capture"
    capture_sink = "present-capture-sink"
    screen = "present-screen"


capture = CaptureIds("present")


@guarded
@requires("viewer")
def layout(meeting_id=None, item=None, **_query):
    store = current_store()
    meeting = store.meeting(meeting_id) if meeting_id is not None else None
    if meeting is None:
        return html.Div(
            [
                html.H1("Nothing to present", className="page-title"),
                html.P("There is no meeting with that number.", className="page-lede"),
                html.A("See all meetings", href="/meetings"),
            ]
        )
    agenda = store.agenda(meeting.id)
    exit_to = f"/meeting/{meeting.id}"
    if agenda.empty:
        return html.Div(
            [
                html.H1(meeting.title, className="page-title"),
                html.P(
                    "This meeting has no agenda yet, so there is nothing to present.",
                    className="page-lede",
                ),
                html.A("Accept an agenda first", href=exit_to),
            ]
        )
    meta = [
        {
            "title": row["title"],
            "minutes": int(row["minutes"]),
            "section": SECTION_LABELS[row["section"]],
            "measure": item_measure_id(row, _action(store, row)),
            "id": int(row["id"]),
        }
        for row in agenda.to_dict("records")
    ]
    try:
        start = min(max(int(item) - 1, 0), len(meta) - 1) if item else 0
    except ValueError:
        start = 0
    can_edit = store.viewer.can_edit
    children = [
        dcc.Store(id=ids.meeting, data=meeting.id),
        dcc.Store(id=ids.index, data=start),
        dcc.Store(id=ids.key),
        dcc.Store(id=ids.meta, data=meta),
        dcc.Store(id=ids.started),
        dcc.Store(id=ids.screen),
        dcc.Store(id=ids.activity, data=store.meeting_activity(meeting.id)),
        dcc.Interval(id=ids.tick, interval=1000),
        dcc.Interval(id=ids.poll, interval=POLL_MS),
        html.H1(meeting.title, className="visually-hidden"),
        html.Div(
            [
                html.Div(
                    f"{SECTION_LABELS[agenda.iloc[start]['section']]} · item {start + 1} "
                    f"of {len(agenda)}",
                    id=ids.section,
                    className="presenter-section",
                ),
                html.Div(id=ids.timer, className="presenter-timer", role="timer"),
            ],
            className="presenter-top",
        ),
        html.Div(
            # Drawn by show_item once the screen width is known (chart type scales with it).
            html.Div(className="presenter-loading"),
            id=ids.slide,
            className="presenter-slide",
            **{"aria-live": "polite"},
        ),
        html.Div(
            [
                html.Div(
                    html.Div(id=ids.progress, className="presenter-progress-bar"),
                    className="presenter-progress",
                ),
                html.Div(id=ids.progress_text, className="presenter-progress-text"),
            ],
            className="presenter-bottom",
        ),
        # Keyboard-free navigation for screen readers and touch; visually hidden.
        html.Button(
            "Previous item", id=ids.prev, className="visually-hidden-focusable", n_clicks=0
        ),
        html.Button("Next item", id=ids.next, className="visually-hidden-focusable", n_clicks=0),
        dcc.Store(id=ids.capture_sink),
    ]
    if can_edit:
        children.append(
            dbc.Offcanvas(
                capture_forms(
                    capture,
                    measures=store.measures(),
                    owners=owner_suggestions(store, meeting),
                    departments=department_names(store),
                    agenda=agenda,
                    compact=True,
                ),
                id=ids.capture,
                title="Capture (Esc to close)",
                placement="end",
                is_open=False,
                class_name="presenter-capture",
            )
        )
    return html.Div(
        children,
        id=ids.root,
        className="presenter",
        **{"data-exit": exit_to, "data-capture": "1" if can_edit else "0"},
    )


# -- one slide --------------------------------------------------------------------------------


def chart_font_size(width) -> int:
    """Chart text size for a screen ``width`` px wide: 26 px on 1920, 17 px on 1280."""
    try:
        width = float(width)
    except (TypeError, ValueError):
        width = 1920.0
    return int(min(max(round(width / 1920 * 26), 16), 34))


def slide_figure(store, measure, payload: dict, font_size: int = 22):
    """The measure's main chart in projector type: history, target, band, signals."""
    history = store.series(measure.id)
    if history.empty:
        return measure_chart(unit=measure.unit, decimals=measure.decimals, history=history)
    end = history["period"].max()
    start = end - pd.DateOffset(years=3)
    forecast = pd.DataFrame((payload.get("forecast") or {}).get("points") or [])
    if not forecast.empty:
        forecast["period"] = pd.to_datetime(forecast["period"])
        end = forecast["period"].max()
    control = payload.get("control") or {}
    phases = pd.DataFrame(control.get("phases") or [])
    if not phases.empty:
        phases["start"] = pd.to_datetime(phases["start"])
        phases["end"] = pd.to_datetime(phases["end"])
    signals = pd.DataFrame(control.get("signals") or [])
    if not signals.empty:
        signals["period"] = pd.to_datetime(signals["period"])
    actions = store.actions(measure.id)
    if not actions.empty:
        actions = actions.assign(
            due_date=pd.to_datetime(actions["due_date"]),
            completed_at=pd.to_datetime(actions["completed_at"]),
        )
    figure = measure_chart(
        unit=measure.unit,
        decimals=measure.decimals,
        unit_label=measure.unit_label,
        history=history[history["period"] >= start],
        targets=store.targets(measure.id),
        forecast=forecast,
        control_phases=phases,
        signals=signals,
        annotations=store.annotations(measure.id),
        actions=actions,
        layers=ALL_LAYERS,
        date_range=(start, end + pd.Timedelta(days=20)),
    )
    # Projector styling by hand: theme.projector() thickens every scatter line, which also
    # outlines the forecast band and the near-target boxes (drawn with width 0).
    figure.data = tuple(t for t in figure.data if t.name not in CONTROL_LINES)
    figure.update_layout(template="statroom_projector")
    for trace in figure.data:
        if trace.name in THICK_LINES:
            trace.line.width = 5 if trace.name == "Actual" else 4
        if trace.name == "Signal":
            trace.marker.size = 18
        if trace.name in ("Action due", "Action completed"):
            trace.marker.size = 22
    figure.update_layout(
        height=None,
        margin=dict(l=10, r=20, t=50, b=10),
        font=dict(size=font_size),
        legend=dict(font=dict(size=font_size)),
        hovermode=False,
    )
    figure.update_xaxes(nticks=6, tickangle=0, tickfont=dict(size=font_size))
    figure.update_yaxes(nticks=6, tickfont=dict(size=font_size), title=None)
    figure.update_annotations(font_size=font_size)
    return figure


def short_period(period, frequency: str) -> str:
    """``"Oct 2025"`` for months; the full label otherwise."""
    ts = pd.Timestamp(period)
    return ts.strftime("%b %Y") if frequency == "month" else period_label(ts, frequency)


def _figures_panel(measure, payload: dict) -> html.Div:
    value = payload.get("latest_value")
    frequency = payload.get("frequency") or measure.frequency

    def fmt(v):
        return format_value(v, measure.unit, measure.decimals, measure.unit_label, measure.rate_per)

    if value is None:
        return html.Div(
            html.P("No data yet", className="presenter-big"), className="presenter-figures"
        )
    number, _, unit_words = fmt(value).partition(" ")
    rows = [
        html.Div(
            [
                number,
                html.Span(f" {unit_words}", className="presenter-unit") if unit_words else None,
            ],
            className="presenter-big",
        ),
        html.Div(
            period_label(pd.Timestamp(payload["latest_period"]), frequency),
            className="presenter-period",
        ),
    ]
    target = (payload.get("target") or {}).get("current")
    status = payload.get("target_status")
    rows.append(
        html.Div(
            [target_badge(status), html.Span(f" Target {fmt(target['value'])}" if target else "")],
            className="presenter-line",
        )
    )
    change = (payload.get("changes") or {}).get("vs_last_year") or {}
    if change.get("absolute") is not None:
        absolute = change["absolute"]
        size = (
            f"{abs(absolute):,.{max(measure.decimals, 0)}f} pts"
            if measure.unit == "percent"
            else format_value(abs(absolute), measure.unit, measure.decimals, "", measure.rate_per)
        )
        arrow = "▲" if absolute > 0 else "▼" if absolute < 0 else "="
        judged = {"better": " (better)", "worse": " (worse)"}.get(change.get("assessment"), "")
        when = short_period(change["period"], frequency)
        rows.append(html.Div(f"{arrow} {size} vs {when}{judged}", className="presenter-line"))
    trend = payload.get("trend") or {}
    verdict = trend.get("verdict")
    if verdict and verdict != "insufficient_data":
        words = {"no_significant_change": "No clear trend"}.get(verdict, verdict.capitalize())
        run = trend.get("run_length") or 0
        if verdict != "no_significant_change" and run >= 2:
            at_least = "at least " if trend.get("run_length_capped") else ""
            words += f" for {at_least}{run} {period_noun(frequency, run)}"
        rows.append(html.Div(f"Trend: {words}", className="presenter-line"))
    if (payload.get("control") or {}).get("has_new_signal"):
        rows.append(html.Div(signal_badge(), className="presenter-line"))
    return html.Div(rows, className="presenter-figures")


def _commitments(actions: pd.DataFrame) -> html.Div | None:
    if actions.empty:
        return None
    return html.Div(
        [
            html.Div("Agreed today", className="presenter-label"),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Strong(a["owner"]),
                            f": {a['description']} — by ",
                            format_day(a["due_date"]),
                        ]
                    )
                    for a in actions.to_dict("records")
                ],
                className="presenter-commitments",
            ),
        ]
    )


def _action(store, item: dict) -> dict | None:
    """The action item a follow-up agenda item is about, or None."""
    action_id = item.get("action_item_id")
    if action_id is None or pd.isna(action_id):
        return None
    found = store.action_items()
    found = found[found["id"] == int(action_id)]
    return found.iloc[0].to_dict() if not found.empty else None


def item_measure_id(item: dict, action: dict | None) -> str | None:
    """The measure an agenda item shows: its own, else that of the action it follows up."""
    return item.get("measure_id") or (action or {}).get("measure_id") or None


def _action_panel(action: dict, wide: bool) -> list:
    late = days_overdue(action["due_date"], action["status"])
    return [
        html.Div("Commitment", className="presenter-label"),
        html.Div(action["description"], className="presenter-commitment") if wide else None,
        html.Div(action["owner"], className="presenter-owner"),
        html.Div(
            [
                overdue_badge(late) if late else None,
                html.Span(
                    f" {STATUS_LABELS.get(action['status'], action['status'])}"
                    f" · due {format_day(action['due_date'])}"
                ),
            ],
            className="presenter-line",
        ),
    ]


def slide(store, meeting, item: dict, index: int, total: int, font_size: int = 22) -> list:
    """The children of one slide: title, chart and key figures (or the action followed up)."""
    action = _action(store, item)
    measure_id = item_measure_id(item, action)
    measure = store.measure(measure_id) if measure_id else None
    payload = (store.summary_payloads([measure.id]).get(measure.id) or {}) if measure else {}
    header = [html.H2(item["title"], className="presenter-title")]
    if item.get("reason"):
        header.append(html.P(item["reason"], className="presenter-reason"))
    notes = store.meeting_notes(meeting.id)
    notes = notes[notes["agenda_item_id"] == item["id"]] if not notes.empty else notes
    if measure is not None:
        agreed = store.action_items(meeting_id=meeting.id)
        mine = agreed[agreed["measure_id"] == measure.id] if not agreed.empty else agreed
        side = [
            *(_action_panel(action, wide=False) if action else []),
            _figures_panel(measure, payload),
            _commitments(mine),
        ]
        body = html.Div(
            [
                html.Div(
                    dcc.Graph(
                        figure=slide_figure(store, measure, payload, font_size),
                        config={"displayModeBar": False, "responsive": True},
                        className="presenter-graph",
                    ),
                    className="presenter-chart",
                ),
                html.Div(side, className="presenter-side"),
            ],
            className="presenter-body",
        )
    else:
        body = html.Div(
            [
                html.Div(
                    _action_panel(action, wide=True) if action else [],
                    className="presenter-text-main",
                ),
                html.Div(
                    [
                        html.Div("Notes", className="presenter-label"),
                        html.Ul([html.Li(n) for n in notes["body"]], className="presenter-notes"),
                    ]
                    if not notes.empty
                    else None,
                    className="presenter-text-notes",
                ),
            ],
            className="presenter-body presenter-body-text",
        )
    return [html.Div(header, className="presenter-head"), body]


@dash.callback(
    Output(ids.slide, "children"),
    Output(ids.section, "children"),
    Input(ids.index, "data"),
    Input(ids.activity, "data"),
    Input(ids.screen, "data"),
    State(ids.meeting, "data"),
)
def show_item(index, _activity, screen_width, meeting_id):
    """Draw the current item (again when something was captured)."""
    if screen_width is None:
        return dash.no_update, dash.no_update
    store = current_store()
    meeting = store.meeting(meeting_id)
    agenda = store.agenda(meeting_id) if meeting else pd.DataFrame()
    if agenda.empty:
        return [html.H2("This agenda is now empty.", className="presenter-title")], ""
    index = min(max(int(index or 0), 0), len(agenda) - 1)
    row = agenda.iloc[index].to_dict()
    label = f"{SECTION_LABELS[row['section']]} · item {index + 1} of {len(agenda)}"
    font = chart_font_size(screen_width)
    return slide(store, meeting, row, index, len(agenda), font), label


dash.clientside_callback(
    "function (_meeting) { return window.innerWidth; }",
    Output(ids.screen, "data"),
    Input(ids.meeting, "data"),
)


poll_activity = register_activity_poll(ids.activity, ids.poll, ids.meeting)


@dash.callback(
    Output(ids.activity, "data", allow_duplicate=True),
    *capture.outputs(),
    *capture.inputs(ids.meeting),
    prevent_initial_call=True,
)
def capture_from_presenter(_action, _note, _annotation, meeting_id, *form):
    """Capture without leaving the presenter; the slide redraws at once."""
    store = current_store()
    outcome = capture_from_forms(capture, store, meeting_id, form)
    if outcome is None:
        return (dash.no_update,) * 5
    return store.meeting_activity(meeting_id), *outcome


# -- clientside: keys, timer, progress ---------------------------------------------------------

dash.clientside_callback(
    """
    function (key, prev, next, index, meta) {
        const count = (meta || []).length;
        if (!count) { return window.dash_clientside.no_update; }
        const trigger = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        let target = index || 0;
        if (trigger.startsWith("present-prev")) { target -= 1; }
        else if (trigger.startsWith("present-next")) { target += 1; }
        else if (key) {
            if (key.action === "next") { target += 1; }
            else if (key.action === "prev") { target -= 1; }
            else if (key.action === "first") { target = 0; }
            else if (key.action === "last") { target = count - 1; }
            else if (key.action === "jump") { target = key.n - 1; }
        }
        target = Math.max(0, Math.min(count - 1, target));
        return target === index ? window.dash_clientside.no_update : target;
    }
    """,
    Output(ids.index, "data"),
    Input(ids.key, "data"),
    Input(ids.prev, "n_clicks"),
    Input(ids.next, "n_clicks"),
    State(ids.index, "data"),
    State(ids.meta, "data"),
    prevent_initial_call=True,
)

dash.clientside_callback(
    """
    function (index, meta, started) {
        const now = Date.now();
        const opened = (started && started.opened) || now;
        const url = new URL(window.location.href);
        if (url.searchParams.get("item") !== String(index + 1)) {
            url.searchParams.set("item", String(index + 1));
            window.history.replaceState(window.history.state, "", url);
        }
        return {opened: opened, item: now, index: index};
    }
    """,
    Output(ids.started, "data"),
    Input(ids.index, "data"),
    State(ids.meta, "data"),
    State(ids.started, "data"),
)

dash.clientside_callback(
    """
    function (_tick, started, index, meta) {
        const nu = window.dash_clientside.no_update;
        if (!started || !meta || !meta.length) { return [nu, nu, nu, nu]; }
        const pad = (n) => String(n).padStart(2, "0");
        const clock = (s) => Math.floor(s / 60) + ":" + pad(Math.floor(s % 60));
        const item = meta[index] || meta[0];
        const elapsed = Math.max(0, (Date.now() - started.item) / 1000);
        const left = item.minutes * 60 - elapsed;
        let text, css;
        if (left >= 0) {
            text = clock(left) + " left";
            css = left <= 60 ? "presenter-timer is-closing" : "presenter-timer";
        } else {
            text = clock(-left) + " over time";
            css = "presenter-timer is-over";
        }
        let planned = 0, before = 0;
        meta.forEach(function (m, i) { planned += m.minutes; if (i < index) { before += m.minutes; } });
        const share = Math.round(100 * (index + 1) / meta.length);
        const total = clock(Math.max(0, (Date.now() - started.opened) / 1000));
        const progress = "Item " + (index + 1) + " of " + meta.length + " · " + before +
            " of " + planned + " planned minutes done · in the room " + total;
        return [text, css, {width: share + "%"}, progress];
    }
    """,
    Output(ids.timer, "children"),
    Output(ids.timer, "className"),
    Output(ids.progress, "style"),
    Output(ids.progress_text, "children"),
    Input(ids.tick, "n_intervals"),
    Input(ids.started, "data"),
    State(ids.index, "data"),
    State(ids.meta, "data"),
)

dash.clientside_callback(
    """
    function (isOpen, index, meta) {
        const nu = window.dash_clientside.no_update;
        if (!isOpen || !meta || !meta.length) { return [nu, nu, nu]; }
        const item = meta[index] || {};
        const measure = item.measure || null;
        return [measure, measure, item.id ? String(item.id) : nu];
    }
    """,
    Output(capture.action_measure, "value"),
    Output(capture.annotation_measure, "value"),
    Output(capture.item, "value"),
    Input(ids.capture, "is_open"),
    State(ids.index, "data"),
    State(ids.meta, "data"),
    prevent_initial_call=True,
)
