"""Reporting periods, measure metadata and the regular time grid every statistic works on.

A Statroom series is indexed by the *start* of each period. Frequencies are the five
catalog strings ``day``, ``week``, ``month``, ``quarter`` and ``year``. This module maps
them to pandas offsets, season lengths, forecast horizons and trend windows, puts a
series on its complete grid (missing periods become NaN rows) and answers fiscal-year
questions. Everything here is pure: no I/O.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

FREQUENCIES = ("day", "week", "month", "quarter", "year")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
AGGREGATIONS = ("sum", "mean", "rate")
UNITS = ("count", "percent", "currency", "minutes", "hours", "days", "rate", "ratio", "score")

#: Units that cannot be negative: forecasts and limits are clipped at zero for these.
NON_NEGATIVE_UNITS = frozenset(
    {"count", "percent", "currency", "minutes", "hours", "days", "rate", "ratio"}
)

_SEASON_LENGTH = {"day": 7, "week": 52, "month": 12, "quarter": 4, "year": 1}
_HORIZON = {"day": 60, "week": 26, "month": 12, "quarter": 8, "year": 3}
_TREND_WINDOW = {"day": 90, "week": 104, "month": 24, "quarter": 8, "year": 10}
_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4, "year": 1}
_NOUN = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True)
class MeasureMeta:
    """What the analytics need to know about a measure, as plain values.

    Parameters
    ----------
    unit : str
        One of :data:`UNITS`.
    scale : float
        Multiplier from ``numerator / denominator`` to the displayed value: 100 for
        percent, ``rate_per`` for rates, otherwise 1.
    direction : str
        ``"higher_is_better"``, ``"lower_is_better"`` or ``"neutral"``.
    frequency : str
        One of :data:`FREQUENCIES`.
    aggregation : str
        How geographies combine into the citywide value: ``"sum"``, ``"mean"`` or
        ``"rate"`` (``sum(numerator) / sum(denominator) * scale``).
    name : str, optional
        Display name, used by the narrative helpers.
    unit_label, decimals, rate_per
        Display details used only by :mod:`analytics.narrative`.
    """

    unit: str
    scale: float
    direction: str
    frequency: str
    aggregation: str
    name: str | None = None
    unit_label: str = ""
    decimals: int = 1
    rate_per: int | None = None

    def __post_init__(self) -> None:
        check_frequency(self.frequency)
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {self.direction!r}")
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {AGGREGATIONS}, not {self.aggregation!r}")

    @property
    def non_negative(self) -> bool:
        """True when values of this unit cannot fall below zero."""
        return self.unit in NON_NEGATIVE_UNITS

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """Natural ``(lower, upper)`` bounds of a value: ``(0, 100)`` for percent."""
        if self.unit == "percent":
            return 0.0, 100.0
        return (0.0 if self.non_negative else None), None


def check_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {FREQUENCIES}, not {frequency!r}")
    return frequency


def season_length(frequency: str) -> int:
    """Periods per seasonal cycle: day 7 (weekday), week 52, month 12, quarter 4, year 1."""
    return _SEASON_LENGTH[check_frequency(frequency)]


def forecast_horizon(frequency: str) -> int:
    """Periods forecast ahead: day 60, week 26, month 12, quarter 8, year 3."""
    return _HORIZON[check_frequency(frequency)]


def trend_window(frequency: str) -> int:
    """Periods in the recent window used for the trend verdict.

    day 90, week 104, month 24, quarter 8, year 10 (about two years, except for daily
    series, where a quarter is recent enough, and yearly ones, where a decade is the least
    that says anything).
    """
    return _TREND_WINDOW[check_frequency(frequency)]


def periods_per_year(frequency: str) -> int:
    """Approximate periods in a year (day 365, week 52), used to express slopes per year."""
    return _PER_YEAR[check_frequency(frequency)]


def period_noun(frequency: str, n: int = 1) -> str:
    """``"month"`` or ``"months"`` for ``n`` periods of ``frequency``."""
    noun = _NOUN[check_frequency(frequency)]
    return noun if n == 1 else noun + "s"


def pandas_freq(frequency: str, anchor: pd.Timestamp | date | None = None) -> str:
    """The pandas offset alias of a frequency whose periods start on ``anchor``'s grid.

    Weeks are anchored on ``anchor``'s weekday (``W-MON`` by default), quarters and years
    on its month (``QS-JAN``, ``YS-JUL``...), so fiscal quarters and years work.
    """
    check_frequency(frequency)
    ts = pd.Timestamp(anchor) if anchor is not None else None
    if frequency == "day":
        return "D"
    if frequency == "month":
        return "MS"
    if frequency == "week":
        return "W-" + _WEEKDAYS[ts.weekday() if ts is not None else 0]
    if frequency == "quarter":
        month = ((ts.month - 1) % 3) if ts is not None else 0
        return "QS-" + _MONTHS[month]
    month = (ts.month - 1) if ts is not None else 0
    return "YS-" + _MONTHS[month]


def period_offset(frequency: str, n: int = 1) -> pd.DateOffset:
    """A calendar offset of ``n`` periods (weeks are 7 days, quarters 3 months)."""
    check_frequency(frequency)
    if frequency == "day":
        return pd.DateOffset(days=n)
    if frequency == "week":
        return pd.DateOffset(weeks=n)
    if frequency == "month":
        return pd.DateOffset(months=n)
    if frequency == "quarter":
        return pd.DateOffset(months=3 * n)
    return pd.DateOffset(years=n)


def period_end(period: pd.Timestamp | date, frequency: str) -> pd.Timestamp:
    """The last day of the period that starts on ``period``."""
    return pd.Timestamp(period) + period_offset(frequency) - pd.Timedelta(days=1)


def same_period_last_year(period: pd.Timestamp | date, frequency: str) -> pd.Timestamp:
    """The start of the comparable period a year earlier.

    Months, quarters and years go back 12 calendar months; weeks and days go back 52
    weeks (364 days) so the weekday matches.
    """
    ts = pd.Timestamp(period)
    if frequency in ("day", "week"):
        return ts - pd.Timedelta(days=364)
    # ts - DateOffset(years=1), which moves 29 February to the 28th, without its cost.
    try:
        return ts.replace(year=ts.year - 1)
    except ValueError:  # 29 February
        return ts.replace(year=ts.year - 1, day=28)


def fiscal_year_start(day: date | pd.Timestamp, fiscal_year_start_month: int) -> date:
    """First day of the fiscal year containing ``day``."""
    d = pd.Timestamp(day)
    _check_month(fiscal_year_start_month)
    year = d.year if d.month >= fiscal_year_start_month else d.year - 1
    return date(year, fiscal_year_start_month, 1)


def fiscal_year_end(day: date | pd.Timestamp, fiscal_year_start_month: int) -> date:
    """Last day of the fiscal year containing ``day``.

    Examples
    --------
    >>> fiscal_year_end(date(2026, 10, 5), 7)
    datetime.date(2027, 6, 30)
    >>> fiscal_year_end(date(2026, 10, 5), 1)
    datetime.date(2026, 12, 31)
    """
    start = fiscal_year_start(day, fiscal_year_start_month)
    end_month = (fiscal_year_start_month - 2) % 12 + 1
    end_year = start.year if fiscal_year_start_month == 1 else start.year + 1
    return date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])


def fiscal_year_label(day: date | pd.Timestamp, fiscal_year_start_month: int) -> str:
    """``"FY2027"``: fiscal years are named after the calendar year in which they end."""
    return f"FY{fiscal_year_end(day, fiscal_year_start_month).year}"


def _check_month(month: int) -> None:
    if not 1 <= int(month) <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1-12, not {month!r}")


def period_label(period: pd.Timestamp | date, frequency: str) -> str:
    """Plain-language name of a period: ``"October 2026"``, ``"Q4 2026"``, ``"2026"``.

    Quarters are calendar quarters named by their first month; weeks are named by their
    first day (``"the week of 5 October 2026"``).
    """
    ts = pd.Timestamp(period)
    if frequency == "month":
        return f"{ts.month_name()} {ts.year}"
    if frequency == "quarter":
        return f"Q{(ts.month - 1) // 3 + 1} {ts.year}"
    if frequency == "year":
        return str(ts.year)
    if frequency == "week":
        return f"the week of {ts.day} {ts.month_name()} {ts.year}"
    return f"{ts.day} {ts.month_name()} {ts.year}"


def snap_to_grid(periods: pd.Series | pd.DatetimeIndex, frequency: str) -> pd.DatetimeIndex:
    """Normalise period starts: midnight, and first of the month for month-based grids."""
    idx = pd.DatetimeIndex(pd.to_datetime(periods)).normalize()
    if frequency in ("month", "quarter", "year"):
        idx = pd.DatetimeIndex(idx.to_period("M").to_timestamp())
    return idx


#: Grids already computed in a :func:`shared_grids` block: id(frame) → (frame, grid).
_shared: ContextVar[dict[tuple[int, str], tuple[pd.DataFrame, pd.DataFrame]] | None] = ContextVar(
    "statroom_shared_grids", default=None
)


@contextmanager
def shared_grids() -> Iterator[None]:
    """Within the block (or the function it decorates), :func:`regular_series` grids
    each frame once per frequency.

    A measure's summary puts its citywide series on the grid for several statistics (the
    control chart, the forecast, the target outlook…), several milliseconds each time.
    The frames passed in must not change inside the block; each caller gets its own
    (copy-on-write) copy of the grid.
    """
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _shared_by_frame(grid_of):
    """:func:`regular_series` computed once per frame in a :func:`shared_grids` block."""

    @functools.wraps(grid_of)
    def regular(frame, frequency, *, value="value", as_of=None):
        shared = _shared.get()
        if shared is None or value != "value" or as_of is not None:
            return grid_of(frame, frequency, value=value, as_of=as_of)
        known = shared.get((id(frame), frequency))
        if known is None or known[0] is not frame:  # (the frame is held: its id is its own)
            known = shared[id(frame), frequency] = (frame, grid_of(frame, frequency))
        return known[1].copy(deep=False)

    return regular


@_shared_by_frame
def regular_series(
    frame: pd.DataFrame,
    frequency: str,
    *,
    value: str = "value",
    as_of: date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Put a series on its complete period grid.

    Parameters
    ----------
    frame : DataFrame
        Columns ``period`` (period start) and ``value``; ``numerator`` and ``denominator``
        are carried along when present.
    frequency : str
        The measure's frequency.
    value : str
        Name of the value column.
    as_of : date, optional
        Periods starting after this date are dropped.

    Returns
    -------
    DataFrame
        Indexed by ``period`` from the first to the last observed period, one row per
        period of the grid, oldest first. Missing periods are rows of NaN; rows with a
        NaN value are kept as gaps. Duplicate periods keep the last row. The weekly grid
        is anchored on the most common weekday of the data, quarterly and yearly grids on
        the month of the latest period.
    """
    cols = [c for c in (value, "numerator", "denominator") if c in frame.columns]
    if frame.empty:
        empty = pd.DataFrame(columns=cols, index=pd.DatetimeIndex([], name="period"))
        return empty.astype(float)
    data = frame.loc[:, ["period", *cols]].copy()
    data["period"] = snap_to_grid(data["period"], frequency)
    if as_of is not None:
        data = data[data["period"] <= pd.Timestamp(as_of)]
    for col in cols:
        data[col] = pd.to_numeric(data[col], errors="coerce").astype(float)
    data = data.drop_duplicates("period", keep="last").sort_values("period").set_index("period")
    if data.empty:
        return data
    anchor = _grid_anchor(data.index, frequency)
    grid = pd.date_range(
        _grid_floor(data.index[0], anchor, frequency),
        data.index[-1],
        freq=_range_freq(frequency, anchor),
    )
    if not data.index.isin(grid).all():
        # Off-grid dates (e.g. weeks starting on mixed weekdays): keep them on their own.
        grid = grid.union(data.index)
    out = data.reindex(grid)
    out.index.name = "period"
    return out


