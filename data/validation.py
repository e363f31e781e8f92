"""Check a catalog and observation files before anything is written.

:func:`validate_files` (paths on disk, for ``statroom check`` and ``statroom
import``) and :func:`validate_uploads` (bytes, for the admin page) share one
core, so both show the same report. Every problem is collected, not just the
first, as a :class:`Problem` naming the file, row and column.

Observation rows are checked with vectorised pandas and numpy: text columns are
factorised first, so per-value work (parsing a period, stripping an id) runs once
per distinct value, not once per row. CSV files are read with ``dtype=str`` and
no NA parsing, so nothing is coerced before it is checked.

The formats are documented in ``docs/data-format.md``.
"""

from __future__ import annotations

import calendar
import difflib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from data.catalog import Catalog, MeasureSpec
from data.catalog_file import Problem, decode_text, parse_catalog, show
from data.models import CITYWIDE, FREQUENCIES, measure_scale
from data.writer import OBSERVATION_COLUMNS

__all__ = [
    "Existing",
    "MeasureRules",
    "Problem",
    "ValidationReport",
    "validate_files",
    "validate_uploads",
]

#: The columns of an observation file, in the documented order.
FILE_COLUMNS = ("measure", "period", "geography", "value", "numerator", "denominator")
REQUIRED_COLUMNS = ("measure", "period", "value")
#: How many problems a report lists; the rest are counted.
MAX_PROBLEMS_SHOWN = 200
PERIOD_HELP = "use YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY."
FIRST_YEAR, LAST_YEAR = 1900, 2100

# Period notations, from the finest: a day, a month, a quarter, a year.
DAY, MONTH, QUARTER, YEAR = 0, 1, 2, 3
NOTATION_NAMES = {MONTH: "month", QUARTER: "quarter", YEAR: "year"}
#: The coarsest notation each frequency accepts (a weekly period is the Monday, a day).
FREQUENCY_NOTATION = {"day": DAY, "week": DAY, "month": MONTH, "quarter": QUARTER, "year": YEAR}
FREQUENCY_ADJECTIVES = {
    "day": "daily",
    "week": "weekly",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "yearly",
}
_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-[Qq]([1-4]))?")
_NOT_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


@dataclass(frozen=True)
class MeasureRules:
    """What the observation checks need to know about a measure."""

    frequency: str
    aggregation: str
    unit: str
    rate_per: int | None = None

    @property
    def scale(self) -> float:
        return measure_scale(self.unit, self.rate_per)

    @classmethod
    def of(cls, spec: MeasureSpec) -> MeasureRules:
        return cls(spec.frequency, spec.aggregation, spec.unit, spec.rate_per)


@dataclass(frozen=True)
class Existing:
    """Measures and geographies already in the database, which observations may refer to.

    The importer reads these (``data.importer.read_existing``) so that a city can
    import new observations for measures defined by an earlier catalog. A measure
    in the catalog being checked overrides the stored one.
    """

    measures: Mapping[str, MeasureRules] = field(default_factory=dict)
    geography_ids: frozenset[str] = frozenset()


@dataclass
class ValidationReport:
    """The outcome of a check: the problems, and the parsed input when there are none.

    ``observations`` has the columns of ``data.writer.OBSERVATION_COLUMNS`` and is
    ready for ``upsert_observations`` (empty when there are problems).
    ``problems`` holds at least the first :data:`MAX_PROBLEMS_SHOWN` problems in
    file and row order; ``problem_count`` counts them all.
    """

    problems: list[Problem]
    catalog: Catalog | None
    observations: pd.DataFrame
    rows_read: int = 0
    rows_by_file: dict[str, int] = field(default_factory=dict)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and self.catalog is not None

    @property
    def files(self) -> list[str]:
        """The observation files read, in order."""
        return list(self.rows_by_file)

    def format(self, limit: int = MAX_PROBLEMS_SHOWN) -> str:
        """The report as text: one line per problem (at most ``limit``), then a summary."""
        if self.ok:
            return "\n".join([*self._summary(), "No problems found."])
        shown = self.problems[:limit]
        lines = [str(p) for p in shown]
        hidden = self.problem_count - len(shown)
        if hidden > 0:
            lines.append(f"... and {hidden:,} more not shown.")
        if self.catalog is None and self.rows_read:
            lines.append(
                "The observation rows were only checked for their format, because the "
                "catalog has problems; fix the catalog and check again."
            )
        count = self.problem_count
        lines.append(
            f"Found {count:,} problem{'s' if count != 1 else ''}. "
            f"Fix {'it' if count == 1 else 'them'} and try again."
        )
        return "\n".join(lines)

    def _summary(self) -> list[str]:
        c = self.catalog
        lines = [
            f"Catalog for {c.city_name}: {_count(len(c.geographies), 'geography', 'geographies')}, "
            f"{_count(len(c.areas), 'priority area')}, {_count(len(c.measures), 'measure')}, "
            f"{_count(len(c.targets), 'target')}, {_count(len(c.annotations), 'annotation')}."
        ]
        for name, rows in self.rows_by_file.items():
            lines.append(f"{name}: {_count(rows, 'observation')}.")
        return lines


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


