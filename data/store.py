"""The one data-access object: every read in Statroom goes through :class:`Store`.

A Store is bound to a :class:`Viewer`. Visibility (public versus internal
measures) is applied here and nowhere else, so no page or callback can forget
it: an internal measure simply does not exist for a public viewer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime

import orjson
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

# The digest refresh stores for the overview is defined with the overview's statistics.
from analytics.overview import change_digest
from data.cache import StoreCache, bump_data_version, cached_read
from data.models import (
    CITYWIDE,
    ActionItem,
    ActionStatusChange,
    AgendaItem,
    Annotation,
    City,
    Geography,
    ImportLog,
    Measure,
    MeasureSummary,
    Meeting,
    MeetingNote,
    Observation,
    PriorityArea,
    Target,
    measure_scale,
    utcnow,
)

ROLE_RANK = {"public": 0, "viewer": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True)
class Viewer:
    """Who is looking. ``role`` is one of public, viewer, editor, admin."""

    role: str = "public"
    username: str = ""

    def __post_init__(self):
        if self.role not in ROLE_RANK:
            raise ValueError(f"unknown role {self.role!r}")

    @property
    def can_see_internal(self) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK["viewer"]

    @property
    def visibility(self) -> str:
        """What this viewer's cached reads are kept under: ``internal`` or ``public``."""
        return "internal" if self.can_see_internal else "public"

    @property
    def can_edit(self) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK["editor"]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


PUBLIC = Viewer()
#: The command line and background jobs act with full rights.
SYSTEM = Viewer("admin", "statroom")


@dataclass(frozen=True)
class CityInfo:
    name: str
    fiscal_year_start_month: int
    boundaries_note: str


@dataclass(frozen=True)
class AreaInfo:
    id: str
    name: str
    description: str
    display_order: int


@dataclass(frozen=True)
class MeasureInfo:
    id: str
    area_id: str
    area_name: str
    name: str
    short_name: str
    description: str
    methodology: str
    department: str
    owner: str
    unit: str
    unit_label: str
    decimals: int
    rate_per: int | None
    direction: str
    frequency: str
    update_lag_days: int
    aggregation: str
    is_public: bool
    data_source: str
    display_order: int
    #: When the measure's definition or data last changed (catalog or observation import).
    updated_at: datetime

    @property
    def scale(self) -> float:
        return measure_scale(self.unit, self.rate_per)


@dataclass(frozen=True)
class GeographyInfo:
    id: str
    name: str
    kind: str
    population: int | None
    equity_priority: bool
    display_order: int


@dataclass(frozen=True)
class SummaryInfo:
    measure_id: str
    geography_id: str
    computed_at: object
    latest_period: date | None
    latest_value: float | None
    target_status: str | None
    trend_verdict: str | None
    has_new_signal: bool
    forecast_error: str
    payload: dict


SERIES_COLUMNS = ["period", "value", "numerator", "denominator"]
PANEL_COLUMNS = ["geography_id", *SERIES_COLUMNS]
SUMMARY_FLAT_COLUMNS = [
    "measure_id",
    "geography_id",
    "computed_at",
    "latest_period",
    "latest_value",
    "target_status",
    "trend_verdict",
    "has_new_signal",
    "forecast_error",
]


def _measure_columns():
    return [getattr(Measure, f.name) for f in fields(MeasureInfo) if f.name != "area_name"]


