"""What the neighborhood explorer shows, as plain values: no Dash, no I/O.

The explorer reads the stored equity block of a measure (``summary["equity"]``, schema in
``docs/methodology.md``) for the latest period, and computes the same block for any other
period with :func:`equity_block_for_period`, which prepares its inputs exactly as
:func:`analytics.summary.summarize_measure` does, so both paths agree. Everything else
here turns a block into words, tables and tidy frames for the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, quote, urlencode

import numpy as np
import pandas as pd

from analytics.equity import (
    CONFIDENCE,
    PER_CAPITA,
    aggregate_citywide,
    equity_summary,
    poisson_exact_interval,
    wilson_interval,
)
from analytics.narrative import format_value
from analytics.periods import MeasureMeta, period_label, period_noun, periods_per_year

# The stored block's serialisation, reused so a computed block matches a stored one exactly.
from analytics.summary import _equity_block

CITYWIDE = "citywide"
PATH = "/equity"
#: Years of history in the small multiples.
TREND_YEARS = 3

# -- the URL ----------------------------------------------------------------------------------


def parse_query(search: str | None) -> tuple[str | None, str | None]:
    """``(measure, period)`` from a query string such as ``?measure=x&period=2026-10-01``."""
    params = parse_qs((search or "").lstrip("?"))
    measure = (params.get("measure") or [None])[0] or None
    period = (params.get("period") or [None])[0] or None
    return measure, period


def equity_query(measure_id: str | None, period: str | None = None) -> str:
    """The query string of a view; no period means "the latest period"."""
    params = {k: v for k, v in (("measure", measure_id), ("period", period)) if v}
    return "?" + urlencode(params) if params else ""


def measure_href(measure_id: str, geography_id: str) -> str:
    """The measure page's neighborhood view: ``/measure/<id>?geography=<geography id>``."""
    return (
        f"/measure/{quote(str(measure_id), safe='')}?geography={quote(str(geography_id), safe='')}"
    )


def iso_period(value) -> str | None:
    """``"YYYY-MM-DD"`` for anything date-like (a string is validated), None otherwise."""
    if value is None or value == "":
        return None
    try:
        ts = pd.Timestamp(str(value)[:10])
    except (ValueError, TypeError):
        return None
    return None if pd.isna(ts) else ts.date().isoformat()


def resolve_period(requested, periods: list[str]) -> str | None:
    """``requested`` as an ISO date when it is one of ``periods``; else None (the latest)."""
    iso = iso_period(requested)
    return iso if iso in set(periods) else None


def step_period(current: str | None, periods: list[str], step: int) -> str | None:
    """The period ``step`` places later (+) or earlier (−) than ``current`` (None = latest),
    clamped to the available ``periods`` (oldest first)."""
    if not periods:
        return None
    ordered = sorted(periods)
    index = ordered.index(current) if current in ordered else len(ordered) - 1
    return ordered[min(max(index + step, 0), len(ordered) - 1)]


def period_choices(periods: list[str], frequency: str) -> list[dict]:
    """Picker options, newest first: ``{"label": "October 2026 (latest)", "value": iso}``."""
    ordered = sorted(periods, reverse=True)
    choices = []
    for i, iso in enumerate(ordered):
        ts = pd.Timestamp(iso)
        if frequency in ("week", "day"):  # short enough for the picker
            label = ("Week of " if frequency == "week" else "") + f"{ts.day} {ts.strftime('%b %Y')}"
        else:
            label = period_label(ts, frequency)
        choices.append({"label": label + (" (latest)" if i == 0 else ""), "value": iso})
    return choices


# -- the cross-section of one period ---------------------------------------------------------------


