"""Figure builders: tidy frames in, plotly figures out.

Every builder uses the app-wide template (``components.theme``). Any text that
came from a user or an import (measure and neighborhood names, annotation
labels, action descriptions) passes through :func:`plot_text`, because plotly
interprets a subset of HTML in its labels and it must render as plain text.

The neighborhood explorer's figures (``choropleth_dict``, ``ranked_bars_dict``,
``gap_over_time``, ``small_multiples``) are plain figure dicts, which ``dcc.Graph``
takes as they are: on a large city, graph_objects' validation and copying cost more
than everything else on the page (see "plain-dict figures" below).
"""

from __future__ import annotations

import base64
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale

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

    plotly.js wants a base-map topology even for custom GeoJSON; the app's
    ``assets/statroom/basemap.js`` hands it an empty one, so nothing is fetched (the CSP
    forbids plotly's CDN, and city networks may be offline).
    """
    return {"displayModeBar": False, "scrollZoom": False}


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
        marker=dict(size=5, maxdisplayed=_every_point(history)),
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
                maxdisplayed=_every_point(signals),
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


def _every_point(frame: pd.DataFrame) -> int:
    """``marker.maxdisplayed`` that keeps every marker but those out of view.

    With a limit set, plotly.js draws only the markers inside the axes' ranges (a 5-year
    view of 10 years of data draws half of them) and picks again after a zoom or pan; a
    limit of at least the trace's length never thins them.
    """
    return max(len(frame), 1)


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


def sparkline(history: pd.DataFrame, height: int = 48) -> dict:
    """A tiny line of the recent history, without axes, as a plain figure dict.

    An area page draws two dozen: graph_objects would validate every property and copy
    the figure again to send it. Days as text and values as an array are what the JSON
    encoder passes through without looking at each point.
    """
    return {
        "data": [
            {
                "type": "scatter",
                "x": pd.to_datetime(history["period"]).dt.strftime("%Y-%m-%d").tolist(),
                "y": history["value"].to_numpy(dtype=float, na_value=np.nan),
                "mode": "lines",
                "line": {"color": theme.BLUE, "width": 2},
                "hoverinfo": "skip",
            }
        ],
        "layout": {
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 2, "b": 2},
            "showlegend": False,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "hovermode": False,
        },
    }


def choropleth_dict(
    cross_section: pd.DataFrame,
    boundaries: dict,
    *,
    unit: str,
    decimals: int,
    title: str = "",
    height: int = 420,
    reverse: bool = False,
) -> dict:
    """Map of one period across neighborhoods; suppressed values are drawn hatched grey.

    ``cross_section`` has ``geography_id``, ``name``, ``value`` and ``suppressed``.
    Cividis runs dark (low values) to light (high values); ``reverse=True`` flips it so
    high values are dark. Callers choose so that "worse" is consistently darker.
    The traces are "Value" then, when any neighborhood is suppressed, "Suppressed"; each
    carries the boundaries of its own neighborhoods. A plain figure dict: graph_objects
    would copy the boundaries twice per trace.
    """
    prefix, spec, suffix = value_format(unit, decimals)
    shown = cross_section[~cross_section["suppressed"].astype(bool)]
    hidden = cross_section[cross_section["suppressed"].astype(bool)]
    outline = dict(line=dict(width=0.6, color="white"))
    data = [
        dict(
            type="choropleth",
            geojson=_features(boundaries, shown["geography_id"]),
            locations=list(shown["geography_id"]),
            z=_numbers(shown["value"]),
            featureidkey="id",
            # plotly.py's Cividis (plotly.js has its own, different one).
            colorscale=get_colorscale(theme.SEQUENTIAL),
            reversescale=reverse,
            marker=outline,
            customdata=[plot_text(n) for n in shown["name"]],
            hovertemplate=f"%{{customdata}}: {prefix}%{{z:{spec}}}{suffix}<extra></extra>",
            colorbar=dict(
                thickness=12, tickprefix=prefix, ticksuffix=suffix, tickformat=spec, len=0.8
            ),
            name="Value",
        )
    ]
    if not hidden.empty:
        data.append(
            dict(
                type="choropleth",
                geojson=_features(boundaries, hidden["geography_id"]),
                locations=list(hidden["geography_id"]),
                z=[0] * len(hidden),
                featureidkey="id",
                colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]],
                showscale=False,
                marker=outline,
                customdata=[plot_text(n) for n in hidden["name"]],
                hovertemplate="%{customdata}: too few cases to show<extra></extra>",
                name="Suppressed",
            )
        )
    layout = _layout(
        geo=dict(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)"),
        height=height,
        margin=dict(l=0, r=0, t=30 if title else 0, b=0),
        title=dict(text=plot_text(title)),
        dragmode=False,
    )
    return {"data": data, "layout": layout}


def _features(boundaries: dict, ids) -> dict:
    """The boundaries of ``ids`` only: a trace draws just its own locations, so each
    neighborhood's outline is sent once, not once per trace."""
    wanted = set(ids)
    features = [f for f in boundaries.get("features", []) if f.get("id") in wanted]
    return {**boundaries, "features": features}


