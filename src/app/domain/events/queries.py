"""Reading events: hand-written SQL on asyncpg, one query per page and a constant number per request.

The hot read paths (list, detail, nearby) run here on a plain asyncpg pool; the write paths run the
same SQL on the request transaction's own connection, so what a write answers is what a read answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import msgspec

from app.domain.accounts.models import display_name
from app.domain.comments.schemas import CommentRead
from app.domain.events.access import manages_sql
from app.domain.events.models import LISTED_STATUSES
from app.domain.events.schemas import CategoryRead, EventDetail, EventRead, EventStats, NearbyEventRead
from app.domain.participation.models import ACTIVE_STATUSES
from app.domain.participation.queries import PARTICIPANT_SQL, Audience, participant_audience, participant_from_row
from app.domain.participation.schemas import ParticipantRead
from app.domain.photos.schemas import PhotoRead
from app.domain.resources.schemas import ResourceRead

STATS_SQL = """
    SELECT e.participants_count, e.pending_count, e.waitlist_count, e.max_participants,
        (SELECT count(*) FROM event_participants ep WHERE ep.event_id = e.id AND ep.checked_in),
        coalesce(r.provided, 0), coalesce(r.needed, 0), coalesce(r.fully, 0), coalesce(r.total, 0),
        (SELECT count(*) FROM event_comments ec WHERE ec.event_id = e.id),
        (SELECT count(*) FROM event_photos ph WHERE ph.event_id = e.id)
    FROM events e
    LEFT JOIN LATERAL (
        SELECT sum(least(quantity_provided, quantity_needed)) AS provided, sum(quantity_needed) AS needed,
            count(*) FILTER (WHERE quantity_provided >= quantity_needed) AS fully, count(*) AS total
        FROM event_resources WHERE event_id = e.id
    ) r ON true
    WHERE e.id = $1
"""
EARTH_RADIUS_KM = 6371.0088
# The detail shows the first participants; the participants endpoint pages through all of them.
DETAIL_PARTICIPANTS = 100
KM_PER_DEGREE_LATITUDE = 111.045

_LISTED = "(" + ", ".join(f"'{status}'" for status in LISTED_STATUSES) + ")"

EVENT_COLUMNS = """
    e.id, e.title, e.description,
    c.id, c.name, c.description, c.icon, c.color,
    e.organizer_id, u.username, u.first_name, u.last_name, p.avatar_url,
    e.address, e.latitude, e.longitude, e.city, e.state,
    e.start_date, e.end_date, e.registration_deadline, e.timezone,
    e.max_participants, e.min_age, e.max_age, e.status, e.is_public, e.requires_approval,
    e.required_tools, e.provided_tools, e.what_to_bring, e.cover_image_url,
    e.created_at, e.updated_at, e.participants_count, e.waitlist_count,
    e.organization_id, org.name, e.series_id
"""
# Queries that add columns after EVENT_COLUMNS read them from this index on.
EXTRA = 39
EVENT_JOINS = """
    JOIN event_categories c ON c.id = e.category_id
    JOIN users u ON u.id = e.organizer_id
    JOIN user_profiles p ON p.user_id = u.id
    LEFT JOIN organizations org ON org.id = e.organization_id
