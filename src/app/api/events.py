"""Events API (SPEC §3): categories, list, nearby, detail, create, edit, life cycle, calendar."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any, Literal, get_args

import asyncpg
import msgspec
import qrcode
import qrcode.image.pure
import qrcode.image.svg
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.cache import CATEGORIES, EVENT_DETAIL, EVENT_LIST, NEARBY, cache_of, digest, json_answer, public_answer
from app.api.dependencies import (
    provide_current_user,
    provide_events,
    provide_participations,
    public_read,
    public_session_read,
    read_pool_of,
    reader_of,
    viewer_of,
)
from app.api.examples import EVENT_RESPONSE, EventBody, NewEventBody
from app.api.openapi import BEARER, problems
from app.api.pagination import DEFAULT_PAGE_SIZE, LimitAlias, OptionalPageSize, PageNumber, Window
from app.api.params import OptionalQueryId, PathId
from app.api.read_routing import routing_of
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.errors import AuthenticationFailed, NotFound, ValidationFailed
from app.domain.events.calendar import CalendarEvent, event_ics
from app.domain.events.queries import Circle, EventFilters, EventPageRows, EventQueries, Viewer
from app.domain.events.schemas import (
    CategoryPatch,
    CategoryRead,
    CategoryWrite,
    EventDetail,
    EventPage,
    EventPatch,
    EventStats,
    EventStatus,
    MyEvents,
    NearbyEventRead,
)
from app.domain.events.search import search_query
from app.domain.events.services import EventService
from app.domain.ids import parse_id
from app.domain.participation.models import EventParticipant
from app.domain.participation.queries import ParticipationQueries
from app.domain.participation.schemas import (
    CheckInCode,
    CheckInRequest,
    DecisionRequest,
    JoinRequest,
    ParticipantPage,
    ParticipationRead,
    ParticipationStatus,
)
from app.domain.participation.services import ParticipationService
from app.domain.photos.storage import LocalMediaStorage
from app.domain.time import localize, utcnow

Ordering = Literal[
    "start_date", "-start_date", "created_at", "-created_at", "title", "-title", "participants_count",
    "-participants_count",
]  # fmt: skip
PageSize = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page (default 20, max 100)")]
Radius = Annotated[float, QueryParameter(gt=0, le=500, description="Kilometres (default 10, max 500)")]
LatitudeParam = Annotated[float | None, QueryParameter(ge=-90, le=90, description="Decimal degrees")]
LongitudeParam = Annotated[float | None, QueryParameter(ge=-180, le=180, description="Decimal degrees")]
OptionalRadius = Annotated[float | None, QueryParameter(gt=0, le=500, description="Kilometres (default 10, max 500)")]

DEFAULT_RADIUS_KM = 10.0


class EventAnswers:
    """The event as a write answers it: read on the request transaction's own connection, so it shows the
    uncommitted changes."""

    def __init__(self, transaction: AsyncSession, media: LocalMediaStorage) -> None:
        self.transaction = transaction
        self.media = media

    async def of(self, event_id: int, user: User) -> EventDetail:
        connection = await self.transaction.connection()
        raw = await connection.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        viewer = Viewer(user.id, user.is_staff)
        detail = await EventQueries(driver).detail(event_id, viewer, utcnow(), media_url=self.media.url)
        if detail is None:
            raise NotFound("event_not_found")
        return detail


def provide_event_answers(transaction: NamedDependency[AsyncSession], state: State) -> EventAnswers:
    return EventAnswers(transaction, state.media)


def _category_read(category: Any) -> CategoryRead:
    return CategoryRead(
        id=category.id, name=category.name, description=category.description, icon=category.icon, color=category.color
    )


class CategoryController(Controller):
    path = "/api/events/categories"
    tags = ["categories"]
    dependencies = {
        "events": Provide(provide_events, sync_to_thread=False),
        "participations": Provide(provide_participations, sync_to_thread=False),
        # Resolved only by the handlers that ask for it (the writes).
        "current_user": Provide(provide_current_user),
    }

    @get("/", operation_id="listCategories", summary="Event categories", responses=problems(400))
    async def list_categories(
        self, request: Request[Any, Any, Any], events: NamedDependency[EventService]
    ) -> Response[list[CategoryRead]]:
        """A bare array (as the web app reads it)."""

        async def categories() -> bytes:
            async def read(session: AsyncSession) -> list[CategoryRead]:
                return [_category_read(category) for category in await EventService(session).categories()]

            return msgspec.json.encode(await public_session_read(request, events.session, read))

        return await public_answer(request, CATEGORIES, "", categories)

    @post(
        "/",
        operation_id="createCategory",
        summary="Add a category (staff)",
        security=BEARER,
        responses=problems(400, 401, 403),
    )
    async def create_category(
        self, data: JSONBody[CategoryWrite], events: NamedDependency[EventService], current_user: NamedDependency[User]
    ) -> CategoryRead:
        return _category_read(await events.create_category(data, current_user))

    @patch(
        "/{category_id:int}/",
        operation_id="updateCategory",
        summary="Edit a category (staff)",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def update_category(
        self,
        category_id: PathId,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
        data: JSONBody[CategoryPatch | None] = None,
    ) -> CategoryRead:
        return _category_read(await events.update_category(category_id, data or CategoryPatch(), current_user))


class EventController(Controller):
    path = "/api/events"
    tags = ["events"]
    dependencies = {
        "events": Provide(provide_events, sync_to_thread=False),
        "participations": Provide(provide_participations, sync_to_thread=False),
        "answers": Provide(provide_event_answers, sync_to_thread=False),
        # Resolved only by the handlers that ask for it (the writes).
        "current_user": Provide(provide_current_user),
    }

    @get("/", operation_id="listEvents", summary="Find events", responses=problems(400, 401, 404))
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
        category: Annotated[str | None, QueryParameter(description="Category id or name", max_length=100)] = None,
        status: Annotated[str | None, QueryParameter(description="draft, published, cancelled or completed")] = None,
        city: Annotated[str | None, QueryParameter(max_length=100)] = None,
        state_code: Annotated[str | None, QueryParameter(name="state", max_length=2, description="UF, e.g. SP")] = None,
        start_after: FromQuery[dt.datetime | None] = None,
        start_before: FromQuery[dt.datetime | None] = None,
        organizer: OptionalQueryId = None,
        organization: OptionalQueryId = None,
        has_spots: FromQuery[bool | None] = None,
        latitude: LatitudeParam = None,
        longitude: LongitudeParam = None,
        radius: OptionalRadius = None,
        search: Annotated[
            str | None, QueryParameter(max_length=200, description="Accent- and case-insensitive")
        ] = None,
        ordering: FromQuery[Ordering | None] = None,
    ) -> Response[EventPage]:
        """Public published/completed/cancelled events plus the caller's own, in the DRF envelope. Unknown query
        parameters are ignored. Default order: upcoming events first (soonest first), then past ones. `count` may
        lag behind the latest writes by up to LIST_COUNT_TTL_SECONDS (1 s by default). Anonymous pages are cached for
        up to CACHE_TTL_SECONDS (`X-Cache: hit|miss`); a write that changes them is seen at once."""
        settings: Settings = request.app.state.settings
        # The web app sends every filter, empty when none is chosen (`?category=&city=&status=`): empty is no filter.
        category, status, city, state_code = (value or None for value in (category, status, city, state_code))
        if status is not None and status not in get_args(EventStatus):
            raise ValidationFailed.single("status", "invalid_choice", value=status)
        category_id, category_name = _category_filter(category)
        if (latitude is None) != (longitude is None):
            raise ValidationFailed.single("longitude" if longitude is None else "latitude", "required_with_coordinates")
        filters = EventFilters(
            category_id=category_id,
            category_name=category_name,
            status=status,
            city=city,
            state=state_code,
            start_after=localize(start_after, settings.app_timezone) if start_after else None,
            start_before=localize(start_before, settings.app_timezone) if start_before else None,
            organizer=organizer,
            organization=organization,
            has_spots=has_spots,
            search=search_query(search) if search else None,
            circle=Circle(latitude, longitude, radius or DEFAULT_RADIUS_KM)
            if latitude is not None and longitude is not None
            else None,
        )
        window = Window(page, page_size, limit)

        async def page_rows() -> bytes:
            """The count on a line of its own, then the events as JSON."""

            async def read(pool: asyncpg.Pool, viewer: Viewer) -> EventPageRows:
                async with pool.acquire() as connection:
                    state = request.app.state
                    counts = state.list_counts if pool is read_pool_of(request) else state.replica_list_counts
                    queries = EventQueries(connection, counts)
                    return await queries.page(filters, viewer, ordering, window.offset, window.size, utcnow())

            found = await public_read(request, read)
            return b"%d\n%s" % (found.count, msgspec.json.encode(found.events))

        key = digest(filters, ordering, window.offset, window.size)
        rows, cache = await cache_of(request).answer(request, EVENT_LIST, key, page_rows)
        # The links are this request's own (its host, its other query parameters); the events stay encoded.
        count, _, events = rows.partition(b"\n")
        next_link, previous_link = window.links(request, int(count))
        page_answer = _EncodedPage(
            count=int(count), next=next_link, previous=previous_link, results=msgspec.Raw(events)
        )
        return json_answer(msgspec.json.encode(page_answer), cache)

    @post(
        "/",
        operation_id="createEvent",
        summary="Publish or draft an event",
        security=BEARER,
        responses={201: EVENT_RESPONSE, **problems(400, 401, 403, 409)},
    )
    async def create_event(
        self,
        data: NewEventBody,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
        answers: NamedDependency[EventAnswers],
    ) -> EventDetail:
        """The caller becomes the organizer. `status` may be `draft` (default) or `published`; timestamps without
        an offset are local time in the event's `timezone`.

        With `spot`, the event is made from that dirty spot: it must be `open` (409 `spot_not_open` otherwise, 400
        `spot_not_found` for an unknown or hidden one). The spot shows `scheduled` with a link to the event, and
        its reporter and confirmers get an email once the event is published."""
        event = await events.create(data, current_user, spot_id=data.spot)
        return await answers.of(event.id, current_user)

    @get("/nearby/", operation_id="nearbyEvents", summary="Events near a point", responses=problems(400, 401))
    async def nearby(
        self,
        request: Request[Any, Any, Any],
        latitude: LatitudeParam = None,
        longitude: LongitudeParam = None,
        lat: LatitudeParam = None,
        lng: LongitudeParam = None,
        lon: LongitudeParam = None,
        radius: Radius = DEFAULT_RADIUS_KM,
        limit: PageSize = DEFAULT_PAGE_SIZE,
    ) -> Response[list[NearbyEventRead]]:
        """Published, upcoming, public events within `radius` km, nearest first, each with `distance_km`
        (great-circle). A bare array, as the web app reads it. Cached like the list (`X-Cache`)."""
        centre_lat = latitude if latitude is not None else lat
        centre_lon = next((value for value in (longitude, lng, lon) if value is not None), None)
        if centre_lat is None:
            raise ValidationFailed.single("latitude", "required")
        if centre_lon is None:
            raise ValidationFailed.single("longitude", "required")
        circle = Circle(centre_lat, centre_lon, radius)

        async def nearby_events() -> bytes:
            async def read(pool: asyncpg.Pool) -> list[NearbyEventRead]:
                return await EventQueries(pool).nearby(circle, limit, utcnow())

            routing = routing_of(request)
            return msgspec.json.encode(await routing.fetch(request, reader_of(request), read_pool_of(request), read))

        return await public_answer(request, NEARBY, digest(circle, limit), nearby_events)

    @get(
        "/my_events/",
        operation_id="myEvents",
        summary="Events the caller organizes or joined",
        security=BEARER,
        responses=problems(400, 401),
    )
    async def my_events(
        self,
        request: Request[Any, Any, Any],
        when: FromQuery[Literal["upcoming", "past"] | None] = None,
    ) -> MyEvents:
        """`{organized, participating}`; `when=upcoming|past` narrows both."""
        viewer = await viewer_of(request)
        if viewer.user_id is None:
            raise AuthenticationFailed("not_authenticated")
        queries, now = EventQueries(read_pool_of(request)), utcnow()
        organized = await queries.organized_by(viewer.user_id, when, now)
        participating = await queries.participating(viewer.user_id, when, now)
        return MyEvents(organized=organized, participating=participating)

    @get(
        "/{event_id:int}/",
        operation_id="getEvent",
        summary="An event",
        responses={200: EVENT_RESPONSE, **problems(400, 401, 404)},
    )
    async def get_event(self, request: Request[Any, Any, Any], event_id: PathId) -> Response[EventDetail]:
        """Drafts and private events answer 404 to everyone but their organizer and staff. Anonymous answers are
        cached for up to CACHE_TTL_SECONDS (`X-Cache: hit|miss`); a write that changes the event is seen at once."""

        async def detail() -> bytes:
            media_url = request.app.state.media.url

            async def read(pool: asyncpg.Pool, viewer: Viewer) -> EventDetail | None:
                return await EventQueries(pool).detail(event_id, viewer, utcnow(), media_url=media_url)

            found = await public_read(request, read)
            if found is None:
                raise NotFound("event_not_found")
            return msgspec.json.encode(found)

        return await public_answer(request, EVENT_DETAIL, str(event_id), detail, event_id=event_id)

    @get(
        "/{event_id:int}/stats/",
        operation_id="eventStats",
        summary="An event's figures",
        responses=problems(400, 401, 404),
    )
    async def stats(self, request: Request[Any, Any, Any], event_id: PathId) -> EventStats:
        """Participation, attendance, resources coverage and comments; `report` holds the impact report's
        figures once the organizer files it."""

        async def read(pool: asyncpg.Pool, viewer: Viewer) -> EventStats | None:
            return await EventQueries(pool).stats(event_id, viewer)

        found = await public_read(request, read)
        if found is None:
            raise NotFound("event_not_found")
        return found

    @get(
        "/{event_id:int}/calendar.ics",
        operation_id="eventCalendar",
        summary="The event as iCalendar",
        media_type="text/calendar",
        responses=problems(400, 401, 404),
    )
    async def calendar(self, request: Request[Any, Any, Any], event_id: PathId) -> Response[str]:
        """A VCALENDAR with the event and its VTIMEZONE, for calendar apps."""
        now = utcnow()
        settings: Settings = request.app.state.settings
        viewer, media_url = await viewer_of(request), request.app.state.media.url
        detail = await EventQueries(read_pool_of(request)).detail(event_id, viewer, now, media_url=media_url)
        if detail is None:
            raise NotFound("event_not_found")
        ics = event_ics(
            CalendarEvent(
                uid=str(detail.id),
                title=detail.title,
                description=detail.description,
                address=detail.address,
                city=detail.city,
                state=detail.state,
                latitude=detail.latitude,
                longitude=detail.longitude,
                start=detail.start_date,
                end=detail.end_date,
                timezone=detail.timezone,
                url=f"{settings.public_url}/api/events/{detail.id}/",
                organizer_name=detail.organizer_name,
                status=detail.status,
                updated_at=detail.updated_at,
            ),
            now=now,
        )
        return Response(
            ics,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="mutirao-{detail.id}.ics"'},
        )

    @post(
        "/{event_id:int}/join/",
        operation_id="joinEvent",
        summary="Join an event",
        security=BEARER,
        responses=problems(
            400,
            401,
            403,
            404,
            409,
            s403="The event's organizer, or outside its age limits",
            s409="Already joined, or registration closed",
        ),
    )
    async def join(
        self,
        event_id: PathId,
        participations: NamedDependency[ParticipationService],
        current_user: NamedDependency[User],
        data: JSONBody[JoinRequest | None] = None,
    ) -> ParticipationRead:
        """A free spot confirms (or, when the event requires approval, makes the participation `pending`); a full
        event puts the caller on the waitlist, served in arrival order. The body is optional (the web app sends
        none): no body, an empty one, `{}` and `null` all join with the defaults."""
        return participation_read(await participations.join(event_id, current_user, data or JoinRequest()))

    @post(
        "/{event_id:int}/leave/",
        operation_id="leaveEvent",
        summary="Leave an event",
        security=BEARER,
        status_code=200,
        responses=problems(401, 404, 409),
    )
    async def leave(
        self,
        event_id: PathId,
        participations: NamedDependency[ParticipationService],
        current_user: NamedDependency[User],
    ) -> ParticipationRead:
        """Frees the spot: the earliest waitlisted volunteer is promoted."""
        return participation_read(await participations.leave(event_id, current_user))

    @patch(
        "/{event_id:int}/participants/{participation_id:int}/",
        operation_id="decideParticipation",
        summary="Confirm or reject a participant (organizer)",
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def decide(
        self,
        event_id: PathId,
        participation_id: PathId,
        data: JSONBody[DecisionRequest],
        participations: NamedDependency[ParticipationService],
        current_user: NamedDependency[User],
    ) -> ParticipationRead:
        """Organizer or staff. Confirming never exceeds capacity: a full event puts the volunteer on the waitlist
        instead. Rejecting a confirmed participant frees the spot for the waitlist."""
        return participation_read(await participations.decide(event_id, participation_id, data.status, current_user))

    @get(
        "/{event_id:int}/participants/",
        operation_id="listParticipants",
        summary="An event's participants",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def participants(
        self,
        request: Request[Any, Any, Any],
        event_id: PathId,
        participations: NamedDependency[ParticipationService],
        current_user: NamedDependency[User],
        transaction: NamedDependency[AsyncSession],
        status: FromQuery[ParticipationStatus | None] = None,
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> ParticipantPage:
        """The organizer and staff see everything, emergency contacts included (`status` filters); a confirmed
        participant sees the names and avatars of the confirmed; anyone else is refused (403)."""
        audience = await participations.audience(event_id, current_user)
        window = Window(page, page_size, limit)
        count, results = await ParticipationQueries(transaction).participants(
            event_id, audience=audience, status=status, offset=window.offset, limit=window.size
        )
        next_link, previous_link = window.links(request, count)
        return ParticipantPage(count=count, next=next_link, previous=previous_link, results=results)

    @post(
        "/{event_id:int}/check_in/",
        operation_id="checkIn",
        summary="Check in at the event",
        security=BEARER,
        status_code=200,
        responses=problems(
            400,
            401,
            403,
            404,
            409,
            s400="Wrong code, too far, or no proof",
            s409="Outside the check-in window, or not confirmed",
        ),
    )
    async def check_in(
        self,
        request: Request[Any, Any, Any],
        event_id: PathId,
        participations: NamedDependency[ParticipationService],
        current_user: NamedDependency[User],
        data: JSONBody[CheckInRequest | None] = None,
    ) -> ParticipationRead:
        """From 1 h before the start to the end. A participant proves presence with the event's `check_in_code`,
        or with `latitude`/`longitude` within CHECKIN_RADIUS_M (widened by `accuracy`, capped at
        CHECKIN_MAX_RADIUS_M). The organizer or staff check in a confirmed participant by `user_id`. Idempotent.
        Without a body (the web app's button) a participant gets a 400 whose `message` says what to send."""
        settings: Settings = request.app.state.settings
        participation = await participations.check_in(
            event_id,
            current_user,
            data or CheckInRequest(),
            radius_m=settings.checkin_radius_m,
            max_radius_m=settings.checkin_max_radius_m,
        )
        return participation_read(participation)

    @get(
        "/{event_id:int}/check_in_code/",
        operation_id="getCheckInCode",
        summary="The check-in code (organizer)",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def check_in_code(
        self,
        request: Request[Any, Any, Any],
        event_id: PathId,
        participations: NamedDependency[ParticipationService],
        current_user: NamedDependency[User],
        image: FromQuery[Literal["svg", "png"] | None] = None,
    ) -> Response[Any]:
        """JSON with the code and links to its QR code; `?image=svg` or `?image=png` answers the QR code itself,
        to print or show on a screen at the meeting point."""
        code = await participations.check_in_code(event_id, current_user)
        return _code_answer(request, code, image)

    @post(
        "/{event_id:int}/check_in_code/rotate/",
        operation_id="rotateCheckInCode",
        summary="Draw a new check-in code (organizer)",
        security=BEARER,
        status_code=200,
        responses=problems(401, 403, 404),
    )
    async def rotate_check_in_code(
        self,
        request: Request[Any, Any, Any],
        event_id: PathId,
        participations: NamedDependency[ParticipationService],
        current_user: NamedDependency[User],
    ) -> CheckInCode:
        """The old code stops working at once."""
        code = await participations.check_in_code(event_id, current_user, rotate=True)
        return _code_links(request, code)

    @put(
        "/{event_id:int}/",
        operation_id="replaceEvent",
        summary="Edit an event (all fields)",
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def replace_event(
        self,
        event_id: PathId,
        data: EventBody,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
        answers: NamedDependency[EventAnswers],
    ) -> EventDetail:
        """Organizer or staff. Lowering `max_participants` below the confirmed count is refused (409)."""
        await events.replace(event_id, data, current_user)
        return await answers.of(event_id, current_user)

    @patch(
        "/{event_id:int}/",
        operation_id="updateEvent",
        summary="Edit an event (some fields)",
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def update_event(
        self,
        event_id: PathId,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
        answers: NamedDependency[EventAnswers],
        data: JSONBody[EventPatch | None] = None,
    ) -> EventDetail:
        """Organizer or staff; only the fields sent change."""
        await events.patch(event_id, data or EventPatch(), current_user)
        return await answers.of(event_id, current_user)

    @delete(
        "/{event_id:int}/",
        operation_id="deleteEvent",
        summary="Delete (or cancel) an event",
        security=BEARER,
        status_code=200,
        responses={
            200: ResponseSpec(EventDetail, description="It had participants: cancelled instead, and answered"),
            204: ResponseSpec(None, description="Nobody had joined: erased"),
            **problems(401, 403, 404),
        },
    )
    async def delete_event(
        self,
        event_id: PathId,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
        answers: NamedDependency[EventAnswers],
    ) -> Response[EventDetail | None]:
        """Organizer or staff. An event nobody joined is erased (204); one with participants is cancelled instead
        and answered (200): history is never erased."""
        cancelled = await events.delete(event_id, current_user)
        if cancelled is None:
            return Response(None, status_code=204)
        return Response(await answers.of(event_id, current_user), status_code=200)

    @post(
        "/{event_id:int}/publish/",
        operation_id="publishEvent",
        summary="Publish a draft",
        security=BEARER,
        status_code=200,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def publish(
        self,
        event_id: PathId,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
        answers: NamedDependency[EventAnswers],
    ) -> EventDetail:
        await events.publish(event_id, current_user)
        return await answers.of(event_id, current_user)

    @post(
        "/{event_id:int}/cancel/",
        operation_id="cancelEvent",
        summary="Cancel an event",
        security=BEARER,
        status_code=200,
        responses=problems(401, 403, 404, 409),
    )
    async def cancel(
        self,
        event_id: PathId,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
        answers: NamedDependency[EventAnswers],
    ) -> EventDetail:
        await events.cancel(event_id, current_user)
        return await answers.of(event_id, current_user)


class _EncodedPage(msgspec.Struct):
    """EventPage's envelope around rows that are already JSON."""

    count: int
    next: str | None
    previous: str | None
    results: msgspec.Raw


def _code_links(request: Request[Any, Any, Any], code: str) -> CheckInCode:
    base = f"{str(request.base_url).rstrip('/')}{request.url.path.removesuffix('rotate/').rstrip('/')}/"
    return CheckInCode(check_in_code=code, qr_code_svg=f"{base}?image=svg", qr_code_png=f"{base}?image=png")


def _code_answer(request: Request[Any, Any, Any], code: str, image: str | None) -> Response[Any]:
    if image is None:
        return Response(_code_links(request, code))
    factory = qrcode.image.svg.SvgPathImage if image == "svg" else qrcode.image.pure.PyPNGImage
    buffer = io.BytesIO()
    qrcode.make(code, image_factory=factory, box_size=20 if image == "png" else 10, border=2).save(buffer)
    media_type = "image/svg+xml" if image == "svg" else "image/png"
    return Response(buffer.getvalue(), media_type=media_type, headers={"Cache-Control": "no-store"})


def participation_read(participation: EventParticipant) -> ParticipationRead:
    return ParticipationRead(
        id=participation.id,
        event=participation.event_id,
        user=participation.user_id,
        status=participation.status,  # type: ignore[arg-type]
        emergency_contact=participation.emergency_contact,
        emergency_phone=participation.emergency_phone,
        special_needs=participation.special_needs,
        experience_level=participation.experience_level,  # type: ignore[arg-type]
        checked_in=participation.checked_in,
        check_in_time=participation.check_in_time,
        joined_at=participation.joined_at,
        updated_at=participation.updated_at,
    )


def _category_filter(value: str | None) -> tuple[int | None, str | None]:
    if value is None:
        return None, None
    wanted = parse_id(value)
    return (wanted, None) if wanted is not None else (None, value.strip())
