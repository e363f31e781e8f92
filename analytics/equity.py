"""Equity: how a measure differs between neighbourhoods, and whether the gap is closing.

For the latest period, each geography gets a value with a 95% interval that fits the
measure (Wilson for proportions, exact Poisson for counts and rates, a t-interval from the
period-to-period spread for averages). Small numbers are flagged as suppressed. The
cross-section is summarised by gaps to citywide, a disparity ratio, the coefficient of
variation and the Theil index, and equity-priority areas are compared with the rest,
period by period, with a trend test on that gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analytics.periods import MeasureMeta
from analytics.trend import TrendResult, trend_summary

#: Proportions with a denominator below this are suppressed (flagged, not dropped).
MIN_DENOMINATOR = 20
#: Counts, and rates built on counts, below this are suppressed.
MIN_COUNT = 11
#: Values of a geography used to estimate the spread of an average (latest ones).
MEAN_INTERVAL_VALUES = 12
#: Fewest values for an interval on an average.
MIN_MEAN_INTERVAL_VALUES = 4
#: Per-capita rates of summed counts are per this many residents.
PER_CAPITA = 1000
CONFIDENCE = 0.95

SUPPRESSION_RULE = (
    f"Values are flagged as suppressed when a proportion rests on fewer than {MIN_DENOMINATOR} "
    f"cases, or a count or count-based rate on fewer than {MIN_COUNT} events (for averages: "
    f"fewer than {MIN_DENOMINATOR} cases, when the number of cases is known). Suppressed "
    "values are kept in pooled totals but left out of the disparity ratio, the coefficient "
    "of variation and the Theil index."
)


# -- intervals --------------------------------------------------------------------------------


def wilson_interval(successes, trials, alpha: float = 1 - CONFIDENCE):
    r"""Wilson score interval for a binomial proportion.

    .. math::
        \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n}
        + \frac{z^2}{4n^2}}}{1 + z^2/n}, \qquad z = \Phi^{-1}(1-\alpha/2)

    Returns ``(lower, upper)`` as proportions (0–1), NaN where ``trials`` ≤ 0.
    Reference: Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA* 22, 209–212; Brown, Cai & DasGupta (2001), *Statistical
    Science* 16, 101–133 (recommends it over the Wald interval).
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def poisson_exact_interval(count, alpha: float = 1 - CONFIDENCE):
    r"""Exact (Garwood) interval for a Poisson count.

    :math:`L = \tfrac12\chi^2_{\alpha/2}(2k)` (0 when :math:`k = 0`),
    :math:`U = \tfrac12\chi^2_{1-\alpha/2}(2k+2)`. Divide by the exposure (population or
    denominator) and multiply by the scale for a rate interval. Non-integer counts are
    accepted (the chi-square quantiles are continuous in ``k``).

    Reference: Garwood, F. (1936). Fiducial limits for the Poisson distribution.
    *Biometrika* 28, 437–442; Ulm, K. (1990). *Am. J. Epidemiol.* 131, 373–375.
    """
    k = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    lo = np.where(k >= 0, lo, np.nan)
    hi = np.where(k >= 0, hi, np.nan)
    return lo, hi


