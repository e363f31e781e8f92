"""Statroom analytics: pure functions from pandas objects to tidy frames and dataclasses.

No I/O, no Dash, no SQL. The modules:

* :mod:`analytics.periods` — frequencies, the regular period grid, fiscal years, ``MeasureMeta``
* :mod:`analytics.trend` — OLS / Theil–Sen slopes, (seasonal) Mann–Kendall, verdicts
* :mod:`analytics.control` — XmR charts with detection rules and phases
* :mod:`analytics.targets` — target status, projection and probability of meeting it
* :mod:`analytics.forecast` — ETS forecast bands with backtested accuracy and coverage
* :mod:`analytics.equity` — neighbourhood comparisons, intervals, disparity, gap trend
* :mod:`analytics.summary` — the stored per-measure summary (``summarize_measure``)
* :mod:`analytics.narrative` — ``format_value`` and ``headline``

Methods and references: ``docs/methodology.md``.
"""

from analytics.equity import aggregate_citywide
from analytics.narrative import format_value, headline
from analytics.periods import MeasureMeta
from analytics.summary import forecast_for_series, summarize_measure

__all__ = [
    "MeasureMeta",
    "aggregate_citywide",
    "forecast_for_series",
    "format_value",
    "headline",
    "summarize_measure",
]
