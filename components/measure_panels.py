"""Pieces of the measure page: the main chart, the view state kept in the URL, and the
panels around the chart (stats, neighborhoods, open actions, about the data, data table).

The main chart is built once with every layer and each trace is tagged with its layer
(``trace.meta``), so the browser can switch layers and date ranges without asking the
server (``assets/statroom/measure.js``). :func:`apply_view` does the same on the server
for the first render, so a shared link opens on exactly the view it names.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import quote

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from analytics import explain
from analytics.explain import Reading
from analytics.periods import period_label, period_noun
from components import chart_margins, figures, theme
from components.badges import stale_badge, target_badge

CITYWIDE = "citywide"
DEFAULT_LAYERS = figures.ALL_LAYERS
#: Date-range presets: key → (button label, years of history; None for everything).
PRESETS = {"2y": ("2 years", 2), "5y": ("5 years", 5), "all": ("All", None)}
DEFAULT_PRESET = "5y"
#: Traces drawn for context only (the citywide line behind a neighborhood); never toggled.
REFERENCE = "reference"
ANNOTATION_NAME = "annotations"

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TONE_ICONS = {
    "better": "bi-arrow-up-circle-fill",
    "worse": "bi-exclamation-triangle-fill",
    "neutral": "bi-dash-circle",
    "unknown": "bi-question-circle",
}


# -- the view: layers and date range, in the URL -----------------------------------------


@dataclass(frozen=True)
class Bounds:
    """First, latest and last drawn months ("YYYY-MM") of the chart; ``end`` includes
    the forecast."""

    first: str
    latest: str
    end: str


@dataclass(frozen=True)
class View:
    layers: tuple[str, ...]
    #: A key of :data:`PRESETS`, or None for an explicit range.
    preset: str | None
    start: str
    end: str


def month_of(day) -> str:
    return pd.Timestamp(day).strftime("%Y-%m")


def data_bounds(history: pd.DataFrame, forecast: pd.DataFrame | None = None) -> Bounds | None:
    """The months the chart can show: history, and the forecast when there is one."""
    periods = history["period"].dropna() if not history.empty else pd.Series(dtype="M8[ns]")
    if periods.empty:
        return None
    end = periods.max()
    if forecast is not None and not forecast.empty:
        end = max(end, pd.Timestamp(forecast["period"].max()))
    return Bounds(month_of(periods.min()), month_of(periods.max()), month_of(end))


def range_presets(bounds: Bounds) -> dict[str, tuple[str, str]]:
    """Each preset as (from, to) months: the last 2 or 5 years of history, up to ``end``."""
    first = pd.Period(bounds.first, "M")
    latest = pd.Period(bounds.latest, "M")
    out = {}
    for key, (_label, years) in PRESETS.items():
        start = first if years is None else max(first, latest - (12 * years - 1))
        out[key] = (str(start), bounds.end)
    return out


def month_options(bounds: Bounds) -> list[dict]:
    months = pd.period_range(bounds.first, bounds.end, freq="M")
    return [{"label": m.strftime("%b %Y"), "value": str(m)} for m in months]


def parse_layers(text, available=DEFAULT_LAYERS) -> tuple[str, ...]:
    """``"history,target"`` → the known layers it names, in chart order.

    No parameter gives the default (every layer); an empty one switches them all off.
    """
    if text is None:
        return tuple(layer for layer in DEFAULT_LAYERS if layer in available)
    if isinstance(text, list | tuple):
        text = ",".join(str(t) for t in text)
    named = {part.strip() for part in str(text).split(",")}
    return tuple(layer for layer in figures.ALL_LAYERS if layer in named and layer in available)


def parse_view(query: dict, bounds: Bounds) -> View:
    """The view a URL asks for: ``layers``, then ``from``/``to`` months or a ``range`` preset.

    Unknown or malformed values fall back to the defaults; months are clipped to what the
    chart can show and put in order.
    """
    layers = parse_layers(query.get("layers"))
    presets = range_presets(bounds)
    start, end = query.get("from"), query.get("to")
    if (
        isinstance(start, str)
        and isinstance(end, str)
        and _MONTH.match(start)
        and _MONTH.match(end)
    ):
        start, end = sorted((start, end))
        start = min(max(start, bounds.first), bounds.end)
        end = min(max(end, bounds.first), bounds.end)
        for key, months in presets.items():
            if months == (start, end):
                return View(layers, key, start, end)
        return View(layers, None, start, end)
    preset = query.get("range")
    if preset not in presets:
        preset = DEFAULT_PRESET
    return View(layers, preset, *presets[preset])


def view_query(view: View, geography: str | None = None) -> str:
    """The query string of a view: ``?layers=history,target&range=5y&geography=x``."""
    parts = [f"layers={','.join(view.layers)}"]
    if view.preset:
        parts.append(f"range={view.preset}")
    else:
        parts += [f"from={view.start}", f"to={view.end}"]
    if geography and geography != CITYWIDE:
        parts.append(f"geography={quote(geography, safe='')}")
    return "?" + "&".join(parts)


def x_range(start: str, end: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The x-axis range of [start, end] months: half a month before, to the month after."""
    return (
        pd.Timestamp(f"{start}-01") - pd.Timedelta(days=15),
        pd.Timestamp(f"{end}-01") + pd.DateOffset(months=1),
    )


