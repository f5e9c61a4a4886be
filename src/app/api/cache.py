"""The public cache (SPEC §5): anonymous reads of categories, event lists, event details and nearby events, kept as
their encoded answer for CACHE_TTL_SECONDS, in Redis (shared by every replica) or, without REDIS_URL, in this process.

Freshness. Every entry's key embeds version numbers, read in the same round trip as the entry and before the
database is. A committed write bumps the versions of what it changed (`PublicChanges`, gathered from what the request's
session flushed, applied by `provide_transaction` after the commit), so the next read misses; a reader racing the
write stores its answer under the old versions, which nobody reads again. Writes outside a request transaction
(background jobs, SQL by hand) are only bounded by the TTL. With a read replica, an entry whose versions were bumped
less than the replica's allowed lag ago is filled from the primary (`ReadRouting.recent_change`): the replica may not
have replayed the change yet, and its answer would be kept under the new versions.

Privacy. A request with an Authorization header gets an answer about its caller (`user_participating`, drafts, …):
it never reads nor fills the cache.

Redis down. A failing Redis, or its open breaker, sends requests straight to PostgreSQL: a copy kept in this process
could not be invalidated by the other replicas' writes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import msgspec
import pybreaker
from litestar import MediaType, Request, Response
from prometheus_client import Counter
from sqlalchemy import Table, inspect
from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnElement

from app.api.read_routing import routing_of
from app.config.redis import SharedRedis
from app.config.settings import Settings
from app.domain.accounts.models import User, UserProfile
from app.domain.events.models import LISTED_STATUSES, Event, EventCategory

logger = logging.getLogger("app.cache")

PREFIX = "mutiroes:"
# Versions outlive any entry stored under them (TTL ≤ 1 h): one that expires and restarts at 0 revives nothing.
VERSION_LIFETIME_MS = 24 * 3600 * 1000
MAX_TTL_SECONDS = 3600
ALL = f"{PREFIX}v:all"  # everything: category and user-name edits show in every answer
LISTS = f"{PREFIX}v:lists"  # which events exist and their counters: lists and nearby
CACHE_HEADER = "X-Cache"
SHOWN_TABLES = frozenset({"events", "event_categories", "users", "user_profiles"})


@dataclass(frozen=True, slots=True)
class Entry:
    """A kind of cached answer: its name (the metrics label) and which writes make it stale."""

    name: str
    depends_on: Literal["all", "lists", "event"]

    def versions(self, event_id: int | None) -> tuple[str, ...]:
        if self.depends_on == "event":
            return ALL, event_version(event_id)
        return (ALL, LISTS) if self.depends_on == "lists" else (ALL,)


CATEGORIES = Entry("categories", "all")
EVENT_LIST = Entry("event_list", "lists")
NEARBY = Entry("nearby", "lists")
EVENT_DETAIL = Entry("event_detail", "event")


def event_version(event_id: int | None) -> str:
    return f"{PREFIX}v:event:{event_id}"


def digest(*parts: Any) -> str:
    """A short key for a query's parsed parameters (unknown ones, like the SPA's `_t`, are not among them)."""
    return hashlib.blake2b(msgspec.json.encode(parts), digest_size=16).hexdigest()


# --- stores -------------------------------------------------------------------------------------


class Store(Protocol):
    async def get(self, versions: Sequence[str], entry: str, suffix: str) -> tuple[str, bytes | None, float | None]:
        """The key for `suffix` under the current versions, its value if stored, and how many seconds ago the newest
        of those versions was bumped (None: not in the last VERSION_LIFETIME_MS)."""

    async def put(self, key: str, value: bytes, ttl: float) -> None: ...

    async def bump(self, versions: Sequence[str]) -> None: ...


# One round trip: the versions, then the entry keyed by them, and the age in ms of the newest bump (Redis's clock).
_GET = """
local key = ARGV[1]
local newest = -1
for i = 1, #KEYS do
  key = key .. ':' .. (redis.call('GET', KEYS[i]) or '0')
  local at = tonumber(redis.call('GET', KEYS[i] .. ':at') or '-1')
  if at > newest then newest = at end
end
key = key .. ':' .. ARGV[2]
local now = redis.call('TIME')
local age = -1
if newest >= 0 then age = now[1] * 1000 + math.floor(now[2] / 1000) - newest end
return {key, redis.call('GET', key), age}
"""
_BUMP = """
local now = redis.call('TIME')
local at = now[1] * 1000 + math.floor(now[2] / 1000)
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
  redis.call('SET', KEYS[i] .. ':at', at, 'PX', ARGV[1])
