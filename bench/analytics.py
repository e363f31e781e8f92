"""Benchmark of the analytics package: cost per series, and forecast calibration.

Run: ``.venv/bin/python bench/analytics.py`` (about a minute on two cores; ``--large``
adds the large city's refresh, several minutes).

1. **Cost per series** of each statistic, on synthetic series shaped like the demo city
   (monthly 96 points, weekly 420, quarterly 32; 25 neighbourhoods), median of a few
   repetitions, plus the cost of a whole ``summarize_measure``.
2. **Forecast calibration** on real series shipped with statsmodels (co2, elnino, sunspots,
   nile) and, when ``pmdarima`` is installed, its bundled datasets (airpassengers, wineind,
   woolyrnq, ausbeer, lynx). For each: the model chosen, and MASE and 80%/95% interval
   coverage on held-out points — the 4-origin backtest stored with every forecast, a
   longer 12-origin backtest, and the 12-origin backtest on only the last eight years (the
   demo city's history length). A calibrated 80% band covers about 80% of held-out
   points; the target is 70–90% on seasonal series.
3. **Full refresh**: ``statroom refresh`` on the demo city (and with ``--large`` the large
   city) in a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import MeasureMeta, aggregate_citywide, summarize_measure  # noqa: E402
from analytics.control import xmr  # noqa: E402
from analytics.equity import equity_summary  # noqa: E402
from analytics.forecast import forecast_series  # noqa: E402
from analytics.periods import season_length  # noqa: E402
from analytics.targets import target_outlook  # noqa: E402
from analytics.trend import period_changes, trend_summary  # noqa: E402

FREQ = {"week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}
#: The demo city's history: eight years (yearly series keep 30 years).
DEMO_LENGTH = {"week": 416, "month": 96, "quarter": 32, "year": 30}


# -- synthetic demo-shaped data -------------------------------------------------------------


def synthetic_city(frequency: str, n: int, geos: int = 25, seed: int = 1):
    rng = np.random.default_rng(seed)
    m = season_length(frequency)
    periods = pd.date_range("2018-01-01", periods=n, freq=FREQ[frequency])
    geo = pd.DataFrame(
        {
            "id": [f"n{i:02d}" for i in range(geos)],
            "name": [f"Neighbourhood {i}" for i in range(geos)],
            "population": rng.integers(4_000, 40_000, geos),
            "equity_priority": [i % 4 == 0 for i in range(geos)],
        }
    )
    rows = []
    for g in geo.itertuples():
        base = 0.02 * (1.4 if g.equity_priority else 1.0)
        for k, p in enumerate(periods):
            season = 1 + 0.15 * np.sin(2 * np.pi * k / m) if m > 1 else 1.0
            lam = g.population * base * season * (1 - 0.3 * k / n)
            num = float(rng.poisson(lam))
            rows.append((g.id, p, num / g.population * 1000, num, float(g.population)))
    panel = pd.DataFrame(
        rows, columns=["geography_id", "period", "value", "numerator", "denominator"]
    )
    city = aggregate_citywide(panel, "rate", 1000).drop(columns="geographies")
    last = periods[-1]
    targets = pd.DataFrame(
        {
            "period_start": [last - pd.DateOffset(months=6)],
            "period_end": [last + pd.DateOffset(months=8)],
            "value": [float(city["value"].iloc[-12:].mean()) * 0.95],
            "tolerance": [0.5],
            "label": ["FY"],
        }
    )
    meta = MeasureMeta(
        "rate", 1000.0, "lower_is_better", frequency, "rate", name=f"Synthetic {frequency}"
    )
    return meta, city, panel, geo, targets, last


def _time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def shape_costs(frequency: str, n: int, repeat: int) -> list[tuple[str, str, float]]:
    """Milliseconds per series of each statistic on one synthetic city."""
    meta, city, panel, geo, targets, last = synthetic_city(frequency, n)
    forecast = forecast_series(city, frequency, bounds=meta.bounds, path_steps=40)
    as_of = (last + pd.DateOffset(days=1)).date()
    one_geo = panel[panel["geography_id"] == "n01"]
    stats = {
        "period changes": lambda: period_changes(city, frequency, meta.direction),
        "trend (tests + run length)": lambda: trend_summary(city, frequency, meta.direction),
        "XmR control chart": lambda: xmr(city, frequency, bounds=meta.bounds),
        "forecast (AICc choice + backtest)": lambda: forecast_series(
            city, frequency, bounds=meta.bounds, path_steps=40
        ),
        "forecast on demand (no backtest)": lambda: forecast_series(
            one_geo, frequency, bounds=meta.bounds, backtest=False
        ),
        "target outlook (from paths)": lambda: target_outlook(
            city, targets, meta.direction, frequency, forecast
        ),
        "equity (25 geographies + gap trend)": lambda: equity_summary(
            panel, geo, meta, citywide=city
        ),
        "summarize_measure (citywide + 25)": lambda: summarize_measure(
            meta, city, panel, geo, targets, as_of=as_of, fiscal_year_start_month=7
        ),
    }
    rows = []
    for name, fn in stats.items():
        reps = 1 if "summarize" in name or "forecast (" in name else repeat
        rows.append((name, f"{frequency} ({n})", _time(fn, reps)))
    return rows


def cost_table(repeat: int) -> pd.DataFrame:
    rows = []
    for frequency, n in (("month", 96), ("week", 420), ("quarter", 32)):
        rows.extend(shape_costs(frequency, n, repeat))
    order = list(dict.fromkeys(r[0] for r in rows))
    table = pd.DataFrame(rows, columns=["statistic", "series", "ms"])
    return table.pivot(index="statistic", columns="series", values="ms").reindex(order)


# -- real series ---------------------------------------------------------------------------------


def _frame(values, periods) -> pd.DataFrame:
    return pd.DataFrame({"period": periods, "value": np.asarray(values, dtype=float)})


def real_series() -> dict[str, tuple[pd.DataFrame, str, bool]]:
    """name -> (frame, frequency, seasonal?). Everything loads offline."""
    import statsmodels.api as sm

    out: dict[str, tuple[pd.DataFrame, str, bool]] = {}
    co2 = sm.datasets.co2.load_pandas().data["co2"]
    monthly = co2.resample("MS").mean().interpolate()
    out["co2 (monthly)"] = (_frame(monthly.values, monthly.index), "month", True)
    weekly = co2.interpolate()
    out["co2 (weekly)"] = (_frame(weekly.values, weekly.index - pd.Timedelta(days=5)), "week", True)
    nino = sm.datasets.elnino.load_pandas().data.set_index("YEAR")
    values = nino.to_numpy().ravel()
    out["elnino (monthly SST)"] = (
        _frame(
            values, pd.date_range(f"{int(nino.index[0])}-01-01", periods=len(values), freq="MS")
        ),
        "month",
        True,
    )
    spots = sm.datasets.sunspots.load_pandas().data
    out["sunspots (yearly)"] = (
        _frame(spots["SUNACTIVITY"], pd.to_datetime(spots["YEAR"].astype(int).astype(str))),
        "year",
        False,
    )
    nile = sm.datasets.nile.load_pandas().data
    out["nile (yearly)"] = (
        _frame(nile["volume"], pd.to_datetime(nile["year"].astype(int).astype(str))),
        "year",
        False,
    )
    try:
        from pmdarima import datasets as pmd
    except ImportError:
        print("(pmdarima not installed: its datasets are skipped)\n")
        return out
    monthly_sets = [("airpassengers", "1949-01-01"), ("wineind", "1980-01-01")]
    for name, start in monthly_sets:
        y = getattr(pmd, f"load_{name}")()
        out[f"{name} (monthly)"] = (
            _frame(y, pd.date_range(start, periods=len(y), freq="MS")),
            "month",
            True,
        )
    for name, start in (("woolyrnq", "1965-01-01"), ("ausbeer", "1956-01-01")):
        y = getattr(pmd, f"load_{name}")()
        y = y[np.isfinite(y)]
        out[f"{name} (quarterly)"] = (
            _frame(y, pd.date_range(start, periods=len(y), freq="QS")),
            "quarter",
            True,
        )
    lynx = pmd.load_lynx()
    out["lynx (yearly)"] = (
        _frame(lynx, pd.date_range("1821-01-01", periods=len(lynx), freq="YS")),
        "year",
        False,
    )
    return out


def calibration_table() -> pd.DataFrame:
    rows = []
    for name, (frame, frequency, seasonal) in real_series().items():
        start = time.perf_counter()
        stored = forecast_series(
            frame, frequency, bounds=(0.0, None) if frame["value"].min() >= 0 else (None, None)
        )
        seconds = time.perf_counter() - start
        long = forecast_series(
            frame,
            frequency,
            bounds=(0.0, None) if frame["value"].min() >= 0 else (None, None),
            origins=12,
        )
        demo = forecast_series(
            frame,
            frequency,
            bounds=(0.0, None) if frame["value"].min() >= 0 else (None, None),
            origins=12,
            max_length=DEMO_LENGTH[frequency],
        )
        rows.append(
            {
                "series": name,
                "seasonal": "yes" if seasonal else "no",
                "n used": stored.n_train,
                "model": stored.model,
                "MASE": stored.mase,
                "cov80 (4 origins)": stored.coverage80,
                "cov95 (4 origins)": stored.coverage95,
                "points": stored.backtest_points,
                "MASE (12)": long.mase,
                "cov80 (12 origins)": long.coverage80,
                "cov95 (12 origins)": long.coverage95,
                "points (12)": long.backtest_points,
                "cov80 (8 years)": demo.coverage80,
                "cov95 (8 years)": demo.coverage95,
                "points (8y)": demo.backtest_points,
                "fit s": seconds,
            }
        )
    return pd.DataFrame(rows)


def refresh_timing(size: str) -> dict[str, float]:
    """Load the demo (or large) city into a temporary SQLite file and time ``refresh``."""
    import tempfile

    from data.db import make_engine, migrate
    from data.demo import load_demo
    from data.refresh import refresh

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        migrate(engine)
        started = time.perf_counter()
        rows = load_demo(engine, size=size, progress=False)
        loaded = time.perf_counter() - started
        result = refresh(engine, progress=False)
        engine.dispose()
    return {
        "city": size,
        "observations": rows,
        "measures": result.measures,
        "load s": round(loaded, 1),
        "refresh s": round(result.seconds, 1),
        "forecasts failed": len(result.failures),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of cheap statistics")
    parser.add_argument("--skip-costs", action="store_true")
    parser.add_argument("--skip-calibration", action="store_true")
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument(
        "--large",
        action="store_true",
        help="also time the refresh of the large city (several minutes)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(f"analytics bench, {date.today().isoformat()}\n")
    if not args.skip_costs:
        print("Cost per series (milliseconds, median):")
        print(cost_table(args.repeat).round(1).to_string())
        print()
    if not args.skip_calibration:
        table = calibration_table()
        print("Forecast calibration on real series (held-out points):")
        print(table.round(3).to_string(index=False))
        seasonal = table[table["seasonal"] == "yes"]
        for col, pts in (("cov80 (12 origins)", "points (12)"), ("cov80 (8 years)", "points (8y)")):
            pooled = np.average(seasonal[col], weights=seasonal[pts])
            print(f"Seasonal series, 80% band, pooled {col}: {pooled:.1%}")
        print()
    if not args.skip_refresh:
        sizes = ["demo", "large"] if args.large else ["demo"]
        print("Full statroom refresh on SQLite (budget: demo < 60 s, large <= 180 s):")
        print(pd.DataFrame([refresh_timing(size) for size in sizes]).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
