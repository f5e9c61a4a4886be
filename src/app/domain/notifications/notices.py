"""Notices (SPEC §4): an email to the people a change concerns, queued in the transaction that makes it.

`queue_notice` is the one way the domain asks for one. The job, `send_event_notification_email`, sends one
email per recipient who still wants it, and records each as the SMTP server accepts it: the same job run
again (a retry, a stalled-job rescue) sends nobody a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User, UserProfile
from app.domain.events.models import Event
from app.domain.impact.models import Badge
from app.domain.notifications.delivery import Mailer, hand_over
from app.domain.notifications.email import Email
from app.domain.notifications.links import Links
from app.domain.notifications.models import notice_deliveries
from app.domain.notifications.preferences import PREFERENCE_OF_KIND, opted_in
from app.domain.notifications.records import delivery_records
from app.domain.notifications.templates import badge_email, event_email
from app.domain.participation.models import ACTIVE_STATUSES, EventParticipant

logger = logging.getLogger(__name__)

# To the participants named by the notice, in the participation status it announces.
PERSONAL_KINDS = {
    "join_confirmed": "confirmed",
    "approved": "confirmed",
    "promoted": "confirmed",
    "rejected": "rejected",
}
# To everyone whose participation is active (confirmed, pending, waitlisted) when the email goes.
EVENT_WIDE_KINDS = ("event_changed", "event_cancelled")
# To the people who reported or confirmed a dirty spot (named by the notice), about the mutirão that cleans it;
# sent only while that event is public, and published (`spot_scheduled`), held (`spot_cleaned`) or cancelled
# (`spot_released`).
SPOT_NOTICES = {
    "spot_scheduled": ("published",),
    "spot_cleaned": ("published", "completed"),
    "spot_released": ("cancelled",),
}
BADGE_EARNED = "badge_earned"
NOTICE_KINDS = (*PERSONAL_KINDS, *EVENT_WIDE_KINDS, *SPOT_NOTICES, BADGE_EARNED)

# Messages per SMTP connection: servers commonly cap a session at about a hundred.
MESSAGES_PER_CONNECTION = 100
# Advisory-lock namespace of notice jobs (the second key is the job id).
_NOTICE_LOCK_SPACE = 6_220_001


async def queue_notice(
    session: AsyncSession,
    kind: str,
    *,
    event_id: int | None = None,
    user_ids: Iterable[int] = (),
    badge_code: str | None = None,
) -> int | None:
    """Queue a notice in the session's transaction: it goes if, and only if, the change commits.

    Event-wide kinds go to the event's active participants when no `user_ids` are given."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    recipients = sorted(set(user_ids))
    if not recipients and kind not in EVENT_WIDE_KINDS:
        return None  # nobody to tell
    return await jobs.defer_job(
        session,
        jobs.SEND_EVENT_NOTIFICATION_EMAIL,
        event_id=event_id,
        kind=kind,
        user_ids=recipients or None,
        badge_code=badge_code,
    )


async def send_notice(
    engine: AsyncEngine,
    mailer: Mailer,
    links: Links,
    *,
    sender: str,
    job_id: int,
    kind: str,
    event_id: int | None,
    user_ids: list[int] | None,
    badge_code: str | None,
) -> int:
    """Send the notice to each recipient it has not reached yet; return how many were sent now."""
    if kind not in NOTICE_KINDS or (kind not in EVENT_WIDE_KINDS and not user_ids):
        # Only a hand-made job gets here (queue_notice refuses both): say so, and do not guess the recipients.
        logger.error("notice job %s has kind %r and user_ids %r: nothing sent", job_id, kind, user_ids)
        return 0
    sent = 0
    async with delivery_records(engine) as records, AsyncSession(engine) as session, session.begin():
        # One run of a job at a time: a rescued copy of a run that is in fact alive waits here, then finds
        # everything recorded.
        await session.execute(select(func.pg_advisory_xact_lock(_NOTICE_LOCK_SPACE, job_id % 2_147_483_647)))
        about = await _subject_of(session, kind, event_id, badge_code)
        if about is None:
            return 0
        recipients = await _recipients(session, kind, event_id, user_ids, job_id)
        for start in range(0, len(recipients), MESSAGES_PER_CONNECTION):
            async with mailer.session(sender=sender) as postman:
                for user in recipients[start : start + MESSAGES_PER_CONNECTION]:
                    email = _email(user, about, kind, links, key=f"{kind}-{job_id}-{user.id}")
                    await hand_over(postman, email)
                    await records.notice_sent(job_id, user.id, kind)
                    sent += 1
    return sent


async def _subject_of(
    session: AsyncSession, kind: str, event_id: int | None, badge_code: str | None
) -> Event | Badge | None:
    """What the notice is about, if it still makes sense to send it."""
    if kind == BADGE_EARNED:
        badge = await session.scalar(select(Badge).where(Badge.code == badge_code))
        if badge is None:
            logger.warning("badge_earned notice for unknown badge %r: nothing sent", badge_code)
        return badge
    event = None if event_id is None else await session.get(Event, event_id)
    if event is None:
        return None
    if kind in SPOT_NOTICES:
        # Its people are not the event's: they may follow the link only to a public event.
        return event if event.is_public and event.status in SPOT_NOTICES[kind] else None
    # A notice about a live event is pointless once it is cancelled (its own notice says so).
    expected = "cancelled" if kind == "event_cancelled" else "published"
    return event if event.status == expected else None


async def _recipients(
    session: AsyncSession, kind: str, event_id: int | None, user_ids: list[int] | None, job_id: int
) -> list[User]:
    statement = (
        select(User)
        .join(UserProfile, UserProfile.user_id == User.id)
        .where(
            User.is_active,
            opted_in(PREFERENCE_OF_KIND[kind]),
            User.id.not_in(select(notice_deliveries.c.user_id).where(notice_deliveries.c.job_id == job_id)),
        )
        .order_by(User.id)
    )
    if user_ids is not None:
        statement = statement.where(User.id.in_(user_ids))
    if kind in PERSONAL_KINDS or kind in EVENT_WIDE_KINDS:
        statuses = (PERSONAL_KINDS[kind],) if kind in PERSONAL_KINDS else ACTIVE_STATUSES
        statement = statement.where(
            User.id.in_(
                select(EventParticipant.user_id).where(
                    EventParticipant.event_id == event_id, EventParticipant.status.in_(statuses)
                )
            )
        )
    return list((await session.scalars(statement)).unique().all())


def _email(user: User, about: Event | Badge, kind: str, links: Links, *, key: str) -> Email:
    preference = PREFERENCE_OF_KIND[kind]
    if isinstance(about, Badge):
        return badge_email(user, about, links=links, unsubscribe_kind=preference, key=key)
    return event_email(user, about, kind, links=links, unsubscribe_kind=preference, key=key)
