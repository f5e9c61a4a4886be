"""A spot's life with its mutirão, in one place: an event made from an open spot claims it (`scheduled`); when
that event's report is filed the spot is `cleaned`; an event cancelled or erased before that lets it go (`open`
again). The people who reported or confirmed the spot get one email when the mutirão is published and one when
the spot is cleaned, or, if a published mutirão is cancelled instead, one saying so (notices `spot_scheduled`,
`spot_cleaned` and `spot_released`, under their event-updates preference).

Every step runs in the transaction of the change that causes it, so its email goes if, and only if, it commits.
"""

from __future__ import annotations

from sqlalchemy import select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Conflict, ValidationFailed
from app.domain.events.models import Event
from app.domain.notifications.notices import queue_notice
from app.domain.spots.models import Spot, SpotConfirmation
from app.domain.time import utcnow


async def claim(session: AsyncSession, spot_id: int) -> Spot:
    """The open spot an event is about to be made from, locked: of two organizers claiming it at once, the second
    finds it taken. A hidden spot is not offered (`spot_not_found`, as if it did not exist)."""
    spot = await session.scalar(
        select(Spot)
        .where(Spot.id == spot_id, Spot.status != "hidden")
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if spot is None:
        raise ValidationFailed.single("spot", "spot_not_found")
    if spot.status != "open":
        raise Conflict("spot_not_open")
    return spot


async def schedule(session: AsyncSession, spot: Spot, event: Event) -> None:
    """`spot` (claimed) now waits for `event`; its people hear of it once the event is published."""
    spot.status, spot.event_id, spot.updated_at = "scheduled", event.id, utcnow()
    await session.flush()
    if event.status == "published":
        await published(session, event.id)


async def published(session: AsyncSession, event_id: int) -> None:
    """The event was published: tell the people of the spots it is scheduled for."""
    await _tell(session, "spot_scheduled", event_id, status="scheduled")


async def cleaned(session: AsyncSession, event_id: int) -> None:
    """The event's report was filed: the spots it was scheduled for are cleaned (their page shows the event's
    `after` photos)."""
    await session.execute(
        update(Spot)
        .where(Spot.event_id == event_id, Spot.status == "scheduled")
        .values(status="cleaned", updated_at=utcnow())
    )
    await _tell(session, "spot_cleaned", event_id, status="cleaned")


async def released(session: AsyncSession, event_id: int, *, announced: bool) -> None:
    """The event was cancelled: its spots are open again, for another mutirão to take. If it had been published
    (`announced`: its spots' people were told of it), they are told it is off."""
    user_ids = await _people(session, event_id, status="scheduled") if announced else []
    await session.execute(
        update(Spot)
        .where(Spot.event_id == event_id, Spot.status == "scheduled")
        .values(status="open", event_id=None, updated_at=utcnow())
    )
    await queue_notice(session, "spot_released", event_id=event_id, user_ids=user_ids)


async def release_orphans(session: AsyncSession) -> None:
    """After events are erased (their spots' `event_id` is set to null by the database): a scheduled spot with no
    event is open again. A claim sets both columns at once, so no live claim ever matches."""
    await session.execute(
        update(Spot)
        .where(Spot.status == "scheduled", Spot.event_id.is_(None))
        .values(status="open", updated_at=utcnow())
    )


async def _tell(session: AsyncSession, kind: str, event_id: int, *, status: str) -> None:
    """One notice per event, to everyone who reported or confirmed one of its spots: once each, even if they
    reported one spot and confirmed another."""
    await queue_notice(session, kind, event_id=event_id, user_ids=await _people(session, event_id, status=status))


async def _people(session: AsyncSession, event_id: int, *, status: str) -> list[int]:
    """Who reported or confirmed the event's spots in `status`."""
    spots = select(Spot.id).where(Spot.event_id == event_id, Spot.status == status)
    people = union(
        select(Spot.reporter_id).where(Spot.id.in_(spots)),
        select(SpotConfirmation.user_id).where(SpotConfirmation.spot_id.in_(spots)),
    )
    return list((await session.scalars(select(people.subquery().c[0]))).all())