"""
EVENT_FROM = f"FROM events e {EVENT_JOINS}"

# Detail: the event's columns, then its resources (with the viewer's pledge: $2) and its most recent comments
# with their replies, both as JSON built by PostgreSQL in the same query.
RECENT_COMMENTS = 5
RECENT_PHOTOS = 6
DETAIL_SQL = f"""
    SELECT {EVENT_COLUMNS},
        (SELECT coalesce(json_agg(json_build_object(
            'id', r.id, 'name', r.name, 'description', r.description, 'resource_type', r.resource_type,
            'quantity_needed', r.quantity_needed, 'quantity_provided', r.quantity_provided, 'unit', r.unit,
            'is_fully_provided', r.quantity_provided >= r.quantity_needed,
            'my_pledge', (SELECT rp.quantity FROM resource_pledges rp WHERE rp.resource_id = r.id AND rp.user_id = $2)
        ) ORDER BY r.created_at, r.id), '[]'::json) FROM event_resources r WHERE r.event_id = e.id),
        (SELECT coalesce(json_agg(recent.comment ORDER BY recent.created_at DESC), '[]'::json) FROM (
            SELECT top.created_at, json_build_object(
                'id', top.id, 'content', top.content, 'parent', top.parent_id, 'user', top.user_id,
                'user_name', coalesce(nullif(trim(tu.first_name || ' ' || tu.last_name), ''), tu.username),
                'user_avatar', tp.avatar_url, 'created_at', top.created_at, 'updated_at', top.updated_at,
                'replies', (SELECT coalesce(json_agg(json_build_object(
                    'id', rc.id, 'content', rc.content, 'parent', rc.parent_id, 'user', rc.user_id,
                    'user_name', coalesce(nullif(trim(ru.first_name || ' ' || ru.last_name), ''), ru.username),
                    'user_avatar', rup.avatar_url, 'created_at', rc.created_at, 'updated_at', rc.updated_at,
                    'replies', '[]'::json) ORDER BY rc.created_at), '[]'::json)
                    FROM event_comments rc JOIN users ru ON ru.id = rc.user_id
                    JOIN user_profiles rup ON rup.user_id = ru.id WHERE rc.parent_id = top.id)) AS comment
            FROM event_comments top JOIN users tu ON tu.id = top.user_id JOIN user_profiles tp ON tp.user_id = tu.id
            WHERE top.event_id = e.id AND top.parent_id IS NULL ORDER BY top.created_at DESC LIMIT {RECENT_COMMENTS}
        ) AS recent),
        (SELECT coalesce(json_agg(json_build_object(
            'id', ph.id, 'photo', ph.photo, 'thumbnail', ph.thumbnail, 'caption', ph.caption,
            'is_before', ph.is_before, 'is_after', ph.is_after, 'created_at', ph.created_at,
            'user_name', coalesce(nullif(trim(pu.first_name || ' ' || pu.last_name), ''), pu.username)
        ) ORDER BY ph.created_at DESC, ph.id), '[]'::json) FROM (
            SELECT * FROM event_photos WHERE event_id = e.id ORDER BY created_at DESC, id LIMIT {RECENT_PHOTOS}
        ) ph JOIN users pu ON pu.id = ph.user_id),
        coalesce({manages_sql("e", "$2")}, false)
    {EVENT_FROM} WHERE e.id = $1
"""

ORDERINGS = {
    "start_date": "e.start_date ASC, e.id ASC",
    "-start_date": "e.start_date DESC, e.id DESC",
    "created_at": "e.created_at ASC, e.id ASC",
    "-created_at": "e.created_at DESC, e.id DESC",
    "title": "e.title ASC, e.id ASC",
    "-title": "e.title DESC, e.id DESC",
    "participants_count": "e.participants_count ASC, e.id ASC",
    "-participants_count": "e.participants_count DESC, e.id DESC",
}


class Database(Protocol):
    """An asyncpg pool or connection."""

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...
    async def fetchrow(self, query: str, *args: Any) -> Any: ...


class Viewer(msgspec.Struct, frozen=True):
    """Who is asking: decides what is visible."""

    user_id: int | None = None
    is_staff: bool = False


class Circle(msgspec.Struct, frozen=True):
    latitude: float
    longitude: float
    radius_km: float


class EventFilters(msgspec.Struct, frozen=True, kw_only=True):
    category_id: int | None = None
    category_name: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    start_after: dt.datetime | None = None
    start_before: dt.datetime | None = None
    organizer: int | None = None
    organization: int | None = None
    has_spots: bool | None = None
    search: str | None = None  # a tsquery (see search.search_query)
    circle: Circle | None = None


class _Sql:
    """A WHERE clause and its positional parameters, built one condition at a time."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def where(self, condition: str) -> None:
        self.conditions.append(condition)

    @property
    def clause(self) -> str:
        return " AND ".join(self.conditions) or "true"


def _visible(sql: _Sql, viewer: Viewer) -> None:
    listed = f"(e.is_public AND e.status IN {_LISTED})"
    if viewer.user_id is None:
        sql.where(listed)
    else:
        sql.where(f"({listed} OR {manages_sql('e', sql.param(viewer.user_id))})")