end
return #KEYS
"""


class RedisStore:
    """Entries and versions in Redis, every call through the breaker. Keys are built inside the scripts, so this
    needs one Redis server (Sentinel is fine, Redis Cluster is not)."""

    def __init__(self, redis: SharedRedis) -> None:
        self.redis = redis

    async def get(self, versions: Sequence[str], entry: str, suffix: str) -> tuple[str, bytes | None, float | None]:
        script = self.redis.script(_GET)
        key, value, age_ms = await self.redis.run(
            lambda client: script(keys=versions, args=[PREFIX + entry, suffix], client=client)
        )
        return key.decode(), value, None if age_ms < 0 else age_ms / 1000

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        await self.redis.run(lambda client: client.set(key, value, px=max(1, int(ttl * 1000))))

    async def bump(self, versions: Sequence[str]) -> None:
        script = self.redis.script(_BUMP)
        await self.redis.run(lambda client: script(keys=versions, args=[VERSION_LIFETIME_MS], client=client))


class LocalStore:
    """Entries and versions in this process (no REDIS_URL): bounded, forgotten whole when full."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, bytes]] = {}
        self._versions: dict[str, int] = {}
        self._bumped: dict[str, float] = {}  # version → monotonic time of its last bump
        # Part of every key: forgetting the versions must not let an old key come back into use.
        self._epoch = 0

    async def get(self, versions: Sequence[str], entry: str, suffix: str) -> tuple[str, bytes | None, float | None]:
        numbers = ":".join(str(self._versions.get(version, 0)) for version in versions)
        key = f"{entry}:{self._epoch}:{numbers}:{suffix}"
        now = time.monotonic()
        bumps = [self._bumped[version] for version in versions if version in self._bumped]
        age = now - max(bumps) if bumps else None
        stored = self._entries.get(key)
        if stored is None:
            return key, None, age
        if stored[0] <= now:
            self._entries.pop(key, None)
            return key, None, age
        return key, stored[1], age

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        now = time.monotonic()
        if len(self._entries) >= self.max_entries:
            self._entries = {k: stored for k, stored in self._entries.items() if stored[0] > now}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[key] = (now + ttl, value)

    async def bump(self, versions: Sequence[str]) -> None:
        if len(self._versions) >= self.max_entries:
            self._versions.clear()
            self._bumped.clear()
            self._entries.clear()
            self._epoch += 1
        now = time.monotonic()
        for version in versions:
            self._versions[version] = self._versions.get(version, 0) + 1
            self._bumped[version] = now


# --- the cache ----------------------------------------------------------------------------------


class PublicCache:
    def __init__(self, settings: Settings, redis: SharedRedis, lookups: Counter) -> None:
        self.ttl = settings.cache_ttl_seconds
        self.enabled = self.ttl > 0
        self.store: Store = RedisStore(redis) if redis.configured else LocalStore()
        self._lookups = lookups
        self._counters: dict[tuple[str, str], Any] = {}

    async def answer(
        self,
        request: Request[Any, Any, Any],
        entry: Entry,
        suffix: str,
        compute: Callable[[], Awaitable[bytes]],
        *,
        event_id: int | None = None,
        ttl: float | None = None,
    ) -> tuple[bytes, str | None]:
        """The encoded answer and where it came from: "hit", "miss", or None for a caller's own (uncached) answer.
        `ttl` (at most an hour, the versions' lifetime) replaces CACHE_TTL_SECONDS for an entry whose `suffix` alone
        says what it holds (a digest of its data), which no write can make stale."""
        if not self.enabled or "authorization" in request.headers:
            return await compute(), None
        try:
            key, cached, changed_seconds_ago = await self.store.get(entry.versions(event_id), entry.name, suffix)
        except Exception as exc:
            self._count(entry, "unavailable")
            _log_failure("read", exc)
            return await compute(), "miss"
        if cached is not None:
            self._count(entry, "hit")
            return cached, "hit"
        self._count(entry, "miss")
        routing_of(request).recent_change(request, changed_seconds_ago)
        body = await compute()
        try:
            await self.store.put(key, body, min(ttl, MAX_TTL_SECONDS) if ttl else self.ttl)
        except Exception as exc:
            _log_failure("store", exc)
        return body, "miss"

    def watch(self, session: AsyncSession) -> None:
        """Gather what this unit of work changes in public answers (see `PublicChanges`)."""
        if self.enabled:
            session.info[_CHANGES] = PublicChanges()

    async def forget_changes_of(self, session: AsyncSession) -> None:
        """After the commit: bump the versions of what the session changed, so the next reads miss."""
        changes: PublicChanges | None = session.info.pop(_CHANGES, None)
        if not changes:
            return
        try:
            await self.store.bump(changes.versions())
        except Exception as exc:
            # Entries stored before still expire within the TTL; while the breaker is open nobody reads them.
            _log_failure("invalidate", exc)

    def _count(self, entry: Entry, result: str) -> None:
        counter = self._counters.get((entry.name, result))
        if counter is None:
            counter = self._counters[(entry.name, result)] = self._lookups.labels(entry.name, result)
        counter.inc()


