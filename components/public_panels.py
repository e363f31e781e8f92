"""Pieces of the public site and the kiosk: header, measure cards, chart, table and notes.

Everything here renders untrusted text (measure names, descriptions, sources) as
text: plain Dash components, never HTML, and links only to our own URL-quoted ids.
"""

from __future__ import annotations

from urllib.parse import quote

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from analytics.narrative import format_value, headline
from analytics.periods import period_label
from analytics.public import clip_targets, trend_words, updated_on
from components import figures
from components.badges import target_badge
from components.context import current_store
from data.store import PUBLIC, Store

PUBLIC_HOME = "/public"
API_ROOT = "/api/v1"

TREND_ICONS = {
    "improving": "bi-hand-thumbs-up-fill",
    "worsening": "bi-hand-thumbs-down-fill",
    "neutral": "bi-arrow-down-up",
    "flat": "bi-dash-circle",
    "unknown": "bi-question-circle",
}
FREQUENCY_WORDS = {
    "day": "Daily",
    "week": "Weekly",
    "month": "Monthly",
    "quarter": "Quarterly",
    "year": "Yearly",
}
#: What the chart shows, for the public measure page and the kiosk.
CHART_LAYERS = ("history", "target", "forecast", "annotations")
#: Chart options that leave nothing to break: no toolbar, no zoom, no hover.
STATIC_GRAPH = {"displayModeBar": False, "staticPlot": True, "responsive": True}
#: A readable chart for visitors: hover values, no toolbar, no drag-zoom surprises.
READ_ONLY_GRAPH = {"displayModeBar": False, "scrollZoom": False, "responsive": True}


def public_store() -> Store:
    """The Store as the public sees it, whoever is signed in on this browser."""
    return current_store().for_viewer(PUBLIC)


#: What a measure card shows of the stored summary (see :func:`measure_card`).
CARD_FIELDS = ("latest_period", "latest_value", "target_status", "trend")
#: Cards per priority area on the front page; the area's own page lists them all.
FRONT_PAGE_CARDS = 6


def summaries(store: Store, measures) -> dict[str, dict]:
    """What each measure's card needs of its stored citywide summary, in one read (empty
    when not computed yet)."""
    payloads = store.summary_payloads([m.id for m in measures], fields=CARD_FIELDS)
    return {m.id: payloads.get(m.id, {}) for m in measures}


def measure_href(measure_id: str) -> str:
    return f"{PUBLIC_HOME}/measure/{quote(str(measure_id), safe='')}"


def area_href(area_id: str) -> str:
    return f"{PUBLIC_HOME}/area/{quote(str(area_id), safe='')}"


def download_links(measure_id: str) -> dict[str, str]:
    """The open data API's addresses for one measure's data."""
    base = f"{API_ROOT}/measures/{quote(str(measure_id), safe='')}"
    return {
        "csv": f"{base}/observations.csv",
        "json": f"{base}/observations",
        "neighborhoods_csv": f"{base}/observations.csv?geography=all",
        "summary_json": f"{base}/summary",
    }


# -- header --------------------------------------------------------------------------------


def public_header(city_name: str, areas, current: str | None = None) -> html.Header:
    """The public site's own header: the city, the dashboard's name and the areas.

    ``current`` is the path of the page shown, so its link is marked as the current page.
    """
    links = [(PUBLIC_HOME, "All measures")] + [(area_href(a.id), a.name) for a in areas]
    return html.Header(
        dbc.Container(
            [
                html.A(
                    [
                        html.Span(city_name, className="public-city"),
                        html.Span("Performance dashboard", className="public-product"),
                    ],
                    href=PUBLIC_HOME,
                    className="public-brand",
                ),
                html.Nav(
                    html.Ul(
                        [
                            html.Li(
                                html.A(
                                    label,
                                    href=href,
                                    className="public-nav-link"
                                    + (" active" if href == current else ""),
                                    **({"aria-current": "page"} if href == current else {}),
                                )
                            )
                            for href, label in links
                        ],
                        className="public-nav-list",
                    ),
                    className="public-nav",
                    **{"aria-label": "Priority areas"},
                ),
            ],
            fluid="xxl",
        ),
        className="public-header",
    )


def not_found(title: str) -> html.Div:
    return html.Div(
        [
            html.H1(title, className="page-title"),
            html.P(
                "The link may be out of date, or the information may not be public. "
                "Every public measure is listed on the dashboard's front page.",
                className="page-lede",
            ),
            html.A("See all measures", href=PUBLIC_HOME, className="btn btn-primary"),
        ],
        className="py-4",
    )


# -- status ---------------------------------------------------------------------------------


