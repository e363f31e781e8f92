"""The public kiosk: a full-screen rotation through the public measures.

``/kiosk?interval=20&area=public-safety`` shows each public measure (of one priority
area, when ``area`` is given) for ``interval`` seconds: its chart, a plain-language
headline and when the data was last updated. It is built to run unattended for days:

* Public measures only, always: it reads through the Store bound to the public
  viewer, even when a member of staff is signed in on that browser.
* Nothing to break: no links, no inputs, no plotly toolbar; the chart is static.
* No growth: each step replaces the figure and texts in place; the only state is
  the interval's tick count, and the measure shown is derived from it.
* It recovers by itself: the ``dcc.Interval`` keeps ticking whatever the server
  does; a tick the server cannot answer changes nothing, and a clientside callback
  shows "Reconnecting" until the server answers again. A full page reload every few
  hours (only once ``/healthz`` answers) clears anything the browser accumulates.
* Pointer or keyboard focus over the kiosk pauses it (``assets/statroom/kiosk.js``),
  so a visitor to an embedded kiosk can read at their own pace (WCAG 2.2.2).
"""

from __future__ import annotations

import logging

import dash
import flask
from dash import ClientsideFunction, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from analytics.periods import period_label
from analytics.public import (
    KIOSK_YEARS,
    forecast_frame,
    kiosk_interval,
    rotation_step,
    updated_on,
    window_start,
)
from components.badges import target_badge
from components.context import EXTENSION_KEY
from components.layout import guarded
from components.page_cache import cached_page
from components.public_panels import (
    graph,
    measure_headline,
    public_chart,
    public_store,
    trend_badge,
)
from data.store import Store

log = logging.getLogger("statroom")

dash.register_page(
    __name__,
    path="/kiosk",
    title="Performance dashboard · Kiosk",
    description="The city's public performance measures, one after another.",
)

#: Reload the whole page this often (once the server answers), as a belt and braces
#: against anything the browser or Dash accumulates over days.
RELOAD_HOURS = 6
#: Missed ticks before the "Reconnecting" note shows.
MISSED_TICKS = 2


class ids:
    root = "kiosk-root"
    settings = "kiosk-settings"
    tick = "kiosk-tick"
    answered = "kiosk-answered"
    reload = "kiosk-reload"
    reloaded = "kiosk-reloaded"
    offline = "kiosk-offline"
    paused = "kiosk-paused-note"
    area = "kiosk-area"
    name = "kiosk-name"
    headline = "kiosk-headline"
    badges = "kiosk-badges"
    graph = "kiosk-graph"
    updated = "kiosk-updated"
    counter = "kiosk-counter"
    progress = "kiosk-progress-bar"


def rotation(store: Store, area_id: str | None) -> list:
    """The public measures the kiosk cycles through (of one area when given)."""
    measures = store.measures()
    if area_id:
        measures = [m for m in measures if m.area_id == area_id] or measures
    return measures


def default_interval() -> int | None:
    state = flask.current_app.extensions.get(EXTENSION_KEY) if flask.current_app else None
    return getattr(getattr(state, "config", None), "kiosk_interval", None)


@guarded
def layout(interval=None, area=None, **_query):
    seconds = kiosk_interval(interval, default_interval())
    # A function of the public data and these alone (the host is in the footer line):
    # cached as JSON (components/page_cache.py), so a wall of kiosks reloading at once
    # costs one render.
    host = flask.request.host if flask.has_request_context() else ""
    return cached_page("kiosk", lambda: first_view(seconds, area), seconds, area, host)


def first_view(seconds: int, area) -> html.Div:
    """The kiosk showing the first measure of its rotation."""
    store = public_store()
    measures = rotation(store, area)
    area_id = area if any(m.area_id == area for m in measures) else None
    first = slide(store, measures, 0, seconds)
    return html.Div(
        [
            dcc.Store(id=ids.settings, data={"area": area_id, "seconds": seconds}),
            dcc.Interval(id=ids.tick, interval=seconds * 1000, n_intervals=0),
            dcc.Store(id=ids.answered, data=0),
            dcc.Interval(id=ids.reload, interval=RELOAD_HOURS * 3_600_000, n_intervals=0),
            dcc.Store(id=ids.reloaded),
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(store.city().name, className="kiosk-city"),
                            html.Span("Performance dashboard", className="kiosk-product"),
                        ],
                        className="kiosk-brand",
                    ),
                    html.Div(
                        [
                            html.Span(
                                "Reconnecting…",
                                id=ids.offline,
                                className="kiosk-offline",
                                hidden=True,
                                role="status",
                            ),
                            html.Span("Paused", id=ids.paused, className="kiosk-paused-note"),
                            html.Span(first["counter"], id=ids.counter, className="kiosk-counter"),
                        ],
                        className="kiosk-status",
                    ),
                ],
                className="kiosk-top",
            ),
            html.Div(
                html.Div(
                    id=ids.progress,
                    className="kiosk-progress-bar",
                    style=first["progress"],
                ),
                className="kiosk-progress",
                **{"aria-hidden": "true"},
            ),
            html.Div(
                [
                    html.P(first["area"], id=ids.area, className="kiosk-area"),
                    html.H1(first["name"], id=ids.name, className="kiosk-name"),
                    html.P(first["headline"], id=ids.headline, className="kiosk-headline"),
                    html.Div(first["badges"], id=ids.badges, className="kiosk-badges"),
                    html.Div(
                        graph(
                            first["figure"],
                            graph_id=ids.graph,
                            static=True,
                            responsive=True,
                            className="kiosk-graph",
                            style={"height": "100%"},
                        ),
                        className="kiosk-chart",
                    ),
                    html.P(first["updated"], id=ids.updated, className="kiosk-updated"),
                ],
                className="kiosk-slide",
            ),
        ],
        id=ids.root,
        className="kiosk-root",
        tabIndex="0",
        **{"aria-label": "Public performance measures, one after another"},
    )