# -- the main chart ------------------------------------------------------------------------


def forecast_frame(forecast: dict | None) -> pd.DataFrame:
    points = (forecast or {}).get("points") or []
    frame = pd.DataFrame(points, columns=["period", "mean", "lo80", "hi80", "lo95", "hi95"])
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def phases_frame(control: dict | None) -> pd.DataFrame:
    control = control or {}
    phases = (control.get("phases") or []) if control.get("available") else []
    frame = pd.DataFrame(phases, columns=["start", "end", "centre", "lower", "upper"])
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def signals_frame(control: dict | None) -> pd.DataFrame:
    signals = (control or {}).get("signals") or []
    frame = pd.DataFrame(
        [
            {"period": s["period"], "value": s["value"], "rule": explain.signal_hover(s)}
            for s in signals
        ],
        columns=["period", "value", "rule"],
    )
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def layer_of(trace) -> str | None:
    """Which switchable layer a trace of :func:`components.figures.measure_chart` draws."""
    name = trace.name or ""
    group = trace.legendgroup or ""
    if name == "Actual":
        return "history"
    if name == "Forecast" or "forecast range" in group:
        return "forecast"
    if group == "target":
        return "target"
    if group == "control" or name == "Signal":
        return "control"
    if name.startswith("Action "):
        return "actions"
    return None


def measure_figure(
    measure,
    *,
    history: pd.DataFrame,
    targets: pd.DataFrame | None,
    forecast: dict | None,
    control: dict | None,
    annotations: pd.DataFrame | None,
    actions: pd.DataFrame | None,
    reference: pd.DataFrame | None = None,
    height: int = 460,
) -> go.Figure:
    """The main chart with every layer drawn and tagged (see :func:`apply_view`).

    ``reference`` (the citywide series, on a neighborhood's chart) is drawn as a faint line
    behind the others.
    """
    figure = figures.measure_chart(
        unit=measure.unit,
        decimals=measure.decimals,
        unit_label=measure.unit_label or _axis_title(measure),
        history=history,
        targets=targets,
        forecast=forecast_frame(forecast),
        control_phases=phases_frame(control),
        signals=signals_frame(control),
        annotations=annotations,
        actions=_action_dates(actions),
        layers=figures.ALL_LAYERS,
        height=height,
    )
    if history.empty:
        return figure
    for trace in figure.data:
        trace.meta = layer_of(trace)
        if trace.meta == "history":
            trace.visible = True
        if trace.meta == "actions":
            trace.cliponaxis = False  # markers sit on the bottom edge of the plot
    if reference is not None and not reference.empty:
        prefix, spec, suffix = figures.value_format(measure.unit, measure.decimals)
        line = go.Scatter(
            x=reference["period"],
            y=reference["value"],
            name="Citywide",
            mode="lines",
            line=dict(color=theme.REFERENCE, width=1.5),
            opacity=0.8,
            hovertemplate=f"Citywide: {prefix}%{{y:{spec}}}{suffix}<extra></extra>",
            meta=REFERENCE,
        )
        figure.add_trace(line)
        figure.data = (figure.data[-1], *figure.data[:-1])  # drawn first, underneath
    for shape in figure.layout.shapes:
        shape.name = ANNOTATION_NAME
    notes = sorted(figure.layout.annotations, key=lambda note: str(note.x))
    for row, note in enumerate(notes):
        note.name = ANNOTATION_NAME
        # Alternate two rows so neighbouring labels do not print over each other; the full
        # text is in the notes under the chart.
        note.yshift = -18 * (row % 2)
        note.text = _shorten(note.text, 34)
    for trace in figure.data:
        # Plain lists, not binary arrays, so the browser-side view code can read them.
        x, y = _plain(trace.x), _plain(trace.y)
        # Cleared first: plotly keeps a numpy array when a list replaces it.
        trace.x, trace.y = None, None
        trace.x, trace.y = x, y
    # The key is HTML (chart_key): plotly.js's legend below the plot has as many rows as
    # the graph's width makes it, so the margins it needs are not known until drawn.
    figure.update_layout(
        margin=chart_margins.fit(dict(l=8, r=8, t=40, b=8), b=chart_margins.X_TICK_BAND),
        showlegend=False,
        uirevision="measure",
    )
    return figure