def regular_values(series: pd.DataFrame | pd.Series, frequency: str) -> pd.Series:
    """The ``value`` column of :func:`regular_series` as a Series indexed by period.

    A Series whose DatetimeIndex already carries a frequency (the output of this function
    or of :func:`regular_series`) is returned unchanged, so callers can regularise once and
    pass the result to several statistics.
    """
    if isinstance(series, pd.Series):
        if isinstance(series.index, pd.DatetimeIndex) and series.index.freq is not None:
            # (Copy-on-write: callers cannot change the caller's series through this one.)
            return series if series.dtype == np.float64 else series.astype(float)
        series = series.rename("value").rename_axis("period").reset_index()
    grid = regular_series(series, frequency)
    if "value" not in grid.columns:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([], name="period"), name="value")
    return grid["value"]


def regular_panel(panel: pd.DataFrame, frequency: str) -> dict[str, pd.Series]:
    """:func:`regular_values` of every geography of a panel, computed together.

    ``panel`` has ``geography_id``, ``period`` and ``value``; rows without a value are
    ignored, as :func:`regular_values` ignores them once dropped. Returns geography id →
    the Series :func:`regular_values` gives for that geography's observed rows
    (geographies with no value are left out). When every period lies on one grid phase
    (one weekday for weeks, one month of the quarter or year) the grids are slices of a
    single date range built once; otherwise each geography is regularised on its own.
    """
    data = panel.loc[panel["value"].notna(), ["geography_id", "period", "value"]]
    if data.empty:
        return {}
    periods = snap_to_grid(data["period"], frequency)
    keys = data["geography_id"].astype(str).to_numpy()
    if (
        not _single_phase(periods, frequency)
        or pd.MultiIndex.from_arrays([keys, periods]).has_duplicates
    ):
        return {
            str(gid): regular_values(group, frequency)
            for gid, group in data.groupby("geography_id", sort=False)
        }
    unique = periods.unique().sort_values()
    grid = pd.date_range(unique[0], unique[-1], freq=_range_freq(frequency, unique[-1]))
    grid.name = "period"
    rows = grid.get_indexer(periods)
    if (rows < 0).any():  # not expected on a single phase; be safe
        return {
            str(gid): regular_values(group, frequency)
            for gid, group in data.groupby("geography_id", sort=False)
        }
    geo_ids, cols = np.unique(keys, return_inverse=True)
    matrix = np.full((len(grid), len(geo_ids)), np.nan)
    matrix[rows, cols] = pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype=float)
    first = np.full(len(geo_ids), len(grid))
    last = np.full(len(geo_ids), -1)
    np.minimum.at(first, cols, rows)
    np.maximum.at(last, cols, rows)
    return {
        str(gid): pd.Series(
            matrix[first[j] : last[j] + 1, j], index=grid[first[j] : last[j] + 1], name="value"
        )
        for j, gid in enumerate(geo_ids)
    }


