"""The demo city: a deterministic, realistic Stat program to explore, test and document.

Like datasette's fixture database, the generator ships inside the package, and
tests, docs and ``make run`` all reuse it. :func:`build_demo_city` returns a
:class:`DemoCity` in memory; :func:`load_demo` writes one into a database in a
single transaction.

Riverton
--------
"Riverton" is fictional. Its 58 neighborhoods are real polygons but sample data:
the Montréal electoral districts that plotly ships (see ``demo_assets/README.md``).
Populations, incomes and renter shares are drawn from the seed. About a quarter
of the neighborhoods, those with the lowest median household income, are flagged
``equity_priority``. The city tracks 40 measures in six priority areas, with
eight years of history, targets per fiscal year (July to June), annotations,
three CitiStat meetings and their action items.

Dates
-----
Everything is built relative to ``as_of``, which defaults to the Monday of the
current week: the data "looks current" yet is identical for every load within
a week, and a test can pin ``as_of`` to get the same city every time.
A period is named by its first day (a month's 1st, a quarter's 1st, a week's
Monday). The demo holds every period that *ended before* ``as_of``: the newest
monthly period is the last month that ended before ``as_of``. Same ``size``, ``seed`` and ``as_of``,
same data, byte for byte.

A measure is *stale* when a period that ended more than ``update_lag_days``
before ``as_of`` has no data. Exactly two demo measures are stale on purpose
(``illegal-dumping`` and ``low-birth-weight``); every other measure holds all
its due periods. Judged against the wall clock instead, the weekly measures
(lags of 8 to 14 days) turn stale from about the third week of the month, until
the demo is loaded again the next month.

How the numbers are made
------------------------
One generator, ``numpy.random.default_rng(seed)``, draws everything in a fixed
order. For measure *m*, neighborhood *g* and period *t*, a linear predictor on
the log scale (counts, durations, amounts) or the logit scale (proportions) is

    eta[g, t] = a * cos(2 pi h (month[t] - peak) / 12)     seasonality
              + b * years[t]                                trend
              + c * [period t starts on or after the shift] level shift
              + spread * z[g] + 0.25 * d * deprivation[g]   neighborhood differences
              + d * equity[g] * (1 + k * years[t] / years)  equity gap, narrowing (k < 0)
                                                            or widening (k > 0)

The neighborhood terms are centred (population-weighted, at the start) so that
each recipe's ``level`` is roughly the citywide level when the history begins.
Each kind of measure turns the predictor into numbers:

- ``count``: events ~ Poisson (or negative binomial) with mean
  level * population share * exp(eta); aggregation "sum".
- ``per_capita``: a rate with numerator = events and denominator = the
  neighborhood's population (or renter households, or children) for that year;
  value = numerator / denominator * rate_per; aggregation "rate".
- ``share``: a percentage with denominator = cases (a Poisson volume, births,
  another measure's counts, or days in the period) and
  numerator ~ Binomial(cases, expit(logit(level) + eta)).
- ``duration``: an average time with denominator = cases and numerator = total
  time ~ Gamma(shape * cases, mean / shape), so value = numerator / denominator.
  The citywide value is the case-weighted mean: total time / total cases.
- ``continuous``: tonnage, dollars, MWh ~ Gamma with a coefficient of variation.
- ``diversion``: recycled tons (another measure) over total tons collected; the
  only rate whose numerator and denominator are not whole numbers.

Citywide rows are always computed from the neighborhood rows: for "sum"
measures the sum of values; for "rate" measures (percentages and rates) and
"mean" measures (durations) sum(numerator) / sum(denominator) * scale, never
a mean of neighborhood values. City-only measures (a call centre, payroll) have
citywide rows only.

``size="large"`` is a deterministic city for benchmarks: the 40 measures, each
with 20 perturbed copies (840), 10 years of history and 64 geographies: the six
largest districts are cut into west and east halves along a meridian.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from data.cache import bump_data_version
from data.catalog import (
    AnnotationSpec,
    AreaSpec,
    Catalog,
    GeographySpec,
    MeasureSpec,
    TargetSpec,
)
from data.db import update_planner_statistics
from data.models import (
    CITYWIDE,
    ActionItem,
    ActionStatusChange,
    AgendaItem,
    Annotation,
    ImportLog,
    Meeting,
    MeetingNote,
    measure_scale,
    utcnow,
)
from data.writer import OBSERVATION_COLUMNS, upsert_observations, write_catalog

SIZES = ("demo", "large")
DEFAULT_SEED = 20_130_603
CITY_NAME = "Riverton"
FISCAL_YEAR_START_MONTH = 7
BOUNDARIES_NOTE = (
    "Neighborhood boundaries are sample data: Montréal electoral districts from plotly's "
    "sample datasets (plotly.data.election_geojson). Riverton and all its figures are fictional."
)
IMPORT_SOURCE = "demo city"
IMPORT_USER = "statroom demo"
ASSETS = Path(__file__).resolve().parent / "demo_assets"

#: Years of history, per size.
HISTORY_YEARS = {"demo": 8, "large": 10}
#: Perturbed copies of every demo measure in the large city.
LARGE_COPIES = 20
#: The large city cuts this many of the largest districts in two.
LARGE_SPLITS = 6
#: Share of neighborhoods (lowest median income first) flagged equity_priority.
EQUITY_SHARE = 0.25
#: The 311 work-order outage: first month (months before as_of) and length in months.
OUTAGE_MONTHS_AGO = 39
OUTAGE_LENGTH_MONTHS = 2
#: Rows handed to upsert_observations at a time, to bound memory for the large city.
WRITE_CHUNK_ROWS = 250_000


# -- public dataclasses -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStatusChange:
    changed_at: datetime
    old_status: str | None
    new_status: str
    changed_by: str
    comment: str = ""


@dataclass(frozen=True)
class DemoAction:
    key: str
    meeting_key: str
    description: str
    owner: str
    department: str
    due_date: date
    status: str
    measure_id: str | None
    created_at: datetime
    completed_at: date | None = None
    history: tuple[DemoStatusChange, ...] = ()


@dataclass(frozen=True)
class DemoAgendaItem:
    section: str
    title: str
    measure_id: str | None = None
    action_key: str | None = None
    minutes: int = 5
    reason: str = ""


@dataclass(frozen=True)
class DemoNote:
    body: str
    author: str
    created_at: datetime
    #: Index into the meeting's agenda, or None for a general note.
    agenda_index: int | None = None


@dataclass(frozen=True)
class DemoMeeting:
    key: str
    title: str
    scheduled_for: datetime
    status: str
    scope: dict
    attendees: list
    created_at: datetime
    memo_text: str = ""
    memo_sent_at: datetime | None = None
    followup_text: str = ""
    followup_sent_at: datetime | None = None
    agenda: tuple[DemoAgendaItem, ...] = ()
    notes: tuple[DemoNote, ...] = ()
    #: Annotations captured in the meeting (written with source "meeting").
    annotations: tuple[AnnotationSpec, ...] = ()


@dataclass(frozen=True)
class DemoCity:
    """Everything :func:`load_demo` writes: catalog, observations, meetings and actions."""

    size: str
    seed: int
    as_of: date
    catalog: Catalog
    #: Columns of :data:`data.writer.OBSERVATION_COLUMNS`, sorted by measure (catalog
    #: order), geography (citywide first) and period.
    observations: pd.DataFrame
    meetings: list[DemoMeeting] = field(default_factory=list)
    actions: list[DemoAction] = field(default_factory=list)


def default_as_of(today: date | None = None) -> date:
    """The Monday of the current week: weekly data runs to last week, monthly data to the
    last month that ended before that Monday, so no measure looks stale by accident."""
    today = today or date.today()
    return today - timedelta(days=today.weekday())


# -- measure recipes ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Shift:
    """A step change from ``months_ago`` months before as_of, annotated on the measure."""

    months_ago: int
    size: float
    label: str
    description: str


@dataclass(frozen=True)
class _Model:
    """How one measure's numbers are made; the module docstring gives the maths."""

    kind: str
    #: count/continuous: citywide total per period; per_capita: value per rate_per;
    #: share/diversion: a proportion (0-1); duration: mean time per case.
    level: float
    #: share/duration: cases per period citywide, or a measure id, or "days".
    volume: float | str = 0.0
    #: per_capita denominator: "population", "renter_households" or "children".
    per: str = "population"
    season: tuple[float, float] = (0.0, 1)
    harmonic: int = 1
    trend: float = 0.0
    shift: _Shift | None = None
    disparity: float = 0.0
    gap_change: float = 0.0
    spread: float = 0.2
    #: count: negative-binomial size (0 = Poisson); duration: gamma shape per case;
    #: continuous: coefficient of variation.
    shape: float = 0.0
    city_only: bool = False
    #: Where the newest value lands against its fiscal-year target: met, near, missed.
    target: str | None = None
    #: Fed by the 311 work-order system, so missing during its outage.
    crm: bool = False
    stale_periods: int = 0
    missing: int = 0
    since_years: int | None = None


_PS, _INFRA, _HEALTH, _HOUSING, _ENV, _CS = (
    "public-safety",
    "infrastructure",
    "health",
    "housing",
    "environment",
    "customer-service",
)

AREAS = [
    AreaSpec(
        _PS,
        "Public Safety",
        "Preventing violence and property crime, and getting fire and EMS crews to "
        "emergencies fast in every neighborhood.",
        1,
    ),
    AreaSpec(
        _INFRA,
        "Infrastructure and Transportation",
        "Safe, well-kept streets, sidewalks, signals and streetlights, and fewer people "
        "killed or seriously hurt in traffic.",
        2,
    ),
    AreaSpec(
        _HEALTH,
        "Health",
        "Preventing overdoses, asthma emergencies and foodborne illness, and giving every "
        "child a healthy start.",
        3,
    ),
    AreaSpec(
        _HOUSING,
        "Housing",
        "Keeping residents housed, buildings safe and permits moving, and building "
        "homes people can afford.",
        4,
    ),
    AreaSpec(
        _ENV,
        "Environment",
        "Cleaner streets and air, more recycling and street trees, and lower energy use "
        "in city buildings.",
        5,
    ),
    AreaSpec(
        _CS,
        "Customer Service",
        "Answering residents quickly through 311, closing requests on time and earning "
        "residents' trust.",
        6,
    ),
]


