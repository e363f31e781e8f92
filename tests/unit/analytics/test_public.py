"""Wording, windows and rotation steps for the public site and the kiosk."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pandas as pd
import pytest

from analytics.public import (
    KIOSK_DEFAULT_INTERVAL,
    change_verdict,
    change_words,
    chart_range,
    clip_targets,
    forecast_frame,
    kiosk_interval,
    rotation_step,
    table_rows,
    target_on,
    trend_words,
    updated_on,
    window_start,
)

EMS = SimpleNamespace(
    unit="minutes", decimals=1, unit_label="", rate_per=None, frequency="month", name="EMS"
)
SHARE = SimpleNamespace(
    unit="percent", decimals=1, unit_label="", rate_per=None, frequency="quarter", name="Share"
)


@pytest.mark.parametrize(
    "requested, default, expected",
    [
        ("20", None, 20),
        (20, None, 20),
        ("7.6", None, 8),
        (None, None, KIOSK_DEFAULT_INTERVAL),
        ("", 30, 30),
        ("soon", 30, 30),
        ("nan", None, KIOSK_DEFAULT_INTERVAL),
        ("inf", None, KIOSK_DEFAULT_INTERVAL),
        ("0", None, 1),
        ("-5", None, 1),
        ("0.2", None, 1),
        ("99999", None, 3600),
        (None, 0, 1),
    ],
)
def test_pub001_kiosk_interval_is_clamped(requested, default, expected):
    assert kiosk_interval(requested, default) == expected


@pytest.mark.parametrize(
    "tick, count, expected",
    [(None, 5, 0), (0, 5, 0), (4, 5, 4), (5, 5, 0), (123_456, 7, 123_456 % 7), (3, 0, 0)],
)
def test_pub002_rotation_step_comes_from_the_tick_alone(tick, count, expected):
    assert rotation_step(tick, count) == expected


def test_pub003_window_start_by_frequency():
    october = pd.Timestamp("2026-10-01")
    assert window_start(october, "month", 3) == pd.Timestamp("2023-11-01")  # 36 months
    assert window_start(pd.Timestamp("2026-07-01"), "quarter", 5) == pd.Timestamp("2021-10-01")
    assert window_start(pd.Timestamp("2026-01-01"), "year", 10) == pd.Timestamp("2017-01-01")
    monday = pd.Timestamp("2026-11-09")
    start = window_start(monday, "week", 2)
    assert (monday - start).days == 7 * 103 and start.weekday() == 0  # 104 weeks
    assert window_start(pd.Timestamp("2026-11-15"), "day", 1) == pd.Timestamp("2025-11-16")
    assert window_start(october, "month", None) is None
    assert window_start(None, "month", 3) is None


def test_pub004_chart_range_falls_back_to_the_frequency_default():
    assert chart_range("all", "month") == "all"
    assert chart_range(None, "month") == "5y"
    assert chart_range("'><script>", "week") == "2y"
    assert chart_range(None, "year") == "all"


@pytest.mark.parametrize(
    "trend, frequency, expected",
    [
        (
            {"verdict": "improving", "run_length": 13},
            "month",
            ("Improving for 13 months", "improving"),
        ),
        (
            {"verdict": "worsening", "run_length": 72, "run_length_capped": True},
            "month",
            ("Getting worse for at least 6 years", "worsening"),
        ),
        ({"verdict": "improving", "run_length": 1}, "month", ("Improving", "improving")),
        ({"verdict": "increasing", "run_length": 3}, "week", ("Rising for 3 weeks", "neutral")),
        ({"verdict": "decreasing", "run_length": 0}, "quarter", ("Falling", "neutral")),
        (
            {"verdict": "no_significant_change", "run_length": 9},
            "month",
            ("No clear trend", "flat"),
        ),
        (
            {"verdict": "insufficient_data"},
            "month",
            ("Too little data to judge a trend", "unknown"),
        ),
        (None, "month", ("Too little data to judge a trend", "unknown")),
    ],
)
def test_pub005_trend_words(trend, frequency, expected):
    assert trend_words(trend, frequency) == expected


def test_pub006_change_words():
    change = {"period": "2025-10-01", "absolute": -0.0857, "assessment": "better"}
    assert change_words(change, EMS) == ("0.1 minutes lower than in October 2025", "better")
    worse = {"period": "2025-07-01", "absolute": 2.04, "assessment": "worse"}
    assert change_words(worse, SHARE) == ("2.0 percentage points higher than in Q3 2025", "worse")
    one_point = {"period": "2025-07-01", "absolute": 1.0, "assessment": "neutral"}
    assert change_words(one_point, SimpleNamespace(**{**vars(SHARE), "decimals": 0})) == (
        "1 percentage point higher than in Q3 2025",
        None,
    )
    same = {"period": "2025-10-01", "absolute": 0.0, "assessment": None}
    assert change_words(same, EMS) == ("The same as in October 2025", None)
    assert change_words(None, EMS) == ("No earlier figure to compare with", None)
    assert change_words({"period": None, "absolute": None}, EMS)[1] is None


@pytest.mark.parametrize(
    "when, expected",
    [
        (datetime(2026, 11, 22, 5, 40), "22 November 2026"),
        (date(2026, 1, 3), "3 January 2026"),
        (pd.Timestamp("2026-02-01"), "1 February 2026"),
        ("2026-03-04", "4 March 2026"),
        (None, "not yet"),
        (pd.NaT, "not yet"),
        (float("nan"), "not yet"),
    ],
)
def test_pub007_updated_on(when, expected):
    assert updated_on(when) == expected


def test_pub008_forecast_frame_from_the_stored_block():
    block = {
        "points": [
            {"period": "2026-11-01", "mean": 7.8, "lo80": 7.7, "hi80": 7.9, "lo95": 7.6, "hi95": 8},
            {
                "period": "2026-12-01",
                "mean": 7.9,
                "lo80": 7.7,
                "hi80": 8.1,
                "lo95": 7.5,
                "hi95": None,
            },
        ]
    }
    frame = forecast_frame(block)
    assert list(frame.columns) == ["period", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert frame["period"].iloc[1] == pd.Timestamp("2026-12-01")
    assert frame["hi95"].isna().iloc[1]
    assert forecast_frame(None).empty and forecast_frame({"error": "too short"}).empty


TARGETS = pd.DataFrame(
    {
        "period_start": pd.to_datetime(["2024-07-01", "2025-07-01"]),
        "period_end": pd.to_datetime(["2025-06-30", "2026-06-30"]),
        "value": [8.0, 7.8],
        "tolerance": [0.2, 0.2],
        "label": ["FY2025", "FY2026"],
    }
)


def test_pub009_targets_are_matched_to_periods_and_clipped_to_the_window():
    periods = pd.Series(pd.to_datetime(["2024-06-01", "2024-07-01", "2025-07-01", "2026-07-01"]))
    on = target_on(TARGETS, periods)
    assert on.isna().tolist() == [True, False, False, True]
    assert on.iloc[1] == 8.0 and on.iloc[2] == 7.8
    clipped = clip_targets(TARGETS, pd.Timestamp("2025-01-01"))
    assert clipped["period_start"].tolist() == [
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2025-07-01"),
    ]
    assert len(clip_targets(TARGETS, pd.Timestamp("2025-08-01"))) == 1
    assert clip_targets(TARGETS, None) is TARGETS


def test_pub010_table_rows_newest_first_with_targets():
    history = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-06-01", "2025-07-01", "2025-08-01"]),
            "value": [8.26, None, 7.5],
        }
    )
    rows = table_rows(history, TARGETS, EMS)
    assert rows == [
        {"period": "August 2025", "value": "7.5 minutes", "target": "7.8 minutes"},
        {"period": "July 2025", "value": "No data", "target": "7.8 minutes"},
        {"period": "June 2025", "value": "8.3 minutes", "target": "8.0 minutes"},
    ]
    weekly = SimpleNamespace(**{**vars(EMS), "frequency": "week"})
    week = table_rows(history.iloc[:1], TARGETS.iloc[:0], weekly)
    assert week == [{"period": "The week of 1 June 2025", "value": "8.3 minutes", "target": "—"}]
    assert table_rows(history.iloc[:0], TARGETS, EMS) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"period": "2025-10-01", "absolute": -0.1, "assessment": "better"}, "Better"),
        ({"period": "2025-10-01", "absolute": 0.1, "assessment": "worse"}, "Worse"),
        ({"period": "2025-10-01", "absolute": 3.0, "assessment": "neutral"}, "Higher"),
        ({"period": "2025-10-01", "absolute": -3.0, "assessment": None}, "Lower"),
        ({"period": "2025-10-01", "absolute": 0.0, "assessment": None}, "The same"),
        ({"period": None, "absolute": None}, "—"),
        (None, "—"),
    ],
)
def test_pub011_change_verdict(change, expected):
    assert change_verdict(change) == expected