def spread_interval(values, alpha: float = 1 - CONFIDENCE):
    r"""Half-width of an interval for one period's average, from the period-to-period spread.

    For averages (e.g. mean response time) the individual cases are not available, so the
    noise in one period's value is estimated from the geography's recent values:
    :math:`\hat\sigma = \overline{mR}/1.128` (average moving range, the same robust
    estimate as the XmR chart, so real shifts and trends inflate it less than a standard
    deviation would), and the interval is the period's value
    :math:`\pm\, t_{1-\alpha/2,\,k-1}\,\hat\sigma` with ``k`` the number of values used.
    Returns NaN with fewer than :data:`MIN_MEAN_INTERVAL_VALUES` values.
    Reference: Wheeler (2000) ch. 4 for :math:`\overline{mR}/d_2`.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < MIN_MEAN_INTERVAL_VALUES:
        return float("nan")
    sigma = np.mean(np.abs(np.diff(v))) / 1.128
    return float(stats.t.ppf(1 - alpha / 2, len(v) - 1) * sigma)


# -- aggregation --------------------------------------------------------------------------------


def aggregate_citywide(panel: pd.DataFrame, aggregation: str, scale: float = 1.0) -> pd.DataFrame:
    """Combine geographies into one value per period.

    * ``rate``: ``sum(numerator) / sum(denominator) * scale`` — always pooled, never an
      average of the geographies' rates;
    * ``sum``: ``sum(value)``;
    * ``mean``: the denominator-weighted mean ``sum(value * denominator) /
      sum(denominator)`` when every geography has a denominator (e.g. the number of calls
      behind an average response time), else the plain mean of the geographies' values.

    Returns columns ``period, value, numerator, denominator, geographies`` (the number of
    geographies with a value), oldest first. Rows with a missing value (or, for rates,
    a missing numerator or denominator) are ignored.
    """
    cols = ["period", "value", "numerator", "denominator", "geographies"]
    if panel is None or panel.empty:
        return pd.DataFrame(columns=cols)
    data = panel.copy()
    for col in ("value", "numerator", "denominator"):
        if col not in data.columns:
            data[col] = np.nan
        data[col] = pd.to_numeric(data[col], errors="coerce").astype(float)
    if aggregation == "rate":
        data = data.dropna(subset=["numerator", "denominator"])
    else:
        data = data.dropna(subset=["value"])
    grouped = data.groupby("period", sort=True)
    num = grouped["numerator"].sum(min_count=1)
    den = grouped["denominator"].sum(min_count=1)
    count = grouped.size()
    if aggregation == "rate":
        value = num / den * scale
    elif aggregation == "sum":
        value = grouped["value"].sum()
    elif aggregation == "mean":
        all_den = grouped["denominator"].apply(lambda s: bool(s.notna().all() and (s > 0).all()))
        weighted = (data["value"] * data["denominator"]).groupby(data["period"]).sum() / den
        value = grouped["value"].mean().where(~all_den, weighted)
    else:
        raise ValueError(f"aggregation must be sum, mean or rate, not {aggregation!r}")
    out = pd.DataFrame({"value": value, "numerator": num, "denominator": den, "geographies": count})
    return out.reset_index()[cols]


# -- dispersion ---------------------------------------------------------------------------------


def coefficient_of_variation(values) -> float | None:
    """Population standard deviation (ddof 0) divided by the mean; None if mean ≤ 0."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2 or v.mean() <= 0:
        return None
    return float(v.std(ddof=0) / v.mean())


def theil_index(values, weights=None) -> float | None:
    r"""Theil T index of inequality between geographies.

    :math:`T = \sum_i s_i \frac{x_i}{\mu}\ln\frac{x_i}{\mu}`, with shares
    :math:`s_i = w_i/\sum w` (population shares when populations are known, else
    :math:`1/N`) and :math:`\mu = \sum s_i x_i`; terms with :math:`x_i = 0` are 0.
    ``T = 0`` when all values are equal; the unweighted maximum is :math:`\ln N`.
    None for negative values or a zero mean.

    Reference: Theil, H. (1967). *Economics and Information Theory*; Harper, S. & Lynch,
    J. (2005). *Methods for Measuring Cancer Disparities*, NCI, §3.
    """
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    x, w = x[keep], w[keep]
    if len(x) < 2 or np.any(x < 0):
        return None
    s = w / w.sum()
    mu = float(np.sum(s * x))
    if mu <= 0:
        return None
    r = x / mu
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, r * np.log(r), 0.0)
    return float(np.sum(s * terms))


# -- the cross-section ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """What is compared between geographies."""

    kind: str  # proportion | rate | per_capita | total | mean
    interval: str | None  # wilson | poisson_exact | spread_t | None
    description: str


