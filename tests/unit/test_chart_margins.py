"""Margins estimated before the browser draws a figure (components.chart_margins).

The reference widths are Inter's advances (2048 units to the em) with tabular figures;
the allowances were measured in Chromium (tests/integration/test_measure.py, msr111,
checks them against the drawn page).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from components import chart_margins as cm
from components.inter_advances import ADVANCES

ROOT = Path(__file__).resolve().parents[2]


def test_cmg001_text_width_is_the_sum_of_inter_advances():
    # "2022": four tabular figures of 1328 units; at 14 px, 4 * 1328 / 2048 * 14 + 1.
    assert cm.text_width("2022") == pytest.approx(37.3125)
    # "Loyola" at 13 px: L 1158, o 1228, y 1151, o 1228, l 496, a 1150.
    assert cm.text_width("Loyola", 13) == pytest.approx(6411 / 2048 * 13 + 1)
    assert cm.text_width("") == 0.0
    # Escaped by plot_text, measured as shown; a character Inter lacks counts an em.
    assert cm.text_width("A &amp; B") == pytest.approx(cm.text_width("A & B"))
    assert cm.text_width("★") == pytest.approx(14 + 1)


def test_cmg002_figures_hyphen_and_minus_are_tabular():
    widths = {ADVANCES[ord(char)] for char in "0123456789-\u2212+"}
    assert widths == {1328}


def test_cmg003_tick_labels_at_both_ends_of_the_axis():
    labels = cm.value_tick_labels(0.23, 0.62, prefix="", spec=",.2f", suffix="")
    assert labels == ["0.23", "0.25", "0.60", "0.62"]
    labels = cm.value_tick_labels(-12.5, 3, prefix="", spec=",.1f", suffix="%")
    assert labels == ["\u221212.5%", "\u221212.0%", "2.0%", "3.0%"]
    labels = cm.value_tick_labels(1_234, 98_765, prefix="", spec=",.0f", suffix=" min")
    assert labels[-1] == "98,765 min"
    # Currency ticks in SI units, with the decimals the tick step needs.
    labels = cm.value_tick_labels(2.3e6, 6.1e6, prefix="$", spec="~s", suffix="")
    assert labels == ["$2.3M", "$2.5M", "$6M", "$6.1M"]
    assert cm.value_tick_labels(float("nan"), 1, prefix="", spec=",.0f", suffix="") == []


def test_cmg004_value_axis_width_is_its_widest_label():
    width = cm.value_axis_width(0.23, 0.62, prefix="", spec=",.2f", suffix="")
    assert width == pytest.approx(cm.text_width("0.62"))
    flat = cm.value_axis_width(5, 5, prefix="", spec=",.0f", suffix="")
    assert flat == pytest.approx(cm.text_width("5"))


def test_cmg005_fit_adds_plotly_pad_of_the_smallest_margin():
    # The trend chart: r = 8 makes the pad 8 (Chromium settles on l = 52 + 8 = 60).
    assert cm.fit(dict(l=8, r=8, t=40, b=8), l=52) == dict(l=60, r=8, t=40, b=8)
    # The ranked bars: every margin at least 12, so the pad is 12 (152 -> 164).
    fitted = cm.fit(dict(l=8, r=16, t=36, b=8), l=152, b=18)
    assert fitted == dict(l=164, r=16, t=36, b=30)
    # The map: l = 0 makes the pad 0 (the colour bar's 73 px is the margin).
    assert cm.fit(dict(l=0, r=0, t=0, b=0), r=72.2) == dict(l=0, r=73, t=0, b=0)


def test_cmg006_the_width_table_is_the_served_font():
    spec = importlib.util.spec_from_file_location(
        "generate_text_widths", ROOT / "tools/text-widths/generate.py"
    )
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "components/inter_advances.py").read_text()
    assert generator.module_text() == committed
