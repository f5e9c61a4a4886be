"""Accounts on the wire: the shapes of SPEC §2, field for field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from app.domain.ids import Id


class RegisterRequest(msgspec.Struct, kw_only=True):
    username: str
    email: str
    password: str
    password_confirm: str
    first_name: str = ""
    last_name: str = ""


class UserRead(msgspec.Struct, kw_only=True):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    date_joined: dt.datetime


class TokenRequest(msgspec.Struct, kw_only=True):
    """Log in by email or by username."""

    password: str
    email: str | None = None
    username: str | None = None


class TokenPair(msgspec.Struct, kw_only=True):
    access: str
    refresh: str


class RefreshRequest(msgspec.Struct, kw_only=True):
    refresh: str


class NamesUpdate(msgspec.Struct, kw_only=True, omit_defaults=True):
    first_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET


class ProfileUpdate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """PATCH body: absent fields stay as they are; `null` clears `birth_date`."""

    first_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    # The SPA may also send the names nested, as they are read.
    user: NamesUpdate | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    birth_date: dt.date | UnsetType | None = UNSET
    bio: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    state: str | UnsetType = UNSET
    zip_code: str | UnsetType = UNSET
    interests: list[Id] | UnsetType = UNSET
    notification_preferences: dict[str, bool] | UnsetType = UNSET
    is_public_profile: bool | UnsetType = UNSET
    show_participation_history: bool | UnsetType = UNSET


class ProfileRead(msgspec.Struct, kw_only=True):
    id: int
    user: UserRead
    phone: str
    birth_date: dt.date | None
    bio: str
    avatar_url: str
    age: int | None
    city: str
    state: str
    zip_code: str
    interests: list[int]
    notification_preferences: dict[str, Any]
    is_public_profile: bool
    show_participation_history: bool
    total_events_participated: int
    total_hours_volunteered: float
    created_at: dt.datetime
    updated_at: dt.datetime


class PublicProfile(msgspec.Struct, kw_only=True):
    """What anyone may see of a public profile."""

    id: int
    username: str
    first_name: str
    last_name: str
    bio: str
    avatar_url: str
    city: str
    state: str
    date_joined: dt.datetime
    total_events_participated: int
    total_hours_volunteered: float
    show_participation_history: bool


class ChangePasswordRequest(msgspec.Struct, kw_only=True):
    old_password: str
    new_password: str
    new_password_confirm: str


class PasswordChanged(msgspec.Struct, kw_only=True):
    """The old refresh tokens are revoked; a fresh pair keeps this device signed in."""

    message: str
    access: str
    refresh: str


class ErasureRequest(msgspec.Struct, kw_only=True):
    """The account's password, asked again: erasure cannot be undone."""

    password: str