def _spec(
    id: str,
    area_id: str,
    name: str,
    short_name: str,
    unit: str,
    frequency: str,
    direction: str,
    aggregation: str,
    *,
    department: str,
    owner: str,
    description: str,
    methodology: str,
    data_source: str,
    public: bool,
    lag: int,
    decimals: int = 0,
    rate_per: int | None = None,
    unit_label: str = "",
) -> MeasureSpec:
    return MeasureSpec(
        id=id,
        area_id=area_id,
        name=name,
        short_name=short_name,
        unit=unit,
        direction=direction,
        frequency=frequency,
        aggregation=aggregation,
        description=description,
        methodology=methodology,
        department=department,
        owner=owner,
        unit_label=unit_label,
        decimals=decimals,
        rate_per=rate_per,
        update_lag_days=lag,
        is_public=public,
        data_source=data_source,
    )


_POLICE = "Police Department"
_FIRE = "Fire Department"
_DPW = "Department of Public Works"
_DOT = "Department of Transportation"
_HEALTH_DEPT = "Health Department"
_LI = "Department of Licenses and Inspections"
_DHCD = "Department of Housing and Community Development"
_SANITATION = "Sanitation Department"
_SUSTAIN = "Office of Sustainability"
_311 = "311 Customer Service"
_CRM = "Riverton 311 customer-relationship management (CRM) system"
_CITY_ONLY = " Reported for the city as a whole only."

