"""analytics.agenda: agenda proposals, memo content and "measure the measurers", with
reference values worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from analytics import agenda as ag

MEETINGS = pd.DataFrame(
    [
        {
            "id": 1,
            "title": "InfraStat",
            "scheduled_for": pd.Timestamp("2026-09-17 09:30"),
            "status": "held",
            "areas": ("streets",),
            "departments": ("Public Works",),
        },
        {
            "id": 2,
            "title": "SafetyStat",
            "scheduled_for": pd.Timestamp("2026-10-22 09:30"),
            "status": "held",
            "areas": ("safety",),
            "departments": ("Police",),
        },
        {
            "id": 3,
            "title": "InfraStat (cancelled)",
            "scheduled_for": pd.Timestamp("2026-10-29 09:30"),
            "status": "cancelled",
            "areas": ("streets",),
            "departments": (),
        },
        {
            "id": 4,
            "title": "InfraStat next",
            "scheduled_for": pd.Timestamp("2026-12-10 09:30"),
            "status": "scheduled",
            "areas": ("streets",),
            "departments": (),
        },
    ]
)

POTHOLES = {
    "id": "potholes",
    "name": "Potholes repaired within 3 days",
    "short_name": "Potholes",
    "area_id": "streets",
    "department": "Public Works",
    "unit": "percent",
    "decimals": 1,
    "unit_label": "",
    "rate_per": None,
    "direction": "higher_is_better",
    "frequency": "month",
    "display_order": 0,
}
LIGHTS = {
    **POTHOLES,
    "id": "lights",
    "name": "Streetlight repair days",
    "unit": "days",
    "direction": "lower_is_better",
    "display_order": 1,
}
SIDEWALK = {
    **POTHOLES,
    "id": "sidewalk",
    "name": "Sidewalk backlog",
    "unit": "count",
    "unit_label": "locations",
    "decimals": 0,
    "direction": "lower_is_better",
    "display_order": 2,
}
CRIME = {
    **POTHOLES,
    "id": "crime",
    "name": "Violent crime",
    "area_id": "safety",
    "department": "Police",
    "display_order": 3,
}


def payload(
    status,
    value=80.0,
    trend="no_significant_change",
    run=0,
    signals=(),
    history=(),
    target=85.0,
    new_signal=None,
):
    return {
        "frequency": "month",
        "direction": "higher_is_better",
        "latest_period": "2026-10-01",
        "latest_value": value,
        "target_status": status,
        "target": {
            "status": status,
            "current": {
                "period_start": "2026-07-01",
                "period_end": "2027-06-30",
                "value": target,
                "tolerance": 1.0,
                "label": "FY2027 target",
            }
            if status in ("met", "near", "missed")
            else None,
            "history": list(history),
        },
        "trend": {"verdict": trend, "run_length": run, "run_length_capped": False},
        "control": {
            "has_new_signal": bool(signals) if new_signal is None else new_signal,
            "signals": list(signals),
        },
    }


def signal(period, favourable):
    return {"period": period, "value": 1.0, "rule": "beyond_limits", "favourable": favourable}


def test_agd001_news_cutoff_is_the_last_held_meeting_in_scope():
    meeting = {
        "id": 4,
        "scheduled_for": pd.Timestamp("2026-12-10 09:30"),
        "areas": ["streets"],
        "departments": [],
    }
    # Meeting 3 is later but cancelled; meeting 2 is held but covers other areas.
    assert ag.news_cutoff(meeting, MEETINGS) == (date(2026, 9, 17), "InfraStat")
    lonely = {
        "id": None,
        "scheduled_for": pd.Timestamp("2026-12-10"),
        "areas": ["parks"],
        "departments": [],
    }
    assert ag.news_cutoff(lonely, MEETINGS) == (date(2026, 10, 29), None)  # 42 days before
    by_department = {**lonely, "departments": ["Police"]}
    assert ag.news_cutoff(by_department, MEETINGS) == (date(2026, 10, 22), "SafetyStat")


def test_agd002_follow_ups_are_open_items_from_earlier_meetings_in_scope_overdue_first():
    actions = pd.DataFrame(
        [
            {
                "id": 10,
                "description": "Report on Vision Zero corridors",
                "owner": "PM",
                "department": "Transportation",
                "due_date": date(2026, 12, 6),
                "status": "open",
                "measure_id": None,
                "meeting_id": 1,
            },
            {
                "id": 11,
                "description": "Pilot a night-shift pothole crew",
                "owner": "Deputy",
                "department": "Public Works",
                "due_date": date(2026, 10, 29),
                "status": "in_progress",
                "measure_id": "potholes",
                "meeting_id": 1,
            },
            {
                "id": 12,
                "description": "Done already",
                "owner": "X",
                "department": "",
                "due_date": date(2026, 10, 1),
                "status": "done",
                "measure_id": None,
                "meeting_id": 1,
            },
            {
                "id": 13,
                "description": "Overtime plan",
                "owner": "Chief",
                "department": "Police",
                "due_date": date(2026, 11, 1),
                "status": "open",
                "measure_id": "crime",
                "meeting_id": 2,
            },
            {
                "id": 14,
                "description": "No meeting",
                "owner": "Y",
                "department": "Public Works",
                "due_date": date(2026, 11, 1),
                "status": "open",
                "measure_id": None,
                "meeting_id": None,
            },
        ]
    )
    items = ag.follow_up_items(
        actions,
        meeting_date=date(2026, 11, 26),
        meeting_id=4,
        scope_measure_ids={"potholes", "lights"},
        areas=["streets"],
        departments=[],
        meetings=MEETINGS,
    )
    assert [i.action_item_id for i in items] == [11, 10]
    assert items[0] == ag.ProposedItem(
        section="follow_up",
        title="Pilot a night-shift pothole crew",
        minutes=5,
        reason="Overdue by 28 days (due 29 Oct 2026); in progress; Deputy.",
        measure_id="potholes",
        action_item_id=11,
    )
    assert items[1].minutes == 3
    assert items[1].reason == "Due 6 Dec 2026; open; PM."


def test_agd003_standing_items_put_off_target_measures_first():
    payloads = {
        "potholes": payload("met", 86.0, target=85.0),
        "lights": payload("missed", 8.4, trend="worsening", run=7, target=7.6),
        "sidewalk": payload("near", 5000, target=4958),
    }
    items = ag.standing_items([POTHOLES, LIGHTS, SIDEWALK], payloads)
    assert [i.measure_id for i in items] == ["lights", "sidewalk", "potholes"]
    assert [i.minutes for i in items] == [10, 7, 5]
    assert items[0].reason == (
        "Off target: 8.4 days in October 2026 against 7.6 days; worsening for 7 months."
    )
    assert items[2].reason == "On target: 86.0% in October 2026 against 85.0%; no clear trend."


def test_agd004_new_findings_since_the_last_meeting():
    since = date(2026, 9, 17)
    history = [
        {"period": "2026-08-01", "status": "met"},
        {"period": "2026-09-01", "status": "missed"},
        {"period": "2026-10-01", "status": "missed"},
    ]
    findings = ag.new_findings(
        payload(
            "missed",
            trend="worsening",
            run=2,
            history=history,
            signals=[signal("2026-08-01", False), signal("2026-10-01", False)],
        ),
        "month",
        since,
    )
    assert findings.signal["period"] == "2026-10-01"
    assert findings.missed_since == "2026-09-01"
    assert findings.worsening_since == "2026-09-01"
    assert ag.new_reason(findings, "month") == (
        "Signal in October 2026: a value outside the control limits, a change for the worse; "
        "off target since September 2026; worsening since September 2026."
    )
    # The same facts, seen from a meeting after they were already known, are not new.
    old = ag.new_findings(
        payload(
            "missed",
            trend="worsening",
            run=2,
            history=history,
            signals=[signal("2026-08-01", False)],
        ),
        "month",
        date(2026, 10, 31) + pd.Timedelta(days=1),
    )
    assert not old.any
    # A signal outside the latest values (has_new_signal false) is never new.
    stale = ag.new_findings(
        payload("met", signals=[signal("2026-10-01", True)], new_signal=False), "month", since
    )
    assert stale.signal is None


def test_agd005_proposal_sections_minutes_and_no_double_listing():
    meeting = {
        "id": 4,
        "scheduled_for": pd.Timestamp("2026-12-10 09:30"),
        "areas": ["streets"],
        "departments": [],
    }
    payloads = {
        "potholes": payload("met", 86.0, signals=[signal("2026-10-01", True)]),
        "lights": payload("missed", 8.4, target=7.6),
        "sidewalk": payload("near", 5000, target=4958),
        "crime": payload("missed", signals=[signal("2026-10-01", False)]),
    }
    actions = pd.DataFrame(
        columns=[
            "id",
            "description",
            "owner",
            "department",
            "due_date",
            "status",
            "measure_id",
            "meeting_id",
        ]
    )
    proposal = ag.propose_agenda(
        meeting=meeting,
        measures=[POTHOLES, LIGHTS, SIDEWALK, CRIME],
        payloads=payloads,
        actions=actions,
        meetings=MEETINGS,
    )
    assert proposal.since == date(2026, 9, 17)
    assert [(i.section, i.measure_id) for i in proposal.items] == [
        ("standing", "lights"),
        ("standing", "sidewalk"),
        ("new", "potholes"),  # new, so not repeated under standing
    ]
    assert proposal.items[-1].minutes == 5  # a change for the better alone
    assert proposal.total_minutes == 10 + 7 + 5


def test_agd006_memo_key_figures_in_words_and_questions():
    data = payload("missed", 8.4, trend="worsening", run=7, target=7.6)
    data["direction"] = "lower_is_better"
    data["changes"] = {
        "vs_last_year": {
            "period": "2025-10-01",
            "value": 8.3,
            "absolute": 0.1,
            "assessment": "worse",
        }
    }
    data["target"]["outlook"] = {
        "target": data["target"]["current"],
        "target_period": "2027-06-01",
        "probability": 0.013,
    }
    agenda = pd.DataFrame(
        [
            {
                "id": 1,
                "section": "standing",
                "title": "Streetlights",
                "measure_id": "lights",
                "action_item_id": None,
                "minutes": 10,
                "reason": "Missed target.",
            }
        ]
    )
    meeting = {
        "title": "InfraStat",
        "scheduled_for": pd.Timestamp("2026-12-10 09:30"),
        "attendees": ["CPO"],
        "memo_text": "",
    }
    doc = ag.build_memo(
        meeting=meeting,
        agenda=agenda,
        measures={"lights": LIGHTS},
        payloads={"lights": data},
        actions={},
    )
    item = doc.items[0]
    assert item.key_figures == [
        "Streetlight repair days was 8.4 days in October 2026, worse than the 7.6-day target "
        "and worsening for 7 months.",
        "That is 0.1 days higher than in October 2025 (8.3 days), a change for the worse.",
        "The forecast puts the chance of meeting the FY2027 target in June 2027 at about 1%.",
    ]
    assert item.questions == [
        "What is keeping this measure off target, and what will close the gap by 30 Jun 2027?"
    ]
    assert doc.send_by == datetime(2026, 12, 8, 9, 30)
    assert doc.sections()[0][0] == "Standing items"
    assert "1 standing item, 10 minutes in all" in ag.draft_memo_intro(doc)


def test_agd007_follow_up_groups_commitments_by_owner_with_due_dates():
    actions = pd.DataFrame(
        [
            {
                "id": 1,
                "description": "Map outages",
                "owner": "Lighting",
                "department": "DOT",
                "due_date": date(2026, 12, 20),
                "status": "open",
                "measure_id": "lights",
            },
            {
                "id": 2,
                "description": "Night crew",
                "owner": "Streets",
                "department": "DPW",
                "due_date": date(2026, 12, 15),
                "status": "open",
                "measure_id": None,
            },
            {
                "id": 3,
                "description": "Dropped idea",
                "owner": "Streets",
                "department": "DPW",
                "due_date": date(2026, 12, 1),
                "status": "dropped",
                "measure_id": None,
            },
            {
                "id": 4,
                "description": '=HYPERLINK("x")',
                "owner": "Lighting",
                "department": "DOT",
                "due_date": date(2026, 12, 18),
                "status": "open",
                "measure_id": None,
            },
        ]
    )
    notes = pd.DataFrame(
        [
            {
                "id": 1,
                "agenda_item_id": 7,
                "body": "Crews are short",
                "author": "a",
                "created_at": pd.Timestamp("2026-12-10 10:00"),
            },
            {
                "id": 2,
                "agenda_item_id": None,
                "body": "Next meeting in January",
                "author": "a",
                "created_at": pd.Timestamp("2026-12-10 10:30"),
            },
        ]
    )
    agenda = pd.DataFrame([{"id": 7, "title": "Potholes"}])
    annotations = pd.DataFrame(
        [
            {
                "measure_id": "lights",
                "start_date": date(2027, 3, 1),
                "end_date": None,
                "label": "New crew starts",
            }
        ]
    )
    meeting = {
        "title": "InfraStat",
        "scheduled_for": pd.Timestamp("2026-12-10 09:30"),
        "attendees": [],
    }
    doc = ag.build_followup(
        meeting=meeting,
        actions=actions,
        notes=notes,
        agenda=agenda,
        annotations=annotations,
        measure_names={"lights": "Streetlights"},
    )
    assert [owner for owner, _, _ in doc.owners] == ["Streets", "Lighting"]
    assert [c.id for c in doc.owners[1][2]] == [4, 1]
    assert doc.n_commitments == 3
    assert doc.notes == [
        ("Potholes", ["Crews are short"]),
        ("General", ["Next meeting in January"]),
    ]
    assert doc.send_by == datetime(2026, 12, 12, 9, 30)
    text = ag.draft_followup_text(doc)
    assert "## Streets (DPW)\n- Night crew — due 15 Dec 2026" in text
    assert '- =HYPERLINK("x") — due 18 Dec 2026' in text
    assert "- Map outages [Streetlights] — due 20 Dec 2026" in text
    assert "- Streetlights, 1 Mar 2027: New crew starts" in text
    assert "Dropped idea" not in text


HEALTH_MEETINGS = pd.DataFrame(
    [
        {
            "id": 1,
            "title": "m1",
            "scheduled_for": pd.Timestamp("2026-09-17 09:30"),
            "status": "held",
            "memo_sent_at": pd.Timestamp("2026-09-15 16:00"),
            "followup_sent_at": pd.Timestamp("2026-09-18 15:00"),
        },
        {
            "id": 2,
            "title": "m2",
            "scheduled_for": pd.Timestamp("2026-10-22 09:30"),
            "status": "held",
            "memo_sent_at": pd.Timestamp("2026-10-20 09:00"),
            "followup_sent_at": pd.Timestamp("2026-10-30 12:00"),
        },
        {
            "id": 3,
            "title": "m3",
            "scheduled_for": pd.Timestamp("2026-11-05 09:30"),
            "status": "cancelled",
            "memo_sent_at": pd.NaT,
            "followup_sent_at": pd.NaT,
        },
        {
            "id": 4,
            "title": "m4",
            "scheduled_for": pd.Timestamp("2026-11-10 09:30"),
            "status": "scheduled",
            "memo_sent_at": pd.NaT,
            "followup_sent_at": pd.NaT,
        },
        {
            "id": 5,
            "title": "m5",
            "scheduled_for": pd.Timestamp("2026-12-24 09:30"),
            "status": "scheduled",
            "memo_sent_at": pd.NaT,
            "followup_sent_at": pd.NaT,
        },
    ]
)
HEALTH_ACTIONS = pd.DataFrame(
    [
        {
            "id": 1,
            "due_date": date(2026, 10, 15),
            "status": "done",
            "completed_at": date(2026, 10, 12),
        },
        {
            "id": 2,
            "due_date": date(2026, 10, 1),
            "status": "done",
            "completed_at": date(2026, 10, 17),
        },
        {"id": 3, "due_date": date(2026, 10, 29), "status": "in_progress", "completed_at": None},
        {"id": 4, "due_date": date(2026, 12, 6), "status": "open", "completed_at": None},
        {"id": 5, "due_date": date(2026, 11, 21), "status": "dropped", "completed_at": None},
        {"id": 6, "due_date": date(2026, 11, 1), "status": "done", "completed_at": None},
    ]
)
HEALTH_MEASURES = pd.DataFrame(
    [
        {
            "id": "x",
            "name": "X",
            "frequency": "month",
            "update_lag_days": 31,
            "latest_period": pd.Timestamp("2026-10-01"),
        },
        {
            "id": "y",
            "name": "Y",
            "frequency": "month",
            "update_lag_days": 31,
            "latest_period": pd.Timestamp("2026-08-01"),
        },
        {
            "id": "z",
            "name": "Z",
            "frequency": "week",
            "update_lag_days": 8,
            "latest_period": pd.Timestamp("2026-11-02"),
        },
        {
            "id": "w",
            "name": "W",
            "frequency": "quarter",
            "update_lag_days": 90,
            "latest_period": pd.NaT,
        },
    ]
)
AS_OF = datetime(2026, 11, 16, 12, 0)


def test_agd008_memo_and_follow_up_timeliness():
    rows = ag.meeting_timeliness(HEALTH_MEETINGS, AS_OF).set_index("id")
    assert rows["memo_state"].to_dict() == {
        1: "late",
        2: "on_time",
        3: "not_applicable",
        4: "missing",
        5: "pending",
    }
    assert rows["followup_state"].to_dict() == {
        1: "on_time",
        2: "late",
        3: "not_applicable",
        4: "not_applicable",
        5: "not_applicable",
    }
    assert rows.loc[1, "memo_lead_hours"] == pytest.approx(41.5)
    assert rows.loc[2, "memo_lead_hours"] == pytest.approx(48.5)
    assert rows.loc[1, "followup_days"] == pytest.approx(29.5 / 24)


def test_agd009_actions_and_measures_on_time():
    actions = ag.action_timeliness(HEALTH_ACTIONS, AS_OF.date()).set_index("id")["state"]
    assert actions.to_dict() == {
        1: "on_time",
        2: "late",
        3: "overdue",
        4: "pending",
        5: "dropped",
        6: "late",
    }
    measures = ag.measure_timeliness(HEALTH_MEASURES, AS_OF.date()).set_index("id")
    assert measures["on_schedule"].to_dict() == {"x": True, "y": False, "z": True, "w": False}
    assert measures.loc["y", "next_due"] == date(2026, 10, 31)
    assert measures.loc["y", "days_late"] == 16
    assert measures.loc["z", "next_due"] == date(2026, 11, 23)
    assert measures.loc["x", "next_due"] == date(2026, 12, 31)


def test_agd010_cycle_health_shares():
    health = ag.cycle_health(
        meetings=HEALTH_MEETINGS, actions=HEALTH_ACTIONS, measures=HEALTH_MEASURES, as_of=AS_OF
    )
    assert (health.meetings_held.count, health.meetings_held.total) == (2, 4)
    assert (health.memos_on_time.count, health.memos_on_time.total) == (1, 3)
    assert (health.followups_on_time.count, health.followups_on_time.total) == (1, 2)
    assert (health.actions_on_time.count, health.actions_on_time.total) == (1, 4)
    assert (health.measures_on_schedule.count, health.measures_on_schedule.total) == (2, 4)
    assert health.overdue_actions == 1
    assert health.memos_on_time.percent == "33%"
    assert ag.Share(0, 0).percent == "–"
    assert health.meetings_held.words("meetings held") == "2 of 4 meetings held"


def test_agd011_formatting_helpers():
    assert ag.format_day(date(2026, 10, 29)) == "29 Oct 2026"
    assert ag.format_when(datetime(2026, 11, 12, 9, 30)) == "Thu 12 Nov 2026, 09:30"
    assert ag.format_when(None) == ""
    assert ag.shorten("a " * 100, 10) == "a a a a a…"
