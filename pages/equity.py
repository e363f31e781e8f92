"""Neighborhood explorer: one measure across every neighborhood, for equity officers.

``/equity?measure=<id>&period=YYYY-MM-DD`` (no period: the latest). The URL is the state:
the pickers write it (so a link reopens the same view and Back works) and the view is
rebuilt from it. The latest period comes from the stored summary; another period is
computed on request with the same pure functions (cheap: no model is fitted).

Page modules are executed by Dash Pages before they are importable, so the small records
here are NamedTuples (dataclasses look their module up while being defined).
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import dash
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics.equity_view import (
    PATH,
    TREND_YEARS,
    ValueDisplay,
    block_periods,
    cross_section_frame,
    display_for,
    equity_block_for_period,
    equity_query,
    export_frame,
    group_comparison,
    iso_period,
    measure_href,
    parse_query,
    period_choices,
    resolve_period,
    step_period,
    trend_panels,
)
from components.context import current_store
from components.equity_panels import (
    ExplorerData,
    controls,
    empty_views,
    explorer_views,
    measure_options,
)
from components.layout import guarded, page_location, requires
from components.page_cache import cached_page
from data.export import frame_to_csv
from data.refresh import measure_meta
from data.store import MeasureInfo, Store

log = logging.getLogger("statroom.equity")

dash.register_page(__name__, path="/equity", title="Neighborhoods · Statroom", order=1)


class ids:
    url = "equity-url"
    #: What the URL asks for, set in the browser only when it is not the view shown.
    url_asks = "equity-url-asks"
    nav = "equity-nav"
    state = "equity-state"
    measure = "equity-measure"
    period = "equity-period"
    earlier = "equity-earlier"
    later = "equity-later"
    views = "equity-views"
    map = "equity-map"
    bars = "equity-bars"
    gap = "equity-gap"
    multiples = "equity-multiples"
    download_button = "equity-download-button"
    download = "equity-download"


NO_MEASURES = (
    "No measure has neighborhood data yet. Import observations with a neighborhood "
    "geography_id (see the data-format guide), then run `statroom refresh`."
)


# -- gathering a view ---------------------------------------------------------------------------------


class Resolved(NamedTuple):
    """A request made valid: a measure the viewer may see, and a period it has."""

    measure: MeasureInfo
    payload: dict
    stored: dict | None  # the stored equity block (latest period), if any
    periods: list[str]  # oldest first
    latest: str | None
    period: str | None  # the period asked for, when valid (None: the latest)
    notes: list[str]
    measures: list[MeasureInfo]  # every measure the picker offers

    @property
    def shown(self) -> str | None:
        return self.period or self.latest

    def state(self) -> dict:
        return {"measure": self.measure.id, "period": self.period, "shown": self.shown}


def view_state(resolved: Resolved, asked: tuple[str | None, str | None]) -> dict:
    """The view shown, and the ``(measure, period)`` its URL asked for (the browser
    compares the URL with both, assets/statroom/equity.js)."""
    return {**resolved.state(), "asked": list(asked)}


def eligible_measures(store: Store) -> list[MeasureInfo]:
    """Visible measures that have neighborhood data, in area order."""
    with_data = store.measures_with_neighborhoods()
    return [m for m in store.measures() if m.id in with_data]


def resolve(store: Store, measure_id: str | None, period: str | None) -> Resolved | None:
    """The view for ``measure_id`` and ``period``, falling back (with a note) to the first
    measure and the latest period when they are unknown. None when no measure qualifies."""
    measures = eligible_measures(store)
    if not measures:
        return None
    notes = []
    measure = next((m for m in measures if m.id == measure_id), None)
    if measure is None:
        if measure_id:
            notes.append(
                f"There is no neighborhood data you can see for the measure “{_short(measure_id)}”, "
                f"so {measures[0].name} is shown instead."
            )
        measure = measures[0]
    summary = store.summary(measure.id)
    payload = (summary.payload if summary else None) or {}
    stored = payload.get("equity")
    if stored and stored.get("period"):
        periods = block_periods(stored)
        latest = stored["period"]
    else:
        stored = None
        panel_periods = store.panel(measure.id)["period"].dropna().unique()
        periods = sorted(iso_period(p) for p in panel_periods)
        latest = periods[-1] if periods else None
    chosen = resolve_period(period, periods)
    if period and chosen is None:
        notes.append(
            f"{measure.name} has no neighborhood data for the period “{_short(period)}”, so the "
            "latest period is shown."
        )
    return Resolved(measure, payload, stored, periods, latest, chosen, notes, measures)


def _short(text, limit: int = 60) -> str:
    """Untrusted text from the URL, shortened for a message (it renders as plain text)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CrossSection(NamedTuple):
    """The equity block of the shown period and what is derived from it directly."""

    block: dict
    frame: pd.DataFrame
    display: ValueDisplay
    scale: float
    panel: pd.DataFrame | None  # the full panel, when it had to be read
    notes: list[str]