def bounding_box(circle: Circle) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) around the circle: the index narrows to it first."""
    d_lat = circle.radius_km / KM_PER_DEGREE_LATITUDE
    cos_lat = max(math.cos(math.radians(circle.latitude)), 0.01)
    d_lon = min(circle.radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat), 180.0)
    return (
        max(circle.longitude - d_lon, -180.0),
        max(circle.latitude - d_lat, -90.0),
        min(circle.longitude + d_lon, 180.0),
        min(circle.latitude + d_lat, 90.0),
    )


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance, the same formula as `haversine_sql`."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return EARTH_RADIUS_KM * 2 * math.asin(min(1.0, math.sqrt(h)))


def _proven(circle: Circle, measured: list[tuple[float, int]], limit: int, last_flat_degrees: float) -> bool:
    """Whether the KNN candidates are enough: any event not yet read is at least `last_flat_degrees` away
    in flat degrees, hence at least that times the km of one degree at the box's widest latitude (less a
    margin) away on the sphere. If that is farther than what we keep, nothing closer was left out."""
    keep_km = measured[-1][0] if len(measured) == limit else circle.radius_km
    _, min_lat, _, max_lat = bounding_box(circle)
    widest = max(abs(min_lat), abs(max_lat))
    km_per_flat_degree = KM_PER_DEGREE_LATITUDE * math.cos(math.radians(widest)) * 0.98
    return last_flat_degrees * km_per_flat_degree > keep_km


def haversine_sql(from_lat: str, from_lon: str, to_lat: str, to_lon: str) -> str:
    """SQL for the great-circle (haversine) distance in km between two points given as SQL expressions."""
    return (
        f"({EARTH_RADIUS_KM} * 2 * asin(sqrt("
        f"power(sin(radians({to_lat} - {from_lat}) / 2), 2) + "
        f"cos(radians({from_lat})) * cos(radians({to_lat})) * "
        f"power(sin(radians({to_lon} - {from_lon}) / 2), 2))))"
    )


def _distance_sql(sql: _Sql, circle: Circle) -> str:
    """Great-circle distance in km from the circle's centre to the event."""
    lat, lon = sql.param(circle.latitude), sql.param(circle.longitude)
    return haversine_sql(f"{lat}::float8", f"{lon}::float8", "e.latitude", "e.longitude")


def _in_box(sql: _Sql, circle: Circle) -> None:
    """Narrow to the circle's bounding box: the GiST index on `point(longitude, latitude)` serves it."""
    min_lon, min_lat, max_lon, max_lat = bounding_box(circle)
    box = f"box(point({sql.param(min_lon)}, {sql.param(min_lat)}), point({sql.param(max_lon)}, {sql.param(max_lat)}))"
    sql.where(f"point(e.longitude, e.latitude) <@ {box}")


def _nearby_candidates(sql: _Sql, now: dt.datetime) -> None:
    """What `nearby` may answer: public, published, not yet started."""
    sql.where("e.is_public AND e.status = 'published'")
    sql.where(f"e.start_date > {sql.param(now)}")


def _within(sql: _Sql, circle: Circle) -> str:
    """Narrow to the bounding box (GiST index), then to the exact circle; answer the distance expression."""
    _in_box(sql, circle)
    distance = _distance_sql(sql, circle)
    sql.where(f"{distance} <= {sql.param(circle.radius_km)}")
    return distance