def ranked_bars_dict(
    cross_section: pd.DataFrame,
    *,
    unit: str,
    decimals: int,
    citywide: float | None,
    direction: str = "neutral",
    height: int | None = None,
) -> dict:
    """Neighborhoods ranked best to worst, with confidence intervals and the citywide line.

    ``cross_section`` has ``geography_id``, ``name``, ``value``, ``lower``, ``upper``,
    ``suppressed`` and ``equity_priority``. One bar trace (``customdata``: the geography
    ids); the citywide value is a dashed line labelled by an annotation. A plain dict.
    """
    prefix, spec, suffix = value_format(unit, decimals)
    frame = cross_section[~cross_section["suppressed"].astype(bool)].copy()
    # Best at the top: the lowest value when lower is better, else the highest.
    frame = frame.sort_values("value", ascending=direction == "lower_is_better")
    names = [
        plot_text(n) + (" ★" if p else "")
        for n, p in zip(frame["name"], frame["equity_priority"], strict=True)
    ]
    bars = dict(
        type="bar",
        y=names,
        x=_numbers(frame["value"]),
        orientation="h",
        marker=dict(color=[theme.ORANGE if p else theme.BLUE for p in frame["equity_priority"]]),
        error_x=dict(
            type="data",
            symmetric=False,
            array=_numbers((frame["upper"] - frame["value"]).clip(lower=0)),
            arrayminus=_numbers((frame["value"] - frame["lower"]).clip(lower=0)),
            color=theme.MUTED,
            thickness=1.2,
            width=3,
        ),
        customdata=list(frame["geography_id"]),
        hovertemplate=f"%{{y}}: {prefix}%{{x:{spec}}}{suffix}<extra></extra>",
        name="Neighborhood",
    )
    shapes, annotations = [], []
    if citywide is not None and pd.notna(citywide):
        shapes.append(
            _vline(float(citywide), line=dict(color=theme.REFERENCE, width=1.5, dash="dash"))
        )
        annotations.append(
            dict(
                text="Citywide",
                x=float(citywide),
                xref="x",
                y=1,
                yref="y domain",
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
            )
        )
    layout = _layout(
        shapes=shapes,
        annotations=annotations,
        height=height or max(320, 22 * len(frame) + 80),
        yaxis=dict(autorange="reversed", automargin=True, showgrid=False),
        xaxis=dict(tickprefix=prefix, ticksuffix=suffix, tickformat=spec, showgrid=True),
        hovermode="closest",
        showlegend=False,
        margin=dict(t=36),
    )
    return {"data": [bars], "layout": layout}


