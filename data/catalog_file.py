"""Read a catalog YAML file, and the GeoJSON it points to, into a :class:`data.catalog.Catalog`.

Every problem is collected (not just the first) as a :class:`Problem` naming the
file, the line and the field, so a city can fix its catalog in one pass. The
format is documented in ``docs/data-format.md``; keep the two in step.

:class:`Problem` lives here because the catalog is the lowest layer that reports
problems; ``data.validation`` re-exports it and is where callers should take it from.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import yaml

from data.catalog import (
    AnnotationSpec,
    AreaSpec,
    Catalog,
    GeographySpec,
    MeasureSpec,
    TargetSpec,
)
from data.models import (
    AGGREGATIONS,
    CITYWIDE,
    DIRECTIONS,
    FREQUENCIES,
    UNITS,
    Annotation,
    City,
    Geography,
    Measure,
    PriorityArea,
    Target,
)

#: Measure and priority-area ids: lower-case letters, digits, "-" and "_".
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Geography kinds a GeoJSON layer may have ("city" is the built-in citywide row).
LAYER_KINDS = ("district", "neighborhood")
#: Feature properties with a meaning of their own; every other property is kept as an attribute.
FEATURE_PROPERTIES = ("id", "name", "population", "equity_priority")
MAX_DECIMALS = 6

TOP_LEVEL_KEYS = {
    "city": True,
    "fiscal_year_start_month": True,
    "boundaries_note": False,
    "geographies": False,
    "priority_areas": True,
    "measures": True,
    "targets": False,
    "annotations": False,
}
LAYER_KEYS = {"file": True, "kind": False}
AREA_KEYS = {"id": True, "name": True, "description": False}
MEASURE_KEYS = {
    "id": True,
    "area": True,
    "name": True,
    "short_name": False,
    "description": False,
    "methodology": False,
    "department": False,
    "owner": False,
    "unit": True,
    "unit_label": False,
    "decimals": False,
    "rate_per": False,
    "direction": True,
    "frequency": True,
    "update_lag_days": False,
    "aggregation": True,
    "public": False,
    "data_source": False,
}
TARGET_KEYS = {"start": True, "end": True, "value": True, "tolerance": False, "label": False}
ANNOTATION_KEYS = {
    "measure": False,
    "date": True,
    "end_date": False,
    "label": True,
    "description": False,
    "public": False,
}

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, said so that a person can fix it.

    ``row`` is the 1-based row as a spreadsheet shows it (the header is row 1) for
    CSV files, the 1-based line for YAML and JSON files, and None when the problem
    is not about one place. ``column`` is the CSV column or the catalog field.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        tabular = self.file.lower().endswith((".csv", ".txt"))
        parts = [self.file]
        if self.row is not None:
            parts.append(f"{'row' if tabular else 'line'} {self.row}")
        if self.column:
            parts.append(f'{"column " if tabular else ""}"{self.column}"')
        return f"{', '.join(parts)}: {self.message}"


def show(value: Any, limit: int = 60) -> str:
    """A value quoted for a message, shortened when long."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"'


def decode_text(name: str, data: bytes, problems: list[Problem]) -> str | None:
    """UTF-8 bytes to text (a byte-order mark is fine); None and a problem otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(
                name,
                line,
                None,
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read); "
                'save it again as UTF-8 (in a spreadsheet: "CSV UTF-8")',
            )
        )
        return None
    return text.removeprefix("\ufeff")


# -- YAML with line numbers --------------------------------------------------------------


class _Mapping(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int, first: int):
        super().__init__(f"the key {show(key)} appears twice (first on line {first})")
        self.line = line


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML that keeps line numbers and rejects duplicate keys."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise _DuplicateKey(key, line, line) from None
        if key in mapping:
            raise _DuplicateKey(key, line, mapping.key_lines[key])
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    """A date as YAML reads it; an impossible one (2024-13-01) stays text, to be reported."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _max_length(model, column: str) -> int:
    return model.__table__.c[column].type.length


# -- the catalog reader ------------------------------------------------------------------


