"""KPI tiles (priority-area page), area cards and "what changed" entries (overview).

Builders take plain records (``MeasureInfo``, ``AreaInfo``, stored summaries, frames) and
return Dash components; the wording comes from :mod:`analytics.overview`. Status is
always a word and an icon, never colour alone. Measure names render as text, and links
are built only from our own ids (URL-quoted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import dcc, html

from analytics.narrative import format_value
from analytics.overview import (
    CHANGE_KINDS,
    Change,
    attention_first,
    change_phrase,
    latest_signal_description,
    stale_description,
    standalone_period,
    status_counts,
    trend_words,
)
from analytics.periods import period_label
from components.badges import TARGET_STATUS, count_badge, signal_badge, stale_badge, target_badge
from components.figures import sparkline

#: Years of history drawn in a tile's sparkline.
SPARKLINE_YEARS = 3
#: Measures an overview area card lists before it points to the area page.
AREA_CARD_ROWS = 10
#: Entries of each kind "What changed" lists before the rest fold away.
CHANGES_LISTED = 8
SPARKLINE_CONFIG = {"staticPlot": True, "displayModeBar": False, "responsive": True}


def measure_href(measure_id: str) -> str:
    return f"/measure/{quote(str(measure_id), safe='')}"


def area_href(area_id: str) -> str:
    return f"/area/{quote(str(area_id), safe='')}"


def _icon(name: str) -> html.I:
    return html.I(className=f"bi {name}", **{"aria-hidden": "true"})


def status_icon(status: str | None) -> html.Span:
    """A target status as an icon with its word for screen readers and a tooltip."""
    text, icon, css = TARGET_STATUS.get(status or "no_data", TARGET_STATUS["no_data"])
    return html.Span(
        [_icon(icon), html.Span(text, className="visually-hidden")],
        className=f"status-icon {css}",
        title=text,
    )


def signal_count_badge(count: int) -> html.Span:
    text = f"{count} new signal{'' if count == 1 else 's'}"
    return html.Span(
        [_icon("bi-lightning-charge-fill me-1"), text],
        className="badge status-badge status-signal",
        title="Measures with a control-chart signal on one of their 3 latest values",
    )


def counts_row(counts: Mapping[str, int], *, class_name: str = "") -> html.Div:
    """Badges: off target, near, on target (always), no target and new signals (when any)."""
    badges = [count_badge(counts.get(s, 0), s) for s in ("missed", "near", "met")]
    if counts.get("no_target"):
        badges.append(count_badge(counts["no_target"], "no_target"))
    if counts.get("signal"):
        badges.append(signal_count_badge(counts["signal"]))
    return html.Div(badges, className=f"status-counts {class_name}".strip())


def split_value(text: str) -> tuple[str, str]:
    """ "3.23 per 1,000 residents" → ("3.23", "per 1,000 residents"): number big, unit small."""
    number, _, unit = text.partition(" ")
    return number, unit


# -- the overview ---------------------------------------------------------------------------


def area_card(area, measures: Sequence, summaries: Mapping[str, Mapping]) -> dbc.Card:
    """A priority area on the overview: counts, then each measure's latest value.

    ``summaries`` maps measure id to its flat summary fields (``latest_period``,
    ``latest_value``, ``target_status``, ``has_new_signal``).
    """
    flat = [summaries.get(m.id, {}) for m in measures]
    counts = status_counts(
        [f.get("target_status") for f in flat], [f.get("has_new_signal") for f in flat]
    )
    # A large city's area holds a hundred measures or more: list those needing attention.
    listed, left_out = attention_first(measures, summaries, AREA_CARD_ROWS)
    heading_id = f"area-card-{area.id}"
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(
                    dcc.Link(area.name, href=area_href(area.id)),
                    className="card-title h5",
                    id=heading_id,
                ),
                html.P(area.description, className="small-muted area-card-description"),
                counts_row(counts, class_name="mb-3"),
                html.Ul(
                    [_measure_row(m, summaries.get(m.id, {})) for m in listed],
                    className="home-measure-list",
                    **{"aria-labelledby": heading_id},
                ),
                *(
                    [
                        html.P(
                            f"The {len(listed)} that most need attention are listed; "
                            f"{left_out} more are on the area page.",
                            className="small-muted mb-1",
                        )
                    ]
                    if left_out
                    else []
                ),
                dcc.Link(
                    [f"All {len(measures)} {area.name} measures", _icon("bi-arrow-right ms-1")],
                    href=area_href(area.id),
                    className="area-card-more",
                ),
            ]
        ),
        className="area-card h-100",
    )


def _measure_row(measure, flat: Mapping) -> html.Li:
    value = flat.get("latest_value")
    period = flat.get("latest_period")
    has_value = value is not None and not pd.isna(value) and period is not None
    if has_value:
        figure = format_value(
            value, measure.unit, measure.decimals, measure.unit_label, measure.rate_per
        )
        when = standalone_period(period, measure.frequency)
    else:
        figure, when = "No data", ""
    return html.Li(
        [
            status_icon(flat.get("target_status")),
            html.Span(
                [
                    dcc.Link(measure.name, href=measure_href(measure.id)),
                    html.Span(
                        [_icon("bi-lightning-charge-fill"), " New signal"],
                        className="row-signal",
                        title="A control-chart signal on one of the 3 latest values",
                    )
                    if flat.get("has_new_signal")
                    else None,
                ],
                className="row-name",
            ),
            html.Span(
                [
                    html.Span(_figure_parts(figure), className="row-value"),
                    html.Span(when, className="row-period small-muted") if when else None,
                ],
                className="row-figure",
            ),
        ]
    )


def _figure_parts(text: str) -> list:
    number, unit = split_value(text)
    return [html.Span(number, className="row-number"), f" {unit}" if unit else None]


_CHANGE_ICONS = {
    "target_miss": ("bi-x-circle-fill", "status-missed"),
    "signal": ("bi-lightning-charge-fill", "status-signal"),
    "worsening": ("bi-graph-up-arrow", "status-missed"),
}
_CHANGE_HEADINGS = {
    "target_miss": "New target misses",
    "signal": "New control-chart signals",
    "worsening": "Trends that turned worse",
}


def change_list(changes: Sequence[Change]) -> html.Div:
    """The "What changed" entries grouped by kind, most urgent first."""
    if not changes:
        return html.P(
            "Nothing new since the previous period: no new target misses, control-chart "
            "signals or worsening trends.",
            className="mb-0 what-changed-empty",
        )
    sections = []
    for kind in CHANGE_KINDS:
        entries = [c for c in changes if c.kind == kind]
        if not entries:
            continue
        sections.append(
            html.Section(
                [
                    html.H3(
                        f"{_CHANGE_HEADINGS[kind]} ({len(entries)})",
                        className="h6 what-changed-kind",
                    ),
                    html.Ul(
                        [change_item(c) for c in entries[:CHANGES_LISTED]],
                        className="what-changed-list",
                    ),
                    *_more_changes(kind, entries[CHANGES_LISTED:]),
                ]
            )
        )
    return html.Div(sections)


def _more_changes(kind: str, rest: Sequence[Change]) -> list:
    """The entries past the first few, behind a native disclosure (no callback needed)."""
    if not rest:
        return []
    return [
        html.Details(
            [
                html.Summary(f"{len(rest)} more", className="what-changed-more"),
                html.Ul([change_item(c) for c in rest], className="what-changed-list"),
            ],
            **{"aria-label": f"{len(rest)} more {_CHANGE_HEADINGS[kind].lower()}"},
        )
    ]


def change_item(change: Change) -> html.Li:
    icon, css = _CHANGE_ICONS[change.kind]
    if change.kind == "signal" and change.unfavourable is False:
        tone = html.Span("Better", className="change-tone tone-better")
    elif change.kind == "signal" and change.unfavourable is None:
        tone = None
    else:
        tone = html.Span("Worse", className="change-tone tone-worse")
    return html.Li(
        [
            html.Span(
                [_icon(icon), html.Span(change.label, className="visually-hidden")],
                className=f"change-icon {css}",
                title=change.label,
            ),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Link(change.measure_name, href=measure_href(change.measure_id)),
                            tone,
                        ],
                        className="change-head",
                    ),
                    html.Div(change.period_label, className="small-muted change-period"),
                    html.P(change.text, className="change-text"),
                ],
                className="change-body",
            ),
        ],
        className=f"what-changed-item kind-{change.kind}",
    )


# -- the KPI tile ---------------------------------------------------------------------------


def recent_history(series: pd.DataFrame, years: int = SPARKLINE_YEARS) -> pd.DataFrame:
    """The last ``years`` years of a series (period, value), for the sparkline."""
    if series.empty:
        return series.loc[:, ["period", "value"]]
    # On plain arrays: an area page draws two dozen tiles, and frame copies and dropna
    # took more time than anything else on it.
    periods = pd.to_datetime(series["period"]).to_numpy()
    values = series["value"].to_numpy(dtype=float, na_value=np.nan)
    start = (pd.Timestamp(periods.max()) - pd.DateOffset(years=years)).to_datetime64()
    keep = (periods > start) & ~np.isnan(values)
    return pd.DataFrame({"period": periods[keep], "value": values[keep]})


def kpi_tile(
    measure, summary: Mapping | None, series: pd.DataFrame, as_of, *, status: str | None = None
) -> dbc.Card:
    """One measure's tile: value and period, changes, sparkline, target/signal/stale badges.

    ``summary`` is the stored citywide payload (None before the first refresh);
    ``series`` its citywide history (period, value); ``as_of`` the date staleness is
    judged on.
    """
    summary = summary or {}
    status = status or summary.get("target_status") or "no_data"
    value = summary.get("latest_value")
    period = summary.get("latest_period")
    if (value is None or period is None) and not series.empty:
        last = series.dropna(subset=["value"]).tail(1)
        if not last.empty:
            value, period = float(last["value"].iloc[0]), last["period"].iloc[0]
    has_data = value is not None and period is not None
    stale = (
        stale_description(period, measure.frequency, measure.update_lag_days, as_of)
        if has_data
        else ""
    )
    # Before the first refresh the status is unknown, not "no data": no target badge then.
    badges = [target_badge(status)] if summary or not has_data else []
    if summary.get("has_new_signal"):
        badges.append(signal_badge(latest_signal_description(summary)))
    if stale:
        badges.append(stale_badge(stale))

    body = [
        html.Div(
            [
                html.H2(
                    dcc.Link(
                        measure.name, href=measure_href(measure.id), className="stretched-link"
                    ),
                    className="kpi-title h6",
                ),
                html.Div(measure.department, className="small-muted kpi-department"),
            ],
            className="kpi-head",
        ),
        html.Div(badges, className="kpi-badges"),
    ]
    if has_data:
        body += _tile_figures(measure, summary, value, period, series, stale)
    else:
        body.append(
            html.Div(
                [
                    html.Div(
                        [_icon("bi-slash-circle me-2"), "No data yet"], className="fw-semibold"
                    ),
                    html.Div(
                        "No values have been loaded for this measure.", className="small-muted"
                    ),
                ],
                className="kpi-no-data",
            )
        )
    return dbc.Card(
        dbc.CardBody(body),
        className=f"kpi-tile h-100 kpi-{status}",
        id=f"tile-{measure.id}",
    )


def _tile_figures(measure, summary, value, period, series, stale) -> list:
    number, unit = split_value(
        format_value(value, measure.unit, measure.decimals, measure.unit_label, measure.rate_per)
    )
    out = [
        html.Div(
            [html.Span(number, className="kpi-number"), html.Span(unit, className="kpi-unit")],
            className="kpi-value",
        ),
        html.Div(standalone_period(period, measure.frequency), className="kpi-period"),
    ]
    current = (summary.get("target") or {}).get("current")
    if current and current.get("value") is not None:
        target = format_value(
            current["value"], measure.unit, measure.decimals, measure.unit_label, measure.rate_per
        )
        label = current.get("label") or "Target"
        out.append(html.Div(f"{label}: {target}", className="kpi-target small-muted"))
    changes = summary.get("changes")
    if changes is not None:
        out.append(
            html.Ul(
                [
                    _change_line(changes.get("vs_previous"), measure, "previous period"),
                    _change_line(changes.get("vs_last_year"), measure, "a year earlier"),
                ],
                className="kpi-changes",
            )
        )
    history = recent_history(series)
    if len(history) >= 2:
        out.append(
            html.Div(
                dcc.Graph(
                    figure=sparkline(history, height=44),
                    config=SPARKLINE_CONFIG,
                    className="kpi-sparkline",
                ),
                className="kpi-spark-wrap",
                **{"aria-hidden": "true"},
            )
        )
    trend = (
        f"Trend: {trend_words(summary.get('trend'), measure.frequency)}"
        if summary
        else "Targets, trends and signals appear after the next refresh."
    )
    out.append(html.Div(trend, className="small-muted kpi-trend-line"))
    if stale:
        out.append(html.P([_icon("bi-hourglass-split me-1"), stale], className="kpi-stale-note"))
    return out


_ARROWS = {"up": "bi-arrow-up", "down": "bi-arrow-down", "same": "bi-arrow-right"}


def _without_article(label: str) -> str:
    return label[4:] if label.startswith("the ") else label


def _change_line(change, measure, what: str) -> html.Li:
    phrase = change_phrase(change, measure)
    if phrase is None:
        against = ""
        if change and change.get("period"):
            against = f" for {period_label(pd.Timestamp(change['period']), measure.frequency)}"
        return html.Li(f"No value{against} to compare with", className="small-muted")
    if phrase["direction"] == "same":
        words = [html.Span(f"Same as {phrase['against']}")]
    else:
        verb = "Up" if phrase["direction"] == "up" else "Down"
        words = [
            _icon(f"{_ARROWS[phrase['direction']]} kpi-arrow"),
            html.Span(f"{verb} ", className="visually-hidden"),
            html.Span(phrase["amount"], className="kpi-change-amount"),
            f" vs {_without_article(phrase['against'])}",
        ]
    assessment = phrase["assessment"]
    tone = (
        html.Span(assessment, className=f"change-tone tone-{assessment}")
        if assessment in ("better", "worse")
        else None
    )
    return html.Li([*words, tone], title=f"Change against the {what}")
