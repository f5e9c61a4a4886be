"""The volunteer's calendar feed (SPEC §3): a secret URL with the events they joined, for calendar apps."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user, read_pool_of
from app.api.openapi import BEARER, problems
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.errors import NotFound
from app.domain.notifications.links import Links
from app.domain.participation.calendar_feed import feed_ics, feed_key, reset_feed_key
from app.domain.participation.schemas import CalendarFeed
from app.domain.time import utcnow

FEED_PATH = "/api/calendar/{key}/mutiroes.ics"


def _feed(settings: Settings, key: str) -> CalendarFeed:
    url = settings.public_url.rstrip("/") + FEED_PATH.format(key=key)
    return CalendarFeed(url=url, webcal_url="webcal://" + url.split("://", 1)[1])


class CalendarFeedController(Controller):
    path = "/api"
    tags = ["events"]
    dependencies = {"current_user": Provide(provide_current_user)}

    @get(
        "/users/calendar/",
        operation_id="myCalendarFeed",
        summary="The caller's calendar feed",
        security=BEARER,
        responses=problems(401),
    )
    async def my_feed(
        self,
        current_user: NamedDependency[User],
        transaction: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> CalendarFeed:
        """The URL to subscribe to in a calendar app (`webcal_url` opens it directly): the events the caller joined,
        confirmed or not yet (shown as tentative), from 90 days ago on. Made on the first call; the same URL after."""
        return _feed(settings, await feed_key(transaction, current_user.id))

    @post(
        "/users/calendar/reset/",
        operation_id="resetCalendarFeed",
        summary="Replace the caller's calendar feed URL",
        status_code=200,
        security=BEARER,
        responses=problems(401),
    )
    async def reset(
        self,
        current_user: NamedDependency[User],
        transaction: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> CalendarFeed:
        """For a URL that leaked: the old one answers 404 from now on."""
        return _feed(settings, await reset_feed_key(transaction, current_user.id))

    @get(
        "/calendar/{key:str}/mutiroes.ics",
        operation_id="calendarFeed",
        summary="A volunteer's joined events as iCalendar",
        media_type="text/calendar",
        responses=problems(404),
    )
    async def feed(self, request: Request[Any, Any, Any], key: str = Parameter(max_length=64)) -> Response[str]:
        """No login: the key in the path is the credential. One VTIMEZONE per zone, one VEVENT per event."""
        settings: Settings = request.app.state.settings
        links = Links.from_settings(settings)
        ics = await feed_ics(read_pool_of(request), key, event_url=links.event, now=utcnow())
        if ics is None:
            raise NotFound("calendar_feed_not_found")
        return Response(
            ics, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, max-age=300"}
        )
