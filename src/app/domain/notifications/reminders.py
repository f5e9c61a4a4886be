"""Reminders (SPEC §4): each confirmed participant of an event starting within 24 h gets exactly one.

The hourly job finds the events with participants still to remind and queues one job per event, so any
number of workers share the work. An event's job claims its participants in batches by locking their rows
(`FOR NO KEY UPDATE SKIP LOCKED`): two jobs never hold the same participant, and a job that dies releases
its claims with its connection. Each reminder is recorded as the SMTP server accepts it, on a connection
of its own, so a crash resends at most the one message whose acceptance and record it fell between.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User, UserProfile
from app.domain.events.models import Event
from app.domain.notifications.delivery import Mailer, hand_over
from app.domain.notifications.links import Links
from app.domain.notifications.models import event_reminders
from app.domain.notifications.preferences import EVENT_REMINDERS, opted_in
from app.domain.notifications.records import delivery_records
from app.domain.notifications.templates import event_email
from app.domain.participation.models import EventParticipant
from app.domain.time import utcnow

REMINDER_WINDOW = dt.timedelta(hours=24)
# Participants claimed (and messages sent over one SMTP connection) at a time.
CLAIM_BATCH = 100


def _not_reminded() -> Select[tuple[int]]:
    return select(1).where(
        event_reminders.c.event_id == EventParticipant.event_id, event_reminders.c.user_id == EventParticipant.user_id
    )


def _due(now: dt.datetime) -> list[ColumnElement[bool]]:
    return [Event.status == "published", Event.start_date > now, Event.start_date <= now + REMINDER_WINDOW]


async def queue_due_reminders(session: AsyncSession, *, now: dt.datetime | None = None) -> int:
    """Queue one `send_event_reminders` job per event with someone still to remind; return how many."""
    now = now or utcnow()
    someone_to_remind = exists(
        select(1)
        .select_from(EventParticipant)
        .join(User, User.id == EventParticipant.user_id)
        .join(UserProfile, UserProfile.user_id == User.id)
        .where(
            EventParticipant.event_id == Event.id,
            EventParticipant.status == "confirmed",
            User.is_active,
            opted_in(EVENT_REMINDERS),
            ~exists(_not_reminded()),
        )
    )
    event_ids = (await session.scalars(select(Event.id).where(*_due(now), someone_to_remind))).all()
    for event_id in event_ids:
        # While one is waiting, another for the same event is pointless.
        await jobs.defer_job(
            session, jobs.SEND_EVENT_REMINDERS, queueing_lock=f"reminders:{event_id}", event_id=event_id
        )
    return len(event_ids)


async def send_event_reminders(
    engine: AsyncEngine,
    mailer: Mailer,
    links: Links,
    *,
    sender: str,
    event_id: int,
    now: dt.datetime | None = None,
    batch: int | None = None,
) -> int:
    """Remind the event's confirmed participants not reminded yet, batch by batch; return how many now."""
    sent = 0
    async with delivery_records(engine) as records:
        while True:
            async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
                event = await session.scalar(select(Event).where(Event.id == event_id, *_due(now or utcnow())))
                if event is None:
                    return sent
                claimed, users = await _claim(session, event_id, batch or CLAIM_BATCH)
                if not claimed:
                    return sent
                if not users:
                    continue  # all reminded meanwhile by the job that held them
                async with mailer.session(sender=sender) as postman:
                    for user in users:
                        email = event_email(
                            user,
                            event,
                            "reminder",
                            links=links,
                            unsubscribe_kind=EVENT_REMINDERS,
                            key=f"reminder-{event_id}-{user.id}",
                        )
                        await hand_over(postman, email)
                        await records.reminder_sent(event_id, user.id)
                        sent += 1
            # Committing releases this batch's claims; every one of them is recorded by now.


async def _claim(session: AsyncSession, event_id: int, batch: int) -> tuple[int, list[User]]:
    """Lock up to `batch` participants to remind, skipping those another job holds; return how many were
    locked and those of them still to remind."""
    claimed = (
        await session.scalars(
            select(EventParticipant.user_id)
            .join(User, User.id == EventParticipant.user_id)
            .join(UserProfile, UserProfile.user_id == User.id)
            .where(
                EventParticipant.event_id == event_id,
                EventParticipant.status == "confirmed",
                User.is_active,
                opted_in(EVENT_REMINDERS),
                ~exists(_not_reminded()),
            )
            .order_by(EventParticipant.arrival)
            .limit(batch)
            .with_for_update(of=EventParticipant, skip_locked=True, key_share=True)
        )
    ).all()
    if not claimed:
        return 0, []
    # The claim's snapshot predates the lock: a job that released a row just before we locked it may have
    # recorded its reminder after that snapshot. A fresh statement sees it.
    users = await session.scalars(
        select(User)
        .where(
            User.id.in_(claimed),
            ~exists(
                select(1).where(and_(event_reminders.c.event_id == event_id, event_reminders.c.user_id == User.id))
            ),
        )
        .order_by(User.id)
    )
    return len(claimed), list(users.unique().all())