def choose_basis(panel: pd.DataFrame, geographies: pd.DataFrame, meta: MeasureMeta) -> Basis:
    """How a measure is compared across geographies.

    * ``rate`` aggregation with numerators and denominators: ``proportion`` (Wilson) for
      percentages whose numerators never exceed their denominators, else ``rate``
      (exact Poisson on the numerator).
    * ``sum``: ``per_capita`` (per 1,000 residents) when every geography has a population,
      else ``total``; exact Poisson intervals for ``count`` units only.
    * ``mean``: ``mean`` with :func:`spread_interval`.
    """
    has_ratio = (
        panel is not None
        and not panel.empty
        and panel["numerator"].notna().any()
        and panel["denominator"].notna().any()
    )
    if meta.aggregation == "rate" and has_ratio:
        ok = panel.dropna(subset=["numerator", "denominator"])
        if meta.unit == "percent" and bool((ok["numerator"] <= ok["denominator"]).all()):
            return Basis("proportion", "wilson", "share of cases (numerator / denominator)")
        return Basis("rate", "poisson_exact", "events per denominator")
    if meta.aggregation == "sum":
        interval = "poisson_exact" if meta.unit == "count" else None
        pops = pd.to_numeric(geographies.get("population"), errors="coerce")
        if len(geographies) and pops.notna().all() and (pops > 0).all():
            return Basis("per_capita", interval, f"per {PER_CAPITA:,} residents")
        return Basis("total", interval, "total per geography")
    return Basis("mean", "spread_t", "average")


@dataclass(frozen=True)
class EquityResult:
    """Result of :func:`equity_summary`. ``table`` has one row per geography."""

    period: pd.Timestamp | None
    basis: Basis
    confidence: float
    citywide_value: float | None
    table: pd.DataFrame
    disparity_ratio: float | None
    best_geography: str | None
    worst_geography: str | None
    cv: float | None
    theil: float | None
    theil_weighted: bool
    n_geographies: int
    n_suppressed: int
    priority_vs_rest: dict | None
    gap_kind: str | None
    gap_series: pd.DataFrame
    gap_trend: TrendResult | None
    gap_verdict: str
    suppression_rule: str = SUPPRESSION_RULE
    reason: str | None = None


def _pool_groups(data: pd.DataFrame, keys, basis: Basis, scale: float) -> pd.Series:
    """One value per group of geographies (grouped by ``keys``).

    Proportions and rates pool numerators and denominators; per-capita counts pool counts
    and residents; averages are case-weighted when every row has a positive number of
    cases, else plain means; totals are averaged per geography.
    """
    if basis.kind in ("proportion", "rate"):
        d = data.dropna(subset=["numerator", "denominator"])
        g = d.groupby(keys)
        den = g["denominator"].sum()
        return (g["numerator"].sum() / den * scale).where(den > 0)
    if basis.kind == "per_capita":
        d = data.dropna(subset=["value", "population"])
        g = d.groupby(keys)
        pop = g["population"].sum()
        return (g["value"].sum() / pop * PER_CAPITA).where(pop > 0)
    d = data.dropna(subset=["value"])
    plain = d.groupby(keys)["value"].mean()
    if basis.kind != "mean":
        return plain
    d = d.assign(_w=d["value"] * d["denominator"], _ok=d["denominator"].gt(0))
    g = d.groupby(keys)
    weighted = g["_w"].sum() / g["denominator"].sum()
    return weighted.where(g["_ok"].all(), plain)


def _pooled(rows: pd.DataFrame, basis: Basis, scale: float) -> float | None:
    """One value for a group of geographies in one period (see :func:`_pool_groups`)."""
    if rows.empty:
        return None
    value = _pool_groups(rows.assign(_group=0), "_group", basis, scale)
    if value.empty or not np.isfinite(value.iloc[0]):
        return None
    return float(value.iloc[0])


def _assess(gap: float, direction: str) -> str | None:
    if direction == "neutral" or not np.isfinite(gap):
        return None
    if gap == 0:
        return "same"
    return "better" if (gap > 0) == (direction == "higher_is_better") else "worse"


