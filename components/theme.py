"""One plotly template for the whole app, plus a large-type projector variant.

Colours are the Okabe–Ito palette, distinguishable with the common forms of
colour-blindness. Backgrounds are transparent and text colours are restyled by
``assets/statroom/statroom.css`` for the dark theme, so figures follow the
theme switch without a server round trip.
"""

from __future__ import annotations

import copy

import plotly.graph_objects as go
import plotly.io as pio

FONT_FAMILY = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
YELLOW = "#F0E442"
INK = "#212529"
MUTED = "#5c636a"
GRID = "rgba(108,117,125,0.22)"
#: Reference lines (citywide, zero) must read on light and dark cards alike.
REFERENCE = "#868e96"
PALETTE = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW]

#: Sequential, colour-blind-safe scale for maps: dark blue for low values, yellow for high.
SEQUENTIAL = "Cividis"

STATUS_COLOURS = {"met": GREEN, "near": ORANGE, "missed": VERMILLION}


def _template(base_size: int) -> go.layout.Template:
    axis = dict(
        showgrid=True,
        gridcolor=GRID,
        zeroline=False,
        linecolor=GRID,
        ticks="",
        title=dict(standoff=8),
        automargin=True,
        # plotly.js's default ("hide past div") measures every tick label after drawing
        # it, forcing a page layout per label; automargin keeps labels inside anyway.
        ticklabeloverflow="allow",
    )
    return go.layout.Template(
        layout=dict(
            font=dict(family=FONT_FAMILY, size=base_size, color=INK),
            colorway=PALETTE,
            paper_bgcolor="rgba(0,0,0,0)",
            plot_bgcolor="rgba(0,0,0,0)",
            margin=dict(l=8, r=8, t=32, b=8),
            hovermode="x unified",
            hoverlabel=dict(font=dict(family=FONT_FAMILY, size=base_size)),
            legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
            xaxis=dict(axis, showgrid=False),
            yaxis=axis,
            title=dict(x=0, xanchor="left", font=dict(size=round(base_size * 1.15))),
        )
    )


pio.templates["statroom"] = _template(14)
pio.templates["statroom_projector"] = _template(24)
pio.templates.default = "statroom"


def projector(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` restyled for a projector: large type, thicker lines."""
    figure = copy.deepcopy(figure)
    figure.update_layout(template="statroom_projector")
    for trace in figure.data:
        # Thicken drawn lines only: bands and boxes use width 0 and must stay invisible.
        if trace.type == "scatter" and (trace.line.width is None or trace.line.width > 0):
            trace.line.width = 4
    return figure
