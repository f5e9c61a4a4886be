"""Events: categories and the mutirões themselves.

An event carries its own counters (`participants_count`, `waitlist_count`, `pending_count`), kept by the
participation rules in the same transaction as each change, so lists never count rows. Location and
search are served by expression indexes (GiST on `point(longitude, latitude)`, GIN on the text search
vector of `search_text`), which is core PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.accounts.models import User
from app.domain.base import IdentityAuditBase, metadata

EVENT_STATUSES = ("draft", "published", "cancelled", "completed")
# Statuses anyone may see (on public events).
LISTED_STATUSES = ("published", "completed", "cancelled")
DEFAULT_TIMEZONE = "America/Sao_Paulo"


class EventCategory(IdentityAuditBase):
    __tablename__ = "event_categories"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(50), default="")
    color: Mapped[str] = mapped_column(String(7), default="#15803d")


class EventSeries(IdentityAuditBase):
    """A recurring mutirão: the rule its occurrences were made from. Each occurrence is an ordinary event."""

    __tablename__ = "event_series"

    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The RFC 5545 RRULE (the subset SPEC allows), read in `timezone` from the first occurrence's start.
    rrule: Mapped[str] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)


class Event(IdentityAuditBase):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("start_date < end_date", name="start_before_end"),
        CheckConstraint(
            "registration_deadline IS NULL OR registration_deadline <= start_date", name="deadline_before_start"
        ),
        CheckConstraint("max_participants >= 1", name="capacity_positive"),
        CheckConstraint(
            "participants_count >= 0 AND waitlist_count >= 0 AND pending_count >= 0", name="counters_positive"
        ),
        CheckConstraint("participants_count <= max_participants", name="capacity_never_exceeded"),
        CheckConstraint("latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180", name="coordinates_in_range"),
        CheckConstraint(f"status IN {EVENT_STATUSES}", name="status_known"),
        # Listing: the visible set ordered by start date (default ordering and date filters).
        Index(
            "ix_events_listed_start",
            "start_date",
            "id",
            postgresql_where=text(f"is_public AND status IN {LISTED_STATUSES}"),
        ),
        # Open data: the events that took place, walked in id order (keyset chunks); the validator's columns ride
        # along so that counting them reads the index only.
        Index(
            "ix_events_took_place",
            "id",
            postgresql_include=["end_date", "updated_at"],
            postgresql_where=text("is_public AND status IN ('published', 'completed')"),
        ),
        Index("ix_events_organizer_start", "organizer_id", "start_date"),
        Index("ix_events_organization_start", "organization_id", "start_date"),
        Index("ix_events_series_start", "series_id", "start_date"),
        Index("ix_events_category_start", "category_id", "start_date"),
        Index("ix_events_city", literal_column("lower(city)")),
        Index("ix_events_state_start", "state", "start_date"),
        Index("ix_events_created_at", "created_at"),
        Index("ix_events_title", "title"),
        Index("ix_events_participants_count", "participants_count"),
        # Nearby: published public events in a bounding box, then the exact great-circle distance.
        Index(
            "ix_events_nearby",
            literal_column("point(longitude, latitude)"),
            postgresql_using="gist",
            postgresql_include=["latitude", "longitude", "start_date"],
            postgresql_where=text("is_public AND status = 'published'"),
        ),
        # Accent- and case-insensitive search over title, description and city.
        Index(
            "ix_events_search",
            literal_column("to_tsvector('simple'::regconfig, search_text)"),
            postgresql_using="gin",
        ),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("event_categories.id", ondelete="RESTRICT"))
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), default=None
    )
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), default=None)
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    start_date: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    end_date: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    registration_deadline: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    max_participants: Mapped[int] = mapped_column(Integer)
    min_age: Mapped[int] = mapped_column(Integer, default=16)
    max_age: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    required_tools: Mapped[str] = mapped_column(Text, default="")
    provided_tools: Mapped[str] = mapped_column(Text, default="")
    what_to_bring: Mapped[str] = mapped_column(Text, default="")
    cover_image_url: Mapped[str] = mapped_column(String(500), default="")
    participants_count: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    # Shown to the organizer (and as a QR code); participants type it in to prove they are there.
    # Drawn by the database (migration 0007), also when the organizer rotates it.
    check_in_code: Mapped[str] = mapped_column(String(12), server_default=text("mutiroes_check_in_code()"))
    # Title, description and city without accents, lower-cased: what `search` matches (kept by the service).
    search_text: Mapped[str] = mapped_column(Text, default="")

    # Reads go through events.queries (hand-written SQL); writes never need these loaded.
    category: Mapped[EventCategory] = relationship(lazy="raise")
    organizer: Mapped[User] = relationship(lazy="raise")


# Co-organizers: every power of the organizer over the event except deleting it and changing co-organizers.
event_co_organizers = Table(
    "event_co_organizers",
    metadata,
    Column("event_id", BigInteger, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("added_by_id", BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_event_co_organizers_user_id", "user_id"),
)
