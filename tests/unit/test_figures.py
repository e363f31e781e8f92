"""Figure builders: layers, escaping of untrusted text, and payload size."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from components import figures

HOSTILE = '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'


def history(n=24):
    periods = pd.date_range("2024-01-01", periods=n, freq="MS")
    return pd.DataFrame({"period": periods, "value": range(n)})


def targets():
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2024-01-01", "2025-01-01"]),
            "period_end": pd.to_datetime(["2024-12-31", "2025-12-31"]),
            "value": [10.0, 12.0],
            "tolerance": [1.0, 0.0],
        }
    )


def forecast():
    periods = pd.date_range("2026-01-01", periods=6, freq="MS")
    return pd.DataFrame(
        {"period": periods, "mean": 25.0, "lo80": 23.0, "hi80": 27.0, "lo95": 21.0, "hi95": 29.0}
    )


def annotations(label=HOSTILE):
    return pd.DataFrame(
        {
            "start_date": pd.to_datetime(["2024-06-01", "2025-02-01"]),
            "end_date": pd.to_datetime([None, "2025-03-01"]),
            "label": [label, "Data outage"],
        }
    )


def full_chart(**overrides):
    args = dict(
        unit="minutes",
        decimals=1,
        history=history(),
        targets=targets(),
        forecast=forecast(),
        control_phases=pd.DataFrame(
            {
                "start": pd.to_datetime(["2024-01-01"]),
                "end": pd.to_datetime(["2025-12-01"]),
                "centre": [11.5],
                "lower": [2.0],
                "upper": [21.0],
            }
        ),
        signals=pd.DataFrame(
            {
                "period": pd.to_datetime(["2025-12-01"]),
                "value": [23.0],
                "rule": ["Beyond the upper limit"],
            }
        ),
        annotations=annotations(),
        actions=pd.DataFrame(
            {
                "due_date": pd.to_datetime(["2025-06-01"]),
                "completed_at": pd.to_datetime([None]),
                "description": [HOSTILE],
            }
        ),
    )
    args.update(overrides)
    return figures.measure_chart(**args)


def trace_names(figure):
    return {trace.name for trace in figure.data}


def test_fig001_all_layers_drawn():
    names = trace_names(full_chart())
    assert {
        "Actual",
        "Target",
        "Forecast",
        "80% forecast range",
        "Centre line",
        "Signal",
        "Action due",
    } <= names
    assert len(full_chart().layout.shapes) >= 2  # annotation line and interval


def test_fig002_layers_can_be_switched_off():
    figure = full_chart(layers=("history",))
    assert trace_names(figure) == {"Actual"}
    assert not figure.layout.shapes


def test_fig003_untrusted_text_is_escaped_everywhere():
    payload = pio.to_json(full_chart())
    assert "<script>" not in payload and "<a href" not in payload
    assert "&lt;script&gt;" in payload


def test_fig004_empty_history_says_so():
    figure = figures.measure_chart(unit="count", decimals=0, history=history(0))
    assert "No data" in figure.layout.annotations[0].text


def test_fig005_payload_is_small():
    assert len(pio.to_json(full_chart(history=history(120)))) < 200_000


def test_fig006_ranked_bars_best_first_and_suppressed_left_out():
    section = pd.DataFrame(
        {
            "geography_id": ["a", "b", "c"],
            "name": ["A", "B", HOSTILE],
            "value": [5.0, 9.0, 7.0],
            "lower": [4.0, 8.0, 6.0],
            "upper": [6.0, 10.0, 8.0],
            "suppressed": [False, False, True],
            "equity_priority": [False, True, False],
        }
    )
    lower_better = figures.ranked_bars_dict(
        section, unit="minutes", decimals=1, citywide=6.0, direction="lower_is_better"
    )
    assert list(lower_better["data"][0]["y"]) == ["A", "B ★"]
    higher_better = figures.ranked_bars_dict(
        section, unit="minutes", decimals=1, citywide=6.0, direction="higher_is_better"
    )
    assert list(higher_better["data"][0]["y"]) == ["B ★", "A"]
    assert "<script>" not in pio.to_json(lower_better)


def test_fig007_choropleth_marks_suppressed_areas():
    section = pd.DataFrame(
        {
            "geography_id": ["a", "b"],
            "name": ["A", "B"],
            "value": [1.0, 2.0],
            "suppressed": [False, True],
        }
    )
    figure = figures.choropleth_dict(
        section, {"type": "FeatureCollection", "features": []}, unit="percent", decimals=1
    )
    assert [t["name"] for t in figure["data"]] == ["Value", "Suppressed"]
    assert list(figure["data"][1]["locations"]) == ["b"]


def test_fig008_value_formats():
    assert figures.value_format("percent", 1) == ("", ",.1f", "%")
    assert figures.value_format("currency", 0) == ("$", ",.0f", "")
    assert figures.value_format("minutes", 2)[2] == " min"
    assert json.loads(pio.to_json(figures.sparkline(history())))["layout"]["height"] == 48


def test_fig009_choropleth_sends_each_boundary_once():
    section = pd.DataFrame(
        {
            "geography_id": ["a", "b", "c"],
            "name": ["A", "B", "C"],
            "value": [1.0, None, 2.0],
            "suppressed": [False, True, False],
        }
    )
    boundaries = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": g, "properties": {}, "geometry": None} for g in "abcd"
        ],
    }
    figure = figures.choropleth_dict(section, boundaries, unit="percent", decimals=1)
    value, hidden = figure["data"]
    # Each trace draws only its own locations: it carries only their outlines.
    assert [f["id"] for f in value["geojson"]["features"]] == value["locations"] == ["a", "c"]
    assert [f["id"] for f in hidden["geojson"]["features"]] == hidden["locations"] == ["b"]
    assert figure["layout"]["template"] == pio.templates[pio.templates.default].to_plotly_json()


def test_fig010_gap_over_time_marks_the_window_and_the_period():
    gaps = pd.DataFrame(
        {"period": pd.date_range("2025-01-01", periods=12, freq="MS"), "gap": range(12)}
    )
    figure = figures.gap_over_time(
        gaps,
        unit="percent",
        decimals=1,
        label=HOSTILE,
        window=("2025-06-01", "2025-12-01"),
        marker="2025-09-01",
    )
    validated = go.Figure(figure)  # a valid plotly figure
    zero, window, period = validated.layout.shapes
    assert (zero.y0, zero.y1, zero.xref) == (0, 0, "x domain")
    assert (window.type, window.x0, window.x1) == ("rect", "2025-06-01", "2025-12-01")
    assert (period.type, period.x0, period.yref) == ("line", "2025-09-01", "y domain")
    line, dot = figure["data"]
    assert line["x"][0] == "2025-01-01"
    assert (dot["x"], dot["y"]) == (["2025-09-01"], [8.0])
    assert "<script>" not in pio.to_json(figure)


def test_fig011_markers_out_of_view_are_left_out_but_never_thinned():
    # A marker limit makes plotly.js draw only the markers inside the axes' ranges; at
    # the trace's length or more it never drops one that is in view.
    signals = pd.DataFrame(
        {
            "period": pd.date_range("2024-03-01", periods=5, freq="MS"),
            "value": [23.0] * 5,
            "rule": ["Beyond the upper limit"] * 5,
        }
    )
    figure = full_chart(history=history(120), signals=signals)
    marked = {t.name: t for t in figure.data if t.name in ("Actual", "Signal")}
    assert marked["Actual"].marker.maxdisplayed == 120 == len(marked["Actual"].x)
    assert marked["Signal"].marker.maxdisplayed == 5 == len(marked["Signal"].x)