def trend_badge(trend: dict | None, frequency: str) -> html.Span:
    """The trend in words with an icon (never colour alone)."""
    text, kind = trend_words(trend, frequency)
    return html.Span(
        [html.I(className=f"bi {TREND_ICONS[kind]} me-1", **{"aria-hidden": "true"}), text],
        className=f"badge public-trend-badge public-trend-{kind}",
    )


def measure_headline(measure, payload: dict | None) -> str:
    if not payload or payload.get("latest_value") is None:
        return f"{measure.name} has no data yet."
    return headline(measure.name, measure, payload)


def value_text(measure, value) -> str:
    return format_value(value, measure.unit, measure.decimals, measure.unit_label, measure.rate_per)


# -- listings -------------------------------------------------------------------------------


def measure_card(measure, payload: dict | None, heading_level: int = 3) -> dbc.Card:
    """One measure in a listing: the latest figure, target status, trend and what it means.

    The full sentence (the headline) is on the measure's own page and the kiosk; a card
    keeps to what a reader scans: the number, the two verdicts and the definition.
    """
    payload = payload or {}
    heading = getattr(html, f"H{heading_level}")
    latest = payload.get("latest_period")
    when = period_label(pd.Timestamp(latest), measure.frequency) if latest else "No data yet"
    return dbc.Card(
        dbc.CardBody(
            [
                heading(
                    html.A(measure.name, href=measure_href(measure.id)),
                    className="public-card-title",
                ),
                html.P(
                    [
                        html.Span(
                            big_value(value_text(measure, payload.get("latest_value"))),
                            className="public-card-value",
                        ),
                        html.Span(f" in {when}" if latest else when, className="small-muted"),
                    ],
                    className="mb-2",
                ),
                html.Div(
                    [
                        target_badge(payload.get("target_status")),
                        trend_badge(payload.get("trend"), measure.frequency),
                    ],
                    className="public-status-row",
                ),
                html.P(measure.description, className="public-card-description small-muted")
                if measure.description
                else None,
            ]
        ),
        className="public-card h-100",
    )


def area_section(
    area,
    measures,
    payloads: dict[str, dict],
    show_link: bool = True,
    heading: bool = True,
    limit: int | None = None,
) -> html.Section:
    """A priority area and the cards of its public measures.

    ``heading=False`` leaves out the area's own heading (the page's title says it) and
    gives the cards the next heading level up. ``limit`` shows the first cards only, with
    a link to the area's page for the rest (a large city publishes hundreds).
    """
    heading_id = f"area-{area.id}"
    title = html.A(area.name, href=area_href(area.id)) if show_link else area.name
    shown = measures if limit is None else measures[:limit]
    cards = dbc.Row(
        [
            dbc.Col(
                measure_card(m, payloads.get(m.id), heading_level=3 if heading else 2),
                md=6,
                xl=4,
                className="mb-3",
            )
            for m in shown
        ]
    )
    more = (
        html.P(
            html.A(f"See all {len(measures)} {area.name} measures", href=area_href(area.id)),
            className="public-area-more",
        )
        if len(shown) < len(measures)
        else None
    )
    return html.Section(
        [
            html.H2(title, id=heading_id, className="public-area-title") if heading else None,
            html.P(area.description, className="page-lede") if area.description else None,
            cards,
            more,
        ],
        className="public-area",
        **({"aria-labelledby": heading_id} if heading else {"aria-label": area.name}),
    )


# -- the chart and its alternatives ------------------------------------------------------


def public_chart(
    measure,
    history: pd.DataFrame,
    targets: pd.DataFrame,
    forecast: pd.DataFrame,
    annotations: pd.DataFrame | None = None,
    start=None,
    *,
    projector: bool = False,
    height: int | None = 420,
) -> go.Figure:
    """The measure's main chart for the public: history, target and forecast band.

    ``start`` trims the history, targets and annotations to a window (the forecast
    follows the latest value). ``projector`` gives the large-type kiosk version, sized
    by its container.
    """
    if start is not None:
        history = history[history["period"] >= start]
        if annotations is not None and not annotations.empty:
            ends = annotations["end_date"].fillna(annotations["start_date"])
            annotations = annotations[ends >= start]
    layers = CHART_LAYERS if annotations is not None else CHART_LAYERS[:-1]
    figure = figures.measure_chart(
        unit=measure.unit,
        decimals=measure.decimals,
        unit_label=measure.unit_label,
        history=history,
        targets=clip_targets(targets, start),
        forecast=forecast,
        annotations=annotations,
        layers=layers,
        height=height or 420,
    )
    _stagger_annotation_labels(figure)
    if projector:
        large_type(figure)
    return figure


