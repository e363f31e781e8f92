"""Plain-language values and headlines."""

from __future__ import annotations

import pytest

from analytics.narrative import duration, format_value, headline
from analytics.periods import MeasureMeta


@pytest.mark.parametrize(
    "args, expected",
    [
        ((7.94, "minutes", 1), "7.9 minutes"),
        ((1.0, "days", 0), "1 day"),
        ((82.5, "percent", 1), "82.5%"),
        ((1_234_567, "currency", 0, "USD"), "$1.2M"),
        ((45_300, "currency", 0, "USD"), "$45,300"),
        ((-2_500_000_000, "currency", 0, "EUR"), "-€2.5B"),
        ((1500, "currency", 0, "CAD"), "1,500 CAD"),
        ((4.12, "rate", 1, "residents", 1000), "4.1 per 1,000 residents"),
        ((0.391, "rate", 2, "per 1,000 residents", 1000), "0.39 per 1,000 residents"),
        ((1204, "count", 0, "potholes"), "1,204 potholes"),
        ((0.834, "ratio", 2), "0.83"),
        ((None, "count", 0), "No data"),
        ((float("nan"), "percent", 1), "No data"),
    ],
)
def test_nar001_format_value(args, expected):
    assert format_value(*args) == expected


EMS = MeasureMeta(
    "minutes", 1.0, "lower_is_better", "month", "mean", name="Average EMS response time"
)


def _summary(**overrides) -> dict:
    summary = {
        "frequency": "month",
        "direction": "lower_is_better",
        "latest_period": "2026-10-01",
        "latest_value": 7.94,
        "target": {"status": "met", "gap": -0.06, "current": {"value": 8.0}},
        "trend": {"verdict": "improving", "run_length": 6, "run_length_capped": False},
    }
    summary.update(overrides)
    return summary


def test_nar002_headline_reads_like_the_kiosk():
    assert headline(EMS.name, EMS, _summary()) == (
        "Average EMS response time was 7.9 minutes in October 2026, "
        "better than the 8-minute target and improving for 6 months."
    )


def test_nar003_headline_variants():
    worse = _summary(
        target={"status": "missed", "gap": 1.0, "current": {"value": 8.0}},
        trend={"verdict": "worsening", "run_length": 1},
    )
    assert headline("EMS", EMS, worse).endswith("worse than the 8-minute target and worsening.")
    flat = _summary(target=None, trend={"verdict": "no_significant_change", "run_length": 9})
    assert headline("EMS", EMS, flat) == "EMS was 7.9 minutes in October 2026, with no clear trend."
    assert headline("EMS", EMS, _summary(latest_value=None)) == "EMS has no data yet."
    unit = {"unit": "percent", "decimals": 0, "unit_label": "", "rate_per": None}
    near = _summary(
        direction="higher_is_better",
        latest_value=88.4,
        target={"status": "near", "gap": -1.6, "current": {"value": 90.0}},
        trend={"verdict": "improving", "run_length": 30, "run_length_capped": True},
    )
    assert headline("Permits on time", unit, near) == (
        "Permits on time was 88% in October 2026, close to the 90% target "
        "and improving for at least 30 months."
    )


RATE = {"unit": "rate", "decimals": 2, "unit_label": "per 1,000 residents", "rate_per": 1000}
PERMITS = {"unit": "count", "decimals": 0, "unit_label": "permits", "rate_per": None}
TONS = {"unit": "count", "decimals": 1, "unit_label": "tons", "rate_per": None}


def test_nar004_headline_does_not_repeat_a_unit_the_name_says():
    crime = _summary(
        latest_value=0.391,
        target={"status": "near", "gap": 0.01, "current": {"value": 0.38}},
        trend={"verdict": "improving", "run_length": 13},
    )
    assert headline("Violent crimes per 1,000 residents", RATE, crime) == (
        "Violent crimes per 1,000 residents was 0.39 in October 2026, "
        "close to the target of 0.38 and improving for 13 months."
    )
    # A name without the unit keeps it after the number.
    assert headline("Violent crime rate", RATE, crime).startswith(
        "Violent crime rate was 0.39 per 1,000 residents in October 2026, "
        "close to the target of 0.38 per 1,000 residents"
    )
    permits = _summary(latest_value=1431, target=None, trend=None, direction="neutral")
    assert headline("Building permits issued", PERMITS, permits) == (
        "Building permits issued was 1,431 in October 2026."
    )
    # Whole words only: "permits" is not said by "Permitsville".
    assert headline("Permitsville approvals", PERMITS, permits) == (
        "Permitsville approvals was 1,431 permits in October 2026."
    )
    recycling = _summary(
        latest_value=8077.2,
        direction="higher_is_better",
        target={"status": "met", "gap": 121.2, "current": {"value": 7956.0}},
        trend=None,
    )
    assert headline("Tons of recycling diverted", TONS, recycling) == (
        "Tons of recycling diverted was 8,077.2 in October 2026, better than the target of 7,956."
    )


def test_nar005_long_runs_are_said_in_years_and_no_trend_follows_a_comma():
    long_run = _summary(trend={"verdict": "improving", "run_length": 72, "run_length_capped": True})
    assert headline("EMS", EMS, long_run).endswith("improving for at least 6 years.")
    uneven = _summary(trend={"verdict": "improving", "run_length": 30, "run_length_capped": False})
    assert headline("EMS", EMS, uneven).endswith("improving for 30 months.")
    flat = _summary(trend={"verdict": "no_significant_change", "run_length": 0})
    assert headline("EMS", EMS, flat) == (
        "EMS was 7.9 minutes in October 2026, better than the 8-minute target, with no clear trend."
    )


@pytest.mark.parametrize(
    "periods, frequency, at_least, expected",
    [
        (1, "month", False, "1 month"),
        (12, "month", False, "12 months"),
        (24, "month", False, "2 years"),
        (25, "month", False, "25 months"),
        (72, "month", True, "at least 6 years"),
        (104, "week", False, "2 years"),
        (8, "quarter", True, "at least 2 years"),
        (5, "quarter", False, "5 quarters"),
        (90, "day", False, "90 days"),
        (3, "year", False, "3 years"),
    ],
)
def test_nar006_duration(periods, frequency, at_least, expected):
    assert duration(periods, frequency, at_least) == expected
