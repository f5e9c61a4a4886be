"""SPEC §5: Prometheus metrics at /metrics — requests by route and status, database pools, cache hits and misses,
rate limits, circuit breakers, and jobs by queue and status."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.api.app import create_app
from app.config.settings import Settings
from tests.support.factories import Factory
from tests.support.redis import RedisServer


@pytest.fixture
def client(settings: Settings, redis: RedisServer) -> Iterator[TestClient[Litestar]]:
    observed = msgspec.structs.replace(
        settings, redis_url=redis.url, cache_ttl_seconds=60.0, rate_limit_auth_per_minute=1, smtp_host="127.0.0.1"
    )
    with TestClient(create_app(observed)) as test_client:
        yield test_client


def scrape(client: TestClient[Litestar]) -> dict[str, float]:
    """Every sample of the exposition, by its name and labels as written."""
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; version=1.0.0; charset=utf-8"
    samples = {}
    for line in answer.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_requests_are_counted_and_timed_by_route_template_and_status(
    client: TestClient[Litestar], factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"))
    assert client.get(f"/api/events/{event_id}/").status_code == 200
    assert client.get(f"/api/events/{event_id}").status_code == 200
    assert client.get("/api/events/999999/").status_code == 404
    assert client.get("/not/a/route/").status_code == 404
    samples = scrape(client)
    detail = 'method="GET",route="/api/events/{event_id}"'
    assert samples[f'mutiroes_http_requests_total{{{detail},status="200"}}'] == 2
    assert samples[f'mutiroes_http_requests_total{{{detail},status="404"}}'] == 1
    # Unrouted paths share one label: a scanner cannot grow the series.
    assert samples['mutiroes_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    assert samples[f'mutiroes_http_request_duration_seconds_count{{{detail},status="200"}}'] == 2
    assert samples[f'mutiroes_http_request_duration_seconds_bucket{{le="10.0",{detail},status="200"}}'] == 2


def test_cache_lookups_rate_limits_breakers_and_pools_are_exposed(
    client: TestClient[Litestar], factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"))
    for _ in range(3):
        client.get(f"/api/events/{event_id}/")
    login = {"username": "ninguem", "password": "Senha-errada-2026"}
    assert [client.post("/api/token/", json=login).status_code for _ in range(2)] == [401, 429]
    samples = scrape(client)
    assert samples['mutiroes_cache_lookups_total{entry="event_detail",result="miss"}'] == 1
    assert samples['mutiroes_cache_lookups_total{entry="event_detail",result="hit"}'] == 2
    assert samples['mutiroes_rate_limited_requests_total{limit="auth"}'] == 1
    for breaker in ("redis", "smtp"):
        assert samples[f'mutiroes_circuit_breaker_state{{breaker="{breaker}",state="closed"}}'] == 1
        assert samples[f'mutiroes_circuit_breaker_state{{breaker="{breaker}",state="open"}}'] == 0
    for pool in ("orm", "read"):
        for state in ("in_use", "idle", "max"):
            assert f'mutiroes_db_pool_connections{{pool="{pool}",state="{state}"}}' in samples
    assert samples['mutiroes_db_pool_connections{pool="read",state="max"}'] == 20
    assert "process_resident_memory_bytes" in samples


def test_postgresql_statements_are_counted_and_a_cache_hit_sends_none(
    client: TestClient[Litestar], factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"))
    before = scrape(client)["mutiroes_db_statements_total"]
    assert client.get(f"/api/events/{event_id}/").headers["x-cache"] == "miss"
    missed = scrape(client)["mutiroes_db_statements_total"]
    assert client.get(f"/api/events/{event_id}/").headers["x-cache"] == "hit"
    hit = scrape(client)["mutiroes_db_statements_total"]
    # Each scrape counts the jobs (one statement); the miss read the event too, the hit nothing.
    assert (missed - before, hit - missed) == (2, 1)


def test_jobs_are_counted_by_queue_and_status_at_scrape_time(client: TestClient[Litestar]) -> None:
    assert 'mutiroes_jobs{queue="emails",status="todo"}' not in scrape(client)
    password = "Mutirao-verde-2026"
    registered = client.post(
        "/api/users/register/",
        json={
            "username": "ana",
            "email": "ana@example.org",
            "password": password,
            "password_confirm": password,
            "first_name": "Ana",
            "last_name": "Souza",
        },
    )
    assert registered.status_code == 201, registered.text
    assert scrape(client)['mutiroes_jobs{queue="emails",status="todo"}'] == 1  # the welcome email


def test_metrics_are_not_in_the_api_documentation(client: TestClient[Litestar]) -> None:
    assert not any(path.startswith("/metrics") for path in client.get("/schema/openapi.json").json()["paths"])
