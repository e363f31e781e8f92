"""CSV and JSON export helpers: spreadsheet formulas neutralised, numbers and dates kept."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from data.export import frame_to_csv, frame_to_records, neutralise, to_jsonable

FORMULAS = ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2+3", "\tx", "\rx"]


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("text", FORMULAS)
def test_exp001_formula_text_gets_a_leading_apostrophe(text):
    rows = read_csv(frame_to_csv(pd.DataFrame({"name": [text]})))
    assert rows[0]["name"] == "'" + text


def test_exp002_numbers_stay_numbers_even_when_negative():
    frame = pd.DataFrame({"value": [-2.5, 3.0], "count": [-4, 5], "label": ["-2+3", "ok"]})
    rows = read_csv(frame_to_csv(frame))
    assert [r["value"] for r in rows] == ["-2.5", "3.0"]
    assert [r["count"] for r in rows] == ["-4", "5"]
    assert [r["label"] for r in rows] == ["'-2+3", "ok"]


def test_exp003_numbers_inside_text_columns_are_not_altered():
    frame = pd.DataFrame({"mixed": [-7, "-7", None, 1000]}, dtype=object)
    rows = read_csv(frame_to_csv(frame))
    assert [r["mixed"] for r in rows] == ["-7", "'-7", "", "1000"]


def test_exp004_harmless_text_and_html_are_written_as_they_are():
    frame = pd.DataFrame({"name": ["a=b", "<b>North & South</b>", 'say "hi"', "line\nbreak"]})
    rows = read_csv(frame_to_csv(frame))
    assert [r["name"] for r in rows] == frame["name"].tolist()


def test_exp005_dates_are_iso_and_missing_values_empty():
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-01-01", None]),
            "at": pd.to_datetime(["2025-01-01 10:30:00", "2025-01-02 00:00:00"]),
            "day": [date(2025, 3, 1), None],
            "value": [1.5, np.nan],
        }
    )
    rows = read_csv(frame_to_csv(frame))
    assert rows[0] == {
        "period": "2025-01-01",
        "at": "2025-01-01T10:30:00",
        "day": "2025-03-01",
        "value": "1.5",
    }
    assert rows[1] == {"period": "", "at": "2025-01-02T00:00:00", "day": "", "value": ""}


def test_exp006_empty_frame_is_a_header_row():
    assert frame_to_csv(pd.DataFrame(columns=["period", "value"])) == "period,value\r\n"


def test_exp007_records_have_iso_dates_and_null_for_missing():
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-01-01", None]),
            "value": [np.nan, -2.0],
            "count": np.array([1, 2], dtype=np.int64),
            "name": ["=1+1", None],
        }
    )
    records = frame_to_records(frame)
    assert records == [
        {"period": "2025-01-01", "value": None, "count": 1, "name": "=1+1"},
        {"period": None, "value": -2.0, "count": 2, "name": None},
    ]
    assert type(records[0]["count"]) is int
    json.dumps(records, allow_nan=False)  # strict JSON: no NaN


def test_exp008_jsonable_keeps_structure_and_cleans_values():
    payload = {
        "trend": {"slope": np.float64(0.5), "p": float("nan")},
        "band": [{"period": date(2025, 1, 1), "upper": float("inf")}],
        "at": datetime(2025, 1, 1, 6, 30),
        "n": np.int32(3),
        "flags": (True, None),
    }
    assert to_jsonable(payload) == {
        "trend": {"slope": 0.5, "p": None},
        "band": [{"period": "2025-01-01", "upper": None}],
        "at": "2025-01-01T06:30:00",
        "n": 3,
        "flags": [True, None],
    }


def test_exp009_neutralise_only_touches_text():
    assert neutralise(-1) == -1
    assert neutralise(-1.5) == -1.5
    assert neutralise(None) is None
    assert neutralise("plain") == "plain"
    assert neutralise("@x") == "'@x"