def _single_phase(periods: pd.DatetimeIndex, frequency: str) -> bool:
    """Whether snapped period starts all sit on one grid of ``frequency``."""
    if frequency in ("day", "month"):
        return True
    if frequency == "week":
        return bool((periods.day_of_week == periods[0].day_of_week).all())
    step = 3 if frequency == "quarter" else 12
    return bool((periods.month % step == periods[0].month % step).all())


def _grid_anchor(index: pd.DatetimeIndex, frequency: str) -> pd.Timestamp:
    if frequency == "week":
        weekday = int(pd.Series(index.day_of_week).mode().iloc[0])
        last = index[-1]
        return last - pd.Timedelta(days=(last.weekday() - weekday) % 7)
    return index[-1]


def _grid_floor(first: pd.Timestamp, anchor: pd.Timestamp, frequency: str) -> pd.Timestamp:
    """The grid point at or before ``first`` on the grid through ``anchor``."""
    if frequency == "week":
        return first - pd.Timedelta(days=(first.weekday() - anchor.weekday()) % 7)
    if frequency == "quarter":
        back = (first.month - anchor.month) % 3
        return first - pd.DateOffset(months=back)
    if frequency == "year":
        back = (first.month - anchor.month) % 12
        return first - pd.DateOffset(months=back)
    return first