def _filters(sql: _Sql, filters: EventFilters) -> None:
    for column, id_ in (
        ("e.category_id", filters.category_id),
        ("e.organizer_id", filters.organizer),
        ("e.organization_id", filters.organization),
    ):
        if id_ is not None:
            sql.where(f"{column} = {sql.param(id_)}")
    if filters.category_name is not None:
        sql.where(f"lower(c.name) = lower({sql.param(filters.category_name)})")
    if filters.status is not None:
        sql.where(f"e.status = {sql.param(filters.status)}")
    if filters.city is not None:
        sql.where(f"lower(e.city) = lower({sql.param(filters.city)})")
    if filters.state is not None:
        sql.where(f"e.state = {sql.param(filters.state.upper())}")
    if filters.start_after is not None:
        sql.where(f"e.start_date >= {sql.param(filters.start_after)}")
    if filters.start_before is not None:
        sql.where(f"e.start_date <= {sql.param(filters.start_before)}")
    if filters.has_spots is True:
        sql.where("e.participants_count < e.max_participants")
    elif filters.has_spots is False:
        sql.where("e.participants_count >= e.max_participants")
    if filters.search is not None:
        sql.where(
            f"to_tsvector('simple'::regconfig, e.search_text) @@ to_tsquery('simple', {sql.param(filters.search)})"
        )
    if filters.circle is not None:
        _within(sql, filters.circle)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def event_read(row: Sequence[Any], now: dt.datetime, participation: str | None = None) -> EventRead:
    """One row of EVENT_COLUMNS as the API answers it: times in the event's own zone, derived fields."""
    return EventRead(**_fields(row, now, participation))


def _fields(row: Sequence[Any], now: dt.datetime, participation: str | None) -> dict[str, Any]:
    zone = _zone(row[21])
    start, end, deadline = row[18], row[19], row[20]
    status = row[25]
    capacity, confirmed = row[22], row[34]
    is_active = status == "published" and start > now
    name = display_name(row[10], row[11], row[9])
    return {
        "id": row[0],
        "title": row[1],
        "description": row[2],
        "category": CategoryRead(id=row[3], name=row[4], description=row[5], icon=row[6], color=row[7]),
        "organizer": row[9],
        "organizer_id": row[8],
        "organizer_name": name,
        "organizer_avatar": row[12],
        "address": row[13],
        "latitude": row[14],
        "longitude": row[15],
        "city": row[16],
        "state": row[17],
        "start_date": start.astimezone(zone),
        "end_date": end.astimezone(zone),
        "registration_deadline": deadline.astimezone(zone) if deadline else None,
        "timezone": row[21],
        "max_participants": capacity,
        "min_age": row[23],
        "max_age": row[24],
        "status": status,
        "is_public": row[26],
        "requires_approval": row[27],
        "required_tools": row[28],
        "provided_tools": row[29],
        "what_to_bring": row[30],
        "cover_image_url": row[31],
        "created_at": row[32],
        "updated_at": row[33],
        "participants_count": confirmed,
        "waitlist_count": row[35],
        "organization": row[36],
        "organization_name": row[37],
        "series": row[38],
        "available_spots": max(capacity - confirmed, 0),
        "is_active": is_active,
        "is_registration_open": is_active and (deadline is None or now < deadline),
        "user_participating": participation in {"confirmed", "pending", "waitlisted"},
        "user_participation_status": participation,
    }


class CountMemo:
    """Remembers list counts for a moment: counting thousands of visible events on every page view is the
    most expensive part of a list. A count may lag behind writes by at most `ttl` seconds (0 disables)."""

    def __init__(self, ttl: float, max_entries: int = 2048) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[tuple[Any, ...], tuple[float, asyncio.Future[tuple[int, int]]]] = {}

    async def get(self, key: tuple[Any, ...], count: Callable[[], Awaitable[tuple[int, int]]]) -> tuple[int, int]:
        if self.ttl <= 0:
            return await count()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return await asyncio.shield(entry[1])
        # One count per key at a time: concurrent requests wait for the same answer.
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (now + self.ttl, future)
        try:
            future.set_result(await count())
        except BaseException as exc:
            self._entries.pop(key, None)
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, the loop does not warn
            raise
        return future.result()


NO_MEMO = CountMemo(ttl=0)


class EventPageRows(msgspec.Struct):
    count: int
    events: list[EventRead]