class _Reader:
    """Reads one catalog, appending to ``problems`` instead of stopping at the first."""

    def __init__(self, name: str, read_attachment: Callable[[str], tuple[str, bytes] | None]):
        self.name = name
        self.read_attachment = read_attachment
        self.problems: list[Problem] = []

    def fail(self, line: int | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, line, field, message))

    # Typed fields. Each returns the value, or ``default`` after recording a problem.

    def keys(self, mapping: Any, allowed: dict[str, bool], path: str, line: int) -> bool:
        """Check that ``mapping`` is a mapping with the required keys and no unknown ones."""
        if not isinstance(mapping, dict):
            self.fail(
                line, path, f"should be a mapping of {', '.join(allowed)}; found {show(mapping)}"
            )
            return False
        for key in mapping:
            if key not in allowed:
                self.fail(
                    mapping.key_lines.get(key, mapping.line),
                    _join(path, key),
                    f"{show(key)} is not a field here; the fields are {', '.join(allowed)}",
                )
        for key, required in allowed.items():
            if required and mapping.get(key) is None:
                # A missing top-level key has no line of its own; an item's is the item's.
                where = mapping.key_lines.get(key, mapping.line) if path else None
                self.fail(where, _join(path, key), f"{key} is required")
        return True

    def _where(self, mapping: _Mapping, key: str, path: str) -> tuple[int, str]:
        return mapping.key_lines.get(key, mapping.line), _join(path, key)

    def text(
        self, mapping: _Mapping, key: str, path: str, max_length: int | None = None, default=""
    ) -> str:
        value = mapping.get(key)
        if value is None:
            return default
        line, field = self._where(mapping, key, path)
        if not isinstance(value, str):
            self.fail(line, field, f"should be text; put it in quotes: {show(str(value))}")
            return default
        if max_length is not None and len(value) > max_length:
            self.fail(line, field, f"is {len(value)} characters long; the most is {max_length}")
            return default
        return value

    def slug(self, mapping: _Mapping, key: str, path: str, max_length: int) -> str:
        value = self.text(mapping, key, path, max_length)
        if value and not SLUG.match(value):
            line, field = self._where(mapping, key, path)
            self.fail(
                line,
                field,
                f"{show(value)} is not a valid id; use lower-case letters, digits, - and _, "
                "starting with a letter or digit",
            )
            return ""
        return value

    def choice(self, mapping: _Mapping, key: str, path: str, allowed: tuple[str, ...]) -> str:
        value = mapping.get(key)
        if value is None:
            return ""
        if value not in allowed:
            line, field = self._where(mapping, key, path)
            self.fail(line, field, f"{show(value)} is not allowed; use one of {', '.join(allowed)}")
            return ""
        return value

    def integer(self, mapping: _Mapping, key: str, path: str, low: int, high: int | None, default):
        value = mapping.get(key)
        if value is None:
            return default
        line, field = self._where(mapping, key, path)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            limits = f"from {low} to {high}" if high is not None else f"of {low} or more"
            self.fail(line, field, f"{show(value)} should be a whole number {limits}")
            return default
        return value

    def boolean(self, mapping: _Mapping, key: str, path: str, default: bool) -> bool:
        value = mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            line, field = self._where(mapping, key, path)
            self.fail(line, field, f"{show(value)} should be true or false")
            return default
        return value

    def number(self, mapping: _Mapping, key: str, path: str) -> float | None:
        value = mapping.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            line, field = self._where(mapping, key, path)
            self.fail(line, field, f"{show(value)} should be a finite number")
            return None
        return float(value)

    def date(self, mapping: _Mapping, key: str, path: str) -> date | None:
        value = mapping.get(key)
        if value is None:
            return None
        if type(value) is date:
            return value
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        line, field = self._where(mapping, key, path)
        self.fail(
            line,
            field,
            f"{show(value if isinstance(value, str) else str(value))} "
            "is not a date; use YYYY-MM-DD",
        )
        return None

    def items(self, document: _Mapping, key: str, required: bool) -> list:
        value = document.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or (required and not value):
            self.fail(
                document.key_lines.get(key, document.line),
                key,
                f'should be a list of {key.replace("_", " ")} (each item starting with "- ")',
            )
            return []
        return value

    # The sections.

    def read(self, data: bytes) -> Catalog | None:
        text = decode_text(self.name, data, self.problems)
        if text is None:
            return None
        empty = (
            "the file is empty; a catalog needs at least city, fiscal_year_start_month, "
            "priority_areas and measures (see docs/data-format.md)"
        )
        try:
            document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except _DuplicateKey as exc:
            self.fail(exc.line, None, f"{exc}; each key may appear once")
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            detail = getattr(exc, "problem", None) or str(exc)
            self.fail(
                mark.line + 1 if mark else None,
                None,
                f"this is not valid YAML ({detail}); check the indentation and quotes here",
            )
            return None
        if document is None:
            self.fail(None, None, empty)
            return None
        if not isinstance(document, dict):
            self.fail(
                None,
                None,
                f"this is not a catalog: it should be a mapping with the keys "
                f"{', '.join(TOP_LEVEL_KEYS)}, but it is {_kind_of(document)} "
                "(see docs/data-format.md)",
            )
            return None
        self.keys(document, TOP_LEVEL_KEYS, "", document.line)

        city_name = self.text(document, "city", "", _max_length(City, "name"))
        fiscal_month = self.integer(document, "fiscal_year_start_month", "", 1, 12, None)
        note = self.text(document, "boundaries_note", "")
        geographies = self.geographies(document)
        areas = self.areas(document)
        measures = self.measures(document, {a.id for a in areas})
        targets = self.targets(document, {m.id for m in measures})
        annotations = self.annotations(document, {m.id for m in measures})
        if self.problems:
            return None
        return Catalog(
            city_name=city_name,
            fiscal_year_start_month=fiscal_month,
            geographies=geographies,
            areas=areas,
            measures=measures,
            targets=targets,
            annotations=annotations,
            boundaries_note=note,
        )

    def areas(self, document: _Mapping) -> list[AreaSpec]:
        areas: list[AreaSpec] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(self.items(document, "priority_areas", required=True), start=1):
            path = f"priority_areas[{i}]"
            line = getattr(item, "line", document.line)
            if not self.keys(item, AREA_KEYS, path, line):
                continue
            area_id = self.slug(item, "id", path, _max_length(PriorityArea, "id"))
            if area_id in seen:
                self.fail(
                    line,
                    f"{path}.id",
                    f"{show(area_id)} is used twice (first on line {seen[area_id]}); "
                    "ids must be unique",
                )
            seen.setdefault(area_id, line)
            areas.append(
                AreaSpec(
                    id=area_id,
                    name=self.text(item, "name", path, _max_length(PriorityArea, "name")),
                    description=self.text(item, "description", path),
                    display_order=i,
                )
            )
        return areas

    def measures(self, document: _Mapping, area_ids: set[str]) -> list[MeasureSpec]:
        measures: list[MeasureSpec] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(self.items(document, "measures", required=True), start=1):
            path = f"measures[{i}]"
            line = getattr(item, "line", document.line)
            if not self.keys(item, MEASURE_KEYS, path, line):
                continue
            measure_id = self.slug(item, "id", path, _max_length(Measure, "id"))
            if measure_id in seen:
                self.fail(
                    item.key_lines.get("id", line),
                    f"{path}.id",
                    f"{show(measure_id)} is used twice (first on line {seen[measure_id]}); "
                    "ids must be unique",
                )
            seen.setdefault(measure_id, line)
            area = self.text(item, "area", path)
            if area and area not in area_ids:
                self.fail(
                    item.key_lines["area"],
                    f"{path}.area",
                    f"{show(area)} is not one of the priority_areas ids "
                    f"({', '.join(sorted(area_ids)) or 'none are defined'})",
                )
            name = self.text(item, "name", path, _max_length(Measure, "name"))
            short_name = self.text(item, "short_name", path, default=None)
            if short_name is None:
                short_name = name
                where = "name"
            else:
                where = "short_name"
            if len(short_name) > _max_length(Measure, "short_name"):
                self.fail(
                    item.key_lines.get(where, line),
                    f"{path}.short_name",
                    f"is {len(short_name)} characters long; the most is "
                    f"{_max_length(Measure, 'short_name')}; give a shorter short_name",
                )
            unit = self.choice(item, "unit", path, UNITS)
            rate_per = self.integer(item, "rate_per", path, 1, None, None)
            if unit == "rate" and rate_per is None and "rate_per" not in item:
                self.fail(
                    line,
                    f"{path}.rate_per",
                    'a measure with unit "rate" needs rate_per, e.g. 1000 for '
                    '"per 1,000 residents"',
                )
            if unit and unit != "rate" and rate_per is not None:
                self.fail(
                    item.key_lines["rate_per"],
                    f"{path}.rate_per",
                    f'rate_per only applies to unit "rate"; this measure\'s unit is '
                    f'"{unit}": remove rate_per or change the unit',
                )
            measures.append(
                MeasureSpec(
                    id=measure_id,
                    area_id=area,
                    name=name,
                    short_name=short_name,
                    unit=unit,
                    direction=self.choice(item, "direction", path, DIRECTIONS),
                    frequency=self.choice(item, "frequency", path, FREQUENCIES),
                    aggregation=self.choice(item, "aggregation", path, AGGREGATIONS),
                    description=self.text(item, "description", path),
                    methodology=self.text(item, "methodology", path),
                    department=self.text(
                        item, "department", path, _max_length(Measure, "department")
                    ),
                    owner=self.text(item, "owner", path, _max_length(Measure, "owner")),
                    unit_label=self.text(
                        item, "unit_label", path, _max_length(Measure, "unit_label")
                    ),
                    decimals=self.integer(item, "decimals", path, 0, MAX_DECIMALS, 0),
                    rate_per=rate_per,
                    update_lag_days=self.integer(item, "update_lag_days", path, 0, None, 30),
                    is_public=self.boolean(item, "public", path, False),
                    data_source=self.text(item, "data_source", path),
                    display_order=i,
                )
            )
        return measures

    def targets(self, document: _Mapping, measure_ids: set[str]) -> list[TargetSpec]:
        section = document.get("targets")
        if section is None:
            return []
        if not isinstance(section, dict):
            self.fail(
                document.key_lines["targets"],
                "targets",
                "should be a mapping from measure id to a list of targets",
            )
            return []
        targets: list[TargetSpec] = []
        for measure_id, steps in section.items():
            line = section.key_lines[measure_id]
            if measure_id not in measure_ids:
                self.fail(
                    line,
                    f"targets.{measure_id}",
                    f"{show(measure_id)} is not a measure in this catalog; targets can "
                    "only be set for measures listed under measures",
                )
                continue
            if not isinstance(steps, list) or not steps:
                self.fail(
                    line,
                    f"targets.{measure_id}",
                    "should be a list of targets, each with start, end and value",
                )
                continue
            starts: list[tuple[date, date, int]] = []
            for i, step in enumerate(steps, start=1):
                path = f"targets.{measure_id}[{i}]"
                step_line = getattr(step, "line", line)
                if not self.keys(step, TARGET_KEYS, path, step_line):
                    continue
                start = self.date(step, "start", path)
                end = self.date(step, "end", path)
                value = self.number(step, "value", path)
                tolerance = self.tolerance(step, path, value)
                label = self.text(step, "label", path, _max_length(Target, "label"))
                if start is None or end is None or value is None or tolerance is None:
                    continue
                if end < start:
                    self.fail(
                        step_line,
                        f"{path}.end",
                        f"end {end.isoformat()} is before start {start.isoformat()}",
                    )
                    continue
                for other_start, other_end, other_line in starts:
                    if start <= other_end and other_start <= end:
                        self.fail(
                            step_line,
                            path,
                            f"{start.isoformat()} to {end.isoformat()} overlaps the target "
                            f"on line {other_line}; a measure has one target at a time",
                        )
                        break
                starts.append((start, end, step_line))
                targets.append(TargetSpec(measure_id, start, end, value, tolerance, label))
        return targets

    def tolerance(self, step: _Mapping, path: str, value: float | None) -> float | None:
        raw = step.get("tolerance")
        if raw is None:
            return 0.0
        line, field = self._where(step, "tolerance", path)
        if isinstance(raw, str):
            match = _PERCENT.match(raw)
            if not match:
                self.fail(
                    line,
                    field,
                    f"{show(raw)} is not a tolerance; use a number in the "
                    'measure\'s unit (0.5) or a percentage of the target ("5%")',
                )
                return None
            return None if value is None else abs(value) * float(match.group(1)) / 100
        number = self.number(step, "tolerance", path)
        if number is not None and number < 0:
            self.fail(line, field, f"{show(raw)} is negative; a tolerance is 0 or more")
            return None
        return number

    def annotations(self, document: _Mapping, measure_ids: set[str]) -> list[AnnotationSpec]:
        annotations: list[AnnotationSpec] = []
        for i, item in enumerate(self.items(document, "annotations", required=False), start=1):
            path = f"annotations[{i}]"
            line = getattr(item, "line", document.line)
            if not self.keys(item, ANNOTATION_KEYS, path, line):
                continue
            measure_id = self.text(item, "measure", path, default=None)
            if measure_id is not None and measure_id not in measure_ids:
                self.fail(
                    item.key_lines["measure"],
                    f"{path}.measure",
                    f"{show(measure_id)} is not a measure in this catalog; leave measure "
                    "out to annotate every measure",
                )
            start = self.date(item, "date", path)
            end = self.date(item, "end_date", path)
            if start and end and end < start:
                self.fail(
                    item.key_lines["end_date"],
                    f"{path}.end_date",
                    f"end_date {end.isoformat()} is before date {start.isoformat()}",
                )
            label = self.text(item, "label", path, _max_length(Annotation, "label"))
            if start is None:
                continue
            annotations.append(
                AnnotationSpec(
                    label=label,
                    start_date=start,
                    measure_id=measure_id,
                    end_date=end,
                    description=self.text(item, "description", path),
                    is_public=self.boolean(item, "public", path, True),
                )
            )
        return annotations

    def geographies(self, document: _Mapping) -> list[GeographySpec]:
        geographies: list[GeographySpec] = []
        seen: dict[str, str] = {}
        for i, layer in enumerate(self.items(document, "geographies", required=False), start=1):
            path = f"geographies[{i}]"
            line = getattr(layer, "line", document.line)
            if not self.keys(layer, LAYER_KEYS, path, line):
                continue
            relative = self.text(layer, "file", path)
            kind = self.choice(layer, "kind", path, LAYER_KINDS) or "neighborhood"
            if not relative:
                continue
            found = self.read_attachment(relative)
            if found is None:
                self.fail(
                    layer.key_lines["file"],
                    f"{path}.file",
                    f"the GeoJSON file {show(relative)} was not found; the path is "
                    "relative to the catalog file",
                )
                continue
            geo_name, data = found
            for spec in read_geojson(geo_name, data, kind, self.problems):
                if spec.id in seen:
                    self.problems.append(
                        Problem(
                            geo_name,
                            None,
                            "id",
                            f"the geography id {show(spec.id)} is used twice (also in "
                            f"{seen[spec.id]}); ids must be unique",
                        )
                    )
                    continue
                seen[spec.id] = geo_name
                geographies.append(replace(spec, display_order=len(geographies)))
        return geographies


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"a single value ({show(value)})"