def cross_section_view(store: Store, resolved: Resolved) -> CrossSection | str:
    """The stored block for the latest period, else one computed for the period asked for;
    or a message saying why there is nothing to show."""
    measure = resolved.measure
    if resolved.shown is None:
        return f"{measure.name} has no neighborhood values yet."
    meta = measure_meta(measure)
    notes = list(resolved.notes)
    panel = None
    if resolved.stored is not None and resolved.shown == resolved.latest:
        block = resolved.stored
    else:
        panel = store.panel(measure.id)
        try:
            block = equity_block_for_period(
                meta,
                store.series(measure.id),
                panel,
                store.geographies_frame(),
                period=resolved.shown,
                as_of=resolved.payload.get("as_of"),
            )
        except Exception:  # noqa: BLE001 - shown to the user as a message, logged
            log.exception("equity cross-section of %s failed", measure.id)
            return (
                f"The neighborhood statistics of {measure.name} could not be computed for this "
                "period. Try another period; if it persists, tell your Statroom administrator."
            )
        if resolved.stored is None:
            notes.append(
                "These statistics were computed just now: the stored summary of this measure "
                "is missing (run `statroom refresh`)."
            )
    frame = cross_section_frame(block, measure.direction)
    if frame.empty:
        return block.get("reason") or f"{measure.name} has no neighborhood values for this period."
    display = display_for(
        block.get("basis"),
        unit=measure.unit,
        decimals=measure.decimals,
        unit_label=measure.unit_label,
        rate_per=measure.rate_per,
        values=frame["value"],
    )
    return CrossSection(block, frame, display, meta.scale, panel, notes)


def gather(store: Store, resolved: Resolved) -> ExplorerData | str:
    """Everything the view shows, or a message saying why there is nothing to show."""
    section = cross_section_view(store, resolved)
    if isinstance(section, str):
        return section
    measure = resolved.measure
    geographies = store.geographies_frame()
    panel = section.panel
    if panel is None:
        start = pd.Timestamp(resolved.shown) - pd.DateOffset(years=TREND_YEARS, months=1)
        panel = store.panel(measure.id, start=start.date(), end=pd.Timestamp(resolved.shown).date())
    trend_panel, trend_city = trend_panels(
        panel,
        geographies,
        basis=section.block.get("basis"),
        scale=section.scale,
        frequency=measure.frequency,
        end=resolved.shown,
    )
    return ExplorerData(
        measure_id=measure.id,
        measure_name=measure.name,
        unit=measure.unit,
        direction=measure.direction,
        frequency=measure.frequency,
        data_source=measure.data_source,
        period=resolved.shown,
        latest=resolved.latest,
        block=section.block,
        frame=section.frame,
        display=section.display,
        groups=group_comparison(section.frame, section.block, section.scale),
        boundaries=store.boundaries(),
        trend_panel=trend_panel,
        trend_citywide=trend_city,
        notes=section.notes,
    )


