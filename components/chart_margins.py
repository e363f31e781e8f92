"""The margins a figure's labels will need, estimated before the browser draws it.

plotly.js's ``automargin`` measures tick labels and colour bars after drawing a graph
and, when they do not fit the margins, draws the whole graph again with wider ones. A
figure that starts at the margins it will end with is drawn once: on the measure page
that is about a fifth of the browser's work (docs/performance.md, "Starting at the final
margins").

Widths are those of the app's font, Inter (served from ``assets/base/inter``), added up
from its glyph advances with tabular figures, as the stylesheet sets them: every digit
is as wide as every other, so a tick label's width depends only on its length. The
allowances around the labels were read off Chromium's drawing of the app's template.
``automargin`` stays on, so an estimate that is too small costs only the redraw that
used to happen every time; one that is too large leaves a few pixels of space. The
estimates lean large.
"""

from __future__ import annotations

import math
from html import unescape

from components.inter_advances import ADVANCES, UNITS_PER_EM

#: The app template's font size (components.theme).
FONT_SIZE = 14
#: Characters outside Inter's Latin set are drawn in a fallback font (★, CJK): a wide guess.
_FALLBACK_EM = 1.0
#: plotly.js writes negative numbers with a true minus sign.
_MINUS = "\u2212"

# How far labels reach beyond the plot, measured in Chromium as the margins plotly.js
# settles on when it starts from none (so with no pad; see fit).
#: Beside a value axis's widest tick label: the rotated axis title and the gaps around
#: it (title standoff 8 px; measured: label + 21 to 23 px).
VALUE_AXIS_TITLE_BAND = 23
#: Beside a category axis's widest label, without a title (measured: label + 1 px).
CATEGORY_AXIS_GAP = 1
#: A horizontal axis's tick labels below the plot, one line of 14 px type (measured: 18).
X_TICK_BAND = 19
#: A colour bar beside a map, beyond its widest tick label: the bar (12 px), its padding
#: and the gap before the labels (measured: label + 41 to 43 px).
COLORBAR_BAND = 44
#: plotly.js keeps this much space beyond what labels reach, or less when a margin is
#: smaller (plots.autoMargin: the pad is the smallest of 12 px and the four margins).
AUTOMARGIN_PAD = 12


def fit(margin: dict, **reach: float) -> dict:
    """``margin`` (all four sides) with each side named in ``reach`` set to hold labels
    reaching that many pixels beyond the plot, and plotly.js's pad beyond them."""
    others = [value for side, value in margin.items() if side not in reach]
    pad = min(AUTOMARGIN_PAD, *others, *reach.values())
    return {**margin, **{side: math.ceil(pixels + pad) for side, pixels in reach.items()}}


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The width in pixels of ``text`` (plain, or escaped by ``plot_text``) at ``size``,
    plus a pixel for rounding."""
    units = sum(ADVANCES.get(ord(char), _FALLBACK_EM * UNITS_PER_EM) for char in unescape(text))
    return units * size / UNITS_PER_EM + 1 if text else 0.0


def value_tick_labels(low: float, high: float, *, prefix: str, spec: str, suffix: str) -> list[str]:
    """Tick labels at the two ends of an axis over [low, high] with d3 format ``spec``.

    The widest label of an axis is at one of its ends. The ends are taken at a fine tick
    step (a tenth of the span, rounded to 1, 2 or 5), so a label can only have more
    digits than plotly.js's, never fewer.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    low, high = min(low, high), max(low, high)
    step = _nice_step((high - low) / 10 or abs(high) / 10 or 1.0)
    ends = {math.ceil(low / step) * step, math.floor(high / step) * step, low, high}
    return [prefix + _format(value, spec, step) + suffix for value in sorted(ends)]


def value_axis_width(low, high, *, prefix: str, spec: str, suffix: str) -> float:
    """The widest tick label of a value axis over [low, high], in pixels."""
    labels = value_tick_labels(low, high, prefix=prefix, spec=spec, suffix=suffix)
    return max((text_width(label) for label in labels), default=0.0)


def category_axis_width(labels) -> float:
    """The widest of a category axis's labels, in pixels."""
    return max((text_width(str(label)) for label in labels), default=0.0)


def _nice_step(rough: float) -> float:
    rough = abs(rough)
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if rough <= factor * power:
            return factor * power
    return 10 * power


def _format(value: float, spec: str, step: float) -> str:
    """``value`` as d3-format writes it with ``spec`` (",.Nf" or "~s"), with plotly's minus."""
    if spec == "~s":
        text = _si(value, step)
    else:
        text = format(value, spec)
    return text.replace("-", _MINUS)


_SI = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]


def _si(value: float, step: float) -> str:
    """d3's "~s" (SI prefix, trailing zeros trimmed), with as many decimals as ``step`` needs."""
    magnitude = abs(value)
    scale, symbol = next(((s, p) for s, p in _SI if magnitude >= s), (1.0, ""))
    decimals = max(0, -math.floor(math.log10(step / scale))) if step < scale else 0
    text = f"{value / scale:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + symbol