def fit_value_axis(figure: go.Figure) -> go.Figure:
    """Start the chart's left margin at the width its value axis will need.

    The y range is the one :func:`apply_view` set; without one (an empty chart, or the
    axis left to autorange) the margin stays for plotly.js to widen.
    """
    axis = figure.layout.yaxis
    if axis.range is None or axis.autorange:
        return figure
    low, high = axis.range
    width = chart_margins.value_axis_width(
        low,
        high,
        prefix=axis.tickprefix or "",
        spec=axis.tickformat or "",
        suffix=axis.ticksuffix or "",
    )
    margin = figure.layout.margin.to_plotly_json()
    reach = width + chart_margins.VALUE_AXIS_TITLE_BAND
    figure.update_layout(margin=chart_margins.fit(margin, l=reach))
    return figure


def fit_ranked_bars(bars: dict) -> dict:
    """Start the ranked bars' left margin at their widest neighborhood name."""
    names = bars["data"][0]["y"] if bars.get("data") else []
    width = chart_margins.category_axis_width(names)
    bars["layout"]["margin"] = chart_margins.fit(
        dict(l=8, r=16, t=36, b=8),
        l=width + chart_margins.CATEGORY_AXIS_GAP,
        b=chart_margins.X_TICK_BAND,
    )
    return bars


def fit_colorbar(mapped: dict) -> dict:
    """Start the map's right margin at the width of its colour bar and its labels."""
    values = [trace for trace in mapped.get("data", []) if trace.get("colorbar")]
    numbers = [z for trace in values for z in trace.get("z") or [] if z is not None]
    if not numbers:
        return mapped
    bar = values[0]["colorbar"]
    width = chart_margins.value_axis_width(
        min(numbers),
        max(numbers),
        prefix=bar.get("tickprefix", ""),
        spec=bar.get("tickformat", ""),
        suffix=bar.get("ticksuffix", ""),
    )
    margin = mapped["layout"]["margin"]
    mapped["layout"]["margin"] = chart_margins.fit(margin, r=width + chart_margins.COLORBAR_BAND)
    return mapped


#: The key's order: the series first, then the layers in the order of the switches.
_KEY_ORDER = ("history", REFERENCE, *figures.ALL_LAYERS[1:])
#: Names the key gives traces whose plotly.js name says less than the key needs.
_KEY_NAMES = {"Lower natural limit": "Natural limits", "Upper natural limit": "Natural limits"}
#: Marker symbols as text, for the key.
_KEY_SYMBOLS = {"diamond": "◆", "triangle-up": "▲", "star": "★", "circle": "●"}
_DASH_STYLES = {"dot": "dotted", "dash": "dashed"}