def large_type(figure: go.Figure) -> go.Figure:
    """Restyle ``figure`` in place for a wall display: the projector template, thicker
    visible lines, and sized by its container.

    Unlike ``theme.projector`` it leaves invisible outlines (forecast bands, target
    tolerance boxes) at width 0, where a blanket width would draw them in the palette.
    """
    figure.update_layout(
        template="statroom_projector", height=None, autosize=True, margin=dict(l=8, r=24, t=56, b=8)
    )
    # Few, level date labels: at 24 px, more would tilt or collide on a 1024 px screen.
    figure.update_xaxes(nticks=6, tickangle=0)
    for trace in figure.data:
        width = getattr(getattr(trace, "line", None), "width", None)
        if width:
            trace.line.width = max(width * 1.6, 3)
    return figure


def big_value(text: str) -> list:
    """A formatted value as a large number and its unit in normal type:
    "3.23 per 1,000 residents" → [3.23][ per 1,000 residents]."""
    number, space, unit = text.partition(" ")
    if not space or not any(ch.isdigit() for ch in number):
        return [text]
    return [number, html.Span(f" {unit}", className="public-unit")]


def _stagger_annotation_labels(figure: go.Figure, rows: int = 3) -> None:
    """Put event labels on alternating rows, so labels of nearby events do not overprint."""
    for index, label in enumerate(figure.layout.annotations or ()):
        label.yshift = -18 * (index % rows)


def chart_summary(measure, history: pd.DataFrame, forecast: pd.DataFrame) -> str:
    """A one-line text description of what the chart shows, for screen readers."""
    if history.empty:
        return "No data has been reported for this measure yet."
    first = period_label(history["period"].iloc[0], measure.frequency)
    last = period_label(history["period"].iloc[-1], measure.frequency)
    text = f"Line chart of {measure.name} from {first} to {last}"
    if not forecast.empty:
        text += (
            f", with a forecast to {period_label(forecast['period'].iloc[-1], measure.frequency)}"
        )
    return text + ". The same figures are in the table below."


def values_table(rows: list[dict], caption: str) -> dbc.Table:
    """The chart's table alternative: period, value and target, newest first."""
    return dbc.Table(
        [
            html.Caption(caption),
            html.Thead(
                html.Tr(
                    [
                        html.Th("Period", scope="col"),
                        html.Th("Value", scope="col", className="text-end"),
                        html.Th("Target", scope="col", className="text-end"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(row["period"], scope="row", className="fw-normal"),
                            html.Td(row["value"], className="text-end"),
                            html.Td(row["target"], className="text-end"),
                        ]
                    )
                    for row in rows
                ]
            ),
        ],
        striped=True,
        hover=False,
        size="sm",
        className="public-table",
    )


def about_the_data(measure, payload: dict | None) -> html.Dl:
    """Description, methodology, source, department, update schedule and last update."""
    payload = payload or {}
    latest = payload.get("latest_period")
    lag = measure.update_lag_days
    schedule = FREQUENCY_WORDS.get(measure.frequency, measure.frequency.title())
    if lag:
        schedule += f"; figures usually arrive about {lag} days after each period ends"
    items = [
        ("What it measures", measure.description or "No description has been published yet."),
        ("How it is calculated", measure.methodology or "Not published yet."),
        ("Where the data comes from", measure.data_source or "Not published yet."),
        ("Department", measure.department or "Not stated."),
        ("How often it is updated", schedule + "."),
        (
            "Latest figures",
            period_label(pd.Timestamp(latest), measure.frequency)[:1].upper()
            + period_label(pd.Timestamp(latest), measure.frequency)[1:]
            if latest
            else "No data yet",
        ),
        ("Last updated", updated_on(measure.updated_at)),
    ]
    return html.Dl(
        [part for term, text in items for part in (html.Dt(term), html.Dd(text))],
        className="public-about-data",
    )


def downloads(measure) -> html.Ul:
    links = download_links(measure.id)
    entries = [
        ("CSV", links["csv"], "citywide values, for spreadsheets"),
        ("JSON", links["json"], "citywide values, for programmers"),
        ("CSV by neighborhood", links["neighborhoods_csv"], "every neighborhood's values"),
        ("Statistics (JSON)", links["summary_json"], "trend, target status and forecast"),
    ]
    return html.Ul(
        [
            html.Li(
                [
                    html.A(
                        [html.I(className="bi bi-download me-1", **{"aria-hidden": "true"}), label],
                        href=href,
                        download="",
                    ),
                    html.Span(f" — {note}", className="small-muted"),
                ]
            )
            for label, href, note in entries
        ],
        className="public-downloads",
    )


def graph(figure: go.Figure, *, graph_id: str | None = None, static: bool = False, **kwargs):
    """A ``dcc.Graph`` without the plotly toolbar (``static``: no interaction at all)."""
    config = STATIC_GRAPH if static else READ_ONLY_GRAPH
    if graph_id is not None:
        kwargs["id"] = graph_id
    return dcc.Graph(figure=figure, config=config, **kwargs)
