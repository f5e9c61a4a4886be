"""Participation on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.domain.ids import Id

ExperienceLevel = Literal["beginner", "intermediate", "advanced"]
ParticipationStatus = Literal["confirmed", "pending", "waitlisted", "cancelled", "rejected"]


class JoinRequest(msgspec.Struct, kw_only=True):
    emergency_contact: Annotated[str, Meta(max_length=150)] = ""
    emergency_phone: Annotated[str, Meta(max_length=20)] = ""
    special_needs: Annotated[str, Meta(max_length=2000)] = ""
    experience_level: ExperienceLevel = "beginner"


class ParticipationRead(msgspec.Struct, kw_only=True):
    id: int
    event: int
    user: int
    status: ParticipationStatus
    emergency_contact: str
    emergency_phone: str
    special_needs: str
    experience_level: ExperienceLevel
    checked_in: bool
    check_in_time: dt.datetime | None
    joined_at: dt.datetime
    updated_at: dt.datetime


class DecisionRequest(msgspec.Struct, kw_only=True):
    """The organizer's answer to a participation (approval flow)."""

    status: Literal["confirmed", "rejected"]


class CheckInRequest(msgspec.Struct, kw_only=True):
    """Proof of presence: the event's code, or the phone's position (with its reported accuracy in metres).
    The organizer or staff check in someone else by `user_id` instead."""

    check_in_code: Annotated[str, Meta(max_length=32)] | None = None
    latitude: Annotated[float, Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Meta(ge=-180, le=180)] | None = None
    accuracy: Annotated[float, Meta(ge=0, le=100_000)] | None = None
    user_id: Id | None = None


class CheckInCode(msgspec.Struct, kw_only=True):
    check_in_code: str
    qr_code_svg: str
    qr_code_png: str


class ParticipantRead(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A participant as the caller may see them: the organizer and staff get every field, emergency data
    included; a confirmed participant gets `id`, `user_name` and `user_avatar` only."""

    id: int
    user_name: str
    user_avatar: str
    user: int | UnsetType = UNSET
    username: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    status: ParticipationStatus | UnsetType = UNSET
    emergency_contact: str | UnsetType = UNSET
    emergency_phone: str | UnsetType = UNSET
    special_needs: str | UnsetType = UNSET
    experience_level: ExperienceLevel | UnsetType = UNSET
    checked_in: bool | UnsetType = UNSET
    check_in_time: dt.datetime | UnsetType | None = UNSET
    joined_at: dt.datetime | UnsetType = UNSET


class ParticipantPage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    results: list[ParticipantRead]


class HistoryEvent(msgspec.Struct, kw_only=True):
    id: int
    title: str
    category: str
    city: str
    state: str
    start_date: dt.datetime
    end_date: dt.datetime
    status: str


class HistoryEntry(msgspec.Struct, kw_only=True):
    id: int
    event: HistoryEvent
    status: ParticipationStatus
    checked_in: bool
    check_in_time: dt.datetime | None
    joined_at: dt.datetime


class HistoryPage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    results: list[HistoryEntry]


class CalendarFeed(msgspec.Struct, kw_only=True):
    """Where calendar apps subscribe to the caller's joined events. The URL is a secret: it needs no login."""

    url: str
    webcal_url: str