def render_views(store: Store, resolved: Resolved) -> list:
    """The view's figures and tables. They come from cached reads alone, so they are
    cached whole for the measure and period shown (``components/page_cache.py``)."""
    return cached_page(
        "equity-views",
        lambda: _views(store, resolved),
        resolved.measure.id,
        resolved.shown,
        resolved.latest,
        tuple(resolved.notes),
    )


def _views(store: Store, resolved: Resolved) -> list:
    data = gather(store, resolved)
    if isinstance(data, str):
        return empty_views(" ".join([*resolved.notes, data]), ids)
    return explorer_views(data, ids)


def _period_controls(resolved: Resolved) -> tuple[list[dict], str | None, bool, bool]:
    options = period_choices(resolved.periods, resolved.measure.frequency)
    shown = resolved.shown
    first = resolved.periods[0] if resolved.periods else None
    return options, shown, shown in (None, first), shown == resolved.latest


# -- layout ---------------------------------------------------------------------------------------------


@guarded
@requires("viewer")
def layout(measure: str | None = None, period: str | None = None, **_query):
    store = current_store()
    header = [
        html.H1("Neighborhoods", className="page-title"),
        html.P(
            "Compare every neighborhood on one measure: where the gaps are, how sure we can "
            "be of them, and whether the gap between equity-priority neighborhoods and the "
            "rest is closing.",
            className="page-lede",
        ),
    ]
    resolved = resolve(store, measure, period)
    if resolved is None:
        return html.Div([*header, html.P(NO_MEASURES, className="equity-empty")])
    period_opts, period_value, earlier, later = _period_controls(resolved)
    return html.Div(
        [
            page_location(ids.url),
            dcc.Location(id=ids.nav, refresh="callback-nav"),
            dcc.Store(id=ids.state, data=view_state(resolved, (measure, period))),
            dcc.Store(id=ids.url_asks),
            dcc.Download(id=ids.download),
            *header,
            controls(
                ids,
                measure_opts=measure_options(resolved.measures, store.areas()),
                measure_value=resolved.measure.id,
                period_opts=period_opts,
                period_value=period_value,
                earlier=earlier,
                later=later,
            ),
            dcc.Loading(
                html.Div(render_views(store, resolved), id=ids.views),
                delay_show=400,
                overlay_style={"visibility": "visible", "opacity": 0.55},
                type="circle",
            ),
        ],
        className="equity-page",
    )


# -- callbacks ------------------------------------------------------------------------------------------


def sync(trigger, search, measure, period, rendered, pathname: str = PATH) -> tuple:
    """Bring the URL, the pickers and the views into line after ``trigger`` changed.

    ``trigger`` is the id of what changed: the URL (Back/Forward, or the page loading),
    the measure or period picker, or the earlier/later buttons. A picker change writes
    the URL (a new history entry); a URL change only redraws. Returns the values of
    :func:`update_view`'s outputs.
    """
    if trigger == ids.url and (pathname or PATH).rstrip("/") != PATH:
        raise PreventUpdate  # leaving the page (e.g. for a neighborhood's measure page)
    store = current_store()
    rendered = rendered or {}
    asked = None
    if trigger == ids.measure:
        wanted = (measure, None)
    elif trigger == ids.period:
        wanted = (rendered.get("measure") or measure, period)
    elif trigger in (ids.earlier, ids.later):
        current = resolve(store, rendered.get("measure") or measure, rendered.get("period"))
        if current is None:
            raise PreventUpdate
        step = -1 if trigger == ids.earlier else 1
        wanted = (current.measure.id, step_period(current.shown, current.periods, step))
    else:
        wanted = asked = parse_query(search)
    resolved = resolve(store, *wanted)
    if resolved is None:
        raise PreventUpdate
    shown = resolved.state()
    if shown == {k: rendered.get(k) for k in shown}:
        raise PreventUpdate  # already showing this
    query = equity_query(resolved.measure.id, resolved.period)
    # A picker's view is what the URL written for it asks for.
    state = view_state(resolved, asked or (resolved.measure.id, resolved.period))
    period_opts, period_value, earlier, later = _period_controls(resolved)
    return (
        no_update if trigger == ids.url or query == (search or "") else query,
        resolved.measure.id,
        period_opts,
        period_value,
        earlier,
        later,
        state,
        render_views(store, resolved),
    )


