"""One public measure for residents: headline, chart with a table alternative, about the
data, and downloads.

Everything is a link or a native element (the chart range is a query string, the table
sits in a ``<details>``), so the page needs no callbacks at all.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from sqlalchemy.exc import SQLAlchemyError

from analytics.periods import period_label, period_noun
from analytics.public import (
    RANGES,
    change_verdict,
    change_words,
    chart_range,
    forecast_frame,
    table_rows,
    window_start,
)
from components.badges import target_badge
from components.layout import guarded
from components.public_panels import (
    PUBLIC_HOME,
    about_the_data,
    area_href,
    big_value,
    chart_summary,
    downloads,
    graph,
    measure_headline,
    measure_href,
    not_found,
    public_chart,
    public_header,
    public_store,
    trend_badge,
    value_text,
    values_table,
)

log = logging.getLogger("statroom")

FORECAST_NOTE = (
    "The dashed line is a forecast; the shaded bands show where the next figures are "
    "likely to fall (80% and 95% of the time)."
)


def title(measure_id: str | None = None, **_kwargs) -> str:
    try:
        measure = public_store().measure(measure_id) if measure_id else None
    except SQLAlchemyError:
        log.exception("public measure title: database unreachable")
        measure = None
    return f"{measure.name} · Performance dashboard" if measure else "Performance dashboard"


dash.register_page(
    __name__,
    path_template="/public/measure/<measure_id>",
    title=title,
    description="One of the city's public performance measures, with its data.",
)


class ids:
    root = "public-measure-root"
    chart = "public-measure-chart"
    table = "public-measure-table"


@guarded
def layout(measure_id: str | None = None, **query):
    store = public_store()
    city = store.city()
    areas = store.areas()
    measure = store.measure(measure_id) if measure_id else None
    if measure is None:
        return html.Div(
            [public_header(city.name, areas), not_found("We couldn't find that measure")],
            id=ids.root,
            className="public-page",
        )
    info = store.summary(measure.id)
    payload = info.payload if info is not None else {}
    history = store.series(measure.id)
    targets = store.targets(measure.id)
    annotations = store.annotations(measure.id)
    forecast = forecast_frame(payload.get("forecast"))
    selected = chart_range(query.get("range"), measure.frequency)
    latest = history["period"].max() if not history.empty else None
    start = window_start(latest, measure.frequency, RANGES[selected][1])
    shown = history if start is None else history[history["period"] >= start]
    figure = public_chart(measure, history, targets, forecast, annotations, start)

    return html.Div(
        [
            public_header(city.name, areas, current=area_href(measure.area_id)),
            breadcrumb(measure),
            html.H1(measure.name, className="page-title"),
            html.P(measure_headline(measure, payload), className="page-lede public-headline"),
            key_figures(measure, payload),
            html.Section(
                [
                    html.Div(
                        [
                            html.H2("Over time", id="public-over-time", className="h4 mb-0"),
                            range_links(measure.id, selected),
                        ],
                        className="public-section-head",
                    ),
                    html.Figure(
                        [
                            graph(figure, graph_id=ids.chart, className="public-chart"),
                            html.Figcaption(
                                chart_summary(measure, shown, forecast)
                                + (" " + FORECAST_NOTE if not forecast.empty else ""),
                                className="small-muted",
                            ),
                        ],
                        className="mb-2",
                    ),
                    html.Details(
                        [
                            html.Summary("Show the figures as a table"),
                            html.Div(
                                values_table_for(measure, shown, targets, selected),
                                className="public-table-wrap",
                                id=ids.table,
                                # It scrolls, so it must take keyboard focus to scroll.
                                tabIndex="0",
                                role="region",
                                **{"aria-label": "Figures, newest first"},
                            ),
                        ],
                        className="public-details",
                    ),
                ],
                className="public-section",
                **{"aria-labelledby": "public-over-time"},
            ),
            dbc.Row(
                [
                    dbc.Col(
                        html.Section(
                            [
                                html.H2("About the data", id="public-about", className="h4"),
                                about_the_data(measure, payload),
                            ],
                            className="public-section",
                            **{"aria-labelledby": "public-about"},
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        html.Section(
                            [
                                html.H2("Download the data", id="public-download", className="h4"),
                                html.P(
                                    "Free to reuse. The files hold every period, not just "
                                    "the ones on the chart.",
                                    className="small-muted",
                                ),
                                downloads(measure),
                            ],
                            className="public-section",
                            **{"aria-labelledby": "public-download"},
                        ),
                        lg=5,
                    ),
                ]
            ),
        ],
        id=ids.root,
        className="public-page",
    )


def breadcrumb(measure) -> html.Nav:
    return html.Nav(
        html.Ol(
            [
                html.Li(html.A("All measures", href=PUBLIC_HOME), className="breadcrumb-item"),
                html.Li(
                    html.A(measure.area_name, href=area_href(measure.area_id)),
                    className="breadcrumb-item",
                ),
                html.Li(
                    measure.name,
                    className="breadcrumb-item active",
                    **{"aria-current": "page"},
                ),
            ],
            className="breadcrumb",
        ),
        **{"aria-label": "Breadcrumb"},
    )


def key_figures(measure, payload: dict) -> html.Div:
    """Latest value, target, trend and the change from a year earlier, as tiles."""
    latest_period = payload.get("latest_period")
    target = (payload.get("target") or {}).get("current")
    last_year = (payload.get("changes") or {}).get("vs_last_year")
    change, assessment = change_words(last_year, measure)
    verdict = html.Span(change_verdict(last_year), className=f"public-change-{assessment}")
    tiles = [
        (
            "Latest figure",
            big_value(value_text(measure, payload.get("latest_value"))),
            period_label(pd.Timestamp(latest_period), measure.frequency)
            if latest_period
            else "No data yet",
        ),
        (
            "Target",
            big_value(value_text(measure, target["value"])) if target else "No target set",
            target_badge(payload.get("target_status")),
        ),
        ("Trend", trend_badge(payload.get("trend"), measure.frequency), trend_basis(payload)),
        ("Compared with a year earlier", verdict, change),
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.H2(label, className="public-kpi-label"),
                    html.Div(value, className="public-kpi-value"),
                    html.Div(detail, className="public-kpi-detail") if detail is not None else None,
                ],
                className="public-kpi",
            )
            for label, value, detail in tiles
        ],
        className="public-kpis",
    )


def trend_basis(payload: dict) -> str | None:
    """What the latest trend verdict looked at: "Tested on the latest 24 months"."""
    trend = payload.get("trend") or {}
    periods = trend.get("window_periods") or trend.get("n")
    frequency = payload.get("frequency") or "month"
    if not periods or trend.get("verdict") in (None, "insufficient_data"):
        return None
    return f"Tested on the latest {periods} {period_noun(frequency, int(periods))}"


def range_links(measure_id: str, selected: str) -> html.Nav:
    return html.Nav(
        html.Ul(
            [
                html.Li(
                    html.A(
                        label,
                        href=f"{measure_href(measure_id)}?{urlencode({'range': key})}",
                        className="public-range-link" + (" active" if key == selected else ""),
                        **({"aria-current": "true"} if key == selected else {}),
                    )
                )
                for key, (label, _years) in RANGES.items()
            ],
            className="public-range-list",
        ),
        **{"aria-label": "Time range of the chart"},
    )


def values_table_for(measure, shown: pd.DataFrame, targets: pd.DataFrame, selected: str):
    rows = table_rows(shown, targets, measure)
    if not rows:
        return html.P("No figures have been reported yet.")
    label = RANGES[selected][0].lower()
    span = "every period" if selected == "all" else f"the last {label}"
    return values_table(rows, f"{measure.name}: {span}, newest first")
