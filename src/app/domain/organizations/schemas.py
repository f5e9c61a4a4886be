"""Organizations on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.domain.patches import PatchBody


class FollowState(msgspec.Struct, kw_only=True):
    """Whether the caller follows the organization (new events of it reach them by email), and how many do."""

    organization: int
    following: bool
    followers_count: int


Slug = Annotated[str, Meta(min_length=2, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class OrganizationWrite(msgspec.Struct, kw_only=True):
    """A new organization; `slug` (its address) is made from the name when absent."""

    name: Annotated[str, Meta(min_length=2, max_length=200)]
    slug: Slug | None = None
    description: Annotated[str, Meta(max_length=5000)] = ""
    city: Annotated[str, Meta(max_length=100)] = ""
    state: Annotated[str, Meta(max_length=2)] = ""
    website: Annotated[str, Meta(max_length=300, pattern=r"^(https?://\S+)?$")] = ""


class OrganizationPatch(PatchBody):
    name: Annotated[str, Meta(min_length=2, max_length=200)] | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=5000)] | UnsetType = UNSET
    city: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    state: Annotated[str, Meta(max_length=2)] | UnsetType = UNSET
    website: Annotated[str, Meta(max_length=300, pattern=r"^(https?://\S+)?$")] | UnsetType = UNSET
    # Staff only: the organization is who it says it is.
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


class OrganizationPage(msgspec.Struct, kw_only=True):
    """The DRF envelope."""

    count: int
    next: str | None
    previous: str | None
    results: list[OrganizationRead]
