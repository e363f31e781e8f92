"""The stored summary of a measure: every statistic a page shows, as JSON-ready dicts.

:func:`summarize_measure` is what ``statroom refresh`` calls for each measure. It returns
one dict for ``"citywide"`` and one per geography id. Each dict is JSON-serialisable
(ISO dates, ``None`` for missing numbers) and carries flat listing fields
(``latest_period``, ``latest_value``, ``target_status``, ``trend_verdict``,
``has_new_signal``, ``forecast_error``) next to the full blocks. A statistic that fails is
reported in its block (and in ``errors``); it never stops the others. The exact schema is
in ``docs/methodology.md`` ("Stored summary").
"""

from __future__ import annotations

import dataclasses
import logging
import math
from datetime import date, datetime

import numpy as np
import pandas as pd

from analytics.control import RECENT_POINTS, RULES, ControlChart, xmr
from analytics.equity import EquityResult, aggregate_citywide, equity_summary
from analytics.forecast import METHOD_LABELS, ForecastResult, failed, forecast_series
from analytics.periods import (
    MeasureMeta,
    fiscal_year_end,
    fiscal_year_label,
    fiscal_year_start,
    forecast_horizon,
    period_noun,
    regular_panel,
    regular_series,
    regular_values,
    season_length,
    shared_grids,
)
from analytics.targets import (
    MAX_HORIZONS_AHEAD,
    TargetOutlook,
    active_target,
    as_targets,
    next_target,
    steps_to,
    target_outlook,
    target_status,
    target_statuses,
)
from analytics.trend import TrendResult, period_changes, seasonal_flags, trend_summary

__all__ = ["MeasureMeta", "forecast_for_series", "summarize_measure", "to_jsonable"]

log = logging.getLogger("statroom.analytics")

CITYWIDE = "citywide"
SCHEMA_VERSION = 1


# -- JSON ---------------------------------------------------------------------------------------


def to_jsonable(obj):
    """Convert analytics output to plain JSON values.

    Timestamps and dates become ISO date strings (``"2026-10-01"``), NaN/inf/NaT become
    None, numpy scalars become Python numbers, dataclasses and frames (records) become
    dicts and lists.
    """
    kind = type(obj)  # the common plain types first: this runs for every stored number
    if kind is float:
        return obj if math.isfinite(obj) else None
    if obj is None or kind is str or kind is bool or kind is int:
        return obj
    if kind is dict:
        return _mapping(obj)
    if kind is list:
        return _sequence(obj)
    convert = _CONVERTERS.get(kind)
    if convert is None:  # decided once per type, not value by value
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(obj)


def _same(obj):
    return obj


def _finite_float(obj):
    return float(obj) if math.isfinite(obj) else None


def _timestamp(obj):
    return None if pd.isna(obj) else obj.date().isoformat()


def _mapping(obj):
    return {str(k): to_jsonable(v) for k, v in obj.items()}


def _sequence(obj):
    return [to_jsonable(v) for v in obj]


def _frame_records(obj):
    return [to_jsonable(r) for r in obj.to_dict(orient="records")]


def _dataclass(obj):
    return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def _converter(kind: type):
    """How :func:`to_jsonable` converts a value of type ``kind``, in its order of checks."""
    if issubclass(kind, (bool, str)):
        return _same
    if issubclass(kind, np.bool_):
        return bool
    if issubclass(kind, (int, np.integer)):
        return int
    if issubclass(kind, (float, np.floating)):
        return _finite_float
    if kind is type(pd.NaT):
        return lambda obj: None
    if issubclass(kind, (pd.Timestamp, datetime)):
        return _timestamp
    if issubclass(kind, date):
        return date.isoformat
    if issubclass(kind, dict):
        return _mapping
    if issubclass(kind, (list, tuple, set, pd.Index, np.ndarray)):
        return _sequence
    if issubclass(kind, pd.DataFrame):
        return _frame_records
    if dataclasses.is_dataclass(kind):
        return _dataclass
    return str