# fmt: off
#: (catalog entry, generator) for each demo measure, in display order.
RECIPES: list[tuple[MeasureSpec, _Model]] = [
    # -- Public Safety
    (
        _spec(
            "violent-crime-rate", _PS, "Violent crimes per 1,000 residents", "Violent crime",
            "rate", "month", "lower_is_better", "rate", decimals=2, rate_per=1000,
            unit_label="per 1,000 residents", department=_POLICE,
            owner="Deputy Police Commissioner, Operations", public=True, lag=31,
            description="How many homicides, rapes, robberies and aggravated assaults were "
            "reported in the month, for every 1,000 people who live in the area.",
            methodology="Numerator: crimes against persons reported in the month, by place of "
            "occurrence (NIBRS). Denominator: the area's estimated population for that year. "
            "Value = numerator / denominator × 1,000. Citywide = all crimes / total population.",
            data_source="Police records management system (NIBRS incidents); population "
            "estimates from the City Planning Office",
        ),
        _Model("per_capita", 0.62, season=(0.16, 7), trend=-0.03, disparity=0.9,
               gap_change=-0.4, spread=0.25, target="near"),
    ),
    (
        _spec(
            "property-crime-rate", _PS, "Property crimes per 1,000 residents", "Property crime",
            "rate", "month", "lower_is_better", "rate", decimals=2, rate_per=1000,
            unit_label="per 1,000 residents", department=_POLICE,
            owner="Deputy Police Commissioner, Operations", public=True, lag=31,
            description="Burglaries, thefts, vehicle thefts and arsons reported in the month, "
            "for every 1,000 residents.",
            methodology="Numerator: NIBRS crimes against property reported in the month. "
            "Denominator: estimated population for that year. Value = numerator / "
            "denominator × 1,000.",
            data_source="Police records management system (NIBRS incidents)",
        ),
        _Model("per_capita", 2.1, season=(0.08, 8), trend=0.04, disparity=0.3,
               gap_change=0.5, spread=0.3, target="missed"),
    ),
    (
        _spec(
            "shooting-incidents", _PS, "Shooting incidents", "Shootings", "count", "week",
            "lower_is_better", "sum", unit_label="incidents", department=_POLICE,
            owner="Commander, Violence Reduction Unit", public=False, lag=10,
            description="Incidents in which someone was shot or a building or car was hit, "
            "reviewed every week at the violence-reduction meeting.",
            methodology="Count of distinct shooting incidents (not victims) by week of "
            "occurrence, Monday to Sunday, by place of occurrence.",
            data_source="Police incident reports, reviewed by the Violence Reduction Unit",
        ),
        _Model("count", 14, season=(0.35, 7), trend=-0.05, disparity=1.6, gap_change=-0.3,
               spread=0.6, shape=6, target="met"),
    ),
    (
        _spec(
            "ems-response-time", _PS, "Average EMS response time", "EMS response", "minutes",
            "month", "lower_is_better", "mean", decimals=1, department=_FIRE,
            owner="Deputy Fire Chief, EMS", public=True, lag=31,
            description="How long, on average, people wait for an ambulance after calling 911 "
            "for a medical emergency.",
            methodology="Minutes from 911 call pickup to the first EMS unit on scene, over all "
            "EMS incidents with complete timestamps. Numerator: total minutes; denominator: "
            "incidents. Citywide = total minutes / total incidents (incident-weighted mean).",
            data_source="Computer-aided dispatch (CAD) incident timestamps",
        ),
        _Model("duration", 9.4, volume=14_500, shape=2.5, season=(0.03, 1), trend=-0.01,
               shift=_Shift(42, -0.10, "New EMS triage protocol",
                            "Low-acuity 911 medical calls now go to a nurse line, freeing "
                            "ambulances for emergencies; response times fell by about a "
                            "minute."),
               disparity=0.18, gap_change=-0.3, spread=0.1, target="near"),
    ),
    (
        _spec(
            "fire-arrival-standard", _PS, "Fire calls reached within 5 minutes 20 seconds",
            "Fire arrival standard", "percent", "month", "higher_is_better", "rate",
            decimals=1, department=_FIRE, owner="Deputy Fire Chief, Operations", public=True,
            lag=31,
            description="Share of priority fire calls where the first engine arrived within "
            "5 minutes 20 seconds: the national standard for turnout plus travel time.",
            methodology="Numerator: priority fire incidents with first-engine arrival within "
            "320 seconds of dispatch (NFPA 1710). Denominator: priority fire incidents. "
            "Value = numerator / denominator × 100.",
            data_source="Computer-aided dispatch (CAD) incident timestamps",
        ),
        _Model("share", 0.86, volume=1_100, season=(-0.1, 1), trend=0.02, disparity=-0.3,
               gap_change=0.5, spread=0.25, target="met"),
    ),
    (
        _spec(
            "calls-911-answered-15s", _PS, "911 calls answered within 15 seconds",
            "911 answer time", "percent", "week", "higher_is_better", "rate", decimals=1,
            department="Office of Emergency Communications",
            owner="911 Communications Manager", public=False, lag=8,
            description="Share of 911 calls picked up by a call-taker within 15 seconds."
            + _CITY_ONLY,
            methodology="Numerator: 911 calls answered within 15 seconds of arriving at the "
            "call centre. Denominator: 911 calls answered. Abandoned calls are excluded "
            "(NENA standard 56-005).",
            data_source="911 call-centre phone system (ACD reports)",
        ),
        _Model("share", 0.88, volume=21_000, season=(-0.3, 7), trend=-0.05, city_only=True,
               target="missed"),
    ),
    (
        _spec(
            "police-overtime", _PS, "Police overtime spending", "Police overtime", "currency",
            "month", "lower_is_better", "sum", unit_label="USD", department=_POLICE,
            owner="Deputy Police Commissioner, Administration", public=False, lag=31,
            description="Dollars paid for police overtime in the month." + _CITY_ONLY,
            methodology="Overtime earnings of sworn and civilian police staff by pay period, "
            "allocated to months by work date. Excludes overtime reimbursed by event "
            "organisers.",
            data_source="City payroll system, via the Office of Management and Budget",
        ),
        _Model("continuous", 3_100_000, shape=0.05, season=(0.12, 7), trend=0.03,
               shift=_Shift(20, 0.15, "Police academy class postponed",
                            "The spring academy class was postponed; about 60 patrol "
                            "vacancies have been covered on overtime since."),
               city_only=True, target="missed"),
    ),
    # -- Infrastructure and Transportation
    (
        _spec(
            "pothole-reports", _INFRA, "Pothole reports", "Pothole reports", "count", "month",
            "neutral", "sum", unit_label="reports", department=_DPW,
            owner="Deputy Director, Street Maintenance", public=False, lag=31,
            description="Potholes reported by residents and crews. Reports follow the weather: "
            "freeze-thaw cycles in late winter bring the most.",
            methodology="Count of pothole service requests created in the month, after "
            "merging duplicates of the same location.",
            data_source=_CRM,
        ),
        _Model("count", 2_600, season=(0.55, 3), trend=0.02, disparity=0.2, spread=0.3,
               crm=True),
    ),
    (
        _spec(
            "potholes-repaired-3-days", _INFRA, "Potholes repaired within 3 days",
            "Potholes in 3 days", "percent", "month", "higher_is_better", "rate", decimals=1,
            department=_DPW, owner="Deputy Director, Street Maintenance", public=True, lag=31,
            description="Share of reported potholes that crews filled within three days.",
            methodology="Numerator: pothole requests closed as repaired within 72 hours of the "
            "report. Denominator: pothole requests created in the month (the Pothole "
            "reports measure). Value = numerator / denominator × 100.",
            data_source=_CRM,
        ),
        _Model("share", 0.58, volume="pothole-reports", season=(0.35, 8), trend=0.03,
               shift=_Shift(28, 0.9, "Pothole crew expansion",
                            "Two more pothole crews, funded in the fiscal-year budget, "
                            "went to work; repairs within 3 days rose by about 20 points."),
               disparity=-0.4, gap_change=-0.5, spread=0.2, crm=True, target="met"),
    ),
    (
        _spec(
            "streetlight-repair-days", _INFRA, "Average days to repair a streetlight outage",
            "Streetlight repair", "days", "month", "lower_is_better", "mean", decimals=1,
            department=_DOT, owner="Street Lighting Division Manager", public=True, lag=31,
            description="How many days, on average, a reported streetlight stays dark.",
            methodology="Days from the outage report to the repair being closed, over requests "
            "closed in the month. Numerator: total days; denominator: requests closed. "
            "Citywide = total days / total requests.",
            data_source=_CRM,
        ),
        _Model("duration", 6.5, volume=900, shape=1.2, season=(0.1, 1), trend=0.03,
               disparity=0.25, gap_change=0.6, spread=0.15, crm=True, target="missed"),
    ),
    (
        _spec(
            "lane-miles-resurfaced", _INFRA, "Lane miles resurfaced", "Resurfacing", "count",
            "quarter", "higher_is_better", "sum", decimals=1, unit_label="lane miles",
            department=_DPW, owner="Deputy Director, Street Maintenance", public=False,
            lag=100,
            description="Lane miles of street milled and repaved. Paving happens in the warm "
            "months, so winter quarters are low.",
            methodology="Sum of lane miles of paving projects accepted as complete in the "
            "quarter, by the neighborhood of the street segment.",
            data_source="Pavement management system",
        ),
        _Model("continuous", 38, shape=0.25, season=(0.8, 8), trend=0.04, disparity=-0.2,
               gap_change=-0.5, spread=0.35),
    ),
    (
        _spec(
            "traffic-deaths-serious-injuries", _INFRA, "Traffic deaths and serious injuries",
            "Traffic deaths & injuries", "count", "month", "lower_is_better", "sum",
            unit_label="people", department=_DOT, owner="Vision Zero Program Manager",
            public=True, lag=45,
            description="People killed or seriously injured in traffic crashes on city "
            "streets. The city's Vision Zero goal is none.",
            methodology="Count of people with fatal (K) or suspected serious (A) injuries in "
            "police-reported crashes, by crash location.",
            data_source="Police crash reports (KABCO injury scale)",
        ),
        _Model("count", 48, season=(0.15, 8), trend=-0.02, disparity=0.5, gap_change=0.3,
               spread=0.4, target="missed"),
    ),
    (
        _spec(
            "signal-repair-hours", _INFRA,
            "Average hours to repair a traffic signal malfunction", "Signal repair", "hours",
            "month", "lower_is_better", "mean", decimals=1, department=_DOT,
            owner="Traffic Signal Shop Supervisor", public=False, lag=31,
            description="How long, on average, a malfunctioning traffic signal waits for a "
            "repair crew to restore normal operation.",
            methodology="Hours from the malfunction report to normal operation, over "
            "malfunctions closed in the month. Numerator: total hours; denominator: "
            "malfunctions. Citywide = total hours / total malfunctions.",
            data_source="Traffic signal maintenance work orders",
        ),
        _Model("duration", 7.5, volume=320, shape=1.5, season=(0.12, 7), trend=-0.02,
               disparity=0.1, spread=0.15, target="met"),
    ),
    (
        _spec(
            "sidewalk-repair-backlog", _INFRA, "Sidewalk repair backlog",
            "Sidewalk backlog", "count", "month", "lower_is_better", "sum",
            unit_label="locations", department=_DPW, owner="Sidewalk Program Manager",
            public=False, lag=31,
            description="Sidewalk locations inspected and found in need of repair but not yet "
            "repaired, at the end of the month.",
            methodology="Open sidewalk repair work orders on the last day of the month.",
            data_source="Public Works asset management system",
        ),
        _Model("count", 3_600, season=(0.05, 4), trend=0.05, disparity=0.3, gap_change=0.5,
               spread=0.3, target="missed"),
    ),
    # -- Health
    (
        _spec(
            "opioid-overdose-rate", _HEALTH, "Nonfatal opioid overdoses per 10,000 residents",
            "Opioid overdoses", "rate", "month", "lower_is_better", "rate", decimals=2,
            rate_per=10_000, unit_label="per 10,000 residents", department=_HEALTH_DEPT,
            owner="Deputy Health Commissioner, Behavioral Health", public=True, lag=45,
            description="Emergency visits for opioid overdoses that people survived, for "
            "every 10,000 residents.",
            methodology="Numerator: emergency-department visits coded as opioid overdose, by "
            "the patient's home address, deduplicated by person and day. Denominator: "
            "estimated population. Value = numerator / denominator × 10,000.",
            data_source="Emergency-department syndromic surveillance",
        ),
        _Model("per_capita", 1.1, season=(0.08, 7), trend=0.04, disparity=0.8,
               gap_change=0.6, spread=0.35, target="missed"),
    ),
    (
        _spec(
            "food-inspections-on-schedule", _HEALTH, "Food establishments inspected on schedule",
            "Food inspections", "percent", "quarter", "higher_is_better", "rate", decimals=1,
            department=_HEALTH_DEPT, owner="Director, Environmental Health Services",
            public=False, lag=95,
            description="Share of restaurants and food shops due for a routine inspection "
            "that were inspected on time.",
            methodology="Numerator: routine inspections done by their due date. Denominator: "
            "establishments with a routine inspection due in the quarter, by risk class.",
            data_source="Environmental health inspection system",
        ),
        _Model("share", 0.82, volume=2_400, trend=0.04, disparity=-0.2, spread=0.2,
               target="near"),
    ),
    (
        _spec(
            "low-birth-weight", _HEALTH, "Babies born at a low birth weight",
            "Low birth weight", "percent", "quarter", "lower_is_better", "rate", decimals=1,
            department=_HEALTH_DEPT, owner="Director, Maternal and Child Health", public=True,
            lag=120,
            description="Share of babies born weighing less than 2,500 grams (5.5 pounds), by "
            "the mother's home neighborhood.",
            methodology="Numerator: live births under 2,500 g. Denominator: live births to "
            "residents in the quarter. Value = numerator / denominator × 100.",
            data_source="State vital records (birth certificates). The state's new records "
            "system has not delivered a file since its launch.",
        ),
        _Model("share", 0.09, volume="births", trend=-0.01, disparity=0.45, gap_change=-0.2,
               spread=0.15, stale_periods=3),
    ),
    (
        _spec(
            "flu-vaccinations", _HEALTH, "Flu vaccinations given at city clinics",
            "Flu vaccinations", "count", "week", "higher_is_better", "sum",
            unit_label="vaccinations", department=_HEALTH_DEPT,
            owner="Director, Immunization Program", public=True, lag=14,
            description="Flu shots given at city health centres, pop-up and mobile clinics. "
            "Most are given from October to December.",
            methodology="Count of influenza doses administered, by week and the clinic's "
            "neighborhood.",
            data_source="State immunization registry, city clinic submissions",
        ),
        _Model("count", 900, season=(1.6, 11), trend=-0.02, disparity=-0.3,
               gap_change=-0.4, spread=0.3),
    ),
    (
        _spec(
            "rodent-complaints", _HEALTH, "Rodent complaints", "Rodent complaints", "count",
            "month", "lower_is_better", "sum", unit_label="complaints",
            department=_HEALTH_DEPT, owner="Rodent Control Program Supervisor", public=False,
            lag=31,
            description="Complaints about rats and mice made to 311.",
            methodology="Count of rodent service requests created in the month, after merging "
            "duplicates of the same address.",
            data_source=_CRM,
        ),
        _Model("count", 850, season=(0.45, 8), trend=0.03, disparity=0.5, gap_change=0.3,
               spread=0.3, crm=True),
    ),
    (
        _spec(
            "asthma-ed-visit-rate", _HEALTH,
            "Childhood asthma emergency visits per 10,000 children", "Childhood asthma",
            "rate", "month", "lower_is_better", "rate", decimals=2, rate_per=10_000,
            unit_label="per 10,000 children", department=_HEALTH_DEPT,
            owner="Director, Maternal and Child Health", public=True, lag=45,
            description="Emergency-department visits for asthma by children under 18, for "
            "every 10,000 children. Visits spike when school starts in September.",
            methodology="Numerator: emergency visits with a primary diagnosis of asthma, "
            "patients under 18, by home address. Denominator: children under 18 (population "
            "estimate). Value = numerator / denominator × 10,000.",
            data_source="Emergency-department syndromic surveillance",
        ),
        _Model("per_capita", 9.0, per="children", season=(0.25, 9), trend=-0.02,
               disparity=1.0, gap_change=-0.3, spread=0.25, target="met"),
    ),
    # -- Housing
    (
        _spec(
            "building-permits-issued", _HOUSING, "Building permits issued", "Permits issued",
            "count", "month", "neutral", "sum", unit_label="permits", department=_LI,
            owner="Deputy Commissioner, Permits", public=True, lag=31,
            description="Permits issued for new construction, alterations and additions.",
            methodology="Count of building permits issued in the month, by the parcel's "
            "neighborhood. Excludes trade-only permits (electrical, plumbing).",
            data_source="Permitting and licensing system",
        ),
        _Model("count", 1_450, season=(0.2, 5), trend=0.02, disparity=-0.4, spread=0.35),
    ),
    (
        _spec(
            "permit-median-days", _HOUSING, "Median days to issue a building permit",
            "Permit days", "days", "month", "lower_is_better", "mean", decimals=1,
            department=_LI, owner="Deputy Commissioner, Permits", public=False, lag=31,
            description="Half of building permits are issued faster than this, half slower."
            + _CITY_ONLY,
            methodology="Median calendar days from a complete application to issue, over "
            "permits issued in the month. Medians do not add up across neighborhoods, so "
            "only the citywide value is reported.",
            data_source="Permitting and licensing system",
        ),
        _Model("continuous", 24, shape=0.08, trend=-0.03,
               shift=_Shift(30, -0.25, "Online permitting portal launched",
                            "Applicants now upload plans online and reviewers work in "
                            "parallel; the median wait fell by about a fifth."),
               city_only=True, target="met"),
    ),
    (
        _spec(
            "code-complaint-days", _HOUSING, "Average days to close code complaints",
            "Code complaint days", "days", "month", "lower_is_better", "mean", decimals=1,
            department=_LI, owner="Deputy Commissioner, Code Enforcement", public=True,
            lag=31,
            description="How long, on average, a housing or property-maintenance complaint "
            "stays open until the problem is fixed or the case is closed.",
            methodology="Days from the complaint to case closure, over cases closed in the "
            "month. Numerator: total days; denominator: cases closed. Citywide = total days "
            "/ total cases (case-weighted mean).",
            data_source=_CRM,
        ),
        _Model("duration", 38, volume=2_100, shape=0.9, season=(0.06, 7), trend=0.03,
               disparity=0.35, gap_change=0.7, spread=0.15, crm=True, target="missed"),
    ),
    (
        _spec(
            "affordable-units-completed", _HOUSING, "Affordable housing units completed",
            "Affordable units", "count", "quarter", "higher_is_better", "sum",
            unit_label="homes", department=_DHCD, owner="Director, Housing Development",
            public=True, lag=100,
            description="New or rehabilitated homes affordable to households earning 60% of "
            "the area median income or less, finished in the quarter.",
            methodology="Count of income-restricted units receiving a certificate of "
            "occupancy in the quarter, in projects with city financing.",
            data_source="Housing development project tracker",
        ),
        _Model("count", 140, trend=0.05, disparity=0.5, spread=0.9, shape=1.2,
               target="near"),
    ),
    (
        _spec(
            "eviction-filing-rate", _HOUSING, "Eviction filings per 1,000 renter households",
            "Eviction filings", "rate", "month", "lower_is_better", "rate", decimals=2,
            rate_per=1000, unit_label="per 1,000 renter households", department=_DHCD,
            owner="Director, Office of Tenant Protection", public=True, lag=45,
            description="Eviction cases filed in court by landlords, for every 1,000 "
            "households that rent their home.",
            methodology="Numerator: residential eviction cases filed, by the property's "
            "neighborhood. Denominator: renter-occupied households (population estimate × "
            "renter share). Value = numerator / denominator × 1,000.",
            data_source="Municipal court eviction filings; renter households from the City "
            "Planning Office",
        ),
        _Model("per_capita", 3.2, per="renter_households", season=(0.1, 1), trend=0.02,
               shift=_Shift(34, -0.30, "Right to counsel for tenants begins",
                            "Tenants facing eviction now get a free lawyer; filings dropped "
                            "by about a quarter."),
               disparity=0.7, gap_change=-0.3, spread=0.3, target="near"),
    ),
    (
        _spec(
            "homeless-outreach-contacts", _HOUSING,
            "Street outreach contacts with people experiencing homelessness",
            "Outreach contacts", "count", "week", "higher_is_better", "sum",
            unit_label="contacts", department="Office of Homeless Services",
            owner="Director, Street Outreach", public=False, lag=14,
            description="Conversations outreach workers had with people sleeping outside, "
            "offering shelter, treatment and services. Tracked since the program began."
            + _CITY_ONLY,
            methodology="Count of outreach contacts logged, by week. A person met twice in a "
            "week counts twice.",
            data_source="Homeless management information system (HMIS)",
        ),
        _Model("count", 520, season=(0.2, 1), trend=0.05, city_only=True, since_years=5,
               target="met"),
    ),
    (
        _spec(
            "vacant-buildings-secured", _HOUSING,
            "Vacant buildings secured within 30 days of a violation", "Vacant buildings",
            "percent", "month", "higher_is_better", "rate", decimals=1, department=_LI,
            owner="Vacant Property Unit Manager", public=False, lag=31,
            description="Share of open, unsafe vacant buildings that were boarded up and "
            "secured within 30 days of the violation.",
            methodology="Numerator: violations closed as secured within 30 days. "
            "Denominator: violations reaching 30 days in the month. Entry is manual; a few "
            "months were never reported.",
            data_source="Code enforcement case system",
        ),
        _Model("share", 0.71, volume=320, trend=0.05, disparity=-0.3, gap_change=0.4,
               spread=0.25, missing=3, target="near"),
    ),
    # -- Environment
    (
        _spec(
            "recycling-tons", _ENV, "Tons of recycling diverted", "Recycling tons", "count",
            "month", "higher_is_better", "sum", decimals=1, unit_label="tons",
            department=_SANITATION, owner="Recycling Program Manager", public=True, lag=31,
            description="Tons of paper, cardboard, metal, glass and plastic collected at the "
            "curb and kept out of the landfill.",
            methodology="Net tons delivered to the recycling facility by city collection "
            "routes, minus contamination rejected at the facility, by route neighborhood.",
            data_source="Scale-house weight tickets, recycling facility",
        ),
        _Model("continuous", 5_200, shape=0.06, season=(0.08, 12), trend=0.02,
               shift=_Shift(66, 0.22, "Single-stream recycling rollout",
                            "Residents got large wheeled carts and no longer sort; recycling "
                            "tonnage rose by about a fifth."),
               disparity=-0.35, gap_change=-0.4, spread=0.2, target="met"),
    ),
    (
        _spec(
            "recycling-diversion-rate", _ENV, "Recycling diversion rate", "Diversion rate",
            "percent", "month", "higher_is_better", "rate", decimals=1,
            department=_SANITATION, owner="Recycling Program Manager", public=True, lag=31,
            description="Share of the household waste the city collects that is recycled "
            "instead of landfilled.",
            methodology="Numerator: recycling tons (the Tons of recycling diverted measure). "
            "Denominator: recycling plus trash tons collected. Value = numerator / "
            "denominator × 100.",
            data_source="Scale-house weight tickets, recycling facility and landfill",
        ),
        _Model("diversion", 0.19, volume="recycling-tons", trend=0.03,
               shift=_Shift(66, 0.3, "Single-stream recycling rollout",
                            "Residents got large wheeled carts and no longer sort; the share "
                            "of waste recycled rose by about four points."),
               disparity=-0.3, gap_change=-0.4, spread=0.15, target="near"),
    ),
    (
        _spec(
            "street-trees-planted", _ENV, "Street trees planted", "Trees planted", "count",
            "month", "higher_is_better", "sum", unit_label="trees",
            department="Department of Parks and Recreation", owner="City Forester",
            public=True, lag=31,
            description="Trees planted along streets by city crews and contractors. Planting "
            "happens in spring and fall; the tree-equity program favours neighborhoods with "
            "the least shade.",
            methodology="Count of street-tree plantings recorded in the tree inventory, by "
            "planting date and site neighborhood.",
            data_source="Street tree inventory",
        ),
        _Model("count", 260, season=(1.1, 4), harmonic=2, trend=0.03, disparity=0.3,
               gap_change=0.5, spread=0.3),
    ),
    (
        _spec(
            "illegal-dumping", _ENV, "Illegal dumping complaints", "Illegal dumping", "count",
            "month", "lower_is_better", "sum", unit_label="complaints",
            department=_SANITATION, owner="Sanitation Enforcement Manager", public=False,
            lag=31,
            description="Complaints about trash, tires and construction debris dumped on "
            "streets and vacant lots.",
            methodology="Count of illegal-dumping cases opened in the month, by location.",
            data_source="Sanitation work-order system. The feed stopped when Sanitation moved "
            "to a new system and has not been restored.",
        ),
        _Model("count", 620, season=(0.3, 6), trend=0.04, disparity=0.8, gap_change=0.3,
               spread=0.35, stale_periods=4, target="missed"),
    ),
    (
        _spec(
            "city-building-energy", _ENV, "Energy use in city buildings",
            "Building energy", "count", "month", "lower_is_better", "sum",
            unit_label="MWh", department=_SUSTAIN, owner="Energy Manager", public=False,
            lag=45,
            description="Electricity and gas used by city-owned buildings, in megawatt-hours. "
            "Use peaks in both summer (cooling) and winter (heating)." + _CITY_ONLY,
            methodology="Sum of utility-billed electricity and natural gas (converted at "
            "29.3 kWh per therm) for city-owned buildings, by service month.",
            data_source="Utility bills, energy management database",
        ),
        _Model("continuous", 21_000, shape=0.03, season=(0.18, 1), harmonic=2,
               trend=-0.025, city_only=True, target="met"),
    ),
    (
        _spec(
            "good-air-quality-days", _ENV, "Days with good air quality", "Good air days",
            "percent", "month", "higher_is_better", "rate", decimals=1,
            department=_SUSTAIN, owner="Air Quality Program Manager", public=True, lag=31,
            description="Share of days when the Air Quality Index was 'good' (50 or below). "
            "Summer ozone brings the most bad days." + _CITY_ONLY,
            methodology="Numerator: days with a daily AQI of 50 or below at every city "
            "monitor. Denominator: days in the month.",
            data_source="Federal AirNow daily AQI for the city's monitors",
        ),
        _Model("share", 0.72, volume="days", season=(-0.6, 7), trend=0.04, city_only=True),
    ),
    (
        _spec(
            "graffiti-removed-7-days", _ENV, "Graffiti removed within 7 days",
            "Graffiti removal", "percent", "month", "higher_is_better", "rate", decimals=1,
            department=_SANITATION, owner="Graffiti Abatement Supervisor", public=False,
            lag=31,
            description="Share of graffiti reports where crews removed the graffiti within a "
            "week.",
            methodology="Numerator: graffiti requests closed as removed within 7 days. "
            "Denominator: graffiti requests created in the month.",
            data_source=_CRM,
        ),
        _Model("share", 0.68, volume=1_300, season=(-0.15, 7), trend=0.02, disparity=-0.2,
               gap_change=-0.5, spread=0.2, crm=True, target="near"),
    ),
    # -- Customer Service
    (
        _spec(
            "calls-311-answered-60s", _CS, "311 calls answered within 60 seconds",
            "311 answer time", "percent", "week", "higher_is_better", "rate", decimals=1,
            department=_311, owner="311 Contact Center Director", public=True, lag=8,
            description="Share of calls to 311 answered by an agent within a minute."
            + _CITY_ONLY,
            methodology="Numerator: calls answered within 60 seconds of entering the queue. "
            "Denominator: calls that entered the queue, including those abandoned after 60 "
            "seconds.",
            data_source="311 contact-centre phone system",
        ),
        _Model("share", 0.74, volume=24_000, season=(-0.35, 7), trend=-0.02,
               shift=_Shift(18, 0.6, "311 moves to a cloud phone system with callback",
                            "Callers can now ask for a call back instead of waiting on hold; "
                            "more calls are answered within a minute."),
               city_only=True, target="near"),
    ),
    (
        _spec(
            "service-requests-311", _CS, "311 service requests", "311 requests", "count",
            "month", "neutral", "sum", unit_label="requests", department=_311,
            owner="311 Contact Center Director", public=True, lag=31,
            description="Requests for city services made through 311 by phone, app and web.",
            methodology="Count of service requests created in the month, by the request's "
            "location; information-only calls are excluded.",
            data_source=_CRM,
        ),
        _Model("count", 52_000, season=(0.18, 7), trend=0.03, disparity=0.15, spread=0.2,
               crm=True),
    ),
    (
        _spec(
            "requests-closed-on-time", _CS, "311 service requests closed on time",
            "Requests on time", "percent", "month", "higher_is_better", "rate", decimals=1,
            department=_311, owner="Director of Performance Management", public=True, lag=31,
            description="Share of 311 requests that departments closed within the time "
            "promised for that type of request.",
            methodology="Numerator: requests created in the month and closed within their "
            "service-level agreement. Denominator: requests created in the month (the 311 "
            "service requests measure).",
            data_source=_CRM,
        ),
        _Model("share", 0.77, volume="service-requests-311", season=(-0.2, 7), trend=0.02,
               disparity=-0.25, gap_change=0.5, spread=0.15, crm=True, target="met"),
    ),
    (
        _spec(
            "requests-submitted-online", _CS, "311 requests submitted online or by app",
            "Online requests", "percent", "month", "higher_is_better", "rate", decimals=1,
            department=_311, owner="Director of Digital Services", public=False, lag=31,
            description="Share of 311 requests made through the website or the mobile app "
            "rather than by phone.",
            methodology="Numerator: requests created through the web portal or app. "
            "Denominator: all requests created in the month.",
            data_source=_CRM,
        ),
        _Model("share", 0.38, volume="service-requests-311", trend=0.12, disparity=-0.5,
               gap_change=0.4, spread=0.2, crm=True, target="met"),
    ),
    (
        _spec(
            "resident-satisfaction", _CS, "Residents satisfied with city services",
            "Resident satisfaction", "percent", "quarter", "higher_is_better", "rate",
            decimals=1, department="Office of Performance and Innovation",
            owner="Director of Performance Management", public=True, lag=95,
            description="Share of residents surveyed who are satisfied or very satisfied with "
            "the overall quality of city services.",
            methodology="Numerator: respondents answering 'satisfied' or 'very satisfied'. "
            "Denominator: respondents to the quarterly resident survey (random sample by "
            "phone and text-to-web), by home neighborhood.",
            data_source="Quarterly resident survey",
        ),
        _Model("share", 0.56, volume=2_400, trend=0.02, disparity=-0.35, gap_change=-0.3,
               spread=0.15, target="missed"),
    ),
    (
        _spec(
            "records-requests-10-days", _CS,
            "Public records requests fulfilled within 10 business days", "Records requests",
            "percent", "month", "higher_is_better", "rate", decimals=1,
            department="Law Department", owner="Chief Records Officer", public=False, lag=31,
            description="Share of public records requests answered within the 10 business "
            "days the law allows." + _CITY_ONLY,
            methodology="Numerator: requests closed within 10 business days. Denominator: "
            "requests received in the month. Entry is manual; a few months were never "
            "reported.",
            data_source="Public records request tracker",
        ),
        _Model("share", 0.81, volume=900, trend=0.03, city_only=True, missing=3,
               target="met"),
    ),
]

