"""analytics.overview: staleness, what changed, change wording, sorting, URL state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from analytics.overview import (
    arrange,
    attention_first,
    change_digest,
    change_phrase,
    change_sentence,
    clean_view,
    is_stale,
    overdue_period,
    stale_description,
    standalone_period,
    status_counts,
    trend_words,
    view_query,
    what_changed,
)


@dataclass
class M:
    id: str
    name: str = "Measure"
    department: str = "Dept"
    unit: str = "count"
    decimals: int = 0
    unit_label: str = ""
    rate_per: int | None = None
    frequency: str = "month"
    target_status: str | None = None


# -- staleness ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "frequency", "lag", "as_of", "stale"),
    [
        # July 2026 ends 31 July; +31 days = 31 August: due on that day, not before.
        ("2026-06-01", "month", 31, "2026-08-30", False),
        ("2026-06-01", "month", 31, "2026-08-31", True),
        ("2026-07-01", "month", 31, "2026-08-31", False),
        # Weeks start Monday 9 Nov 2026; the next week ends Sun 22 Nov, +8 days = 30 Nov.
        ("2026-11-09", "week", 8, "2026-11-29", False),
        ("2026-11-09", "week", 8, "2026-11-30", True),
        # Q4 2025 (Oct-Dec); Q1 2026 ends 31 March, +120 days = 29 July 2026.
        ("2025-10-01", "quarter", 120, "2026-07-28", False),
        ("2025-10-01", "quarter", 120, "2026-07-29", True),
        # Years: 2026 ends 31 Dec 2026, +90 days = 31 March 2027.
        ("2025-01-01", "year", 90, "2027-03-30", False),
        ("2025-01-01", "year", 90, "2027-03-31", True),
        # Days with no lag: yesterday's data is due today.
        ("2026-11-14", "day", 0, "2026-11-15", True),
        ("2026-11-15", "day", 0, "2026-11-15", False),
    ],
)
def test_ovr001_is_stale_reference_dates(latest, frequency, lag, as_of, stale):
    assert is_stale(date.fromisoformat(latest), frequency, lag, date.fromisoformat(as_of)) is stale


def test_ovr002_no_data_is_not_stale_and_description_names_the_late_period():
    assert is_stale(None, "month", 31, date(2026, 11, 16)) is False
    assert overdue_period(pd.NaT, "month", 31, date(2026, 11, 16)) is None
    period, due = overdue_period("2026-06-01", "month", 31, date(2026, 11, 16))
    assert (period, due) == (pd.Timestamp("2026-07-01"), pd.Timestamp("2026-08-31"))
    assert stale_description("2026-06-01", "month", 31, date(2026, 11, 16)) == (
        "Data for July 2026 was due by 31 August 2026 and has not arrived."
    )
    assert stale_description("2026-10-01", "month", 31, date(2026, 11, 16)) == ""


# -- what changed ---------------------------------------------------------------------------


def summary(**blocks) -> dict:
    base = {
        "frequency": "month",
        "latest_period": "2026-10-01",
        "latest_value": 58.0,
        "previous_period": "2026-09-01",
        "target": {"history": []},
        "control": {"signals": []},
        "trend": {"verdict": "no_significant_change", "run_length": 5},
    }
    base.update(blocks)
    return base


def history(*statuses, start="2026-08-01"):
    periods = pd.date_range(start, periods=len(statuses), freq="MS")
    return [
        {"period": p.date().isoformat(), "value": 58.0, "target": 53.0, "status": s}
        for p, s in zip(periods, statuses, strict=True)
    ]


def test_ovr003_new_target_miss_only_when_previous_period_was_not_missed():
    m = M("deaths", "Traffic deaths", unit_label="people")
    new = summary(target={"history": history("met", "near", "missed")})
    continuing = summary(target={"history": history("met", "missed", "missed")})
    changes = what_changed([m], {"deaths": new})
    assert [(c.kind, c.measure_id, c.period_label) for c in changes] == [
        ("target_miss", "deaths", "October 2026")
    ]
    assert changes[0].text == (
        "58 people against a target of 53 people; it was near its target in September 2026."
    )
    assert what_changed([m], {"deaths": continuing}) == []


def test_ovr004_target_miss_must_be_in_the_latest_period():
    m = M("x")
    old_miss = summary(target={"history": history("met", "missed")})  # ends September
    assert what_changed([m], {"x": old_miss}) == []
    first_ever = summary(target={"history": history("missed", start="2026-10-01")})
    assert [c.kind for c in what_changed([m], {"x": first_ever})] == ["target_miss"]


def signal(period, side="above", favourable=False, rule="beyond_limits"):
    return {"period": period, "value": 58.0, "rule": rule, "side": side, "favourable": favourable}


def test_ovr005_new_signal_is_on_the_latest_period_and_not_a_continuation():
    m = M("x", "Shootings", unit_label="incidents")
    fresh = summary(control={"signals": [signal("2026-10-01")]})
    continuing = summary(control={"signals": [signal("2026-09-01"), signal("2026-10-01")]})
    flipped = summary(control={"signals": [signal("2026-09-01", "below"), signal("2026-10-01")]})
    older = summary(control={"signals": [signal("2026-09-01")]})
    (change,) = what_changed([m], {"x": fresh})
    assert change.kind == "signal" and change.unfavourable is True
    assert change.text == (
        "At 58 incidents, outside the control limits (higher than usual). "
        "A real change for the worse, not random variation."
    )
    assert what_changed([m], {"x": continuing}) == []
    assert [c.kind for c in what_changed([m], {"x": flipped})] == ["signal"]
    assert what_changed([m], {"x": older}) == []


def test_ovr006_newly_worsening_trend_has_run_length_one():
    m = M("x")
    turned = summary(
        trend={
            "verdict": "worsening",
            "change": "increasing",
            "run_length": 1,
            "window_periods": 24,
        }
    )
    long_running = summary(trend={"verdict": "worsening", "run_length": 7})
    unknown = summary(trend={"verdict": "worsening", "run_length": 1, "run_length_capped": True})
    (change,) = what_changed([m], {"x": turned})
    assert change.kind == "worsening"
    assert (
        change.text
        == "The trend turned to worsening: values have been rising over the last 24 months."
    )
    assert what_changed([m], {"x": long_running}) == []
    assert what_changed([m], {"x": unknown}) == []


def test_ovr007_order_is_kind_then_bad_news_then_newest_then_catalog():
    measures = [M("a", "A"), M("b", "B"), M("c", "C", frequency="week"), M("d", "D")]
    summaries = {
        "a": summary(control={"signals": [signal("2026-10-01", favourable=True)]}),
        "b": summary(
            control={"signals": [signal("2026-10-01")]},
            target={"history": history("met", "met", "missed")},
        ),
        "c": summary(
            latest_period="2026-11-09",
            previous_period="2026-11-02",
            control={"signals": [signal("2026-11-09")]},
        ),
        "d": summary(trend={"verdict": "worsening", "run_length": 1}),
    }
    got = [(c.kind, c.measure_id) for c in what_changed(measures, summaries)]
    assert got == [
        ("target_miss", "b"),
        ("signal", "c"),  # newer period first among unfavourable signals
        ("signal", "b"),
        ("signal", "a"),  # good news after bad news
        ("worsening", "d"),
    ]
    assert what_changed(measures, {}) == []


def test_ovr008_weekly_and_quarterly_periods_are_named_by_their_frequency():
    weekly = M("w", frequency="week")
    quarterly = M("q", frequency="quarter")
    s_week = summary(
        latest_period="2026-11-09",
        previous_period="2026-11-02",
        control={"signals": [signal("2026-11-09")]},
    )
    s_quarter = summary(
        latest_period="2026-07-01",
        previous_period="2026-04-01",
        control={"signals": [signal("2026-07-01")]},
    )
    assert what_changed([weekly], {"w": s_week})[0].period_label == "the week of 9 November 2026"
    assert what_changed([quarterly], {"q": s_quarter})[0].period_label == "Q3 2026"
    assert standalone_period("2026-11-09", "week") == "Week of 9 November 2026"
    assert standalone_period("2026-07-01", "quarter") == "Q3 2026"


# -- changes against earlier periods ----------------------------------------------------------


def test_ovr009_change_words_relative_points_and_missing():
    rate = M("r", unit="rate", decimals=2, unit_label="residents", rate_per=1000)
    pct = M("p", unit="percent", decimals=1)
    vs_year = {
        "period": "2025-10-01",
        "value": 3.095,
        "absolute": 0.1374,
        "relative": 0.0444,
        "assessment": "worse",
    }
    assert change_phrase(vs_year, rate) == {
        "direction": "up",
        "amount": "4.4%",
        "against": "October 2025",
        "assessment": "worse",
    }
    assert change_sentence(vs_year, rate) == "Up 4.4% from October 2025 (worse)"
    points = {"period": "2026-09-01", "value": 86.3, "absolute": -0.9, "relative": -0.0104}
    assert change_sentence({**points, "assessment": "worse"}, pct) == (
        "Down 0.9 points from September 2026 (worse)"
    )
    assert change_phrase({**points, "absolute": -0.01}, pct)["amount"] == "less than 0.1 points"
    from_zero = {"period": "2026-09-01", "value": 0.0, "absolute": 5.0, "relative": None}
    assert change_phrase(from_zero, M("c", unit_label="trees"))["amount"] == "5 trees"
    big = {"period": "2026-09-01", "value": 10.0, "absolute": 12.4, "relative": 1.24}
    assert change_phrase(big, M("c"))["amount"] == "124%"
    same = {"period": "2026-09-01", "value": 4.0, "absolute": 0.0, "relative": 0.0}
    assert change_sentence({**same, "assessment": "unchanged"}, M("c")) == "Same as September 2026"
    gap = {"period": "2026-09-01", "value": None, "absolute": None, "relative": None}
    assert change_phrase(gap, M("c")) is None
    assert change_sentence(gap, M("c")) == "No value for September 2026"
    assert change_sentence(None, M("c")) == "Nothing to compare with"


def test_ovr010_trend_words():
    assert trend_words({"verdict": "no_significant_change"}, "month") == "No clear trend"
    assert trend_words(None, "month") == "Not enough data for a trend"
    assert trend_words({"verdict": "improving", "run_length": 1}, "month") == "Improving"
    assert trend_words({"verdict": "improving", "run_length": 6}, "month") == (
        "Improving for 6 months"
    )
    capped = {"verdict": "worsening", "run_length": 312, "run_length_capped": True}
    assert trend_words(capped, "week") == "Worsening for at least 6 years"
    assert trend_words({"verdict": "increasing", "run_length": 3}, "quarter") == (
        "Rising for 3 quarters"
    )


# -- counts, sorting, URL ------------------------------------------------------------------------


def test_ovr011_status_counts():
    counts = status_counts(["met", "missed", "missed", None, "no_target"], [True, False, True])
    assert counts == {
        "missed": 2,
        "near": 0,
        "met": 1,
        "no_target": 1,
        "no_data": 1,
        "signal": 2,
    }


def test_ovr012_arrange_sorts_and_filters():
    items = [
        M("a", "Zoning", "Planning", target_status="met"),
        M("b", "arrests", "Police", target_status="no_target"),
        M("c", "Burglary", "Police", target_status="missed"),
        M("d", "Noise", "Health", target_status="near"),
        M("e", "Alarms", "Police", target_status="missed"),
        M("f", "Parks", "Parks", target_status=None),
    ]
    ids = lambda xs: [x.id for x in xs]  # noqa: E731
    assert ids(arrange(items, "status")) == ["c", "e", "d", "a", "b", "f"]
    assert ids(arrange(items, "name")) == ["e", "b", "c", "d", "f", "a"]
    assert ids(arrange(items, "department")) == ["d", "f", "a", "e", "b", "c"]
    assert ids(arrange(items, "name", "Police")) == ["e", "b", "c"]
    assert ids(arrange(items, "status", statuses={"f": "missed"})) == ["c", "e", "f", "d", "a", "b"]
    assert arrange(items, "name", "Nobody") == []


def test_ovr013_view_query_round_trips_and_clean_view_rejects_unknowns():
    assert view_query("name", "Police Department") == "?sort=name&department=Police+Department"
    assert view_query("status", None) == "?sort=status"
    assert view_query(None, None) == ""
    assert clean_view("bogus", "Nobody", ["Police"]) == ("status", None)
    assert clean_view("department", "Police", ["Police"]) == ("department", "Police")


def test_ovr_attention_first_lists_off_target_measures_when_an_area_is_large():
    statuses = ["met", "missed", None, "near", "missed", "met"]
    measures = [M(f"m{i}") for i in range(len(statuses))]
    summaries = {m.id: {"target_status": s} for m, s in zip(measures, statuses, strict=True)}

    listed, left_out = attention_first(measures, summaries, limit=3)
    assert [m.id for m in listed] == ["m1", "m4", "m3"]
    assert left_out == 3
    # A small area keeps the catalog order and leaves nothing out.
    listed, left_out = attention_first(measures, summaries, limit=6)
    assert [m.id for m in listed] == [m.id for m in measures] and left_out == 0


def test_ovr_change_digest_is_small_and_keeps_only_the_two_periods():
    summary = {
        "as_of": "2026-11-16",
        "latest_period": "2026-10-01",
        "previous_period": "2026-09-01",
        "equity": {"rows": list(range(500))},
        "target": {
            "history": [{"period": f"2026-{m:02d}-01", "status": "met"} for m in range(1, 11)]
        },
        "control": {
            "signals": [{"period": "2026-10-01", "side": "above"}, {"period": "2025-01-01"}]
        },
        "trend": {"verdict": "worsening", "run_length": 1, "points": list(range(99))},
    }
    digest = change_digest(summary)
    assert [r["period"] for r in digest["target"]["history"]] == ["2026-09-01", "2026-10-01"]
    assert digest["control"]["signals"] == [{"period": "2026-10-01", "side": "above"}]
    assert digest["trend"] == {"verdict": "worsening", "run_length": 1}
    assert "equity" not in digest and digest["as_of"] == "2026-11-16"
    assert change_digest({}) == {}
