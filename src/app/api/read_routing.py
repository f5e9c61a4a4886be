"""Which database answers a public read: the read replica when it may, else the primary (issue: scale-out).

The one rule (`ReadRouting.reason_for_primary`). The hot public reads (event list, detail, nearby, categories,
leaderboard, monthly reports) go to the replica unless
- no replica is configured, or the last check found it down or lagging more than DATABASE_READ_MAX_LAG_SECONDS;
- the caller wrote recently: every write request with a token leaves a marker for its user, shared by every API
  process through Redis (and kept in this process too), that lives for the longest lag the replica may have plus a
  check; while it lives the caller reads the primary, so they see their own writes. If Redis cannot be asked, a caller
  with a token reads the primary (their writes are unknown);
- the request fills a public-cache entry whose data changed within that same window: an answer read from a replica
  that has not replayed the change yet would be kept under the new versions (see `app.api.cache`).
Every write, and every read a write makes, uses the primary as before: only the handlers above route.

A replica that fails while answering (stopped, restarted, a query cancelled by recovery) is marked down and the read
runs again on the primary: the caller never sees it. Each choice is counted in `mutiroes_db_reads{database, reason}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import pybreaker
from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.database import UNREACHABLE, caused_by
from app.config.read_replica import CHECK_EVERY, ReadReplica
from app.config.redis import SharedRedis
from app.domain.accounts.tokens import TokenCodec
from app.domain.errors import AuthenticationFailed

T = TypeVar("T")

WROTE_PREFIX = "mutiroes:wrote:"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Failures of the replica itself (not of the query): the read is run again on the primary.
REPLICA_FAILURES: tuple[type[BaseException], ...] = (
    *UNREACHABLE,
    OSError,  # no route to the replica's host, among others
    asyncpg.InterfaceError,  # the connection was closed under the query
    asyncpg.InternalClientError,  # asyncpg's protocol state, left mid-operation by a connection cut under it
    asyncpg.OperatorInterventionError,  # a query cancelled by a conflict with recovery, among others
    asyncpg.SerializationError,  # 40001: cancelled because of a conflict with recovery
)
_PRIMARY_REASON = "read_routing_primary_reason"


def replica_failed(exc: BaseException) -> bool:
    return caused_by(exc, REPLICA_FAILURES)


class ReadRouting:
    def __init__(
        self, replica: ReadReplica, redis: SharedRedis, codec: TokenCodec, reads: Counter, max_lag: float
    ) -> None:
        self.replica = replica
        self.redis = redis
        self.codec = codec
        # A write is in the replica once it lags less than max_lag, which a check up to CHECK_EVERY old vouched for.
        self.window = max_lag + 2 * CHECK_EVERY
        self._reads = reads
        self._counters: dict[tuple[str, str], Any] = {}
        self._writers: dict[int, float] = {}  # user id → monotonic time their marker ends, in this process

    @property
    def enabled(self) -> bool:
        return self.replica.configured

    # --- the rule ---------------------------------------------------------------------------------

    async def reason_for_primary(self, request: Request[Any, Any, Any], user_id: int | None) -> str | None:
        """None when the replica may answer; else why the primary does (the metric's reason)."""
        if not self.replica.usable:
            return "replica_" + self.replica.state.replace(" ", "_")
        insisted: str | None = request.scope.get(_PRIMARY_REASON)  # type: ignore[assignment]
        if insisted is not None:
            return insisted
        if user_id is not None:
            return await self._own_writes(user_id)
        return None

    async def _own_writes(self, user_id: int) -> str | None:
        ends = self._writers.get(user_id)
        if ends is not None and ends > time.monotonic():
            return "own_write"
        if not self.redis.configured:
            return None
        try:
            marked = await self.redis.run(lambda client: client.exists(f"{WROTE_PREFIX}{user_id}"))
        except (pybreaker.CircuitBreakerError, Exception):
            return "writes_unknown"
        return "own_write" if marked else None

    def recent_change(self, request: Request[Any, Any, Any], changed_seconds_ago: float | None) -> None:
        """The cache is about to fill an entry whose data changed `changed_seconds_ago`: if that is too recent for the
        replica, read the primary."""
        if changed_seconds_ago is not None and changed_seconds_ago < self.window:
            request.scope[_PRIMARY_REASON] = "recent_change"  # type: ignore[literal-required]

    async def remember_write(self, user_id: int) -> None:
        now = time.monotonic()
        if len(self._writers) > 10_000:
            self._writers = {user: ends for user, ends in self._writers.items() if ends > now}
        self._writers[user_id] = now + self.window
        if self.redis.configured:
            # While Redis fails, readers with a token read the primary anyway (`writes_unknown`).
            with contextlib.suppress(pybreaker.CircuitBreakerError, Exception):
                await self.redis.run(
                    lambda client: client.set(f"{WROTE_PREFIX}{user_id}", b"1", px=int(self.window * 1000))
                )

    # --- running a read ---------------------------------------------------------------------------

    async def fetch(
        self,
        request: Request[Any, Any, Any],
        user_id: int | None,
        primary: asyncpg.Pool,
        read: Callable[[asyncpg.Pool], Awaitable[T]],
    ) -> T:
        """`read` on the replica's asyncpg pool when the rule allows it, else (or if the replica fails) on the
        primary's."""
        if self.enabled:
            reason = await self.reason_for_primary(request, user_id)
            if reason is None and self.replica.pool is not None:
                try:
                    answer = await read(self.replica.pool)
                except Exception as exc:
                    if not replica_failed(exc):
                        raise
                    self._replica_failed(exc)
                else:
                    self._count("replica", "healthy")
                    return answer
            else:
                self._count("primary", reason or "replica_closed")
        return await read(primary)

    async def fetch_with_session(
        self,
        request: Request[Any, Any, Any],
        user_id: int | None,
        primary: AsyncSession,
        read: Callable[[AsyncSession], Awaitable[T]],
    ) -> T:
        """The same for reads written with SQLAlchemy: a replica session, else the request's own."""
        if self.enabled:
            reason = await self.reason_for_primary(request, user_id)
            if reason is None and self.replica.sessions is not None:
                try:
                    async with self.replica.sessions() as session:
                        answer = await read(session)
                except Exception as exc:
                    if not replica_failed(exc):
                        raise
                    self._replica_failed(exc)
                else:
                    self._count("replica", "healthy")
                    return answer
            else:
                self._count("primary", reason or "replica_closed")
        return await read(primary)

    def _replica_failed(self, exc: BaseException) -> None:
        self.replica.mark_down(exc)
        self._count("primary", "replica_failed")

    def _count(self, database: str, reason: str) -> None:
        counter = self._counters.get((database, reason))
        if counter is None:
            counter = self._counters[(database, reason)] = self._reads.labels(database, reason)
        counter.inc()

    # --- who wrote --------------------------------------------------------------------------------

    def writer_of(self, scope: Scope) -> int | None:
        """The user behind a write request's valid access token, else None."""
        if scope.get("method", "GET") in SAFE_METHODS:
            return None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    return None
                try:
                    return self.codec.verify(token.strip(), "access").sub
                except AuthenticationFailed:
                    return None
        return None


class RememberWrites:
    """Leaves the read-your-writes marker of a write request's caller before its answer leaves (after the commit)."""

    def __init__(self, app: ASGIApp, routing: ReadRouting) -> None:
        self.app = app
        self.routing = routing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        writer = self.routing.writer_of(scope) if scope["type"] == "http" else None
        if writer is None:
            await self.app(scope, receive, send)
            return

        async def send_after_marking(message: Message) -> None:
            if message["type"] == "http.response.start":
                await asyncio.shield(self.routing.remember_write(writer))
            await send(message)

        await self.app(scope, receive, send_after_marking)


def routing_of(request: Request[Any, Any, Any]) -> ReadRouting:
    routing: ReadRouting = request.app.state.read_routing
    return routing
