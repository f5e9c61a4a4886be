"""Accounts: users, their public profile and volunteer counters, and refresh-token records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.base import IdentityAuditBase, UUIDBase

NOTIFICATION_KINDS = ("email_new_events", "email_event_reminders", "email_event_updates", "email_badge_earned")


def default_notification_preferences() -> dict[str, Any]:
    return dict.fromkeys(NOTIFICATION_KINDS, True)


def display_name(first_name: str, last_name: str, username: str) -> str:
    """How a person is named to others: their full name, or their username when they gave none."""
    return f"{first_name} {last_name}".strip() or username


class User(IdentityAuditBase):
    __tablename__ = "users"
    __table_args__ = (
        # Usernames and emails are unique whatever their case.
        Index("uq_users_username_lower", func.lower(literal_column("username")), unique=True),
        Index("uq_users_email_lower", func.lower(literal_column("email")), unique=True),
    )

    username: Mapped[str] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language emails are written in: taken from Accept-Language at registration.
    language: Mapped[str] = mapped_column(String(5), default="pt-BR")
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    profile: Mapped[UserProfile] = relationship(back_populates="user", lazy="joined", uselist=False)

    @property
    def date_joined(self) -> dt.datetime:
        return self.created_at

    @property
    def full_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.username)


class UserProfile(IdentityAuditBase):
    __tablename__ = "user_profiles"
    __table_args__ = (Index("uq_user_profiles_calendar_key", "calendar_key", unique=True),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip_code: Mapped[str] = mapped_column(String(10), default="")
    interests: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    notification_preferences: Mapped[dict[str, Any]] = mapped_column(JSONB, default=default_notification_preferences)
    is_public_profile: Mapped[bool] = mapped_column(Boolean, default=True)
    show_participation_history: Mapped[bool] = mapped_column(Boolean, default=True)
    # Counters written only by the statistics jobs, from verified data.
    total_events_participated: Mapped[int] = mapped_column(Integer, default=0)
    total_hours_volunteered: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    trash_collected_kg: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0), server_default="0")
    trees_planted: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0), server_default="0")
    # The secret in the URL of the user's calendar feed; None until they ask for it, replaced when they reset it.
    calendar_key: Mapped[str | None] = mapped_column(String(64), default=None)

    user: Mapped[User] = relationship(back_populates="profile")

    def age(self, today: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class RefreshToken(UUIDBase):
    """One issued refresh token (its id is the JWT's `jti`). Tokens rotated from one login form a family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_expires_at", "expires_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    spent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