# -- entry points --------------------------------------------------------------------------


def validate_files(
    catalog_path: str | Path,
    observation_paths: Sequence[str | Path],
    existing: Existing | None = None,
) -> ValidationReport:
    """Check a catalog file and observation files on disk; writes nothing.

    GeoJSON files named in the catalog are read relative to the catalog's folder.
    Files are named in problems as they were given.
    """
    catalog_path = Path(catalog_path)
    problems: list[Problem] = []
    catalog_bytes = _read_path(catalog_path, problems)

    def read_attachment(relative: str) -> tuple[str, bytes] | None:
        path = catalog_path.parent / relative
        return (str(path), path.read_bytes()) if path.is_file() else None

    def observations() -> Iterator[tuple[str, bytes | Problem]]:
        # One file in memory at a time: each is read when the one before has been parsed.
        for path in observation_paths:
            unreadable: list[Problem] = []
            data = _read_path(Path(path), unreadable)
            yield str(path), data if data is not None else unreadable[0]

    return _validate(
        str(catalog_path), catalog_bytes, read_attachment, observations(), existing, problems
    )


def validate_uploads(
    catalog: tuple[str, bytes],
    observations: Sequence[tuple[str, bytes]],
    attachments: Mapping[str, bytes] | None = None,
    existing: Existing | None = None,
) -> ValidationReport:
    """Check uploaded files, given as ``(file name, content)``; writes nothing.

    ``attachments`` holds the GeoJSON files the catalog names, by the path the
    catalog gives or by their bare file name.
    """
    attachments = attachments or {}

    def read_attachment(relative: str) -> tuple[str, bytes] | None:
        for key in (relative, PurePosixPath(relative).name):
            if key in attachments:
                return key, attachments[key]
        return None

    name, data = catalog
    return _validate(name, data, read_attachment, list(observations), existing, [])


def _read_path(path: Path, problems: list[Problem]) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, "there is no such file; check the path"))
    except IsADirectoryError:
        problems.append(Problem(str(path), None, None, "this is a folder, not a file"))
    except OSError as exc:
        problems.append(Problem(str(path), None, None, f"the file cannot be read ({exc.strerror})"))
    return None


def _validate(
    catalog_name: str,
    catalog_bytes: bytes | None,
    read_attachment: Callable[[str], tuple[str, bytes] | None],
    observations: Iterable[tuple[str, bytes | Problem]],
    existing: Existing | None,
    problems: list[Problem],
) -> ValidationReport:
    """The shared core; ``observations`` gives each file's content, or why it cannot be read."""
    collector = _Collector(problems)
    catalog = None
    if catalog_bytes is not None:
        catalog, catalog_problems = parse_catalog(catalog_name, catalog_bytes, read_attachment)
        collector.extend(catalog_problems)
    frames: list[tuple[str, pd.DataFrame]] = []
    rows_by_file: dict[str, int] = {}
    for name, data in observations:
        if isinstance(data, Problem):
            collector.add(data)
            continue
        frame = _read_observation_file(name, data, collector)
        del data
        rows_by_file[name] = 0 if frame is None else len(frame)
        if frame is not None:
            frames.append((name, frame))
    result = _empty_observations()
    if frames:
        checked = _RowChecker(frames, catalog, existing or Existing(), collector).run()
        if collector.count == 0 and catalog is not None:
            result = checked
    return ValidationReport(
        problems=collector.sorted(),
        catalog=catalog,
        observations=result,
        rows_read=sum(rows_by_file.values()),
        rows_by_file=rows_by_file,
        problem_count=collector.count,
    )


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_id": pd.Series(dtype=object),
            "geography_id": pd.Series(dtype=object),
            "period": pd.Series(dtype="datetime64[s]"),
            "value": pd.Series(dtype=float),
            "numerator": pd.Series(dtype=float),
            "denominator": pd.Series(dtype=float),
        }
    )[OBSERVATION_COLUMNS]


