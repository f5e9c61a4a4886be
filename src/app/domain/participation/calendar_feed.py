"""A volunteer's calendar feed (SPEC §3): the events they joined, as one iCalendar that calendar apps subscribe to.

Calendar apps fetch a URL without logging in, so the URL carries the credential: a random key kept on the
profile. It reads the feed and nothing else; resetting it replaces the key, and the old URL answers 404.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import asyncpg
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import UserProfile, display_name
from app.domain.events.calendar import CalendarEvent, calendar_ics
from app.domain.participation.models import ACTIVE_STATUSES

FEED_NAME = "Mutirões"
# Ended events stay this long (a calendar keeps what happened); the feed carries at most FEED_LIMIT events.
FEED_KEEPS_PAST = dt.timedelta(days=90)
FEED_LIMIT = 500
_KEY_BYTES = 32  # 43 characters of URL-safe base64

_OWNER_SQL = """
SELECT p.user_id FROM user_profiles p JOIN users u ON u.id = p.user_id
WHERE p.calendar_key = $1 AND u.is_active
"""

_EVENTS_SQL = """
SELECT e.id, e.title, e.description, e.address, e.city, e.state, e.latitude, e.longitude, e.start_date, e.end_date,
       e.timezone, e.status, e.updated_at, o.first_name, o.last_name, o.username, ep.status
FROM event_participants ep
JOIN events e ON e.id = ep.event_id
JOIN users o ON o.id = e.organizer_id
WHERE ep.user_id = $1 AND ep.status = ANY($2::text[]) AND e.end_date >= $3
ORDER BY e.start_date, e.id
LIMIT $4
"""


async def feed_key(session: AsyncSession, user_id: int) -> str:
    """The user's key, made on first use. Two first uses at once agree on one key."""
    made = await session.scalar(
        update(UserProfile)
        .where(UserProfile.user_id == user_id, UserProfile.calendar_key.is_(None))
        .values(calendar_key=secrets.token_urlsafe(_KEY_BYTES))
        .returning(UserProfile.calendar_key)
    )
    if made is not None:
        return made
    key: str = await session.scalar(select(UserProfile.calendar_key).where(UserProfile.user_id == user_id))
    return key


async def reset_feed_key(session: AsyncSession, user_id: int) -> str:
    """A new key: the old URL stops working at once."""
    key = secrets.token_urlsafe(_KEY_BYTES)
    await session.execute(update(UserProfile).where(UserProfile.user_id == user_id).values(calendar_key=key))
    return key


async def feed_ics(
    db: asyncpg.Pool | asyncpg.Connection, key: str, *, event_url: Callable[[int], str], now: dt.datetime
) -> str | None:
    """The feed of the key's owner, or None for a key nobody holds; `event_url` links each event to its page."""
    owner = await db.fetchval(_OWNER_SQL, key)
    if owner is None:
        return None
    rows = await db.fetch(_EVENTS_SQL, owner, list(ACTIVE_STATUSES), now - FEED_KEEPS_PAST, FEED_LIMIT)
    events = [
        CalendarEvent(
            uid=str(row[0]),
            title=row[1],
            description=row[2],
            address=row[3],
            city=row[4],
            state=row[5],
            latitude=row[6],
            longitude=row[7],
            start=row[8],
            end=row[9],
            timezone=row[10],
            status=row[11],
            updated_at=row[12],
            organizer_name=display_name(row[13], row[14], row[15]),
            url=event_url(row[0]),
            tentative=row[16] != "confirmed",
        )
        for row in rows
    ]
    return calendar_ics(events, now=now, name=FEED_NAME)
