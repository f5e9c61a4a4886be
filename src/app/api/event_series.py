"""Recurring events: a series and its occurrences (each an ordinary event, edited one by one at /api/events/{id}/).

"This one" is the event's own PATCH; "this and the following" is the occurrence's `following/` PATCH below.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user, provide_optional_user
from app.api.examples import NEW_EVENT
from app.api.openapi import BEARER, problems
from app.api.params import PathId
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.events.models import Event, EventSeries
from app.domain.events.series import EventSeriesService, occurrence_reads
from app.domain.events.series_schemas import EventSeriesRead, EventSeriesWrite, FollowingPatch, SeriesCancel
from app.domain.notifications.links import Links
from app.domain.time import utcnow

SeriesBody = Annotated[
    EventSeriesWrite,
    Body(
        title="Event series",
        description="The first occurrence's event body and its `recurrence`; timestamps without an offset are local "
        "time in the event's `timezone`.",
        examples=[
            Example(
                summary="Eight Saturday beach clean-ups",
                value={**NEW_EVENT, "recurrence": "FREQ=WEEKLY;BYDAY=SA;COUNT=8"},
            )
        ],
    ),
]


def provide_series(transaction: NamedDependency[AsyncSession]) -> EventSeriesService:
    return EventSeriesService(transaction)


def _read(found: tuple[EventSeries, list[Event]]) -> EventSeriesRead:
    series, occurrences = found
    return EventSeriesRead(
        id=series.id,
        organizer_id=series.organizer_id,
        rrule=series.rrule,
        timezone=series.timezone,
        occurrences=occurrence_reads(occurrences),
    )


class EventSeriesController(Controller):
    path = "/api/events/series"
    tags = ["events"]
    dependencies = {
        "series": Provide(provide_series, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @post(
        "/",
        operation_id="createEventSeries",
        summary="Create a recurring event",
        security=BEARER,
        responses=problems(400, 401, s400="A bad event body or recurrence rule: nothing is created"),
    )
    async def create_series(
        self, data: SeriesBody, series: NamedDependency[EventSeriesService], current_user: NamedDependency[User]
    ) -> EventSeriesRead:
        """Every occurrence is an ordinary event (own participants, check-in code and report), made by the same rules
        as `createEvent`; the rule runs on the local wall-clock start, so 09:00 stays 09:00 across daylight-saving
        changes. `recurrence`: FREQ=WEEKLY or MONTHLY, INTERVAL, BYDAY (monthly: `1SA`, `-1SU`), and COUNT or UNTIL;
        at most 52 occurrences. One refused occurrence refuses the whole series."""
        return _read(await series.create(data, current_user))

    @get(
        "/{series_id:int}/",
        operation_id="getEventSeries",
        summary="A recurring event and its occurrences",
        responses=problems(400, 401, 404),
    )
    async def get_series(
        self, series_id: PathId, series: NamedDependency[EventSeriesService], viewer: NamedDependency[User | None]
    ) -> EventSeriesRead:
        """The occurrences the caller may see, in start order (drafts and private ones only for their managers)."""
        return _read(await series.get(series_id, viewer))

    @patch(
        "/{series_id:int}/occurrences/{event_id:int}/following/",
        operation_id="updateEventSeriesFollowing",
        summary="Edit this occurrence and the following ones",
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409, s409="The chosen occurrence is cancelled or completed"),
    )
    async def update_following(
        self,
        series_id: PathId,
        event_id: PathId,
        series: NamedDependency[EventSeriesService],
        current_user: NamedDependency[User],
        data: JSONBody[FollowingPatch | None] = None,
    ) -> EventSeriesRead:
        """The chosen occurrence and every later one not cancelled or completed, each edited as by `updateEvent`
        (participants of each moved occurrence are told). New `start_date`/`end_date` are the chosen occurrence's:
        the later ones move by the same shift of local wall-clock time and take the same duration. To edit only
        this one, use `updateEvent`. One refused occurrence refuses the whole edit."""
        return _read(await series.update_following(series_id, event_id, data or FollowingPatch(), current_user))

    @post(
        "/{series_id:int}/cancel/",
        operation_id="cancelEventSeries",
        summary="Cancel the rest of a recurring event",
        security=BEARER,
        status_code=200,
        responses=problems(400, 401, 403, 404),
    )
    async def cancel_series(
        self,
        series_id: PathId,
        series: NamedDependency[EventSeriesService],
        current_user: NamedDependency[User],
        data: JSONBody[SeriesCancel | None] = None,
    ) -> EventSeriesRead:
        """`from_event` and every later occurrence, or (without it) every upcoming one, cancelled as by
        `cancelEvent` (their participants are told). Those already cancelled or completed stay as they are."""
        found = await series.cancel(series_id, (data or SeriesCancel()).from_event, current_user)
        return _read(found)

    @get(
        "/{series_id:int}/calendar.ics",
        operation_id="eventSeriesCalendar",
        summary="A recurring event as iCalendar",
        media_type="text/calendar",
        responses=problems(400, 401, 404),
    )
    async def calendar(
        self,
        request: Request[Any, Any, Any],
        series_id: PathId,
        series: NamedDependency[EventSeriesService],
        viewer: NamedDependency[User | None],
    ) -> Response[str]:
        """One VEVENT per occurrence the caller may see (each its own UID, DTSTART in its TZID), for calendar apps."""
        settings: Settings = request.app.state.settings
        links = Links.from_settings(settings)
        ics = await series.calendar(series_id, viewer, event_url=links.event, now=utcnow())
        return Response(
            ics,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="mutirao-serie-{series_id}.ics"'},
        )