# fmt: on

# -- geographies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Neighborhoods:
    """The per-neighborhood arrays the generator needs, in catalog order."""

    ids: list[str]
    population: np.ndarray  # as of the newest year
    growth: np.ndarray  # per year
    equity: np.ndarray  # 0/1
    deprivation: np.ndarray  # standardised
    renter_share: np.ndarray
    child_share: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def base(self, per: str, year_offset: np.ndarray) -> np.ndarray:
        """Integer denominators (G, T) for ``per`` in the years ``year_offset`` (<= 0)."""
        people = np.round(
            self.population[:, None] * (1 + self.growth[:, None]) ** year_offset[None, :]
        )
        if per == "population":
            return people
        if per == "renter_households":
            return np.round(people * self.renter_share[:, None] / 2.4)
        if per == "children":
            return np.round(people * self.child_share[:, None])
        raise ValueError(f"unknown denominator {per!r}")

    @classmethod
    def whole_city(cls, hoods: _Neighborhoods) -> _Neighborhoods:
        """One pseudo-neighborhood, the whole city, for city-only measures."""
        population = hoods.population.sum()
        weights = hoods.population / population
        return cls(
            ids=[CITYWIDE],
            population=np.array([population]),
            growth=np.array([float(weights @ hoods.growth)]),
            equity=np.zeros(1),
            deprivation=np.zeros(1),
            renter_share=np.array([float(weights @ hoods.renter_share)]),
            child_share=np.array([float(weights @ hoods.child_share)]),
        )


