"""Organizations on the wire: the organization, its public page, members, invitations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.domain.patches import PatchBody

Role = Literal["owner", "admin", "organizer"]

Name = Annotated[str, Meta(min_length=3, max_length=200)]
Slug = Annotated[str, Meta(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")]
Description = Annotated[str, Meta(max_length=5000)]
City = Annotated[str, Meta(max_length=100)]
State = Annotated[str, Meta(max_length=2)]
Website = Annotated[str, Meta(max_length=300)]


class OrganizationWrite(msgspec.Struct, kw_only=True):
    """POST body: the slug is made from the name when absent."""

    name: Name
    slug: Slug | None = None
    description: Description = ""
    city: City = ""
    state: State = ""
    website: Website = ""


class OrganizationPatch(PatchBody):
    """PATCH body: absent fields keep their value. `is_verified` is for staff only."""

    name: Name | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    city: City | UnsetType = UNSET
    state: State | UnsetType = UNSET
    website: Website | UnsetType = UNSET
    is_verified: bool | UnsetType = UNSET


class OrganizationRead(msgspec.Struct, kw_only=True):
    id: int
    name: str
    slug: str
    description: str
    logo_url: str
    city: str
    state: str
    website: str
    is_verified: bool
    members_count: int
    followers_count: int
    created_at: dt.datetime


class OrganizationEvent(msgspec.Struct, kw_only=True):
    """An event on the organization's page."""

    id: int
    title: str
    start_date: dt.datetime
    end_date: dt.datetime
    city: str
    state: str
    status: str
    participants_count: int
    max_participants: int
    cover_image_url: str


class OrganizationImpact(msgspec.Struct, kw_only=True):
    """Verified figures only, by the volunteers' rules: the check-ins of its held events and their filed reports."""

    events_held: int
    reports_filed: int
    volunteers: int  # distinct people who checked in
    check_ins: int
    hours_volunteered: float
    trash_collected_kg: float
    trees_planted: float


class OrganizationDetail(OrganizationRead, kw_only=True):
    upcoming_events: list[OrganizationEvent]  # the next five, soonest first
    past_events: list[OrganizationEvent]  # the last five, latest first
    impact: OrganizationImpact
    # The caller's place: their role (null when not a member) and whether they follow it (false when anonymous).
    my_role: Role | None
    is_following: bool


class OrganizationPage(msgspec.Struct, kw_only=True):
    """The DRF envelope."""

    count: int
    next: str | None
    previous: str | None
    results: list[OrganizationRead]


class MemberRead(msgspec.Struct, kw_only=True):
    user_id: int
    username: str
    name: str
    avatar_url: str
    role: Role
    joined_at: dt.datetime


class MemberPage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    results: list[MemberRead]


class MemberPatch(msgspec.Struct, kw_only=True):
    role: Role


class InvitationWrite(msgspec.Struct, kw_only=True):
    """Invite someone by `username` or by `email` (one of the two)."""

    username: Annotated[str, Meta(min_length=1, max_length=150)] | None = None
    email: Annotated[str, Meta(min_length=3, max_length=254)] | None = None
    role: Role = "organizer"


class InvitationRead(msgspec.Struct, kw_only=True):
    id: int
    organization_id: int
    email: str
    user_id: int | None
    role: Role
    invited_by: str | None  # the inviter's username
    expires_at: dt.datetime
    created_at: dt.datetime


class InvitationAccept(msgspec.Struct, kw_only=True):
    token: Annotated[str, Meta(min_length=1, max_length=200)]


class MyOrganization(msgspec.Struct, kw_only=True):
    id: int
    name: str
    slug: str
    logo_url: str
    is_verified: bool
    role: Role | None  # null: followed, not a member
    is_following: bool


class MyOrganizations(msgspec.Struct, kw_only=True):
    """Where the caller is a member, and what they follow."""

    memberships: list[MyOrganization]
    following: list[MyOrganization]
