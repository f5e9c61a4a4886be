"""Who wants which email: the four preferences of SPEC §2, kept in the profile, honoured at send time."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import NOTIFICATION_KINDS, User, UserProfile, default_notification_preferences
from app.domain.notifications.links import ALL_EMAILS, Unsubscription
from app.domain.notifications.schemas import NotificationSettings, NotificationSettingsUpdate
from app.domain.time import utcnow

EVENT_UPDATES = "email_event_updates"
EVENT_REMINDERS = "email_event_reminders"
BADGE_EARNED = "email_badge_earned"

# The preference that governs each kind of email (the welcome email always goes).
PREFERENCE_OF_KIND = {
    "join_confirmed": EVENT_UPDATES,
    "approved": EVENT_UPDATES,
    "rejected": EVENT_UPDATES,
    "promoted": EVENT_UPDATES,
    "event_changed": EVENT_UPDATES,
    "event_cancelled": EVENT_UPDATES,
    "spot_scheduled": EVENT_UPDATES,
    "spot_cleaned": EVENT_UPDATES,
    "spot_released": EVENT_UPDATES,
    "reminder": EVENT_REMINDERS,
    "badge_earned": BADGE_EARNED,
}


def opted_in(preference: str) -> ColumnElement[bool]:
    """SQL: the user has not turned `preference` off (absent means on)."""
    return ~UserProfile.notification_preferences.contains({preference: False})


def preferences_of(profile: UserProfile) -> dict[str, Any]:
    return {**default_notification_preferences(), **profile.notification_preferences}


class NotificationSettingsService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def settings_of(self, user: User) -> NotificationSettings:
        preferences = preferences_of(user.profile)
        return NotificationSettings(**{kind: bool(preferences[kind]) for kind in NOTIFICATION_KINDS})

    async def update(self, user: User, data: NotificationSettingsUpdate) -> NotificationSettings:
        changes = msgspec.structs.asdict(data)
        self._set(user.profile, {kind: value for kind, value in changes.items() if value is not msgspec.UNSET})
        await self.session.flush()
        return self.settings_of(user)

    async def recipient(self, unsubscription: Unsubscription) -> User | None:
        """The user an unsubscribe link is for; None if the account is gone."""
        user: User | None = await self.session.scalar(select(User).where(User.id == unsubscription.user_id))
        return user

    async def unsubscribe(self, unsubscription: Unsubscription) -> User | None:
        """Turn off the link's kind of email (every kind for "all"). Idempotent; None if the user is gone."""
        user = await self.recipient(unsubscription)
        if user is None:
            return None
        kinds = NOTIFICATION_KINDS if unsubscription.kind == ALL_EMAILS else (unsubscription.kind,)
        self._set(user.profile, dict.fromkeys(kinds, False))
        await self.session.flush()
        return user

    @staticmethod
    def _set(profile: UserProfile, changes: dict[str, bool]) -> None:
        if changes:
            # A new dict: SQLAlchemy sees a JSONB column change only when the value is replaced.
            profile.notification_preferences = {**profile.notification_preferences, **changes}
            profile.updated_at = utcnow()