def chart_key(figure: go.Figure) -> html.Ul | None:
    """The main chart's key, in HTML below the chart instead of plotly.js's legend.

    One entry per named trace, and one each for annotated periods and events, with a
    swatch drawn in the trace's own style, so the key stays true to the figure. Entries
    carry their layer (``data-layer``); measure.css dims those whose switch is off.
    """
    entries: dict[str, tuple[str, html.Span]] = {}  # label: (layer, swatch)
    for trace in figure.data:
        label = _KEY_NAMES.get(trace.name, trace.name)
        if label and label not in entries and trace.meta in _KEY_ORDER:
            entries[label] = (trace.meta, _swatch(trace))
    kinds = {shape.type for shape in figure.layout.shapes if shape.name == ANNOTATION_NAME}
    if "rect" in kinds:
        period = html.Span(
            className="key-swatch key-band key-period", style={"background": theme.PURPLE}
        )
        entries["Annotated period"] = ("annotations", period)
    if "line" in kinds:
        event = html.Span(
            className="key-swatch key-line", style={"borderTop": f"2px dashed {theme.PURPLE}"}
        )
        entries["Annotated event"] = ("annotations", event)
    if not entries:
        return None

    def rank(entry) -> tuple:
        # By layer; within one, lines and markers as drawn, then bands by name (80% first).
        label, (layer, swatch) = entry
        band = "key-band" in swatch.className
        return _KEY_ORDER.index(layer), band, label if band else ""

    return html.Ul(
        [
            html.Li([swatch, label], className="chart-key-entry", **{"data-layer": layer})
            for label, (layer, swatch) in sorted(entries.items(), key=rank)
        ],
        className="chart-key",
        **{"aria-label": "Key to the chart"},
    )


def _swatch(trace) -> html.Span:
    """A small sample of how ``trace`` is drawn: a band, a marker or a line."""
    if trace.fill in ("tonexty", "toself") and trace.fillcolor:
        return html.Span(className="key-swatch key-band", style={"background": trace.fillcolor})
    if trace.mode == "markers":
        symbol = _KEY_SYMBOLS.get(trace.marker.symbol, "●")
        return html.Span(
            symbol,
            className="key-swatch key-marker",
            style={"color": trace.marker.color},
            **{"aria-hidden": "true"},
        )
    line = trace.line
    style = _DASH_STYLES.get(line.dash, "solid")
    width = max(2, math.ceil(line.width or 2))
    return html.Span(
        className="key-swatch key-line",
        style={"borderTop": f"{width}px {style} {line.color}", "opacity": trace.opacity or 1},
    )


