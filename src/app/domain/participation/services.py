"""Participation rules: joining, leaving and the waitlist. Capacity is an invariant, not a check.

Every change of an event's participants first locks the event's row, so capacity is read and taken in
one step; the database also refuses `participants_count > max_participants` (a CHECK constraint).
The waitlist is served in arrival order (a sequence number taken while the event is locked).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User, UserProfile
from app.domain.accounts.services import lock_active_account
from app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.domain.events.access import manages, require_manager, sees
from app.domain.events.models import Event
from app.domain.events.queries import great_circle_km
from app.domain.impact.services import StatisticsService
from app.domain.notifications.notices import queue_notice
from app.domain.participation.models import ACTIVE_STATUSES, EventParticipant, arrival_sequence
from app.domain.participation.queries import Audience, participant_audience
from app.domain.participation.schemas import CheckInRequest, JoinRequest
from app.domain.time import utcnow

# Which counter of the event each status occupies.
COUNTER_OF_STATUS = {"confirmed": "participants_count", "waitlisted": "waitlist_count", "pending": "pending_count"}


CHECK_IN_OPENS_BEFORE = dt.timedelta(hours=1)


def _check_proof(event: Event, data: CheckInRequest, *, radius_m: int, max_radius_m: int) -> None:
    """A participant proves presence with the event's code, or with a position close enough to the event.
    The phone's reported accuracy widens the circle, up to a cap (a vague position proves little)."""
    if data.check_in_code is not None:
        if data.check_in_code.strip().upper() != event.check_in_code:
            raise ValidationFailed.single("check_in_code", "check_in_code_wrong")
        return
    if data.latitude is None or data.longitude is None:
        raise ValidationFailed.single("check_in_code", "check_in_proof_required")
    allowed_m = min(radius_m + (data.accuracy or 0), max_radius_m)
    distance_m = great_circle_km(event.latitude, event.longitude, data.latitude, data.longitude) * 1000
    if distance_m > allowed_m:
        raise ValidationFailed.single(
            "latitude", "check_in_too_far", distance=round(distance_m), allowed=round(allowed_m)
        )


