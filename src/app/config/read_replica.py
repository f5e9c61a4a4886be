"""The streaming replica behind DATABASE_READ_URL, and how far behind the primary it is.

Lag. Every CHECK_EVERY seconds the primary's WAL position is sampled, then the replica's replay position is read.
The replica has replayed everything the primary had written at a sample's time once its replay position has passed
that sample's, so its lag is at most the age of the newest such sample. Measured this way an idle primary shows no
lag (pg_last_xact_replay_timestamp() would grow for ever), and a replica that stopped replaying shows a growing lag
even when its WAL receiver still answers. A replica no sample has been passed by yet is behind by more than the
samples cover: lagging.

Unusable replica. A replica that does not answer within CHECK_TIMEOUT, or lags more than
DATABASE_READ_MAX_LAG_SECONDS, is skipped until a check finds it back; the primary answers meanwhile (see
`app.api.read_routing`). While the primary itself cannot be asked, nothing new is committed, so the replica keeps the
lag it had.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Literal

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.config.database import FairPool, QueryLog, read_pool_options
from app.config.settings import Settings, to_driver_url

logger = logging.getLogger("app.read_replica")

ReplicaState = Literal["up", "lagging", "down", "not configured"]

CHECK_EVERY = 1.0
CHECK_TIMEOUT = 2.0
PRIMARY_POSITION_SQL = "SELECT (pg_current_wal_lsn() - '0/0')::bigint"
# Not in recovery: DATABASE_READ_URL names a primary (a promoted replica, or the primary itself); it lags nothing.
REPLICA_POSITION_SQL = "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0')::bigint"


class ReadReplica:
    """Its pools (asyncpg for the hot reads, SQLAlchemy for the others) and its last measured state."""

    def __init__(self, settings: Settings, query_log: QueryLog) -> None:
        self.url = settings.read_replica_url
        self.max_lag = settings.database_read_max_lag_seconds
        self.settings = settings
        self.query_log = query_log
        self.pool: asyncpg.Pool | None = None
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.state: ReplicaState = "not configured" if self.url is None else "down"
        self.lag: float | None = None  # seconds; None until measured
        self.detail: str | None = None if self.url is None else "not checked yet"
        # (monotonic time, primary WAL position), oldest first, kept a little longer than the lag allowed.
        self._samples: deque[tuple[float, int]] = deque(maxlen=int(self.max_lag / CHECK_EVERY) + 10)
        self._watcher: asyncio.Task[None] | None = None

    @property
    def configured(self) -> bool:
        return self.url is not None

    @property
    def usable(self) -> bool:
        return self.state == "up"

    async def open(self, primary: asyncpg.Pool) -> None:
        """Create the pools (they connect on first use) and start checking the replica against `primary`."""
        if self.url is None:
            return
        self.pool = await FairPool(self.url, **read_pool_options(self.settings, self.query_log, "mutiroes-replica"))
        self.engine = create_async_engine(
            to_driver_url(self.url, "postgresql+asyncpg"),
            pool_size=max(2, self.settings.database_pool_size // 2),
            max_overflow=self.settings.database_max_overflow,
            connect_args={"server_settings": {"timezone": "UTC", "application_name": "mutiroes-replica-orm"}},
        )
        self.query_log.attach_to_engine(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        await self.check(primary)
        self._watcher = asyncio.create_task(self._watch(primary), name="read-replica-watch")

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    async def _watch(self, primary: asyncpg.Pool) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY)
            try:
                await self.check(primary)
            except Exception:  # never let the watcher die: the next check may succeed
                logger.exception("Read replica check failed")

    async def check(self, primary: asyncpg.Pool) -> None:
        """Measure the replica now and update `state`, `lag` and `detail`. A replica back from down gets new
        connections: those pooled before were to the server that went away."""
        was_down = self.state == "down"
        await self._measure(primary)
        if was_down and self.state != "down":
            assert self.pool is not None and self.engine is not None
            await self.pool.expire_connections()
            await self.engine.dispose()

    async def _measure(self, primary: asyncpg.Pool) -> None:
        assert self.pool is not None
        try:
            position = await asyncio.wait_for(primary.fetchval(PRIMARY_POSITION_SQL), CHECK_TIMEOUT)
            self._samples.append((time.monotonic(), position))
            primary_answered = True
        except Exception as exc:
            logger.debug("Primary WAL position unavailable (%s): the replica keeps its last lag", exc)
            primary_answered = False
        try:
            in_recovery, replayed = await asyncio.wait_for(self.pool.fetchrow(REPLICA_POSITION_SQL), CHECK_TIMEOUT)
        except Exception as exc:
            self.mark_down(exc)
            return
        if not primary_answered and self.state != "down":
            return  # nothing is being committed: the replica is as far behind as it was
        if not in_recovery:
            self._set("up", 0.0, "not in recovery: a primary")
            return
        now = time.monotonic()
        passed = [at for at, primary_position in self._samples if replayed is not None and primary_position <= replayed]
        if passed:
            lag = now - max(passed)
        elif self._samples:
            lag = now - self._samples[0][0]  # behind every sample: at least this much
        else:
            lag = None
        if lag is not None and lag <= self.max_lag and passed:
            self._set("up", lag, None)
        else:
            shown = "unknown" if lag is None else f"at least {lag:.1f} s" if not passed else f"{lag:.1f} s"
            self._set("lagging", lag, f"behind the primary by {shown} (allowed: {self.max_lag:g} s)")

    def mark_down(self, exc: BaseException) -> None:
        """A read found the replica failing: skip it until the next check finds it back."""
        self._set("down", None, f"{type(exc).__name__}: {exc}"[:200])

    def _set(self, state: ReplicaState, lag: float | None, detail: str | None) -> None:
        if state != self.state:
            log = logger.info if state == "up" else logger.warning
            log("Read replica %s%s", state, f": {detail}" if detail else "")
        self.state, self.lag, self.detail = state, lag, detail