def _log_failure(action: str, exc: Exception) -> None:
    if not isinstance(exc, pybreaker.CircuitBreakerError):  # the breaker logs when it opens
        logger.warning("Cache %s failed (%s: %s); PostgreSQL answers without it", action, type(exc).__name__, exc)


def cache_of(request: Request[Any, Any, Any]) -> PublicCache:
    cache: PublicCache = request.app.state.public_cache
    return cache


async def public_answer(
    request: Request[Any, Any, Any],
    entry: Entry,
    suffix: str,
    compute: Callable[[], Awaitable[bytes]],
    *,
    event_id: int | None = None,
) -> Response[Any]:
    """The JSON answer `compute` encodes, from the cache when it may be."""
    return json_answer(*await cache_of(request).answer(request, entry, suffix, compute, event_id=event_id))


def json_answer(body: bytes, cache: str | None) -> Response[Any]:
    """An encoded JSON answer, with X-Cache when the cache was asked."""
    return Response(body, media_type=MediaType.JSON, headers={CACHE_HEADER: cache} if cache else None)


# --- what a unit of work changed ------------------------------------------------------------------

_CHANGES = "public_changes"


@dataclass(slots=True)
class PublicChanges:
    """What a unit of work changed that anonymous answers show: an event shown to anonymous readers (its row holds
    its counters, so a join counts here), a category, a user's name, or any row hanging off an event by `event_id`
    (comments, resources, …: its detail). Pledges show through their resource's total, which changes with them."""

    everything: bool = False
    lists: bool = False
    events: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return self.everything or self.lists or bool(self.events)

    def versions(self) -> list[str]:
        if self.everything:
            return [ALL]
        return [LISTS] * self.lists + [event_version(event_id) for event_id in self.events]

    def note(self, row: object, how: Literal["new", "dirty", "deleted"]) -> None:
        if isinstance(row, Event):
            if _shown(row, how):
                self.lists = True
                self.events.add(row.id)
        elif isinstance(row, EventCategory):
            self.everything = True
        elif isinstance(row, User | UserProfile):
            # Names and avatars show as organizers and comment authors; a new account shows nowhere yet.
            names = ("username", "first_name", "last_name") if isinstance(row, User) else ("avatar_url",)
            self.everything = self.everything or (how == "dirty" and any(_changed(row, name) for name in names))
        elif (event_id := getattr(row, "event_id", None)) is not None:
            self.events.add(event_id)

    def note_statement(self, table: Table, row_id: Any) -> None:
        """An UPDATE or DELETE statement (not a flushed object): its event when it names one by id, else everything
        (rows hanging off events included: which events is not known)."""
        if table.name == "events" and row_id is not None:
            self.lists = True
            self.events.add(row_id)
        elif table.name in SHOWN_TABLES or "event_id" in table.c:
            self.everything = True


def _shown(event: Event, how: str) -> bool:
    """Whether anonymous readers see (or saw) the event: drafts and private events change no public answer."""
    now_shown = event.is_public and event.status in LISTED_STATUSES
    if how != "dirty" or now_shown:
        return now_shown
    state = inspect(event)
    was_public = _previous(state.attrs.is_public.history, event.is_public)
    was_status = _previous(state.attrs.status.history, event.status)
    return bool(was_public) and was_status in LISTED_STATUSES


def _previous(history: Any, current: Any) -> Any:
    return history.deleted[0] if history.deleted else current


def _changed(row: object, name: str) -> bool:
    state: Any = inspect(row)
    return bool(getattr(state.attrs, name).history.has_changes())


def _on_flush(session: Session, _: Any) -> None:
    changes: PublicChanges | None = session.info.get(_CHANGES)
    if changes is None:  # not a request's unit of work (a worker's, a command's), or the cache is off
        return
    # In after_flush, new/dirty/deleted and the attribute histories still describe what was just written.
    for row in session.new:
        changes.note(row, "new")
    for row in session.dirty:
        changes.note(row, "dirty")
    for row in session.deleted:
        changes.note(row, "deleted")


def _on_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    changes: PublicChanges | None = state.session.info.get(_CHANGES)
    if changes is not None:
        statement: Any = state.statement
        changes.note_statement(statement.table, _row_id(statement.whereclause))


def _row_id(clause: ColumnElement[Any] | None) -> Any:
    """The id in `WHERE id = :value`, the only shape worth reading; anything else counts as every row."""
    if (
        isinstance(clause, BinaryExpression)
        and clause.operator is operators.eq
        and getattr(clause.left, "name", None) == "id"
        and isinstance(clause.right, BindParameter)
    ):
        return clause.right.value
    return None


def track_public_changes() -> None:
    """Listen to every ORM session once per process; only sessions `PublicCache.watch`ed gather anything."""
    if not orm_event.contains(Session, "after_flush", _on_flush):
        orm_event.listen(Session, "after_flush", _on_flush)
        orm_event.listen(Session, "do_orm_execute", _on_statement)
