"""Open impact data: the events that took place (CSV, GeoJSON) and their totals (CSV), under CC BY 4.0.

Freshness. Every answer carries an `ETag` made of a validator that the database computes in one query from what the
datasets are read from (app.domain.open_data.queries); `If-None-Match` with it answers 304 without reading further.
`Cache-Control: public` lets a proxy or CDN in front keep the big files and revalidate them cheaply. The events files
are streamed and never stored whole (13 MB of CSV, 44 MB of GeoJSON for 100,000 events); the grouped totals, a few
KB that take ~0.3 s to sum over 100,000 events, are kept in the public cache under their ETag for up to an hour: a hit
is always current.

Licence. `Link: <…/by/4.0/>; rel="license"` on every answer, the GeoJSON's own `license` and `attribution` members,
the file names, and the catalogue (`/api/open-data/`, a Data Package) that lists every dataset with its licence,
attribution text and columns. A CSV carries nothing but its header row and data: a comment line would break parsers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from app.api.cache import CACHE_HEADER, MAX_TTL_SECONDS, Entry, cache_of, digest
from app.api.dependencies import read_pool_of
from app.api.openapi import problems
from app.config.settings import Settings
from app.domain.errors import ValidationFailed
from app.domain.open_data.catalogue import attribution, data_package
from app.domain.open_data.datasets import (
    EVENT_COLUMNS,
    LICENSE_URL,
    Group,
    Scope,
    events_description,
    impact_columns,
    impact_description,
)
from app.domain.open_data.formats import (
    GEOJSON_CLOSING,
    EventFeatureCollection,
    csv_header,
    csv_rows,
    geojson_features,
    geojson_opening,
)
from app.domain.open_data.queries import OpenDataQueries
from app.domain.open_data.schemas import DataPackage
from app.domain.places import is_state
from app.domain.time import utcnow

CSV = "text/csv; charset=utf-8; header=present"
GEOJSON = "application/geo+json"
# Long enough for a CDN to absorb a crowd, short enough that a new report shows within minutes; revalidation is one
# query.
MAX_AGE_SECONDS = 300
OPEN_DATA_IMPACT = Entry("open_data_impact", "all")

CACHING_HEADERS = [
    ResponseHeader(name="ETag", value='"…"', description="Changes when the data does", documentation_only=True),
    ResponseHeader(name="Cache-Control", value=f"public, max-age={MAX_AGE_SECONDS}", documentation_only=True),
    ResponseHeader(
        name="Link", value=f'<{LICENSE_URL}>; rel="license"', documentation_only=True,
        description='The licence (CC BY 4.0), and the catalogue `/api/open-data/` as rel="describedby"',
    ),
]  # fmt: skip
NOT_MODIFIED = ResponseSpec(None, description="Not modified: the `If-None-Match` ETag is current")
Year = Annotated[int | None, QueryParameter(ge=2000, le=2100, description="Events whose local date is in this year")]
# `state` names Litestar's application state in a handler's signature: the parameter is renamed.
StateCode = Annotated[
    str | None, QueryParameter(name="state", max_length=2, description="Events in this state (UF, e.g. SP)")
]
City = Annotated[str | None, QueryParameter(max_length=100, description="Events in this city (case-insensitive)")]
GROUP_DESCRIPTION = "month (YYYY-MM of the events' date), city (state and city) or category"


class OpenDataController(Controller):
    path = "/api/open-data"
    tags = ["open-data"]

    @get("/", operation_id="openDataCatalogue", summary="The open datasets (a Data Package)",
         responses=problems(429))  # fmt: skip
    async def catalogue(self, request: Request[Any, Any, Any]) -> Response[DataPackage]:
        """Every dataset with its address, format, licence (CC BY 4.0), attribution text and data dictionary (each
        column's name, type, unit and meaning), as a Frictionless Data Package descriptor."""
        settings: Settings = request.app.state.settings
        package = data_package(str(request.base_url), settings.public_url)
        return Response(package, headers=_licence_headers(request, max_age=3600))

    @get(
        "/events.csv",
        operation_id="openDataEventsCsv",
        summary="The events that took place, as CSV",
        description=events_description()
        + " UTF-8, comma-separated, a header row, RFC 4180 quoting; streamed, in id order.",
        media_type="text/csv",
        response_description="The events, one a row after the header row",
        response_headers=CACHING_HEADERS,
        responses={304: NOT_MODIFIED, **problems(429)},
    )
    async def events_csv(
        self, request: Request[Any, Any, Any], year: Year = None, state_code: StateCode = None, city: City = None
    ) -> Response[str]:
        def chunk(rows: Sequence[Sequence[Any]], first: bool) -> bytes:
            return csv_rows(rows)

        scope = _scope(year, state_code, city)
        filename = f"mutiroes-events{scope.label}-cc-by-4.0.csv"
        return await _events(request, scope, CSV, filename, csv_header(EVENT_COLUMNS), chunk, b"")

    @get(
        "/events.geojson",
        operation_id="openDataEventsGeoJson",
        summary="The events that took place, as GeoJSON",
        description=events_description()
        + " A FeatureCollection (RFC 7946: [longitude, latitude]) with `license` and `attribution` members; streamed.",
        media_type=GEOJSON,
        response_description="One Point feature per event",
        response_headers=CACHING_HEADERS,
        responses={304: NOT_MODIFIED, **problems(429)},
    )
    async def events_geojson(
        self, request: Request[Any, Any, Any], year: Year = None, state_code: StateCode = None, city: City = None
    ) -> Response[EventFeatureCollection]:
        settings: Settings = request.app.state.settings
        scope = _scope(year, state_code, city)

        def chunk(rows: Sequence[Sequence[Any]], first: bool) -> bytes:
            return geojson_features(rows, first=first)

        opening = geojson_opening(attribution(settings.public_url))
        filename = f"mutiroes-events{scope.label}-cc-by-4.0.geojson"
        return await _events(request, scope, GEOJSON, filename, opening, chunk, GEOJSON_CLOSING)

    @get(
        "/impact.csv",
        operation_id="openDataImpactCsv",
        summary="The impact of the events that took place, by month, city or category, as CSV",
        description=f"{impact_description()} `group`: {GROUP_DESCRIPTION}. UTF-8, comma-separated, a header "
        "row, RFC 4180 quoting.",
        media_type="text/csv",
        response_description="One row per group after the header row",
        response_headers=[
            *CACHING_HEADERS,
            ResponseHeader(
                name=CACHE_HEADER, value="hit", description="hit or miss (the public cache)", documentation_only=True
            ),
        ],
        responses={304: NOT_MODIFIED, **problems(400, 429)},
    )
    async def impact_csv(
        self,
        request: Request[Any, Any, Any],
        group: FromQuery[Group] = "month",
        year: Year = None,
        state_code: StateCode = None,
        city: City = None,
    ) -> Response[str]:
        scope = _scope(year, state_code, city)
        queries, now = OpenDataQueries(read_pool_of(request)), utcnow()
        filename = f"mutiroes-impact-by-{group}{scope.label}-cc-by-4.0.csv"
        etag = _etag(await queries.validator(now), filename)
        headers = _licence_headers(request, etag=etag, filename=filename)
        if _matches(request, etag):
            return _not_modified(headers)

        async def table() -> bytes:
            rows = await queries.impact(group, now, scope)
            return csv_header(impact_columns(group)) + csv_rows(rows)

        # Keyed by the ETag, the entry can never be stale: it may be kept for the longest a cache entry lives.
        body, cache = await cache_of(request).answer(
            request, OPEN_DATA_IMPACT, digest(etag), table, ttl=MAX_TTL_SECONDS
        )
        if cache:
            headers[CACHE_HEADER] = cache
        answer: Response[Any] = Response(body, media_type=CSV, headers=headers)
        return answer


async def _events(
    request: Request[Any, Any, Any],
    scope: Scope,
    media_type: str,
    filename: str,
    opening: bytes,
    chunk: Callable[[Sequence[Sequence[Any]], bool], bytes],
    closing: bytes,
) -> Response[Any]:
    """304 when the client's copy is current, else the events streamed a chunk at a time."""
    queries, now = OpenDataQueries(read_pool_of(request)), utcnow()
    etag = _etag(await queries.validator(now), filename)
    headers = _licence_headers(request, etag=etag, filename=filename)
    if _matches(request, etag):
        return _not_modified(headers)

    async def body() -> AsyncIterator[bytes]:
        yield opening
        first = True
        async for rows in queries.event_chunks(now, scope):
            yield chunk(rows, first)
            first = False
        if closing:
            yield closing

    return Stream(body(), media_type=media_type, headers=headers)


def _scope(year: int | None, state: str | None, city: str | None) -> Scope:
    """The events a dataset covers; empty parameters (`?state=`) are no limit."""
    state, city = (state or "").strip().upper() or None, (city or "").strip() or None
    if state is not None and not is_state(state):
        raise ValidationFailed.single("state", "state_invalid")
    return Scope(year=year, state=state, city=city)


def _not_modified(headers: dict[str, str]) -> Response[Any]:
    return Response(b"", status_code=304, headers=headers)


def _etag(validator: str, dataset: str) -> str:
    return f'"{digest(validator, dataset)}"'


def _matches(request: Request[Any, Any, Any], etag: str) -> bool:
    """If-None-Match, compared weakly (RFC 9110 §13.1.2): `*`, or any listed tag, `W/` or not."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


def _licence_headers(
    request: Request[Any, Any, Any],
    *,
    etag: str | None = None,
    filename: str | None = None,
    max_age: int = MAX_AGE_SECONDS,
) -> dict[str, str]:
    catalogue = f"{str(request.base_url).rstrip('/')}/api/open-data/"
    headers = {
        "Link": f'<{LICENSE_URL}>; rel="license", <{catalogue}>; rel="describedby"; type="application/json"',
        "Cache-Control": f"public, max-age={max_age}",
    }
    if etag:
        headers["ETag"] = etag
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return headers
