"""Layout pieces of the neighborhood explorer (``/equity``): controls, map, ranking, gap over
time, small multiples, group comparison, key figures and the table.

Everything is built from an :class:`ExplorerData` (plain values gathered by the page) and
the pure helpers in :mod:`analytics.equity_view`. Neighborhood and measure names are
untrusted text: they render as Dash text, and pass through :func:`plot_text` in figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from analytics.equity_view import (
    GAP_VERDICT_LABELS,
    TREND_YEARS,
    GroupValue,
    ValueDisplay,
    basis_words,
    comparison_sentence,
    gap_description,
    gap_frame,
    gap_sentence,
    key_figures,
    measure_href,
    overview_sentence,
)
from analytics.periods import period_label
from components import figures, theme
from components.figures import plot_text

#: Pixels per bar in the ranking (the builder's own spacing), and the visible height.
BAR_PIXELS = 22
#: Characters per line of a neighborhood label in the ranking and the small multiples.
LABEL_WIDTH = 26
#: Small-multiple titles are narrower: six panels share a row even on a 1024-pixel screen.
MULTIPLES_LABEL_WIDTH = 19
RANKING_VIEWPORT = 620
MAP_HEIGHT = 520
#: Reference lines (citywide, the period shown): readable on light and dark cards.
REFERENCE_GREY = "#868e96"
#: Plotly's geo charts load a base-map topology even when the base map is hidden, from a
#: CDN by default, which the content security policy (and offline city networks) block.
#: An empty topology is served from our assets instead: the map draws only our boundaries.


@dataclass
class ExplorerData:
    """Everything one view of the explorer shows (gathered by ``pages/equity.py``)."""

    measure_id: str
    measure_name: str
    unit: str
    direction: str
    frequency: str
    data_source: str
    period: str  # the period shown, ISO date
    latest: str  # the latest period with stored statistics, ISO date
    block: dict
    frame: pd.DataFrame
    display: ValueDisplay
    groups: tuple[GroupValue, GroupValue] | None
    boundaries: dict
    trend_panel: pd.DataFrame
    trend_citywide: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def when(self) -> str:
        return period_label(pd.Timestamp(self.period), self.frequency)

    @property
    def names(self) -> dict[str, str]:
        return dict(zip(self.frame["geography_id"], self.frame["name"], strict=True))


# -- controls ---------------------------------------------------------------------------------------


def measure_options(measures, areas) -> list[dict]:
    """Dropdown options grouped by priority area: a disabled heading per area, then its
    measures. ``search`` carries the area name, so typing "health" finds its measures."""
    options = []
    for area in areas:
        members = [m for m in measures if m.area_id == area.id]
        if not members:
            continue
        options.append(
            {
                "label": html.Span(area.name, className="equity-option-group"),
                "value": f"area:{area.id}",
                "disabled": True,
                "search": area.name,
            }
        )
        for m in members:
            options.append(
                {
                    "label": html.Span(m.name, className="equity-option"),
                    "value": m.id,
                    "search": f"{m.name} {m.short_name} {area.name}",
                }
            )
    return options


def controls(ids, *, measure_opts, measure_value, period_opts, period_value, earlier, later):
    """The measure and period pickers, with buttons to step one period back or forward."""
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Measure", html_for=ids.measure, class_name="fw-semibold"),
                            dcc.Dropdown(
                                id=ids.measure,
                                options=measure_opts,
                                value=measure_value,
                                clearable=False,
                                searchable=True,
                                maxHeight=420,
                                className="equity-measure-picker",
                            ),
                        ],
                        lg=6,
                        xl=7,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Period", html_for=ids.period, class_name="fw-semibold"),
                            html.Div(
                                [
                                    dbc.Button(
                                        [
                                            html.I(
                                                className="bi bi-chevron-left",
                                                **{"aria-hidden": "true"},
                                            ),
                                            html.Span("Earlier", className="ms-1"),
                                        ],
                                        id=ids.earlier,
                                        color="secondary",
                                        outline=True,
                                        disabled=earlier,
                                        title="Show the period before",
                                    ),
                                    dcc.Dropdown(
                                        id=ids.period,
                                        options=period_opts,
                                        value=period_value,
                                        clearable=False,
                                        searchable=True,
                                        maxHeight=360,
                                        className="equity-period-picker",
                                    ),
                                    dbc.Button(
                                        [
                                            html.Span("Later", className="me-1"),
                                            html.I(
                                                className="bi bi-chevron-right",
                                                **{"aria-hidden": "true"},
                                            ),
                                        ],
                                        id=ids.later,
                                        color="secondary",
                                        outline=True,
                                        disabled=later,
                                        title="Show the period after",
                                    ),
                                ],
                                className="equity-period-row",
                            ),
                        ],
                        lg=6,
                        xl=5,
                    ),
                ],
                className="g-3",
            )
        ),
        className="equity-controls mb-4",
    )


# -- the views ---------------------------------------------------------------------------------------


def explorer_views(data: ExplorerData, ids) -> list:
    """Every panel of one view, top to bottom."""
    notes = [
        dbc.Alert(note, color="info", className="equity-note py-2", dismissable=False)
        for note in data.notes
    ]
    return [
        *notes,
        _overview(data),
        dbc.Row(
            [
                dbc.Col(_map_card(data, ids), xl=6, className="mb-4"),
                dbc.Col(_ranking_card(data, ids), xl=6, className="mb-4"),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(_groups_card(data), xl=5, className="mb-4"),
                dbc.Col(_gap_card(data, ids), xl=7, className="mb-4"),
            ]
        ),
        _multiples_card(data, ids),
        _table_card(data, ids),
        _about_card(data),
    ]


def empty_views(message: str, ids) -> list:
    """No data to show: say why, and keep the graphs (callbacks listen to them)."""
    hidden = {"display": "none"}
    return [
        dbc.Alert(message, color="warning", className="equity-note"),
        *[
            dcc.Graph(id=i, figure=figures.empty_figure(""), style=hidden)
            for i in (ids.map, ids.bars, ids.gap, ids.multiples)
        ],
    ]


def _overview(data: ExplorerData) -> html.Section:
    sentence = overview_sentence(
        data.block,
        data.frame,
        data.display,
        measure_name=data.measure_name,
        when=data.when,
        direction=data.direction,
    )
    tiles = [
        dbc.Col(
            html.Div(
                [
                    html.Div(f.label, className="equity-figure-label"),
                    html.Div(
                        [
                            html.Span(f.value, className="equity-figure-value"),
                            html.Span(f" {f.unit}", className="equity-figure-unit")
                            if f.unit
                            else None,
                        ]
                    ),
                    html.P(f.explanation, className="equity-figure-help small-muted mb-0"),
                ],
                className=f"equity-figure equity-figure-{f.key}",
            ),
            md=6,
            lg=4,
            xl=True,
        )
        for f in key_figures(data.block, data.display, data.names, data.direction)
    ]
    return html.Section(
        [
            html.H2(
                [data.measure_name, html.Span(f" · {data.when}", className="equity-when")],
                className="h4 mb-2",
            ),
            html.P(sentence, className="equity-overview"),
            dbc.Row(tiles, className="g-3 equity-figures"),
        ],
        className="mb-4",
        **{"aria-label": "Summary"},
    )


def _legend_swatch(css: str) -> html.Span:
    return html.Span(className=f"equity-swatch {css}", **{"aria-hidden": "true"})


def _map_card(data: ExplorerData, ids) -> dbc.Card:
    frame = data.frame
    shown = frame[~frame["suppressed"] & frame["value"].notna()]
    n_hidden = int(frame["suppressed"].sum())
    n_missing = int((~frame["suppressed"] & frame["value"].isna()).sum())
    darker = {
        "lower_is_better": "Darker means a higher value, which is worse for this measure.",
        "higher_is_better": "Darker means a lower value, which is worse for this measure.",
    }.get(data.direction, "Darker means a higher value.")
    legend = [
        html.Li([_legend_swatch("equity-swatch-scale"), darker]),
        html.Li(
            [
                _legend_swatch("equity-swatch-suppressed"),
                f"Grey: too few cases to show ({n_hidden} "
                f"neighborhood{'s' if n_hidden != 1 else ''}).",
            ]
        )
        if n_hidden
        else None,
        html.Li(f"Not reported: {n_missing} neighborhood{'s' if n_missing != 1 else ''}.")
        if n_missing
        else None,
        html.Li(
            "Select a neighborhood on the map or in the ranking (or use the links in the "
            "table below) to open its trend on the measure page."
        ),
    ]
    return dbc.Card(
        [
            dbc.CardHeader(html.H3("Map", className="h6 mb-0")),
            dbc.CardBody(
                [
                    html.Div(
                        dcc.Graph(
                            id=ids.map,
                            figure=map_figure(data) if len(frame) else figures.empty_figure(""),
                            config=figures.map_config(),
                            className="equity-map",
                        ),
                        role="figure",
                        **{"aria-label": f"Map of {data.measure_name} by neighborhood"},
                    ),
                    html.Ul([li for li in legend if li is not None], className="equity-legend"),
                    html.P(
                        f"{len(shown)} neighborhoods shown in colour.",
                        className="visually-hidden",
                    ),
                ]
            ),
        ],
        className="h-100",
    )


def map_figure(data: ExplorerData) -> dict:
    """The choropleth: "worse" is darker whatever the direction (Cividis); suppressed
    neighborhoods grey, with "too few cases" on hover. A plain figure dict."""
    frame = data.frame
    display = data.display
    figure = figures.choropleth_dict(
        frame[["geography_id", "name", "value", "suppressed"]],
        data.boundaries,
        unit=display.unit,
        decimals=display.decimals,
        height=MAP_HEIGHT,
        # reversescale=True puts the dark end of Cividis on the highest value.
        reverse=data.direction != "higher_is_better",
    )
    shown = frame[~frame["suppressed"]]
    values = figure["data"][0]  # the "Value" trace
    values["customdata"] = [
        [
            plot_text(name),
            display.number(value),
            _interval_text(display, lo, hi),
            "<br>Equity-priority neighborhood" if prio else "",
        ]
        for name, value, lo, hi, prio in zip(
            shown["name"],
            shown["value"],
            shown["lower"],
            shown["upper"],
            shown["equity_priority"],
            strict=True,
        )
    ]
    values["hovertemplate"] = (
        "<b>%{customdata[0]}</b><br>%{customdata[1]}"
        "<br>95% interval: %{customdata[2]}%{customdata[3]}<extra></extra>"
    )
    values["colorbar"].update(
        title=dict(text=plot_text(display.label), side="top"),
        orientation="h",
        thickness=12,
        len=0.6,
        x=0.5,
        xanchor="center",
        y=-0.02,
        yanchor="top",
    )
    layout = figure["layout"]
    # Mercator keeps a city's shape; the default projection stretches it sideways.
    layout["geo"]["projection"] = dict(type="mercator")
    layout.update(margin=dict(l=0, r=0, t=0, b=70), hoverlabel=dict(namelength=-1))
    return figure


def _interval_text(display: ValueDisplay, lo, hi) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return "not available"
    return f"{display.number(lo)}–{display.number(hi)}"


def _ranking_card(data: ExplorerData, ids) -> dbc.Card:
    frame = data.frame
    ranked = frame[~frame["suppressed"] & frame["value"].notna()]
    hidden = frame[frame["suppressed"]]
    order = {
        "lower_is_better": "Best (lowest) at the top.",
        "higher_is_better": "Best (highest) at the top.",
    }.get(data.direction, "Highest at the top.")
    body = [
        html.Div(
            dcc.Graph(
                id=ids.bars,
                figure=bars_figure(data) if len(ranked) else figures.empty_figure(""),
                config={"displayModeBar": False},
                style={} if len(ranked) else {"display": "none"},
            ),
            className="equity-ranking-scroll",
            style={"maxHeight": f"{RANKING_VIEWPORT}px"},
            tabIndex="0",
            role="region",
            **{"aria-label": "Neighborhood ranking (scrollable)"},
        ),
    ]
    if not len(ranked):
        body.insert(
            0,
            html.P(
                "No neighborhood has enough cases in this period to rank reliably. "
                "Pick another period, or see the gap over time below, which pools "
                "neighborhoods together.",
                className="equity-empty",
            ),
        )
    legend = html.Ul(
        [
            html.Li(f"{order} Whiskers: 95% interval. Dashed line: citywide value."),
            html.Li(
                [
                    _legend_swatch("equity-swatch-priority"),
                    "★ Orange: equity-priority neighborhood; ",
                    _legend_swatch("equity-swatch-other"),
                    "blue: other neighborhoods.",
                ]
            ),
            html.Li(
                html.Details(
                    [
                        html.Summary(
                            f"{len(hidden)} neighborhood{'s' if len(hidden) != 1 else ''} "
                            "not ranked: too few cases"
                        ),
                        html.P(
                            ", ".join(sorted(hidden["name"].astype(str))) + ".", className="mb-0"
                        ),
                    ],
                    className="equity-details",
                )
            )
            if len(hidden)
            else None,
        ],
        className="equity-legend",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.H3(
                    f"Ranking of {len(ranked)} neighborhood{'s' if len(ranked) != 1 else ''}"
                    if len(ranked)
                    else "Ranking",
                    className="h6 mb-0",
                )
            ),
            dbc.CardBody([*body, legend]),
        ],
        className="h-100",
    )


def bars_figure(data: ExplorerData) -> dict:
    """Ranked bars with intervals and the citywide line; the value axis on top, so it stays
    in view at the top of the scrolling box. A plain figure dict."""
    display = data.display
    frame = data.frame
    ranked = frame[~frame["suppressed"] & frame["value"].notna()]
    labels = {
        gid: _wrapped_title(name + (" ★" if prio else ""), LABEL_WIDTH)
        for gid, name, prio in zip(
            ranked["geography_id"], ranked["name"], ranked["equity_priority"], strict=True
        )
    }
    # Long names break over two lines instead of squeezing the bars; give those rows room.
    pixels = BAR_PIXELS + (6 if any("<br>" in label for label in labels.values()) else 0)
    figure = figures.ranked_bars_dict(
        frame[["geography_id", "name", "value", "lower", "upper", "suppressed", "equity_priority"]],
        unit=display.unit,
        decimals=display.decimals,
        citywide=data.block.get("citywide_value"),
        direction=data.direction,
        height=max(260, pixels * len(ranked) + 90),
    )
    bars = figure["data"][0]
    bars["y"] = [
        labels.get(gid, label) for gid, label in zip(bars["customdata"], bars["y"], strict=True)
    ]
    layout = figure["layout"]
    layout["xaxis"].update(side="top", title=dict(text=plot_text(display.label)))
    layout["yaxis"]["tickfont"] = dict(size=13)
    # The legend below names the dashed citywide line; a label would sit on the ticks.
    del layout["annotations"]
    for shape in layout["shapes"]:  # the citywide line, visible on both themes
        shape["line"]["color"] = REFERENCE_GREY
    layout["margin"].update(t=70, r=16, b=8)
    return figure


def _groups_card(data: ExplorerData) -> dbc.Card:
    display = data.display
    pvr = data.block.get("priority_vs_rest") or {}
    has_interval = bool(data.groups) and any(g.lower is not None for g in data.groups)
    rows = []

    def row(head, neighborhoods, value, interval, css=None):
        cells = [
            html.Th(head, scope="row"),
            html.Td(neighborhoods, className="text-end"),
            html.Td(value, className="text-end"),
            html.Td(interval) if has_interval else None,
        ]
        return html.Tr([c for c in cells if c is not None], className=css)

    if data.groups:
        for group in data.groups:
            rows.append(
                row(
                    group.name,
                    str(group.neighborhoods),
                    display.number(group.value),
                    _interval_text(display, group.lower, group.upper),
                )
            )
        ratio = pvr.get("ratio")
        rows.append(
            row(
                "Gap (priority − other)",
                "",
                _signed_number(display, pvr.get("gap")),
                "",
                "equity-gap-row",
            )
        )
        rows.append(
            row(
                "Ratio (priority ÷ other)",
                "",
                f"{ratio:,.2f}" if isinstance(ratio, float) else "–",
                "",
            )
        )
    header = [
        html.Th("Group", scope="col"),
        html.Th("Neighborhoods", scope="col", className="text-end"),
        html.Th("Value", scope="col", className="text-end"),
        html.Th("95% interval", scope="col") if has_interval else None,
    ]
    table = (
        dbc.Table(
            [
                html.Caption(
                    f"Pooled values, {data.when} ({display.label})",
                    className="small-muted",
                ),
                html.Thead(html.Tr([h for h in header if h is not None])),
                html.Tbody(rows),
            ],
            size="sm",
            className="equity-groups-table mb-2",
        )
        if rows
        else None
    )
    no_interval = (
        html.P(
            "No interval for pooled averages: the individual cases behind them are not available.",
            className="small-muted mb-0",
        )
        if data.groups and not has_interval
        else None
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.H3("Equity-priority neighborhoods and the rest", className="h6 mb-0")
            ),
            dbc.CardBody(
                [
                    html.P(comparison_sentence(data.block, data.groups, display, data.when)),
                    table,
                    no_interval,
                ]
            ),
        ],
        className="h-100",
    )


def _signed_number(display: ValueDisplay, value) -> str:
    """A signed difference: ``+1.9``, or ``−5.4 pts`` (percentage points) for percentages."""
    if value is None or pd.isna(value):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    if display.basis == "proportion":
        return f"{sign}{abs(float(value)):,.{display.decimals}f} pts"
    return sign + display.number(abs(value))


def verdict_badge(verdict: str | None) -> html.Span:
    text, icon, css = GAP_VERDICT_LABELS.get(
        verdict or "insufficient_data", GAP_VERDICT_LABELS["insufficient_data"]
    )
    return html.Span(
        [html.I(className=f"bi {icon} me-1", **{"aria-hidden": "true"}), text],
        className=f"badge status-badge {css} equity-verdict",
    )


def _gap_card(data: ExplorerData, ids) -> dbc.Card:
    gaps = gap_frame(data.block)
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.H3("Is the gap closing?", className="h6 mb-0"),
                        verdict_badge(data.block.get("gap_verdict")),
                    ],
                    className="d-flex justify-content-between align-items-center gap-2",
                )
            ),
            dbc.CardBody(
                [
                    html.P(gap_sentence(data.block, data.display, data.frequency)),
                    dcc.Graph(
                        id=ids.gap,
                        figure=gap_figure(data, gaps),
                        config={"displayModeBar": False},
                    ),
                    html.P(
                        [
                            gap_description(data.block, data.display, data.direction),
                            " The shaded span is the window the trend test looks at; the "
                            "dotted line marks the period shown above.",
                        ],
                        className="small-muted mb-2",
                    ),
                    _gap_table(data, gaps),
                ]
            ),
        ],
        className="h-100",
    )


def _gap_label(data: ExplorerData) -> str:
    unit = "percentage points" if data.display.basis == "proportion" else data.display.label
    if data.block.get("gap_kind") == "max_minus_min":
        return f"Highest − lowest ({unit})"
    return f"Gap ({unit})"


def gap_figure(data: ExplorerData, gaps: pd.DataFrame) -> dict | go.Figure:
    """The gap series with the selected period marked and the trend window shaded.
    A plain figure dict (a ``go.Figure`` when there is no gap to show)."""
    if gaps.empty or gaps["gap"].notna().sum() == 0:
        return figures.empty_figure("No gap to show: there are not enough neighborhood values.")
    display = data.display
    unit = "count" if display.basis == "proportion" else display.unit
    trend = data.block.get("gap_trend") or {}
    window = (trend.get("window_start"), trend.get("window_end"))
    figure = figures.gap_over_time(
        gaps,
        unit=unit,
        decimals=display.decimals,
        label=_gap_label(data),
        height=320,
        window=window if all(window) else None,
        marker=data.period,
    )
    figure["layout"]["margin"] = dict(t=16, r=8, b=8)
    return figure


def _gap_table(data: ExplorerData, gaps: pd.DataFrame) -> html.Details:
    display = data.display
    recent = gaps.dropna(subset=["gap"]).tail(24).iloc[::-1]
    max_min = data.block.get("gap_kind") == "max_minus_min"
    rows = [
        html.Tr(
            [
                html.Td(period_label(row.period, data.frequency)),
                html.Td(display.number(row.priority), className="text-end"),
                html.Td(display.number(row.rest), className="text-end"),
                html.Td(_signed_number(display, row.gap), className="text-end"),
            ]
        )
        for row in recent.itertuples(index=False)
    ]
    return html.Details(
        [
            html.Summary("The gap as a table (latest 24 periods)"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("Period", scope="col"),
                                html.Th(
                                    "Highest" if max_min else "Equity priority",
                                    scope="col",
                                    className="text-end",
                                ),
                                html.Th(
                                    "Lowest" if max_min else "Other",
                                    scope="col",
                                    className="text-end",
                                ),
                                html.Th("Gap", scope="col", className="text-end"),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                className="mt-2 mb-0",
            ),
        ],
        className="equity-details",
    )


def _multiples_card(data: ExplorerData, ids) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(
                html.H3(
                    f"Every neighborhood's trend: {TREND_YEARS} years to {data.when}",
                    className="h6 mb-0",
                )
            ),
            dbc.CardBody(
                [
                    html.Ul(
                        [
                            html.Li(
                                [
                                    _legend_swatch("equity-swatch-other"),
                                    "Neighborhood (",
                                    _legend_swatch("equity-swatch-priority"),
                                    "★ equity priority), ",
                                    _legend_swatch("equity-swatch-city"),
                                    "grey: citywide. All panels share one scale; the dotted "
                                    "line marks the period shown above."
                                    + (
                                        " Weekly values are averaged by month."
                                        if data.frequency in ("week", "day")
                                        else ""
                                    ),
                                ]
                            )
                        ],
                        className="equity-legend mb-1",
                    ),
                    dcc.Graph(
                        id=ids.multiples,
                        figure=multiples_figure(data),
                        config={"displayModeBar": False, "staticPlot": True},
                    ),
                ]
            ),
        ],
        className="mb-4",
    )


def _wrapped_title(name: str, width: int = LABEL_WIDTH, lines: int = 2) -> str:
    """A plotly label over at most ``lines`` lines of about ``width`` characters, broken
    after a space or hyphen (the last line takes what is left). Escaped for plotly."""
    parts = []
    rest = name
    while len(rest) > width and len(parts) < lines - 1:
        cut = max(rest.rfind(sep, 0, width + 1) for sep in (" ", "-", "–"))
        if cut <= 0:
            break
        parts.append(rest[: cut + 1].rstrip())
        rest = rest[cut + 1 :].lstrip()
    return "<br>".join(plot_text(part) for part in [*parts, rest])


def multiples_figure(data: ExplorerData, columns: int = 6) -> dict | go.Figure:
    """Small multiples (SVG) of every neighborhood, equity-priority ones in orange, the
    period shown marked by a dotted line. A plain figure dict (see
    :func:`figures.small_multiples`)."""
    panel, city = data.trend_panel, data.trend_citywide
    if panel.empty:
        return figures.empty_figure("No neighborhood history to show.")
    priority = set(data.frame.loc[data.frame["equity_priority"], "geography_id"])
    names = {
        gid: (name + " ★" if gid in priority else name)
        for gid, name in zip(data.frame["geography_id"], data.frame["name"], strict=True)
    }
    shown = pd.Timestamp(data.period)
    figure = figures.small_multiples(
        panel,
        names,
        citywide=city,
        columns=columns,
        height_per_row=120,
        titles={
            gid: _wrapped_title(names.get(gid, gid), MULTIPLES_LABEL_WIDTH, 3)
            for gid in panel["geography_id"].unique()
        },
        colors={gid: theme.ORANGE for gid in priority},
        # Weekly and daily series are drawn by month: mark the month of the period shown.
        marker=shown.to_period("M").to_timestamp() if data.frequency in ("week", "day") else shown,
    )
    figure["layout"]["margin"] = dict(l=4, r=4, t=36, b=4)
    return figure


def _table_card(data: ExplorerData, ids) -> dbc.Card:
    display = data.display
    frame = data.frame
    per_capita = display.basis == "per_capita"
    counts = frame["value"] * frame["population"] / 1000 if per_capita else frame["numerator"]
    denominators = frame["population"] if per_capita else frame["denominator"]
    show_num = counts.notna().any()
    show_den = denominators.notna().any()
    num_label = "Count" if per_capita else "Numerator"
    den_label = (
        "Residents" if per_capita else ("Cases" if display.basis == "mean" else "Denominator")
    )
    header = [
        html.Th("Rank", scope="col", className="text-end"),
        html.Th("Neighborhood", scope="col"),
        html.Th(f"Value ({display.label})", scope="col", className="text-end"),
        html.Th("95% interval", scope="col"),
        html.Th(num_label, scope="col", className="text-end") if show_num else None,
        html.Th(den_label, scope="col", className="text-end") if show_den else None,
        html.Th("Gap to citywide", scope="col", className="text-end"),
        html.Th("Clearly different?", scope="col"),
        html.Th("Equity priority", scope="col"),
        html.Th("Too few cases", scope="col"),
    ]
    rows = []
    for row, count, denominator in zip(frame.to_dict("records"), counts, denominators, strict=True):
        hidden = bool(row["suppressed"])
        missing = pd.isna(row["value"])
        if hidden or missing or not row["significant"]:
            different = "–" if (hidden or missing) else "No"
        else:
            different = f"Yes, {row['assessment']}" if row["assessment"] else "Yes"
        cells = [
            html.Td("" if pd.isna(row["rank"]) else str(int(row["rank"])), className="text-end"),
            html.Td(dcc.Link(row["name"], href=measure_href(data.measure_id, row["geography_id"]))),
            html.Td("Not shown" if hidden else display.number(row["value"]), className="text-end"),
            html.Td("" if hidden else _interval_text(display, row["lower"], row["upper"])),
            html.Td("" if hidden or pd.isna(count) else f"{count:,.0f}", className="text-end")
            if show_num
            else None,
            html.Td(
                "" if pd.isna(denominator) else f"{denominator:,.0f}",
                className="text-end",
            )
            if show_den
            else None,
            html.Td("" if hidden else _signed_number(display, row["gap"]), className="text-end"),
            html.Td(different),
            html.Td("★ Yes" if row["equity_priority"] else "No"),
            html.Td(
                f"Yes: {row['suppression_reason']}" if hidden else ("No data" if missing else "")
            ),
        ]
        rows.append(
            html.Tr(
                [c for c in cells if c is not None],
                className="equity-row-suppressed" if hidden else None,
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.H3("Every neighborhood", className="h6 mb-0"),
                        dbc.Button(
                            [
                                html.I(className="bi bi-download me-1", **{"aria-hidden": "true"}),
                                "Download the data (CSV)",
                            ],
                            id=ids.download_button,
                            color="primary",
                            outline=True,
                            size="sm",
                        ),
                    ],
                    className="d-flex justify-content-between align-items-center gap-2",
                )
            ),
            dbc.CardBody(
                html.Div(
                    dbc.Table(
                        [
                            html.Caption(
                                f"{data.measure_name}, {data.when}, by neighborhood. "
                                "“Clearly different” means the 95% interval excludes the "
                                "citywide value. Values resting on too few cases are not shown."
                                + (
                                    " Gaps are in percentage points (pts)."
                                    if display.basis == "proportion"
                                    else ""
                                ),
                                className="small-muted",
                            ),
                            html.Thead(html.Tr([h for h in header if h is not None])),
                            html.Tbody(rows),
                        ],
                        size="sm",
                        hover=True,
                        className="equity-table mb-0",
                    ),
                    className="equity-table-scroll",
                    tabIndex="0",
                    role="region",
                    **{"aria-label": "Neighborhood table (scrollable)"},
                )
            ),
        ],
        className="mb-4",
    )


def _about_card(data: ExplorerData) -> dbc.Card:
    block = data.block
    method = {
        "wilson": "Wilson score interval for a proportion",
        "poisson_exact": "exact Poisson interval on the count",
        "spread_t": "from how much each neighborhood's value moves from period to period "
        "(average moving range of its latest 12 values)",
    }.get(block.get("interval_method"), "no interval for this kind of measure")
    items = [
        html.Li(basis_words(block.get("basis"), data.display)),
        html.Li(f"95% intervals: {method}."),
        html.Li(block.get("suppression_rule") or ""),
        html.Li(
            "Citywide values pool every neighborhood (for rates: all events over all of the "
            "population), so they are not an average of neighborhood values."
        ),
        html.Li(f"Source: {data.data_source}.") if data.data_source else None,
    ]
    return dbc.Card(
        [
            dbc.CardHeader(html.H3("About the data", className="h6 mb-0")),
            dbc.CardBody(html.Ul([i for i in items if i is not None], className="mb-0")),
        ],
        className="mb-4 equity-about",
    )
