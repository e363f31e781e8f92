"""Plain-language readings of stored statistics (analytics.explain): reference sentences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import explain
from analytics.explain import Reading


@dataclass
class Unit:
    unit: str = "minutes"
    decimals: int = 1
    unit_label: str = ""
    rate_per: int | None = None


MINUTES = Unit()
PERCENT = Unit("percent", 1)
RATE = Unit("rate", 2, "per 1,000 residents", 1000)
DOLLARS = Unit("currency", 0, "USD")
COMPLAINTS = Unit("count", 0, "complaints")


def trend(**overrides) -> dict:
    block = {
        "verdict": "improving",
        "change": "decreasing",
        "seasonal": False,
        "window_periods": 24,
        "n": 24,
        "kendall": {"p_value": 0.0123},
        "slope_per_year": -0.31,
        "run_length": 1,
        "run_length_capped": False,
        "reason": None,
    }
    block.update(overrides)
    return block


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(0.0864, 1, 2), (2.34, 1, 1), (0.0, 1, 1), (12345, 0, 0), (0.00012, 1, 4)],
)
def test_exp001_about_decimals_keeps_within_ten_percent(value, decimals, expected):
    assert explain.about_decimals(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "unit", "about", "expected"),
    [
        (-0.0864, MINUTES, False, "0.09 minutes"),
        (1.234, PERCENT, False, "1.2 percentage points"),
        (1.0, Unit("percent", 0), False, "1 percentage point"),
        (0.0231, RATE, False, "0.023 per 1,000 residents"),
        (392_724, DOLLARS, True, "$390,000"),
        (392_724, DOLLARS, False, "$392,724"),
        (68.4, COMPLAINTS, True, "68 complaints"),
    ],
)
def test_exp002_amounts_read_like_values(value, unit, about, expected):
    assert explain.amount(value, unit, about=about) == expected


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.15, "p = 0.15"), (0.0123, "p = 0.01"), (0.004, "p = 0.004"), (0.0004, "p < 0.001")],
)
def test_exp003_p_values(p, expected):
    assert explain.p_value_text(p) == expected
    assert explain.p_value_text(None) == "p unknown"


@pytest.mark.parametrize(
    ("probability", "expected"),
    [(0.6885, "69% chance"), (0.9975, "Over 99% chance"), (0.0, "Under 1% chance")],
)
def test_exp004_chances(probability, expected):
    assert explain.chance_text(probability) == expected


# -- trend ---------------------------------------------------------------------------------


def test_exp010_significant_improvement_reference_sentence():
    reading = explain.trend_reading(trend(), MINUTES, "month")
    assert reading == Reading(
        "Improving",
        "Values have fallen by about 0.3 minutes a year over the last 24 months; this is "
        "unlikely to be chance (p = 0.01).",
        "better",
    )


def test_exp011_no_significant_change_says_it_could_be_chance():
    reading = explain.trend_reading(
        trend(
            verdict="no_significant_change",
            change="none",
            slope_per_year=0.21,
            kendall={"p_value": 0.149},
            seasonal=True,
        ),
        MINUTES,
        "month",
    )
    assert reading.headline == "No clear trend"
    assert reading.tone == "neutral"
    assert reading.detail == (
        "Values have risen by about 0.2 minutes a year over the last 24 months, but a change "
        "this size could easily be chance (p = 0.15). The usual seasonal pattern is allowed "
        "for (each month is compared with the same month in other years)."
    )


def test_exp012_run_length_and_worsening_and_flat():
    worse = explain.trend_reading(
        trend(
            verdict="worsening",
            change="increasing",
            slope_per_year=68.4,
            run_length=69,
            run_length_capped=True,
        ),
        COMPLAINTS,
        "month",
    )
    assert worse.headline == "Worsening" and worse.tone == "worse"
    assert "risen by about 68 complaints a year" in worse.detail
    assert worse.detail.endswith("It has been worsening for at least 69 months.")

    flat = explain.trend_reading(
        trend(verdict="no_significant_change", slope_per_year=0.0, kendall={"p_value": 1.0}),
        MINUTES,
        "quarter",
    )
    assert flat.detail == (
        "Values show no consistent rise or fall over the last 24 quarters (p = 1.00)."
    )


def test_exp013_insufficient_and_missing_trend():
    short = explain.trend_reading(
        trend(verdict="insufficient_data", reason="only 5 values in the last 24 months"),
        MINUTES,
        "month",
    )
    assert short == Reading(
        "Not enough data for a trend", "Only 5 values in the last 24 months.", "unknown"
    )
    assert explain.trend_reading(None, MINUTES, "month").tone == "unknown"


# -- changes -------------------------------------------------------------------------------


def test_exp020_change_against_previous_period():
    change = {
        "period": "2026-09-01",
        "value": 7.557,
        "absolute": 0.1608,
        "relative": 0.02128,
        "assessment": "worse",
    }
    assert explain.change_reading(change, MINUTES, "month") == Reading(
        "Up 0.16 minutes (+2.1%)", "From 7.6 minutes in September 2026: worse.", "worse"
    )


def test_exp021_percentages_change_in_points_without_relative():
    change = {
        "period": "2025-10-01",
        "value": 86.27,
        "absolute": -0.8636,
        "relative": -0.01,
        "assessment": "worse",
    }
    assert explain.change_reading(change, PERCENT, "month") == Reading(
        "Down 0.9 percentage points", "From 86.3% in October 2025: worse.", "worse"
    )


def test_exp022_missing_and_zero_changes():
    missing = {"period": "2026-09-01", "value": None, "absolute": None, "relative": None}
    assert explain.change_reading(missing, MINUTES, "month") == Reading(
        "No comparison", "There is no value for September 2026 to compare with.", "unknown"
    )
    same = {"period": "2025-10-01", "value": 7.0, "absolute": 0.0, "relative": 0.0}
    assert explain.change_reading(same, MINUTES, "month").headline == "Unchanged"
    down = {"period": "2025-10-01", "value": 7.0, "absolute": -1.0, "relative": -0.125}
    assert explain.change_reading(down, MINUTES, "month").headline == "Down 1.0 minutes (−12.5%)"


# -- control chart -------------------------------------------------------------------------


def phase(start, end, trigger="start", lower=7.5, upper=8.5):
    return {"start": start, "end": end, "centre": 8.0, "lower": lower, "upper": upper,
            "trigger": trigger}  # fmt: skip


def signal(period, rule, side, phase_index, favourable=True):
    return {
        "period": period,
        "value": 7.4,
        "rule": rule,
        "rule_label": "",
        "side": side,
        "phase": phase_index,
        "favourable": favourable,
    }


def test_exp030_signals_since_the_current_phase_with_the_latest_named():
    control = {
        "available": True,
        "phases": [
            phase("2018-11-01", "2024-02-01"),
            phase("2024-03-01", "2026-10-01", "shift_down"),
        ],
        "signals": [
            signal("2020-01-01", "beyond_limits", "above", 0, False),
            signal("2025-01-01", "beyond_limits", "below", 1),
            signal("2025-06-01", "two_of_three_beyond_2sigma", "below", 1),
            signal("2026-10-01", "run_of_eight", "below", 1),
        ],
        "has_new_signal": True,
        "recent_points": 3,
    }
    reading = explain.control_reading(control, MINUTES, "month")
    assert reading == Reading(
        "3 signals since March 2024",
        "Latest: 8 values in a row below the centre line, in October 2026 (a change for "
        "the better). This is recent: one of the 3 latest values. The limits were "
        "recalculated in March 2024 after a lasting shift down.",
        "better",
    )


def test_exp031_no_signals_gives_the_limits():
    control = {
        "available": True,
        "phases": [phase("2018-10-01", "2026-07-01", lower=0.0, upper=141.7)],
        "signals": [],
        "has_new_signal": False,
    }
    reading = explain.control_reading(control, Unit("count", 1, "lane miles"), "quarter")
    assert reading == Reading(
        "No signals since Q4 2018",
        "Values since then stay within the natural limits (0.0 lane miles to 141.7 lane "
        "miles): routine variation, not a change in the process.",
        "neutral",
    )


def test_exp032_unavailable_chart_gives_the_reason():
    control = {"available": False, "reason": "fewer than 12 values", "phases": []}
    assert explain.control_reading(control, MINUTES, "month") == Reading(
        "No control limits yet", "Fewer than 12 values.", "unknown"
    )


@pytest.mark.parametrize(
    ("rule", "side", "expected"),
    [
        ("beyond_limits", "above", "A value above the upper natural limit (unfavourable)"),
        ("beyond_limits", "below", "A value below the lower natural limit (unfavourable)"),
        ("two_of_three_beyond_2sigma", "above", "2 of 3 values far above the centre line "
         "(beyond 2 sigma) (unfavourable)"),
        ("four_of_five_beyond_1sigma", "below", "4 of 5 values below the centre line by more "
         "than 1 sigma (unfavourable)"),
        ("run_of_eight", "above", "8 values in a row above the centre line (unfavourable)"),
    ],
)  # fmt: skip
def test_exp033_every_rule_is_named_on_hover(rule, side, expected):
    assert explain.signal_hover(signal("2026-01-01", rule, side, 0, False)) == expected


# -- outlook, calibration, forecast --------------------------------------------------------


def outlook(**overrides) -> dict:
    block = {
        "target": {
            "period_start": "2026-07-01",
            "period_end": "2027-06-30",
            "value": 8.0,
            "tolerance": 0.2,
            "label": "FY2027 target",
        },
        "target_period": "2027-06-01",
        "probability": 0.62,
        "window_probability": 0.082,
        "window_periods": 12,
        "window_observed": 4,
        "coverage80": 0.79,
        "backtest_points": 48,
        "calibration": "well_calibrated",
        "reason": None,
    }
    block.update(overrides)
    return block


def test_exp040_probability_of_meeting_the_target_in_words():
    reading = explain.outlook_reading(outlook(), MINUTES, "lower_is_better", "month")
    assert reading.headline == "62% chance of meeting the FY2027 target of 8.0 minutes"
    assert reading.detail == (
        "That is the chance that the June 2027 value is at or below 8.0 minutes if the "
        "process carries on as it has. The chance that the average over the whole target "
        "period meets it is 8% (4 of 12 months already reported)."
    )
    assert reading.tone == "neutral"
    higher = explain.outlook_reading(
        outlook(probability=0.999, window_probability=None), PERCENT, "higher_is_better", "month"
    )
    assert higher.headline == "Over 99% chance of meeting the FY2027 target of 8.0%"
    assert "at or above 8.0%" in higher.detail and higher.tone == "better"


def test_exp041_no_probability_gives_the_reason():
    reading = explain.outlook_reading(
        outlook(probability=None, reason="There is no upcoming target."),
        MINUTES,
        "lower_is_better",
        "month",
    )
    assert reading == Reading("No probability", "There is no upcoming target.", "unknown")


@pytest.mark.parametrize(
    ("label", "coverage", "headline", "phrase"),
    [
        ("well_calibrated", 0.79, "Well calibrated", "taken at face value"),
        ("overconfident", 0.44, "Overconfident", "too close to 0% or 100%"),
        ("underconfident", 0.98, "Underconfident", "too close to 50%"),
    ],
)
def test_exp042_calibration_label_says_how_far_to_trust_it(label, coverage, headline, phrase):
    reading = explain.calibration_reading(outlook(calibration=label, coverage80=coverage))
    assert reading.headline == headline
    assert f"held {round(coverage * 100)}% of 48 past values" in reading.detail
    assert phrase in reading.detail


def test_exp043_untested_calibration_and_forecast_blocks_without_a_label():
    assert explain.calibration_reading(outlook(calibration="unknown")).headline == "Not yet tested"
    forecast = {"coverage80": 0.6, "backtest_points": 48}
    assert explain.calibration_reading(forecast).headline == "Overconfident"
    assert explain.calibration_reading({"coverage80": 0.8, "backtest_points": 4}).headline == (
        "Not yet tested"
    )


def test_exp044_forecast_method_and_accuracy_or_the_failure_reason():
    forecast = {
        "method_label": "Exponential smoothing (ETS)",
        "model": "ETS(M,N,M)",
        "horizon": 12,
        "points": [{"period": "2026-11-01"}],
        "n_train": 96,
        "training_start": "2018-11-01",
        "mase": 0.2956,
        "notes": ["Filled 2 missing periods by interpolation."],
        "error": None,
    }
    assert explain.forecast_reading(forecast, "month") == Reading(
        "Exponential smoothing (ETS)",
        "ETS(M,N,M), 12 months ahead, fitted to 96 values from November 2018. In back-tests "
        "it missed by 0.30 times as much as a simple “same as before” guess (better than "
        "that guess; MASE 0.30). Filled 2 missing periods by interpolation.",
        "neutral",
    )
    failed = explain.forecast_reading(
        {"error": "fewer than 3 values to forecast from", "points": []}, "month"
    )
    assert failed == Reading("No forecast", "Fewer than 3 values to forecast from.", "unknown")
    assert "citywide series only" in explain.forecast_reading(None, "month").detail


# -- a neighborhood against the city -------------------------------------------------------


def test_exp050_neighborhood_gap_significance_and_rank():
    row = {
        "value": 9.2385,
        "lower": 8.78,
        "upper": 9.70,
        "citywide_value": 7.718,
        "gap": 1.5204,
        "significant": True,
        "assessment": "worse",
        "suppressed": False,
        "period": "2026-10-01",
        "rank": 53,
        "ranked_of": 58,
    }
    assert explain.equity_reading(row, MINUTES, "month") == Reading(
        "1.5 minutes worse than citywide",
        "9.2 minutes against 7.7 minutes citywide in October 2026. The difference is larger "
        "than chance would explain (95% interval 8.8 minutes to 9.7 minutes). Ranked 53 of "
        "58 neighborhoods (1 = best).",
        "worse",
    )
    chance = explain.equity_reading({**row, "significant": False}, MINUTES, "month")
    assert "could be chance" in chance.detail and chance.tone == "neutral"
    hidden = explain.equity_reading(
        {**row, "suppressed": True, "suppression_reason": "fewer than 11 events"},
        MINUTES,
        "month",
    )
    assert hidden.headline == "Too few cases to compare"
    assert "fewer than 11 events" in hidden.detail
    assert explain.equity_reading(None, MINUTES, "month") is None


# -- freshness, due dates ------------------------------------------------------------------


def test_exp060_staleness_follows_the_update_lag():
    fresh = explain.staleness("2026-10-01", "month", 31, date(2026, 11, 16))
    assert not fresh.stale
    assert fresh.expected_by == date(2026, 12, 31)
    assert explain.staleness_text(fresh, "month") == (
        "Up to date: figures for November 2026 are expected by 31 December 2026."
    )
    late = explain.staleness("2026-06-01", "month", 31, date(2026, 11, 16))
    assert late.stale and late.days_late == 77
    assert explain.staleness_text(late, "month") == (
        "Late: figures for July 2026 were expected by 31 August 2026 (77 days ago)."
    )
    # The last day before it counts as late.
    assert not explain.staleness("2026-06-01", "month", 31, date(2026, 8, 31)).stale
    assert explain.staleness("2026-06-01", "month", 31, date(2026, 9, 1)).stale
    assert explain.staleness_text(
        explain.staleness(None, "month", 31, date(2026, 1, 1)), "month"
    ) == ("No data has been reported yet.")


def test_exp061_update_schedule_and_due_dates():
    assert explain.update_schedule("month", 31) == "Monthly, within 31 days of the month's end"
    assert explain.update_schedule("week", 0) == "Weekly, as soon as the week ends"
    today = date(2026, 11, 16)
    assert explain.due_reading(date(2026, 11, 1), today) == Reading(
        "Overdue by 15 days", "1 November 2026", "worse"
    )
    assert explain.due_reading(date(2026, 11, 16), today).headline == "Due today"
    assert explain.due_reading(date(2026, 11, 17), today).headline == "Due in 1 day"


# -- the data table ------------------------------------------------------------------------


def test_exp070_series_table_puts_each_value_against_its_target():
    series = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01"]),
            "value": [8.1, 7.9, 8.15, 8.5],
            "numerator": [810.0, 790.0, np.nan, 850.0],
            "denominator": [100.0, 100.0, np.nan, 100.0],
        }
    )
    targets = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2026-07-01"]),
            "period_end": pd.to_datetime(["2027-06-30"]),
            "value": [8.0],
            "tolerance": [0.2],
            "label": ["FY2027 target"],
        }
    )
    table = explain.series_table(series, targets, "lower_is_better")
    assert list(table.columns) == explain.TABLE_COLUMNS
    assert list(table["status"]) == ["no_target", "met", "near", "missed"]
    assert table["target"].isna().tolist() == [True, False, False, False]
    assert table.loc[0, "numerator"] == 810.0 and np.isnan(table.loc[2, "numerator"])


def test_exp051_per_capita_values_are_per_thousand_residents():
    counts = Unit("count", 0, "incidents")
    weekly = explain.equity_unit(counts, "per_capita", [0.0, 0.0031, 0.0042, None, 0.0035])
    assert weekly == explain.UnitInfo("rate", 4, "residents", 1000)  # two significant figures
    assert explain.value_text(0.00348, weekly) == "0.0035 per 1,000 residents"
    assert explain.equity_unit(counts, "per_capita", [1.7, 2.4]).decimals == 1
    assert explain.equity_unit(counts, "per_capita", []).decimals == 1
    assert explain.equity_unit(MINUTES, "mean", [9.2]) == explain.UnitInfo("minutes", 1, "", None)
    assert explain.basis_noun("per_capita", "reports") == "reports per 1,000 residents"
    assert explain.basis_noun("mean") == "average" and explain.basis_noun(None) == "value"