def _shorten(text: str | None, limit: int) -> str:
    """``text`` cut at a word boundary to ``limit`` characters, with an ellipsis."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"


def _axis_title(measure) -> str:
    return {"percent": "Percent", "currency": "Dollars", "rate": "Rate"}.get(
        measure.unit, measure.unit.capitalize()
    )


def _action_dates(actions: pd.DataFrame | None) -> pd.DataFrame | None:
    if actions is None or actions.empty:
        return None
    frame = actions.copy()
    frame["due_date"] = pd.to_datetime(frame["due_date"])
    frame["completed_at"] = pd.to_datetime(frame["completed_at"]).dt.normalize()
    return frame.dropna(subset=["due_date"])


def _plain(values):
    if values is None:
        return None
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
            out.append(None)
        elif isinstance(v, pd.Timestamp | np.datetime64):
            out.append(pd.Timestamp(v).strftime("%Y-%m-%d"))
        elif isinstance(v, np.generic):
            item = v.item()
            out.append(None if isinstance(item, float) and math.isnan(item) else item)
        else:
            out.append(v)
    return out


def apply_view(figure: go.Figure, view: View) -> go.Figure:
    """Show only the view's layers and zoom to its months (y fitted to what is visible).

    ``assets/statroom/measure.js`` (``statroom_measure.view``) does the same in the
    browser when the user changes the view.
    """
    on = set(view.layers)
    for trace in figure.data:
        if trace.meta in figures.ALL_LAYERS:
            trace.visible = trace.meta in on
    for item in (*figure.layout.shapes, *figure.layout.annotations):
        if item.name == ANNOTATION_NAME:
            item.visible = "annotations" in on
    x0, x1 = x_range(view.start, view.end)
    figure.update_layout(
        xaxis=dict(range=[x0.strftime("%Y-%m-%d"), x1.strftime("%Y-%m-%d")], autorange=False)
    )
    y = y_range(figure.data, x0.strftime("%Y-%m-%d"), x1.strftime("%Y-%m-%d"))
    # Only the value axis: the action markers sit on their own fixed axis (yaxis2).
    if y:
        figure.update_layout(yaxis=dict(range=y, autorange=False))
    else:
        figure.update_layout(yaxis=dict(autorange=True))
    return figure


def y_range(traces, x0: str, x1: str, pad: float = 0.06) -> list[float] | None:
    """The y extent of the visible traces over [x0, x1] (ISO dates), padded.

    A point counts when it is inside the window or joined by a line segment to a point
    that is (so a target step spanning the whole window still counts). Traces on the
    second axis (action markers) are ignored.
    """
    low, high = math.inf, -math.inf
    for trace in traces:
        if trace.visible in (False, "legendonly") or getattr(trace, "yaxis", None) == "y2":
            continue
        xs = [] if trace.x is None else list(trace.x)
        ys = [] if trace.y is None else list(trace.y)
        for i, (x, y) in enumerate(zip(xs, ys, strict=False)):
            if x is None or y is None or not _is_number(y):
                continue
            inside = x0 <= str(x)[:10] <= x1
            if not inside:
                for j in (i - 1, i + 1):
                    if 0 <= j < len(xs) and xs[j] is not None and ys[j] is not None:
                        a, b = sorted((str(x)[:10], str(xs[j])[:10]))
                        if a <= x1 and b >= x0:
                            inside = True
            if inside:
                low, high = min(low, float(y)), max(high, float(y))
    if not math.isfinite(low):
        return None
    span = high - low or abs(high) * 0.1 or 1.0
    return [low - pad * span, high + pad * span]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


# -- links to a neighborhood's view --------------------------------------------------------


def geo_href(measure_id: str, geography: str | None, view: View) -> str:
    return f"/measure/{quote(measure_id, safe='')}" + view_query(view, geography)


def geo_link(label, measure_id: str, geography: str, view: View, **kwargs) -> dcc.Link:
    """A link to a neighborhood's (or the citywide) view that keeps the current layers and
    range; the browser keeps its href up to date as the view changes."""
    return dcc.Link(
        label,
        href=geo_href(measure_id, geography, view),
        id={"type": "measure-geo-link", "geo": geography},
        **kwargs,
    )


# -- panels --------------------------------------------------------------------------------


def reading_block(title: str, reading: Reading | None, extra=None) -> html.Div | None:
    """One statement of the stats panel: a small heading, the headline with an icon, the detail."""
    if reading is None:
        return None
    return html.Div(
        [
            html.H3(title, className="reading-title"),
            html.P(
                [
                    html.I(
                        className=f"bi {_TONE_ICONS.get(reading.tone, _TONE_ICONS['neutral'])} me-2",
                        **{"aria-hidden": "true"},
                    ),
                    reading.headline,
                ],
                className=f"reading-headline reading-tone-{reading.tone}",
            ),
            html.P(reading.detail, className="reading-detail") if reading.detail else None,
            extra,
        ],
        className="reading",
    )


def stats_panel(measure, payload: dict | None, citywide: dict | None, geography_name: str | None):
    """Trend, changes, control chart, and (citywide) the target outlook and forecast."""
    payload = payload or {}
    frequency = measure.frequency
    window = (payload.get("trend") or {}).get("window_periods")
    trend_title = f"Trend, last {window} {period_noun(frequency, window)}" if window else "Trend"
    changes = payload.get("changes") or {}
    blocks = [
        reading_block(trend_title, explain.trend_reading(payload.get("trend"), measure, frequency)),
        reading_block(
            f"Against the previous {period_noun(frequency)}",
            explain.change_reading(changes.get("vs_previous"), measure, frequency),
        ),
        reading_block(
            "Against a year earlier",
            explain.change_reading(changes.get("vs_last_year"), measure, frequency),
        ),
        reading_block(
            "Control chart", explain.control_reading(payload.get("control"), measure, frequency)
        ),
    ]
    if geography_name:
        row = payload.get("equity") or {}
        shown_in = explain.equity_unit(measure, row.get("basis"), [row.get("citywide_value")])
        equity = explain.equity_reading(payload.get("equity"), shown_in, frequency)
        blocks.insert(0, reading_block("Against the city", equity))
        blocks.append(
            html.Div(
                [
                    html.H3("Target outlook and forecast", className="reading-title"),
                    html.P(
                        "Forecasts are citywide only. Go back to citywide to see the forecast "
                        "band and the chance of meeting the target.",
                        className="reading-detail",
                    ),
                ],
                className="reading",
            )
        )
    else:
        target = (citywide or {}).get("target") or {}
        outlook = target.get("outlook")
        calibration = explain.calibration_reading(outlook or (citywide or {}).get("forecast"))
        trust = (
            html.P(
                [
                    html.Span(
                        ["Forecast track record: ", html.Strong(calibration.headline)],
                        className=f"calibration-label reading-tone-{calibration.tone}",
                    ),
                    html.Br(),
                    html.Span(calibration.detail, className="small-muted"),
                ],
                className="calibration mb-0",
            )
            if outlook and outlook.get("probability") is not None
            else None
        )
        blocks.append(
            reading_block(
                "Target outlook",
                explain.outlook_reading(outlook, measure, measure.direction, frequency),
                trust,
            )
        )
        blocks.append(
            reading_block(
                "Forecast", explain.forecast_reading((citywide or {}).get("forecast"), frequency)
            )
        )
    return dbc.Card(
        dbc.CardBody(
            [html.H2("What the numbers say", className="h5 card-title"), *[b for b in blocks if b]]
        ),
        className="measure-stats",
    )


def annotation_notes(annotations: pd.DataFrame) -> html.Div | None:
    """The chart's annotations in full, oldest first: when, what, and why it matters."""
    if annotations is None or annotations.empty:
        return None
    items = []
    for row in annotations.sort_values("start_date").itertuples(index=False):
        when = pd.Timestamp(row.start_date).strftime("%b %Y")
        if pd.notna(row.end_date):
            end = pd.Timestamp(row.end_date).strftime("%b %Y")
            when = f"{when} – {end}" if end != when else when
        items.append(
            html.Li(
                [
                    html.Span(when, className="note-when"),
                    html.Strong(row.label),
                    html.Span(f": {row.description}") if row.description else None,
                    html.Span(" (applies to every measure)", className="small-muted")
                    if row.measure_id is None or pd.isna(row.measure_id)
                    else None,
                ]
            )
        )
    return html.Div(
        [html.H3("Notes on the chart", className="reading-title"), html.Ul(items)],
        className="chart-notes",
    )


