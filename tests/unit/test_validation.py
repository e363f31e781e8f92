"""Checking catalogs and observation files: every rule, without a database.

Codes: ``val`` observation rows, ``cat`` the catalog and GeoJSON, ``rep`` the report.
The import tests (``test_import.py``) check that each rule also leaves the
database unchanged.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.validation import (
    Existing,
    MeasureRules,
    Problem,
    validate_files,
    validate_uploads,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GEOJSON = (EXAMPLES / "neighborhoods.geojson").read_bytes()
HEADER = "measure,period,geography,value,numerator,denominator\n"


def _measure(
    measure_id: str, frequency: str, aggregation: str = "sum", unit: str = "count", extra: str = ""
) -> str:
    return (
        f"  - {{id: {measure_id}, area: area, name: {measure_id.title()}, unit: {unit}, "
        f"direction: higher_is_better, frequency: {frequency}, aggregation: {aggregation}"
        f"{extra}}}\n"
    )


CATALOG = (
    "city: Testville\n"
    "fiscal_year_start_month: 7\n"
    "geographies:\n"
    "  - file: neighborhoods.geojson\n"
    "priority_areas:\n"
    "  - {id: area, name: Area}\n"
    "measures:\n"
    + _measure("daily", "day")
    + _measure("weekly", "week", "mean")
    + _measure("monthly", "month")
    + _measure("quarterly", "quarter")
    + _measure("yearly", "year")
    + _measure("share", "month", "rate", "percent")
    + _measure("per-1000", "month", "rate", "rate", ", rate_per: 1000")
)


def check(csv: str | bytes, catalog: str = CATALOG, geojson: bytes = GEOJSON, existing=None):
    data = csv.encode() if isinstance(csv, str) else csv
    return validate_uploads(
        ("catalog.yaml", catalog.encode()),
        [("obs.csv", data)],
        {"neighborhoods.geojson": geojson},
        existing=existing,
    )


def check_catalog(catalog: str, geojson: bytes = GEOJSON):
    return validate_uploads(
        ("catalog.yaml", catalog.encode()), [], {"neighborhoods.geojson": geojson}
    )


def only(report) -> Problem:
    assert report.problem_count == 1, report.format()
    assert not report.ok
    return report.problems[0]


def rows(*lines: str) -> str:
    return HEADER + "".join(line + "\n" for line in lines)


# -- the examples and the two entry points -----------------------------------------------------


def test_val001_examples_pass():
    report = validate_files(EXAMPLES / "catalog.yaml", [EXAMPLES / "observations.csv"])
    assert report.ok, report.format()
    assert report.rows_read == 76
    assert report.format().endswith("No problems found.")
    frame = report.observations
    assert list(frame.columns) == [
        "measure_id",
        "geography_id",
        "period",
        "value",
        "numerator",
        "denominator",
    ]
    assert len(frame) == 76
    assert set(frame["geography_id"]) == {
        "citywide",
        "northside",
        "downtown",
        "riverside",
        "eastgate",
    }
    permits = frame[frame["measure_id"] == "permits-on-time"]
    np.testing.assert_allclose(
        permits["value"], permits["numerator"] / permits["denominator"] * 100
    )
    assert pd.Timestamp("2023-07-01") in set(permits["period"])  # 2023-Q3


def test_val002_uploads_and_files_report_the_same(tmp_path):
    bad = rows("monthly,2024-13,,1,,", "nope,2024-01,,1,,")
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    (tmp_path / "neighborhoods.geojson").write_bytes(GEOJSON)
    (tmp_path / "obs.csv").write_text(bad)
    from_files = validate_files(tmp_path / "catalog.yaml", [tmp_path / "obs.csv"])
    from_uploads = check(bad)
    assert from_files.problem_count == from_uploads.problem_count == 2
    strip = str(tmp_path) + "/"
    assert from_files.format().replace(strip, "") == from_uploads.format()


# -- columns and files -------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["measure", "period", "value"])
def test_val003_missing_required_column(column):
    header = ",".join(c for c in HEADER.strip().split(",") if c != column)
    problem = only(check(header + "\n" + ",".join("x" for _ in header.split(",")) + "\n"))
    assert (problem.file, problem.row, problem.column) == ("obs.csv", 1, column)
    assert f'no "{column}" column' in problem.message


def test_val004_optional_columns_may_be_left_out():
    report = check("measure,period,value\nmonthly,2024-01,5\n")
    assert report.ok, report.format()
    assert report.observations["geography_id"].tolist() == ["citywide"]


def test_val005_unknown_and_duplicate_columns():
    report = check("Measure,period,value,Value,numerater\nmonthly,2024-01,1,1,2\n")
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert messages[(1, "value")] == "appears twice in the header row"
    assert '"numerater" is not an observation column' in messages[(1, "numerater")]
    assert report.problem_count == 2


def test_val006_unnamed_empty_columns_are_ignored_but_not_unnamed_values():
    assert check("measure,period,value,\nmonthly,2024-01,1,\n").ok
    problem = only(check("measure,period,value,\nmonthly,2024-01,1,oops\n"))
    assert problem.row == 1 and "column 4 has values but no name" in problem.message


@pytest.mark.parametrize("content", [b"", b"   \n\n", "\ufeff".encode()])
def test_val007_empty_file(content):
    problem = only(check(content))
    assert problem.file == "obs.csv" and "the file is empty" in problem.message


def test_val008_header_without_rows():
    problem = only(check(HEADER + ",,,,,\n"))
    assert "no observations" in problem.message


def test_val009_non_utf8_file_names_the_line():
    problem = only(
        check(
            rows("monthly,2024-01,,1,,").encode() + "monthly,2024-02,,1,,# café\n".encode("latin-1")
        )
    )
    assert problem.row == 3 and "not UTF-8" in problem.message and "0xe9" in problem.message


def test_val010_utf8_bom_is_fine():
    report = check(b"\xef\xbb\xbf" + rows("monthly,2024-01,,1,,").encode())
    assert report.ok, report.format()


def test_val011_ragged_rows_and_open_quotes():
    problem = only(check(rows("monthly,2024-01,,1,,", "monthly,2024-02,,1,000,,")))
    assert problem.row == 3 and "7 cells but the header has 6" in problem.message
    problem = only(check(rows("monthly,2024-01,,1,,", 'monthly,"2024-02,,1,,')))
    assert problem.row == 3 and "never closed" in problem.message


def test_val012_blank_rows_skipped_and_spaces_trimmed_row_numbers_kept():
    report = check(
        rows(" monthly , 2024-01 , riverside , 1.5 ,,", "", ",,,,,", "monthly,2024-13,,1,,")
    )
    problem = only(report)
    assert problem.row == 5
    report = check(rows(" monthly , 2024-01 , riverside , 1.5 ,,", ""))
    assert report.ok, report.format()
    assert report.observations.iloc[0].tolist()[:4] == [
        "monthly",
        "riverside",
        pd.Timestamp("2024-01-01"),
        1.5,
    ]


# -- measures and geographies ------------------------------------------------------------------


def test_val013_unknown_measure():
    problem = only(check(rows("monthly,2024-01,,1,,", "monthy,2024-02,,1,,")))
    assert (problem.row, problem.column) == (3, "measure")
    assert problem.message == '"monthy" is not a measure in the catalog; did you mean "monthly"?'
    assert only(check(rows(",2024-01,,1,,"))).message.startswith("measure is blank")


def test_val014_unknown_geography():
    problem = only(check(rows("monthly,2024-01,uptown,1,,")))
    assert (problem.row, problem.column) == (2, "geography")
    assert '"uptown" is not a geography' in problem.message


def test_val015_blank_geography_is_citywide():
    report = check(rows("monthly,2024-01,,1,,", "monthly,2024-02,citywide,1,,"))
    assert report.observations["geography_id"].tolist() == ["citywide", "citywide"]


def test_val016_existing_measures_and_geographies_are_known():
    existing = Existing(
        measures={"stored": MeasureRules("quarter", "sum", "count")},
        geography_ids=frozenset({"old-ward"}),
    )
    report = check(rows("stored,2024-Q1,old-ward,1,,"), existing=existing)
    assert report.ok, report.format()
    # The stored measure's frequency applies: a month is not a quarter.
    problem = only(check(rows("stored,2024-02,,1,,"), existing=existing))
    assert problem.column == "period" and 'quarterly measure "stored"' in problem.message


# -- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period", ["2024-13", "2024-02-30", "2024/03/01", "March 2024", "24-03", "2024-Q5", "2024-3"]
)
def test_val017_unparseable_period(period):
    problem = only(check(rows(f"monthly,{period},,1,,")))
    assert (problem.row, problem.column) == (2, "period")
    assert problem.message.startswith(
        f'"{period}" is not a date; use YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY.'
    )


def test_val018_blank_and_out_of_range_periods():
    assert only(check(rows("monthly,,,1,,"))).message.startswith("period is blank")
    assert "outside 1900-2100" in only(check(rows("monthly,0224-01,,1,,"))).message


@pytest.mark.parametrize(
    ("measure", "period", "start"),
    [
        ("daily", "2024-03-05", date(2024, 3, 5)),
        ("weekly", "2024-03-04", date(2024, 3, 4)),  # a Monday
        ("monthly", "2024-03", date(2024, 3, 1)),
        ("monthly", "2024-03-01", date(2024, 3, 1)),
        ("quarterly", "2024-Q2", date(2024, 4, 1)),
        ("quarterly", "2024-q3", date(2024, 7, 1)),
        ("quarterly", "2024-10-01", date(2024, 10, 1)),
        ("yearly", "2023-07-01", date(2023, 7, 1)),  # the fiscal year starts in July
        ("yearly", "2023-07", date(2023, 7, 1)),
    ],
)
def test_val019_periods_normalise_to_their_start(measure, period, start):
    report = check(rows(f"{measure},{period},,1,,"))
    assert report.ok, report.format()
    assert report.observations["period"].iloc[0] == pd.Timestamp(start)


@pytest.mark.parametrize(
    ("measure", "period", "expected"),
    [
        ("monthly", "2024-03-05", "needs YYYY-MM (2024-03)"),
        (
            "weekly",
            "2024-03-06",
            'is a Wednesday; weekly measure "weekly" needs the Monday that '
            "starts the week: 2024-03-04",
        ),
        ("quarterly", "2024-02", "does not start a quarter"),
        ("quarterly", "2024-02-01", "(Jul 1, Oct 1, Jan 1, Apr 1), e.g. 2024-01-01"),
        ("yearly", "2024", "which starts in July: e.g. 2023-07-01"),
        ("yearly", "2024-01-01", "does not start a fiscal year"),
        (
            "monthly",
            "2024",
            'is a whole year, but monthly measure "monthly" needs one value per month',
        ),
        ("monthly", "2024-Q1", "is a whole quarter"),
        ("daily", "2024-03", "is a whole month"),
        ("weekly", "2024-03", "is a whole month"),
    ],
)
def test_val020_period_must_fit_the_frequency(measure, period, expected):
    problem = only(check(rows(f"{measure},{period},,1,,")))
    assert (problem.row, problem.column) == (2, "period")
    assert expected in problem.message


def test_val021_quarters_follow_the_fiscal_year():
    catalog = CATALOG.replace("fiscal_year_start_month: 7", "fiscal_year_start_month: 2")
    assert check(rows("quarterly,2024-05,,1,,", "yearly,2024-02,,1,,"), catalog).ok
    assert (
        "(Feb 1, May 1, Aug 1, Nov 1)"
        in only(check(rows("quarterly,2024-Q2,,1,,"), catalog)).message
    )


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["value", "numerator", "denominator"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", "is not a number"),
        ("1,234", "is not a number"),
        ("12%", "is not a number"),
        ("nan", "is not a finite number"),
        ("NaN", "is not a finite number"),
        ("inf", "is not a finite number"),
        ("-Infinity", "is not a finite number"),
    ],
)
def test_val022_non_numeric_and_non_finite(column, text, expected):
    cells = {"value": "1", "numerator": "1", "denominator": "2", column: f'"{text}"'}
    report = check(
        rows(f"monthly,2024-01,,{cells['value']},{cells['numerator']},{cells['denominator']}")
    )
    problem = only(report)
    assert (problem.row, problem.column) == (2, column)
    assert problem.message.startswith(f'"{text}" {expected}')


@pytest.mark.parametrize(
    "cells",
    [
        ["12", " 7.5 ", "-0", "1e3", ".5", "12.", "+4", "1E-400", "0012", "\t3"],
        ["12", "1_000"],  # Python's float() reads "1_000"; pandas, and so we, do not
        ["12", "\u0663"],  # nor non-ASCII digits
        ["12", "abc", "nan", "inf", "-Infinity", "1,5", "   "],
        ["12", "", "", "4"],
    ],
)
def test_val031_numbers_are_read_by_pandas_rules(cells):
    """The fast path of number parsing reads every cell as pd.to_numeric does."""
    from data.validation import _numbers

    raw = pd.Series(cells, dtype="str")
    values, blank, invalid = _numbers(raw)
    expected = pd.to_numeric(raw.where(raw.str.strip() != ""), errors="coerce").to_numpy(
        float, copy=True
    )
    expected[~np.isfinite(expected)] = np.nan
    np.testing.assert_array_equal(values, expected)
    assert list(blank) == [c.strip() == "" for c in cells]
    assert list(invalid) == [
        c.strip() != "" and not np.isfinite(e)
        for c, e in zip(cells, pd.to_numeric(raw, errors="coerce"), strict=True)
    ]


def test_val032_digit_separators_are_not_numbers():
    problem = only(check(rows("monthly,2024-01,,1_000,,")))
    assert (problem.row, problem.column) == (2, "value")
    assert problem.message.startswith('"1_000" is not a number')


@pytest.mark.parametrize("denominator", ["0", "-5", "0.0"])
def test_val023_denominator_must_be_positive(denominator):
    problem = only(check(rows(f"share,2024-01,,,3,{denominator}")))
    assert (problem.row, problem.column) == (2, "denominator")
    assert "must be greater than zero" in problem.message


def test_val024_numerator_and_denominator_come_together():
    problem = only(check(rows("monthly,2024-01,,1,3,")))
    assert problem.column == "denominator" and "give both or neither" in problem.message
    problem = only(check(rows("monthly,2024-01,,1,,3")))
    assert problem.column == "numerator" and "give both or neither" in problem.message


def test_val025_value_blank_needs_numerator_and_denominator():
    problem = only(check(rows("monthly,2024-01,,,,")))
    assert (problem.column, problem.message) == (
        "value",
        "value is blank; give a value, or a numerator and denominator",
    )


def test_val026_value_computed_with_the_unit_scale():
    report = check(
        rows(
            "share,2024-01,,,1,4",
            "per-1000,2024-01,,,3,12000",
            "monthly,2024-01,,,6,3",
            "share,2024-02,,33.3,1,3",
        )
    )
    assert report.ok, report.format()
    assert report.observations["value"].tolist() == [25.0, 0.25, 2.0, 33.3]


def test_val027_rate_measures_need_numerator_and_denominator():
    problem = only(check(rows("share,2024-01,,25,,")))
    assert (problem.column, problem.message) == (
        "numerator",
        'measure "share" is aggregated as a rate, so each row needs a numerator and a denominator',
    )


# -- duplicates --------------------------------------------------------------------------------


def test_val028_duplicate_keys_in_a_file():
    report = check(
        rows("monthly,2024-01,,1,,", "monthly,2024-02,,1,,", "monthly,2024-01-01,citywide,2,,")
    )
    problem = only(report)
    assert (problem.row, problem.column) == (4, "period")
    assert problem.message.startswith("repeats row 2: the same measure, geography and period")


def test_val029_duplicate_keys_across_files():
    report = validate_uploads(
        ("catalog.yaml", CATALOG.encode()),
        [
            ("a.csv", rows("monthly,2024-01,riverside,1,,").encode()),
            (
                "b.csv",
                rows("monthly,2024-02,riverside,1,,", "monthly,2024-01,riverside,1,,").encode(),
            ),
        ],
        {"neighborhoods.geojson": GEOJSON},
    )
    problem = only(report)
    assert (problem.file, problem.row) == ("b.csv", 3)
    assert problem.message.startswith("repeats a.csv row 2:")


# -- text is kept as it is ---------------------------------------------------------------------


def test_val030_formulas_and_html_are_text_kept_as_is():
    catalog = CATALOG.replace("name: Monthly", 'name: \'=HYPERLINK("http://evil","x")\'') + (
        "annotations:\n  - {date: 2024-01-01, label: '<script>alert(1)</script>'}\n"
    )
    report = check(rows("monthly,2024-01,,1,,"), catalog)
    assert report.ok, report.format()
    names = {m.id: m.name for m in report.catalog.measures}
    assert names["monthly"] == '=HYPERLINK("http://evil","x")'
    assert report.catalog.annotations[0].label == "<script>alert(1)</script>"


# -- the catalog -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("- city: X\n- measures: []\n", "it is a list"),
        ("just a string\n", "a single value"),
        ("42\n", "a single value"),
    ],
)
def test_cat001_yaml_that_is_not_a_catalog(text, found):
    problem = only(check_catalog(text))
    assert problem.file == "catalog.yaml"
    assert problem.message.startswith("this is not a catalog: it should be a mapping with the keys")
    assert found in problem.message


def test_cat002_empty_catalog():
    assert "the file is empty" in only(check_catalog("\n# nothing\n")).message


def test_cat003_invalid_yaml_names_the_line():
    problem = only(check_catalog("city: X\nmeasures:\n  - id: a\n   name: b\n"))
    assert problem.row == 4 and "not valid YAML" in problem.message


MISSING = {
    "city": CATALOG.replace("city: Testville\n", ""),
    "fiscal_year_start_month": CATALOG.replace("fiscal_year_start_month: 7\n", ""),
    "priority_areas": CATALOG.replace("priority_areas:\n  - {id: area, name: Area}\n", ""),
    "measures": CATALOG.split("measures:\n")[0],
}


@pytest.mark.parametrize("key", list(MISSING))
def test_cat004_missing_required_keys(key):
    report = check_catalog(MISSING[key])
    assert not report.ok
    assert any(
        (p.row, p.column, p.message) == (None, key, f"{key} is required") for p in report.problems
    ), report.format()


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("unit", "unit: count", "unit: kilograms"),
        ("direction", "direction: higher_is_better", "direction: up"),
        ("frequency", "frequency: month", "frequency: fortnight"),
        ("aggregation", "aggregation: sum", "aggregation: median"),
    ],
)
def test_cat005_unknown_enumerated_values(field, good, bad):
    measure = _measure("monthly", "month")
    problem = only(check_catalog(CATALOG.replace(measure, measure.replace(good, bad))))
    assert (problem.row, problem.column) == (10, f"measures[3].{field}")
    assert problem.message.startswith(f'"{bad.split(": ")[1]}" is not allowed; use one of')


def test_cat006_unknown_keys_are_typos():
    catalog = CATALOG.replace(
        _measure("monthly", "month"), _measure("monthly", "month", extra=", publc: true")
    )
    problem = only(check_catalog(catalog))
    assert problem.column == "measures[3].publc"
    assert '"publc" is not a field here' in problem.message


def test_cat007_duplicate_ids_and_keys():
    problem = only(check_catalog(CATALOG + _measure("monthly", "month")))
    assert problem.column == "measures[8].id" and "is used twice (first on line 10)" in (
        problem.message
    )
    problem = only(
        check_catalog(
            CATALOG.replace("priority_areas:\n", "priority_areas:\n  - {id: area, name: Again}\n")
        )
    )
    assert problem.column == "priority_areas[1].id" or problem.column == "priority_areas[2].id"
    problem = only(check_catalog("city: A\n" + CATALOG))
    assert problem.row == 2 and 'the key "city" appears twice' in problem.message


def test_cat008_measure_area_must_exist():
    catalog = CATALOG.replace(
        _measure("monthly", "month"),
        _measure("monthly", "month").replace("area: area", "area: parks"),
    )
    problem = only(check_catalog(catalog))
    assert (
        problem.column == "measures[3].area"
        and '"parks" is not one of the priority_areas ids' in problem.message
    )


def test_cat009_rate_per_goes_with_unit_rate():
    catalog = CATALOG.replace(", rate_per: 1000", "")
    assert "needs rate_per" in only(check_catalog(catalog)).message
    catalog = CATALOG.replace(
        _measure("monthly", "month"), _measure("monthly", "month", extra=", rate_per: 10")
    )
    assert "rate_per only applies to unit" in only(check_catalog(catalog)).message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("decimals", "9", "should be a whole number from 0 to 6"),
        ("update_lag_days", "-1", "should be a whole number of 0 or more"),
        ("public", "maybe", "should be true or false"),
        ("short_name", "311", 'should be text; put it in quotes: "311"'),
        ("id", "Monthly Count", "is not a valid id"),
    ],
)
def test_cat010_field_types(field, value, expected):
    measure = _measure("monthly", "month", extra=f", {field}: {value}")
    if field == "id":
        measure = _measure("monthly", "month").replace("id: monthly", f"id: {value}")
    problem = only(check_catalog(CATALOG.replace(_measure("monthly", "month"), measure)))
    assert problem.column == f"measures[3].{field}" and expected in problem.message


def test_cat011_targets_and_tolerances():
    catalog = CATALOG + (
        "targets:\n"
        "  monthly:\n"
        "    - {start: 2023-07-01, end: 2024-06-30, value: 40, tolerance: 5%, label: FY2024}\n"
        "    - {start: '2024-07-01', end: 2025-06-30, value: -20, tolerance: '10 %'}\n"
        "  share:\n"
        "    - {start: 2024-07-01, end: 2025-06-30, value: 90, tolerance: 2.5}\n"
    )
    report = check_catalog(catalog)
    assert report.ok, report.format()
    targets = [
        (t.measure_id, t.period_start, t.value, t.tolerance, t.label)
        for t in report.catalog.targets
    ]
    assert targets == [
        ("monthly", date(2023, 7, 1), 40.0, 2.0, "FY2024"),
        ("monthly", date(2024, 7, 1), -20.0, 2.0, ""),
        ("share", date(2024, 7, 1), 90.0, 2.5, ""),
    ]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("{start: 2024-07-01, end: 2025-06-30, value: 1, tolerance: five}", "is not a tolerance"),
        ("{start: 2024-07-01, end: 2025-06-30, value: 1, tolerance: -1}", "is negative"),
        ("{start: 2024-07-01, end: 2024-06-30, value: 1}", "is before start"),
        ("{start: 2024-07-01, end: 2025-06-30, value: .nan}", "should be a finite number"),
        ("{start: 2024-13-01, end: 2025-06-30, value: 1}", "is not a date; use YYYY-MM-DD"),
        ("{start: 2024-07-01, value: 1}", "end is required"),
    ],
)
def test_cat012_bad_targets(target, expected):
    problem = only(check_catalog(CATALOG + f"targets:\n  monthly:\n    - {target}\n"))
    assert problem.row == 17 and expected in problem.message


def test_cat013_overlapping_targets():
    catalog = CATALOG + (
        "targets:\n  monthly:\n"
        "    - {start: 2024-01-01, end: 2024-12-31, value: 1}\n"
        "    - {start: 2024-07-01, end: 2025-06-30, value: 1}\n"
    )
    assert "overlaps the target on line 17" in only(check_catalog(catalog)).message


def test_cat014_targets_for_unknown_measures():
    problem = only(
        check_catalog(
            CATALOG + "targets:\n  nope:\n    - {start: 2024-01-01, end: 2024-12-31, value: 1}\n"
        )
    )
    assert (problem.row, problem.column) == (16, "targets.nope")
    assert '"nope" is not a measure in this catalog' in problem.message


def test_cat015_annotations():
    catalog = CATALOG + (
        "annotations:\n"
        "  - {date: 2024-01-15, label: Storm}\n"
        "  - {measure: monthly, date: 2024-03-01, end_date: 2024-04-30, "
        "label: Blitz, public: false}\n"
    )
    report = check_catalog(catalog)
    assert report.ok, report.format()
    storm, blitz = report.catalog.annotations
    assert storm.measure_id is None and storm.start_date == date(2024, 1, 15) and storm.is_public
    assert blitz.measure_id == "monthly" and blitz.end_date == date(2024, 4, 30)
    assert not blitz.is_public


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("{measure: nope, date: 2024-01-01, label: X}", '"nope" is not a measure in this catalog'),
        ("{date: 2024-02-01, end_date: 2024-01-01, label: X}", "is before date"),
        ("{date: 2024-02-01}", "label is required"),
    ],
)
def test_cat016_bad_annotations(annotation, expected):
    problem = only(check_catalog(CATALOG + f"annotations:\n  - {annotation}\n"))
    assert problem.row == 16 and expected in problem.message


def _feature(**properties) -> dict:
    ring = [[-89.7, 40.7], [-89.6, 40.7], [-89.6, 40.8], [-89.7, 40.7]]
    geometry = properties.pop("geometry", {"type": "Polygon", "coordinates": [ring]})
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_cat017_geojson_properties():
    geojson = _collection(
        _feature(id="a", name="A", population=10, equity_priority=True, ward="3"),
        {**_feature(name="B"), "id": 7},
    )
    report = check_catalog(CATALOG, geojson)
    assert report.ok, report.format()
    a, b = report.catalog.geographies
    assert (a.id, a.name, a.population, a.equity_priority, a.attributes, a.kind) == (
        "a",
        "A",
        10,
        True,
        {"ward": "3"},
        "neighborhood",
    )
    assert (b.id, b.population, b.equity_priority) == ("7", None, False)


def test_cat018_geojson_file_missing():
    report = validate_uploads(("catalog.yaml", CATALOG.encode()), [], {})
    problem = only(report)
    assert (problem.row, problem.column) == (4, "geographies[1].file")
    assert 'the GeoJSON file "neighborhoods.geojson" was not found' in problem.message


@pytest.mark.parametrize(
    ("geojson", "column", "expected"),
    [
        (b"{not json", None, "this is not valid JSON"),
        (b"[]", None, "not a GeoJSON FeatureCollection"),
        (_collection(), "features", "there are no features"),
        (_collection(_feature(name="A")), "features[1].properties.id", "is missing"),
        (_collection(_feature(id="a")), "features[1].properties.name", "is missing"),
        (_collection(_feature(id="citywide", name="A")), "features[1].properties.id", "reserved"),
        (
            _collection(_feature(id="a", name="A", population=-1)),
            "features[1].properties.population",
            "whole number",
        ),
        (
            _collection(_feature(id="a", name="A", equity_priority="yes")),
            "features[1].properties.equity_priority",
            "true or false",
        ),
        (
            _collection(
                _feature(id="a", name="A", geometry={"type": "Point", "coordinates": [0, 0]})
            ),
            "features[1].geometry",
            "Polygon or MultiPolygon",
        ),
        (
            _collection(
                _feature(
                    id="a",
                    name="A",
                    geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
                )
            ),
            "features[1].geometry",
            "not closed",
        ),
        (
            _collection(
                _feature(
                    id="a",
                    name="A",
                    geometry={
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [500000, 4000000],
                                [500100, 4000000],
                                [500100, 4000100],
                                [500000, 4000000],
                            ]
                        ],
                    },
                )
            ),
            "features[1].geometry",
            "re-project the file to WGS 84",
        ),
        ('{"type": "FeatureCollection", "features": ["é"]}'.encode("latin-1"), None, "not UTF-8"),
    ],
)
def test_cat019_malformed_geojson(geojson, column, expected):
    problem = only(check_catalog(CATALOG, geojson))
    assert (problem.file, problem.column) == ("neighborhoods.geojson", column)
    assert expected in problem.message


def test_cat020_duplicate_geography_ids():
    geojson = _collection(_feature(id="a", name="A"), _feature(id="a", name="Again"))
    assert "is used twice" in only(check_catalog(CATALOG, geojson)).message


def test_cat021_catalog_not_utf8():
    report = validate_uploads(("catalog.yaml", "city: Montréal\n".encode("latin-1")), [])
    problem = only(report)
    assert problem.row == 1 and "not UTF-8" in problem.message


def test_cat022_rows_are_still_format_checked_when_the_catalog_is_wrong():
    report = check(rows("anything,2024-13,,1,,"), catalog=CATALOG.replace("city: Testville\n", ""))
    assert {(p.file, p.column) for p in report.problems} == {
        ("catalog.yaml", "city"),
        ("obs.csv", "period"),
    }
    assert "only checked for their format" in report.format()


# -- the report --------------------------------------------------------------------------------


def test_rep001_one_line_per_problem_naming_file_row_and_column():
    report = check(
        rows(
            *(
                ["monthly,2024-01,,1,,"]
                + [f"daily,2024-01-{d:02d},,1,," for d in range(1, 12)]
                + ["monthly,2024-13,,1,,"]
            )
        )
    )
    assert report.format().splitlines() == [
        'obs.csv, row 14, column "period": "2024-13" is not a date; use YYYY-MM-DD, YYYY-MM, '
        "YYYY-Qn or YYYY.",
        "Found 1 problem. Fix it and try again.",
    ]


def test_rep002_long_reports_are_capped_and_sorted():
    body = "".join(f"monthly,2024-13,,x{i},,\n" for i in range(1000))
    report = check(HEADER + body)
    assert report.problem_count == 2000
    lines = report.format().splitlines()
    assert len(lines) == 202
    assert lines[0].startswith("obs.csv, row 2, ") and lines[1].startswith("obs.csv, row 2, ")
    assert lines[-2] == "... and 1,800 more not shown."
    assert lines[-1] == "Found 2,000 problems. Fix them and try again."


def test_rep003_files_that_cannot_be_read(tmp_path):
    report = validate_files(tmp_path / "missing.yaml", [tmp_path / "missing.csv", tmp_path])
    messages = [str(p) for p in report.problems]
    assert f"{tmp_path}/missing.yaml: there is no such file; check the path" in messages
    assert f"{tmp_path}/missing.csv: there is no such file; check the path" in messages
    assert f"{tmp_path}: this is a folder, not a file" in messages
