"""Notification settings on the wire (SPEC §2)."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType


class NotificationSettings(msgspec.Struct, kw_only=True):
    email_new_events: bool
    email_event_reminders: bool
    email_event_updates: bool
    email_badge_earned: bool


class NotificationSettingsUpdate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """PUT body: the preferences sent change; those left out keep their value; other keys are ignored."""

    email_new_events: bool | UnsetType = UNSET
    email_event_reminders: bool | UnsetType = UNSET
    email_event_updates: bool | UnsetType = UNSET
    email_badge_earned: bool | UnsetType = UNSET
