"""Impact: organizers' reports, each volunteer's verified contribution, badges and monthly reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase, IdentityBase

REPORT_EDITABLE_FOR = dt.timedelta(days=30)

# The figures a badge may be earned on; each badge names one and a threshold.
BADGE_CRITERIA = (
    "events_participated",
    "events_organized_with_report",
    "trees_planted",
    "trash_collected_kg",
    "founding_categories",
)


class EventReport(IdentityAuditBase):
    """The organizer's account of what an event achieved, filed after it ends."""

    __tablename__ = "event_reports"
    __table_args__ = (
        CheckConstraint(
            "total_participants >= 0 AND total_hours >= 0 AND trash_collected_kg >= 0 "
            "AND recyclable_material_kg >= 0 AND trees_planted >= 0 AND area_cleaned_m2 >= 0",
            name="figures_not_negative",
        ),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    total_participants: Mapped[int] = mapped_column(Integer)
    total_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    trash_collected_kg: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    recyclable_material_kg: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    trees_planted: Mapped[int] = mapped_column(Integer, default=0)
    area_cleaned_m2: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    summary: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    achievements: Mapped[str] = mapped_column(Text, default="")
    # Written by process_event_report_statistics: the check-ins that back the report.
    verified_participants: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    @property
    def editable_until(self) -> dt.datetime:
        return self.created_at + REPORT_EDITABLE_FOR


class VolunteerContribution(IdentityBase):
    """One volunteer's verified share of one event (they checked in). Rewritten by update_user_statistics."""

    __tablename__ = "volunteer_contributions"
    __table_args__ = (Index("uq_volunteer_contributions_user_event", "user_id", "event_id", unique=True),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("event_categories.id", ondelete="RESTRICT"))
    held_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    trash_collected_kg: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    trees_planted: Mapped[Decimal] = mapped_column(Numeric(10, 2))


# `category_key` of the totals over every category.
EVERY_CATEGORY = 0
# `period_start` of the all-time totals.
ALL_TIME = dt.date(1970, 1, 1)


class VolunteerTotal(IdentityBase):
    """A volunteer's verified hours and events in one slice — all time, a calendar year or month (APP_TIMEZONE),
    every category or one — summed from their contributions by update_user_statistics. Leaderboards read these
    in index order instead of summing contributions on every request."""

    __tablename__ = "volunteer_totals"
    __table_args__ = (
        CheckConstraint("period IN ('all', 'year', 'month')", name="period_known"),
        UniqueConstraint("user_id", "period", "period_start", "category_key"),
        # A board and its count are one range of this index: a slice's public totals, most hours first.
        Index(
            "ix_volunteer_totals_board",
            "period",
            "period_start",
            "category_key",
            "public",
            literal_column("hours DESC"),
            "user_id",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[dt.date] = mapped_column(Date)
    category_key: Mapped[int] = mapped_column(BigInteger)
    hours: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    events: Mapped[int] = mapped_column(Integer)
    # The profile's `is_public_profile`, copied so that a board is counted from the index alone; it follows the
    # profile in the same transaction (AccountService.update_profile → StatisticsService.follow_privacy).
    public: Mapped[bool] = mapped_column(Boolean)


class Badge(IdentityAuditBase):
    """A badge of the catalogue: earned when the volunteer's `criterion` figure reaches `threshold`."""

    __tablename__ = "badges"
    __table_args__ = (CheckConstraint(f"criterion IN {BADGE_CRITERIA}", name="criterion_known"),)

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    icon: Mapped[str] = mapped_column(String(50))
    criterion: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    position: Mapped[int] = mapped_column(Integer)


class UserBadge(IdentityBase):
    """A badge a user earned. Unique per user and badge: awarding twice is impossible, not merely checked."""

    __tablename__ = "user_badges"
    __table_args__ = (UniqueConstraint("user_id", "badge_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"), index=True)
    earned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MonthlyImpactReport(IdentityAuditBase):
    """The platform's impact in one calendar month (in APP_TIMEZONE); regenerating a month replaces it."""

    __tablename__ = "monthly_impact_reports"

    month: Mapped[dt.date] = mapped_column(Date, unique=True)  # the first day of the month
    events_held: Mapped[int] = mapped_column(Integer)
    unique_volunteers: Mapped[int] = mapped_column(Integer)
    total_hours: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    trash_collected_kg: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    recyclable_material_kg: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    trees_planted: Mapped[int] = mapped_column(Integer)
    area_cleaned_m2: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    # [{category, name, color, events_held, unique_volunteers, total_hours, trash_collected_kg, …}]
    categories: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # [{city, state, events_held, unique_volunteers, total_hours}], most events first
    top_cities: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