def _prepared(frame: pd.DataFrame | None, as_of: pd.Timestamp, columns: list[str]) -> pd.DataFrame:
    """Typed, oldest first, periods after ``as_of`` dropped (as ``statroom refresh`` does)."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).assign(
            period=pd.Series(dtype="datetime64[ns]")
        )
    out = frame.copy()
    for col in ("value", "numerator", "denominator"):
        if col not in out.columns:
            out[col] = np.nan
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["period"] = pd.to_datetime(out["period"])
    out = out[out["period"] <= as_of]
    return out.sort_values("period").reset_index(drop=True)


def equity_block_for_period(
    meta: MeasureMeta,
    citywide: pd.DataFrame | None,
    panel: pd.DataFrame,
    geographies: pd.DataFrame,
    *,
    period=None,
    as_of: date | str | None = None,
) -> dict:
    """The stored ``equity`` block, computed for ``period`` (None: the latest).

    Inputs are prepared as :func:`analytics.summary.summarize_measure` prepares them
    (observations after ``as_of`` dropped, the citywide series aggregated from the
    neighborhoods when it has no values), so for the latest period the result equals the
    stored block. Cheap: no model is fitted. The gap series and its trend cover the whole
    history, whatever ``period`` is.
    """
    as_of_ts = pd.Timestamp(as_of) if as_of else pd.Timestamp.max
    panel_p = _prepared(panel, as_of_ts, ["geography_id", "period", "value"])
    city = _prepared(citywide, as_of_ts, ["period", "value", "numerator", "denominator"])
    if city["value"].notna().sum() == 0 and len(panel_p):
        city = aggregate_citywide(panel_p, meta.aggregation, meta.scale)[
            ["period", "value", "numerator", "denominator"]
        ]
    geos = geographies[geographies["id"] != CITYWIDE].reset_index(drop=True)
    result = equity_summary(
        panel_p,
        geos,
        meta,
        citywide=city,
        period=pd.Timestamp(period) if period else None,
    )
    return _equity_block(result)


def block_periods(block: dict | None) -> list[str]:
    """Periods of the block's gap series (every period with neighborhood data), oldest first."""
    rows = (block or {}).get("gap_series") or []
    return sorted({r["period"] for r in rows if r.get("period")})


# -- how values read ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueDisplay:
    """How the values of one equity basis are written and plotted.

    ``unit`` and ``decimals`` are what the figure builders take; ``label`` names the unit
    in axis titles and table headers ("per 1,000 residents", "%").
    """

    basis: str
    unit: str
    decimals: int
    label: str
    measure_unit: str = ""
    unit_label: str = ""
    rate_per: int | None = None

    def number(self, value, extra_decimals: int = 0) -> str:
        """The bare number (``"12.5%"`` for percentages), or an en dash when missing."""
        if not _finite(value):
            return "–"
        text = f"{float(value):,.{self.decimals + extra_decimals}f}"
        return text + "%" if self.unit == "percent" else text

    def format(self, value, extra_decimals: int = 0) -> str:
        """The value with its unit, as a sentence would say it."""
        if not _finite(value):
            return "no data"
        decimals = self.decimals + extra_decimals
        if self.basis == "per_capita":
            noun = f" {self.unit_label}" if self.unit_label else ""
            return f"{float(value):,.{decimals}f}{noun} per {PER_CAPITA:,} residents"
        if self.basis == "proportion":
            return format_value(value, "percent", decimals)
        if self.basis == "rate":
            return format_value(value, "rate", decimals, self.unit_label, self.rate_per)
        return format_value(value, self.measure_unit, decimals, self.unit_label, self.rate_per)

    def difference(self, value, extra_decimals: int = 0) -> str:
        """A difference of two values: percentage points for percentages."""
        if not _finite(value):
            return "no data"
        if self.basis == "proportion":
            points = abs(float(value))
            return f"{points:,.{self.decimals + extra_decimals}f} percentage points"
        return self.format(abs(float(value)), extra_decimals)