def parse_catalog(
    name: str, data: bytes, read_attachment: Callable[[str], tuple[str, bytes] | None]
) -> tuple[Catalog | None, list[Problem]]:
    """Parse and check a catalog; returns the catalog (None if anything is wrong) and problems.

    ``read_attachment(path)`` returns ``(display name, bytes)`` for a file the
    catalog refers to (the GeoJSON layers), or None when there is no such file.
    """
    reader = _Reader(name, read_attachment)
    catalog = reader.read(data)
    return catalog, reader.problems


# -- GeoJSON -----------------------------------------------------------------------------


def read_geojson(name: str, data: bytes, kind: str, problems: list[Problem]) -> list[GeographySpec]:
    """The features of a GeoJSON FeatureCollection as geographies, appending any problems."""
    text = decode_text(name, data, problems)
    if text is None:
        return []
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                name,
                exc.lineno,
                None,
                f"this is not valid JSON ({exc.msg}); export the file as GeoJSON",
            )
        )
        return []
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        problems.append(
            Problem(
                name,
                None,
                None,
                "this is not a GeoJSON FeatureCollection; it needs "
                '"type": "FeatureCollection" and a list of "features"',
            )
        )
        return []
    features = document.get("features")
    if not isinstance(features, list) or not features:
        problems.append(Problem(name, None, "features", "there are no features"))
        return []
    specs = []
    before = len(problems)
    for i, feature in enumerate(features, start=1):
        spec = _feature(name, i, feature, kind, problems)
        if spec is not None:
            specs.append(spec)
    return specs if len(problems) == before else []