def _load_boundaries() -> list[dict]:
    with open(ASSETS / "neighborhoods.geojson", encoding="utf-8") as f:
        return json.load(f)["features"]


def _area_sq_km(geometry: dict) -> float:
    """Planar area on a local equirectangular projection: good to a percent at city scale."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    total = 0.0
    for polygon in polygons:
        for i, ring in enumerate(polygon):
            xy = np.asarray(ring, dtype=float)
            kx = 111.32 * math.cos(math.radians(xy[:, 1].mean()))
            x, y = xy[:, 0] * kx, xy[:, 1] * 110.57
            area = 0.5 * abs(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
            total += area if i == 0 else -area
    return total


def _clip_ring(ring: list, meridian: float, west: bool) -> list | None:
    """Sutherland-Hodgman clip of a closed ring against one side of a meridian."""

    def inside(point) -> bool:
        return point[0] <= meridian if west else point[0] >= meridian

    out = []
    for a, b in zip(ring[:-1], ring[1:], strict=True):
        if inside(a):
            out.append(a)
        if inside(a) != inside(b):
            t = (meridian - a[0]) / (b[0] - a[0])
            out.append([meridian, round(a[1] + t * (b[1] - a[1]), 5)])
    if len(out) < 3:
        return None
    return [*out, out[0]]


def _split_geometry(geometry: dict, meridian: float, west: bool) -> dict:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    parts = []
    for polygon in polygons:
        outer = _clip_ring(polygon[0], meridian, west)
        if outer is None:
            continue
        holes = [h for h in (_clip_ring(r, meridian, west) for r in polygon[1:]) if h]
        parts.append([outer, *holes])
    return {"type": "MultiPolygon", "coordinates": parts}


def _geographies(rng: np.random.Generator, size: str) -> tuple[list[GeographySpec], _Neighborhoods]:
    features = _load_boundaries()
    if size == "large":
        features = _split_largest(features, LARGE_SPLITS)
    n = len(features)
    areas = np.array([_area_sq_km(f["geometry"]) for f in features])
    share_of_parent = np.array([f["properties"].get("share_of_parent", 1.0) for f in features])
    deprivation = rng.standard_normal(n)
    population = np.round(
        np.exp(rng.normal(math.log(20_000), 0.35, n)) * share_of_parent, -1
    ).astype(int)
    growth = rng.normal(0.004, 0.006, n)
    income = np.round(68_000 * np.exp(-0.28 * deprivation + rng.normal(0, 0.08, n)), -2)
    renter_share = 1 / (1 + np.exp(-(0.3 + 0.55 * deprivation + rng.normal(0, 0.2, n))))
    child_share = 0.2 + 0.025 * deprivation + rng.normal(0, 0.01, n)
    n_equity = round(EQUITY_SHARE * n)
    equity = np.zeros(n)
    equity[np.argsort(income, kind="stable")[:n_equity]] = 1.0

    order = sorted(range(n), key=lambda i: features[i]["id"])
    specs = []
    for position, i in enumerate(order):
        props = features[i]["properties"]
        attributes = {
            "district_number": props["district_number"],
            "median_household_income": int(income[i]),
            "renter_share_pct": round(float(renter_share[i]) * 100, 1),
            "area_sq_km": round(float(areas[i]), 1),
        }
        if "split_from" in props:
            attributes["split_from"] = props["split_from"]
        specs.append(
            GeographySpec(
                id=features[i]["id"],
                name=props["name"],
                kind="neighborhood",
                population=int(population[i]),
                equity_priority=bool(equity[i]),
                attributes=attributes,
                geometry=features[i]["geometry"],
                display_order=position,
            )
        )
    hoods = _Neighborhoods(
        ids=[features[i]["id"] for i in order],
        population=population[order].astype(float),
        growth=growth[order],
        equity=equity[order],
        deprivation=deprivation[order],
        renter_share=renter_share[order],
        child_share=child_share[order],
    )
    return specs, hoods


def _split_largest(features: list[dict], count: int) -> list[dict]:
    """Cut the ``count`` largest districts in two along the meridian through their middle."""
    areas = [_area_sq_km(f["geometry"]) for f in features]
    largest = set(sorted(range(len(features)), key=lambda i: -areas[i])[:count])
    out = []
    for i, feature in enumerate(features):
        if i not in largest:
            out.append(feature)
            continue
        xs = [p[0] for poly in _polygons(feature["geometry"]) for ring in poly for p in ring]
        meridian = round((min(xs) + max(xs)) / 2, 5)
        for west, side in ((True, "west"), (False, "east")):
            geometry = _split_geometry(feature["geometry"], meridian, west)
            props = feature["properties"]
            out.append(
                {
                    "id": f"{feature['id']}-{side}",
                    "properties": {
                        **props,
                        "name": f"{props['name']} ({side} half)",
                        "split_from": feature["id"],
                        "share_of_parent": _area_sq_km(geometry) / areas[i],
                    },
                    "geometry": geometry,
                }
            )
    return out


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


# -- time axes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Axis:
    """The periods of one frequency: first days, last days and covariates."""

    starts: np.ndarray  # datetime64[D]
    ends: np.ndarray  # datetime64[D]
    years: np.ndarray  # years since the start of the history
    total_years: float
    month_position: np.ndarray  # 0-12: where the period's middle falls in its year
    days: np.ndarray  # days in the period
    year_offset: np.ndarray  # calendar year minus the newest year (<= 0)

    def __len__(self) -> int:
        return len(self.starts)


def _month(d: date) -> np.datetime64:
    return np.datetime64(d, "M")


def _axis(frequency: str, start: date, as_of: date) -> _Axis:
    end_limit = np.datetime64(as_of, "D")
    if frequency == "week":
        first = np.datetime64(start, "D")
        first -= first.astype(object).weekday()  # the Monday of the week history starts in
        starts = np.arange(first, end_limit, np.timedelta64(7, "D"))
        ends = starts + np.timedelta64(6, "D")
    else:
        step = {"month": 1, "quarter": 3}[frequency]
        first_month = _month(start)
        first_month -= first_month.astype(int) % step  # the quarter history starts in
        months = np.arange(first_month, _month(as_of) + 1, step)
        starts = months.astype("datetime64[D]")
        ends = (months + step).astype("datetime64[D]") - np.timedelta64(1, "D")
    keep = ends < end_limit
    starts, ends = starts[keep], ends[keep]
    origin = np.datetime64(start, "D")
    years = (starts - origin).astype(float) / 365.25
    middle = starts + (ends - starts) // 2
    year_start = middle.astype("datetime64[Y]").astype("datetime64[D]")
    month_position = (middle - year_start).astype(float) / 365.25 * 12
    calendar_year = starts.astype("datetime64[Y]").astype(int) + 1970
    return _Axis(
        starts=starts,
        ends=ends,
        years=years,
        total_years=float((end_limit - origin).astype(float) / 365.25),
        month_position=month_position,
        days=(ends - starts).astype(int) + 1,
        year_offset=calendar_year - (as_of - timedelta(days=1)).year,
    )


def _months_before(as_of: date, months: int) -> date:
    month = _month(as_of) - months
    return month.astype("datetime64[D]").astype(object)


def _fiscal_year(d: date) -> int:
    """Fiscal years are named by the calendar year they end in (FY2026: July 2025-June 2026)."""
    return d.year + 1 if d.month >= FISCAL_YEAR_START_MONTH else d.year


# -- series -----------------------------------------------------------------------------------


@dataclass
class _Series:
    """One measure's neighborhood (or city-only) arrays, shape (G, T); NaN where absent."""

    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    raw: np.ndarray  # counts before masking, for measures that others build on


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _predictor(
    model: _Model, axis: _Axis, hoods: _Neighborhoods, rng: np.random.Generator, as_of: date
) -> np.ndarray:
    amplitude, peak = model.season
    season = amplitude * np.cos(
        2 * np.pi * model.harmonic * (axis.month_position - (peak - 0.5)) / 12
    )
    eta = season + model.trend * axis.years
    if model.shift is not None:
        shift_start = np.datetime64(_months_before(as_of, model.shift.months_ago), "D")
        eta = eta + model.shift.size * (axis.starts >= shift_start)
    z = rng.standard_normal(len(hoods))
    local = model.spread * z + 0.25 * model.disparity * hoods.deprivation
    # Centre the neighborhood effects so that ``level`` is the citywide level at the start.
    start = local + model.disparity * hoods.equity
    weights = hoods.population / hoods.population.sum()
    if model.kind in ("share", "diversion"):
        local = local - weights @ start
    else:
        local = local - math.log(weights @ np.exp(start))
    gap = 1 + model.gap_change * axis.years / axis.total_years
    return eta[None, :] + local[:, None] + model.disparity * hoods.equity[:, None] * gap[None, :]


