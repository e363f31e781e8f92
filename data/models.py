"""SQLAlchemy 2 models: the Statroom store.

Every schema change goes through an Alembic migration in ``data/migrations``.
Enumerated columns are plain strings guarded by CHECK constraints so the same
schema works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

CITYWIDE = "citywide"

UNITS = ("count", "percent", "currency", "minutes", "hours", "days", "rate", "ratio", "score")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
FREQUENCIES = ("day", "week", "month", "quarter", "year")
AGGREGATIONS = ("sum", "mean", "rate")
GEOGRAPHY_KINDS = ("city", "district", "neighborhood")
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
MEETING_STATUSES = ("scheduled", "held", "cancelled")
AGENDA_SECTIONS = ("follow_up", "standing", "new")
ROLES = ("viewer", "editor", "admin")
IMPORT_OUTCOMES = ("running", "success", "rejected", "failed")
ANNOTATION_SOURCES = ("catalog", "meeting", "user")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


# Named constraints let Alembic alter them later, on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class City(Base):
    """The single row of city-wide settings from the catalog."""

    __tablename__ = "city"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=7)
    boundaries_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fy_month"),)


class PriorityArea(Base):
    __tablename__ = "priority_area"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    display_order: Mapped[int] = mapped_column(Integer, default=0)

    measures: Mapped[list[Measure]] = relationship(back_populates="area")


class Measure(Base):
    __tablename__ = "measure"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    area_id: Mapped[str] = mapped_column(ForeignKey("priority_area.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    methodology: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(20))
    #: Free-text noun for counts ("potholes"), currency code ("USD") and the like.
    unit_label: Mapped[str] = mapped_column(String(60), default="")
    decimals: Mapped[int] = mapped_column(Integer, default=0)
    #: For unit "rate": the value is numerator / denominator * rate_per ("per 1,000 residents").
    rate_per: Mapped[int | None] = mapped_column(Integer, nullable=True)
    direction: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10))
    #: Days after a period ends by which its data is expected; later means stale.
    update_lag_days: Mapped[int] = mapped_column(Integer, default=30)
    aggregation: Mapped[str] = mapped_column(String(10))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    data_source: Mapped[str] = mapped_column(Text, default="")
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    area: Mapped[PriorityArea] = relationship(back_populates="measures")

    __table_args__ = (
        _one_of("unit", UNITS),
        _one_of("direction", DIRECTIONS),
        _one_of("frequency", FREQUENCIES),
        _one_of("aggregation", AGGREGATIONS),
        CheckConstraint("rate_per IS NULL OR rate_per > 0", name="rate_per_positive"),
    )

    @property
    def scale(self) -> float:
        """Multiplier from numerator/denominator to the displayed value."""
        return measure_scale(self.unit, self.rate_per)


def measure_scale(unit: str, rate_per: int | None) -> float:
    if unit == "percent":
        return 100.0
    if unit == "rate" and rate_per:
        return float(rate_per)
    return 1.0


class Target(Base):
    """One step of a measure's target trajectory: the target for [period_start, period_end]."""

    __tablename__ = "target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    #: Absolute distance from the target, in the measure's unit, still counted "near".
    tolerance: Mapped[float] = mapped_column(Float, default=0.0)
    label: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (
        UniqueConstraint("measure_id", "period_start"),
        CheckConstraint("period_end >= period_start", name="target_period_order"),
        CheckConstraint("tolerance >= 0", name="target_tolerance"),
    )


class Geography(Base):
    __tablename__ = "geography"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    equity_priority: Mapped[bool] = mapped_column(Boolean, default=False)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    #: A GeoJSON geometry object (Polygon or MultiPolygon); null for citywide.
    geometry: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    display_order: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (_one_of("kind", GEOGRAPHY_KINDS),)