#: Type → its conversion, filled as types are first met.
_CONVERTERS: dict[type, object] = {}


# -- blocks ---------------------------------------------------------------------------------------


def _trend_block(result: TrendResult, frequency: str) -> dict:
    block = to_jsonable(result)
    block["run_length_unit"] = (
        period_noun(frequency, result.run_length or 0) if result.run_length else None
    )
    return block


def _favourable(side: str, direction: str) -> bool | None:
    if direction == "neutral":
        return None
    return (side == "above") == (direction == "higher_is_better")


def _control_block(chart: ControlChart, direction: str) -> dict:
    # Signals are many (hundreds on a long weekly series): written out directly from the
    # chart's positions as the JSON values to_jsonable would give, without Signal objects.
    favourable = {side: _favourable(side, direction) for side in ("above", "below")}
    fired = chart.fired
    days: list[str] = []
    numbers: list[float] = []
    if fired:
        positions = np.fromiter((f[0] for f in fired), dtype=np.intp, count=len(fired))
        days = np.datetime_as_string(chart.columns["period"][positions], unit="D").tolist()
        numbers = chart.columns["value"][positions].tolist()
    signals = [
        {
            "period": day,
            "value": to_jsonable(value),
            "rule": rules[0],
            "rules": list(rules),
            "rule_label": RULES[rules[0]],
            "side": side,
            "phase": phase,
            "favourable": favourable[side],
        }
        for day, value, (_, rules, side, phase) in zip(days, numbers, fired, strict=True)
    ]
    block = to_jsonable(
        {
            "available": chart.available,
            "reason": chart.reason,
            "min_points": chart.min_points,
            "phases": chart.phases,
            "has_new_signal": chart.has_recent_signal(RECENT_POINTS),
            "recent_points": RECENT_POINTS,
        }
    )
    return {**block, "signals": signals}


def _forecast_block(result: ForecastResult) -> dict:
    return to_jsonable(
        {
            "method": result.method,
            "method_label": METHOD_LABELS.get(result.method or ""),
            "model": result.model,
            "aicc": result.aicc,
            "horizon": result.horizon,
            "season_length": result.season_length,
            "points": result.frame,
            "mase": result.mase,
            "coverage80": result.coverage80,
            "coverage95": result.coverage95,
            "backtest_origins": result.backtest_origins,
            "backtest_points": result.backtest_points,
            "training_start": result.training_start,
            "training_end": result.training_end,
            "n_train": result.n_train,
            "notes": result.notes,
            "candidates": result.candidates,
            "error": result.error,
        }
    )


def _target_dict(t) -> dict | None:
    return None if t is None else to_jsonable(t)


def _outlook_block(outlook: TargetOutlook) -> dict:
    return to_jsonable(outlook) | {"target": _target_dict(outlook.target)}


def _equity_block(result: EquityResult) -> dict:
    return to_jsonable(
        {
            "period": result.period,
            "basis": result.basis.kind,
            "basis_description": result.basis.description,
            "interval_method": result.basis.interval,
            "confidence": result.confidence,
            "citywide_value": result.citywide_value,
            "geographies": result.table,
            "disparity_ratio": result.disparity_ratio,
            "best_geography": result.best_geography,
            "worst_geography": result.worst_geography,
            "cv": result.cv,
            "theil": result.theil,
            "theil_weighted": result.theil_weighted,
            "n_geographies": result.n_geographies,
            "n_suppressed": result.n_suppressed,
            "priority_vs_rest": result.priority_vs_rest,
            "gap_kind": result.gap_kind,
            "gap_series": result.gap_series,
            "gap_trend": result.gap_trend,
            "gap_verdict": result.gap_verdict,
            "suppression_rule": result.suppression_rule,
            "reason": result.reason,
        }
    )


def _ranks(result: EquityResult, direction: str) -> dict[str, int]:
    """Rank of each unsuppressed geography, 1 = best (none for neutral measures)."""
    table = result.table
    if direction == "neutral" or table is None or table.empty:
        return {}
    ranked = table[~table["suppressed"] & np.isfinite(table["value"])]
    order = ranked.sort_values("value", ascending=direction == "lower_is_better")
    return {gid: i + 1 for i, gid in enumerate(order["geography_id"])}


