"""The catalog: what a city measures, as plain dataclasses.

A :class:`Catalog` is what a catalog YAML file parses into (see
``data.catalog_file``) and what the demo-city generator builds; both are then
written with :func:`data.writer.write_catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class GeographySpec:
    id: str
    name: str
    kind: str = "neighborhood"
    population: int | None = None
    equity_priority: bool = False
    attributes: dict = field(default_factory=dict)
    geometry: dict | None = None
    display_order: int = 0


@dataclass(frozen=True)
class AreaSpec:
    id: str
    name: str
    description: str = ""
    display_order: int = 0


@dataclass(frozen=True)
class MeasureSpec:
    id: str
    area_id: str
    name: str
    short_name: str
    unit: str
    direction: str
    frequency: str
    aggregation: str
    description: str = ""
    methodology: str = ""
    department: str = ""
    owner: str = ""
    unit_label: str = ""
    decimals: int = 0
    rate_per: int | None = None
    update_lag_days: int = 30
    is_public: bool = False
    data_source: str = ""
    display_order: int = 0


@dataclass(frozen=True)
class TargetSpec:
    measure_id: str
    period_start: date
    period_end: date
    value: float
    tolerance: float = 0.0
    label: str = ""


@dataclass(frozen=True)
class AnnotationSpec:
    label: str
    start_date: date
    measure_id: str | None = None
    end_date: date | None = None
    description: str = ""
    is_public: bool = True


@dataclass(frozen=True)
class Catalog:
    city_name: str
    fiscal_year_start_month: int
    geographies: list[GeographySpec]
    areas: list[AreaSpec]
    measures: list[MeasureSpec]
    targets: list[TargetSpec] = field(default_factory=list)
    annotations: list[AnnotationSpec] = field(default_factory=list)
    boundaries_note: str = ""

    def measure_ids(self) -> set[str]:
        return {m.id for m in self.measures}

    def geography_ids(self) -> set[str]:
        return {g.id for g in self.geographies}
