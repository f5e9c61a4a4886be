"""Dirty spots API (issue 16): report, confirm, list (JSON and GeoJSON), photos, staff hiding."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user, provide_optional_user, public_session_read
from app.api.events import LatitudeParam, LongitudeParam, OptionalRadius
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.api.params import PathId
from app.api.photos import UPLOAD_LIMIT
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.errors import ValidationFailed
from app.domain.events.queries import Circle
from app.domain.spots.schemas import (
    GeoPoint,
    SpotCollection,
    SpotFeature,
    SpotKind,
    SpotPage,
    SpotRead,
    SpotStatus,
    SpotWrite,
)
from app.domain.spots.services import Box, SpotFilters, SpotService

GEOJSON = "application/geo+json"
DEFAULT_RADIUS_KM = 10.0
# The map layer answers every spot that matches, up to this many (newest first).
MAP_LIMIT = 2000

NEW_SPOT = {
    "latitude": -23.9712,
    "longitude": -46.3321,
    "kind": "illegal_dumping",
    "size": "medium",
    "description": "Entulho e sacos de lixo na beira do canal 3.",
}
SpotBody = Annotated[
    SpotWrite,
    Body(
        title="Spot report",
        examples=[
            Example(summary="A new report", value=NEW_SPOT),
            Example(summary="It is the same spot: confirm it", value={**NEW_SPOT, "confirm_spot": 42}),
            Example(summary="It is another spot: create it anyway", value={**NEW_SPOT, "new_spot": True}),
        ],
    ),
]
BoxParam = Annotated[
    str | None,
    QueryParameter(max_length=200, description="min_lon,min_lat,max_lon,max_lat (decimal degrees)"),
]


@dataclass
class SpotPhotoForm:
    """`multipart/form-data`: the picture."""

    photo: UploadFile


def provide_spots(transaction: NamedDependency[AsyncSession], state: State) -> SpotService:
    settings: Settings = state.settings
    return SpotService(transaction, state.media, lambda event_id: f"{settings.public_url}/api/events/{event_id}/")


def _box(value: str | None) -> Box | None:
    if not value:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(number) for number in numbers):
        raise ValidationFailed.single("bbox", "invalid_value")
    box = Box(*numbers)
    if not (-180 <= box.min_lon <= box.max_lon <= 180 and -90 <= box.min_lat <= box.max_lat <= 90):
        raise ValidationFailed.single("bbox", "out_of_range")
    return box


def _filters(
    status: str | None, kind: str | None, bbox: str | None, latitude: float | None, longitude: float | None,
    radius: float | None,
) -> SpotFilters:  # fmt: skip
    if (latitude is None) != (longitude is None):
        raise ValidationFailed.single("longitude" if longitude is None else "latitude", "required_with_coordinates")
    circle = None
    if latitude is not None and longitude is not None:
        circle = Circle(latitude, longitude, radius or DEFAULT_RADIUS_KM)
    return SpotFilters(status=status, kind=kind, box=_box(bbox), circle=circle)


def _feature(spot: SpotRead) -> SpotFeature:
    return SpotFeature(
        id=spot.id,
        geometry=GeoPoint(coordinates=(spot.longitude, spot.latitude)),
        properties={
            "id": spot.id,
            "kind": spot.kind,
            "status": spot.status,
            "size": spot.size,
            "confirmations": spot.confirmations_count,
            "event": spot.event,
            "event_url": spot.event_url,
        },
    )


class SpotController(Controller):
    path = "/api"
    tags = ["spots"]
    dependencies = {
        "spots": Provide(provide_spots, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @post(
        "/spots/",
        operation_id="reportSpot",
        summary="Report a dirty spot, or confirm one already reported",
        security=BEARER,
        responses=problems(
            400,
            401,
            404,
            409,
            s404="`confirm_spot` names no spot",
            s409="`possible_duplicate`: open spots of the same kind within 50 m, listed in `candidates`; or the "
            "confirmed spot is no longer open",
        ),
    )
    async def report_spot(
        self, data: SpotBody, spots: NamedDependency[SpotService], current_user: NamedDependency[User]
    ) -> Response[SpotRead]:
        """201 with the new spot. An open or scheduled spot of the same kind within 50 m answers 409
        `possible_duplicate` with `candidates` (id, distance_m): send the report again with `confirm_spot: <id>`
        (200: a confirmation is added, once per person; the reporter's own is not counted) or `new_spot: true`
        (201: created anyway). Rate-limited like the sign-in endpoints."""
        spot, created = await spots.report(data, current_user)
        return Response(spot, status_code=201 if created else 200)

    @get("/spots/", operation_id="listSpots", summary="Find dirty spots", responses=problems(400, 401))
    async def list_spots(
        self,
        request: Request[Any, Any, Any],
        spots: NamedDependency[SpotService],
        viewer: NamedDependency[User | None],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
        status: FromQuery[SpotStatus | None] = None,
        kind: FromQuery[SpotKind | None] = None,
        bbox: BoxParam = None,
        latitude: LatitudeParam = None,
        longitude: LongitudeParam = None,
        radius: OptionalRadius = None,
    ) -> SpotPage:
        """Newest first, in the DRF envelope. Hidden spots are left out (staff see them; a reporter sees their
        own). `bbox` and `latitude`+`longitude`+`radius` (km, default 10) narrow to an area."""
        filters = _filters(status, kind, bbox, latitude, longitude, radius)
        window = Window(page, page_size, limit)

        async def read(session: AsyncSession) -> tuple[int, list[SpotRead]]:
            return await spots.reading_from(session).page(filters, viewer, offset=window.offset, limit=window.size)

        count, results = await public_session_read(request, spots.session, read)
        next_link, previous_link = window.links(request, count)
        return SpotPage(count=count, next=next_link, previous=previous_link, results=results)

    @get(
        "/spots.geojson",
        operation_id="spotsGeoJson",
        summary="Dirty spots as a GeoJSON FeatureCollection",
        media_type=GEOJSON,
        responses=problems(400, 401),
    )
    async def spots_geojson(
        self,
        request: Request[Any, Any, Any],
        spots: NamedDependency[SpotService],
        viewer: NamedDependency[User | None],
        status: FromQuery[SpotStatus | None] = None,
        kind: FromQuery[SpotKind | None] = None,
        bbox: BoxParam = None,
        latitude: LatitudeParam = None,
        longitude: LongitudeParam = None,
        radius: OptionalRadius = None,
    ) -> Response[SpotCollection]:
        """For Leaflet and MapLibre as is: points in [longitude, latitude] order; `properties` hold id, kind,
        status, size, confirmations and the event's link. The list's filters; at most 2000 spots, newest first."""
        filters = _filters(status, kind, bbox, latitude, longitude, radius)

        async def read(session: AsyncSession) -> tuple[int, list[SpotRead]]:
            return await spots.reading_from(session).page(filters, viewer, offset=0, limit=MAP_LIMIT)

        _, found = await public_session_read(request, spots.session, read)
        collection = SpotCollection(features=[_feature(spot) for spot in found])
        return Response(collection, media_type=GEOJSON)

    @get("/spots/{spot_id:int}/", operation_id="getSpot", summary="A dirty spot", responses=problems(400, 401, 404))
    async def get_spot(
        self,
        request: Request[Any, Any, Any],
        spot_id: PathId,
        spots: NamedDependency[SpotService],
        viewer: NamedDependency[User | None],
    ) -> SpotRead:
        """With its photos and, once cleaned, the `after` photos of the mutirão that cleaned it."""

        async def read(session: AsyncSession) -> SpotRead:
            return await spots.reading_from(session).read(spot_id, viewer)

        return await public_session_read(request, spots.session, read)

    @post(
        "/spots/{spot_id:int}/photos/",
        operation_id="uploadSpotPhoto",
        summary="Add a photo to a spot (its reporter)",
        security=BEARER,
        request_max_body_size=UPLOAD_LIMIT,
        responses=problems(400, 401, 403, 404, 409, 413, s409="The spot has its 5 photos already"),
    )
    async def upload_spot_photo(
        self,
        spot_id: PathId,
        data: Annotated[SpotPhotoForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        spots: NamedDependency[SpotService],
        current_user: NamedDependency[User],
    ) -> SpotRead:
        """JPEG, PNG or WebP up to 10 MB, at most 5 per spot; cleaned like an event photo (no EXIF position)."""
        return await spots.add_photo(spot_id, current_user, await data.photo.read())

    @post(
        "/spots/{spot_id:int}/hide/",
        operation_id="hideSpot",
        summary="Hide an abusive report (staff)",
        status_code=200,
        security=BEARER,
        responses=problems(401, 403, 404),
    )
    async def hide_spot(
        self, spot_id: PathId, spots: NamedDependency[SpotService], current_user: NamedDependency[User]
    ) -> SpotRead:
        """Gone from everyone's lists but staff's; its reporter still sees it, as `hidden`, never who hid it."""
        return await spots.hide(spot_id, current_user)