def _equity_rows(result: EquityResult | None) -> dict[str, dict]:
    """Each geography's row of the equity cross-section, keyed by geography id."""
    table = None if result is None else result.table
    if table is None or table.empty:
        return {}
    rows: dict[str, dict] = {}
    for record in table.to_dict(orient="records"):
        rows.setdefault(record["geography_id"], record)  # the first row, as before
    return rows


def _geo_equity(
    result: EquityResult, geography_id: str, ranks: dict[str, int], rows: dict[str, dict]
) -> dict | None:
    record = rows.get(geography_id)
    if record is None:
        return None
    entry = to_jsonable(record)
    rank = ranks.get(geography_id)
    entry.update(
        {
            "period": to_jsonable(result.period),
            "basis": result.basis.kind,
            "citywide_value": to_jsonable(result.citywide_value),
            "rank": rank,
            "ranked_of": len(ranks) if rank else None,
        }
    )
    return entry


# -- helpers --------------------------------------------------------------------------------------


def _prepare(frame: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    cols = ["period", "value", "numerator", "denominator"]
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols}).assign(
            period=pd.Series(dtype="datetime64[ns]")
        )
    out = frame.copy()
    for col in cols[1:]:
        if col not in out.columns:
            out[col] = np.nan
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["period"] = pd.to_datetime(out["period"])
    out = out[out["period"] <= as_of]
    return out.sort_values("period").reset_index(drop=True)