def _range_freq(frequency: str, anchor: pd.Timestamp) -> str:
    # Weeks as fixed 7-day steps from an aligned start: the same dates as W-XXX, but
    # generated without a per-date Python loop.
    return "7D" if frequency == "week" else pandas_freq(frequency, anchor)


def grid_after(last: pd.Timestamp, frequency: str, steps: int) -> pd.DatetimeIndex:
    """The ``steps`` period starts following ``last`` on its grid."""
    freq = _range_freq(frequency, pd.Timestamp(last))
    return pd.date_range(pd.Timestamp(last), periods=steps + 1, freq=freq)[1:]


def positions(index: pd.DatetimeIndex | np.ndarray, frequency: str) -> np.ndarray:
    """Integer period numbers of grid dates (0 at the first), for regressions on time.

    ``index`` is a DatetimeIndex or its (time-zone free) ``datetime64`` values."""
    if len(index) == 0:
        return np.array([], dtype=float)
    # Whole days and calendar months from the first date, in numpy (pandas index
    # arithmetic costs more than the trend statistics that use these).
    if isinstance(index, np.ndarray) and index.dtype.kind == "M":
        stamps = index
    else:
        index = pd.DatetimeIndex(index)
        stamps = (index if index.tz is None else index.tz_localize(None)).to_numpy()
    if frequency in ("day", "week"):
        days = ((stamps - stamps[0]) // np.timedelta64(1, "D")).astype(float)
        return days if frequency == "day" else days / 7.0
    month_numbers = stamps.astype("datetime64[M]").astype(np.int64)
    months = (month_numbers - month_numbers[0]).astype(float)
    per = {"month": 1, "quarter": 3, "year": 12}[frequency]
    return months / per
