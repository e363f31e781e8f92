"""Frames as CSV and JSON for downloads and the API: pure helpers, no Flask, no Dash.

CSV is made safe to open in a spreadsheet: a text cell that a spreadsheet would
run as a formula gets a leading ``'`` (the OWASP "CSV injection" advice). Numbers
stay numbers, so a real negative number is written as it is. JSON gets ISO dates
and ``null`` for missing values.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

#: A text cell starting with one of these is a formula to Excel, LibreOffice or Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def frame_to_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (RFC 4180: header row, CRLF line ends), formulas neutralised.

    Only text cells are neutralised; numeric columns, and numbers inside
    object columns, are written unchanged. Missing values are empty cells;
    dates and datetimes are ISO 8601, as in :func:`frame_to_records`.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if is_datetime64_any_dtype(values):
            out[column] = _iso(values)
        elif not is_numeric_dtype(values):
            # Not Series.map: it would infer a dtype again and turn 1000 into 1000.0.
            cells = [neutralise(to_jsonable(v)) for v in values]
            out[column] = pd.Series(cells, index=out.index, dtype=object)
    return out.to_csv(index=False, lineterminator="\r\n")


def frame_to_records(frame: pd.DataFrame) -> list[dict]:
    """``frame`` as a list of JSON-ready dicts: ISO dates, NaN and NaT as ``None``."""
    out = frame.copy()
    for column in out.columns:
        if is_datetime64_any_dtype(out[column]):
            out[column] = _iso(out[column])
    return [to_jsonable(record) for record in out.to_dict("records")]


def to_jsonable(value):
    """``value`` with dates as ISO strings, NaN as ``None`` and numpy scalars as Python ones.

    Dicts and lists are converted recursively; their structure is kept.
    """
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _iso(values: pd.Series) -> pd.Series:
    """Datetimes as ISO text: dates only when every value falls on midnight."""
    present = values.dropna()
    dates_only = bool((present == present.dt.normalize()).all())
    text = values.dt.strftime("%Y-%m-%d" if dates_only else "%Y-%m-%dT%H:%M:%S")
    return text.astype(object).where(values.notna(), None)
