"""Event resources and pledges on the wire."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.domain.patches import PatchBody

ResourceType = Literal["tool", "material", "equipment", "other"]
ResourceName = Annotated[str, Meta(min_length=1, max_length=200)]
ResourceDescription = Annotated[str, Meta(max_length=2000)]
QuantityNeeded = Annotated[int, Meta(ge=1, le=1_000_000)]
Unit = Annotated[str, Meta(min_length=1, max_length=30)]


class ResourceWrite(msgspec.Struct, kw_only=True):
    name: ResourceName
    description: ResourceDescription = ""
    resource_type: ResourceType = "other"
    quantity_needed: QuantityNeeded
    unit: Unit = "unidades"


class ResourcePatch(PatchBody):
    """PATCH body: absent fields keep their value."""

    name: ResourceName | UnsetType = UNSET
    description: ResourceDescription | UnsetType = UNSET
    resource_type: ResourceType | UnsetType = UNSET
    quantity_needed: QuantityNeeded | UnsetType = UNSET
    unit: Unit | UnsetType = UNSET


class ResourceRead(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str
    resource_type: ResourceType
    quantity_needed: int
    quantity_provided: int
    unit: str
    is_fully_provided: bool
    # The caller's pledged quantity; null when they pledged nothing (or are anonymous).
    my_pledge: int | None


class PledgeRequest(msgspec.Struct, kw_only=True):
    """The caller's whole pledge (it replaces any earlier one). Withdrawing is `DELETE …/pledge/`."""

    quantity: Annotated[int, Meta(ge=1, le=1_000_000)]