def cross_section(
    panel: pd.DataFrame,
    geographies: pd.DataFrame,
    meta: MeasureMeta,
    period: pd.Timestamp,
    basis: Basis,
    citywide_value: float | None,
    alpha: float = 1 - CONFIDENCE,
) -> pd.DataFrame:
    """One row per geography for ``period``: value on the basis, interval, suppression, gap.

    Columns: geography_id, name, equity_priority, population, value, lower, upper,
    numerator, denominator, suppressed, suppression_reason, gap (value − citywide),
    relative_gap (gap / citywide), assessment (better/worse/same vs citywide by the
    measure's direction) and significant (the interval excludes the citywide value).
    Geographies without a value for ``period`` get a row of NaN (not suppressed).
    """
    geo = geographies.rename(columns={"id": "geography_id"}).copy()
    rows = panel[panel["period"] == period].drop(columns=["period"])
    table = geo.merge(rows, on="geography_id", how="left")
    num = table["numerator"].to_numpy(dtype=float)
    den = table["denominator"].to_numpy(dtype=float)
    raw = table["value"].to_numpy(dtype=float)
    pop = pd.to_numeric(table["population"], errors="coerce").to_numpy(dtype=float)
    scale = float(meta.scale)
    lower = np.full(len(table), np.nan)
    upper = np.full(len(table), np.nan)
    suppressed = np.zeros(len(table), dtype=bool)
    reasons: list[str | None] = [None] * len(table)

    if basis.kind == "proportion":
        value = num / den * scale
        lo, hi = wilson_interval(num, den, alpha)
        lower, upper = lo * scale, hi * scale
        small = den < MIN_DENOMINATOR
        for i in np.flatnonzero(small):
            reasons[i] = f"fewer than {MIN_DENOMINATOR} cases"
        suppressed = small
    elif basis.kind == "rate":
        value = num / den * scale
        lo, hi = poisson_exact_interval(num, alpha)
        lower, upper = lo / den * scale, hi / den * scale
        small = num < MIN_COUNT
        for i in np.flatnonzero(small):
            reasons[i] = f"fewer than {MIN_COUNT} events"
        suppressed = small
    elif basis.kind in ("per_capita", "total"):
        exposure = pop / PER_CAPITA if basis.kind == "per_capita" else np.ones(len(table))
        value = raw / exposure
        if basis.interval == "poisson_exact":
            lo, hi = poisson_exact_interval(raw, alpha)
            lower, upper = lo / exposure, hi / exposure
            small = raw < MIN_COUNT
            for i in np.flatnonzero(small):
                reasons[i] = f"fewer than {MIN_COUNT} events"
            suppressed = small
    else:  # mean
        value = raw
        history = panel[panel["period"] <= period].sort_values("period")
        for i, gid in enumerate(table["geography_id"]):
            if not np.isfinite(raw[i]):
                continue
            values = history.loc[history["geography_id"] == gid, "value"].tail(MEAN_INTERVAL_VALUES)
            half = spread_interval(values, alpha)
            lower[i], upper[i] = raw[i] - half, raw[i] + half
        small = den < MIN_DENOMINATOR
        for i in np.flatnonzero(small):
            reasons[i] = f"fewer than {MIN_DENOMINATOR} cases"
        suppressed = small
    missing = ~np.isfinite(value)
    suppressed = np.where(missing, False, suppressed)
    lo_bound, hi_bound = meta.bounds
    if basis.kind in ("per_capita", "total", "rate"):
        hi_bound = None
    if lo_bound is not None:
        lower = np.maximum(lower, lo_bound)
    if hi_bound is not None:
        upper = np.minimum(upper, hi_bound)
    out = pd.DataFrame(
        {
            "geography_id": table["geography_id"],
            "name": table.get("name"),
            "equity_priority": table.get("equity_priority", False).fillna(False).astype(bool),
            "population": pop,
            "value": value,
            "lower": lower,
            "upper": upper,
            "numerator": num,
            "denominator": den,
            "suppressed": suppressed,
            "suppression_reason": [
                r if s else None for r, s in zip(reasons, suppressed, strict=True)
            ],
        }
    )
    if citywide_value is not None and np.isfinite(citywide_value):
        out["gap"] = out["value"] - citywide_value
        out["relative_gap"] = out["gap"] / citywide_value if citywide_value != 0 else np.nan
        out["significant"] = (out["lower"] > citywide_value) | (out["upper"] < citywide_value)
    else:
        out["gap"] = np.nan
        out["relative_gap"] = np.nan
        out["significant"] = False
    out["assessment"] = [_assess(g, meta.direction) for g in out["gap"]]
    return out


