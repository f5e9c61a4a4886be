"""Who may see and who may manage an event: the one place for those rules.

An event is managed by its organizer, its co-organizers, the owners and admins of the organization it belongs
to, and staff. Its owners (who may also delete it and choose its co-organizers) are the same minus the
co-organizers. Drafts and private events are seen by those who manage them only. The rules are written once
as SQL (`manages_sql`, `owns_sql`), which the hand-written read queries embed and the services below run.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from app.domain.accounts.models import User
from app.domain.errors import NotFound, PermissionDenied
from app.domain.events.models import LISTED_STATUSES, Event

# Organization roles that manage (and own) every event of the organization.
ORGANIZATION_MANAGER_ROLES = ("owner", "admin")


def owns_sql(event: str, user: str) -> str:
    """SQL truth of "`user` (a bound parameter) owns the event aliased `event`" (staff aside)."""
    roles = ", ".join(f"'{role}'" for role in ORGANIZATION_MANAGER_ROLES)
    return (
        f"({event}.organizer_id = {user} OR EXISTS (SELECT 1 FROM organization_members m"
        f" WHERE m.organization_id = {event}.organization_id AND m.user_id = {user} AND m.role IN ({roles})))"
    )


def manages_sql(event: str, user: str) -> str:
    """SQL truth of "`user` manages the event aliased `event`" (staff aside): its owners and co-organizers."""
    return (
        f"({owns_sql(event, user)} OR EXISTS (SELECT 1 FROM event_co_organizers co"
        f" WHERE co.event_id = {event}.id AND co.user_id = {user}))"
    )


def is_listed(event: Event) -> bool:
    return event.is_public and event.status in LISTED_STATUSES


async def manages(session: AsyncSession, event: Event, user: User) -> bool:
    """Edit, publish, cancel, approve, check in, report, moderate comments."""
    if user.is_staff or event.organizer_id == user.id:
        return True  # the common case needs no query
    return await _holds(session, manages_sql("e", ":user_id"), event, user)


async def owns(session: AsyncSession, event: Event, user: User) -> bool:
    """What co-organizers may not do: delete the event, add or remove co-organizers."""
    if user.is_staff or event.organizer_id == user.id:
        return True
    return await _holds(session, owns_sql("e", ":user_id"), event, user)


async def sees(session: AsyncSession, event: Event, user: User | None) -> bool:
    return is_listed(event) or (user is not None and await manages(session, event, user))


async def _holds(session: AsyncSession, condition: str, event: Event, user: User) -> bool:
    statement = text(f"SELECT {condition} FROM events e WHERE e.id = :event_id")
    return bool(await session.scalar(statement, {"event_id": event.id, "user_id": user.id}))


async def visible_event(session: AsyncSession, event_id: int, user: User | None) -> Event:
    """Only the event's own columns (not its category and organizer): 404 to whoever may not see it."""
    event = await session.scalar(select(Event).where(Event.id == event_id).options(raiseload("*")))
    if event is None or not await sees(session, event, user):
        raise NotFound("event_not_found")
    return event


async def require_manager(session: AsyncSession, event: Event, user: User) -> Event:
    """404 when `user` may not even see the event, 403 when they may only see it."""
    if await manages(session, event, user):
        return event
    if not is_listed(event):
        raise NotFound("event_not_found")
    raise PermissionDenied("not_event_organizer")


async def require_owner(session: AsyncSession, event: Event, user: User) -> Event:
    await require_manager(session, event, user)
    if not await owns(session, event, user):
        raise PermissionDenied("not_event_owner")
    return event
