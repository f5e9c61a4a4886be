"""The look-up every service hanging off an event starts with: the event, or 404 for whoever may not see it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from app.domain.accounts.models import User
from app.domain.errors import NotFound
from app.domain.events.models import Event


async def visible_event(session: AsyncSession, event_id: int, user: User | None) -> Event:
    """Only the event's own columns (not its category and organizer). Drafts and private events: 404 to all but
    their organizer and staff."""
    event = await session.scalar(select(Event).where(Event.id == event_id).options(raiseload("*")))
    if event is None or not event.visible_to(user):
        raise NotFound("event_not_found")
    return event
