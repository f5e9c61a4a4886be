"""Health endpoints for load balancers and orchestrators."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config.read_replica import ReadReplica
from app.config.redis import SharedRedis
from app.domain.notifications.delivery import smtp_status


class Check(msgspec.Struct):
    status: str
    detail: str | None = None


class Health(msgspec.Struct):
    status: str
    checks: dict[str, Check] = msgspec.field(default_factory=dict)


class HealthController(Controller):
    tags = ["health"]
    include_in_schema = True

    @get("/health/", operation_id="health", summary="Is the process up")
    async def health(self) -> Health:
        return Health(status="ok")

    @get("/liveness/", operation_id="liveness", summary="Liveness probe")
    async def liveness(self) -> Health:
        return Health(status="ok")

    @get("/readiness/", operation_id="readiness", summary="Readiness probe: database reachable")
    async def readiness(self, db_engine: NamedDependency[AsyncEngine], state: State) -> Response[Health]:
        """503 only when the database cannot be reached. Also reports, without ever failing on them: `redis` (`up`,
        `down` or `not configured`; only a cache: answers come from PostgreSQL without it), and the circuit breakers
        `redis_breaker` and `smtp` (`closed`, `open`, `half-open` or `not configured`; emails wait in the queue while
        SMTP is down), and `read_replica` (`up`, `lagging`, `down` or `not configured`; the primary answers the reads
        while it is not up)."""
        checks: dict[str, Check] = {}
        try:
            async with db_engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = Check(status="up")
        except Exception as exc:
            checks["database"] = Check(status="down", detail=type(exc).__name__)
        redis: SharedRedis = state.redis
        redis_status, redis_detail = await redis.status()
        checks["redis"] = Check(status=redis_status, detail=redis_detail)
        checks["redis_breaker"] = Check(status=redis.breaker_state())
        checks["smtp"] = Check(status=smtp_status(state.settings))
        replica: ReadReplica = state.read_replica
        replica_detail = replica.detail
        if replica.state == "up" and replica.lag is not None:
            replica_detail = f"{replica.lag:.2f} s behind the primary"
        checks["read_replica"] = Check(status=replica.state, detail=replica_detail)
        ready = checks["database"].status == "up"
        return Response(
            Health(status="ok" if ready else "unavailable", checks=checks), status_code=200 if ready else 503
        )