def _disparity(table: pd.DataFrame, direction: str):
    """(ratio ≥ 1, best id, worst id) over unsuppressed geographies with positive values."""
    ok = table[~table["suppressed"] & np.isfinite(table["value"])]
    if len(ok) < 2:
        return None, None, None
    hi = ok.loc[ok["value"].idxmax()]
    lo = ok.loc[ok["value"].idxmin()]
    ratio = float(hi["value"] / lo["value"]) if lo["value"] > 0 else None
    if direction == "higher_is_better":
        return ratio, hi["geography_id"], lo["geography_id"]
    if direction == "lower_is_better":
        return ratio, lo["geography_id"], hi["geography_id"]
    return ratio, None, None


def gap_over_time(
    panel: pd.DataFrame, geographies: pd.DataFrame, meta: MeasureMeta, basis: Basis
) -> tuple[str | None, pd.DataFrame]:
    """Gap between equity-priority geographies and the rest, period by period.

    ``priority`` and ``rest`` are pooled values (:func:`_pooled`: sum of numerators over
    sum of denominators for rates, residents-weighted for per-capita counts,
    case-weighted for averages when cases are known); ``gap = priority − rest``. When no
    geography (or every one) is flagged as equity priority, the gap is instead the range
    ``max − min`` over the geographies' values that period (``priority``/``rest`` then
    hold the max and min). Columns: period, priority, rest, gap, abs_gap.
    """
    cols = ["period", "priority", "rest", "gap", "abs_gap"]
    if panel.empty:
        return None, pd.DataFrame(columns=cols)
    geo = geographies.rename(columns={"id": "geography_id"})
    flags = geo.set_index("geography_id")["equity_priority"].fillna(False).astype(bool)
    data = panel.merge(geo[["geography_id", "population"]], on="geography_id", how="left")
    data["priority"] = data["geography_id"].map(flags).fillna(False).astype(bool)
    kind = "priority_minus_rest" if 0 < flags.sum() < len(flags) else "max_minus_min"
    periods = pd.Index(sorted(data["period"].unique()), name="period")
    if kind == "priority_minus_rest":
        pooled = _pool_groups(data, ["period", "priority"], basis, meta.scale).unstack("priority")
        a = pooled.get(True, pd.Series(dtype=float)).reindex(periods)
        b = pooled.get(False, pd.Series(dtype=float)).reindex(periods)
    else:
        per_geo = _pool_groups(data, ["period", "geography_id"], basis, meta.scale).dropna()
        g = per_geo.groupby(level="period")
        enough = g.count() >= 2
        a = g.max().where(enough).reindex(periods)
        b = g.min().where(enough).reindex(periods)
    out = pd.DataFrame(
        {"period": periods, "priority": a.to_numpy(float), "rest": b.to_numpy(float)}
    )
    out["gap"] = out["priority"] - out["rest"]
    out["abs_gap"] = out["gap"].abs()
    return kind, out[cols]


_GAP_VERDICT = {
    "improving": "narrowing",
    "worsening": "widening",
    "no_significant_change": "no_significant_change",
    "insufficient_data": "insufficient_data",
}


