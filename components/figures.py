"""Figure builders: tidy frames in, plotly figures out.

Every builder uses the app-wide template (``components.theme``). Any text that
came from a user or an import (measure and neighborhood names, annotation
labels, action descriptions) passes through :func:`plot_text`, because plotly
interprets a subset of HTML in its labels and it must render as plain text.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import plotly.graph_objects as go

from components import theme

ALL_LAYERS = ("history", "target", "forecast", "control", "annotations", "actions")
LAYER_LABELS = {
    "history": "History",
    "target": "Target and tolerance",
    "forecast": "Forecast band",
    "control": "Control limits and signals",
    "annotations": "Annotations",
    "actions": "Action due dates",
}


def map_config() -> dict:
    """``dcc.Graph`` config for maps.

    plotly.js fetches a base-map topojson even for custom GeoJSON; point it at the
    empty one in assets (the CSP forbids the CDN, and city networks may be offline).
    Call it inside a request: asset URLs depend on the app's path prefix.
    """
    import dash

    return {
        "displayModeBar": False,
        "scrollZoom": False,
        "topojsonURL": dash.get_asset_url("statroom/topojson/"),
    }


def plot_text(text) -> str:
    """Escape user-supplied text so plotly shows it literally (no tags, no links)."""
    return escape("" if text is None else str(text), quote=False)


def value_format(unit: str, decimals: int) -> tuple[str, str, str]:
    """(prefix, d3 format, suffix) for hover labels and ticks."""
    spec = f",.{max(int(decimals or 0), 0)}f"
    if unit == "percent":
        return "", spec, "%"
    if unit == "currency":
        return "$", spec, ""
    suffix = {"minutes": " min", "hours": " h", "days": " days"}.get(unit, "")
    return "", spec, suffix


def _hover(prefix: str, spec: str, suffix: str, label: str) -> str:
    return f"{label}: {prefix}%{{y:{spec}}}{suffix}<extra></extra>"


def empty_figure(message: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        annotations=[dict(text=plot_text(message), showarrow=False, font=dict(size=16))],
        height=260,
    )
    return figure


def measure_chart(
    *,
    unit: str,
    decimals: int,
    unit_label: str = "",
    history: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    control_phases: pd.DataFrame | None = None,
    signals: pd.DataFrame | None = None,
    annotations: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    layers=ALL_LAYERS,
    date_range: tuple | None = None,
    height: int = 460,
) -> go.Figure:
    """The measure's main chart, with switchable layers.

    Parameters
    ----------
    history : frame with ``period`` and ``value``.
    targets : frame with ``period_start``, ``period_end``, ``value``, ``tolerance``.
    forecast : frame with ``period``, ``mean``, ``lo80``, ``hi80``, ``lo95``, ``hi95``.
    control_phases : frame with ``start``, ``end``, ``centre``, ``lower``, ``upper``.
    signals : frame with ``period``, ``value``, ``rule``.
    annotations : frame with ``start_date``, ``end_date`` (NaT for events) and ``label``.
    actions : frame with ``due_date``, ``completed_at`` and ``description``.
    """
    layers = set(layers)
    if history.empty:
        return empty_figure("No data has been reported for this measure yet.")
    prefix, spec, suffix = value_format(unit, decimals)
    figure = go.Figure()

    if "forecast" in layers and forecast is not None and not forecast.empty:
        _add_band(figure, forecast, "lo95", "hi95", "95% forecast range", "rgba(0,114,178,0.12)")
        _add_band(figure, forecast, "lo80", "hi80", "80% forecast range", "rgba(0,114,178,0.24)")
        figure.add_scatter(
            x=forecast["period"],
            y=forecast["mean"],
            name="Forecast",
            mode="lines",
            line=dict(color=theme.BLUE, dash="dash", width=2),
            hovertemplate=_hover(prefix, spec, suffix, "Forecast"),
        )

    if "target" in layers and targets is not None and not targets.empty:
        _add_targets(figure, targets, prefix, spec, suffix)

    if "control" in layers and control_phases is not None and not control_phases.empty:
        _add_control(figure, control_phases)

    figure.add_scatter(
        x=history["period"],
        y=history["value"],
        name="Actual",
        mode="lines+markers",
        line=dict(color=theme.BLUE, width=2.5),
        marker=dict(size=5),
        connectgaps=False,
        hovertemplate=_hover(prefix, spec, suffix, "Actual"),
        visible=True if "history" in layers else "legendonly",
    )

    if "control" in layers and signals is not None and not signals.empty:
        figure.add_scatter(
            x=signals["period"],
            y=signals["value"],
            name="Signal",
            mode="markers",
            marker=dict(
                symbol="diamond",
                size=12,
                color=theme.VERMILLION,
                line=dict(width=1.5, color="white"),
            ),
            customdata=[plot_text(rule) for rule in signals["rule"]],
            hovertemplate="Signal: %{customdata}<extra></extra>",
        )

    if "annotations" in layers and annotations is not None:
        _add_annotations(figure, annotations)

    if "actions" in layers and actions is not None and not actions.empty:
        _add_actions(figure, actions)

    figure.update_layout(
        height=height,
        yaxis=dict(
            title=plot_text(unit_label or unit),
            tickprefix=prefix,
            ticksuffix=suffix,
            tickformat=spec.replace(",.0f", "~s") if unit == "currency" else spec,
        ),
        showlegend=True,
    )
    if date_range:
        figure.update_xaxes(range=[pd.Timestamp(d) for d in date_range])
    return figure


def _add_band(figure, frame, low, high, name, fill) -> None:
    figure.add_scatter(
        x=frame["period"],
        y=frame[high],
        mode="lines",
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
        legendgroup=name,
    )
    figure.add_scatter(
        x=frame["period"],
        y=frame[low],
        mode="lines",
        line=dict(width=0),
        fill="tonexty",
        fillcolor=fill,
        name=name,
        legendgroup=name,
        hoverinfo="skip",
    )


def _step_points(frame: pd.DataFrame, column: str) -> tuple[list, list]:
    """x/y for a stepped line over [start, end] intervals, broken between steps."""
    xs, ys = [], []
    for row in frame.itertuples(index=False):
        xs += [row.period_start, row.period_end, None]
        value = getattr(row, column)
        ys += [value, value, None]
    return xs, ys


def _add_targets(figure, targets, prefix, spec, suffix) -> None:
    targets = targets.assign(
        lower=targets["value"] - targets["tolerance"], upper=targets["value"] + targets["tolerance"]
    )
    for row in targets.itertuples(index=False):
        if row.tolerance > 0:
            figure.add_scatter(
                x=[
                    row.period_start,
                    row.period_end,
                    row.period_end,
                    row.period_start,
                    row.period_start,
                ],
                y=[row.lower, row.lower, row.upper, row.upper, row.lower],
                fill="toself",
                fillcolor="rgba(0,158,115,0.12)",
                line=dict(width=0),
                mode="lines",
                hoverinfo="skip",
                name="Near-target band",
                legendgroup="target",
                showlegend=False,
            )
    xs, ys = _step_points(targets, "value")
    figure.add_scatter(
        x=xs,
        y=ys,
        name="Target",
        mode="lines",
        legendgroup="target",
        line=dict(color=theme.GREEN, width=2.5, dash="dot"),
        hovertemplate=_hover(prefix, spec, suffix, "Target"),
    )


def _add_control(figure, phases) -> None:
    frame = phases.rename(columns={"start": "period_start", "end": "period_end"})
    for column, name, dash in (
        ("centre", "Centre line", "solid"),
        ("lower", "Lower natural limit", "dot"),
        ("upper", "Upper natural limit", "dot"),
    ):
        xs, ys = _step_points(frame, column)
        figure.add_scatter(
            x=xs,
            y=ys,
            name=name,
            mode="lines",
            legendgroup="control",
            showlegend=column != "upper",
            line=dict(color=theme.MUTED, width=1.5, dash=dash),
            hoverinfo="skip",
        )


def _add_annotations(figure, annotations: pd.DataFrame) -> None:
    for row in annotations.itertuples(index=False):
        label = plot_text(row.label)
        if pd.notna(row.end_date):
            figure.add_vrect(
                x0=row.start_date,
                x1=row.end_date,
                fillcolor=theme.PURPLE,
                opacity=0.12,
                line_width=0,
                annotation_text=label,
                annotation_position="top left",
                annotation_font_size=12,
            )
        else:
            figure.add_vline(
                x=row.start_date,
                line=dict(color=theme.PURPLE, width=1.5, dash="dash"),
                annotation_text=label,
                annotation_position="top right",
                annotation_font_size=12,
            )


def _add_actions(figure, actions: pd.DataFrame) -> None:
    descriptions = [plot_text(d) for d in actions["description"]]
    figure.add_scatter(
        x=actions["due_date"],
        y=[0] * len(actions),
        yaxis="y2",
        name="Action due",
        mode="markers",
        marker=dict(symbol="triangle-up", size=13, color=theme.ORANGE),
        customdata=descriptions,
        hovertemplate="Due: %{customdata}<extra></extra>",
    )
    done = actions.dropna(subset=["completed_at"])
    if not done.empty:
        figure.add_scatter(
            x=done["completed_at"],
            y=[0] * len(done),
            yaxis="y2",
            name="Action completed",
            mode="markers",
            marker=dict(symbol="star", size=13, color=theme.GREEN),
            customdata=[plot_text(d) for d in done["description"]],
            hovertemplate="Done: %{customdata}<extra></extra>",
        )
    figure.update_layout(yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True))


def sparkline(history: pd.DataFrame, height: int = 48) -> go.Figure:
    """A tiny line of the recent history, without axes."""
    figure = go.Figure(
        go.Scatter(
            x=history["period"],
            y=history["value"],
            mode="lines",
            line=dict(color=theme.BLUE, width=2),
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        height=height,
        margin=dict(l=0, r=0, t=2, b=2),
        showlegend=False,
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        hovermode=False,
    )
    return figure


def choropleth(
    cross_section: pd.DataFrame,
    boundaries: dict,
    *,
    unit: str,
    decimals: int,
    title: str = "",
    height: int = 420,
    reverse: bool = False,
) -> go.Figure:
    """Map of one period across neighborhoods; suppressed values are drawn hatched grey.

    ``cross_section`` has ``geography_id``, ``name``, ``value`` and ``suppressed``.
    Cividis runs dark (low values) to light (high values); ``reverse=True`` flips it so
    high values are dark. Callers choose so that "worse" is consistently darker.
    """
    prefix, spec, suffix = value_format(unit, decimals)
    shown = cross_section[~cross_section["suppressed"].astype(bool)]
    hidden = cross_section[cross_section["suppressed"].astype(bool)]
    figure = go.Figure()
    figure.add_choropleth(
        geojson=boundaries,
        locations=shown["geography_id"],
        z=shown["value"],
        featureidkey="id",
        colorscale=theme.SEQUENTIAL,
        reversescale=reverse,
        marker=dict(line=dict(width=0.6, color="white")),
        customdata=[plot_text(n) for n in shown["name"]],
        hovertemplate=f"%{{customdata}}: {prefix}%{{z:{spec}}}{suffix}<extra></extra>",
        colorbar=dict(thickness=12, tickprefix=prefix, ticksuffix=suffix, tickformat=spec, len=0.8),
        name="Value",
    )
    if not hidden.empty:
        figure.add_choropleth(
            geojson=boundaries,
            locations=hidden["geography_id"],
            z=[0] * len(hidden),
            featureidkey="id",
            colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]],
            showscale=False,
            marker=dict(line=dict(width=0.6, color="white")),
            customdata=[plot_text(n) for n in hidden["name"]],
            hovertemplate="%{customdata}: too few cases to show<extra></extra>",
            name="Suppressed",
        )
    figure.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)")
    figure.update_layout(
        height=height,
        margin=dict(l=0, r=0, t=30 if title else 0, b=0),
        title=plot_text(title),
        dragmode=False,
    )
    return figure


def ranked_bars(
    cross_section: pd.DataFrame,
    *,
    unit: str,
    decimals: int,
    citywide: float | None,
    direction: str = "neutral",
    height: int | None = None,
) -> go.Figure:
    """Neighborhoods ranked best to worst, with confidence intervals and the citywide line.

    ``cross_section`` has ``geography_id``, ``name``, ``value``, ``lower``, ``upper``,
    ``suppressed`` and ``equity_priority``.
    """
    prefix, spec, suffix = value_format(unit, decimals)
    frame = cross_section[~cross_section["suppressed"].astype(bool)].copy()
    # Best at the top: the lowest value when lower is better, else the highest.
    frame = frame.sort_values("value", ascending=direction == "lower_is_better")
    names = [
        plot_text(n) + (" ★" if p else "")
        for n, p in zip(frame["name"], frame["equity_priority"], strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            y=names,
            x=frame["value"],
            orientation="h",
            marker=dict(
                color=[theme.ORANGE if p else theme.BLUE for p in frame["equity_priority"]]
            ),
            error_x=dict(
                type="data",
                symmetric=False,
                array=(frame["upper"] - frame["value"]).clip(lower=0),
                arrayminus=(frame["value"] - frame["lower"]).clip(lower=0),
                color=theme.MUTED,
                thickness=1.2,
                width=3,
            ),
            customdata=frame["geography_id"],
            hovertemplate=f"%{{y}}: {prefix}%{{x:{spec}}}{suffix}<extra></extra>",
            name="Neighborhood",
        )
    )
    if citywide is not None and pd.notna(citywide):
        figure.add_vline(
            x=citywide,
            line=dict(color=theme.REFERENCE, width=1.5, dash="dash"),
            annotation_text="Citywide",
            annotation_position="top",
        )
    figure.update_layout(
        height=height or max(320, 22 * len(frame) + 80),
        yaxis=dict(autorange="reversed", automargin=True, showgrid=False),
        xaxis=dict(tickprefix=prefix, ticksuffix=suffix, tickformat=spec, showgrid=True),
        hovermode="closest",
        showlegend=False,
        margin=dict(t=36),
    )
    return figure


def gap_over_time(
    gaps: pd.DataFrame, *, unit: str, decimals: int, label: str, height: int = 320
) -> go.Figure:
    """The gap series (``period``, ``gap``) with a zero line."""
    prefix, spec, suffix = value_format(unit, decimals)
    figure = go.Figure(
        go.Scatter(
            x=gaps["period"],
            y=gaps["gap"],
            mode="lines+markers",
            line=dict(color=theme.VERMILLION, width=2.5),
            marker=dict(size=4),
            name=plot_text(label),
            hovertemplate=_hover(prefix, spec, suffix, "Gap"),
        )
    )
    figure.add_hline(y=0, line=dict(color=theme.MUTED, width=1))
    figure.update_layout(
        height=height,
        yaxis=dict(title=plot_text(label), tickprefix=prefix, ticksuffix=suffix, tickformat=spec),
        showlegend=False,
    )
    return figure


def small_multiples(
    panel: pd.DataFrame,
    names: dict[str, str],
    *,
    citywide: pd.DataFrame,
    columns: int = 6,
    height_per_row: int = 110,
) -> go.Figure:
    """One small line per neighborhood, sharing axes, with the citywide series in grey."""
    from plotly.subplots import make_subplots

    geographies = sorted(panel["geography_id"].unique(), key=lambda g: names.get(g, g))
    rows = max(1, -(-len(geographies) // columns))
    figure = make_subplots(
        rows=rows,
        cols=columns,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[plot_text(names.get(g, g)) for g in geographies],
        vertical_spacing=0.5 / rows,
        horizontal_spacing=0.02,
    )
    for index, geography in enumerate(geographies):
        row, col = divmod(index, columns)
        series = panel[panel["geography_id"] == geography]
        figure.add_scatter(
            x=citywide["period"],
            y=citywide["value"],
            mode="lines",
            line=dict(color="rgba(108,117,125,0.55)", width=1),
            hoverinfo="skip",
            showlegend=False,
            row=row + 1,
            col=col + 1,
        )
        figure.add_scatter(
            x=series["period"],
            y=series["value"],
            mode="lines",
            line=dict(color=theme.BLUE, width=1.5),
            hoverinfo="skip",
            showlegend=False,
            row=row + 1,
            col=col + 1,
        )
    figure.update_annotations(font_size=11)
    figure.update_xaxes(showticklabels=False, showgrid=False)
    figure.update_yaxes(showticklabels=False, showgrid=False)
    figure.update_layout(
        height=rows * height_per_row + 40, margin=dict(l=4, r=4, t=24, b=4), hovermode=False
    )
    return figure
