"""Builders shared by the analytics unit tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

FREQ = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}


def make_series(values, frequency: str = "month", start: str = "2018-01-01") -> pd.DataFrame:
    """A citywide-style frame (period, value, numerator, denominator) on a regular grid."""
    values = np.asarray(values, dtype=float)
    periods = pd.date_range(start, periods=len(values), freq=FREQ[frequency])
    return pd.DataFrame(
        {"period": periods, "value": values, "numerator": np.nan, "denominator": np.nan}
    )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261001)