def equity_summary(
    panel: pd.DataFrame,
    geographies: pd.DataFrame,
    meta: MeasureMeta,
    *,
    citywide: pd.DataFrame | None = None,
    period: pd.Timestamp | None = None,
    alpha: float = 1 - CONFIDENCE,
) -> EquityResult:
    """Cross-section of the latest period and the priority-vs-rest gap over time.

    Method
    ------
    * Basis and intervals: :func:`choose_basis`, :func:`cross_section` (95% intervals).
    * Citywide value: pooled from the panel by :func:`_pooled` (for rates
      ``sum(numerator) / sum(denominator) × scale``); for averages the citywide series'
      own value for the period is preferred when given. For the ``total`` basis (no
      populations) the comparison value is the average geography's total.
    * Disparity ratio: the highest over the lowest unsuppressed value (≥ 1), i.e. worst /
      best when lower is better and best / worst when higher is better; ``worst`` and
      ``best`` name the geographies. None when the lowest value is 0.
    * Dispersion: :func:`coefficient_of_variation` (unweighted) and :func:`theil_index`
      (population-weighted when every geography has a population) over unsuppressed
      values.
    * Priority vs rest: pooled values of the two groups in the latest period (suppressed
      geographies included: the pooled numbers are large), their gap and ratio.
    * Gap trend: :func:`gap_over_time`, then :func:`analytics.trend.trend_summary` on the
      absolute gap with ``lower_is_better``: ``narrowing``, ``widening``,
      ``no_significant_change`` or ``insufficient_data``.
    """
    empty = pd.DataFrame()
    basis = choose_basis(panel, geographies, meta)
    if panel is None or panel.empty or geographies is None or geographies.empty:
        return EquityResult(
            period=None,
            basis=basis,
            confidence=1 - alpha,
            citywide_value=None,
            table=empty,
            disparity_ratio=None,
            best_geography=None,
            worst_geography=None,
            cv=None,
            theil=None,
            theil_weighted=False,
            n_geographies=0,
            n_suppressed=0,
            priority_vs_rest=None,
            gap_kind=None,
            gap_series=empty,
            gap_trend=None,
            gap_verdict="insufficient_data",
            reason="There is no neighbourhood data for this measure.",
        )
    panel = panel.copy()
    for col in ("value", "numerator", "denominator"):
        if col not in panel.columns:
            panel[col] = np.nan
        panel[col] = pd.to_numeric(panel[col], errors="coerce").astype(float)
    panel["period"] = pd.to_datetime(panel["period"])
    geographies = geographies[geographies["id"] != "citywide"]
    if period is None:
        period = panel.dropna(subset=["value"])["period"].max()
    period = pd.Timestamp(period)
    geo = geographies.rename(columns={"id": "geography_id"})
    latest = panel[panel["period"] == period].merge(
        geo[["geography_id", "population", "equity_priority"]], on="geography_id", how="left"
    )
    city = _pooled(latest, basis, meta.scale)
    if basis.kind == "mean" and citywide is not None and len(citywide):
        match = citywide.loc[pd.to_datetime(citywide["period"]) == period, "value"].dropna()
        if len(match):
            city = float(match.iloc[0])
    table = cross_section(panel, geographies, meta, period, basis, city, alpha)
    ratio, best, worst = _disparity(table, meta.direction)
    ok = table[~table["suppressed"] & np.isfinite(table["value"])]
    pops = ok["population"].to_numpy(dtype=float)
    weighted = bool(len(ok) and np.all(np.isfinite(pops)) and np.all(pops > 0))
    theil = theil_index(ok["value"], pops if weighted else None)
    flags = latest["equity_priority"].fillna(False).astype(bool)
    pvr = None
    if flags.any() and (~flags).any():
        a = _pooled(latest[flags], basis, meta.scale)
        b = _pooled(latest[~flags], basis, meta.scale)
        pvr = {
            "priority": a,
            "rest": b,
            "gap": (a - b) if a is not None and b is not None else None,
            "ratio": (a / b) if a is not None and b not in (None, 0) else None,
            "priority_geographies": int(flags.sum()),
            "rest_geographies": int((~flags).sum()),
            "assessment": _assess(a - b, meta.direction)
            if a is not None and b is not None
            else None,
        }
    kind, gaps = gap_over_time(panel, geographies, meta, basis)
    gap_trend = None
    verdict = "insufficient_data"
    if len(gaps):
        gap_trend = trend_summary(
            gaps[["period", "abs_gap"]].rename(columns={"abs_gap": "value"}),
            meta.frequency,
            "lower_is_better",
        )
        verdict = _GAP_VERDICT[gap_trend.verdict]
    return EquityResult(
        period=period,
        basis=basis,
        confidence=1 - alpha,
        citywide_value=city,
        table=table,
        disparity_ratio=ratio,
        best_geography=best,
        worst_geography=worst,
        cv=coefficient_of_variation(ok["value"]),
        theil=theil,
        theil_weighted=weighted,
        n_geographies=int(np.isfinite(table["value"]).sum()),
        n_suppressed=int(table["suppressed"].sum()),
        priority_vs_rest=pvr,
        gap_kind=kind,
        gap_series=gaps,
        gap_trend=gap_trend,
        gap_verdict=verdict,
    )