def basis_words(basis: str | None, display: ValueDisplay) -> str:
    """How neighborhoods are compared, for the "About the data" notes."""
    return {
        "proportion": "Neighborhoods are compared as a share of their own cases (numerator ÷ "
        "denominator), so busy and quiet neighborhoods compare fairly.",
        "rate": f"Neighborhoods are compared as a rate ({display.label}), so large and small "
        "neighborhoods compare fairly.",
        "per_capita": f"Counts are divided by each neighborhood's population ({display.label}), "
        "so large and small neighborhoods compare fairly.",
        "mean": "Neighborhoods are compared on their own average for the period.",
    }.get(
        basis or "",
        "Neighborhoods are compared on their totals: populations are not known for every "
        "neighborhood, so large neighborhoods will tend to have larger totals.",
    )


def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float, np.number)) and math.isfinite(value)


def significant_decimals(values, minimum: int, digits: int = 2, most: int = 3) -> int:
    """Decimals that show the typical (median) value with ``digits`` significant digits.

    >>> significant_decimals([0.35, 0.5], 0)
    2
    >>> significant_decimals([35.0, 50.0], 0)
    0
    """
    v = np.abs(np.asarray([x for x in values if _finite(x)], dtype=float))
    v = v[v > 0]
    if not len(v):
        return minimum
    needed = digits - 1 - math.floor(math.log10(float(np.median(v))))
    return max(minimum, min(needed, most))


def display_for(
    basis: str,
    *,
    unit: str,
    decimals: int,
    unit_label: str = "",
    rate_per: int | None = None,
    values=(),
) -> ValueDisplay:
    """How to write values of ``basis`` for a measure of ``unit`` (see :class:`ValueDisplay`).

    Per-capita values and rates are derived numbers, often small (0.35 per 1,000
    residents), so they get enough decimals for two significant digits.
    """
    decimals = max(int(decimals or 0), 0)
    common = dict(measure_unit=unit, unit_label=unit_label or "", rate_per=rate_per)
    if basis == "proportion":
        return ValueDisplay(basis, "percent", decimals, "%", **common)
    if basis == "per_capita":
        d = significant_decimals(values, decimals)
        noun = f"{unit_label} " if unit_label else ""
        return ValueDisplay(basis, "count", d, f"{noun}per {PER_CAPITA:,} residents", **common)
    if basis == "rate":
        d = significant_decimals(values, decimals)
        label = unit_label if (unit_label or "").lower().startswith("per ") else ""
        if not label:
            per = f"per {int(rate_per):,} " if rate_per else ""
            label = f"{per}{unit_label}".strip()
        return ValueDisplay(basis, "count", d, label, **common)
    if basis == "mean":
        return ValueDisplay(basis, unit, decimals, unit_label or unit, **common)
    return ValueDisplay(basis or "total", "count", decimals, unit_label or unit, **common)


# -- the neighborhood table ------------------------------------------------------------------------


TABLE_COLUMNS = [
    "geography_id",
    "name",
    "equity_priority",
    "population",
    "value",
    "lower",
    "upper",
    "numerator",
    "denominator",
    "suppressed",
    "suppression_reason",
    "gap",
    "relative_gap",
    "significant",
    "assessment",
]


