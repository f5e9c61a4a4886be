"""Events on the wire: the field names of the original API (SPEC §3)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.domain.comments.schemas import CommentRead
from app.domain.ids import Id
from app.domain.participation.schemas import ParticipantRead
from app.domain.patches import PatchBody
from app.domain.photos.schemas import PhotoRead
from app.domain.resources.schemas import ResourceRead

EventStatus = Literal["draft", "published", "cancelled", "completed"]
NewEventStatus = Literal["draft", "published"]

Latitude = Annotated[float, Meta(ge=-90, le=90, description="Decimal degrees, -90 to 90")]
Longitude = Annotated[float, Meta(ge=-180, le=180, description="Decimal degrees, -180 to 180")]
Capacity = Annotated[int, Meta(ge=1, le=100_000)]
Age = Annotated[int, Meta(ge=0, le=120)]


class CategoryRead(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str
    icon: str
    color: str


class CategoryWrite(msgspec.Struct, kw_only=True):
    name: Annotated[str, Meta(min_length=2, max_length=100)]
    description: str = ""
    icon: Annotated[str, Meta(max_length=50)] = ""
    color: Annotated[str, Meta(pattern=r"^#[0-9A-Fa-f]{6}$")] = "#15803d"


class CategoryPatch(PatchBody):
    name: Annotated[str, Meta(min_length=2, max_length=100)] | UnsetType = UNSET
    description: str | UnsetType = UNSET
    icon: Annotated[str, Meta(max_length=50)] | UnsetType = UNSET
    color: Annotated[str, Meta(pattern=r"^#[0-9A-Fa-f]{6}$")] | UnsetType = UNSET


class EventWrite(msgspec.Struct, kw_only=True):
    """POST and PUT body. Timestamps without an offset are local time in the event's `timezone`."""

    title: str
    description: str = ""
    category: Id
    address: str = ""
    latitude: Latitude
    longitude: Longitude
    city: str = ""
    state: str = ""
    start_date: dt.datetime
    end_date: dt.datetime
    registration_deadline: dt.datetime | None = None
    timezone: str = "America/Sao_Paulo"
    max_participants: Capacity
    min_age: Age = 16
    max_age: Age | None = None
    status: NewEventStatus = "draft"
    is_public: bool = True
    requires_approval: bool = False
    required_tools: str = ""
    provided_tools: str = ""
    what_to_bring: str = ""
    cover_image_url: str = ""
    # Run under an organization's name: only its members may set it.
    organization: Id | None = None


class EventCreate(EventWrite, kw_only=True):
    """POST body: an event, possibly made from a dirty spot."""

    # An open dirty spot (GET /api/spots/) this mutirão will clean: it shows `scheduled` with a link to the
    # event, and `cleaned` once the event's report is filed. Only when creating; PUT ignores it.
    spot: Id | None = None


class EventPatch(PatchBody):
    """PATCH body: absent fields keep their value; `null` clears the nullable ones."""

    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    category: Id | UnsetType = UNSET
    address: str | UnsetType = UNSET
    latitude: Latitude | UnsetType = UNSET
    longitude: Longitude | UnsetType = UNSET
    city: str | UnsetType = UNSET
    state: str | UnsetType = UNSET
    start_date: dt.datetime | UnsetType = UNSET
    end_date: dt.datetime | UnsetType = UNSET
    registration_deadline: dt.datetime | UnsetType | None = UNSET
    timezone: str | UnsetType = UNSET
    max_participants: Capacity | UnsetType = UNSET
    min_age: Age | UnsetType = UNSET
    max_age: Age | UnsetType | None = UNSET
    is_public: bool | UnsetType = UNSET
    requires_approval: bool | UnsetType = UNSET
    required_tools: str | UnsetType = UNSET
    provided_tools: str | UnsetType = UNSET
    what_to_bring: str | UnsetType = UNSET
    cover_image_url: str | UnsetType = UNSET
    organization: Id | UnsetType | None = UNSET


class CoOrganizerAdd(msgspec.Struct, kw_only=True):
    """Who to add: a username or a user id (one of them)."""

    username: Annotated[str, Meta(min_length=1, max_length=150)] | None = None
    user_id: Id | None = None


class CoOrganizerRead(msgspec.Struct, kw_only=True):
    id: int
    username: str
    name: str
    avatar: str


class EventRead(msgspec.Struct, kw_only=True):
    id: int
    title: str
    description: str
    category: CategoryRead
    # The organizer's username, as in the original API (the web app compares it with the user's).
    organizer: str
    organizer_id: int
    organizer_name: str
    organizer_avatar: str
    address: str
    latitude: float
    longitude: float
    city: str
    state: str
    start_date: dt.datetime
    end_date: dt.datetime
    registration_deadline: dt.datetime | None
    timezone: str
    max_participants: int
    min_age: int
    max_age: int | None
    status: EventStatus
    is_public: bool
    requires_approval: bool
    required_tools: str
    provided_tools: str
    what_to_bring: str
    cover_image_url: str
    created_at: dt.datetime
    updated_at: dt.datetime
    participants_count: int
    waitlist_count: int
    # The organization that runs it, if any.
    organization: int | None
    organization_name: str | None
    # The recurring series it is an occurrence of, if any (GET /api/events/series/{id}/).
    series: int | None
    available_spots: int
    is_active: bool
    is_registration_open: bool
    user_participating: bool
    user_participation_status: str | None


class NearbyEventRead(EventRead, kw_only=True):
    distance_km: float


class EventDetail(EventRead, kw_only=True):
    resources: list[ResourceRead] = msgspec.field(default_factory=list)
    photos: list[PhotoRead] = msgspec.field(default_factory=list)  # the most recent six
    # The most recent top-level comments (newest first), each with its replies; the comments endpoint pages.
    comments: list[CommentRead] = msgspec.field(default_factory=list)
    # As the caller may see them: everything for the organizer and staff, names and avatars of the confirmed
    # for a confirmed participant, nobody for anyone else.
    participants: list[ParticipantRead] = msgspec.field(default_factory=list)


class EventStats(msgspec.Struct, kw_only=True):
    confirmed: int
    pending: int
    waitlisted: int
    checked_in: int
    capacity: int
    available_spots: int
    attendance_rate: float  # checked in / confirmed
    resources_total: int
    resources_fully_provided: int
    resources_coverage: float  # share of the needed quantities pledged (1.0 when nothing is needed)
    comments: int
    photos: int
    report: dict[str, Any] | None  # the impact report's figures, once filed


class EventPage(msgspec.Struct, kw_only=True):
    """The DRF envelope."""

    count: int
    next: str | None
    previous: str | None
    results: list[EventRead]


class MyEvents(msgspec.Struct, kw_only=True):
    organized: list[EventRead]
    participating: list[EventRead]
