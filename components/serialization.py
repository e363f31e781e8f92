"""A faster JSON encoder for Dash's answers: the page layout and callback results.

Dash encodes them with plotly's ``to_json_plotly``. Given a component tree, that first
rebuilds the whole tree in Python (``clean_to_json_compatible``: a call per value) and
only then hands it to orjson. On a large page (the overview holds two thousand
components and the measure search index) that walk was most of the server's time.

:func:`to_json` lets orjson walk the tree natively and call back only for what it does
not know (components and figures, pandas and numpy values), converting each as plotly's
encoder would, and escapes the output the same way (``<``, ``>``, ``/`` and the Unicode
line separators, so the JSON is safe inside a ``<script>``). Anything it cannot encode
falls back to plotly's encoder. :func:`install` makes Dash use it. A tree may hold
JSON written earlier (:func:`prerendered`), which is copied into the output unchanged.
"""

from __future__ import annotations

import datetime
import decimal

import dash._callback
import dash.dash
import numpy as np
import orjson
import pandas as pd
from plotly.io.json import to_json_plotly

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME
#: What plotly's encoder escapes (plotly.io._json._swap_orjson).
_UNSAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("/", "\\u002f"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def _default(value):
    """One value orjson does not encode itself, as plotly's encoder would write it."""
    if hasattr(value, "to_plotly_json"):  # components and figures
        return value.to_plotly_json()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        return value.isoformat()
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return np.datetime_as_string(value).tolist()
        return value.tolist()
    if isinstance(value, np.datetime64):
        return str(value)
    if isinstance(value, pd.Series | pd.Index):
        if value.dtype.kind == "M":
            return [None if pd.isna(v) else v.isoformat() for v in value]
        return value.tolist()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot encode {type(value).__name__}")


def to_json(value) -> str:
    """``value`` (components, figures, plain data) as the JSON text Dash sends."""
    try:
        text = orjson.dumps(value, default=_default, option=_OPTIONS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return to_json_plotly(value)
    for unsafe, safe in _UNSAFE:
        if unsafe in text:
            text = text.replace(unsafe, safe)
    return text


def prerendered(text: str) -> orjson.Fragment:
    """JSON that :func:`to_json` wrote before, to be placed in a component tree as it is
    (``components/page_cache.py``): it is already escaped, and is not walked again."""
    return orjson.Fragment(text)


def install() -> None:
    """Make Dash encode layouts, its configuration and callback answers with :func:`to_json`.

    Dash imports its encoder by name into the modules that use it, so those names are
    replaced (tests/unit/test_serialization.py checks that they still exist and are ours).
    """
    dash.dash.to_json = to_json
    dash._callback.to_json = to_json
