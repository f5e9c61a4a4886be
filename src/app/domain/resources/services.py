"""Resource rules: the organizer says what the event needs; volunteers pledge to bring it.

Every pledge change first locks the resource's row, so `quantity_provided` is read and changed in one step
and stays exactly the sum of the pledges. A pledge is not capped by `quantity_needed`: over-provision is
allowed and shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User
from app.domain.errors import FieldError, NotFound, ValidationFailed
from app.domain.events.access import require_manager, visible_event
from app.domain.events.models import Event
from app.domain.resources.models import EventResource, ResourcePledge
from app.domain.resources.schemas import ResourcePatch, ResourceWrite
from app.domain.time import utcnow

TRIMMED_FIELDS = ("name", "unit")


class PledgedResource(NamedTuple):
    """A resource and the caller's pledged quantity (None when they pledged nothing)."""

    resource: EventResource
    my_pledge: int | None


class ResourceService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_event(self, event_id: int, user: User | None) -> list[PledgedResource]:
        """The event's resources, oldest first, each with the caller's pledge: two queries whatever their number."""
        await self._visible_event(event_id, user)
        if user is None:
            resources = await self.session.scalars(self._of_event(event_id))
            return [PledgedResource(resource, None) for resource in resources]
        statement = (
            select(EventResource, ResourcePledge.quantity)
            .outerjoin(
                ResourcePledge, and_(ResourcePledge.resource_id == EventResource.id, ResourcePledge.user_id == user.id)
            )
            .where(EventResource.event_id == event_id)
            .order_by(EventResource.created_at, EventResource.id)
        )
        return [PledgedResource(resource, quantity) for resource, quantity in (await self.session.execute(statement))]

    async def get(self, event_id: int, resource_id: int, user: User | None) -> PledgedResource:
        await self._visible_event(event_id, user)
        resource = await self._resource(event_id, resource_id)
        return PledgedResource(resource, await self._pledged(resource.id, user))

    async def create(self, event_id: int, data: ResourceWrite, user: User) -> EventResource:
        await self._managed_event(event_id, user)
        values = _trimmed({field: getattr(data, field) for field in data.__struct_fields__})
        resource = EventResource(event_id=event_id, quantity_provided=0, **values)
        self.session.add(resource)
        await self.session.flush()
        return resource

    async def update(self, event_id: int, resource_id: int, data: ResourcePatch, user: User) -> PledgedResource:
        """Any field may change; a lower `quantity_needed` simply makes the resource fully provided sooner."""
        await self._managed_event(event_id, user)
        changes = _trimmed(data.changes())
        resource = await self._resource(event_id, resource_id, lock=True)
        for field, value in changes.items():
            setattr(resource, field, value)
        resource.updated_at = utcnow()
        await self.session.flush()
        return PledgedResource(resource, await self._pledged(resource.id, user))

    async def delete(self, event_id: int, resource_id: int, user: User) -> None:
        """The pledges go with the resource (ON DELETE CASCADE)."""
        await self._managed_event(event_id, user)
        resource = await self._resource(event_id, resource_id, lock=True)
        await self.session.delete(resource)
        await self.session.flush()

    async def pledge(self, event_id: int, resource_id: int, user: User, quantity: int) -> PledgedResource:
        """Anyone who can see the event pledges `quantity` (at least 1), replacing their earlier pledge."""
        if quantity < 1:
            raise ValidationFailed.single("quantity", "out_of_range")
        await self._visible_event(event_id, user)
        # Lock the resource row: the total is read and changed in one step.
        resource = await self._resource(event_id, resource_id, lock=True)
        pledge = await self._pledge(resource.id, user.id)
        now = utcnow()
        if pledge is None:
            self.session.add(ResourcePledge(resource_id=resource.id, user_id=user.id, quantity=quantity))
            resource.quantity_provided += quantity
        else:
            resource.quantity_provided += quantity - pledge.quantity
            pledge.quantity = quantity
            pledge.updated_at = now
        resource.updated_at = now
        await self.session.flush()
        return PledgedResource(resource, quantity)

    async def withdraw(self, event_id: int, resource_id: int, user: User) -> PledgedResource:
        """The caller takes their pledge back; 404 when they had none."""
        await self._visible_event(event_id, user)
        resource = await self._resource(event_id, resource_id, lock=True)
        pledge = await self._pledge(resource.id, user.id)
        if pledge is None:
            raise NotFound("pledge_not_found")
        await self._withdraw(resource, pledge)
        await self.session.flush()
        return PledgedResource(resource, None)

    async def withdraw_pledges(self, user_id: int, *, of_events_starting_after: dt.datetime) -> None:
        """Take back every pledge of the user to events that have not started (an erased account)."""
        pledged = await self.session.execute(
            select(EventResource.event_id, EventResource.id)
            .join(ResourcePledge, ResourcePledge.resource_id == EventResource.id)
            .join(Event, Event.id == EventResource.event_id)
            .where(ResourcePledge.user_id == user_id, Event.start_date > of_events_starting_after)
            .order_by(EventResource.id)  # one locking order for everyone
        )
        for event_id, resource_id in pledged.all():
            resource = await self._resource(event_id, resource_id, lock=True)
            pledge = await self._pledge(resource_id, user_id)
            if pledge is not None:
                await self._withdraw(resource, pledge)
        await self.session.flush()

    async def _pledge(self, resource_id: int, user_id: int) -> ResourcePledge | None:
        return await self.session.scalar(
            select(ResourcePledge).where(ResourcePledge.resource_id == resource_id, ResourcePledge.user_id == user_id)
        )

    async def _withdraw(self, resource: EventResource, pledge: ResourcePledge) -> None:
        """The caller holds the resource's lock."""
        resource.quantity_provided -= pledge.quantity
        resource.updated_at = utcnow()
        await self.session.delete(pledge)

    async def _visible_event(self, event_id: int, user: User | None) -> Event:
        return await visible_event(self.session, event_id, user)

    async def _managed_event(self, event_id: int, user: User) -> Event:
        """404 when the caller may not even see the event, 403 when they may only see it."""
        return await require_manager(self.session, await self._visible_event(event_id, user), user)

    async def _resource(self, event_id: int, resource_id: int, *, lock: bool = False) -> EventResource:
        statement = self._of_event(event_id).where(EventResource.id == resource_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        resource = await self.session.scalar(statement)
        if resource is None:
            raise NotFound("resource_not_found")
        return resource

    async def _pledged(self, resource_id: int, user: User | None) -> int | None:
        if user is None:
            return None
        quantity: int | None = await self.session.scalar(
            select(ResourcePledge.quantity).where(
                ResourcePledge.resource_id == resource_id, ResourcePledge.user_id == user.id
            )
        )
        return quantity

    @staticmethod
    def _of_event(event_id: int) -> Select[tuple[EventResource]]:
        return (
            select(EventResource)
            .where(EventResource.event_id == event_id)
            .order_by(EventResource.created_at, EventResource.id)
        )


def _trimmed(values: dict[str, Any]) -> dict[str, Any]:
    """Names and units without surrounding blanks; a blank one is refused (400)."""
    errors: list[FieldError] = []
    result = dict(values)
    for field in TRIMMED_FIELDS:
        if isinstance(result.get(field), str):
            result[field] = result[field].strip()
            if not result[field]:
                errors.append(FieldError(field, "required"))
    if errors:
        raise ValidationFailed(errors)
    return result
