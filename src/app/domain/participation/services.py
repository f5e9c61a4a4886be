"""Participation rules: joining, leaving and the waitlist. Capacity is an invariant, not a check.

Every change of an event's participants first locks the event's row, so capacity is read and taken in
one step; the database also refuses `participants_count > max_participants` (a CHECK constraint).
The waitlist is served in arrival order (a sequence number taken while the event is locked).
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User, UserProfile
from app.domain.errors import Conflict, NotFound, PermissionDenied
from app.domain.events.models import Event
from app.domain.participation.models import ACTIVE_STATUSES, EventParticipant, arrival_sequence
from app.domain.participation.schemas import JoinRequest
from app.domain.time import utcnow

# Which counter of the event each status occupies.
COUNTER_OF_STATUS = {"confirmed": "participants_count", "waitlisted": "waitlist_count", "pending": "pending_count"}


def registration_open(event: Event, now: dt.datetime) -> bool:
    """Published, not started, and before the registration deadline."""
    before_deadline = event.registration_deadline is None or now < event.registration_deadline
    return event.status == "published" and now < event.start_date and before_deadline


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class ParticipationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_event(self, event_id: UUID) -> Event:
        # Lock the event row: capacity is read and taken in one step.
        statement = select(Event).where(Event.id == event_id).with_for_update(of=Event)
        event = await self.session.scalar(statement.execution_options(populate_existing=True))
        if event is None:
            raise NotFound("event_not_found")
        return event

    async def join(self, event_id: UUID, user: User, data: JoinRequest) -> EventParticipant:
        event = await self.lock_event(event_id)
        if not event.visible_to(user):
            raise NotFound("event_not_found")
        if event.organizer_id == user.id:
            raise Conflict("organizer_cannot_join")
        now = utcnow()
        if not registration_open(event, now):
            raise Conflict("registration_closed")
        await self._check_age(event, user)
        participation = await self._participation(event.id, user.id)
        if participation is not None and participation.status in ACTIVE_STATUSES:
            raise Conflict("already_joined")
        if participation is not None and participation.status == "rejected":
            raise Conflict("join_rejected")
        status = self._status_for_newcomer(event)
        if participation is None:
            participation = EventParticipant(event_id=event.id, user_id=user.id, status=status, joined_at=now)
            self.session.add(participation)
        else:
            # Joining again: to the back of the queue.
            participation.status = status
            participation.joined_at = now
            participation.arrival = arrival_sequence.next_value()
            participation.checked_in = False
            participation.check_in_time = None
        participation.emergency_contact = data.emergency_contact.strip()
        participation.emergency_phone = data.emergency_phone.strip()
        participation.special_needs = data.special_needs.strip()
        participation.experience_level = data.experience_level
        self._count(event, status, +1)
        await self.session.flush()
        await self.session.refresh(participation)
        return participation

    async def leave(self, event_id: UUID, user: User) -> EventParticipant:
        event = await self.lock_event(event_id)
        participation = await self._participation(event.id, user.id)
        if participation is None or participation.status not in ACTIVE_STATUSES:
            raise NotFound("not_participating")
        if event.status in {"completed", "cancelled"} or utcnow() >= event.end_date:
            raise Conflict("event_closed")
        self._count(event, participation.status, -1)
        freed_spot = participation.status == "confirmed"
        participation.status = "cancelled"
        participation.updated_at = utcnow()
        await self.session.flush()
        if freed_spot:
            await self.promote(event)
        return participation

    async def promote(self, event: Event) -> list[EventParticipant]:
        """Fill free spots from the waitlist, earliest arrival first. The caller holds the event's lock."""
        free = event.max_participants - event.participants_count
        if free <= 0 or event.waitlist_count == 0:
            return []
        promoted = list(
            (
                await self.session.scalars(
                    select(EventParticipant)
                    .where(EventParticipant.event_id == event.id, EventParticipant.status == "waitlisted")
                    .order_by(EventParticipant.arrival)
                    .limit(free)
                    .with_for_update()
                )
            ).all()
        )
        for participation in promoted:
            participation.status = "confirmed"
            participation.updated_at = utcnow()
            self._count(event, "waitlisted", -1)
            self._count(event, "confirmed", +1)
        await self.session.flush()
        return promoted

    def _status_for_newcomer(self, event: Event) -> str:
        if event.participants_count >= event.max_participants:
            return "waitlisted"
        return "pending" if event.requires_approval else "confirmed"

    @staticmethod
    def _count(event: Event, status: str, delta: int) -> None:
        counter = COUNTER_OF_STATUS.get(status)
        if counter is not None:
            setattr(event, counter, getattr(event, counter) + delta)

    async def _participation(self, event_id: UUID, user_id: UUID) -> EventParticipant | None:
        participation: EventParticipant | None = await self.session.scalar(
            select(EventParticipant).where(EventParticipant.event_id == event_id, EventParticipant.user_id == user_id)
        )
        return participation

    async def _check_age(self, event: Event, user: User) -> None:
        birth_date = await self.session.scalar(select(UserProfile.birth_date).where(UserProfile.user_id == user.id))
        if birth_date is None:
            return  # unknown age: the organizer checks on site
        age = age_on(birth_date, event.start_date.astimezone(ZoneInfo(event.timezone)).date())
        if age < event.min_age or (event.max_age is not None and age > event.max_age):
            raise PermissionDenied("age_not_allowed", min_age=event.min_age, max_age=event.max_age or "-")