def series_table_component(frame: pd.DataFrame, measure, caption: str) -> dbc.Table:
    """The chart's data as an accessible table, newest first."""
    has_parts = frame[["numerator", "denominator"]].notna().any().any()
    has_target = frame["target"].notna().any()
    head = ["Period", "Value"]
    if has_parts:
        head += ["Numerator", "Denominator"]
    if has_target:
        head += ["Target", "Status"]
    rows = []
    for row in frame.sort_values("period", ascending=False).itertuples(index=False):
        cells = [
            html.Th(period_label(row.period, measure.frequency), scope="row"),
            html.Td(explain.value_text(row.value, measure), className="num"),
        ]
        if has_parts:
            cells += [
                html.Td(_plain_number(row.numerator), className="num"),
                html.Td(_plain_number(row.denominator), className="num"),
            ]
        if has_target:
            cells += [
                html.Td(
                    explain.value_text(row.target, measure) if pd.notna(row.target) else "–",
                    className="num",
                ),
                html.Td(target_badge(row.status) if row.status != "no_target" else "No target"),
            ]
        rows.append(html.Tr(cells))
    return dbc.Table(
        [
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(rows),
        ],
        size="sm",
        striped=True,
        hover=True,
        class_name="measure-data-table mb-0",
    )


def _plain_number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"


def csv_frame(frame: pd.DataFrame, measure_id: str, geography: str) -> pd.DataFrame:
    """The table as downloaded: which measure and where, then the period rows."""
    out = frame.copy()
    out.insert(0, "geography_id", geography)
    out.insert(0, "measure_id", measure_id)
    return out