def gap_over_time(
    gaps: pd.DataFrame,
    *,
    unit: str,
    decimals: int,
    label: str,
    height: int = 320,
    window: tuple | None = None,
    marker=None,
) -> dict:
    """The gap series (``period``, ``gap``) with a zero line, as a plain figure dict.

    ``window`` (start, end) is shaded; the ``marker`` period gets a dotted line, and a dot
    on the series when it has a gap then.
    """
    prefix, spec, suffix = value_format(unit, decimals)
    data = [
        dict(
            type="scatter",
            x=_dates(gaps["period"]),
            y=_numbers(gaps["gap"]),
            mode="lines+markers",
            line=dict(color=theme.VERMILLION, width=2.5),
            marker=dict(size=4),
            name=plot_text(label),
            hovertemplate=_hover(prefix, spec, suffix, "Gap"),
        )
    ]
    shapes = [
        dict(
            type="line",
            x0=0,
            x1=1,
            xref="x domain",
            y0=0,
            y1=0,
            yref="y",
            line=dict(color=theme.MUTED, width=1),
        )
    ]
    if window is not None:
        shapes.append(
            dict(
                type="rect",
                x0=iso_date(window[0]),
                x1=iso_date(window[1]),
                xref="x",
                y0=0,
                y1=1,
                yref="y domain",
                fillcolor=theme.SKY,
                opacity=0.12,
                line=dict(width=0),
                layer="below",
            )
        )
    if marker is not None:
        marker = pd.Timestamp(marker)
        shapes.append(
            _vline(iso_date(marker), line=dict(color=theme.REFERENCE, width=1.5, dash="dot"))
        )
        point = gaps.loc[gaps["period"] == marker, "gap"]
        if len(point) and pd.notna(point.iloc[0]):
            data.append(
                dict(
                    type="scatter",
                    x=[iso_date(marker)],
                    y=[float(point.iloc[0])],
                    mode="markers",
                    marker=dict(size=11, color=theme.VERMILLION, line=dict(width=2, color="white")),
                    name="Shown period",
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    layout = _layout(
        shapes=shapes,
        height=height,
        yaxis=dict(
            title=dict(text=plot_text(label)),
            tickprefix=prefix,
            ticksuffix=suffix,
            tickformat=spec,
        ),
        showlegend=False,
    )
    return {"data": data, "layout": layout}


def small_multiples(
    panel: pd.DataFrame,
    names: dict[str, str],
    *,
    citywide: pd.DataFrame,
    columns: int = 6,
    height_per_row: int = 110,
    titles: dict[str, str] | None = None,
    colors: dict[str, str] | None = None,
    marker=None,
) -> dict:
    """One small line per neighborhood, with the citywide series in grey behind it.

    Parameters
    ----------
    panel : frame with ``geography_id``, ``period`` and ``value``.
    names : geography id → name (untrusted text); panels are in name order.
    citywide : frame with ``period`` and ``value``, drawn in every panel.
    titles : geography id → panel title as plotly text, already escaped (for example
        wrapped with ``<br>``); by default the escaped name.
    colors : geography id → line colour; by default blue.
    marker : a period to mark with a dotted vertical line in every panel.

    The grid is ``make_subplots(shared_xaxes=True, shared_yaxes=True)``'s: x axes matched
    down each column, y axes across each row. The figure is a plain dict, which
    ``dcc.Graph`` takes as is: with sixty-odd panels, graph_objects' per-trace validation,
    ``make_subplots`` and ``add_vline(row="all")`` (which scans every trace per panel)
    took seconds. Dates are sent as ``YYYY-MM-DD`` and values as typed arrays, to keep
    the figure small.
    """
    geographies = sorted(panel["geography_id"].unique(), key=lambda g: names.get(g, g))
    titles = titles or {}
    colors = colors or {}
    # Convert once, then slice per neighborhood (rows keep their order within each one).
    dates = np.array(_dates(panel["period"]), dtype=object)
    values = pd.to_numeric(panel["value"], errors="coerce").to_numpy(dtype=float)
    rows_of = panel.groupby("geography_id", sort=False).indices
    city_x, city_y = _dates(citywide["period"]), _typed_array(citywide["value"])
    rows = max(1, -(-len(geographies) // columns))
    h_space, v_space = 0.02, 0.5 / rows
    width = (1 - h_space * (columns - 1)) / columns
    height = (1 - v_space * (rows - 1)) / rows
    layout = _layout(
        height=rows * height_per_row + 40, margin=dict(l=4, r=4, t=24, b=4), hovermode=False
    )
    data, annotations, shapes = [], [], []
    # Every cell of the grid has axes, the empty ones at the end too (as in make_subplots):
    # "x"/"y", "x2"/"y2", ... numbered across the rows from the top left.
    for cell in range(rows * columns):
        row, col = divmod(cell, columns)
        n = _axis_number(cell)
        left = col * (width + h_space)
        top = 1 - row * (height + v_space)
        xaxis = dict(
            anchor=f"y{n}", domain=_span(left, width), showgrid=False, showticklabels=False
        )
        yaxis = dict(
            anchor=f"x{n}", domain=_span(top - height, height), showgrid=False, showticklabels=False
        )
        bottom, first = (rows - 1) * columns + col, row * columns
        if cell != bottom:  # x axes follow the bottom cell of their column
            xaxis["matches"] = f"x{_axis_number(bottom)}"
        if cell != first:  # y axes follow the first cell of their row
            yaxis["matches"] = f"y{_axis_number(first)}"
        layout[f"xaxis{n}"], layout[f"yaxis{n}"] = xaxis, yaxis
        if cell >= len(geographies):
            continue
        geography = geographies[cell]
        own = rows_of[geography]
        common = dict(
            type="scatter",
            mode="lines",
            hoverinfo="skip",
            showlegend=False,
            xaxis=f"x{n}",
            yaxis=f"y{n}",
        )
        data.append(
            dict(common, x=city_x, y=city_y, line=dict(color="rgba(108,117,125,0.55)", width=1))
        )
        data.append(
            dict(
                common,
                x=dates[own].tolist(),
                y=_typed_array(values[own]),
                line=dict(color=colors.get(geography, theme.BLUE), width=1.5),
            )
        )
        annotations.append(
            dict(
                text=titles.get(geography) or plot_text(names.get(geography, geography)),
                x=round(left + width / 2, 6),
                y=round(top, 6),
                xref="paper",
                yref="paper",
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=11),
            )
        )
        if marker is not None:
            line = dict(color=theme.REFERENCE, width=1, dash="dot")
            shapes.append(_vline(iso_date(marker), xref=f"x{n}", yref=f"y{n}", line=line))
    layout["annotations"] = annotations
    layout["shapes"] = shapes
    return {"data": data, "layout": layout}


def _span(start: float, length: float) -> list[float]:
    """An axis domain (rounded: the float noise of the sums would only bloat the JSON)."""
    return [round(start, 6), round(start + length, 6)]


def _axis_number(cell: int) -> str:
    """The suffix of the axes of grid cell ``cell`` (0-based): "", "2", "3", ..."""
    return "" if cell == 0 else str(cell + 1)


# -- plain-dict figures -------------------------------------------------------------------------------
#
# The neighborhood explorer's figures are plain dicts, which dcc.Graph takes as they are:
# graph_objects validates every property, copies data (the map's boundaries included) and,
# for shapes spanning subplots, scans every trace; on a large city that took seconds.


def _layout(**props) -> dict:
    """A layout with the app's template attached, as ``go.Figure`` would attach it."""
    return {"template": pio.templates[pio.templates.default].to_plotly_json(), **props}


def _vline(x, *, line: dict, xref: str = "x", yref: str = "y") -> dict:
    """A vertical line across the whole height of one subplot (``add_vline``'s shape)."""
    return dict(type="line", x0=x, x1=x, xref=xref, y0=0, y1=1, yref=f"{yref} domain", line=line)


def _numbers(values) -> list:
    """Numbers as a JSON list; missing values are null (plotly draws a gap)."""
    return [None if pd.isna(v) else float(v) for v in values]


def iso_date(value) -> str:
    """A date as ``YYYY-MM-DD``, for plain-dict figures (plotly reads it as a date)."""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _dates(values) -> list[str]:
    """Dates as ``YYYY-MM-DD``: plotly reads them as dates, in half the bytes of timestamps."""
    days = pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")
    return np.datetime_as_string(days, unit="D").tolist()


def _typed_array(values) -> dict | list:
    """Numbers as a plotly.js typed array (base64 little-endian float64), as plotly.py
    sends numpy arrays: a third of the size of their JSON text."""
    array = np.ascontiguousarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="<f8")
    if not array.size:
        return []
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}