def registration_open(event: Event, now: dt.datetime) -> bool:
    """Published, not started, and before the registration deadline."""
    before_deadline = event.registration_deadline is None or now < event.registration_deadline
    return event.status == "published" and now < event.start_date and before_deadline


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class ParticipationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_event(self, event_id: int) -> Event:
        # Lock the event row: capacity is read and taken in one step.
        statement = select(Event).where(Event.id == event_id).with_for_update(of=Event)
        event = await self.session.scalar(statement.execution_options(populate_existing=True))
        if event is None:
            raise NotFound("event_not_found")
        return event

    async def join(self, event_id: int, user: User, data: JoinRequest) -> EventParticipant:
        await lock_active_account(self.session, user.id)
        event = await self.lock_event(event_id)
        if not await sees(self.session, event, user):
            raise NotFound("event_not_found")
        if event.organizer_id == user.id:
            raise PermissionDenied("organizer_cannot_join")  # SPEC §3: "not the organizer" is a permission rule
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
        if status == "confirmed":
            await queue_notice(self.session, "join_confirmed", event_id=event.id, user_ids=[user.id])
        return participation

    async def leave(self, event_id: int, user: User) -> EventParticipant:
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
        await queue_notice(
            self.session, "promoted", event_id=event.id, user_ids=[participation.user_id for participation in promoted]
        )
        return promoted

    async def decide(self, event_id: int, participation_id: int, status: str, user: User) -> EventParticipant:
        """The organizer confirms or rejects. Confirming never exceeds capacity: when full, the volunteer waits."""
        event = await self._event_to_manage(event_id, user)
        participation = await self.session.scalar(
            select(EventParticipant)
            .where(EventParticipant.id == participation_id, EventParticipant.event_id == event.id)
            .with_for_update()
        )
        if participation is None:
            raise NotFound("participation_not_found")
        if participation.status not in ACTIVE_STATUSES:
            raise Conflict("participation_closed")
        was = participation.status
        if status == "rejected":
            new_status = "rejected"
        elif was == "confirmed":
            return participation
        else:
            full = event.participants_count >= event.max_participants
            new_status = "waitlisted" if full else "confirmed"
        self._count(event, was, -1)
        self._count(event, new_status, +1)
        participation.status = new_status
        participation.updated_at = utcnow()
        await self.session.flush()
        if new_status in {"confirmed", "rejected"}:
            kind = "approved" if new_status == "confirmed" else "rejected"
            await queue_notice(self.session, kind, event_id=event.id, user_ids=[participation.user_id])
        if was == "confirmed":
            await self.promote(event)
        return participation

    async def check_in(
        self, event_id: int, user: User, data: CheckInRequest, *, radius_m: int, max_radius_m: int
    ) -> EventParticipant:
        """Mark a confirmed participant as present, from 1 h before the start to the end. Idempotent."""
        event = await self.session.scalar(select(Event).where(Event.id == event_id))
        if event is None or not (await sees(self.session, event, user) or await self._participation(event_id, user.id)):
            raise NotFound("event_not_found")
        manager = await manages(self.session, event, user)
        now = utcnow()
        if not (event.start_date - CHECK_IN_OPENS_BEFORE <= now <= event.end_date) or event.status != "published":
            raise Conflict("check_in_window")
        if data.user_id is not None and data.user_id != user.id:
            if not manager:
                raise PermissionDenied("not_event_organizer")
            target = data.user_id
        elif manager and data.user_id is None and data.check_in_code is None and data.latitude is None:
            raise ValidationFailed.single("user_id", "required")
        else:
            target = user.id
            _check_proof(event, data, radius_m=radius_m, max_radius_m=max_radius_m)
        participation = await self.session.scalar(
            select(EventParticipant)
            .where(EventParticipant.event_id == event.id, EventParticipant.user_id == target)
            .with_for_update()
        )
        if participation is None or participation.status != "confirmed":
            raise Conflict("not_confirmed")
        if not participation.checked_in:
            participation.checked_in = True
            participation.check_in_time = now
            participation.updated_at = now
            await self.session.flush()
            # A check-in is verified presence: the volunteer's statistics follow, in this transaction.
            await StatisticsService(self.session).queue_user_statistics(target)
        return participation

    async def check_in_code(self, event_id: int, user: User, *, rotate: bool = False) -> str:
        event = await self._event_to_manage(event_id, user)
        if rotate:
            rotated = await self.session.execute(
                update(Event)
                .where(Event.id == event.id)
                .values(check_in_code=func.mutiroes_check_in_code())
                .returning(Event.check_in_code)
            )
            return str(rotated.scalar_one())
        return event.check_in_code

    async def audience(self, event_id: int, user: User) -> Audience:
        """What `user` may see of the event's participants; refused (403) when nothing."""
        event = await self.session.scalar(select(Event).where(Event.id == event_id))
        participation = None if event is None else await self._participation(event.id, user.id)
        if event is None or not (await sees(self.session, event, user) or participation is not None):
            raise NotFound("event_not_found")
        audience = participant_audience(
            manages_event=await manages(self.session, event, user),
            participation_status=participation.status if participation else None,
        )
        if audience is None:
            raise PermissionDenied("participants_private")
        return audience

    async def _event_to_manage(self, event_id: int, user: User) -> Event:
        return await require_manager(self.session, await self.lock_event(event_id), user)

    def _status_for_newcomer(self, event: Event) -> str:
        if event.participants_count >= event.max_participants:
            return "waitlisted"
        return "pending" if event.requires_approval else "confirmed"

    @staticmethod
    def _count(event: Event, status: str, delta: int) -> None:
        counter = COUNTER_OF_STATUS.get(status)
        if counter is not None:
            setattr(event, counter, getattr(event, counter) + delta)

    async def _participation(self, event_id: int, user_id: int) -> EventParticipant | None:
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
