"""Participation: who joined which event, in what state, in what order."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Sequence, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase

PARTICIPATION_STATUSES = ("confirmed", "pending", "waitlisted", "cancelled", "rejected")
# Statuses in which a participation holds (or waits for) a place.
ACTIVE_STATUSES = ("confirmed", "pending", "waitlisted")
EXPERIENCE_LEVELS = ("beginner", "intermediate", "advanced")

# Arrival order across all events: the waitlist is served by it.
arrival_sequence = Sequence("event_participants_arrival_seq")


class EventParticipant(IdentityAuditBase):
    __tablename__ = "event_participants"
    __table_args__ = (
        CheckConstraint(f"status IN {PARTICIPATION_STATUSES}", name="status_known"),
        CheckConstraint(f"experience_level IN {EXPERIENCE_LEVELS}", name="experience_known"),
        # One participation per person and event; leaving and joining again reuses it.
        Index("uq_event_participants_event_user", "event_id", "user_id", unique=True),
        # The waitlist, in arrival order; and an event's participants by status.
        Index("ix_event_participants_event_status_arrival", "event_id", "status", "arrival"),
        Index("ix_event_participants_user_status", "user_id", "status"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    arrival: Mapped[int] = mapped_column(BigInteger, arrival_sequence, server_default=arrival_sequence.next_value())
    emergency_contact: Mapped[str] = mapped_column(String(150), default="")
    emergency_phone: Mapped[str] = mapped_column(String(20), default="")
    special_needs: Mapped[str] = mapped_column(Text, default="")
    experience_level: Mapped[str] = mapped_column(String(16), default="beginner")
    checked_in: Mapped[bool] = mapped_column(Boolean, default=False)
    check_in_time: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