def slide(store: Store, measures: list, tick: int, seconds: int) -> dict:
    """Everything one step of the rotation shows, as component properties."""
    if not measures:
        return {
            "area": "",
            "name": "No public measures yet",
            "headline": "The city has not published any measures yet.",
            "badges": [],
            "figure": public_chart_placeholder(),
            "updated": "",
            "counter": "",
            "progress": progress_style(tick, seconds),
        }
    step = rotation_step(tick, len(measures))
    measure = measures[step]
    info = store.summary(measure.id)
    payload = info.payload if info is not None else {}
    history = store.series(measure.id)
    latest = history["period"].max() if not history.empty else None
    start = window_start(latest, measure.frequency, KIOSK_YEARS.get(measure.frequency))
    figure = public_chart(
        measure,
        history,
        store.targets(measure.id),
        forecast_frame(payload.get("forecast")),
        None,
        start,
        projector=True,
    )
    return {
        "area": measure.area_name,
        "name": measure.name,
        "headline": measure_headline(measure, payload),
        "badges": [
            target_badge(payload.get("target_status")),
            trend_badge(payload.get("trend"), measure.frequency),
        ],
        "figure": figure,
        "updated": updated_line(measure, payload),
        "counter": f"{step + 1} of {len(measures)}",
        "progress": progress_style(tick, seconds),
    }


def updated_line(measure, payload: dict) -> str:
    parts = [f"Data last updated {updated_on(measure.updated_at)}"]
    latest = payload.get("latest_period")
    if latest:
        label = period_label(latest, measure.frequency)
        parts.append(f"latest figures: {label}")
    if measure.department:
        parts.append(measure.department)
    host = flask.request.host if flask.has_request_context() else ""
    if host:
        parts.append(f"every measure at {host}/public")
    return " · ".join(parts)


def progress_style(tick: int, seconds: int) -> dict:
    """The progress bar fills over one interval; alternating between two identical
    keyframe names restarts the CSS animation at each step without any script."""
    return {
        "animationName": "kiosk-fill-even" if tick % 2 == 0 else "kiosk-fill-odd",
        "animationDuration": f"{seconds}s",
    }


def public_chart_placeholder():
    from components.figures import empty_figure

    return empty_figure("No public measures have been published yet.")


@dash.callback(
    Output(ids.area, "children"),
    Output(ids.name, "children"),
    Output(ids.headline, "children"),
    Output(ids.badges, "children"),
    Output(ids.graph, "figure"),
    Output(ids.updated, "children"),
    Output(ids.counter, "children"),
    Output(ids.progress, "style"),
    Output(ids.answered, "data"),
    Input(ids.tick, "n_intervals"),
    State(ids.settings, "data"),
    prevent_initial_call=True,
)
def advance(tick, settings):
    """Show the measure for interval tick ``tick``; any failure leaves the screen as it is."""
    settings = settings if isinstance(settings, dict) else {}
    seconds = kiosk_interval(settings.get("seconds"), default_interval())
    try:
        store = public_store()
        area = settings.get("area") if isinstance(settings.get("area"), str) else None
        shown = slide(store, rotation(store, area), _tick(tick), seconds)
    except Exception:  # noqa: BLE001 - the kiosk must keep running; the note says why
        log.exception("kiosk: could not prepare tick %s", tick)
        raise PreventUpdate from None
    return (
        shown["area"],
        shown["name"],
        shown["headline"],
        shown["badges"],
        shown["figure"],
        shown["updated"],
        shown["counter"],
        shown["progress"],
        _tick(tick),
    )


def _tick(value) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


dash.clientside_callback(
    ClientsideFunction(namespace="statroomKiosk", function_name="connection"),
    Output(ids.offline, "hidden"),
    Input(ids.tick, "n_intervals"),
    Input(ids.answered, "data"),
)

dash.clientside_callback(
    ClientsideFunction(namespace="statroomKiosk", function_name="reloadWhenServerAnswers"),
    Output(ids.reloaded, "data"),
    Input(ids.reload, "n_intervals"),
    prevent_initial_call=True,
)
