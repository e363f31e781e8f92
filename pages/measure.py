"""A measure: trend, target, forecast band and control limits on one chart, with the
reasons next to it, the neighborhoods, the open action items and the data behind it.

The view lives in the URL: ``/measure/<id>?layers=history,target&range=5y`` (or
``from=2022-01&to=2026-10``) and ``geography=<neighborhood id>`` for one neighborhood's
series. Layers and date range change in the browser (``assets/statroom/measure.js``);
only a change of geography and the CSV download reach the server.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, quote

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html
from sqlalchemy.exc import SQLAlchemyError

from analytics import explain
from analytics.narrative import headline
from analytics.periods import period_label
from components import figures, theme
from components import measure_panels as panels
from components.badges import signal_badge, stale_badge, target_badge
from components.context import current_store
from components.layout import guarded, page_location, requires
from components.page_cache import cached_page, content_digest
from data.export import frame_to_csv

CITYWIDE = panels.CITYWIDE


def _title(measure_id=None, **_variables) -> str:
    try:
        measure = current_store().measure(measure_id) if measure_id else None
    except SQLAlchemyError:
        measure = None
    return f"{measure.name} · Statroom" if measure else "Measure · Statroom"


dash.register_page(__name__, path_template="/measure/<measure_id>", title=_title)


class ids:  # noqa: N801 - a namespace of component ids
    url = "measure-url"
    nav = "measure-nav"
    view = "measure-view"
    layers = "measure-layers"
    preset = "measure-range-preset"
    start = "measure-range-from"
    end = "measure-range-to"
    graph = "measure-graph"
    map = "measure-map"
    bars = "measure-bars"
    download_button = "measure-download-button"
    download = "measure-download"
    geo_link = "measure-geo-link"
    table_summary = "measure-table-summary"
    table_body = "measure-table-body"
    neighborhood_table_summary = "measure-neighborhood-table-summary"
    neighborhood_table_body = "measure-neighborhood-table-body"


GRAPH_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def today() -> date:
    """The date staleness and due dates are judged against (pinned in tests)."""
    return date.today()


@guarded
@requires("viewer")
def layout(measure_id=None, **query):
    store = current_store()
    measure = store.measure(measure_id) if measure_id else None
    if measure is None:
        return not_found()
    now = today()

    geographies = {g.id: g.name for g in store.geographies()}
    geography = query.get("geography") or CITYWIDE
    unknown_geography = None
    if not isinstance(geography, str) or (geography != CITYWIDE and geography not in geographies):
        unknown_geography, geography = geography, CITYWIDE
    citywide_view = geography == CITYWIDE
    geography_name = None if citywide_view else geographies[geography]

    citywide_summary = store.summary(measure.id)
    citywide = citywide_summary.payload if citywide_summary else {}
    summary = citywide_summary if citywide_view else store.summary(measure.id, geography)
    payload = summary.payload if summary else {}

    citywide_series = store.series(measure.id)
    history = citywide_series if citywide_view else store.series(measure.id, geography)
    targets = store.targets(measure.id)
    annotations = store.annotations(measure.id)
    actions = store.actions(measure.id)
    forecast = citywide.get("forecast") if citywide_view else None

    bounds = panels.data_bounds(history, panels.forecast_frame(forecast))
    if bounds is None:
        view = panels.View(panels.parse_layers(query.get("layers")), None, "", "")
    else:
        view = panels.parse_view(query, bounds)

    def trend_chart():
        figure = panels.measure_figure(
            measure,
            history=history,
            targets=targets,
            forecast=forecast,
            control=payload.get("control"),
            annotations=annotations,
            actions=actions,
            reference=None if citywide_view else citywide_series,
        )
        if bounds is not None:
            panels.apply_view(figure, view)
            panels.fit_value_axis(figure)
            figure.update_layout(uirevision=f"{view.start}:{view.end}:{','.join(view.layers)}")
        # The key is read off the figure, so the two are built, and cached, together.
        return [_graph(measure, figure, geography_name), panels.chart_key(figure)]

    # Annotations and action items are edited in place, so their content is in the key.
    chart = cached_page(
        "measure-chart-and-key",
        trend_chart,
        measure.id,
        geography,
        view,
        content_digest(annotations, actions),
    )

    state = explain.staleness(
        payload.get("latest_period"), measure.frequency, measure.update_lag_days, now
    )
    available = {
        "history": not history.empty,
        "target": not targets.empty,
        "forecast": bool(forecast and forecast.get("points")),
        "control": bool((payload.get("control") or {}).get("available")),
        "annotations": not annotations.empty,
        "actions": not actions.empty,
    }
    equity = citywide.get("equity")

    return html.Div(
        [
            page_location(ids.url),
            dcc.Location(id=ids.nav, refresh="callback-nav"),
            dcc.Store(id=ids.view, data=_view_data(measure.id, geography, bounds)),
            dcc.Download(id=ids.download),
            _header(measure, payload, geography_name, state),
            _unknown_geography_note(unknown_geography) if unknown_geography else None,
            _showing_bar(measure.id, geography_name, view) if geography_name else None,
            dbc.Row(
                [
                    dbc.Col(
                        _chart_card(
                            measure,
                            chart,
                            annotations,
                            view,
                            bounds,
                            available,
                            geography_name,
                        ),
                        xl=8,
                        className="mb-4",
                    ),
                    dbc.Col(
                        panels.stats_panel(measure, payload, citywide, geography_name),
                        xl=4,
                        className="mb-4",
                    ),
                ]
            ),
            cached_page(
                "measure-neighbourhoods",
                lambda: _neighborhoods_card(measure, equity, store, geography),
                measure.id,
                geography,
            ),
            dbc.Row(
                [
                    dbc.Col(
                        panels.actions_panel(
                            store.actions(measure.id, open_only=True),
                            now,
                            "/actions" in _registered_paths(),
                        ),
                        lg=6,
                        className="mb-4",
                    )
                    if store.viewer.can_see_internal
                    else None,
                    dbc.Col(
                        panels.about_panel(
                            measure, payload, summary.computed_at if summary else None, state
                        ),
                        lg=6 if store.viewer.can_see_internal else 12,
                        className="mb-4",
                    ),
                ]
            ),
        ],
        className="measure-page",
    )


def not_found():
    return html.Div(
        [
            html.H1("We couldn't find that measure", className="page-title"),
            html.P(
                "The link may be out of date, the measure may have been renamed, or it may "
                "not be public. Start again from the overview to find it.",
                className="page-lede",
            ),
            dbc.Button("Go to the overview", href="/", color="primary"),
        ],
        className="py-5 measure-not-found",
    )


def _registered_paths() -> set[str]:
    return {page["path"] for page in dash.page_registry.values()}


def _view_data(measure_id: str, geography: str, bounds) -> dict:
    """What the browser needs to change the view on its own (see measure.js)."""
    presets = panels.range_presets(bounds) if bounds else {}
    return {
        "measure_id": measure_id,
        "pathname": f"/measure/{quote(measure_id, safe='')}",
        "geography": geography,
        "layers": list(figures.ALL_LAYERS),
        "default_layers": list(panels.DEFAULT_LAYERS),
        "default_preset": panels.DEFAULT_PRESET,
        "presets": {key: list(months) for key, months in presets.items()},
        "first": bounds.first if bounds else None,
        "latest": bounds.latest if bounds else None,
        "end": bounds.end if bounds else None,
    }


# -- header ---------------------------------------------------------------------------


def _header(measure, payload: dict, geography_name: str | None, state) -> html.Div:
    name = f"{measure.name} in {geography_name}" if geography_name else measure.name
    badges = [target_badge(payload.get("target_status"))] if payload else []
    if payload.get("has_new_signal"):
        badges.append(signal_badge("A control-chart signal on one of the latest values"))
    if state.stale:
        badges.append(stale_badge(explain.staleness_text(state, measure.frequency)))
    return html.Div(
        [
            html.Nav(
                html.Ol(
                    [
                        html.Li(dcc.Link("Overview", href="/"), className="breadcrumb-item"),
                        html.Li(
                            dcc.Link(
                                measure.area_name, href=f"/area/{quote(measure.area_id, safe='')}"
                            ),
                            className="breadcrumb-item",
                        ),
                        html.Li(
                            measure.short_name or measure.name,
                            className="breadcrumb-item active",
                            **{"aria-current": "page"},
                        ),
                    ],
                    className="breadcrumb mb-1",
                ),
                **{"aria-label": "Breadcrumb"},
            ),
            html.Div(
                [html.H1(name, className="page-title me-3"), html.Div(badges, className="badges")],
                className="measure-title",
            ),
            html.P(headline(name, measure, payload) if payload else "", className="page-lede"),
        ],
        className="measure-header mb-3",
    )


def _unknown_geography_note(geography) -> dbc.Alert:
    return dbc.Alert(
        f"There is no neighborhood called “{geography}”, so the citywide figures are shown.",
        color="warning",
        class_name="py-2",
    )


def _showing_bar(measure_id: str, geography_name: str, view) -> html.Div:
    return html.Div(
        [
            html.I(className="bi bi-geo-alt-fill me-2", **{"aria-hidden": "true"}),
            html.Span("Showing:", className="me-1"),
            html.Strong(geography_name, className="me-2"),
            html.Span("·", className="me-2", **{"aria-hidden": "true"}),
            panels.geo_link(
                [
                    html.I(className="bi bi-arrow-left me-1", **{"aria-hidden": "true"}),
                    "back to citywide",
                ],
                measure_id,
                CITYWIDE,
                view,
                className="back-to-citywide",
            ),
            html.Span(
                " The faint grey line is the citywide series, for comparison.",
                className="small-muted ms-2",
            ),
        ],
        className="showing-bar mb-3",
        role="status",
    )


# -- the chart card -------------------------------------------------------------------


def _chart_card(
    measure, chart, annotations, view, bounds, available: dict, geography_name
) -> dbc.Card:
    # Layers with nothing to draw get no switch; they stay in the value (and the URL), so
    # a neighborhood's link back to citywide keeps the forecast on.
    options = [
        {"label": figures.LAYER_LABELS[layer], "value": layer}
        for layer in figures.ALL_LAYERS
        if available[layer]
    ]
    missing = [
        "forecasts are citywide only"
        if layer == "forecast" and geography_name
        else f"no {figures.LAYER_LABELS[layer].lower()}"
        for layer in figures.ALL_LAYERS
        if not available[layer] and layer in ("target", "forecast", "control")
    ]
    presets = [{"label": label, "value": key} for key, (label, _years) in panels.PRESETS.items()]
    months = panels.month_options(bounds) if bounds else []
    where = f" in {geography_name}" if geography_name else " citywide"
    controls = html.Div(
        [
            html.Fieldset(
                [
                    html.Legend("Show on the chart", className="control-legend"),
                    dbc.Checklist(
                        id=ids.layers,
                        options=options,
                        value=list(view.layers),
                        switch=True,
                        inline=True,
                        class_name="layer-switches d-inline-block",
                    ),
                    html.Span(
                        "(" + "; ".join(missing) + ")", className="small-muted layers-missing"
                    )
                    if missing
                    else None,
                ],
                className="chart-control",
            ),
            html.Fieldset(
                [
                    html.Legend("Period", className="control-legend"),
                    html.Div(
                        [
                            dbc.RadioItems(
                                id=ids.preset,
                                name=ids.preset,  # one radio group: arrow keys move along
                                options=presets,
                                value=view.preset,
                                inline=True,
                                class_name="btn-group range-presets",
                                input_class_name="btn-check",
                                label_class_name="btn btn-outline-primary btn-sm",
                                label_checked_class_name="active",
                            ),
                            dbc.Label("From", html_for=ids.start, class_name="mb-0 ms-3 me-1"),
                            dbc.Select(
                                id=ids.start,
                                options=months,
                                value=view.start or None,
                                size="sm",
                                class_name="month-select",
                            ),
                            dbc.Label("to", html_for=ids.end, class_name="mb-0 mx-1"),
                            dbc.Select(
                                id=ids.end,
                                options=months,
                                value=view.end or None,
                                size="sm",
                                class_name="month-select",
                            ),
                        ],
                        className="range-controls",
                    ),
                ],
                className="chart-control",
            ),
        ],
        className="chart-controls",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(f"{measure.short_name or measure.name}{where}", className="h5 card-title"),
                controls,
                html.Div(chart, className="measure-chart-and-key"),
                panels.annotation_notes(annotations),
                _data_table_section(has_data=available["history"]),
            ]
        ),
        className="measure-chart-card",
    )


def _graph(measure, figure, geography_name: str | None) -> html.Div:
    where = f" in {geography_name}" if geography_name else " citywide"
    description = (
        f"Chart of {measure.name}{where} over time, with the layers chosen above. "
        "The same figures are in the table below the chart."
    )
    return html.Div(
        dcc.Graph(id=ids.graph, figure=figure, config=GRAPH_CONFIG, className="measure-graph"),
        # "figure", not "img": the chart holds buttons and clickable points.
        role="figure",
        **{"aria-label": description},
    )


def _data_table_section(*, has_data: bool) -> html.Div:
    # The table is built when first opened (show_table): a long weekly series is a
    # thousand cells the browser would otherwise lay out on every visit.
    return html.Div(
        [
            html.Details(
                [
                    html.Summary("Show the data as a table", id=ids.table_summary),
                    html.Div(
                        html.P("Loading the table…", className="small-muted")
                        if has_data
                        else html.P("No data has been reported yet.", className="small-muted"),
                        id=ids.table_body,
                        className="table-scroll",
                        **{"aria-live": "polite"},
                    ),
                ],
                className="data-table-details",
            ),
            dbc.Button(
                [
                    html.I(className="bi bi-download me-1", **{"aria-hidden": "true"}),
                    "Download CSV",
                ],
                id=ids.download_button,
                color="secondary",
                outline=True,
                size="sm",
                class_name="download-button",
            ),
        ],
        className="data-actions",
    )


# -- neighborhoods --------------------------------------------------------------------


def _neighborhoods_card(measure, equity: dict | None, store, geography: str):
    frame = panels.cross_section(equity)
    # The map and bars are always in the layout (hidden when there is nothing to show) so
    # the click callback always has its inputs.
    hidden_graphs = html.Div(
        [dcc.Graph(id=ids.map, figure={}), dcc.Graph(id=ids.bars, figure={})], hidden=True
    )
    if not equity or frame.empty:
        reason = (equity or {}).get("reason") if equity else None
        return dbc.Card(
            dbc.CardBody(
                [
                    html.H2("Neighborhoods", className="h5 card-title"),
                    html.P(
                        reason
                        or "This measure is reported citywide only: there are no neighborhood "
                        "figures to compare.",
                        className="small-muted mb-0",
                    ),
                    hidden_graphs,
                ]
            ),
            className="measure-neighborhoods mb-4",
        )
    period = period_label(pd.Timestamp(equity["period"]), measure.frequency)
    shown = frame[~frame["suppressed"]]
    # Per-capita counts are per 1,000 residents, not in the measure's own unit.
    shown_in = explain.equity_unit(measure, equity.get("basis"), frame["value"])
    # Darker is worse: high values dark unless higher is better.
    reverse = measure.direction != "higher_is_better"
    if shown.empty:
        bars = figures.empty_figure("Every neighborhood has too few cases to show.")
    else:
        # Plain figure dicts, like the equity page's: graph_objects would validate and
        # copy every boundary point on each visit.
        bars = figures.ranked_bars_dict(
            frame,
            unit=shown_in.unit,
            decimals=shown_in.decimals,
            citywide=equity.get("citywide_value"),
            direction=measure.direction,
        )
        bars["layout"]["clickmode"] = "event"
        panels.fit_ranked_bars(bars)
    boundaries = store.boundaries()
    if boundaries.get("features"):
        mapped = figures.choropleth_dict(
            frame, boundaries, unit=shown_in.unit, decimals=shown_in.decimals, reverse=reverse
        )
        mapped["layout"]["clickmode"] = "event"
        panels.fit_colorbar(mapped)
        if geography != CITYWIDE:
            _highlight(mapped, geography)
    else:
        mapped = figures.empty_figure("No neighborhood boundaries have been loaded.")
    direction = measure.direction
    intervals = bool(equity.get("interval_method"))
    order = {
        "lower_is_better": "lowest (best) at the top",
        "higher_is_better": "highest (best) at the top",
    }.get(direction, "highest at the top")
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(f"Neighborhoods, {period}", className="h5 card-title"),
                html.Div(
                    [
                        html.P(line, className="mb-1")
                        for line in panels.neighborhood_summary(
                            equity, shown_in, measure.frequency, measure.unit_label
                        )
                    ],
                    className="neighborhood-summary mb-2",
                ),
                html.P(
                    "Select a neighborhood on the map, the bars or the table to see its own "
                    "series, trend and control chart.",
                    className="small-muted mb-2",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            html.Div(
                                dcc.Graph(id=ids.map, figure=mapped, config=figures.map_config()),
                                role="figure",
                                **{
                                    "aria-label": f"Map of {measure.name} by neighborhood, {period}"
                                },
                            ),
                            xl=5,
                        ),
                        dbc.Col(
                            [
                                html.P(
                                    f"Ranked, {order}"
                                    + ("; lines show 95% intervals" if intervals else "")
                                    + "; the dashed line is citywide; ★ marks equity-priority "
                                    "neighborhoods.",
                                    className="small-muted mb-1",
                                ),
                                html.Div(
                                    dcc.Graph(
                                        id=ids.bars,
                                        figure=bars,
                                        config={"displayModeBar": False},
                                    ),
                                    className="bars-scroll",
                                    # A scrollable box must be reachable from the keyboard.
                                    role="region",
                                    tabIndex="0",
                                    **{"aria-label": f"Neighborhoods ranked by {measure.name}"},
                                ),
                            ],
                            xl=7,
                        ),
                    ]
                ),
                # Built when first opened (show_neighborhood_table): a row and a link
                # per neighborhood are hundreds of components the browser would lay out
                # on every visit.
                html.Details(
                    [
                        html.Summary(
                            "Show the neighborhoods as a table", id=ids.neighborhood_table_summary
                        ),
                        html.Div(
                            html.P("Loading the table…", className="small-muted"),
                            id=ids.neighborhood_table_body,
                            className="table-scroll",
                            **{"aria-live": "polite"},
                        ),
                    ],
                    className="data-table-details mt-2",
                ),
                html.P(equity.get("suppression_rule") or "", className="small-muted mt-2 mb-0"),
            ]
        ),
        className="measure-neighborhoods mb-4",
    )


def _highlight(mapped: dict, geography: str) -> None:
    """Outline the neighborhood being shown on the map: a thick border on its shape, drawn
    last so its neighbors do not cover the border."""
    for trace in mapped["data"]:
        locations = list(trace.get("locations") or [])
        if geography not in locations:
            continue
        count, at = len(locations), locations.index(geography)
        order = [i for i in range(count) if i != at] + [at]
        for key, values in list(trace.items()):
            if isinstance(values, list | tuple) and len(values) == count:
                trace[key] = [values[i] for i in order]
        trace["marker"] = dict(
            line=dict(
                width=[0.6] * (count - 1) + [3],
                color=["white"] * (count - 1) + [theme.VERMILLION],
            )
        )


# -- callbacks ------------------------------------------------------------------------

dash.clientside_callback(
    ClientsideFunction(namespace="statroom_measure", function_name="sync"),
    Output(ids.url, "search"),
    Output(ids.preset, "value"),
    Output(ids.start, "value"),
    Output(ids.end, "value"),
    Output(ids.layers, "value"),
    Output({"type": ids.geo_link, "geo": ALL}, "href"),
    Input(ids.url, "search"),
    Input(ids.preset, "value"),
    Input(ids.start, "value"),
    Input(ids.end, "value"),
    Input(ids.layers, "value"),
    State(ids.view, "data"),
    State({"type": ids.geo_link, "geo": ALL}, "href"),
    prevent_initial_call=True,
)

dash.clientside_callback(
    ClientsideFunction(namespace="statroom_measure", function_name="view"),
    Output(ids.graph, "figure"),
    Input(ids.layers, "value"),
    Input(ids.start, "value"),
    Input(ids.end, "value"),
    State(ids.graph, "figure"),
    prevent_initial_call=True,
)

dash.clientside_callback(
    ClientsideFunction(namespace="statroom_measure", function_name="navigate"),
    Output(ids.nav, "search"),
    Input(ids.bars, "clickData"),
    Input(ids.map, "clickData"),
    State(ids.view, "data"),
    prevent_initial_call=True,
)


def _first_opening(n_clicks, view) -> bool:
    """Whether a disclosure's summary click is its first opening, so its content is built
    now; closing and reopening keep what was built. No view: nothing to build."""
    if not n_clicks or not isinstance(view, dict):
        raise dash.exceptions.PreventUpdate
    return n_clicks == 1


@dash.callback(
    Output(ids.table_body, "children"),
    Input(ids.table_summary, "n_clicks"),
    State(ids.view, "data"),
    prevent_initial_call=True,
)
def show_table(n_clicks, view):
    """Fill the data table when its disclosure is first opened."""
    if not _first_opening(n_clicks, view):
        return dash.no_update
    return data_table(view.get("measure_id"), view.get("geography") or CITYWIDE)


@dash.callback(
    Output(ids.neighborhood_table_body, "children"),
    Input(ids.neighborhood_table_summary, "n_clicks"),
    State(ids.view, "data"),
    State(ids.url, "search"),
    prevent_initial_call=True,
)
def show_neighborhood_table(n_clicks, view, search):
    """Fill the neighborhood table when its disclosure is first opened; its links keep the
    view the URL shows (and the page keeps them in step after that)."""
    if not _first_opening(n_clicks, view):
        return dash.no_update
    return neighborhood_table(view, search)


def neighborhood_table(view: dict, search: str | None):
    """The ranked table of a measure's neighborhoods, each a link to its own series."""
    store = current_store()
    measure_id = view.get("measure_id")
    measure = store.measure(measure_id) if isinstance(measure_id, str) else None
    summary = store.summary(measure.id) if measure else None
    equity = (summary.payload if summary else {}).get("equity")
    frame = panels.cross_section(equity)
    if measure is None or frame.empty:
        return html.P("This table is not available.", className="small-muted")
    months = [view.get(key) for key in ("first", "latest", "end")]
    if all(isinstance(month, str) for month in months):
        query = {key: value[0] for key, value in parse_qs((search or "").lstrip("?")).items()}
        shown = panels.parse_view(query, panels.Bounds(*months))
    else:
        shown = panels.View(panels.DEFAULT_LAYERS, None, "", "")
    period = period_label(pd.Timestamp(equity["period"]), measure.frequency)
    return panels.neighborhood_rank_table(
        frame,
        explain.equity_unit(measure, equity.get("basis"), frame["value"]),
        measure.id,
        measure.direction,
        f"{measure.name} by neighborhood, {period} (best first)",
        shown,
    )