def _feature(
    name: str, i: int, feature: Any, kind: str, problems: list[Problem]
) -> GeographySpec | None:
    path = f"features[{i}]"

    def fail(field: str, message: str) -> None:
        problems.append(Problem(name, None, f"{path}.{field}" if field else path, message))

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        fail("", 'is not a GeoJSON Feature (it needs "type": "Feature")')
        return None
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        fail("properties", "is missing; each feature needs properties with at least id and name")
        return None
    ok = True
    raw_id = properties.get("id", feature.get("id"))
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        fail("properties.id", "is missing; each feature needs an id (text or a whole number)")
        ok = False
    elif raw_id != raw_id.strip() or len(raw_id) > _max_length(Geography, "id"):
        fail(
            "properties.id",
            f"{show(raw_id)} is not a valid id; use at most "
            f"{_max_length(Geography, 'id')} characters without leading or trailing spaces",
        )
        ok = False
    elif raw_id == CITYWIDE:
        fail("properties.id", f'"{CITYWIDE}" is reserved for the whole city; use another id')
        ok = False
    geo_name = properties.get("name")
    if not isinstance(geo_name, str) or not geo_name.strip():
        fail("properties.name", "is missing; each feature needs a name")
        ok = False
    elif len(geo_name) > _max_length(Geography, "name"):
        fail(
            "properties.name",
            f"is {len(geo_name)} characters long; the most is {_max_length(Geography, 'name')}",
        )
        ok = False
    population = properties.get("population")
    if isinstance(population, float) and population.is_integer():
        population = int(population)
    if population is not None and (
        isinstance(population, bool) or not isinstance(population, int) or population < 0
    ):
        fail("properties.population", f"{show(population)} should be a whole number of 0 or more")
        ok = False
    equity = properties.get("equity_priority", False)
    if equity is None:
        equity = False
    if not isinstance(equity, bool):
        fail("properties.equity_priority", f"{show(equity)} should be true or false")
        ok = False
    geometry = feature.get("geometry")
    message = _geometry_problem(geometry)
    if message:
        fail("geometry", message)
        ok = False
    if not ok:
        return None
    return GeographySpec(
        id=raw_id,
        name=geo_name,
        kind=kind,
        population=population,
        equity_priority=equity,
        attributes={k: v for k, v in properties.items() if k not in FEATURE_PROPERTIES},
        geometry=geometry,
    )


def _geometry_problem(geometry: Any) -> str | None:
    """What is wrong with a Polygon or MultiPolygon geometry, or None."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "should be a Polygon or MultiPolygon"
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        return "has no coordinates"
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return "has a polygon without rings"
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                return "has a ring with fewer than 4 positions"
            for position in ring:
                if (
                    not isinstance(position, list)
                    or len(position) not in (2, 3)
                    or not all(
                        isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                        for c in position
                    )
                ):
                    return f"has a position that is not [longitude, latitude]: {show(position)}"
                if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
                    return (
                        f"has a position outside longitude/latitude ({show(position)}); "
                        "re-project the file to WGS 84 (EPSG:4326)"
                    )
            if ring[0] != ring[-1]:
                return "has a ring that is not closed (its first and last positions differ)"
    return None