class _Collector:
    """Counts every problem but keeps only the first few of each rule, for big files."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        self.count = len(problems)

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)
        self.count += len(problems)

    def add(self, problem: Problem) -> None:
        self.extend([problem])

    def add_sample(self, sample: list[Problem], total: int) -> None:
        """Keep ``sample``, the first of ``total`` problems found by one rule."""
        self.problems.extend(sample)
        self.count += total

    def sorted(self) -> list[Problem]:
        order: dict[str, int] = {}
        for p in self.problems:
            order.setdefault(p.file, len(order))
        return sorted(self.problems, key=lambda p: (order[p.file], p.row or 0))


# -- reading one observation file ----------------------------------------------------------


def _read_observation_file(name: str, data: bytes, collector: _Collector) -> pd.DataFrame | None:
    """The rows of one CSV file as text columns plus ``row``; None after a file-level problem."""
    problems: list[Problem] = []
    text = decode_text(name, data, problems)
    if text is None:
        collector.extend(problems)
        return None
    empty = (
        f"the file is empty; it needs a header row ({','.join(FILE_COLUMNS)}) and one row per value"
    )
    if re.search(r"\S", text) is None:
        collector.add(Problem(name, None, None, empty))
        return None
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        collector.add(Problem(name, None, None, empty))
        return None
    except pd.errors.ParserError as exc:
        collector.add(_parser_problem(name, str(exc)))
        return None
    del text

    header = [str(h).strip().lower() for h in raw.iloc[0]]
    problems = _header_problems(name, header, raw)
    if problems:
        collector.extend(problems)
        return None
    keep = [i for i, h in enumerate(header) if h]
    frame = raw.iloc[1:, keep]
    frame.columns = [header[i] for i in keep]
    # Spreadsheets often end a file with empty rows (",,,,,"): drop them, keeping row numbers.
    maybe_blank = np.flatnonzero((frame.iloc[:, 0] == "").to_numpy())
    if len(maybe_blank):
        blank_row = (frame.iloc[maybe_blank] == "").all(axis=1)
        frame = frame.drop(index=blank_row.index[blank_row.to_numpy()])
    if frame.empty:
        collector.add(Problem(name, None, None, "the file has a header row but no observations"))
        return None
    missing = {column: "" for column in FILE_COLUMNS if column not in frame.columns}
    # Row numbers as a spreadsheet shows them: the header (index 0) is row 1.
    frame = frame.assign(**missing, row=frame.index.to_numpy() + 1)
    return frame[[*FILE_COLUMNS, "row"]].reset_index(drop=True)


def _parser_problem(name: str, detail: str) -> Problem:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
    if fields:
        expected, line, saw = (int(g) for g in fields.groups())
        return Problem(
            name,
            line,
            None,
            f"this row has {saw} cells but the header has {expected}; a value that "
            'contains a comma must be in double quotes ("1,5")',
        )
    quote = re.search(r"EOF inside string starting at row (\d+)", detail)
    if quote:
        return Problem(
            name,
            int(quote.group(1)) + 1,
            None,
            "a double quote opened on this row is never closed; close it or remove it",
        )
    return Problem(name, None, None, f"the file cannot be read as CSV ({detail})")


def _header_problems(name: str, header: list[str], raw: pd.DataFrame) -> list[Problem]:
    problems = []
    allowed = ", ".join(FILE_COLUMNS)
    seen: set[str] = set()
    for i, column in enumerate(header):
        if not column:
            if (raw.iloc[1:, i] != "").any():
                problems.append(
                    Problem(
                        name,
                        1,
                        None,
                        f"column {i + 1} has values but no name in the header "
                        f"row; name it (one of {allowed}) or delete it",
                    )
                )
            continue
        if column in seen:
            problems.append(Problem(name, 1, column, "appears twice in the header row"))
        elif column not in FILE_COLUMNS:
            problems.append(
                Problem(
                    name,
                    1,
                    column,
                    f"{show(column)} is not an observation column; the columns are {allowed}",
                )
            )
        seen.add(column)
    for column in REQUIRED_COLUMNS:
        if column not in seen:
            problems.append(
                Problem(
                    name,
                    1,
                    column,
                    f'the header row has no "{column}" column; the columns are '
                    f"{allowed} ({', '.join(REQUIRED_COLUMNS)} are required)",
                )
            )
    return problems


# -- checking the rows ---------------------------------------------------------------------


def _parse_period(text: str) -> tuple[int, date | None, str]:
    """(notation, start date, "") for a valid period, or (-1, None, message)."""
    match = _PERIOD.fullmatch(text)
    if not text:
        return -1, None, f"period is blank; {PERIOD_HELP}"
    bad = f"{show(text)} is not a date; {PERIOD_HELP}"
    if "/" in text or "." in text:
        bad += " (A spreadsheet may have reformatted the dates: format the column as text.)"
    if not match:
        return -1, None, bad
    year, month, day, quarter = match.groups()
    try:
        if quarter:
            start, notation = date(int(year), 3 * int(quarter) - 2, 1), QUARTER
        elif day:
            start, notation = date(int(year), int(month), int(day)), DAY
        elif month:
            start, notation = date(int(year), int(month), 1), MONTH
        else:
            start, notation = date(int(year), 1, 1), YEAR
    except ValueError:
        return -1, None, bad
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        return (
            -1,
            None,
            (f"{show(text)} is outside {FIRST_YEAR}-{LAST_YEAR}; check the year for a typo"),
        )
    return notation, start, ""


def _aligned(frequency: str, start: date, fiscal_month: int) -> bool:
    """Whether ``start`` is the first day of a period of this frequency."""
    if frequency == "day":
        return True
    if frequency == "week":
        return start.weekday() == 0
    if start.day != 1:
        return False
    if frequency == "month":
        return True
    if frequency == "quarter":
        return (start.month - fiscal_month) % 3 == 0
    return start.month == fiscal_month


def _period_start(frequency: str, day: date, fiscal_month: int) -> date:
    """The start of the period of this frequency that contains ``day``."""
    if frequency == "day":
        return day
    if frequency == "week":
        return day - timedelta(days=day.weekday())
    if frequency == "month":
        return day.replace(day=1)
    step = 3 if frequency == "quarter" else 12
    months_since = (day.month - fiscal_month) % step
    index = day.year * 12 + day.month - 1 - months_since
    return date(index // 12, index % 12 + 1, 1)


def _frequency_message(
    measure_id: str, text: str, notation: int, start: date, frequency: str, fiscal_month: int
) -> str:
    adjective = FREQUENCY_ADJECTIVES[frequency]
    example = _period_start(frequency, start, fiscal_month)
    if notation > FREQUENCY_NOTATION[frequency]:
        unit = "week" if frequency == "week" else frequency
        return (
            f"{show(text)} is a whole {NOTATION_NAMES[notation]}, but {adjective} measure "
            f"{show(measure_id)} needs one value per {unit}, e.g. {example.isoformat()}"
        )
    if frequency == "week":
        return (
            f"{show(text)} is a {calendar.day_name[start.weekday()]}; weekly measure "
            f"{show(measure_id)} needs the Monday that starts the week: {example.isoformat()}"
        )
    if frequency == "month":
        return (
            f"{show(text)} is not the first day of a month; monthly measure "
            f"{show(measure_id)} needs YYYY-MM ({example:%Y-%m}) or the month's first day"
        )
    if frequency == "quarter":
        months = ", ".join(
            calendar.month_abbr[(fiscal_month - 1 + 3 * i) % 12 + 1] + " 1" for i in range(4)
        )
        return (
            f"{show(text)} does not start a quarter; quarterly measure {show(measure_id)} "
            f"needs a quarter's first day ({months}), e.g. {example.isoformat()}"
        )
    return (
        f"{show(text)} does not start a fiscal year; yearly measure {show(measure_id)} needs "
        f"the first day of the fiscal year, which starts in "
        f"{calendar.month_name[fiscal_month]}: e.g. {example.isoformat()}"
    )


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, blank, invalid): values are NaN where blank or invalid (text, nan, inf)."""
    blank = (raw == "").to_numpy(dtype=bool, copy=True)
    values = np.full(len(raw), np.nan)
    given = np.flatnonzero(~blank)
    if len(given):
        # Optional columns are mostly blank: parse only the cells that hold something.
        cells = raw if len(given) == len(raw) else raw.iloc[given]
        values[given] = _parse_numbers(cells)
    unparsed = np.flatnonzero(np.isnan(values) & ~blank)
    if len(unparsed):
        # Cells holding only spaces count as blank; this touches the few unparsed cells only.
        spaces = (raw.iloc[unparsed].str.strip() == "").to_numpy()
        blank[unparsed[spaces]] = True
    invalid = ~blank & ~np.isfinite(values)
    values[invalid] = np.nan
    return values, blank, invalid