def data_table(measure_id: str | None, geography: str = CITYWIDE):
    """The accessible table of a measure's series in one geography, newest first."""
    store = current_store()
    measure = store.measure(measure_id) if isinstance(measure_id, str) else None
    names = {g.id: g.name for g in store.geographies()}
    if measure is None or (geography != CITYWIDE and geography not in names):
        return html.P("This table is not available.", className="small-muted")
    table = explain.series_table(
        store.series(measure.id, geography), store.targets(measure.id), measure.direction
    )
    if table.empty:
        return html.P("No data has been reported yet.", className="small-muted")
    where = " citywide" if geography == CITYWIDE else f" in {names[geography]}"
    caption = f"{measure.name}{where}, newest first" + (
        ", with the target active in each period" if table["target"].notna().any() else ""
    )
    return panels.series_table_component(table, measure, caption)


@dash.callback(
    Output(ids.download, "data"),
    Input(ids.download_button, "n_clicks"),
    State(ids.view, "data"),
    prevent_initial_call=True,
)
def download_csv(n_clicks, view):
    """The shown series (citywide or one neighborhood) with targets and status, as CSV."""
    if not n_clicks or not view:
        return dash.no_update
    result = csv_download(view.get("measure_id"), view.get("geography") or CITYWIDE)
    return result if result is not None else dash.no_update


def csv_download(measure_id: str | None, geography: str = CITYWIDE) -> dict | None:
    """``dcc.Download`` data for a measure's series in one geography; None if not visible."""
    store = current_store()
    measure = store.measure(measure_id) if measure_id else None
    if measure is None:
        return None
    if geography != CITYWIDE and geography not in {g.id for g in store.geographies()}:
        return None
    table = explain.series_table(
        store.series(measure.id, geography), store.targets(measure.id), measure.direction
    )
    content = frame_to_csv(panels.csv_frame(table, measure.id, geography))
    filename = f"{measure.id}.csv" if geography == CITYWIDE else f"{measure.id}_{geography}.csv"
    return dcc.send_string(content, filename, type="text/csv")
