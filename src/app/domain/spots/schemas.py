"""Spots on the wire: the report body, the spot as read, and the GeoJSON map layer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from app.domain.events.schemas import Latitude, Longitude
from app.domain.ids import Id
from app.domain.spots.models import MAX_DESCRIPTION_LENGTH

SpotKind = Literal["trash", "rubble", "illegal_dumping", "polluted_water", "other"]
SpotSize = Literal["small", "medium", "large"]
SpotStatus = Literal["open", "scheduled", "cleaned", "hidden"]


class SpotWrite(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """A report. When an open or scheduled spot of the same kind lies within 50 m, the answer is a 409
    `possible_duplicate` naming it; send the report again with `confirm_spot` (it is the same spot: a confirmation
    is added) or with `new_spot: true` (it is another one)."""

    latitude: Latitude
    longitude: Longitude
    kind: SpotKind
    # small: a few bags; medium: a car load; large: a truck load or more.
    size: SpotSize = "small"
    description: Annotated[str, Meta(max_length=MAX_DESCRIPTION_LENGTH)] = ""
    confirm_spot: Id | None = None
    new_spot: bool = False


class SpotPhotoRead(msgspec.Struct, kw_only=True):
    id: int
    photo: str
    # At most 400 pixels on its longer side (null for a photo stored before thumbnails, or an event photo whose
    # thumbnail is still being made).
    thumbnail: str | None
    created_at: dt.datetime


class SpotRead(msgspec.Struct, kw_only=True):
    id: int
    latitude: float
    longitude: float
    kind: str
    size: str
    description: str
    status: str
    confirmations_count: int
    reported_by: str
    # The mutirão planned for it (`scheduled`), or that cleaned it (`cleaned`): shown once that event is public and
    # published (a draft's or a private event's spot is `scheduled` with no event, except to its organizer).
    event: int | None
    event_url: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    photos: list[SpotPhotoRead] = msgspec.field(default_factory=list)
    # The event's `after` photos, once the spot is cleaned.
    after_photos: list[SpotPhotoRead] = msgspec.field(default_factory=list)


class SpotPage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    results: list[SpotRead]


class DuplicateCandidate(msgspec.Struct, kw_only=True):
    id: int
    distance_m: float
    status: str
    confirmations_count: int


class GeoPoint(msgspec.Struct, kw_only=True):
    type: Literal["Point"] = "Point"
    # GeoJSON order: longitude first.
    coordinates: tuple[float, float]


class SpotFeature(msgspec.Struct, kw_only=True):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: GeoPoint
    properties: dict[str, Any]


class SpotCollection(msgspec.Struct, kw_only=True):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SpotFeature]
