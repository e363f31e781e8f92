"""The stored summary: schema, JSON safety, consistency, and failure isolation."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics import MeasureMeta, aggregate_citywide, forecast_for_series, summarize_measure

from .conftest import make_series

METHODOLOGY = Path(__file__).resolve().parents[3] / "docs" / "methodology.md"
META = MeasureMeta(
    unit="percent",
    scale=100.0,
    direction="higher_is_better",
    frequency="month",
    aggregation="rate",
    name="Permits issued on time",
)
FLAT = ("latest_period", "latest_value", "target_status", "trend_verdict", "has_new_signal")


def _city(n_geos: int = 6, months: int = 60, seed: int = 3):
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2021-11-01", periods=months, freq="MS")
    geos = pd.DataFrame(
        {
            "id": [f"n{i}" for i in range(n_geos)],
            "name": [f"Neighbourhood {i}" for i in range(n_geos)],
            "population": rng.integers(3_000, 30_000, n_geos),
            "equity_priority": [i < 2 for i in range(n_geos)],
        }
    )
    rows = []
    for g in geos.itertuples():
        base = 0.70 - 0.1 * g.equity_priority
        for k, p in enumerate(periods):
            den = float(rng.integers(25, 300))
            share = base + 0.002 * k + 0.03 * np.sin(2 * np.pi * p.month / 12)
            num = float(rng.binomial(int(den), min(share, 0.99)))
            rows.append((g.id, p, num / den * 100, num, den))
    panel = pd.DataFrame(
        rows, columns=["geography_id", "period", "value", "numerator", "denominator"]
    )
    targets = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2025-07-01", "2026-07-01"]),
            "period_end": pd.to_datetime(["2026-06-30", "2027-06-30"]),
            "value": [75.0, 80.0],
            "tolerance": [2.0, 2.0],
            "label": ["FY2026", "FY2027"],
        }
    )
    return panel, geos, targets


@pytest.fixture(scope="module")
def city():
    return _city()


@pytest.fixture(scope="module")
def summary(city):
    panel, geos, targets = city
    citywide = aggregate_citywide(panel, "rate", 100.0).drop(columns="geographies")
    citywide = citywide.drop(index=[30, 31])  # two missing months
    return summarize_measure(
        META, citywide, panel, geos, targets, as_of=date(2026, 10, 20), fiscal_year_start_month=7
    )


def _walk(obj, path="$"):
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")


def test_sum001_one_json_safe_entry_per_geography(summary, city):
    _, geos, _ = city
    assert set(summary) == {"citywide", *geos["id"]}
    json.dumps(summary, allow_nan=False)  # raises on NaN or non-JSON types
    for path, value in _walk(summary):
        assert not isinstance(value, float) or math.isfinite(value), path
        if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
            assert len(value) == 10, f"{path}: dates are ISO dates, not timestamps"


def test_sum002_citywide_blocks(summary):
    c = summary["citywide"]
    assert c["latest_period"] == "2026-10-01"
    assert c["previous_period"] == "2026-09-01"
    assert c["errors"] == {}
    assert c["forecast_error"] is None
    f = c["forecast"]
    assert f["method"] == "ets" and f["model"].startswith("ETS(")
    assert len(f["points"]) == 12
    assert set(f["points"][0]) == {"period", "mean", "lo80", "hi80", "lo95", "hi95"}
    assert all(0 <= p["lo95"] <= p["mean"] <= p["hi95"] <= 100 for p in f["points"])
    assert f["mase"] is not None and f["coverage80"] is not None
    assert c["trend"]["verdict"] in ("improving", "worsening", "no_significant_change")
    assert c["control"]["available"] and c["control"]["phases"]
    outlook = c["target"]["outlook"]
    assert outlook["target"]["label"] == "FY2027"
    assert outlook["target_period"] == "2027-06-01" and outlook["periods_ahead"] == 8
    assert 0 <= outlook["probability"] <= 1
    assert c["target"]["current"]["label"] == "FY2027"
    assert c["fiscal_year"] == {"label": "FY2027", "start": "2026-07-01", "end": "2027-06-30"}


def test_sum003_equity_block_is_consistent_with_citywide(summary, city):
    panel, _, _ = city
    c = summary["citywide"]
    eq = c["equity"]
    latest = panel[panel["period"] == pd.Timestamp("2026-10-01")]
    pooled = latest["numerator"].sum() / latest["denominator"].sum() * 100
    assert_allclose(eq["citywide_value"], pooled)
    assert_allclose(c["latest_value"], pooled)
    assert eq["basis"] == "proportion" and eq["interval_method"] == "wilson"
    assert len(eq["geographies"]) == 6
    assert eq["gap_kind"] == "priority_minus_rest"
    assert eq["gap_verdict"] in ("narrowing", "widening", "no_significant_change")
    assert eq["priority_vs_rest"]["assessment"] == "worse"


def test_sum004_neighbourhood_entries(summary):
    n0 = summary["n0"]
    assert n0["forecast"] is None and n0["forecast_error"] is None
    assert n0["trend"]["n"] == 24
    assert n0["equity"]["geography_id"] == "n0" and n0["equity"]["rank"] >= 1
    for key in FLAT:
        assert key in n0


def test_sum005_failed_forecast_does_not_stop_the_rest():
    series = make_series([70.0, 72.0])
    out = summarize_measure(
        META,
        series,
        pd.DataFrame(),
        pd.DataFrame(columns=["id", "name", "population", "equity_priority"]),
        pd.DataFrame(),
        as_of=date(2030, 1, 1),
        fiscal_year_start_month=1,
    )
    c = out["citywide"]
    assert set(out) == {"citywide"}
    assert "at least 3" in c["forecast_error"] and c["forecast"]["error"] == c["forecast_error"]
    assert c["latest_value"] == 72.0 and c["trend_verdict"] == "insufficient_data"
    assert c["control"]["available"] is False and "12" in c["control"]["reason"]
    assert c["target_status"] == "no_target"
    json.dumps(out, allow_nan=False)


def test_sum006_citywide_aggregated_when_missing_and_as_of_respected(city):
    panel, geos, targets = city
    out = summarize_measure(
        META,
        pd.DataFrame(columns=["period", "value", "numerator", "denominator"]),
        panel,
        geos,
        targets,
        as_of=date(2026, 6, 30),
        fiscal_year_start_month=7,
    )
    c = out["citywide"]
    assert c["latest_period"] == "2026-06-01"
    assert any("aggregated" in n for n in c["notes"])
    assert out["n1"]["latest_period"] == "2026-06-01"


def test_sum007_on_demand_forecast(city):
    panel, _, _ = city
    series = panel[panel["geography_id"] == "n3"]
    block = forecast_for_series(series, META)
    assert block["error"] is None and len(block["points"]) == 12
    assert block["mase"] is None  # no backtest on demand


def test_sum008_every_summary_key_is_documented(summary):
    # Like datasette's documentation tests: the stored schema cannot drift from the docs.
    text = METHODOLOGY.read_text(encoding="utf-8")
    c = summary["citywide"]
    keys = set(c)
    for block in ("trend", "control", "forecast", "target", "equity"):
        keys |= set(c[block])
    keys |= set(c["target"]["outlook"]) | set(c["control"]["phases"][0])
    keys |= set(c["equity"]["geographies"][0]) | set(summary["n0"]["equity"])
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert missing == []


def test_sum009_a_crashing_forecast_is_reported_not_raised(monkeypatch, city):
    import analytics.summary as summary_module

    def broken(*args, **kwargs):
        raise FloatingPointError("optimizer diverged")

    monkeypatch.setattr(summary_module, "forecast_series", broken)
    panel, geos, targets = city
    out = summarize_measure(
        META,
        pd.DataFrame(),
        panel,
        geos,
        targets,
        as_of=date(2026, 10, 20),
        fiscal_year_start_month=7,
    )
    c = out["citywide"]
    assert "optimizer diverged" in c["forecast_error"]
    assert c["forecast"]["points"] == [] and "forecast" in c["errors"]
    assert c["trend"] is not None and c["control"]["available"] and c["equity"] is not None
    assert c["target"]["outlook"]["probability"] is None
    json.dumps(out, allow_nan=False)