class EventQueries:
    def __init__(self, db: Database, counts: CountMemo = NO_MEMO) -> None:
        self.db = db
        self.counts = counts

    async def visible(self, event_id: int, viewer: Viewer) -> tuple[Sequence[Any], str | None] | None:
        """The event's row and the viewer's participation status, or None when they may not see it."""
        row = await self.db.fetchrow(
            f"SELECT {EVENT_COLUMNS}, coalesce({manages_sql('e', '$2')}, false) {EVENT_FROM} WHERE e.id = $1",
            event_id,
            viewer.user_id,
        )
        return await self._visible_row(row, viewer, manages_at=EXTRA)

    async def _visible_row(
        self, row: Sequence[Any] | None, viewer: Viewer, *, manages_at: int
    ) -> tuple[Sequence[Any], str | None] | None:
        """Drafts and private events are seen by those who manage them, staff and participants only. The row
        carries "the viewer manages it" at `manages_at`."""
        if row is None:
            return None
        status = (await self.participation_statuses(viewer, [row[0]])).get(row[0])
        if not (_listed(row) or viewer.is_staff or row[manages_at] or status in ACTIVE_STATUSES):
            return None
        return row, status

    async def detail(
        self, event_id: int, viewer: Viewer, now: dt.datetime, *, media_url: Callable[[str], str]
    ) -> EventDetail | None:
        """The event with its resources, recent comments and photos, and participants (as the viewer may see them).
        `media_url` makes a stored file's name a link."""
        detail_row = await self.db.fetchrow(DETAIL_SQL, event_id, viewer.user_id)
        found = await self._visible_row(detail_row, viewer, manages_at=EXTRA + 3)
        if found is None:
            return None
        row, status = found
        manages = viewer.is_staff or row[EXTRA + 3]
        audience = participant_audience(manages_event=manages, participation_status=status)
        participants = await self._participants(event_id, audience) if audience else []
        return EventDetail(
            **_fields(row, now, status),
            resources=_from_json(row[EXTRA], _RESOURCES),
            comments=_from_json(row[EXTRA + 1], _COMMENTS),
            photos=[_linked(photo, media_url) for photo in _from_json(row[EXTRA + 2], _PHOTOS)],
            participants=participants,
        )

    async def stats(self, event_id: int, viewer: Viewer) -> EventStats | None:
        """Figures of one event, from the stored counters and one aggregate query."""
        found = await self.visible(event_id, viewer)
        if found is None:
            return None
        row = await self.db.fetchrow(STATS_SQL, event_id)
        confirmed, pending, waitlisted, capacity, checked_in, provided, needed, fully, resources, comments, photos = row
        return EventStats(
            confirmed=confirmed,
            pending=pending,
            waitlisted=waitlisted,
            checked_in=checked_in,
            capacity=capacity,
            available_spots=max(capacity - confirmed, 0),
            attendance_rate=round(checked_in / confirmed, 4) if confirmed else 0.0,
            resources_total=resources,
            resources_fully_provided=fully,
            resources_coverage=round(provided / needed, 4) if needed else 1.0,
            comments=comments,
            photos=photos,
            report=None,
        )

    async def _participants(self, event_id: int, audience: Audience) -> list[ParticipantRead]:
        statuses = ["confirmed"] if audience == "names" else list(ACTIVE_STATUSES)
        rows = await self.db.fetch(
            f"{PARTICIPANT_SQL} WHERE ep.event_id = $1 AND ep.status = ANY($2::text[]) "
            f"ORDER BY ep.arrival LIMIT {DETAIL_PARTICIPANTS}",
            event_id,
            statuses,
        )
        return [participant_from_row(row, audience) for row in rows]

    async def participation_statuses(self, viewer: Viewer, event_ids: list[int]) -> dict[int, str]:
        """The caller's participation status in each of these events (one query, whatever their number)."""
        if viewer.user_id is None or not event_ids:
            return {}
        rows = await self.db.fetch(
            "SELECT event_id, status FROM event_participants WHERE user_id = $1 AND event_id = ANY($2::bigint[])",
            viewer.user_id,
            event_ids,
        )
        return {row[0]: row[1] for row in rows}

    async def _with_statuses(self, rows: list[Any], viewer: Viewer, now: dt.datetime) -> list[EventRead]:
        statuses = await self.participation_statuses(viewer, [row[0] for row in rows])
        return [event_read(row, now, statuses.get(row[0])) for row in rows]

    async def participating(self, user_id: int, when: str | None, now: dt.datetime) -> list[EventRead]:
        """Events the user joined (confirmed, pending or waitlisted) that are not cancelled."""
        sql = _Sql()
        sql.where(f"ep.user_id = {sql.param(user_id)}")
        sql.where("ep.status IN ('confirmed', 'pending', 'waitlisted') AND e.status <> 'cancelled'")
        _when(sql, when, now)
        rows = await self.db.fetch(
            f"SELECT {EVENT_COLUMNS}, ep.status FROM event_participants ep JOIN events e ON e.id = ep.event_id "
            f"{EVENT_JOINS} WHERE {sql.clause} ORDER BY e.start_date DESC, e.id LIMIT 500",
            *sql.params,
        )
        return [event_read(row, now, row[EXTRA]) for row in rows]

    async def page(
        self, filters: EventFilters, viewer: Viewer, ordering: str | None, offset: int, limit: int, now: dt.datetime
    ) -> EventPageRows:
        """One page of the visible events: a count and at most two page queries, whatever the page size.

        Each page query picks the page's ids from the events table alone (an index scan that skips `offset`
        entries cheaply) and joins only those rows."""
        sql = _Sql()
        _visible(sql, viewer)
        _filters(sql, filters)
        # Only the category name needs a joined table to filter or count.
        joins = "JOIN event_categories c ON c.id = e.category_id" if filters.category_name is not None else ""
        source = f"FROM events e {joins} WHERE {sql.clause}"
        if ordering is not None:
            count_sql = f"SELECT count(*), 0 {source}"
            total, _ = await self.counts.get((count_sql, *sql.params), lambda: self._counts(count_sql, sql.params))
            rows = await self._rows(source, ORDERINGS[ordering], sql.params, limit, offset)
            return EventPageRows(count=total, events=await self._with_statuses(rows, viewer, now))
        # Default: upcoming first (soonest first), then past events (most recent first).
        params = [*sql.params, now]
        now_param = f"${len(params)}"
        count_sql = f"SELECT count(*), count(*) FILTER (WHERE e.start_date >= {now_param}) {source}"
        total, upcoming = await self.counts.get((count_sql, *sql.params), lambda: self._counts(count_sql, params))
        rows = []
        if offset < upcoming:
            upcoming_source = f"{source} AND e.start_date >= {now_param}"
            rows += await self._rows(upcoming_source, "e.start_date ASC, e.id ASC", params, limit, offset)
        if offset + limit > upcoming and len(rows) < limit:
            past_source = f"{source} AND e.start_date < {now_param}"
            rows += await self._rows(
                past_source, "e.start_date DESC, e.id DESC", params, limit - len(rows), max(offset - upcoming, 0)
            )
        return EventPageRows(count=total, events=await self._with_statuses(rows, viewer, now))

    async def _counts(self, count_sql: str, params: list[Any]) -> tuple[int, int]:
        row = await self.db.fetchrow(count_sql, *params)
        return int(row[0]), int(row[1])

    async def _rows(self, source: str, order: str, params: list[Any], limit: int, offset: int) -> list[Any]:
        window = f"LIMIT ${len(params) + 1} OFFSET ${len(params) + 2}"
        rows: list[Any] = await self.db.fetch(
            f"SELECT {EVENT_COLUMNS} FROM (SELECT e.id {source} ORDER BY {order} {window}) AS page "
            f"JOIN events e ON e.id = page.id {EVENT_JOINS} ORDER BY {order}",
            *params,
            limit,
            offset,
        )
        return rows

    async def nearby(self, circle: Circle, limit: int, now: dt.datetime) -> list[NearbyEventRead]:
        """Published, upcoming, public events within the circle, nearest first (great-circle distance).

        One query: the GiST index narrows to the bounding box and yields candidates ordered by flat distance
        in degrees; only a few more candidates than asked are measured exactly and joined. When they cannot
        prove that no closer event was left out (see `_proven`), the exact search runs."""
        wanted = 2 * limit + 10
        sql = _Sql()
        _nearby_candidates(sql, now)
        _in_box(sql, circle)
        centre = f"point({sql.param(circle.longitude)}, {sql.param(circle.latitude)})"
        distance = _distance_sql(sql, circle)
        rows = await self.db.fetch(
            f"WITH candidates AS ("
            f" SELECT e.id, point(e.longitude, e.latitude) <-> {centre} AS flat, {distance} AS distance_km"
            f" FROM events e WHERE {sql.clause}"
            f" ORDER BY point(e.longitude, e.latitude) <-> {centre} LIMIT {sql.param(wanted)}"
            f"), nearest AS ("
            f" SELECT id, distance_km FROM candidates WHERE distance_km <= {sql.param(circle.radius_km)}"
            f" ORDER BY distance_km, id LIMIT {sql.param(limit)}"
            f"), read AS (SELECT count(*) AS candidates, max(flat) AS last_flat FROM candidates)"
            # The candidates' summary comes on every row, and alone (events columns null) when none is near enough.
            f" SELECT {EVENT_COLUMNS}, nearest.distance_km, read.candidates, read.last_flat"
            f" FROM read LEFT JOIN (nearest JOIN events e ON e.id = nearest.id {EVENT_JOINS}) ON true"
            f" ORDER BY nearest.distance_km, e.id",
            *sql.params,
        )
        found = [row for row in rows if row[0] is not None]
        measured = [(float(row[EXTRA]), row[0]) for row in found]
        candidates, last_flat = (rows[0][EXTRA + 1], rows[0][EXTRA + 2]) if rows else (0, 0.0)
        if candidates == wanted and not _proven(circle, measured, limit, last_flat):
            return await self._nearby_exact(circle, limit, now)
        return [NearbyEventRead(**_fields(row, now, None), distance_km=round(row[EXTRA], 2)) for row in found]

    async def _nearby_exact(self, circle: Circle, limit: int, now: dt.datetime) -> list[NearbyEventRead]:
        """Every event in the bounding box measured exactly (the GiST index narrows to the box)."""
        sql = _Sql()
        _nearby_candidates(sql, now)
        distance = _within(sql, circle)
        rows = await self.db.fetch(
            f"SELECT {EVENT_COLUMNS}, nearest.distance_km FROM ("
            f" SELECT e.id, {distance} AS distance_km FROM events e WHERE {sql.clause}"
            f" ORDER BY distance_km, e.id LIMIT {sql.param(limit)}"
            f") AS nearest JOIN events e ON e.id = nearest.id "
            f"{EVENT_JOINS} ORDER BY nearest.distance_km, e.id",
            *sql.params,
        )
        return [NearbyEventRead(**_fields(row, now, None), distance_km=round(row[EXTRA], 2)) for row in rows]

    async def organized_by(self, user_id: int, when: str | None, now: dt.datetime) -> list[EventRead]:
        sql = _Sql()
        sql.where(manages_sql("e", sql.param(user_id)))
        _when(sql, when, now)
        rows = await self.db.fetch(
            f"SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE {sql.clause} ORDER BY e.start_date DESC, e.id LIMIT 500",
            *sql.params,
        )
        return [event_read(row, now) for row in rows]