def _draw_counts(rng: np.random.Generator, mean: np.ndarray, size: float) -> np.ndarray:
    if size:
        return rng.negative_binomial(size, size / (size + mean)).astype(float)
    return rng.poisson(mean).astype(float)


def _series(
    spec: MeasureSpec,
    model: _Model,
    axis: _Axis,
    hoods: _Neighborhoods,
    rng: np.random.Generator,
    as_of: date,
    made: dict[str, np.ndarray],
) -> _Series:
    eta = _predictor(model, axis, hoods, rng, as_of)
    people = hoods.base("population", axis.year_offset)
    weight = people / hoods.population.sum()
    scale = measure_scale(spec.unit, spec.rate_per)
    nan = np.full(eta.shape, np.nan)
    if model.kind == "count":
        counts = _draw_counts(rng, model.level * weight * np.exp(eta), model.shape)
        return _Series(counts, nan, nan, counts.copy())
    if model.kind == "continuous":
        mean = model.level * weight * np.exp(eta)
        k = 1 / model.shape**2
        amount = np.round(rng.gamma(k, mean / k), spec.decimals)
        return _Series(amount, nan, nan, amount.copy())
    if model.kind == "per_capita":
        den = hoods.base(model.per, axis.year_offset)
        num = _draw_counts(rng, model.level / scale * den * np.exp(eta), model.shape)
        return _Series(num / den * scale, num, den, num.copy())
    if model.kind in ("share", "duration"):
        if model.volume == "days":
            cases = np.broadcast_to(axis.days.astype(float), eta.shape).copy()
        elif model.volume == "births":
            births = (
                people * 0.0125 * axis.days / 365.25 * np.exp(0.15 * hoods.deprivation)[:, None]
            )
            cases = rng.poisson(births).astype(float)
        elif isinstance(model.volume, str):
            cases = made[model.volume]
        else:
            cases = rng.poisson(model.volume * weight).astype(float)
        cases = np.where(cases > 0, cases, np.nan)
        filled = np.nan_to_num(cases)
        if model.kind == "share":
            p = _expit(_logit(model.level) + eta)
            num = rng.binomial(filled.astype(np.int64), p).astype(float)
        else:
            mean = model.level * np.exp(eta)
            total = rng.gamma(model.shape * np.maximum(filled, 1), mean / model.shape)
            num = np.round(total, 1)
        num = np.where(np.isnan(cases), np.nan, num)
        return _Series(num / cases * scale, num, cases, num)
    if model.kind == "diversion":
        recycled = made[model.volume]
        p = _expit(_logit(model.level) + eta + rng.normal(0, 0.03, eta.shape))
        collected = np.round(recycled / p, 1)
        ok = collected > 0
        num = np.where(ok, recycled, np.nan)
        den = np.where(ok, collected, np.nan)
        return _Series(num / den * scale, num, den, num)
    raise ValueError(f"unknown kind {model.kind!r}")


def _period_mask(model: _Model, axis: _Axis, rng: np.random.Generator, as_of: date) -> np.ndarray:
    """Periods with data: drops the outage, late starts, stale tails and random gaps."""
    keep = np.ones(len(axis), dtype=bool)
    if model.crm:
        outage_start, outage_end = _outage(as_of)
        keep &= ~(
            (axis.ends >= np.datetime64(outage_start, "D"))
            & (axis.starts <= np.datetime64(outage_end, "D"))
        )
    if model.since_years:
        since = np.datetime64(_months_before(as_of, 12 * model.since_years), "D")
        keep &= axis.starts >= since
    if model.stale_periods:
        keep[-model.stale_periods :] = False
    if model.missing:
        candidates = np.flatnonzero(keep[6:-6]) + 6
        keep[rng.choice(candidates, model.missing, replace=False)] = False
    return keep


def _outage(as_of: date) -> tuple[date, date]:
    start = _months_before(as_of, OUTAGE_MONTHS_AGO)
    end = _months_before(as_of, OUTAGE_MONTHS_AGO - OUTAGE_LENGTH_MONTHS) - timedelta(days=1)
    return start, end


def _citywide(spec: MeasureSpec, series: _Series) -> _Series:
    """Citywide arrays (1, T) from neighborhood arrays (G, T); NaN where no neighborhood reports."""
    present = ~np.isnan(series.value)
    any_present = present.any(axis=0)
    if spec.aggregation == "sum":
        value = np.where(any_present, np.nansum(series.value, axis=0), np.nan)[None, :]
        nan = np.full_like(value, np.nan)
        return _Series(value, nan, nan, value)
    num = np.where(any_present, np.nansum(series.numerator, axis=0), np.nan)
    den = np.where(any_present, np.nansum(series.denominator, axis=0), np.nan)
    scale = measure_scale(spec.unit, spec.rate_per)
    return _Series((num / den * scale)[None, :], num[None, :], den[None, :], num[None, :])


# -- targets ----------------------------------------------------------------------------------


def _targets(
    spec: MeasureSpec, model: _Model, periods: np.ndarray, values: np.ndarray, as_of: date
) -> list[TargetSpec]:
    """Fiscal-year targets, tightening each year, placed so the newest value is met/near/missed.

    With L the newest citywide value and tol = max(3% of |L|, two display units), the
    newest period's target is L -/+ tol/2 (met), L +/- tol/2 (near) or L +/- 2.5 tol
    (missed), signs following the direction. Earlier years are 3% easier per year.
    """
    if model.target is None or spec.direction == "neutral" or not len(values):
        return []
    unit = 10.0**-spec.decimals
    latest = float(values[-1])
    better = 1.0 if spec.direction == "higher_is_better" else -1.0
    tolerance = max(round(abs(latest) * 0.03, spec.decimals), 2 * unit)
    offset = {"met": -0.5, "near": 0.5, "missed": 2.5}[model.target] * tolerance
    anchor = latest + better * offset
    step = max(round(abs(anchor) * 0.03, spec.decimals), unit)
    latest_fy = _fiscal_year(periods[-1].astype(object))
    targets = []
    for fy in range(_fiscal_year(as_of) - 4, _fiscal_year(as_of) + 1):
        value = anchor + better * step * (fy - latest_fy)
        value = max(value, 0.0)
        if spec.unit == "percent":
            value = min(value, 100.0)
        targets.append(
            TargetSpec(
                measure_id=spec.id,
                period_start=date(fy - 1, FISCAL_YEAR_START_MONTH, 1),
                period_end=date(fy, FISCAL_YEAR_START_MONTH, 1) - timedelta(days=1),
                value=round(value, spec.decimals),
                tolerance=tolerance,
                label=f"FY{fy} target",
            )
        )
    return targets


# -- the large city ---------------------------------------------------------------------------


def _large_recipes(rng: np.random.Generator) -> list[tuple[MeasureSpec, _Model]]:
    """The demo recipes plus LARGE_COPIES perturbed copies of each, for benchmarks."""
    recipes = list(RECIPES)
    stances = ("met", "near", "missed", None)
    for copy in range(1, LARGE_COPIES + 1):
        for spec, model in RECIPES:
            suffix = f"{copy:02d}"
            jitter = float(rng.normal(0, 0.2))
            level = (
                float(_expit(np.array(_logit(model.level) + jitter)))
                if model.kind in ("share", "diversion")
                else model.level * math.exp(jitter)
            )
            volume = model.volume
            if isinstance(volume, str) and volume not in ("days", "births"):
                volume = f"{volume}-{suffix}"
            target = None if spec.direction == "neutral" else stances[copy % len(stances)]
            recipes.append(
                (
                    replace(
                        spec,
                        id=f"{spec.id}-{suffix}",
                        name=f"{spec.name} (benchmark copy {suffix})",
                        short_name=f"{spec.short_name} {suffix}",
                    ),
                    replace(
                        model,
                        level=level,
                        volume=volume,
                        trend=model.trend + float(rng.normal(0, 0.02)),
                        shift=None,
                        stale_periods=0,
                        missing=0,
                        target=target,
                    ),
                )
            )
    return recipes


# -- meetings ---------------------------------------------------------------------------------


def _thursday_on_or_before(d: date) -> date:
    return d - timedelta(days=(d.weekday() - 3) % 7)


def _at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute))


