"""Event resources API: what a mutirão needs, and who pledged to bring it."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from app.api.dependencies import provide_current_user, provide_optional_user, provide_resources
from app.api.openapi import BEARER, problems
from app.api.params import PathId
from app.domain.accounts.models import User
from app.domain.resources.models import EventResource
from app.domain.resources.schemas import PledgeRequest, ResourcePatch, ResourceRead, ResourceWrite
from app.domain.resources.services import PledgedResource, ResourceService


class ResourceController(Controller):
    path = "/api/events/{event_id:int}/resources"
    tags = ["resources"]
    dependencies = {
        "resources": Provide(provide_resources, sync_to_thread=False),
        # Resolved only by the handlers that ask for them: reads take an optional caller, writes a required one.
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @get("/", operation_id="listResources", summary="An event's resources", responses=problems(401, 404))
    async def list_resources(
        self,
        event_id: PathId,
        resources: NamedDependency[ResourceService],
        viewer: NamedDependency[User | None],
    ) -> list[ResourceRead]:
        """A bare array, oldest first (an event needs few resources), each with the caller's `my_pledge`. Drafts and
        private events answer 404 to everyone but their organizer and staff."""
        return [resource_read(found) for found in await resources.for_event(event_id, viewer)]

    @post(
        "/",
        operation_id="addResource",
        summary="Add a resource (organizer)",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def add_resource(
        self,
        event_id: PathId,
        data: JSONBody[ResourceWrite],
        resources: NamedDependency[ResourceService],
        current_user: NamedDependency[User],
    ) -> ResourceRead:
        """Organizer or staff."""
        resource = await resources.create(event_id, data, current_user)
        return resource_read(PledgedResource(resource, None))

    @get(
        "/{resource_id:int}/",
        operation_id="getResource",
        summary="A resource",
        responses=problems(401, 404),
    )
    async def get_resource(
        self,
        event_id: PathId,
        resource_id: PathId,
        resources: NamedDependency[ResourceService],
        viewer: NamedDependency[User | None],
    ) -> ResourceRead:
        return resource_read(await resources.get(event_id, resource_id, viewer))

    @patch(
        "/{resource_id:int}/",
        operation_id="updateResource",
        summary="Edit a resource (organizer)",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def update_resource(
        self,
        event_id: PathId,
        resource_id: PathId,
        resources: NamedDependency[ResourceService],
        current_user: NamedDependency[User],
        data: JSONBody[ResourcePatch | None] = None,
    ) -> ResourceRead:
        """Organizer or staff; only the fields sent change. `quantity_needed` may go below what was pledged."""
        return resource_read(await resources.update(event_id, resource_id, data or ResourcePatch(), current_user))

    @delete(
        "/{resource_id:int}/",
        operation_id="deleteResource",
        summary="Remove a resource (organizer)",
        security=BEARER,
        responses=problems(401, 403, 404),
    )
    async def delete_resource(
        self,
        event_id: PathId,
        resource_id: PathId,
        resources: NamedDependency[ResourceService],
        current_user: NamedDependency[User],
    ) -> None:
        """Organizer or staff; the resource's pledges go with it."""
        await resources.delete(event_id, resource_id, current_user)

    @post(
        "/{resource_id:int}/pledge/",
        operation_id="pledgeResource",
        summary="Pledge to bring a resource",
        security=BEARER,
        status_code=200,
        responses=problems(400, 401, 404, s404="Event or resource not found"),
    )
    async def pledge(
        self,
        event_id: PathId,
        resource_id: PathId,
        data: JSONBody[PledgeRequest],
        resources: NamedDependency[ResourceService],
        current_user: NamedDependency[User],
    ) -> ResourceRead:
        """Anyone who can see the event. `quantity` (at least 1) is the caller's whole pledge: it replaces an earlier
        one. Pledges are not capped by `quantity_needed`: over-provision shows in `quantity_provided`."""
        return resource_read(await resources.pledge(event_id, resource_id, current_user, data.quantity))

    @delete(
        "/{resource_id:int}/pledge/",
        operation_id="withdrawPledge",
        summary="Withdraw the caller's pledge",
        security=BEARER,
        status_code=200,
        responses=problems(401, 404, s404="Event or resource not found, or no pledge to withdraw"),
    )
    async def withdraw_pledge(
        self,
        event_id: PathId,
        resource_id: PathId,
        resources: NamedDependency[ResourceService],
        current_user: NamedDependency[User],
    ) -> ResourceRead:
        """The resource as it is without the caller's pledge (`my_pledge` null)."""
        return resource_read(await resources.withdraw(event_id, resource_id, current_user))


def resource_read(found: PledgedResource) -> ResourceRead:
    resource: EventResource = found.resource
    return ResourceRead(
        id=resource.id,
        name=resource.name,
        description=resource.description,
        resource_type=resource.resource_type,  # type: ignore[arg-type]
        quantity_needed=resource.quantity_needed,
        quantity_provided=resource.quantity_provided,
        unit=resource.unit,
        is_fully_provided=resource.is_fully_provided,
        my_pledge=found.my_pledge,
    )
