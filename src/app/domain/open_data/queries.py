"""Reading the open datasets on asyncpg: a validator, the events in keyset chunks, the grouped totals.

The events are read in chunks of `chunk_size` rows by id (`id > last`), each on a pool connection taken and given
back for that one query: a slow client holds no connection and no transaction open while it reads, so memory and
database resources stay the same whatever the number of events. Every chunk uses the same `now`, so the set does
not move while one answer streams.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec

from app.domain.open_data.datasets import Group, Scope, scope_sql, took_place_sql

CHUNK_SIZE = 1000
# Bumped when a dataset's columns or formatting change: the ETags of the old shape stop matching.
FORMAT_VERSION = 1

# Who counts as a volunteer at an event: a confirmed participant who checked in (as every public figure).
_CHECKED_IN = "p.status = 'confirmed' AND p.checked_in"


def _rows(events: str, volunteers: str, joins: str = "") -> str:
    """One row per event that took place, in the columns of EVENT_COLUMNS (figures numeric until the output):
    `events` names the events read (as `e`), `volunteers` counts each one's."""
    return f"""
    SELECT e.id AS event_id,
           to_char(e.start_date AT TIME ZONE e.timezone, 'YYYY-MM-DD') AS date,
           to_char(e.start_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start_date,
           to_char(e.end_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS end_date,
           c.id AS category_id, c.name AS category_name, e.city, e.state,
           round(e.latitude::numeric, 3) AS latitude, round(e.longitude::numeric, 3) AS longitude,
           {volunteers} AS volunteers,
           r.id IS NOT NULL AS reported,
           r.total_hours, r.trash_collected_kg, r.recyclable_material_kg, r.trees_planted, r.area_cleaned_m2
    FROM {events}
    JOIN event_categories c ON c.id = e.category_id
    LEFT JOIN event_reports r ON r.event_id = e.id
    {joins}
    """


# A chunk: the next ids first (from ix_events_took_place), then their rows, each counted by index look-ups.
EVENTS_CHUNK_SQL = f"""
    SELECT event_id, date, start_date, end_date, category_id, category_name, city, state,
           latitude::float8, longitude::float8, volunteers, reported, total_hours::float8,
           trash_collected_kg::float8, recyclable_material_kg::float8, trees_planted, area_cleaned_m2::float8
    FROM ({
    _rows(
        events=f'''(SELECT e.id FROM events e WHERE {took_place_sql("$1")} AND {scope_sql(4)} AND e.id > $2
                    ORDER BY e.id LIMIT $3) AS next
                   JOIN events e ON e.id = next.id''',
        volunteers=f"(SELECT count(*) FROM event_participants p WHERE p.event_id = e.id AND {_CHECKED_IN})",
    )
}) AS rows
    ORDER BY event_id
"""
# Every event at once: the check-ins counted in one pass.
_ALL_ROWS = _rows(
    events="events e",
    volunteers="coalesce(a.volunteers, 0)",
    joins=f"""LEFT JOIN (SELECT p.event_id, count(*) AS volunteers FROM event_participants p WHERE {_CHECKED_IN}
                        GROUP BY p.event_id) AS a ON a.event_id = e.id
              WHERE {took_place_sql("$1")} AND {scope_sql(2)}""",
)
_TOTALS = """
    count(*) AS events, count(*) FILTER (WHERE reported) AS events_reported, coalesce(sum(volunteers), 0) AS volunteers,
    coalesce(sum(total_hours), 0)::float8, coalesce(sum(trash_collected_kg), 0)::float8,
    coalesce(sum(recyclable_material_kg), 0)::float8, coalesce(sum(trees_planted), 0) AS trees_planted,
    coalesce(sum(area_cleaned_m2), 0)::float8
"""
IMPACT_SQL: dict[Group, str] = {
    "month": f"SELECT left(date, 7) AS month, {_TOTALS} FROM ({_ALL_ROWS}) AS rows GROUP BY 1 ORDER BY 1",
    "city": f"SELECT state, city, {_TOTALS} FROM ({_ALL_ROWS}) AS rows GROUP BY 1, 2 ORDER BY 1, 2",
    "category": f"""
        SELECT category_id, category_name, {_TOTALS} FROM ({_ALL_ROWS}) AS rows GROUP BY 1, 2 ORDER BY 1""",
}
# What the datasets are made of, summed up. Any write that changes an answer changes one of these: an event's row
# (its counters too: a participant confirmed or rejected) bumps its updated_at; filing or editing a report bumps the
# report's (reports are never deleted but with their event); renaming a category, its own. Time changes the set as
# events end (count, ids). Check-ins close when the event ends, so they cannot change a row of this set. The events
# are read from ix_events_took_place alone (index-only).
VALIDATOR_SQL = f"""
    SELECT count(*), coalesce(sum(e.id), 0), max(e.updated_at),
           (SELECT max(updated_at) FROM event_reports), (SELECT max(updated_at) FROM event_categories)
    FROM events e
    WHERE {took_place_sql("$1")}
"""


class OpenDataQueries:
    def __init__(self, pool: asyncpg.Pool, *, chunk_size: int = CHUNK_SIZE) -> None:
        self.pool = pool
        self.chunk_size = chunk_size

    async def validator(self, now: dt.datetime) -> str:
        """A short digest of the state the datasets are read from; the ETags are made of it."""
        row = await self.pool.fetchrow(VALIDATOR_SQL, now)
        state = [value.isoformat() if isinstance(value, dt.datetime) else value for value in row]
        return hashlib.blake2b(msgspec.json.encode([FORMAT_VERSION, *state]), digest_size=12).hexdigest()

    async def event_chunks(self, now: dt.datetime, scope: Scope) -> AsyncIterator[list[asyncpg.Record]]:
        """The events in `scope` that took place by `now`, in id order, `chunk_size` at a time."""
        after = 0
        while True:
            async with self.pool.acquire() as connection:
                rows = await connection.fetch(EVENTS_CHUNK_SQL, now, after, self.chunk_size, *scope.params())
            if rows:
                yield rows
                after = rows[-1][0]
            if len(rows) < self.chunk_size:
                return

    async def impact(self, group: Group, now: dt.datetime, scope: Scope) -> list[Any]:
        """The figures of the events in `scope` summed per month, city or category (a few hundred rows at most)."""
        return list(await self.pool.fetch(IMPACT_SQL[group], now, *scope.params()))