def _guard(errors: dict, name: str, fn, *args, **kwargs):
    """Run one statistic; on failure log it, note a readable reason and return None."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - one statistic must not stop the others
        log.exception("%s failed", name)
        errors[name] = (
            f"The {name} could not be computed: {exc}. The other statistics are unaffected."
        )
        return None


def _base_entry(geography_id: str, meta: MeasureMeta, series: pd.DataFrame, as_of, fy_month):
    observed = series["value"].notna().to_numpy()
    obs = series if observed.all() else series[observed]  # (most series have no gaps)
    entry: dict = {
        "schema_version": SCHEMA_VERSION,
        "geography_id": geography_id,
        "measure": meta.name,
        "frequency": meta.frequency,
        "direction": meta.direction,
        "as_of": to_jsonable(as_of),
        "fiscal_year": {
            "label": fiscal_year_label(as_of, fy_month),
            "start": fiscal_year_start(as_of, fy_month).isoformat(),
            "end": fiscal_year_end(as_of, fy_month).isoformat(),
        },
        "n_values": len(obs),
        "first_period": to_jsonable(obs["period"].iloc[0]) if len(obs) else None,
        "latest_period": None,
        "latest_value": None,
        "previous_period": None,
        "previous_value": None,
        "changes": None,
        "trend": None,
        "control": None,
        "target": None,
        "forecast": None,
        "equity": None,
        "target_status": "no_data",
        "trend_verdict": "insufficient_data",
        "has_new_signal": False,
        "forecast_error": None,
        "errors": {},
        "notes": [],
    }
    return entry, obs


def _series_stats(
    entry: dict,
    meta: MeasureMeta,
    obs: pd.DataFrame,
    targets,
    grid: pd.Series | None = None,
    seasonal: bool | None = None,
) -> None:
    """Changes, trend, control chart and target status. A caller that has them already
    passes ``grid`` (``regular_values(obs)``, see :func:`analytics.periods.regular_panel`)
    and ``seasonal`` (:func:`analytics.trend.is_seasonal` of it, see
    :func:`analytics.trend.seasonal_flags`)."""
    errors = entry["errors"]
    if obs.empty:
        return
    if grid is None:
        grid = _guard(errors, "period grid", regular_values, obs, meta.frequency)
    if grid is None:
        return
    changes = _guard(errors, "period changes", period_changes, grid, meta.frequency, meta.direction)
    if changes is not None:
        entry["latest_period"] = to_jsonable(changes.latest_period)
        entry["latest_value"] = to_jsonable(changes.latest_value)
        entry["previous_period"] = to_jsonable(changes.vs_previous.period)
        entry["previous_value"] = to_jsonable(changes.vs_previous.value)
        entry["changes"] = to_jsonable(
            {"vs_previous": changes.vs_previous, "vs_last_year": changes.vs_last_year}
        )
    trend = _guard(
        errors, "trend", trend_summary, grid, meta.frequency, meta.direction, seasonal=seasonal
    )
    if trend is not None:
        entry["trend"] = _trend_block(trend, meta.frequency)
        entry["trend_verdict"] = trend.verdict
    lo, hi = meta.bounds
    chart = _guard(errors, "control chart", xmr, grid, meta.frequency, bounds=(lo, hi))
    if chart is not None:
        entry["control"] = _control_block(chart, meta.direction)
        entry["has_new_signal"] = entry["control"]["has_new_signal"]
    latest_period, latest_value = obs["period"].iloc[-1], float(obs["value"].iloc[-1])
    current = active_target(targets, latest_period)
    status = target_status(
        latest_value,
        current.value if current else None,
        current.tolerance if current else 0.0,
        meta.direction,
    )
    entry["target_status"] = status
    entry["target"] = {
        "status": status,
        "current": _target_dict(current),
        "gap": to_jsonable(latest_value - current.value) if current else None,
    }


def _path_steps(obs: pd.DataFrame, targets, meta: MeasureMeta) -> int | None:
    if obs.empty:
        return None
    last = regular_series(obs, meta.frequency).index[-1]
    target = next_target(targets, last, meta.frequency)
    if target is None:
        return None
    h = forecast_horizon(meta.frequency)
    steps = steps_to(last, target, meta.frequency)
    return max(h, min(steps, MAX_HORIZONS_AHEAD * h))


def forecast_for_series(
    series: pd.DataFrame,
    meta: MeasureMeta,
    *,
    horizon: int | None = None,
    backtest: bool = False,
) -> dict:
    """A forecast block (same schema as ``summary["forecast"]``) for any series.

    Cheap by default (no backtest: ``mase`` and coverages are None), for on-demand
    neighbourhood forecasts. Never raises: a failure comes back as ``{"error": ...}``.
    """
    try:
        result = forecast_series(
            _prepare(series, pd.Timestamp.max),
            meta.frequency,
            horizon=horizon,
            bounds=meta.bounds,
            backtest=backtest,
        )
    except Exception as exc:  # noqa: BLE001 - reported to the user as the reason
        log.exception("forecast failed")
        result = _failed_forecast(exc, meta)
    return _forecast_block(result)


def _failed_forecast(exc: Exception, meta: MeasureMeta) -> ForecastResult:
    return failed(f"The forecast could not be computed: {exc}.", meta.frequency)


# -- the summary ----------------------------------------------------------------------------------


@shared_grids()  # the citywide series is gridded once for all its statistics
def summarize_measure(
    meta: MeasureMeta,
    citywide: pd.DataFrame,
    panel: pd.DataFrame,
    geographies: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    as_of: date,
    fiscal_year_start_month: int,
) -> dict[str, dict]:
    """Every stored statistic of one measure, for citywide and for each geography.

    Parameters
    ----------
    meta : MeasureMeta
        Unit, scale, direction, frequency, aggregation (and name).
    citywide : DataFrame
        ``period, value, numerator, denominator``; when empty, it is aggregated from
        ``panel`` with :func:`analytics.equity.aggregate_citywide`.
    panel : DataFrame
        ``geography_id, period, value, numerator, denominator`` for all neighbourhoods.
    geographies : DataFrame
        ``id, name, population, equity_priority``.
    targets : DataFrame
        ``period_start, period_end, value, tolerance, label``.
    as_of : date
        Observations for periods starting after this date are ignored.
    fiscal_year_start_month : int
        1–12.

    Returns
    -------
    dict
        ``{"citywide": {...}, "<geography id>": {...}, ...}``, one entry per geography in
        ``geographies``. Citywide entries have ``forecast`` and ``equity`` blocks and a
        target ``outlook``; geography entries have trend, control, changes, target status
        and their own row of the equity cross-section, but no forecast (see
        :func:`forecast_for_series`). Keys are listed in ``docs/methodology.md``.
    """
    as_of_ts = pd.Timestamp(as_of)
    target_list = as_targets(targets)
    city = _prepare(citywide, as_of_ts)
    panel_p = _prepare(panel, as_of_ts) if panel is not None and len(panel) else None
    geos = (
        geographies[geographies["id"] != CITYWIDE].reset_index(drop=True)
        if geographies is not None and len(geographies)
        else pd.DataFrame(columns=["id", "name", "population", "equity_priority"])
    )
    notes = []
    if city["value"].notna().sum() == 0 and panel_p is not None and len(panel_p):
        city = aggregate_citywide(panel_p, meta.aggregation, meta.scale)[
            ["period", "value", "numerator", "denominator"]
        ]
        notes.append("The citywide series was aggregated from the neighbourhoods.")

    entry, obs = _base_entry(CITYWIDE, meta, city, as_of_ts, fiscal_year_start_month)
    entry["notes"].extend(notes)
    _series_stats(entry, meta, obs, target_list)
    errors = entry["errors"]

    # Forecast and target outlook (citywide only).
    forecast = None
    if not obs.empty:
        steps = _guard(errors, "target projection", _path_steps, obs, target_list, meta)
        forecast = _guard(
            errors,
            "forecast",
            forecast_series,
            obs,
            meta.frequency,
            bounds=meta.bounds,
            path_steps=steps,
        )
        if forecast is None:
            forecast = failed(errors["forecast"], meta.frequency)
    else:
        forecast = failed("There is no data to forecast.", meta.frequency)
    entry["forecast"] = _forecast_block(forecast)
    entry["forecast_error"] = forecast.error
    if entry["target"] is None:
        entry["target"] = {"status": entry["target_status"], "current": None, "gap": None}
    outlook = _guard(
        errors,
        "target outlook",
        target_outlook,
        obs,
        target_list,
        meta.direction,
        meta.frequency,
        forecast,
    )
    entry["target"]["outlook"] = _outlook_block(outlook) if outlook is not None else None
    entry["target"]["history"] = (
        to_jsonable(
            target_statuses(obs, target_list, meta.direction).query("status != 'no_target'")
        )
        if target_list and not obs.empty
        else []
    )

    # Equity.
    equity = None
    if panel_p is not None and len(geos):
        equity = _guard(
            errors,
            "equity statistics",
            equity_summary,
            panel_p,
            geos,
            meta,
            citywide=city,
        )
    entry["equity"] = _equity_block(equity) if equity is not None else None

    ranks = _ranks(equity, meta.direction) if equity is not None else {}
    equity_rows = _equity_rows(equity)
    out = {CITYWIDE: entry}
    by_geo = dict(tuple(panel_p.groupby("geography_id"))) if panel_p is not None else {}
    # Every neighbourhood's grid at once: slices of one date range, not 60 reindexes.
    grids = (
        _guard({}, "period grid", regular_panel, panel_p, meta.frequency) or {}
        if panel_p is not None
        else {}
    )
    seasonal = _guard({}, "seasonality", seasonal_flags, grids, season_length(meta.frequency))
    seasonal = seasonal or {}
    no_data = _prepare(None, as_of_ts)  # shared by the neighbourhoods without data (read only)
    for gid in geos["id"]:
        series = by_geo.get(gid)
        series = series if series is not None else no_data
        g_entry, g_obs = _base_entry(str(gid), meta, series, as_of_ts, fiscal_year_start_month)
        _series_stats(
            g_entry, meta, g_obs, target_list, grids.get(str(gid)), seasonal.get(str(gid))
        )
        g_entry["equity"] = _geo_equity(equity, gid, ranks, equity_rows) if equity else None
        out[str(gid)] = g_entry
    return out
