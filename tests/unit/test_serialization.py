"""Dash's answers encoded by components.serialization: the same JSON as plotly's encoder
(Dash's own), escaped the same way, and in use."""

from __future__ import annotations

import datetime
import json
import re

import dash
import dash._callback
import dash.dash
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import dcc, html
from plotly.io.json import to_json_plotly

from app import create_app
from components import serialization
from data.config import Config

HOSTILE = "</script><script>alert(1)</script>\u2028"
#: orjson writes numpy datetimes in full ("2026-11-22T00:00:00") where plotly writes
#: "2026-11-22T00:00:00.000000" or "2026-11-22"; plotly.js reads them alike.
WHOLE_SECONDS = re.compile(r"^(\d{4}-\d\d-\d\d)(?:T00:00:00)?(T\d\d:\d\d:\d\d)?(?:\.0+)?$")


def same(ours, theirs) -> bool:
    """Equal JSON values, counting "…T00:00:00" and "…T00:00:00.000000" as the same."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(same, ours, theirs))
    if isinstance(ours, str) and isinstance(theirs, str):
        return WHOLE_SECONDS.sub(r"\1\2", ours) == WHOLE_SECONDS.sub(r"\1\2", theirs)
    return ours == theirs or (ours != ours and theirs != theirs)


def test_ser001_values_are_written_as_plotlys_encoder_writes_them():
    value = {
        "component": html.Div([html.Span(HOSTILE), dcc.Graph(figure=go.Figure(go.Bar(y=[1])))]),
        "numbers": np.array([1.5, np.nan, 3.0]),
        "integers": np.arange(3, dtype=np.int32),
        "strided": np.arange(10.0)[::2],
        "scalars": [np.float64(1.25), np.int64(7), np.bool_(True), float("nan")],
        "days": pd.Series(pd.to_datetime(["2026-01-01", "2026-03-01"])),
        "index": pd.DatetimeIndex(["2026-01-01 12:30"]),
        "stamp": pd.Timestamp("2026-11-22 08:15:00"),
        "nat": pd.NaT,
        "date": datetime.date(2026, 11, 22),
        "datetime64": np.datetime64("2026-11-22"),
        "objects": np.array(["a", None], dtype=object),
        "series": pd.Series([1.0, 2.5]),
    }
    ours = serialization.to_json(value)
    assert same(json.loads(ours), json.loads(to_json_plotly(value)))
    # Safe inside a <script>: nothing can close it or break the line.
    assert "</" not in ours and "<script" not in ours and "\u2028" not in ours


def test_ser002_what_orjson_cannot_encode_falls_back_to_plotly():
    class Odd:
        pass

    for value in ({"x": Odd()}, {"big": 2**70}):
        with pytest.raises(TypeError):
            to_json_plotly(value)
        with pytest.raises(TypeError):  # the same refusal, from plotly's encoder
            serialization.to_json(value)
    assert serialization.to_json({"x": [1, "a", None]}) == '{"x":[1,"a",null]}'


@pytest.fixture(scope="module")
def demo_app_viewer(demo_database_url):
    config = Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    return create_app(config)


@pytest.mark.parametrize(
    "path", ["/", "/area/public-safety", "/measure/ems-response-time", "/equity", "/kiosk"]
)
def test_ser003_every_page_is_encoded_as_plotly_would_and_dash_uses_it(demo_app_viewer, path):
    assert dash.dash.to_json is serialization.to_json
    assert dash._callback.to_json is serialization.to_json
    headers = {"Referer": f"http://localhost{path}"}
    with demo_app_viewer.server.test_request_context("/_dash-layout", headers=headers):
        tree = demo_app_viewer.get_layout()
        ours = serialization.to_json(tree)
        assert same(json.loads(ours), json.loads(to_json_plotly(tree)))
    served = demo_app_viewer.server.test_client().get("/_dash-layout", headers=headers)
    assert json.loads(served.get_data(as_text=True)) == json.loads(ours)