def cross_section(equity: dict | None) -> pd.DataFrame:
    """The equity block's neighborhood rows as the frame the map and bars take."""
    columns = [
        "geography_id",
        "name",
        "value",
        "lower",
        "upper",
        "suppressed",
        "suppression_reason",
        "equity_priority",
        "gap",
        "significant",
        "assessment",
    ]
    rows = (equity or {}).get("geographies") or []
    frame = pd.DataFrame(rows).reindex(columns=columns)
    for column in ("value", "lower", "upper", "gap"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["suppressed"] = frame["suppressed"].fillna(False).astype(bool)
    frame["equity_priority"] = frame["equity_priority"].fillna(False).astype(bool)
    return frame


def neighborhood_rank_table(
    frame: pd.DataFrame,
    unit_info,
    measure_id: str,
    direction: str,
    caption: str,
    view: View,
) -> dbc.Table:
    """Neighborhoods best first (suppressed last), each a link to its own series.

    ``unit_info`` writes the values (:func:`analytics.explain.equity_unit`).
    """
    measure = unit_info
    shown = frame[~frame["suppressed"]].sort_values(
        "value", ascending=direction == "lower_is_better"
    )
    hidden = frame[frame["suppressed"]].sort_values("name")
    rows = []
    for rank, row in enumerate(shown.itertuples(index=False), start=1):
        interval = (
            f"{explain.value_text(row.lower, measure)} to {explain.value_text(row.upper, measure)}"
            if pd.notna(row.lower) and pd.notna(row.upper)
            else "–"
        )
        if pd.isna(row.gap):
            against = "–"
        else:
            word = (
                row.assessment
                if row.assessment in ("better", "worse")
                else ("higher" if row.gap > 0 else "lower")
            )
            real = "a real difference" if row.significant else "could be chance"
            against = f"{explain.amount(row.gap, measure)} {word} ({real})"
        rows.append(
            html.Tr(
                [
                    html.Td(str(rank), className="num"),
                    html.Th(_neighborhood_cell(row, measure_id, view), scope="row"),
                    html.Td(explain.value_text(row.value, measure), className="num"),
                    html.Td(interval, className="num"),
                    html.Td(against),
                ]
            )
        )
    for row in hidden.itertuples(index=False):
        reason = row.suppression_reason or "too few cases"
        rows.append(
            html.Tr(
                [
                    html.Td("–", className="num"),
                    html.Th(_neighborhood_cell(row, measure_id, view), scope="row"),
                    html.Td("Not shown", className="num"),
                    html.Td("–", className="num"),
                    html.Td(f"Suppressed: {reason}"),
                ]
            )
        )
    head = ["Rank", "Neighborhood", "Value", "95% interval", "Against citywide"]
    return dbc.Table(
        [
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(rows),
        ],
        size="sm",
        striped=True,
        hover=True,
        class_name="measure-data-table mb-0",
    )


def _neighborhood_cell(row, measure_id: str, view: View):
    label = [row.name]
    if row.equity_priority:
        label.append(html.Span(" ★", title="Equity-priority neighborhood"))
    return geo_link(label, measure_id, row.geography_id, view)


def neighborhood_summary(equity: dict, unit_info, frequency: str, counted: str = "") -> list:
    """Sentences above the map: what is compared, the spread, priority areas, suppression.

    ``unit_info`` writes the values (:func:`analytics.explain.equity_unit`); ``counted`` is
    what a count measure counts ("reports"), for per-capita comparisons.
    """
    measure = unit_info
    period = period_label(pd.Timestamp(equity["period"]), frequency)
    noun = explain.basis_noun(equity.get("basis"), counted)
    interval = " with its 95% interval" if equity.get("interval_method") else ""
    lines = [
        f"Latest period: {period}. Each neighborhood's {noun}{interval}; citywide: "
        f"{explain.value_text(equity.get('citywide_value'), measure)}."
    ]
    ratio = equity.get("disparity_ratio")
    names = {g["geography_id"]: g["name"] for g in equity.get("geographies") or []}
    worst, best = names.get(equity.get("worst_geography")), names.get(equity.get("best_geography"))
    if ratio and worst and best:
        lines.append(
            f"The worst-off neighborhood ({worst}) is {ratio:.1f} times the best-off ({best})."
        )
    pvr = equity.get("priority_vs_rest") or {}
    if pvr.get("priority") is not None and pvr.get("rest") is not None:
        verdict = {"better": ", better", "worse": ", worse"}.get(pvr.get("assessment"), "")
        lines.append(
            f"Equity-priority neighborhoods (★) together: "
            f"{explain.value_text(pvr['priority'], measure)} against "
            f"{explain.value_text(pvr['rest'], measure)} elsewhere{verdict}."
        )
    suppressed = equity.get("n_suppressed") or 0
    if suppressed:
        total = equity.get("n_geographies") or len(names)
        lines.append(
            f"{suppressed} of {total} neighborhoods have too few cases to show reliably; they "
            "are grey on the map and listed at the end of the table."
        )
    return lines


def about_panel(measure, payload: dict | None, computed_at, state: explain.Staleness):
    """Definition, source, ownership and freshness of the measure."""
    payload = payload or {}
    latest = payload.get("latest_period")
    latest_text = period_label(pd.Timestamp(latest), measure.frequency) if latest else "No data yet"
    freshness = [explain.staleness_text(state, measure.frequency)]
    if state.stale:
        freshness = [stale_badge(freshness[0]), " ", freshness[0]]
    notes = [*(payload.get("notes") or []), *((payload.get("errors") or {}).values())]
    items = [
        ("What it measures", measure.description),
        ("How it is measured", measure.methodology),
        ("Source", measure.data_source),
        ("Department", measure.department),
        ("Owner", measure.owner),
        ("Updates", explain.update_schedule(measure.frequency, measure.update_lag_days)),
        ("Latest data", latest_text),
        ("Freshness", freshness),
        ("Definition or data last changed", explain.date_text(measure.updated_at)),
        ("Statistics computed", explain.date_text(computed_at) if computed_at else "Not yet"),
        ("Published", "Public" if measure.is_public else "Internal: staff only"),
    ]
    if notes:
        items.append(("Notes", html.Ul([html.Li(str(n)) for n in notes], className="mb-0")))
    body = []
    for term, detail in items:
        if detail in (None, "", []):
            continue
        body += [html.Dt(term), html.Dd(detail)]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("About the data", className="h5 card-title"),
                html.Dl(body, className="about-list"),
            ]
        ),
        className="measure-about h-100",
    )


