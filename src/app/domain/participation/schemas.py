"""Participation on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

ExperienceLevel = Literal["beginner", "intermediate", "advanced"]
ParticipationStatus = Literal["confirmed", "pending", "waitlisted", "cancelled", "rejected"]


class JoinRequest(msgspec.Struct, kw_only=True):
    emergency_contact: Annotated[str, Meta(max_length=150)] = ""
    emergency_phone: Annotated[str, Meta(max_length=20)] = ""
    special_needs: Annotated[str, Meta(max_length=2000)] = ""
    experience_level: ExperienceLevel = "beginner"


class ParticipationRead(msgspec.Struct, kw_only=True):
    id: UUID
    event: UUID
    user: UUID
    status: ParticipationStatus
    emergency_contact: str
    emergency_phone: str
    special_needs: str
    experience_level: ExperienceLevel
    checked_in: bool
    check_in_time: dt.datetime | None
    joined_at: dt.datetime
    updated_at: dt.datetime