def _meetings(as_of: date) -> tuple[list[DemoMeeting], list[DemoAction]]:
    """Three CitiStat meetings (two held, one scheduled) and their action items."""
    infra_day = _thursday_on_or_before(as_of - timedelta(days=56))
    safety_day = _thursday_on_or_before(as_of - timedelta(days=21))
    housing_day = _thursday_on_or_before(as_of + timedelta(days=41))
    analyst = "CitiStat analyst"
    cpo = "Chief Performance Officer"

    def history(*steps: tuple[datetime, str | None, str, str, str]) -> tuple:
        return tuple(DemoStatusChange(*step) for step in steps)

    infra_end = _at(infra_day, 11)
    safety_end = _at(safety_day, 11)
    actions = [
        DemoAction(
            "sidewalk-plan",
            "infra",
            "Present a plan to bring the sidewalk repair backlog back under 4,000 locations.",
            "Sidewalk Program Manager",
            _DPW,
            infra_day + timedelta(days=28),
            "done",
            "sidewalk-repair-backlog",
            infra_end,
            infra_day + timedelta(days=25),
            history(
                (infra_end, None, "open", analyst, "Assigned at InfraStat."),
                (
                    _at(infra_day + timedelta(days=6), 9),
                    "open",
                    "in_progress",
                    "dpw.sidewalks",
                    "Contractor quotes requested.",
                ),
                (
                    _at(infra_day + timedelta(days=25), 16),
                    "in_progress",
                    "done",
                    "dpw.sidewalks",
                    "Plan presented to the CPO; two contract crews added.",
                ),
            ),
        ),
        DemoAction(
            "streetlight-map",
            "infra",
            "Map streetlight outages open longer than 10 days by neighborhood and share it "
            "with council offices.",
            "Street Lighting Division Manager",
            _DOT,
            infra_day + timedelta(days=14),
            "done",
            "streetlight-repair-days",
            infra_end,
            infra_day + timedelta(days=30),
            history(
                (infra_end, None, "open", analyst, "Assigned at InfraStat."),
                (
                    _at(infra_day + timedelta(days=12), 10),
                    "open",
                    "in_progress",
                    "dot.lighting",
                    "Waiting for a data extract from the utility.",
                ),
                (
                    _at(infra_day + timedelta(days=30), 15),
                    "in_progress",
                    "done",
                    "dot.lighting",
                    "Map sent to all council offices, two weeks late.",
                ),
            ),
        ),
        DemoAction(
            "night-pothole-pilot",
            "infra",
            "Pilot a night-shift pothole crew in the three neighborhoods with the slowest repairs.",
            "Deputy Director, Street Maintenance",
            _DPW,
            infra_day + timedelta(days=42),
            "in_progress",
            "potholes-repaired-3-days",
            infra_end,
            None,
            history(
                (infra_end, None, "open", analyst, "Assigned at InfraStat."),
                (
                    _at(infra_day + timedelta(days=20), 8),
                    "open",
                    "in_progress",
                    "dpw.streets",
                    "Union agreement on night differential pending.",
                ),
            ),
        ),
        DemoAction(
            "vision-zero-report",
            "infra",
            "Report which Vision Zero corridor fixes are finished this fiscal year and "
            "which slipped.",
            "Vision Zero Program Manager",
            _DOT,
            as_of + timedelta(days=20),
            "open",
            "traffic-deaths-serious-injuries",
            infra_end,
            None,
            history((infra_end, None, "open", analyst, "Assigned at InfraStat.")),
        ),
        DemoAction(
            "ems-long-responses",
            "safety",
            "Break down EMS responses over 10 minutes by neighborhood and hour of day.",
            "Deputy Fire Chief, EMS",
            _FIRE,
            safety_day + timedelta(days=14),
            "done",
            "ems-response-time",
            safety_end,
            safety_day + timedelta(days=12),
            history(
                (safety_end, None, "open", analyst, "Assigned at PublicSafetyStat."),
                (
                    _at(safety_day + timedelta(days=12), 14),
                    "open",
                    "done",
                    "fire.ems",
                    "Analysis attached; long responses cluster in the outer districts at "
                    "shift change.",
                ),
            ),
        ),
        DemoAction(
            "overtime-plan",
            "safety",
            "Propose an overtime reduction plan tied to the next academy graduation.",
            "Deputy Police Commissioner, Administration",
            _POLICE,
            safety_day + timedelta(days=10),
            "open",
            "police-overtime",
            safety_end,
            None,
            history((safety_end, None, "open", analyst, "Assigned at PublicSafetyStat.")),
        ),
        DemoAction(
            "fill-911-positions",
            "safety",
            "Fill the six vacant 911 call-taker positions.",
            "911 Communications Manager",
            "Office of Emergency Communications",
            as_of + timedelta(days=45),
            "in_progress",
            "calls-911-answered-15s",
            safety_end,
            None,
            history(
                (safety_end, None, "open", analyst, "Assigned at PublicSafetyStat."),
                (
                    _at(safety_day + timedelta(days=5), 11),
                    "open",
                    "in_progress",
                    "oec.manager",
                    "Four offers made; two candidates in background checks.",
                ),
            ),
        ),
        DemoAction(
            "drone-pilot",
            "safety",
            "Evaluate a drone-as-first-responder pilot for shots-fired calls.",
            "Commander, Violence Reduction Unit",
            _POLICE,
            safety_day + timedelta(days=30),
            "dropped",
            "shooting-incidents",
            safety_end,
            None,
            history(
                (safety_end, None, "open", analyst, "Assigned at PublicSafetyStat."),
                (
                    _at(safety_day + timedelta(days=9), 15),
                    "open",
                    "dropped",
                    cpo,
                    "Dropped: the council did not fund a pilot this fiscal year.",
                ),
            ),
        ),
    ]

    infra = DemoMeeting(
        key="infra",
        title="InfraStat: Infrastructure and Transportation",
        scheduled_for=_at(infra_day, 9, 30),
        status="held",
        scope={"areas": [_INFRA], "departments": [_DPW, _DOT]},
        attendees=[
            cpo,
            "Director of Public Works",
            "Deputy Director, Street Maintenance",
            "Street Lighting Division Manager",
            "Vision Zero Program Manager",
            "Budget Analyst, Office of Management and Budget",
        ],
        created_at=_at(infra_day - timedelta(days=14), 10),
        memo_text="Pothole repair times have improved since the crew expansion, but three "
        "neighborhoods still lag. The sidewalk backlog keeps growing, streetlight repairs are "
        "slower than a year ago and traffic deaths and serious injuries are above target.",
        memo_sent_at=_at(infra_day - timedelta(days=3), 16),  # 66 h ahead: on time
        followup_text="Four actions agreed: a sidewalk backlog plan, a map of long streetlight "
        "outages for council offices, a night-shift pothole pilot and a Vision Zero corridor "
        "report.",
        followup_sent_at=_at(infra_day + timedelta(days=1), 15),
        agenda=(
            DemoAgendaItem(
                "standing",
                "Potholes repaired within 3 days",
                "potholes-repaired-3-days",
                minutes=15,
                reason="Improved since the crew expansion; gaps remain.",
            ),
            DemoAgendaItem(
                "standing",
                "Streetlight repair times",
                "streetlight-repair-days",
                minutes=10,
                reason="Missed target for two quarters.",
            ),
            DemoAgendaItem(
                "new",
                "Sidewalk repair backlog is growing",
                "sidewalk-repair-backlog",
                minutes=15,
                reason="Backlog up sharply over the past year.",
            ),
            DemoAgendaItem(
                "standing",
                "Traffic deaths and serious injuries",
                "traffic-deaths-serious-injuries",
                minutes=10,
                reason="Vision Zero target missed.",
            ),
        ),
        notes=(
            DemoNote(
                "Street Maintenance credits the two added crews for the improvement; the "
                "slowest neighborhoods are far from the yards.",
                analyst,
                _at(infra_day, 9, 50),
                0,
            ),
            DemoNote(
                "Lighting says outages wait on the utility for pole work; CPO asked for "
                "a map of the long ones.",
                analyst,
                _at(infra_day, 10, 5),
                1,
            ),
            DemoNote(
                "Backlog growth is mostly new inspections after the ADA settlement; "
                "repair capacity has not changed.",
                analyst,
                _at(infra_day, 10, 20),
                2,
            ),
        ),
        annotations=(
            AnnotationSpec(
                label="InfraStat: night-shift pothole pilot agreed",
                start_date=infra_day,
                measure_id="potholes-repaired-3-days",
                description="A night-shift crew will be piloted in the three slowest "
                "neighborhoods.",
            ),
        ),
    )
    safety = DemoMeeting(
        key="safety",
        title="PublicSafetyStat: Public Safety",
        scheduled_for=_at(safety_day, 9, 30),
        status="held",
        scope={"areas": [_PS], "departments": [_POLICE, _FIRE]},
        attendees=[
            cpo,
            "Deputy Police Commissioner, Operations",
            "Deputy Police Commissioner, Administration",
            "Deputy Fire Chief, EMS",
            "911 Communications Manager",
            "Commander, Violence Reduction Unit",
        ],
        created_at=_at(safety_day - timedelta(days=14), 10),
        memo_text="Violent crime is down but still just above target; EMS response times are "
        "near target after the triage protocol. 911 answer times and police overtime are "
        "both off track.",
        memo_sent_at=_at(safety_day - timedelta(days=2), 17),
        followup_text="Four actions agreed: an EMS long-response analysis, an overtime "
        "reduction plan, filling 911 vacancies and a drone pilot evaluation. (This follow-up "
        "went out a week after the meeting; the program standard is two business days.)",
        followup_sent_at=_at(safety_day + timedelta(days=8), 12),
        agenda=(
            DemoAgendaItem(
                "standing",
                "Violent crime",
                "violent-crime-rate",
                minutes=15,
                reason="Summer peak approaching.",
            ),
            DemoAgendaItem(
                "standing",
                "EMS response times",
                "ems-response-time",
                minutes=10,
                reason="Near target; long waits in outer districts.",
            ),
            DemoAgendaItem(
                "standing",
                "911 answer times",
                "calls-911-answered-15s",
                minutes=10,
                reason="Missed target; six vacancies.",
            ),
            DemoAgendaItem(
                "new",
                "Police overtime over budget",
                "police-overtime",
                minutes=15,
                reason="Up since the academy class was postponed.",
            ),
        ),
        notes=(
            DemoNote(
                "Operations attributes the decline to focused deterrence in the two "
                "highest-violence neighborhoods.",
                analyst,
                _at(safety_day, 9, 45),
                0,
            ),
            DemoNote(
                "EMS will look at shift-change timing in the outer districts.",
                analyst,
                _at(safety_day, 10),
                1,
            ),
            DemoNote(
                "Overtime is covering patrol vacancies; Administration to tie a "
                "reduction plan to the next academy class.",
                analyst,
                _at(safety_day, 10, 35),
                3,
            ),
        ),
    )
    housing = DemoMeeting(
        key="housing",
        title="HousingStat: Housing and Customer Service",
        scheduled_for=_at(housing_day, 9, 30),
        status="scheduled",
        scope={"areas": [_HOUSING, _CS], "departments": [_LI, _DHCD, _311]},
        attendees=[
            cpo,
            "Deputy Commissioner, Code Enforcement",
            "Director, Office of Tenant Protection",
            "Director, Housing Development",
            "311 Contact Center Director",
        ],
        created_at=_at(as_of - timedelta(days=3), 10),
        agenda=(
            DemoAgendaItem(
                "follow_up",
                "Night-shift pothole pilot is overdue",
                action_key="night-pothole-pilot",
                minutes=5,
                reason="Due date passed; still in progress.",
            ),
            DemoAgendaItem(
                "follow_up",
                "Overtime reduction plan is overdue",
                action_key="overtime-plan",
                minutes=5,
                reason="Due date passed; not started.",
            ),
            DemoAgendaItem(
                "standing",
                "Eviction filings",
                "eviction-filing-rate",
                minutes=15,
                reason="Down since right to counsel; still near target.",
            ),
            DemoAgendaItem(
                "standing",
                "Code complaint closure times",
                "code-complaint-days",
                minutes=15,
                reason="Missed target; gap between neighborhoods widening.",
            ),
            DemoAgendaItem(
                "standing",
                "311 answer times",
                "calls-311-answered-60s",
                minutes=10,
                reason="Better since callback; near target.",
            ),
            DemoAgendaItem(
                "new",
                "Affordable housing pipeline for next fiscal year",
                "affordable-units-completed",
                minutes=15,
            ),
        ),
    )
    return [infra, safety, housing], actions


