"""Rate limits per client IP (SPEC §5): RATE_LIMIT_API_PER_SECOND on every request, and RATE_LIMIT_AUTH_PER_MINUTE as
well on the endpoints that take a password or a refresh token. Over a limit: 429, `Retry-After`, a problem body.

Each limit is a GCRA bucket (a token bucket kept as one timestamp per client): a client may send up to the limit at
once, then one request per period/limit. The buckets live in Redis, so replicas share them, checked and taken in
one atomic script call; without Redis, or while its breaker is open, each process counts on its own.
Probes and CORS preflights are never limited.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network

import pybreaker
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import Counter

from app.api.middleware import client_address
from app.config.redis import SharedRedis
from app.config.settings import Settings

logger = logging.getLogger("app.rate_limits")

# Where a password or a refresh token is tried: guessing is what the tighter limit is for.
AUTH_OPERATIONS = frozenset({"obtainToken", "refreshToken", "registerUser", "changePassword", "deleteMyAccount"})
# Reports anyone logged in can put on the public map: flooding it is what the tighter limit is for here.
REPORT_OPERATIONS = frozenset({"reportSpot", "uploadSpotPhoto"})
PREFIX = "mutiroes:rl:"
PROBES = frozenset({"/health", "/liveness", "/readiness", "/metrics"})
_MAX_LOCAL_CLIENTS = 100_000

# KEYS: one bucket per limit; ARGV: its emission interval and period, in ms. Answers {0, 0} when the request may go
# (every bucket taken), else {ms to wait, which bucket} (none taken). Redis's clock: replicas need not agree on time.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait, which, tats = 0, 0, {}
for i = 1, #KEYS do
  local interval, period = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or 0), now) + interval
  if tat - now > period and tat - now - period > wait then wait, which = tat - now - period, i end
  tats[i] = tat
end
if wait > 0 then return {math.ceil(wait), which} end
for i = 1, #KEYS do redis.call('SET', KEYS[i], tostring(tats[i]), 'PX', math.ceil(tats[i] - now)) end
return {0, 0}
"""


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    count: int
    period_ms: int

    @property
    def interval_ms(self) -> float:
        return self.period_ms / self.count


class LocalBuckets:
    """The same buckets in this process: without Redis, and while its breaker is open."""

    def __init__(self) -> None:
        self._tats: dict[str, float] = {}

    def take(self, client: str, limits: Sequence[Limit]) -> tuple[int, Limit | None]:
        now = time.monotonic() * 1000
        keys = [f"{limit.name}:{client}" for limit in limits]
        tats = [max(self._tats.get(key, 0.0), now) + limit.interval_ms for key, limit in zip(keys, limits, strict=True)]
        wait, which = 0.0, None
        for tat, limit in zip(tats, limits, strict=True):
            if tat - now - limit.period_ms > wait:
                wait, which = tat - now - limit.period_ms, limit
        if which is not None:
            return math.ceil(wait), which
        if len(self._tats) >= _MAX_LOCAL_CLIENTS:
            self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        self._tats.update(zip(keys, tats, strict=True))
        return 0, None


class RateLimiter:
    def __init__(self, settings: Settings, redis: SharedRedis) -> None:
        api, auth = settings.rate_limit_api_per_second, settings.rate_limit_auth_per_minute
        self.api = Limit("api", api, 1000) if api > 0 else None
        self.auth = Limit("auth", auth, 60_000) if auth > 0 else None
        self.redis = redis
        self.local = LocalBuckets()

    @property
    def enabled(self) -> bool:
        return self.api is not None or self.auth is not None

    def limits_for(self, operation_id: object) -> tuple[Limit, ...]:
        limits = (self.api, self.auth) if operation_id in AUTH_OPERATIONS | REPORT_OPERATIONS else (self.api,)
        return tuple(limit for limit in limits if limit is not None)

    async def take(self, client: str, limits: Sequence[Limit]) -> tuple[int, Limit | None]:
        """(0, None) when the request may go on, else (milliseconds to wait, the limit that said no)."""
        if self.redis.configured:
            try:
                return await self._take_in_redis(client, limits)
            except Exception as exc:
                if not isinstance(exc, pybreaker.CircuitBreakerError):  # the breaker logs when it opens
                    logger.warning(
                        "Rate limit check in Redis failed (%s); counting in this process", type(exc).__name__
                    )
        return self.local.take(client, limits)

    async def _take_in_redis(self, client: str, limits: Sequence[Limit]) -> tuple[int, Limit | None]:
        script = self.redis.script(_TAKE)
        keys = [f"{PREFIX}{limit.name}:{client}" for limit in limits]
        args = [value for limit in limits for value in (f"{limit.interval_ms:.3f}", limit.period_ms)]
        wait, which = await self.redis.run(lambda redis: script(keys=keys, args=args, client=redis))
        return int(wait), limits[int(which) - 1] if which else None


def _is_probe(scope: Scope) -> bool:
    return scope["path"].rstrip("/") in PROBES


class RateLimitMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(_is_probe)

    def __init__(
        self, limiter: RateLimiter, trusted_proxies: Sequence[IPv4Network | IPv6Network], refused: Counter
    ) -> None:
        self.limiter = limiter
        self.trusted_proxies = tuple(trusted_proxies)
        self.refused = refused

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # A preflight carries no work and the SPA sends one before every call: limiting it would halve the budget.
        if scope.get("method") != "OPTIONS":
            limits = self.limiter.limits_for(getattr(scope.get("route_handler"), "operation_id", None))
            if limits:
                wait_ms, limit = await self.limiter.take(client_address(scope, self.trusted_proxies), limits)
                if limit is not None:
                    self.refused.labels(limit.name).inc()
                    raise TooManyRequestsException(headers={"Retry-After": str(max(1, math.ceil(wait_ms / 1000)))})
        await next_app(scope, receive, send)