def actions_panel(actions: pd.DataFrame, today, actions_page: bool) -> dbc.Card:
    """The measure's open action items: what, who, when, and whether it is overdue."""
    if actions.empty:
        content = [html.P("No open action items for this measure.", className="small-muted mb-0")]
    else:
        rows = []
        for row in actions.itertuples(index=False):
            due = explain.due_reading(row.due_date, today)
            flag = html.Span(
                [
                    html.I(
                        className=f"bi {_TONE_ICONS['worse'] if due.tone == 'worse' else 'bi-calendar-event'} me-1",
                        **{"aria-hidden": "true"},
                    ),
                    due.headline,
                ],
                className=f"due due-{due.tone}",
            )
            rows.append(
                html.Tr(
                    [
                        html.Td(row.description),
                        html.Td(row.owner or "–"),
                        html.Td([html.Div(due.detail or "–"), flag]),
                        html.Td(str(row.status).replace("_", " ").capitalize()),
                    ]
                )
            )
        content = [
            dbc.Table(
                [
                    html.Caption("Open action items linked to this measure, soonest due first"),
                    html.Thead(
                        html.Tr(
                            [html.Th(h, scope="col") for h in ("Action", "Owner", "Due", "Status")]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                class_name="measure-actions-table mb-0",
            )
        ]
    if actions_page:
        content.append(html.P(dcc.Link("All action items", href="/actions"), className="mt-2 mb-0"))
    return dbc.Card(
        dbc.CardBody([html.H2("Open action items", className="h5 card-title"), *content]),
        className="measure-actions h-100",
    )