def cross_section_frame(block: dict | None, direction: str) -> pd.DataFrame:
    """The block's neighborhood rows as a frame, with ``rank`` (1 = best; None for
    suppressed rows and neutral measures), best first and suppressed or missing rows last."""
    rows = (block or {}).get("geographies") or []
    frame = pd.DataFrame(rows)
    for col in TABLE_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    frame = frame[TABLE_COLUMNS].copy()
    for col in ("population", "value", "lower", "upper", "numerator", "denominator", "gap"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["relative_gap"] = pd.to_numeric(frame["relative_gap"], errors="coerce").astype(float)
    for col in ("equity_priority", "suppressed", "significant"):
        frame[col] = frame[col].astype("boolean").fillna(False).astype(bool)
    ranked = frame[~frame["suppressed"] & frame["value"].notna()]
    ascending = direction == "lower_is_better"
    order = ranked.sort_values(["value", "name"], ascending=[ascending, True])
    frame["rank"] = pd.Series(dtype="Int64")
    if direction != "neutral":
        frame.loc[order.index, "rank"] = range(1, len(order) + 1)
    frame["rank"] = frame["rank"].astype("Int64")
    frame["_group"] = np.where(frame["suppressed"], 1, np.where(frame["value"].isna(), 2, 0))
    frame = frame.sort_values(
        ["_group", "value", "name"], ascending=[True, ascending, True], na_position="last"
    )
    return frame.drop(columns="_group").reset_index(drop=True)


def export_frame(
    frame: pd.DataFrame, *, measure_id: str, period: str | None, basis: str, citywide
) -> pd.DataFrame:
    """The table as a download: suppressed values (and their counts) are left blank, as on
    the page, so a forwarded file does not publish small numbers."""
    out = frame.copy()
    hidden = out["suppressed"]
    for col in ("value", "lower", "upper", "numerator", "gap", "relative_gap"):
        out[col] = out[col].where(~hidden)
    out["significant"] = out["significant"].where(~hidden, False)
    out["assessment"] = out["assessment"].where(~hidden, None)
    out.insert(0, "measure_id", measure_id)
    out.insert(1, "period", period)
    out["basis"] = basis
    out["citywide_value"] = citywide if _finite(citywide) else np.nan
    return out.rename(columns={"name": "neighborhood", "gap": "gap_to_citywide"})[
        [
            "measure_id",
            "period",
            "geography_id",
            "neighborhood",
            "basis",
            "value",
            "lower",
            "upper",
            "numerator",
            "denominator",
            "population",
            "citywide_value",
            "gap_to_citywide",
            "relative_gap",
            "significant",
            "assessment",
            "rank",
            "equity_priority",
            "suppressed",
            "suppression_reason",
        ]
    ]


# -- equity-priority neighborhoods against the rest ------------------------------------------------


@dataclass(frozen=True)
class GroupValue:
    """One group of neighborhoods pooled together, with its 95% interval when one exists."""

    name: str
    neighborhoods: int
    value: float | None
    lower: float | None
    upper: float | None


def _pooled_group(rows: pd.DataFrame, basis: str, interval: str | None, scale: float, alpha: float):
    """Pooled value and interval of a group, pooled as :mod:`analytics.equity` pools it."""
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return None, None, None
    if basis in ("proportion", "rate"):
        ok = rows.dropna(subset=["numerator", "denominator"])
        num, den = float(ok["numerator"].sum()), float(ok["denominator"].sum())
        if den <= 0:
            return None, None, None
        value = num / den * scale
        if basis == "proportion":
            lo, hi = wilson_interval(num, den, alpha)
            return value, float(lo) * scale, float(hi) * scale
        lo, hi = poisson_exact_interval(num, alpha)
        return value, float(lo) / den * scale, float(hi) / den * scale
    if basis == "per_capita":
        ok = rows.dropna(subset=["population"])
        residents = float(ok["population"].sum())
        if residents <= 0:
            return None, None, None
        count = float((ok["value"] * ok["population"] / PER_CAPITA).sum())
        value = count / residents * PER_CAPITA
        if interval == "poisson_exact":
            lo, hi = poisson_exact_interval(count, alpha)
            return value, float(lo) / residents * PER_CAPITA, float(hi) / residents * PER_CAPITA
        return value, None, None
    if basis == "mean":
        den = rows["denominator"]
        if bool(den.notna().all() and (den > 0).all()):
            return float((rows["value"] * den).sum() / den.sum()), None, None
    return float(rows["value"].mean()), None, None


def group_comparison(
    frame: pd.DataFrame, block: dict, scale: float, alpha: float = 1 - CONFIDENCE
) -> tuple[GroupValue, GroupValue] | None:
    """Equity-priority neighborhoods and the rest, pooled, with 95% intervals.

    The pooled values are those of the block's ``priority_vs_rest``: sums of numerators
    over sums of denominators (Wilson or exact Poisson interval on the pooled counts),
    counts over residents for per-capita values, case-weighted means for averages
    (no interval: the individual cases are not available). Suppressed neighborhoods count:
    pooled numbers are large. None when no neighborhood, or every one, is a priority.
    """
    if frame.empty or not block.get("priority_vs_rest"):
        return None
    basis, interval = block.get("basis"), block.get("interval_method")
    groups = []
    for flag, name in ((True, "Equity-priority neighborhoods"), (False, "Other neighborhoods")):
        rows = frame[frame["equity_priority"] == flag]
        value, lo, hi = _pooled_group(rows, basis, interval, scale, alpha)
        groups.append(GroupValue(name, int(len(rows)), value, lo, hi))
    return groups[0], groups[1]


def intervals_overlap(a: GroupValue, b: GroupValue) -> bool | None:
    """Whether two groups' intervals overlap (None when either has no interval)."""
    if not all(_finite(x) for x in (a.lower, a.upper, b.lower, b.upper)):
        return None
    return not (a.upper < b.lower or b.upper < a.lower)


def comparison_sentence(
    block: dict, groups: tuple[GroupValue, GroupValue] | None, display: ValueDisplay, when: str
) -> str:
    """The priority-versus-rest comparison in words."""
    pvr = block.get("priority_vs_rest")
    if not pvr or groups is None:
        return (
            "No neighborhood is flagged as an equity priority (or every one is), so there is "
            "no priority-versus-rest comparison for this measure."
        )
    priority, rest = groups
    if not (_finite(pvr.get("priority")) and _finite(pvr.get("rest"))):
        return f"There is not enough data in {when} to compare the two groups."
    ratio = pvr.get("ratio")
    text = (
        f"In {when}, the {priority.neighborhoods} equity-priority neighborhoods taken together "
        f"stood at {display.format(pvr['priority'])}, against {display.format(pvr['rest'])} for "
        f"the other {rest.neighborhoods}"
    )
    if _finite(ratio) and ratio > 0:
        text += f": {_times(ratio)} the rest's value"
    assessment = pvr.get("assessment")
    if assessment in ("better", "worse"):
        text += f", {assessment} for the equity-priority neighborhoods"
    text += "."
    overlap = intervals_overlap(priority, rest)
    if overlap is False:
        text += " Their 95% intervals do not overlap: the gap is larger than chance would produce."
    elif overlap is True:
        text += " Their 95% intervals overlap, so part or all of the gap could be chance."
    return text


def _times(ratio: float) -> str:
    if abs(ratio - 1) < 0.005:
        return "about the same as"
    return f"{ratio:,.2f} times"


# -- key figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    value: str
    explanation: str
    unit: str = ""


def key_figures(
    block: dict, display: ValueDisplay, names: dict[str, str], direction: str
) -> list[KeyFigure]:
    """Citywide value, disparity ratio, coefficient of variation, Theil index and the
    number suppressed, each with a plain-language explanation."""
    best, worst = block.get("best_geography"), block.get("worst_geography")
    ratio = block.get("disparity_ratio")
    ratio_text = f"{ratio:,.2f}×" if _finite(ratio) else "–"
    best_name, worst_name = names.get(best, best), names.get(worst, worst)
    if best and worst and direction == "higher_is_better":
        ratio_expl = (
            f"The best-off neighborhood's value ({best_name}) over the worst-off's ({worst_name})"
        )
    elif best and worst:
        ratio_expl = (
            f"The worst-off neighborhood's value ({worst_name}) over the best-off's ({best_name})"
        )
    else:
        ratio_expl = "The highest neighborhood value over the lowest"
    ratio_expl += ". 1 means no gap; 2 means one is twice the other."
    if not _finite(ratio):
        ratio_expl = (
            "Needs at least two neighborhoods with enough cases, and a lowest value above zero."
        )
    cv, theil = block.get("cv"), block.get("theil")
    n_geo, n_sup = block.get("n_geographies") or 0, block.get("n_suppressed") or 0
    weighted = (
        "weighted by population" if block.get("theil_weighted") else "each neighborhood counts once"
    )
    return [
        KeyFigure(
            "citywide",
            "Citywide",
            display.number(block.get("citywide_value")),
            "All neighborhoods pooled together (not an average of their values).",
            unit="" if display.unit == "percent" else display.label,
        ),
        KeyFigure("disparity", "Disparity ratio", ratio_text, ratio_expl),
        KeyFigure(
            "cv",
            "Coefficient of variation",
            f"{cv:.2f}" if _finite(cv) else "–",
            (
                f"Neighborhood values typically differ from their average by about {cv:.0%}."
                if _finite(cv)
                else "How far neighborhood values typically differ from their average."
            )
            + " 0 means every neighborhood is the same.",
        ),
        KeyFigure(
            "theil",
            "Theil index",
            f"{theil:.3f}" if _finite(theil) else "–",
            f"An inequality score ({weighted}): 0 when every neighborhood is equal, larger "
            "when values are more unequal. Compare it across periods of this measure.",
        ),
        KeyFigure(
            "suppressed",
            "Too few cases",
            f"{n_sup} of {n_geo}",
            "Neighborhoods whose value rests on too few cases to be reliable: grey on the map, "
            "left out of the ranking and of the three statistics above, but counted in the "
            "citywide and group totals.",
        ),
    ]


# -- the headline and the gap over time ------------------------------------------------------------


def overview_sentence(
    block: dict,
    frame: pd.DataFrame,
    display: ValueDisplay,
    *,
    measure_name: str,
    when: str,
    direction: str,
) -> str:
    """One paragraph: the citywide value, the spread, the significant gaps, the suppressed."""
    parts = [f"{measure_name}, {when}: {display.format(block.get('citywide_value'))} citywide."]
    shown = frame[~frame["suppressed"] & frame["value"].notna()]
    best, worst = block.get("best_geography"), block.get("worst_geography")
    names = dict(zip(frame["geography_id"], frame["name"], strict=True))
    values = dict(zip(frame["geography_id"], frame["value"], strict=True))
    ratio = block.get("disparity_ratio")
    if best and worst and _finite(ratio):
        b = f"{names.get(best, best)} ({display.format(values.get(best))})"
        w = f"{names.get(worst, worst)} ({display.format(values.get(worst))})"
        among = f"Among the {len(shown)} neighborhoods with enough cases to compare"
        if ratio < 1.05:
            parts.append(f"{among}, the best-off, {b}, and the worst-off, {w}, are about level.")
        elif direction == "higher_is_better":
            parts.append(
                f"{among}, the best-off, {b}, has {ratio:,.1f} times the value of the "
                f"worst-off, {w}."
            )
        else:
            parts.append(
                f"{among}, the worst-off, {w}, has {ratio:,.1f} times the value of the "
                f"best-off, {b}."
            )
    elif len(shown) >= 2:
        hi, lo = shown.loc[shown["value"].idxmax()], shown.loc[shown["value"].idxmin()]
        parts.append(
            f"Values range from {display.format(lo['value'])} in {lo['name']} to "
            f"{display.format(hi['value'])} in {hi['name']}."
        )
    sig = shown[shown["significant"]]
    worse = int((sig["assessment"] == "worse").sum())
    better = int((sig["assessment"] == "better").sum())
    if worse or better:
        parts.append(
            f"{_count(worse, 'neighborhood') if worse else 'No neighborhood'} "
            f"{'is' if worse <= 1 else 'are'} clearly worse than citywide and "
            f"{better or 'none'} clearly better (their 95% intervals exclude the citywide value)."
        )
    elif len(sig):
        parts.append(
            f"{_count(len(sig), 'neighborhood')} differ clearly from the citywide value "
            "(their 95% intervals exclude it)."
        )
    suppressed = int(frame["suppressed"].sum())
    if suppressed:
        parts.append(f"{_count(suppressed, 'neighborhood')} had too few cases to show.")
    return " ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


GAP_VERDICT_LABELS = {
    "narrowing": ("Gap narrowing", "bi-arrow-down-right", "status-met"),
    "widening": ("Gap widening", "bi-arrow-up-right", "status-missed"),
    "no_significant_change": ("No clear change in the gap", "bi-arrow-right", "status-none"),
    "insufficient_data": ("Not enough data to judge", "bi-slash-circle", "status-none"),
}


def gap_description(block: dict, display: ValueDisplay, direction: str) -> str:
    """What the gap line measures, and what above zero means for this measure."""
    if block.get("gap_kind") == "max_minus_min":
        return (
            "The gap is the range between the highest and the lowest neighborhood in each "
            "period (no neighborhood, or every one, is flagged as an equity priority)."
        )
    meaning = {
        "lower_is_better": "worse off",
        "higher_is_better": "better off",
    }.get(direction)
    text = (
        "The gap is the equity-priority neighborhoods' pooled value minus the other "
        "neighborhoods'. Above zero, the equity-priority neighborhoods have the higher value"
    )
    return text + (f", which for this measure means they are {meaning}." if meaning else ".")


def gap_sentence(block: dict, display: ValueDisplay, frequency: str) -> str:
    """The gap verdict with the trend statistics behind it, in words."""
    verdict = block.get("gap_verdict") or "insufficient_data"
    trend = block.get("gap_trend") or {}
    if verdict == "insufficient_data" or not trend:
        reason = trend.get("reason") or "there are too few periods with a gap to test."
        return (
            f"There is not enough data to say whether the gap is changing: {_lower_first(reason)}"
        )
    n = trend.get("window_periods") or trend.get("n") or 0
    end = trend.get("window_end")
    window = f"the {n} {period_noun(frequency, n)}"
    if end:
        window += f" to {period_label(pd.Timestamp(end), frequency)}"
    kendall = trend.get("kendall") or {}
    sen = trend.get("theil_sen") or {}
    per_year = periods_per_year(frequency)
    slope = trend.get("slope_per_year")
    lo = sen.get("ci_low")
    hi = sen.get("ci_high")
    test = (
        "seasonal Kendall test (each season compared only with the same season in other years)"
        if trend.get("test") == "seasonal_kendall"
        else "Mann–Kendall test"
    )
    p = kendall.get("p_value")
    p_text = f"p = {p:.3f}" if _finite(p) else "p not available"
    ci = ""
    if _finite(lo) and _finite(hi):
        ci = (
            f"; 95% interval {_signed(lo * per_year, display, unit=False)} to "
            f"{_signed(hi * per_year, display, unit=False)} a year"
        )
    if verdict in ("narrowing", "widening"):
        moved = "shrank" if verdict == "narrowing" else "grew"
        return (
            f"The gap is {verdict}. Over {window}, its size {moved} by about "
            f"{display.difference(slope, 1)} a year (Theil–Sen slope{ci}). The {test} says this "
            f"is unlikely to be chance ({p_text})."
        )
    return (
        f"No clear change in the size of the gap over {window}: the {test} cannot tell the "
        f"movement from noise ({p_text}). Estimated change: {_signed(slope, display)} a year"
        f"{ci.replace('; ', ' (') + ')' if ci else ''}."
    )


def _signed(value, display: ValueDisplay, unit: bool = True) -> str:
    """``+0.12 minutes`` or, without the unit, ``−0.12``."""
    if not _finite(value):
        return "–"
    sign = "−" if value < 0 else "+"
    if unit:
        return sign + display.difference(abs(value), 1)
    return f"{sign}{abs(float(value)):,.{display.decimals + 1}f}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def gap_frame(block: dict) -> pd.DataFrame:
    """The gap series as a frame: period, priority, rest, gap, abs_gap."""
    frame = pd.DataFrame(block.get("gap_series") or [])
    if frame.empty:
        return pd.DataFrame(columns=["period", "priority", "rest", "gap", "abs_gap"])
    frame["period"] = pd.to_datetime(frame["period"])
    for col in ("priority", "rest", "gap", "abs_gap"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


# -- small multiples --------------------------------------------------------------------------------


def basis_panel(
    panel: pd.DataFrame, geographies: pd.DataFrame, basis: str, scale: float
) -> pd.DataFrame:
    """Each neighborhood's series on the equity basis (the values the map shows):
    ``geography_id, period, value``."""
    data = panel.merge(
        geographies.rename(columns={"id": "geography_id"})[["geography_id", "population"]],
        on="geography_id",
        how="left",
    )
    num = pd.to_numeric(data["numerator"], errors="coerce").astype(float)
    den = pd.to_numeric(data["denominator"], errors="coerce").astype(float)
    raw = pd.to_numeric(data["value"], errors="coerce").astype(float)
    pop = pd.to_numeric(data["population"], errors="coerce").astype(float)
    if basis in ("proportion", "rate"):
        value = num / den * scale
    elif basis == "per_capita":
        value = raw / pop * PER_CAPITA
    else:
        value = raw
    return pd.DataFrame(
        {
            "geography_id": data["geography_id"],
            "period": pd.to_datetime(data["period"]),
            "value": value,
            "_num": num if basis in ("proportion", "rate") else raw,
            "_den": den if basis in ("proportion", "rate") else pop,
        }
    )


def trend_panels(
    panel: pd.DataFrame,
    geographies: pd.DataFrame,
    *,
    basis: str,
    scale: float,
    frequency: str,
    end: str | None,
    years: int = TREND_YEARS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The small multiples' data: every neighborhood's recent series and the citywide one.

    The window is the ``years`` years up to ``end`` (the selected period). Weekly and
    daily series are averaged by month, so 58 neighborhoods stay light to draw. The
    citywide line pools the neighborhoods on the same basis (counts over residents,
    numerators over denominators; the mean of neighborhood values otherwise).
    Returns ``(panel, citywide)`` with ``geography_id, period, value`` and ``period, value``.
    """
    empty = (
        pd.DataFrame(columns=["geography_id", "period", "value"]),
        pd.DataFrame(columns=["period", "value"]),
    )
    if panel is None or panel.empty:
        return empty
    data = basis_panel(panel, geographies, basis, scale)
    stop = pd.Timestamp(end) if end else data["period"].max()
    start = stop - pd.DateOffset(years=years)
    data = data[(data["period"] > start) & (data["period"] <= stop)]
    if data.empty:
        return empty
    g = data.groupby("period")
    if basis in ("proportion", "rate", "per_capita"):
        factor = scale if basis != "per_capita" else PER_CAPITA
        both = data.dropna(subset=["_num", "_den"])
        gb = both.groupby("period")
        city = (gb["_num"].sum() / gb["_den"].sum() * factor).rename("value")
    else:
        city = g["value"].mean()
    city = city.reset_index()
    per_geo = data[["geography_id", "period", "value"]]
    if frequency in ("week", "day"):
        month = per_geo["period"].dt.to_period("M").dt.to_timestamp()
        per_geo = (
            per_geo.assign(period=month)
            .groupby(["geography_id", "period"], as_index=False)["value"]
            .mean()
        )
        city_month = city["period"].dt.to_period("M").dt.to_timestamp()
        city = city.assign(period=city_month).groupby("period", as_index=False)["value"].mean()
    return per_geo.reset_index(drop=True), city.reset_index(drop=True)
