"""Redis, the shared cache and rate-limit store: one client per app, behind a circuit breaker.

Redis is optional (SPEC §5): every caller has an answer without it. Short socket timeouts bound what one call costs
while Redis hangs; after 5 failures in a row the breaker opens and, for REDIS_BREAKER_RESET_SECONDS, calls fail at
once without touching the network; then the next call is a trial that closes it again or reopens it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pybreaker
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from app.config.settings import Settings

logger = logging.getLogger("app.redis")

T = TypeVar("T")
NOT_CONFIGURED = "not configured"


class _LogStateChanges(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: Any, new_state: Any) -> None:
        # Concurrent trial calls each close the breaker again: say it once.
        if old_state is not None and old_state.name == new_state.name:
            return
        if new_state.name == pybreaker.STATE_OPEN:
            logger.warning("Redis circuit breaker open: cache and rate limits fall back for %s s", cb.reset_timeout)
        elif new_state.name == pybreaker.STATE_CLOSED:
            logger.info("Redis circuit breaker closed: Redis answers again")


class SharedRedis:
    """The app's Redis client (None without REDIS_URL) and its breaker; `run` is the only way to call it."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.redis_url
        self.sentinels = settings.redis_sentinels
        self.master = settings.redis_sentinel_master
        self.timeout = settings.redis_timeout_seconds
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=5,
            reset_timeout=settings.redis_breaker_reset_seconds,
            name="redis",
            # Redis answered (a script or type error): it is up, the call was wrong.
            exclude=[ResponseError],
            listeners=[_LogStateChanges()],
        )
        self.client: Redis | None = None
        self.sentinel: Sentinel | None = None

    @property
    def configured(self) -> bool:
        return self.url is not None or bool(self.sentinels)

    async def open(self) -> None:
        """Create the client (it connects on first use) inside the running event loop."""
        if not self.configured or self.client is not None:
            return
        options: dict[str, Any] = {
            "socket_timeout": self.timeout,
            "socket_connect_timeout": self.timeout,
            # One immediate retry replaces a pooled connection Redis dropped (a restart, or a failover: the
            # Sentinel pool then asks who the master is now); a timeout is not retried (a hung Redis would cost
            # twice), and nothing waits on a backoff.
            "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        }
        if self.sentinels:
            self.sentinel = Sentinel(
                list(self.sentinels),
                sentinel_kwargs={"socket_timeout": self.timeout, "socket_connect_timeout": self.timeout},
            )
            self.client = self.sentinel.master_for(self.master, **options)
        else:
            assert self.url is not None
            self.client = Redis.from_url(self.url, **options)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        if self.sentinel is not None:
            for client in self.sentinel.sentinels:
                await client.aclose()
            self.sentinel = None

    def script(self, lua: str) -> AsyncScript:
        """A Lua script run with EVALSHA (re-sent by redis-py if Redis restarted and forgot it)."""
        if self.client is None:
            raise RuntimeError("Redis is not configured or not opened")
        return self.client.register_script(lua)

    async def run(self, call: Callable[[Redis], Awaitable[T]]) -> T:
        """Raise `pybreaker.CircuitBreakerError` at once while the breaker is open, else the call's own error."""
        if self.client is None:
            raise pybreaker.CircuitBreakerError("Redis is not configured")
        client = self.client
        # `calling()` checks the state on entry and records the outcome on exit (`call_async` needs Tornado).
        with self.breaker.calling():
            return await call(client)

    def breaker_state(self) -> str:
        """closed, open, half-open, or not configured."""
        return self.breaker.current_state if self.configured else NOT_CONFIGURED

    async def status(self) -> tuple[str, str | None]:
        """For readiness: up, down (with why) or not configured. An open breaker answers down without a call."""
        if not self.configured:
            return NOT_CONFIGURED, None
        try:
            await self.run(lambda client: client.ping())
        except pybreaker.CircuitBreakerError:
            return "down", "circuit breaker open"
        except Exception as exc:
            return "down", type(exc).__name__
        return "up", None
