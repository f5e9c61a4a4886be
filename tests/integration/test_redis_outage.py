"""SPEC §5: Redis is only a cache. A Redis killed or hung mid-run changes nothing but speed: answers come from
PostgreSQL and stay correct, rate limits are counted in each process, readiness says Redis is down (and stays 200),
the breaker stops requests from waiting on it, and once Redis is back caching resumes."""

from __future__ import annotations

import time

import msgspec
import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from app.api.app import create_app
from app.config.settings import Settings
from tests.support.factories import SANTOS, Factory
from tests.support.redis import RedisServer

BREAKER_RESET = 0.5
TIMEOUT = 0.5
NEARBY = f"/api/events/nearby/?latitude={SANTOS[0]}&longitude={SANTOS[1]}"
WRONG_LOGIN = {"username": "ninguem", "password": "Senha-errada-2026"}


@pytest.fixture
def fragile(settings: Settings, redis: RedisServer) -> Settings:
    return msgspec.structs.replace(
        settings,
        redis_url=redis.url,
        redis_timeout_seconds=TIMEOUT,
        redis_breaker_reset_seconds=BREAKER_RESET,
        cache_ttl_seconds=60.0,
        rate_limit_api_per_second=1000,
        rate_limit_auth_per_minute=5,
    )


def get(client: TestClient[Litestar], path: str) -> Response:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return answer


def spots(answer: Response, event_id: object) -> int:
    body = answer.json()
    events = body["results"] if isinstance(body, dict) and "results" in body else body
    if isinstance(events, dict):
        return int(events["available_spots"])
    return int(next(event for event in events if event["id"] == event_id)["available_spots"])


def checks(client: TestClient[Litestar]) -> dict[str, str]:
    ready = client.get("/readiness/")
    assert ready.status_code == 200, ready.text  # Redis never makes the service unready
    return {name: check["status"] for name, check in ready.json()["checks"].items() if name != "read_replica"}


def test_with_redis_killed_the_api_answers_from_postgresql_and_caching_resumes_after_a_restart(
    fragile: Settings, redis: RedisServer, factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"), max_participants=5)
    paths = [f"/api/events/{event_id}/", "/api/events/", NEARBY]
    with TestClient(create_app(fragile)) as client:
        for path in paths:
            get(client, path)
            assert get(client, path).headers["x-cache"] == "hit"
        assert checks(client) | {"smtp": ""} == {"database": "up", "redis": "up", "redis_breaker": "closed", "smtp": ""}

        redis.kill()
        for _ in range(3):
            for path in paths:
                assert spots(get(client, path), event_id) == 5, path
        assert checks(client)["redis"] == "down"
        assert checks(client)["redis_breaker"] == "open"
        # A write while Redis is down is seen at once: every answer comes from PostgreSQL.
        volunteer = factory.user("vol")
        assert client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(volunteer)).status_code == 201
        for path in paths:
            assert spots(get(client, path), event_id) == 4, path
        # Rate limits still hold, counted in this process.
        assert [client.post("/api/token/", json=WRONG_LOGIN).status_code for _ in range(6)] == [401] * 5 + [429]

        redis.start()  # same port, empty
        time.sleep(BREAKER_RESET + 0.1)
        for path in paths:
            first = get(client, path)
            assert first.headers["x-cache"] == "miss", path
            assert spots(first, event_id) == 4, path
            assert get(client, path).headers["x-cache"] == "hit", path
        assert checks(client)["redis"] == "up"
        assert checks(client)["redis_breaker"] == "closed"


def test_a_hung_redis_opens_the_breaker_so_requests_stop_waiting_for_it(
    fragile: Settings, redis: RedisServer, factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"))
    detail = f"/api/events/{event_id}/"
    # One Redis call per request (no rate limits), so the count of waits below is the breaker's threshold.
    hung = msgspec.structs.replace(
        fragile, redis_breaker_reset_seconds=30.0, rate_limit_api_per_second=0, rate_limit_auth_per_minute=0
    )
    with TestClient(create_app(hung)) as client:
        get(client, detail)
        redis.freeze()
        try:
            durations = []
            for _ in range(8):
                started = time.monotonic()
                assert get(client, detail).json()["id"] == event_id
                durations.append(time.monotonic() - started)
            # Five calls wait for the socket timeout; then the breaker is open and nothing waits on Redis.
            assert sum(duration >= TIMEOUT for duration in durations) == 5, durations
            assert max(durations[5:]) < TIMEOUT / 2, durations
            started = time.monotonic()
            assert checks(client)["redis"] == "down"
            assert time.monotonic() - started < TIMEOUT / 2
            metrics = client.get("/metrics").text
            assert 'mutiroes_circuit_breaker_state{breaker="redis",state="open"} 1.0' in metrics
        finally:
            redis.thaw()


def test_the_breaker_closes_again_when_a_hung_redis_recovers(
    fragile: Settings, redis: RedisServer, factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"))
    detail = f"/api/events/{event_id}/"
    with TestClient(create_app(fragile)) as client:
        redis.freeze()
        try:
            for _ in range(5):
                get(client, detail)
            assert checks(client)["redis_breaker"] == "open"
        finally:
            redis.thaw()
        time.sleep(BREAKER_RESET + 0.1)
        get(client, detail)
        assert get(client, detail).headers["x-cache"] == "hit"
        assert checks(client) | {"smtp": ""} == {"database": "up", "redis": "up", "redis_breaker": "closed", "smtp": ""}


def test_readiness_says_when_redis_is_deliberately_absent(settings: Settings) -> None:
    with TestClient(create_app(msgspec.structs.replace(settings, redis_url=None))) as client:
        found = checks(client)
    assert (found["redis"], found["redis_breaker"]) == ("not configured", "not configured")