class Observation(Base):
    """One value of one measure, for one period and one geography."""

    __tablename__ = "observation"

    measure_id: Mapped[str] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True
    )
    geography_id: Mapped[str] = mapped_column(ForeignKey("geography.id"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (
        # The primary key (measure, geography, period) serves one series; this serves
        # one period across all geographies (maps, rankings).
        Index("ix_observation_measure_period", "measure_id", "period"),
        CheckConstraint("denominator IS NULL OR denominator > 0", name="obs_denominator"),
        # SQLite keeps the rows in the primary key's B-tree (migration 0004).
        {"sqlite_with_rowid": False},
    )


class Annotation(Base):
    """A dated event or interval on one measure, or on all measures when measure_id is null."""

    __tablename__ = "annotation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str | None] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), nullable=True, index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    #: "catalog" annotations are replaced by a catalog re-import; "meeting" and "user" ones are kept.
    source: Mapped[str] = mapped_column(String(20), default="catalog")
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (_one_of("source", ANNOTATION_SOURCES),)
    __mapper_args__ = {"version_id_col": version}


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    #: {"areas": [area ids], "departments": [names]}
    scope: Mapped[dict] = mapped_column(JSON, default=dict)
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    memo_text: Mapped[str] = mapped_column(Text, default="")
    memo_sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    followup_text: Mapped[str] = mapped_column(Text, default="")
    followup_sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (_one_of("status", MEETING_STATUSES),)
    __mapper_args__ = {"version_id_col": version}


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    section: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    measure_id: Mapped[str | None] = mapped_column(
        ForeignKey("measure.id", ondelete="SET NULL"), nullable=True
    )
    action_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_item.id", ondelete="SET NULL"), nullable=True
    )
    minutes: Mapped[int] = mapped_column(Integer, default=5)
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")

    __table_args__ = (
        _one_of("section", AGENDA_SECTIONS),
        CheckConstraint("minutes >= 0", name="agenda_minutes"),
    )
    __mapper_args__ = {"version_id_col": version}


class MeetingNote(Base):
    __tablename__ = "meeting_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ActionItem(Base):
    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    measure_id: Mapped[str | None] = mapped_column(
        ForeignKey("measure.id", ondelete="SET NULL"), nullable=True, index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    history: Mapped[list[ActionStatusChange]] = relationship(
        back_populates="action",
        order_by="ActionStatusChange.changed_at",
        cascade="all, delete-orphan",
    )

    __table_args__ = (_one_of("status", ACTION_STATUSES),)
    __mapper_args__ = {"version_id_col": version}


class ActionStatusChange(Base):
    __tablename__ = "action_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("action_item.id", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    new_status: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    action: Mapped[ActionItem] = relationship(back_populates="history")


class ImportLog(Base):
    __tablename__ = "import_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    user: Mapped[str] = mapped_column(String(120), default="")
    #: What was imported: file names, or "demo city".
    source: Mapped[str] = mapped_column(Text)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    message: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (_one_of("outcome", IMPORT_OUTCOMES),)


class MeasureSummary(Base):
    """Stored analytics for one measure and geography, written by ``statroom refresh``.

    The flat columns serve listings (home, area tiles, agenda proposals); the
    JSON payload holds the full result the measure page draws from.
    """

    __tablename__ = "measure_summary"

    measure_id: Mapped[str] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True
    )
    geography_id: Mapped[str] = mapped_column(ForeignKey("geography.id"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    latest_period: Mapped[date | None] = mapped_column(Date, nullable=True)
    latest_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: met / near / missed / no_target / no_data
    target_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: improving / worsening / no_significant_change / insufficient_data
    trend_verdict: Mapped[str | None] = mapped_column(String(30), nullable=True)
    #: True when the latest point (or latest few) carry a control-chart signal.
    has_new_signal: Mapped[bool] = mapped_column(Boolean, default=False)
    forecast_error: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    #: What the overview's "what changed" reads of the payload (a few hundred bytes),
    #: citywide rows only; None elsewhere and on rows stored before migration 0003.
    digest: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (_one_of("role", ROLES),)


class DataVersion(Base):
    """One row whose ``version`` goes up whenever imported data or stored analytics change.

    Every app process reads it (cheaply, at most once a second or two) and puts it in
    its cache keys, so a refresh or import run by the command line, in another process,
    still retires every cached page read (:mod:`data.cache`).
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
