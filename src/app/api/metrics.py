"""Prometheus metrics at `/metrics` (SPEC §5): requests by route and status, database pools, cache lookups, rate
limits, circuit breakers, and jobs by queue and status.

Each app has its own registry (tests build several apps in one process; Litestar's Prometheus plugin keeps its
metrics in class attributes of the global registry). Figures are per process: scrape every replica.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg
from litestar import Controller, Request, Response, get
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger("app.metrics")

NAMESPACE = "mutiroes"
BREAKER_STATES = ("closed", "open", "half-open")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Any other method (a scanner's invention) is counted as "other": label values must stay few.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
JOBS_SQL = "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs GROUP BY 1, 2"
JOBS_TIMEOUT_SECONDS = 2.0

PoolFigures = Callable[[], Iterable[tuple[str, str, float]]]


class _StateCollector(Collector):
    """Read at scrape time: breakers and pools from the live objects, jobs from the last `refresh`."""

    def __init__(self) -> None:
        self.breakers: dict[str, Callable[[], str]] = {}
        self.pools: list[PoolFigures] = []
        self.jobs: list[tuple[str, str, int]] = []
        self.statements: Callable[[], int] | None = None
        self.replica: Callable[[], tuple[str, float | None]] | None = None

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        if self.statements is not None:
            yield CounterMetricFamily(
                f"{NAMESPACE}_db_statements", "SQL statements sent to PostgreSQL by this process", self.statements()
            )
        breakers = GaugeMetricFamily(
            f"{NAMESPACE}_circuit_breaker_state",
            "1 for the breaker's current state (closed, open, half-open); absent when not configured",
            labels=["breaker", "state"],
        )
        for name, state_of in self.breakers.items():
            current = state_of()
            if current in BREAKER_STATES:
                for state in BREAKER_STATES:
                    breakers.add_metric([name, state], 1.0 if state == current else 0.0)
        yield breakers
        pools = GaugeMetricFamily(
            f"{NAMESPACE}_db_pool_connections",
            "Database connections per pool (orm: SQLAlchemy, read: asyncpg, replica: asyncpg on the read replica) "
            "by state: in_use, idle, max",
            labels=["pool", "state"],
        )
        for figures in self.pools:
            for pool, state, value in figures():
                pools.add_metric([pool, state], value)
        yield pools
        jobs = GaugeMetricFamily(
            f"{NAMESPACE}_jobs", "Procrastinate jobs by queue and status", labels=["queue", "status"]
        )
        for queue, status, count in self.jobs:
            jobs.add_metric([queue, status], count)
        yield jobs
        if self.replica is not None:
            state, lag = self.replica()
            yield GaugeMetricFamily(
                f"{NAMESPACE}_read_replica_up",
                "1 while the read replica answers within DATABASE_READ_MAX_LAG_SECONDS (reads go to it), else 0",
                value=1.0 if state == "up" else 0.0,
            )
            if lag is not None:
                yield GaugeMetricFamily(
                    f"{NAMESPACE}_read_replica_lag_seconds",
                    "How far the read replica is behind the primary, at the last check (every second)",
                    value=lag,
                )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ["method", "route", "status"]
        self.requests = Counter(
            f"{NAMESPACE}_http_requests", "HTTP requests by route template and status", labels, registry=self.registry
        )
        self.latency = Histogram(
            f"{NAMESPACE}_http_request_duration_seconds",
            "Time to answer, by route template and status",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache_lookups = Counter(
            f"{NAMESPACE}_cache_lookups",
            "Public cache lookups by entry and result (hit, miss, unavailable: Redis failed or its breaker is open)",
            ["entry", "result"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            f"{NAMESPACE}_rate_limited_requests",
            "Requests refused with 429, by limit",
            ["limit"],
            registry=self.registry,
        )
        self.db_reads = Counter(
            f"{NAMESPACE}_db_reads",
            "Routed public reads by the database that answered (replica, primary) and why (healthy, replica_down, "
            "replica_lagging, replica_failed, own_write, writes_unknown, recent_change); only with DATABASE_READ_URL",
            ["database", "reason"],
            registry=self.registry,
        )
        self.state = _StateCollector()
        self.registry.register(self.state)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def watch_breaker(self, name: str, state_of: Callable[[], str]) -> None:
        self.state.breakers[name] = state_of

    def watch_pool(self, figures: PoolFigures) -> None:
        self.state.pools.append(figures)

    def watch_statements(self, count: Callable[[], int]) -> None:
        self.state.statements = count

    def watch_replica(self, state_of: Callable[[], tuple[str, float | None]]) -> None:
        self.state.replica = state_of

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            values = (method if method in _METHODS else "other", route, str(status))
            children = self._children[key] = (self.requests.labels(*values), self.latency.labels(*values))
        children[0].inc()
        children[1].observe(seconds)

    async def refresh_jobs(self, pool: asyncpg.Pool) -> None:
        """Count the jobs now (one GROUP BY); on failure the series are left out of this scrape."""
        try:
            rows = await asyncio.wait_for(pool.fetch(JOBS_SQL), JOBS_TIMEOUT_SECONDS)
        except Exception as exc:
            logger.warning("Could not count jobs for /metrics: %s", type(exc).__name__)
            self.state.jobs = []
            return
        self.state.jobs = [(row[0], row[1], row[2]) for row in rows]

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetrics:
    """Pure ASGI, outside the router (404s and 429s count too): one count and one latency per request."""

    __slots__ = ("app", "metrics")

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "other"))
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            # The router writes the matched template into the scope; nothing matched leaves it unset.
            route = scope.get("path_template") or "unmatched"
            self.metrics.observe(method, route, status, time.perf_counter() - started)


class MetricsController(Controller):
    path = "/metrics"
    tags = ["health"]
    include_in_schema = False

    @get("/", operation_id="metrics", summary="Prometheus metrics")
    async def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """Prometheus text format. Jobs are counted at scrape time."""
        metrics: Metrics = request.app.state.metrics
        await metrics.refresh_jobs(request.app.state.read_pool)
        # A header, not media_type: Litestar would add a second charset to a text/* media type.
        return Response(metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def orm_pool_figures(engine: Any, maximum: int) -> PoolFigures:
    def figures() -> Iterable[tuple[str, str, float]]:
        pool = engine.pool
        return [("orm", "in_use", pool.checkedout()), ("orm", "idle", pool.checkedin()), ("orm", "max", maximum)]

    return figures


def read_pool_figures(pool_of: Callable[[], asyncpg.Pool | None], name: str = "read") -> PoolFigures:
    def figures() -> Iterable[tuple[str, str, float]]:
        pool = pool_of()
        if pool is None:  # not started yet
            return []
        idle = pool.get_idle_size()
        return [
            (name, "in_use", pool.get_size() - idle),
            (name, "idle", idle),
            (name, "max", pool.get_max_size()),
        ]

    return figures
