"""Period helpers: fiscal years, grids, offsets and labels."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.periods import (
    MeasureMeta,
    fiscal_year_end,
    fiscal_year_label,
    fiscal_year_start,
    forecast_horizon,
    grid_after,
    pandas_freq,
    period_label,
    regular_series,
    same_period_last_year,
    season_length,
    shared_grids,
    trend_window,
)


@pytest.mark.parametrize(
    "day, start_month, end",
    [
        (date(2026, 10, 5), 7, date(2027, 6, 30)),
        (date(2026, 6, 30), 7, date(2026, 6, 30)),
        (date(2026, 7, 1), 7, date(2027, 6, 30)),
        (date(2026, 10, 5), 1, date(2026, 12, 31)),
        (date(2026, 9, 30), 10, date(2026, 9, 30)),
        (date(2024, 2, 29), 3, date(2024, 2, 29)),
        (date(2023, 3, 1), 3, date(2024, 2, 29)),
    ],
)
def test_prd001_fiscal_year_end(day, start_month, end):
    assert fiscal_year_end(day, start_month) == end
    start = fiscal_year_start(day, start_month)
    assert start <= day <= end
    assert fiscal_year_label(day, start_month) == f"FY{end.year}"


def test_prd002_frequency_tables():
    assert [season_length(f) for f in ("day", "week", "month", "quarter", "year")] == [
        7,
        52,
        12,
        4,
        1,
    ]
    assert [forecast_horizon(f) for f in ("day", "week", "month", "quarter", "year")] == [
        60,
        26,
        12,
        8,
        3,
    ]
    assert (
        trend_window("month") == 24 and trend_window("week") == 104 and trend_window("quarter") == 8
    )
    assert pandas_freq("week", pd.Timestamp("2026-10-04")) == "W-SUN"
    assert pandas_freq("quarter", pd.Timestamp("2026-08-01")) == "QS-FEB"
    assert pandas_freq("year", pd.Timestamp("2026-07-01")) == "YS-JUL"
    with pytest.raises(ValueError):
        season_length("fortnight")


def test_prd003_regular_series_fills_missing_periods():
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-05-01", "2026-07-01"]),
            "value": [1.0, 2.0, 5.0, 7.0],
        }
    )
    grid = regular_series(frame, "month", as_of=date(2026, 6, 15))
    assert list(grid.index) == list(pd.date_range("2026-01-01", "2026-05-01", freq="MS"))
    assert np.isnan(grid.loc["2026-03-01", "value"]) and grid.loc["2026-05-01", "value"] == 5.0


def test_prd004_weekly_and_fiscal_quarter_grids():
    weeks = pd.DataFrame(
        {"period": pd.to_datetime(["2026-01-04", "2026-01-18", "2026-01-25"]), "value": [1.0, 3, 4]}
    )
    grid = regular_series(weeks, "week")
    assert len(grid) == 4 and (grid.index.day_of_week == 6).all()
    quarters = pd.DataFrame(
        {"period": pd.to_datetime(["2025-08-01", "2026-02-01"]), "value": [1.0, 2.0]}
    )
    assert list(regular_series(quarters, "quarter").index) == list(
        pd.to_datetime(["2025-08-01", "2025-11-01", "2026-02-01"])
    )
    assert list(grid_after(pd.Timestamp("2026-02-01"), "quarter", 2)) == list(
        pd.to_datetime(["2026-05-01", "2026-08-01"])
    )


def test_prd005_year_ago_and_labels():
    assert same_period_last_year(pd.Timestamp("2026-10-01"), "month") == pd.Timestamp("2025-10-01")
    assert same_period_last_year(pd.Timestamp("2026-10-05"), "week") == pd.Timestamp("2025-10-06")
    # As pandas' DateOffset(years=1) moves it, which this once used.
    leap_day = pd.Timestamp("2024-02-29")
    assert same_period_last_year(leap_day, "month") == leap_day - pd.DateOffset(years=1)
    assert same_period_last_year(leap_day, "month") == pd.Timestamp("2023-02-28")
    assert period_label(pd.Timestamp("2026-10-01"), "month") == "October 2026"
    assert period_label(pd.Timestamp("2026-10-01"), "quarter") == "Q4 2026"
    assert period_label(pd.Timestamp("2026-10-05"), "week") == "the week of 5 October 2026"


def test_prd006_measure_meta_validates_and_bounds():
    meta = MeasureMeta("percent", 100.0, "higher_is_better", "month", "rate")
    assert meta.bounds == (0.0, 100.0)
    assert MeasureMeta("score", 1.0, "neutral", "year", "mean").bounds == (None, None)
    with pytest.raises(ValueError):
        MeasureMeta("count", 1.0, "up", "month", "sum")


def test_prd007_shared_grids_grid_each_frame_once(monkeypatch):
    import analytics.periods as periods

    frame = pd.DataFrame(
        {"period": pd.to_datetime(["2026-01-01", "2026-03-01"]), "value": [1.0, 3.0]}
    )
    calls = []  # each gridding snaps the frame's periods once
    plain = periods.snap_to_grid
    monkeypatch.setattr(periods, "snap_to_grid", lambda *a: calls.append(1) or plain(*a))
    with shared_grids():
        first, again = regular_series(frame, "month"), regular_series(frame, "month")
        assert len(calls) == 1
        pd.testing.assert_frame_equal(first, again)
        first.loc[pd.Timestamp("2026-02-01"), "value"] = 99.0  # a caller's copy is its own
        assert np.isnan(regular_series(frame, "month").loc["2026-02-01", "value"])
        regular_series(frame.copy(), "month")  # another frame, even with the same rows
        regular_series(frame, "month", as_of=date(2026, 2, 1))  # other arguments
        assert len(calls) == 3
    regular_series(frame, "month")  # outside the block: no memory
    assert len(calls) == 4
