"""SPEC §5, rate limits per client IP: 10 requests a second, 5 a minute on the endpoints that take a password or a
refresh token; 429 with Retry-After and a problem body; counters shared by replicas through Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from ipaddress import ip_network

import msgspec
import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from app.api.app import create_app
from app.config.settings import Settings
from tests.support.redis import RedisServer

WRONG_LOGIN = {"username": "ninguem", "password": "Senha-errada-2026"}


@pytest.fixture
def limited(settings: Settings, redis: RedisServer) -> Settings:
    return msgspec.structs.replace(
        settings, redis_url=redis.url, rate_limit_api_per_second=10, rate_limit_auth_per_minute=5
    )


@pytest.fixture
def client(limited: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(limited)) as test_client:
        yield test_client


class TestPeer:
    """Sets the connection's peer address from the test's `X-Test-Peer` header (the test client's is a name)."""

    __test__ = False

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = next((value for name, value in scope.get("headers", ()) if name == b"x-test-peer"), None)
        if peer is not None:
            scope["client"] = (peer.decode(), 40000)
        await self.app(scope, receive, send)


def log_in(client: TestClient[Litestar], **headers: str) -> Response:
    return client.post("/api/token/", json=WRONG_LOGIN, headers=headers)


def test_over_ten_requests_a_second_are_refused_with_429_retry_after_and_a_problem(
    client: TestClient[Litestar],
) -> None:
    started = time.monotonic()
    answers = [client.get("/api/events/categories/") for _ in range(30)]
    elapsed = time.monotonic() - started
    assert {answer.status_code for answer in answers} == {200, 429}
    allowed = sum(answer.status_code == 200 for answer in answers)
    # A burst of 10, then one more every 100 ms.
    assert 10 <= allowed <= 10 + int(elapsed * 10) + 1
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["x-content-type-options"] == "nosniff"
    problem = refused.json()
    assert (problem["status"], problem["code"]) == (429, "too_many_requests")
    assert problem["message"] == "Muitas requisições. Tente novamente em instantes."
    english = client.get("/api/events/categories/", headers={"Accept-Language": "en"})
    assert english.status_code == 429
    assert english.json()["message"] == "Too many requests. Try again shortly."


def test_the_auth_endpoints_allow_five_a_minute(client: TestClient[Litestar]) -> None:
    assert [log_in(client).status_code for _ in range(5)] == [401] * 5
    refused = log_in(client)
    assert refused.status_code == 429
    # One more attempt is earned every 12 s.
    assert 1 <= int(refused.headers["retry-after"]) <= 12
    assert refused.json()["code"] == "too_many_requests"
    # The same bucket covers registering, refreshing and changing a password.
    assert client.post("/api/users/register/", json={}).status_code == 429
    assert client.post("/api/token/refresh/", json={"refresh": "x"}).status_code == 429
    assert client.post("/api/users/change-password/", json={}).status_code == 429
    # Other endpoints only answer to the API limit.
    assert client.get("/api/events/categories/").status_code == 200


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(limited: Settings) -> None:
    behind_proxy = msgspec.structs.replace(
        limited, trusted_proxies=(ip_network("10.0.0.0/8"),), rate_limit_auth_per_minute=1
    )
    app = create_app(behind_proxy)
    app.asgi_handler = TestPeer(app.asgi_handler)
    with TestClient(app) as client:
        proxy = {"X-Test-Peer": "10.0.0.7"}
        assert log_in(client, **proxy, **{"X-Forwarded-For": "203.0.113.5"}).status_code == 401
        assert log_in(client, **proxy, **{"X-Forwarded-For": "203.0.113.5"}).status_code == 429
        assert log_in(client, **proxy, **{"X-Forwarded-For": "203.0.113.6"}).status_code == 401
        # The hops a client writes itself (on the left) prove nothing: the nearest untrusted hop is the client.
        assert log_in(client, **proxy, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}).status_code == 401
        assert log_in(client, **proxy, **{"X-Forwarded-For": "198.51.100.2, 203.0.113.7"}).status_code == 429
        # Two trusted proxies in a row: the hop before them.
        assert log_in(client, **proxy, **{"X-Forwarded-For": "203.0.113.8, 10.0.0.9"}).status_code == 401
        assert log_in(client, **proxy, **{"X-Forwarded-For": "203.0.113.8"}).status_code == 429
        # From a peer that is not a trusted proxy the header is ignored: the peer is the client.
        stranger = {"X-Test-Peer": "192.0.2.1"}
        assert log_in(client, **stranger, **{"X-Forwarded-For": "203.0.113.50"}).status_code == 401
        assert log_in(client, **stranger, **{"X-Forwarded-For": "203.0.113.51"}).status_code == 429


def test_replicas_share_the_counters_through_redis(limited: Settings, client: TestClient[Litestar]) -> None:
    with TestClient(create_app(limited)) as replica:
        assert [log_in(client).status_code for _ in range(3)] == [401] * 3
        assert [log_in(replica).status_code for _ in range(2)] == [401] * 2
        assert log_in(replica).status_code == 429
    assert log_in(client).status_code == 429


def test_without_redis_each_process_counts_on_its_own(settings: Settings) -> None:
    alone = msgspec.structs.replace(settings, redis_url=None, rate_limit_auth_per_minute=5)
    with TestClient(create_app(alone)) as client:
        assert [log_in(client).status_code for _ in range(6)] == [401] * 5 + [429]


def test_probes_metrics_and_preflights_are_never_limited(limited: Settings) -> None:
    strict = msgspec.structs.replace(limited, rate_limit_api_per_second=1)
    with TestClient(create_app(strict)) as client:
        for _ in range(5):
            for path in ("/health/", "/liveness/", "/readiness/", "/metrics"):
                assert client.get(path).status_code == 200, path
            preflight = client.options(
                "/api/events/",
                headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
            )
            assert preflight.status_code in {200, 204}
        assert client.get("/api/events/categories/").status_code == 200
        assert client.get("/api/events/categories/").status_code == 429


def test_a_limit_of_zero_turns_it_off(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:  # make_settings turns both limits off
        assert all(log_in(client).status_code == 401 for _ in range(8))
