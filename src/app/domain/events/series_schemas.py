"""Recurring events on the wire: the event body plus an RFC 5545 rule, and the series with its occurrences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.domain.events.schemas import Capacity, EventStatus, EventWrite, Latitude, Longitude
from app.domain.ids import Id
from app.domain.patches import PatchBody

Recurrence = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=500,
        description="An RFC 5545 RRULE: FREQ=WEEKLY or MONTHLY, INTERVAL, BYDAY, and COUNT or UNTIL (at most 52)",
        examples=["FREQ=WEEKLY;BYDAY=SA;COUNT=8"],
    ),
]


class EventSeriesWrite(EventWrite, kw_only=True):
    """The event body of the first occurrence (its local start and end are the times of every occurrence) and the
    rule that repeats it."""

    recurrence: Recurrence


class FollowingPatch(PatchBody):
    """What "this and the following" may change. `start_date`/`end_date` are the chosen occurrence's new times:
    the later ones move by the same shift of their local wall-clock time and take the same duration."""

    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    address: str | UnsetType = UNSET
    latitude: Latitude | UnsetType = UNSET
    longitude: Longitude | UnsetType = UNSET
    city: str | UnsetType = UNSET
    state: str | UnsetType = UNSET
    start_date: dt.datetime | UnsetType = UNSET
    end_date: dt.datetime | UnsetType = UNSET
    registration_deadline: dt.datetime | UnsetType | None = UNSET
    max_participants: Capacity | UnsetType = UNSET


class SeriesCancel(msgspec.Struct, kw_only=True):
    """`from_event`: cancel that occurrence and every later one; absent: every upcoming occurrence."""

    from_event: Id | None = None


class OccurrenceRead(msgspec.Struct, kw_only=True):
    id: int
    start_date: dt.datetime
    end_date: dt.datetime
    status: EventStatus


class EventSeriesRead(msgspec.Struct, kw_only=True):
    id: int
    organizer_id: int
    rrule: str
    timezone: str
    # In start order; drafts and private ones only for those who manage them.
    occurrences: list[OccurrenceRead]
