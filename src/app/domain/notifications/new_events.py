"""New-event notices: when an event is published, the volunteers it may interest hear of it, one email a day at most.

Who: the followers of the event's organization, and those whose interests hold its category and whose city (matched
by name and state to Brazil's places, accents and case aside) is within 50 km. Not the organizers, not inactive
accounts, not those who turned `email_new_events` off.

How: publishing queues one job, which inserts one `new_event_notices` row per volunteer in a single statement and
queues send jobs. A send job claims volunteers with pending notices who have had no such email today (APP_TIMEZONE):
a per-volunteer advisory lock (try, skip if held) keeps two jobs apart, and a fresh read after the lock sees what the
other job recorded. Each email lists all of its volunteer's pending notices (a digest when several); as SMTP accepts
it, one statement claims the day and marks those notices sent. The rest wait for the 08:00 run (tasks.schedules).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User, UserProfile
from app.domain.events.models import Event
from app.domain.events.queries import KM_PER_DEGREE_LATITUDE, haversine_sql
from app.domain.notifications.delivery import Mailer, hand_over
from app.domain.notifications.links import Links
from app.domain.notifications.models import new_event_emails, new_event_notices
from app.domain.notifications.preferences import opted_in
from app.domain.notifications.records import delivery_records
from app.domain.notifications.templates import new_events_email
from app.domain.time import utcnow

NEW_EVENTS = "email_new_events"
NEAR_KM = 50.0
# Volunteers claimed (and emails sent over one SMTP connection) at a time.
CLAIM_BATCH = 100
# Send jobs queued per published event: one per batch of notices, so that many workers share a big fan-out.
MAX_SEND_JOBS = 16
# Advisory-lock namespace of new-event volunteers (the second key is the user id).
_LOCK_SPACE = 6_220_002
_HALF_BOX_LATITUDE = NEAR_KM / KM_PER_DEGREE_LATITUDE

# Every matching volunteer of a published public event, in one statement; the places within 50 km are few (a box
# on br_cities, then the great-circle distance, as events.queries measures it), and profiles join them by index.
_MATCH_SQL = text(
    f"""
    WITH event AS (
        SELECT id, organizer_id, organization_id, category_id, latitude, longitude FROM events
        WHERE id = :event_id AND status = 'published' AND is_public AND start_date > now()
    ),
    near AS (
        SELECT c.state, c.name_key FROM br_cities c, event e
        WHERE c.latitude BETWEEN e.latitude - {_HALF_BOX_LATITUDE} AND e.latitude + {_HALF_BOX_LATITUDE}
          AND c.longitude BETWEEN e.longitude - :half_box_longitude AND e.longitude + :half_box_longitude
          AND {haversine_sql("e.latitude", "e.longitude", "c.latitude", "c.longitude")} <= {NEAR_KM}
    ),
    interested AS (
        SELECT f.user_id FROM organization_followers f JOIN event e ON f.organization_id = e.organization_id
        UNION
        SELECT p.user_id FROM user_profiles p
        JOIN near n ON mutiroes_fold(p.city) = n.name_key AND p.state = n.state
        JOIN event e ON p.interests @> ARRAY[e.category_id]
    )
    INSERT INTO new_event_notices (user_id, event_id)
    SELECT i.user_id, e.id FROM interested i
    CROSS JOIN event e
    JOIN users u ON u.id = i.user_id AND u.is_active
    JOIN user_profiles p ON p.user_id = i.user_id
    WHERE i.user_id <> e.organizer_id
      AND NOT p.notification_preferences @> '{{"{NEW_EVENTS}": false}}'::jsonb
      AND NOT EXISTS (SELECT 1 FROM event_co_organizers co WHERE co.event_id = e.id AND co.user_id = i.user_id)
    ON CONFLICT DO NOTHING
    """
)

_CLAIM_SQL = text(
    f"""
    SELECT c.user_id FROM (
        SELECT DISTINCT n.user_id FROM new_event_notices n
        JOIN events e ON e.id = n.event_id AND e.status = 'published' AND e.start_date > :now
        JOIN users u ON u.id = n.user_id AND u.is_active
        JOIN user_profiles p ON p.user_id = n.user_id
        WHERE n.sent_at IS NULL
          AND NOT p.notification_preferences @> '{{"{NEW_EVENTS}": false}}'::jsonb
          AND NOT EXISTS (SELECT 1 FROM new_event_emails m WHERE m.user_id = n.user_id AND m.day = :today)
        ORDER BY n.user_id
    ) c
    WHERE pg_try_advisory_xact_lock({_LOCK_SPACE}, (c.user_id % 2147483647)::int)
    LIMIT :batch
    """
)


async def queue_new_event_notices(session: AsyncSession, event_id: int) -> None:
    """Queue the fan-out in the publishing transaction: it happens if, and only if, the publication commits."""
    await jobs.defer_job(
        session, jobs.QUEUE_NEW_EVENT_NOTICES, queueing_lock=f"new-event-notices:{event_id}", event_id=event_id
    )


async def fan_out(session: AsyncSession, event_id: int) -> int:
    """Record a notice for every matching volunteer not noticed yet, queue the send jobs; return how many new."""
    latitude = await session.scalar(select(Event.latitude).where(Event.id == event_id))
    if latitude is None:
        return 0
    half_box_longitude = _HALF_BOX_LATITUDE / max(math.cos(math.radians(latitude)), 0.01)
    result = await session.execute(_MATCH_SQL, {"event_id": event_id, "half_box_longitude": half_box_longitude})
    noticed: int = result.rowcount  # type: ignore[attr-defined]
    for _ in range(min(math.ceil(noticed / CLAIM_BATCH), MAX_SEND_JOBS)):
        await jobs.defer_job(session, jobs.SEND_NEW_EVENT_EMAILS)
    return noticed


async def send_new_event_emails(
    engine: AsyncEngine,
    mailer: Mailer,
    links: Links,
    *,
    sender: str,
    timezone: str,
    now: dt.datetime | None = None,
    batch: int | None = None,
) -> int:
    """One email to each volunteer with pending notices and no such email today, batch by batch; return how many."""
    sent = 0
    async with delivery_records(engine) as records:
        while True:
            moment = now or utcnow()
            today = moment.astimezone(ZoneInfo(timezone)).date()
            async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
                claimed = (
                    await session.scalars(_CLAIM_SQL, {"now": moment, "today": today, "batch": batch or CLAIM_BATCH})
                ).all()
                if not claimed:
                    return sent
                letters = await _letters(session, list(claimed), today, moment)
                if not letters:
                    continue  # all emailed meanwhile by the job that held them
                async with mailer.session(sender=sender) as postman:
                    for user, events in letters:
                        email = new_events_email(
                            user, events, links=links, unsubscribe_kind=NEW_EVENTS, key=f"new-events-{user.id}-{today}"
                        )
                        await hand_over(postman, email)
                        await records.new_events_sent(user.id, today, [event.id for event in events])
                        sent += 1
            # Committing releases this batch's locks; every one of its emails is recorded by now.


async def _letters(
    session: AsyncSession, user_ids: list[int], today: dt.date, now: dt.datetime
) -> list[tuple[User, list[Event]]]:
    """The claimed volunteers still due an email, each with their pending events, soonest first.

    A fresh statement: the claim's snapshot predates the lock, and may miss what another job recorded before it let
    go of a volunteer."""
    emailed_today = exists(
        select(1).where(and_(new_event_emails.c.user_id == User.id, new_event_emails.c.day == today))
    )
    users = (
        (
            await session.scalars(
                select(User)
                .join(UserProfile, UserProfile.user_id == User.id)
                .where(User.id.in_(user_ids), User.is_active, opted_in(NEW_EVENTS), ~emailed_today)
                .order_by(User.id)
            )
        )
        .unique()
        .all()
    )
    pending = await session.execute(
        select(new_event_notices.c.user_id, Event)
        .join(Event, Event.id == new_event_notices.c.event_id)
        .where(
            new_event_notices.c.user_id.in_([user.id for user in users]),
            new_event_notices.c.sent_at.is_(None),
            Event.status == "published",
            Event.start_date > now,
        )
        .order_by(Event.start_date, Event.id)
    )
    events_of: dict[int, list[Event]] = defaultdict(list)
    for user_id, event in pending.tuples():
        events_of[user_id].append(event)
    return [(user, events_of[user.id]) for user in users if events_of[user.id]]
