"""Recording each accepted message at once, so that a crash resends at most the message it interrupted.

The record is written on a connection of its own, in autocommit: the sender's own transaction holds its
claims (row locks) for a whole batch, and must not hold the records back with them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

# Plain statements on the driver's connection: one round trip each, prepared once.
_REMINDER_SENT = "INSERT INTO event_reminders (event_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
_NOTICE_SENT = "INSERT INTO notice_deliveries (job_id, user_id, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
# One statement, so one transaction: the day is claimed and the notices it carried are marked together.
_NEW_EVENTS_SENT = """
    WITH day AS (
        INSERT INTO new_event_emails (user_id, day, sent_at) VALUES ($1, $2, now()) ON CONFLICT DO NOTHING
    )
    UPDATE new_event_notices SET sent_at = now()
    WHERE user_id = $1 AND event_id = ANY($3::bigint[]) AND sent_at IS NULL
"""


class DeliveryRecords:
    def __init__(self, connection: Any) -> None:
        self.connection = connection  # an asyncpg connection, outside any transaction

    async def reminder_sent(self, event_id: int, user_id: int) -> None:
        await self.connection.execute(_REMINDER_SENT, event_id, user_id)

    async def notice_sent(self, job_id: int, user_id: int, kind: str) -> None:
        await self.connection.execute(_NOTICE_SENT, job_id, user_id, kind)

    async def new_events_sent(self, user_id: int, day: dt.date, event_ids: list[int]) -> None:
        await self.connection.execute(_NEW_EVENTS_SENT, user_id, day, event_ids)


@contextlib.asynccontextmanager
async def delivery_records(engine: AsyncEngine) -> AsyncIterator[DeliveryRecords]:
    async with engine.connect() as connection:
        # Autocommit: each record is durable the moment its statement returns.
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        raw = await connection.get_raw_connection()
        yield DeliveryRecords(raw.driver_connection)