def _parse_numbers(cells: pd.Series) -> np.ndarray:
    """The cells as floats by pandas' rules (``pd.to_numeric``), NaN where not a number."""
    text = cells.to_numpy(dtype=object)
    joined = "".join(text)
    # Python's float() reads a column in half the time, and reads what pandas reads, except
    # that it also takes digit separators ("1_000") and non-ASCII digits, which pandas
    # rejects: those columns, and any with a cell float() cannot read, go to pandas.
    if joined.isascii() and "_" not in joined:
        try:
            return text.astype(float) + 0.0  # + 0.0: "-0" is 0, as pandas reads it
        except ValueError:
            pass
    return pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)


def _number_message(text: str) -> str:
    if text.strip().lower() in _NOT_FINITE:
        return f"{show(text)} is not a finite number; give a number, or leave the cell blank"
    return (
        f"{show(text)} is not a number; write digits with a dot for decimals and no "
        "thousands separators, units or % signs, e.g. 1234.5"
    )


def _format_number(x: float) -> str:
    return f"{x:g}"


class _RowChecker:
    """All row checks over all observation files at once (so duplicates across files show)."""

    def __init__(
        self,
        frames: list[tuple[str, pd.DataFrame]],
        catalog: Catalog | None,
        existing: Existing,
        collector: _Collector,
    ):
        self.names = [name for name, _ in frames]
        self.obs = pd.concat(
            [frame.assign(file=i) for i, (_, frame) in enumerate(frames)], ignore_index=True
        )
        self.n = len(self.obs)
        self.file = self.obs["file"].to_numpy()
        self.row = self.obs["row"].to_numpy()
        self.collector = collector
        self.catalog = catalog
        if catalog is None:
            self.rules = None
            self.known_geographies = None
        else:
            self.rules = {
                **existing.measures,
                **{m.id: MeasureRules.of(m) for m in catalog.measures},
            }
            self.known_geographies = existing.geography_ids | catalog.geography_ids() | {CITYWIDE}

    def problems(self, mask: np.ndarray, column: str, message: Callable[[int], str]) -> None:
        """Record a problem for each row where ``mask`` is true (materialising the first few)."""
        positions = np.flatnonzero(mask)
        sample = [
            Problem(self.names[self.file[p]], int(self.row[p]), column, message(int(p)))
            for p in positions[:MAX_PROBLEMS_SHOWN]
        ]
        self.collector.add_sample(sample, len(positions))

    def run(self) -> pd.DataFrame:
        m_codes, m_ids, m_ok = self.measures()
        g_codes, g_ids, g_ok = self.geographies()
        p_codes, p_notation, p_dates, p_raw = self.periods()
        self.frequencies(m_codes, m_ids, m_ok, p_codes, p_notation, p_dates, p_raw)
        value, numerator, denominator = self.numbers(m_codes, m_ids, m_ok)
        key_ok = m_ok[m_codes] & g_ok[g_codes] & (p_notation[p_codes] >= 0)
        self.duplicates(key_ok, m_codes, m_ids, g_codes, g_ids, p_codes, p_dates)
        if self.collector.count:
            return _empty_observations()
        frame = pd.DataFrame(
            {
                "measure_id": m_ids[m_codes],
                "geography_id": g_ids[g_codes],
                "period": p_dates.astype("datetime64[s]")[p_codes],
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
            }
        )
        return frame[OBSERVATION_COLUMNS]

    def measures(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Codes into the distinct measure ids, the ids (stripped), and which are usable."""
        codes, uniques = pd.factorize(self.obs["measure"], use_na_sentinel=False)
        ids = np.array([str(u).strip() for u in uniques], dtype=object)
        ok = ids != ""
        if self.rules is not None:
            ok &= np.array([i in self.rules for i in ids], dtype=bool)
        known = sorted(self.rules or ())

        def message(p: int) -> str:
            measure_id = ids[codes[p]]
            if not measure_id:
                return "measure is blank; give a measure id from the catalog"
            close = difflib.get_close_matches(measure_id, known, n=1)
            hint = (
                f'; did you mean "{close[0]}"?'
                if close
                else "; check the spelling, or add it to the catalog"
            )
            return f"{show(measure_id)} is not a measure in the catalog{hint}"

        self.problems(~ok[codes], "measure", message)
        return codes, ids, ok

    def geographies(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes, uniques = pd.factorize(self.obs["geography"], use_na_sentinel=False)
        ids = np.array([str(u).strip() or CITYWIDE for u in uniques], dtype=object)
        if self.known_geographies is None:
            return codes, ids, np.ones(len(ids), dtype=bool)
        ok = np.array([i in self.known_geographies for i in ids], dtype=bool)
        known = sorted(self.known_geographies)

        def message(p: int) -> str:
            geography_id = ids[codes[p]]
            close = difflib.get_close_matches(geography_id, known, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            return (
                f"{show(geography_id)} is not a geography in the catalog; {hint}use an id "
                "from the GeoJSON file, or leave geography blank for citywide"
            )

        self.problems(~ok[codes], "geography", message)
        return codes, ids, ok

    def periods(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Codes into the distinct periods; per distinct period its notation (-1: invalid),
        start date (as datetime64[D]) and text."""
        codes, uniques = pd.factorize(self.obs["period"], use_na_sentinel=False)
        raw = np.array([str(u).strip() for u in uniques], dtype=object)
        parsed = [_parse_period(text) for text in raw]
        notation = np.array([p[0] for p in parsed], dtype=np.int8)
        dates = np.array([p[1] or date(1970, 1, 1) for p in parsed], dtype="datetime64[D]")
        errors = [p[2] for p in parsed]
        self.problems(notation[codes] < 0, "period", lambda p: errors[codes[p]])
        return codes, notation, dates, raw

    def frequencies(self, m_codes, m_ids, m_ok, p_codes, p_notation, p_dates, p_raw) -> None:
        if self.rules is None:
            return
        fiscal_month = self.catalog.fiscal_year_start_month
        frequency = np.array(
            [
                FREQUENCIES.index(self.rules[i].frequency) if ok else 0
                for i, ok in zip(m_ids, m_ok, strict=True)
            ],
            dtype=np.int8,
        )
        # Whether each (frequency, distinct period) pair fits: a small table, then one lookup.
        starts = p_dates.astype(object)
        fits = np.array(
            [
                [
                    n >= 0 and n <= FREQUENCY_NOTATION[f] and _aligned(f, d, fiscal_month)
                    for n, d in zip(p_notation, starts, strict=True)
                ]
                for f in FREQUENCIES
            ],
            dtype=bool,
        ).reshape(len(FREQUENCIES), len(p_notation))
        checkable = m_ok[m_codes] & (p_notation[p_codes] >= 0)
        bad = checkable & ~fits[frequency[m_codes], p_codes]

        def message(p: int) -> str:
            m, q = m_codes[p], p_codes[p]
            return _frequency_message(
                m_ids[m],
                p_raw[q],
                int(p_notation[q]),
                starts[q],
                FREQUENCIES[frequency[m]],
                fiscal_month,
            )

        self.problems(bad, "period", message)

    def numbers(self, m_codes, m_ids, m_ok) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        value, value_blank, value_bad = _numbers(self.obs["value"])
        numerator, num_blank, num_bad = _numbers(self.obs["numerator"])
        denominator, den_blank, den_bad = _numbers(self.obs["denominator"])
        for column, bad in (("value", value_bad), ("numerator", num_bad), ("denominator", den_bad)):
            cells = self.obs[column]
            self.problems(bad, column, lambda p, cells=cells: _number_message(cells.iat[p]))

        not_positive = ~den_blank & ~den_bad & (denominator <= 0)
        self.problems(
            not_positive,
            "denominator",
            lambda p: (
                f"the denominator is {_format_number(denominator[p])}; it must be greater "
                "than zero (leave numerator and denominator blank if there is none)"
            ),
        )
        self.problems(
            num_blank & ~den_blank,
            "numerator",
            lambda p: "numerator is blank but denominator is given; give both or neither",
        )
        self.problems(
            den_blank & ~num_blank,
            "denominator",
            lambda p: "denominator is blank but numerator is given; give both or neither",
        )

        both_blank = num_blank & den_blank
        if self.rules is not None:
            is_rate = np.array(
                [
                    ok and self.rules[i].aggregation == "rate"
                    for i, ok in zip(m_ids, m_ok, strict=True)
                ],
                dtype=bool,
            )
            scale = np.array(
                [self.rules[i].scale if ok else 1.0 for i, ok in zip(m_ids, m_ok, strict=True)]
            )
        else:
            is_rate = np.zeros(len(m_ids), dtype=bool)
            scale = np.ones(len(m_ids))
        rate_row = is_rate[m_codes]
        self.problems(
            rate_row & both_blank,
            "numerator",
            lambda p: (
                f"measure {show(m_ids[m_codes[p]])} is aggregated as a rate, so each row "
                "needs a numerator and a denominator"
            ),
        )
        self.problems(
            value_blank & both_blank & ~rate_row,
            "value",
            lambda p: "value is blank; give a value, or a numerator and denominator",
        )

        usable = value_blank & ~num_blank & ~num_bad & ~den_blank & ~den_bad & (denominator > 0)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            computed = numerator / denominator * scale[m_codes]
        self.problems(
            usable & ~np.isfinite(computed),
            "value",
            lambda p: "the value computed from numerator / denominator is too large; check them",
        )
        value = np.where(usable, computed, value)
        return value, numerator, denominator

    def duplicates(self, key_ok, m_codes, m_ids, g_codes, g_ids, p_codes, p_dates) -> None:
        """Rows repeating an earlier row's (measure, geography, period), in any file."""
        # Canonical codes: " a" and "a" are one measure, "" and "citywide" one geography,
        # "2024-01" and "2024-01-01" one period.
        m_canon = pd.factorize(m_ids)[0][m_codes].astype(np.int64)
        g_canon = pd.factorize(g_ids)[0][g_codes].astype(np.int64)
        d_canon = pd.factorize(p_dates)[0][p_codes].astype(np.int64)
        key = (m_canon * (int(g_canon.max()) + 1) + g_canon) * (int(d_canon.max()) + 1) + d_canon
        positions = np.flatnonzero(key_ok)
        keys = key[positions]
        repeated = pd.Series(keys).duplicated(keep=False).to_numpy()
        if not repeated.any():
            return
        positions, keys = positions[repeated], keys[repeated]
        order = np.lexsort((positions, keys))
        positions, keys = positions[order], keys[order]
        starts = np.r_[True, keys[1:] != keys[:-1]]
        first = positions[np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0))]
        first_of = np.full(self.n, -1)
        first_of[positions[~starts]] = first[~starts]

        def message(p: int) -> str:
            q = first_of[p]
            where = f"row {self.row[q]}"
            if self.file[q] != self.file[p]:
                where = f"{self.names[self.file[q]]} {where}"
            return (
                f"repeats {where}: the same measure, geography and period; each may appear "
                "only once in an import"
            )

        self.problems(first_of >= 0, "period", message)