@dash.callback(
    Output(ids.url, "search"),
    Output(ids.measure, "value"),
    Output(ids.period, "options"),
    Output(ids.period, "value"),
    Output(ids.earlier, "disabled"),
    Output(ids.later, "disabled"),
    Output(ids.state, "data"),
    Output(ids.views, "children"),
    Input(ids.url_asks, "data"),
    Input(ids.measure, "value"),
    Input(ids.period, "value"),
    Input(ids.earlier, "n_clicks"),
    Input(ids.later, "n_clicks"),
    State(ids.state, "data"),
    State(ids.url, "pathname"),
    State(ids.url, "search"),
    prevent_initial_call=True,
)
def update_view(url_asks, measure, period, _earlier, _later, rendered, pathname, search):
    trigger = dash.ctx.triggered_id
    if trigger == ids.url_asks:
        trigger, search = ids.url, (url_asks or {}).get("search")
    return sync(trigger, search, measure, period, rendered, pathname)


# The URL changes when the page arrives (dcc.Location reads it), on Back and Forward, and
# after a picker wrote it. Only when it asks for another view than the one shown does the
# server hear of it: on arrival it never does, and a round trip there delayed the first
# drawing of the figures by about 180 ms.
dash.clientside_callback(
    ClientsideFunction(namespace="statroom_equity", function_name="url_asks"),
    Output(ids.url_asks, "data"),
    Input(ids.url, "search"),
    State(ids.state, "data"),
    prevent_initial_call=True,
)


def neighborhood_link(click: dict | None, state: dict | None) -> str:
    """The measure page's neighborhood view for a click on the map or a bar."""
    points = (click or {}).get("points") or []
    if not points or not (state or {}).get("measure"):
        raise PreventUpdate
    point = points[0]
    geography = point.get("location") or point.get("customdata")
    if isinstance(geography, list):
        geography = geography[0] if geography else None
    known = {g.id for g in current_store().geographies()}
    if geography not in known:
        raise PreventUpdate
    return measure_href(state["measure"], geography)


@dash.callback(
    Output(ids.nav, "href"),
    Input(ids.map, "clickData"),
    Input(ids.bars, "clickData"),
    State(ids.state, "data"),
    prevent_initial_call=True,
)
def open_neighborhood(map_click, bars_click, state):
    click = bars_click if dash.ctx.triggered_id == ids.bars else map_click
    return neighborhood_link(click, state)


def table_download(state: dict | None) -> dict:
    """The neighborhood table of the view in ``state`` as a CSV download."""
    state = state or {}
    store = current_store()
    resolved = resolve(store, state.get("measure"), state.get("period"))
    if resolved is None or resolved.shown is None:
        raise PreventUpdate
    section = cross_section_view(store, resolved)
    if isinstance(section, str):
        raise PreventUpdate
    out = export_frame(
        section.frame,
        measure_id=resolved.measure.id,
        period=resolved.shown,
        basis=section.display.basis,
        citywide=section.block.get("citywide_value"),
    )
    return dict(
        content=frame_to_csv(out),
        filename=f"{resolved.measure.id}-{resolved.shown}-neighborhoods.csv",
        type="text/csv",
    )


@dash.callback(
    Output(ids.download, "data"),
    Input(ids.download_button, "n_clicks"),
    State(ids.state, "data"),
    prevent_initial_call=True,
)
def download_table(n_clicks, state):
    if not n_clicks:
        raise PreventUpdate
    return table_download(state)