class Store:
    """Read access to the Statroom store for one viewer."""

    def __init__(self, engine: Engine, viewer: Viewer = PUBLIC, cache: StoreCache | None = None):
        self.engine = engine
        self.viewer = viewer
        #: Reads marked ``@cached_read`` go through it (keyed by visibility and data version).
        self.cache = cache

    def for_viewer(self, viewer: Viewer) -> Store:
        return Store(self.engine, viewer, self.cache)

    # -- visibility: the single place it is applied ---------------------------------------

    def _visible(self, stmt: Select) -> Select:
        """Restrict a statement that involves ``Measure`` to what the viewer may see."""
        if self.viewer.can_see_internal:
            return stmt
        return stmt.where(Measure.is_public.is_(True))

    def _visible_measure_ids(self, measure_ids: Iterable[str] | None = None) -> set[str]:
        stmt = self._visible(select(Measure.id))
        if measure_ids is not None:
            stmt = stmt.where(Measure.id.in_(list(measure_ids)))
        with self.engine.connect() as conn:
            return set(conn.execute(stmt).scalars())

    def can_see_measure(self, measure_id: str) -> bool:
        return bool(measure_id) and measure_id in self._visible_measure_ids([measure_id])

    # -- catalog ------------------------------------------------------------------------

    @cached_read
    def city(self) -> CityInfo:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(City.name, City.fiscal_year_start_month, City.boundaries_note)
            ).first()
        if row is None:
            return CityInfo(name="Statroom", fiscal_year_start_month=7, boundaries_note="")
        return CityInfo(*row)

    @cached_read
    def areas(self) -> list[AreaInfo]:
        """Priority areas that hold at least one measure the viewer may see."""
        visible = self._visible(select(Measure.area_id).distinct())
        stmt = (
            select(
                PriorityArea.id,
                PriorityArea.name,
                PriorityArea.description,
                PriorityArea.display_order,
            )
            .where(PriorityArea.id.in_(visible))
            .order_by(PriorityArea.display_order, PriorityArea.name)
        )
        with self.engine.connect() as conn:
            return [AreaInfo(*row) for row in conn.execute(stmt)]

    def area(self, area_id: str) -> AreaInfo | None:
        return next((a for a in self.areas() if a.id == area_id), None)

    def _measure_select(self) -> Select:
        return self._visible(
            select(*_measure_columns(), PriorityArea.name.label("area_name"))
            .join(PriorityArea, PriorityArea.id == Measure.area_id)
            .order_by(PriorityArea.display_order, Measure.display_order, Measure.name)
        )

    @cached_read
    def measures(self, area_id: str | None = None) -> list[MeasureInfo]:
        stmt = self._measure_select()
        if area_id is not None:
            stmt = stmt.where(Measure.area_id == area_id)
        with self.engine.connect() as conn:
            return [MeasureInfo(**row._mapping) for row in conn.execute(stmt)]

    @cached_read
    def measure(self, measure_id: str) -> MeasureInfo | None:
        stmt = self._measure_select().where(Measure.id == measure_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return MeasureInfo(**row._mapping) if row else None

    @cached_read
    def geographies(self, include_citywide: bool = False) -> list[GeographyInfo]:
        stmt = select(
            Geography.id,
            Geography.name,
            Geography.kind,
            Geography.population,
            Geography.equity_priority,
            Geography.display_order,
        ).order_by(Geography.display_order, Geography.name)
        if not include_citywide:
            stmt = stmt.where(Geography.id != CITYWIDE)
        with self.engine.connect() as conn:
            return [GeographyInfo(*row) for row in conn.execute(stmt)]

    @cached_read
    def geographies_frame(self) -> pd.DataFrame:
        """Neighborhoods as a frame: id, name, population, equity_priority."""
        rows = self.geographies()
        return pd.DataFrame(
            [(g.id, g.name, g.population, g.equity_priority) for g in rows],
            columns=["id", "name", "population", "equity_priority"],
        )

    @cached_read
    def boundaries(self) -> dict:
        """A GeoJSON FeatureCollection of the neighborhoods; each feature's id is the geography id."""
        stmt = (
            select(Geography.id, Geography.name, Geography.geometry)
            .where(Geography.geometry.is_not(None))
            .order_by(Geography.display_order)
        )
        with self.engine.connect() as conn:
            features = [
                {"type": "Feature", "id": gid, "properties": {"name": name}, "geometry": geom}
                for gid, name, geom in conn.execute(stmt)
            ]
        return {"type": "FeatureCollection", "features": features}

    # -- observations -------------------------------------------------------------------

    def _observation_select(self, measure_id: str, columns) -> Select:
        return self._visible(
            select(*columns)
            .join(Measure, Measure.id == Observation.measure_id)
            .where(Observation.measure_id == measure_id)
        )

    @cached_read
    def series(
        self,
        measure_id: str,
        geography_id: str = CITYWIDE,
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """One geography's series, oldest first: period, value, numerator, denominator."""
        stmt = self._observation_select(
            measure_id,
            [Observation.period, Observation.value, Observation.numerator, Observation.denominator],
        ).where(Observation.geography_id == geography_id)
        stmt = _period_range(stmt, start, end).order_by(Observation.period)
        return self._frame(stmt, SERIES_COLUMNS)

    @cached_read
    def panel(
        self, measure_id: str, start: date | None = None, end: date | None = None
    ) -> pd.DataFrame:
        """Every neighborhood's series (citywide excluded): geography_id, period, value, ..."""
        stmt = self._observation_select(
            measure_id,
            [
                Observation.geography_id,
                Observation.period,
                Observation.value,
                Observation.numerator,
                Observation.denominator,
            ],
        ).where(Observation.geography_id != CITYWIDE)
        stmt = _period_range(stmt, start, end).order_by(
            Observation.geography_id, Observation.period
        )
        return self._frame(stmt, PANEL_COLUMNS)

    def observations(self, measure_id: str) -> pd.DataFrame:
        """Every geography's series of a measure, citywide included, in one query:
        geography_id, period, value, numerator, denominator (``statroom refresh`` reads
        each measure with this).

        The rows are the driver's own (:func:`_driver_rows`): periods in its form (ISO
        text on SQLite, dates on PostgreSQL), parsed in one vectorised step.
        """
        stmt = self._observation_select(
            measure_id,
            [
                Observation.geography_id,
                Observation.period,
                Observation.value,
                Observation.numerator,
                Observation.denominator,
            ],
        ).order_by(Observation.geography_id, Observation.period)
        with self.engine.connect() as conn:
            frame = _typed_frame(_driver_rows(conn, stmt), PANEL_COLUMNS)
        frame["period"] = frame["period"].astype("datetime64[s]")  # as series() and panel()
        return frame

    @cached_read
    def measures_with_neighborhoods(self) -> set[str]:
        """Ids of the visible measures that have at least one neighborhood observation."""
        has_panel = (
            select(Observation.measure_id)
            .where(Observation.measure_id == Measure.id, Observation.geography_id != CITYWIDE)
            .exists()
        )
        stmt = self._visible(select(Measure.id).where(has_panel))
        with self.engine.connect() as conn:
            return set(conn.execute(stmt).scalars())

    @cached_read
    def latest_observations(self, geography_id: str = CITYWIDE) -> pd.DataFrame:
        """The newest observation of every visible measure: measure_id, period, value."""
        newest = (
            select(Observation.measure_id, func.max(Observation.period).label("period"))
            .where(Observation.geography_id == geography_id)
            .group_by(Observation.measure_id)
            .subquery()
        )
        stmt = self._visible(
            select(Observation.measure_id, Observation.period, Observation.value)
            .join(
                newest,
                and_(
                    newest.c.measure_id == Observation.measure_id,
                    newest.c.period == Observation.period,
                ),
            )
            .join(Measure, Measure.id == Observation.measure_id)
            .where(Observation.geography_id == geography_id)
        )
        return self._frame(stmt, ["measure_id", "period", "value"])

    @cached_read
    def observation_count(self) -> int:
        stmt = self._visible(
            select(func.count())
            .select_from(Observation)
            .join(Measure, Measure.id == Observation.measure_id)
        )
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar_one()

    # -- targets and annotations --------------------------------------------------------

    @cached_read
    def targets(self, measure_id: str) -> pd.DataFrame:
        stmt = self._visible(
            select(
                Target.period_start,
                Target.period_end,
                Target.value,
                Target.tolerance,
                Target.label,
            )
            .join(Measure, Measure.id == Target.measure_id)
            .where(Target.measure_id == measure_id)
            .order_by(Target.period_start)
        )
        frame = self._frame(stmt, ["period_start", "period_end", "value", "tolerance", "label"])
        for col in ("period_start", "period_end"):
            frame[col] = pd.to_datetime(frame[col])
        return frame

    def annotations(self, measure_id: str) -> pd.DataFrame:
        """The measure's own annotations and the city-wide ones that apply to every measure."""
        if not self.can_see_measure(measure_id):
            return pd.DataFrame(columns=ANNOTATION_COLUMNS)
        stmt = (
            select(
                Annotation.id,
                Annotation.measure_id,
                Annotation.start_date,
                Annotation.end_date,
                Annotation.label,
                Annotation.description,
                Annotation.version,
            )
            .where(or_(Annotation.measure_id == measure_id, Annotation.measure_id.is_(None)))
            .order_by(Annotation.start_date)
        )
        if not self.viewer.can_see_internal:
            stmt = stmt.where(Annotation.is_public.is_(True))
        frame = self._frame(stmt, ANNOTATION_COLUMNS)
        for col in ("start_date", "end_date"):
            frame[col] = pd.to_datetime(frame[col])
        return frame

    # -- stored analytics ---------------------------------------------------------------

    @cached_read
    def summary(self, measure_id: str, geography_id: str = CITYWIDE) -> SummaryInfo | None:
        stmt = self._visible(
            select(MeasureSummary)
            .join(Measure, Measure.id == MeasureSummary.measure_id)
            .where(
                and_(
                    MeasureSummary.measure_id == measure_id,
                    MeasureSummary.geography_id == geography_id,
                )
            )
        )
        with Session(self.engine) as session:
            row = session.execute(stmt).scalar_one_or_none()
            if row is None:
                return None
            return SummaryInfo(
                **{name: getattr(row, name) for name in SUMMARY_FLAT_COLUMNS}, payload=row.payload
            )

    @cached_read
    def summaries(self, geography_id: str = CITYWIDE) -> pd.DataFrame:
        """The flat summary columns of every visible measure, for listings."""
        stmt = self._visible(
            select(*[getattr(MeasureSummary, c) for c in SUMMARY_FLAT_COLUMNS])
            .join(Measure, Measure.id == MeasureSummary.measure_id)
            .where(MeasureSummary.geography_id == geography_id)
        )
        return self._frame(stmt, SUMMARY_FLAT_COLUMNS)

    @cached_read
    def summary_payloads(
        self,
        measure_ids: Iterable[str] | None = None,
        geography_id: str = CITYWIDE,
        fields: tuple[str, ...] | None = None,
    ) -> dict[str, dict]:
        """The stored payloads of visible measures (all, or ``measure_ids``) in one query:
        measure id → payload; with ``fields``, only those top-level keys of each (a
        listing of hundreds of measures then caches and reads kilobytes, not megabytes)."""
        payloads = self._payloads(measure_ids, geography_id)
        if fields is None:
            return dict(payloads)
        return {m: {k: p[k] for k in fields if k in p} for m, p in payloads}

    @cached_read
    def change_digests(self, geography_id: str = CITYWIDE) -> dict[str, dict]:
        """What the overview's "what changed" reads of every visible measure's summary
        (:func:`analytics.overview.change_digest`), as ``statroom refresh`` stored it: a
        few hundred bytes each, where the payloads are tens of kilobytes. Summaries stored
        without one (before migration 0003, or of a neighborhood) get theirs from the
        payload."""
        stmt = self._visible(
            select(MeasureSummary.measure_id, MeasureSummary.digest)
            .join(Measure, Measure.id == MeasureSummary.measure_id)
            .where(MeasureSummary.geography_id == geography_id)
        )
        with self.engine.connect() as conn:
            digests = dict(conn.execute(stmt).all())
        missing = [m for m, digest in digests.items() if digest is None]
        if missing:
            digests.update((m, change_digest(p)) for m, p in self._payloads(missing, geography_id))
        return digests

    def _payloads(self, measure_ids: Iterable[str] | None, geography_id: str):
        stmt = self._visible(
            select(MeasureSummary.measure_id, MeasureSummary.payload)
            .join(Measure, Measure.id == MeasureSummary.measure_id)
            .where(MeasureSummary.geography_id == geography_id)
        )
        if measure_ids is not None:
            stmt = stmt.where(MeasureSummary.measure_id.in_(list(measure_ids)))
        with self.engine.connect() as conn:
            for measure_id, payload in conn.execute(stmt):
                yield measure_id, payload or {}

    # -- action items -------------------------------------------------------------------

    def actions(self, measure_id: str | None = None, open_only: bool = False) -> pd.DataFrame:
        """Action items; those linked to a measure the viewer may not see are left out."""
        stmt = select(
            ActionItem.id,
            ActionItem.description,
            ActionItem.owner,
            ActionItem.department,
            ActionItem.due_date,
            ActionItem.status,
            ActionItem.measure_id,
            ActionItem.meeting_id,
            ActionItem.completed_at,
            ActionItem.version,
        ).outerjoin(Measure, Measure.id == ActionItem.measure_id)
        if not self.viewer.can_see_internal:
            # The public sees no action items at all: they are internal working notes.
            return pd.DataFrame(columns=ACTION_COLUMNS)
        if measure_id is not None:
            stmt = stmt.where(ActionItem.measure_id == measure_id)
        if open_only:
            stmt = stmt.where(ActionItem.status.in_(["open", "in_progress"]))
        return self._frame(stmt.order_by(ActionItem.due_date), ACTION_COLUMNS)

    # -- meetings -----------------------------------------------------------------------
    # Meetings, agendas, notes and action items are internal working records: the public
    # sees none of them. Writes go through data.meetings.

    def meetings(self) -> pd.DataFrame:
        """Every meeting, latest first, with its agenda size and number of actions agreed."""
        if not self.viewer.can_see_internal:
            return pd.DataFrame(columns=MEETING_COLUMNS)
        items = (
            select(
                AgendaItem.meeting_id,
                func.count().label("n_items"),
                func.sum(AgendaItem.minutes).label("agenda_minutes"),
            )
            .group_by(AgendaItem.meeting_id)
            .subquery()
        )
        agreed = (
            select(ActionItem.meeting_id, func.count().label("n_actions"))
            .group_by(ActionItem.meeting_id)
            .subquery()
        )
        stmt = (
            select(
                *[getattr(Meeting, c) for c in _MEETING_FIELDS],
                func.coalesce(items.c.n_items, 0),
                func.coalesce(items.c.agenda_minutes, 0),
                func.coalesce(agreed.c.n_actions, 0),
            )
            .outerjoin(items, items.c.meeting_id == Meeting.id)
            .outerjoin(agreed, agreed.c.meeting_id == Meeting.id)
            .order_by(Meeting.scheduled_for.desc(), Meeting.id.desc())
        )
        with self.engine.connect() as conn:
            rows = [
                _meeting_record(row[: len(_MEETING_FIELDS)])
                | dict(zip(("n_items", "agenda_minutes", "n_actions"), row[-3:], strict=True))
                for row in conn.execute(stmt)
            ]
        frame = pd.DataFrame(rows, columns=MEETING_COLUMNS)
        return _datetimes(
            frame, ["scheduled_for", "memo_sent_at", "followup_sent_at", "created_at"]
        )

    def meeting(self, meeting_id) -> MeetingInfo | None:
        """One meeting with its memo and follow-up texts, or None."""
        if not self.viewer.can_see_internal or not _is_int(meeting_id):
            return None
        stmt = select(
            *[getattr(Meeting, c) for c in _MEETING_FIELDS],
            Meeting.memo_text,
            Meeting.followup_text,
        ).where(Meeting.id == int(meeting_id))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        record = _meeting_record(row[: len(_MEETING_FIELDS)])
        return MeetingInfo(**record, memo_text=row[-2] or "", followup_text=row[-1] or "")

    def agenda(self, meeting_id) -> pd.DataFrame:
        """A meeting's agenda in order: id, position, section, title, measure_id, ..."""
        if not self.viewer.can_see_internal or not _is_int(meeting_id):
            return pd.DataFrame(columns=AGENDA_COLUMNS)
        stmt = (
            select(*[getattr(AgendaItem, c) for c in AGENDA_COLUMNS])
            .where(AgendaItem.meeting_id == int(meeting_id))
            .order_by(AgendaItem.position, AgendaItem.id)
        )
        return _none_for_missing(
            self._frame(stmt, AGENDA_COLUMNS), ["measure_id", "action_item_id"]
        )

    def meeting_notes(self, meeting_id) -> pd.DataFrame:
        """Notes taken in a meeting, oldest first."""
        if not self.viewer.can_see_internal or not _is_int(meeting_id):
            return pd.DataFrame(columns=NOTE_COLUMNS)
        stmt = (
            select(*[getattr(MeetingNote, c) for c in NOTE_COLUMNS])
            .where(MeetingNote.meeting_id == int(meeting_id))
            .order_by(MeetingNote.created_at, MeetingNote.id)
        )
        frame = _datetimes(self._frame(stmt, NOTE_COLUMNS), ["created_at"])
        return _none_for_missing(frame, ["agenda_item_id"])

    def meeting_annotations(self, meeting_id) -> pd.DataFrame:
        """Chart annotations captured in a meeting, oldest first."""
        if not self.viewer.can_see_internal or not _is_int(meeting_id):
            return pd.DataFrame(columns=MEETING_ANNOTATION_COLUMNS)
        stmt = (
            select(*[getattr(Annotation, c) for c in MEETING_ANNOTATION_COLUMNS])
            .where(Annotation.meeting_id == int(meeting_id))
            .order_by(Annotation.created_at, Annotation.id)
        )
        frame = _datetimes(self._frame(stmt, MEETING_ANNOTATION_COLUMNS), ["created_at"])
        return _none_for_missing(frame, ["measure_id", "end_date"])

    def action_items(
        self,
        *,
        owner: str | None = None,
        department: str | None = None,
        status: str | Iterable[str] | None = None,
        meeting_id=None,
        measure_id: str | None = None,
    ) -> pd.DataFrame:
        """Action items with their meeting and measure names, filtered; soonest due first."""
        if not self.viewer.can_see_internal:
            return pd.DataFrame(columns=ACTION_ITEM_COLUMNS)
        stmt = (
            select(
                *[getattr(ActionItem, c) for c in ACTION_COLUMNS],
                ActionItem.created_at,
                Meeting.title,
                Meeting.scheduled_for,
                Measure.name,
            )
            .outerjoin(Meeting, Meeting.id == ActionItem.meeting_id)
            .outerjoin(Measure, Measure.id == ActionItem.measure_id)
            .order_by(ActionItem.due_date, ActionItem.id)
        )
        if owner:
            stmt = stmt.where(ActionItem.owner == owner)
        if department:
            stmt = stmt.where(ActionItem.department == department)
        if status:
            stmt = stmt.where(
                ActionItem.status.in_([status] if isinstance(status, str) else list(status))
            )
        if meeting_id not in (None, ""):
            if not _is_int(meeting_id):
                return pd.DataFrame(columns=ACTION_ITEM_COLUMNS)
            stmt = stmt.where(ActionItem.meeting_id == int(meeting_id))
        if measure_id:
            stmt = stmt.where(ActionItem.measure_id == measure_id)
        frame = _datetimes(self._frame(stmt, ACTION_ITEM_COLUMNS), ["created_at", "meeting_date"])
        return _none_for_missing(
            frame, ["measure_id", "meeting_id", "completed_at", "meeting_title", "measure_name"]
        )

    def action_history(self, action_ids: Iterable[int] | None = None) -> pd.DataFrame:
        """Status changes of action items (all, or ``action_ids``), oldest first per item."""
        if not self.viewer.can_see_internal:
            return pd.DataFrame(columns=HISTORY_COLUMNS)
        stmt = select(
            ActionStatusChange.action_id,
            ActionStatusChange.old_status,
            ActionStatusChange.new_status,
            ActionStatusChange.changed_by,
            ActionStatusChange.changed_at,
            ActionStatusChange.comment,
        ).order_by(
            ActionStatusChange.action_id, ActionStatusChange.changed_at, ActionStatusChange.id
        )
        if action_ids is not None:
            stmt = stmt.where(ActionStatusChange.action_id.in_([int(i) for i in action_ids]))
        return _datetimes(self._frame(stmt, HISTORY_COLUMNS), ["changed_at"])

    def meeting_activity(self, meeting_id) -> dict[str, str]:
        """Cheap fingerprints of what was captured for a meeting, for live polling: one
        string each for the meeting row, its agenda, actions, annotations and notes, which
        changes whenever that part changes."""
        if not self.viewer.can_see_internal or not _is_int(meeting_id):
            return {}
        mid = int(meeting_id)

        def scalar(column, model, where):
            return select(column).select_from(model).where(where).scalar_subquery()

        parts = {"meeting": [scalar(func.max(Meeting.version), Meeting, Meeting.id == mid)]}
        for name, model, where in (
            ("agenda", AgendaItem, AgendaItem.meeting_id == mid),
            ("actions", ActionItem, ActionItem.meeting_id == mid),
            ("annotations", Annotation, Annotation.meeting_id == mid),
        ):
            parts[name] = [
                scalar(func.count(), model, where),
                scalar(func.max(model.id), model, where),
                scalar(func.sum(model.version), model, where),
            ]
        note = MeetingNote.meeting_id == mid
        parts["notes"] = [
            scalar(func.count(), MeetingNote, note),
            scalar(func.max(MeetingNote.id), MeetingNote, note),
        ]
        columns = [column for group in parts.values() for column in group]
        with self.engine.connect() as conn:
            values = iter(conn.execute(select(*columns)).one())
        return {
            name: "-".join("" if v is None else str(v) for v in [next(values) for _ in group])
            for name, group in parts.items()
        }

    # -- import history -----------------------------------------------------------------

    def import_history(self, limit: int = 50) -> pd.DataFrame:
        if not self.viewer.is_admin:
            return pd.DataFrame(columns=IMPORT_COLUMNS)
        stmt = (
            select(*[getattr(ImportLog, c) for c in IMPORT_COLUMNS])
            .order_by(ImportLog.started_at.desc(), ImportLog.id.desc())
            .limit(limit)
        )
        return self._frame(stmt, IMPORT_COLUMNS)

    # -- health -------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(select(1)).scalar_one()

    # -- helpers ------------------------------------------------------------------------

    def _frame(self, stmt: Select, columns: list[str]) -> pd.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        # Plain tuples: pandas 3 probes every SQLAlchemy Row for a ``dtype`` attribute, and
        # each failed lookup raises inside SQLAlchemy (ten times slower on big reads).
        return _typed_frame([tuple(row) for row in rows], columns)


def _typed_frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """``rows`` as a frame, with periods as datetimes and numbers as floats."""
    frame = pd.DataFrame(rows, columns=columns)
    if "period" in frame.columns:
        frame["period"] = pd.to_datetime(frame["period"])
    for col in ("value", "numerator", "denominator", "latest_value"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


def _driver_rows(conn: Connection, stmt: Select) -> list[tuple]:
    """``stmt``'s rows as the database driver returns them: plain tuples.

    For big reads whose columns need none of SQLAlchemy's result processing. Building a
    ``Row`` for each of a measure's 8,000 observations, then a tuple from it for pandas,
    took twice as long as the query itself (the refresh reads every measure this way).
    The statement is compiled for the connection's dialect and run on its DBAPI cursor.
    """
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.params
    if compiled.positional:  # SQLite's "?" placeholders take the values in order
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return cursor.fetchall()
    finally:
        cursor.close()


ANNOTATION_COLUMNS = [
    "id",
    "measure_id",
    "start_date",
    "end_date",
    "label",
    "description",
    "version",
]
ACTION_COLUMNS = [
    "id",
    "description",
    "owner",
    "department",
    "due_date",
    "status",
    "measure_id",
    "meeting_id",
    "completed_at",
    "version",
]
_MEETING_FIELDS = [
    "id",
    "title",
    "scheduled_for",
    "status",
    "scope",
    "attendees",
    "memo_sent_at",
    "followup_sent_at",
    "created_at",
    "version",
]
MEETING_COLUMNS = [
    "id",
    "title",
    "scheduled_for",
    "status",
    "areas",
    "departments",
    "attendees",
    "memo_sent_at",
    "followup_sent_at",
    "created_at",
    "version",
    "n_items",
    "agenda_minutes",
    "n_actions",
]
AGENDA_COLUMNS = [
    "id",
    "position",
    "section",
    "title",
    "measure_id",
    "action_item_id",
    "minutes",
    "reason",
    "version",
]
NOTE_COLUMNS = ["id", "agenda_item_id", "body", "author", "created_at"]
MEETING_ANNOTATION_COLUMNS = [
    *ANNOTATION_COLUMNS,
    "is_public",
    "source",
    "created_by",
    "created_at",
]
ACTION_ITEM_COLUMNS = [
    *ACTION_COLUMNS,
    "created_at",
    "meeting_title",
    "meeting_date",
    "measure_name",
]
HISTORY_COLUMNS = ["action_id", "old_status", "new_status", "changed_by", "changed_at", "comment"]


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    title: str
    scheduled_for: datetime
    status: str
    areas: tuple[str, ...]
    departments: tuple[str, ...]
    attendees: tuple[str, ...]
    memo_sent_at: datetime | None
    followup_sent_at: datetime | None
    created_at: datetime
    version: int
    memo_text: str = ""
    followup_text: str = ""

    @property
    def scope(self) -> dict:
        return {"areas": list(self.areas), "departments": list(self.departments)}


def _meeting_record(row) -> dict:
    record = dict(zip(_MEETING_FIELDS, row, strict=True))
    scope = record.pop("scope") or {}
    record["areas"] = tuple(scope.get("areas") or ())
    record["departments"] = tuple(scope.get("departments") or ())
    record["attendees"] = tuple(record["attendees"] or ())
    return record


def _is_int(value) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def _none_for_missing(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Optional columns as Python objects with None where missing (not NaN, which is truthy),
    and whole numbers as ints, so ``if row["measure_id"]`` means what it says."""
    for column in columns:
        values = [
            None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
            for v in frame[column]
        ]
        values = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def _datetimes(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column])
    return frame


IMPORT_COLUMNS = [
    "id",
    "started_at",
    "finished_at",
    "user",
    "source",
    "rows_read",
    "rows_written",
    "outcome",
    "message",
]


def _period_range(stmt: Select, start: date | None, end: date | None) -> Select:
    if start is not None:
        stmt = stmt.where(Observation.period >= start)
    if end is not None:
        stmt = stmt.where(Observation.period <= end)
    return stmt


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def save_summaries(engine: Engine, measure_id: str, rows: dict[str, dict]) -> None:
    """Replace a measure's stored summaries with ``rows`` (geography id → summary dict).

    Each summary dict carries the flat listing fields (latest_period, latest_value,
    target_status, trend_verdict, has_new_signal, forecast_error) and is stored whole
    as the JSON payload.
    """
    save_summaries_batch(engine, {measure_id: rows})


def save_summaries_batch(engine: Engine, measures: dict[str, dict[str, dict]]) -> None:
    """:func:`save_summaries` for several measures (measure id → rows) in one transaction."""
    records = [r for m, rows in measures.items() for r in summary_records(m, rows)]
    save_summary_records(engine, list(measures), records)


def _json_text(value) -> str:
    """Compact JSON text, by orjson: several times faster than ``json.dumps`` on the
    refresh's summaries, and smaller to store (470 MB for a large city). Non-finite
    numbers become null (``json.dumps`` wrote ``NaN``, which PostgreSQL rejects)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def summary_records(measure_id: str, rows: dict[str, dict]) -> list[dict]:
    """The rows :func:`save_summary_records` writes for one measure, the payload already
    serialised to JSON text (``statroom refresh`` does this in its worker processes, so
    the one process that writes does not have to)."""
    return [
        {
            "measure_id": measure_id,
            "geography_id": geography_id,
            "latest_period": _optional_date(summary.get("latest_period")),
            "latest_value": summary.get("latest_value"),
            "target_status": summary.get("target_status"),
            "trend_verdict": summary.get("trend_verdict"),
            "has_new_signal": bool(summary.get("has_new_signal")),
            "forecast_error": summary.get("forecast_error") or "",
            "payload": _json_text(summary),
            # Only the overview reads digests, and only citywide ones; other rows' stay empty.
            "digest": _json_text(change_digest(summary)) if geography_id == CITYWIDE else None,
        }
        for geography_id, summary in rows.items()
    ]


def save_summary_records(engine: Engine, measure_ids: list[str], records: list[dict]) -> None:
    """Replace the stored summaries of ``measure_ids`` with :func:`summary_records` rows."""
    now = utcnow()
    table = MeasureSummary.__table__
    # JSON text as is, not serialised again.
    as_json = {c: bindparam(c, type_=Text) for c in ("payload", "digest")}
    if engine.dialect.name == "postgresql":
        as_json = {c: cast(value, table.c[c].type) for c, value in as_json.items()}
    insert = table.insert().values(
        {
            **{c: bindparam(c) for c in SUMMARY_RECORD_COLUMNS if c not in as_json},
            "computed_at": now,
            **as_json,
        }
    )
    with engine.begin() as conn:
        conn.execute(delete(MeasureSummary).where(MeasureSummary.measure_id.in_(measure_ids)))
        if records:
            conn.execute(insert, records)
        bump_data_version(conn)  # app processes drop their cached reads


SUMMARY_RECORD_COLUMNS = [
    "measure_id",
    "geography_id",
    "latest_period",
    "latest_value",
    "target_status",
    "trend_verdict",
    "has_new_signal",
    "forecast_error",
    "payload",
    "digest",
]


def _optional_date(value) -> date | None:
    if value in (None, ""):
        return None
    return _as_date(value)
