"""Co-organizers API: the people who run an event with its organizer."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from app.api.dependencies import provide_current_user, provide_events, provide_optional_user
from app.api.openapi import BEARER, problems
from app.api.params import PathId
from app.domain.accounts.models import User, display_name
from app.domain.events.schemas import CoOrganizerAdd, CoOrganizerRead
from app.domain.events.services import EventService


class CoOrganizerController(Controller):
    path = "/api/events/{event_id:int}/co-organizers"
    tags = ["events"]
    dependencies = {
        "events": Provide(provide_events, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @get("/", operation_id="listEventCoOrganizers", summary="An event's co-organizers", responses=problems(401, 404))
    async def list_co_organizers(
        self, event_id: PathId, events: NamedDependency[EventService], viewer: NamedDependency[User | None]
    ) -> list[CoOrganizerRead]:
        """A bare array in the order they were added (an event has at most 20). Public for whoever sees the
        event."""
        return [co_organizer_read(user) for user in await events.co_organizers(event_id, viewer)]

    @post(
        "/",
        operation_id="addEventCoOrganizer",
        summary="Add a co-organizer (organizer)",
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409),
    )
    async def add_co_organizer(
        self,
        event_id: PathId,
        data: JSONBody[CoOrganizerAdd],
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
    ) -> list[CoOrganizerRead]:
        """By `username` or `user_id`. The organizer, the owners and admins of the event's organization, or
        staff; a co-organizer may not. Answers the whole team; adding someone twice changes nothing. A
        co-organizer may edit, publish and cancel the event, approve participants, check them in, file the
        report and moderate comments, but not delete the event or change its co-organizers."""
        team = await events.add_co_organizer(event_id, data, current_user)
        return [co_organizer_read(user) for user in team]

    @delete(
        "/{user_id:int}/",
        operation_id="removeEventCoOrganizer",
        summary="Remove a co-organizer",
        security=BEARER,
        status_code=204,
        responses=problems(401, 403, 404),
    )
    async def remove_co_organizer(
        self,
        event_id: PathId,
        user_id: PathId,
        events: NamedDependency[EventService],
        current_user: NamedDependency[User],
    ) -> Response[None]:
        """Those who may add one, or the co-organizer stepping down."""
        await events.remove_co_organizer(event_id, user_id, current_user)
        return Response(None, status_code=204)


def co_organizer_read(user: User) -> CoOrganizerRead:
    return CoOrganizerRead(
        id=user.id,
        username=user.username,
        name=display_name(user.first_name, user.last_name, user.username),
        avatar=user.profile.avatar_url if user.profile else "",
    )
