"""The nightly clean-up (SPEC §4): close what has ended, drop what never happened, purge what expired.

History is never erased: confirmed participations, reports and comments stay; closed waitlists become
`cancelled` participations, not deleted rows. Every step is idempotent, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import RefreshToken
from app.domain.comments.models import EventComment
from app.domain.events.models import Event
from app.domain.impact.models import EventReport
from app.domain.notifications.models import notice_deliveries
from app.domain.participation.models import EventParticipant
from app.domain.spots import lifecycle as spot_lifecycle

CLEANUP_AT = dt.time(2, 0)
STALE_DRAFT_AGE = dt.timedelta(days=30)
# A notice job is long finished by then (its retries span less than an hour).
NOTICE_RECORDS_KEPT = dt.timedelta(days=30)


class CleanupSummary(msgspec.Struct, frozen=True, kw_only=True):
    events_completed: int
    participations_closed: int
    drafts_deleted: int
    refresh_tokens_purged: int
    notice_records_purged: int


def is_cleanup_tick(tick: dt.datetime, timezone: str, *, every: dt.timedelta = dt.timedelta(hours=1)) -> bool:
    """Whether the periodic run at `tick` is the day's 02:00 run in `timezone`: the first tick at or after 02:00
    local time. Once a day, also when a DST change skips 02:00 or repeats it."""
    zone = ZoneInfo(timezone)
    local, previous = tick.astimezone(zone), (tick - every).astimezone(zone)
    return local.time() >= CLEANUP_AT and (previous.date() != local.date() or previous.time() < CLEANUP_AT)


async def cleanup_expired(session: AsyncSession, *, now: dt.datetime) -> CleanupSummary:
    ended = await session.scalars(
        update(Event)
        .where(Event.status == "published", Event.end_date < now)
        # Their waitlists close (below): nobody waits any more.
        .values(status="completed", waitlist_count=0, pending_count=0, updated_at=now)
        .returning(Event.id)
    )
    completed = list(ended.all())
    closed = 0
    if completed:
        result = await session.execute(
            update(EventParticipant)
            .where(EventParticipant.event_id.in_(completed), EventParticipant.status.in_(("waitlisted", "pending")))
            .values(status="cancelled", updated_at=now)
        )
        closed = _rowcount(result)
    drafts = await session.execute(
        delete(Event).where(
            Event.status == "draft",
            Event.start_date < now - STALE_DRAFT_AGE,
            # A draft somebody joined, discussed or reported on is history: it stays.
            ~exists(select(1).where(EventParticipant.event_id == Event.id)),
            ~exists(select(1).where(EventComment.event_id == Event.id)),
            ~exists(select(1).where(EventReport.event_id == Event.id)),
        )
    )
    await spot_lifecycle.release_orphans(session)
    tokens = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    records = await session.execute(
        delete(notice_deliveries).where(notice_deliveries.c.sent_at < now - NOTICE_RECORDS_KEPT)
    )
    return CleanupSummary(
        events_completed=len(completed),
        participations_closed=closed,
        drafts_deleted=_rowcount(drafts),
        refresh_tokens_purged=_rowcount(tokens),
        notice_records_purged=_rowcount(records),
    )


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