# -- building ---------------------------------------------------------------------------------


def build_demo_city(
    size: str = "demo", seed: int = DEFAULT_SEED, as_of: date | None = None
) -> DemoCity:
    """Build the demo city in memory; same ``size``, ``seed`` and ``as_of``, same city.

    Parameters
    ----------
    size : {"demo", "large"}
        "demo": 58 neighborhoods, 40 measures, 8 years (about 200,000 observations).
        "large": 64 geographies, 840 measures, 10 years (over 5 million observations).
    seed : int
        Seed of the single random generator.
    as_of : date, optional
        The data runs to the last period that ends before this date. Defaults to the
        first day of the current month.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    as_of = as_of or default_as_of()
    rng = np.random.default_rng(seed)
    history_start = _months_before(as_of, 12 * HISTORY_YEARS[size])
    geographies, hoods = _geographies(rng, size)
    city_hood = _Neighborhoods.whole_city(hoods)
    recipes = _large_recipes(rng) if size == "large" else RECIPES
    axes = {f: _axis(f, history_start, as_of) for f in ("week", "month", "quarter")}

    geo_ids = [CITYWIDE, *hoods.ids]
    measures, targets, annotations, blocks = [], [], [], []
    made: dict[str, np.ndarray] = {}
    for position, (spec, model) in enumerate(recipes):
        spec = replace(spec, display_order=position)
        measures.append(spec)
        axis = axes[spec.frequency]
        units = city_hood if model.city_only else hoods
        series = _series(spec, model, axis, units, rng, as_of, made)
        made[spec.id] = series.raw
        keep = _period_mask(model, axis, rng, as_of)
        for array in (series.value, series.numerator, series.denominator):
            array[:, ~keep] = np.nan
        city = series if model.city_only else _citywide(spec, series)
        present = ~np.isnan(city.value[0])
        targets += _targets(spec, model, axis.starts[present], city.value[0][present], as_of)
        if model.shift is not None:
            annotations.append(
                AnnotationSpec(
                    label=model.shift.label,
                    start_date=_months_before(as_of, model.shift.months_ago),
                    measure_id=spec.id,
                    description=model.shift.description,
                    is_public=spec.is_public,
                )
            )
        blocks.append((position, np.array([0]), axis.starts, city))
        if not model.city_only:
            blocks.append((position, np.arange(1, len(units) + 1), axis.starts, series))

    outage_start, outage_end = _outage(as_of)
    annotations.append(
        AnnotationSpec(
            label="Data outage: 311 work-order system",
            start_date=outage_start,
            end_date=outage_end,
            description="A ransomware attack took the 311 CRM offline. Measures fed by it "
            "(311 requests, potholes, streetlights, rodents, code complaints, graffiti) have "
            "no data for these months.",
        )
    )
    catalog = Catalog(
        city_name=CITY_NAME,
        fiscal_year_start_month=FISCAL_YEAR_START_MONTH,
        geographies=geographies,
        areas=list(AREAS),
        measures=measures,
        targets=targets,
        annotations=annotations,
        boundaries_note=BOUNDARIES_NOTE,
    )
    observations = _frame(blocks, [m.id for m in measures], geo_ids)
    meetings, actions = _meetings(as_of)
    return DemoCity(size, seed, as_of, catalog, observations, meetings, actions)


def _frame(blocks: list, measure_ids: list[str], geo_ids: list[str]) -> pd.DataFrame:
    """Stack (measure, geographies, periods, series) blocks into one tidy frame."""
    parts = {k: [] for k in ("measure", "geo", "period", "value", "numerator", "denominator")}
    for position, geo_index, starts, series in blocks:
        present = ~np.isnan(series.value)
        g, t = np.nonzero(present)
        parts["measure"].append(np.full(len(g), position, dtype=np.int32))
        parts["geo"].append(geo_index[g].astype(np.int32))
        parts["period"].append(starts[t])
        parts["value"].append(series.value[present])
        parts["numerator"].append(series.numerator[present])
        parts["denominator"].append(series.denominator[present])
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    return pd.DataFrame(
        {
            "measure_id": pd.Categorical.from_codes(cat["measure"], categories=measure_ids),
            "geography_id": pd.Categorical.from_codes(cat["geo"], categories=geo_ids),
            "period": cat["period"].astype("datetime64[s]"),
            "value": cat["value"],
            "numerator": cat["numerator"],
            "denominator": cat["denominator"],
        },
        columns=OBSERVATION_COLUMNS,
    )


# -- writing ----------------------------------------------------------------------------------


def load_demo(
    engine: Engine,
    size: str = "demo",
    progress: bool | Callable[[int], None] = True,
    *,
    seed: int = DEFAULT_SEED,
    as_of: date | None = None,
) -> int:
    """Build the demo city and write it in one transaction; returns the observations written."""
    return write_demo_city(engine, build_demo_city(size, seed=seed, as_of=as_of), progress)


def write_demo_city(
    engine: Engine, city: DemoCity, progress: bool | Callable[[int], None] = False
) -> int:
    """Write a built :class:`DemoCity` in one transaction: all of it or, on error, nothing.

    The catalog goes through :func:`~data.writer.write_catalog`, the observations
    through :func:`~data.writer.upsert_observations`; meetings, agenda items,
    notes, action items and their status history are added as new rows, and an
    import-log row records the load. ``progress`` is True for a progress bar on
    stderr, or a callable taking the number of rows just written.
    """
    started = utcnow()
    frame = city.observations
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(total=len(frame), unit="rows", desc=f"Writing the {city.size} city")
        progress = bar.update
    try:
        with engine.begin() as conn:
            write_catalog(conn, city.catalog)
            written = 0
            for start in range(0, len(frame), WRITE_CHUNK_ROWS):
                chunk = frame.iloc[start : start + WRITE_CHUNK_ROWS]
                written += upsert_observations(conn, chunk, progress=progress or None)
            _write_meetings(conn, city)
            bump_data_version(conn)  # app processes drop their cached reads
            conn.execute(
                insert(ImportLog),
                {
                    "started_at": started,
                    "finished_at": utcnow(),
                    "user": IMPORT_USER,
                    "source": IMPORT_SOURCE,
                    "rows_read": len(frame),
                    "rows_written": written,
                    "outcome": "success",
                    "message": f"{city.size} city, seed {city.seed}, as of {city.as_of}",
                },
            )
    finally:
        if bar is not None:
            bar.close()
    update_planner_statistics(engine)
    return written


def _write_meetings(conn, city: DemoCity) -> None:
    with Session(bind=conn) as session:
        meetings = {}
        for m in city.meetings:
            meetings[m.key] = Meeting(
                title=m.title,
                scheduled_for=m.scheduled_for,
                status=m.status,
                scope=m.scope,
                attendees=m.attendees,
                memo_text=m.memo_text,
                memo_sent_at=m.memo_sent_at,
                followup_text=m.followup_text,
                followup_sent_at=m.followup_sent_at,
                created_at=m.created_at,
            )
        session.add_all(meetings.values())
        session.flush()
        actions = {}
        for a in city.actions:
            actions[a.key] = ActionItem(
                description=a.description,
                owner=a.owner,
                department=a.department,
                due_date=a.due_date,
                status=a.status,
                measure_id=a.measure_id,
                meeting_id=meetings[a.meeting_key].id,
                created_at=a.created_at,
                completed_at=a.completed_at,
                history=[
                    ActionStatusChange(
                        old_status=h.old_status,
                        new_status=h.new_status,
                        changed_by=h.changed_by,
                        changed_at=h.changed_at,
                        comment=h.comment,
                    )
                    for h in a.history
                ],
            )
        session.add_all(actions.values())
        session.flush()
        for m in city.meetings:
            meeting = meetings[m.key]
            items = [
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    section=item.section,
                    title=item.title,
                    measure_id=item.measure_id,
                    action_item_id=actions[item.action_key].id if item.action_key else None,
                    minutes=item.minutes,
                    reason=item.reason,
                )
                for position, item in enumerate(m.agenda)
            ]
            session.add_all(items)
            session.flush()
            session.add_all(
                MeetingNote(
                    meeting_id=meeting.id,
                    agenda_item_id=items[n.agenda_index].id if n.agenda_index is not None else None,
                    body=n.body,
                    author=n.author,
                    created_at=n.created_at,
                )
                for n in m.notes
            )
            session.add_all(
                Annotation(
                    measure_id=a.measure_id,
                    start_date=a.start_date,
                    end_date=a.end_date,
                    label=a.label,
                    description=a.description,
                    is_public=a.is_public,
                    source="meeting",
                    meeting_id=meeting.id,
                    created_by=IMPORT_USER,
                    created_at=m.scheduled_for,
                )
                for a in m.annotations
            )
        session.flush()