_RESOURCES = msgspec.json.Decoder(list[ResourceRead])
_COMMENTS = msgspec.json.Decoder(list[CommentRead])
_PHOTOS = msgspec.json.Decoder(list[PhotoRead])


def _linked(photo: PhotoRead, media_url: Callable[[str], str]) -> PhotoRead:
    thumbnail = media_url(photo.thumbnail) if photo.thumbnail else None
    return msgspec.structs.replace(photo, photo=media_url(photo.photo), thumbnail=thumbnail)


def _from_json(value: str | list[Any], decoder: msgspec.json.Decoder[Any]) -> Any:
    """JSON built by PostgreSQL: text on the read pool, already decoded on SQLAlchemy's connections. One decoder
    per type, made once: a type written at the call (`list[X]`) is a new object each time, analysed afresh."""
    if isinstance(value, str):
        return decoder.decode(value)
    return msgspec.convert(value, type=decoder.type)


def _when(sql: _Sql, when: str | None, now: dt.datetime) -> None:
    if when == "upcoming":
        sql.where(f"e.end_date >= {sql.param(now)}")
    elif when == "past":
        sql.where(f"e.end_date < {sql.param(now)}")


def _listed(row: Sequence[Any]) -> bool:
    return bool(row[26] and row[25] in LISTED_STATUSES)
