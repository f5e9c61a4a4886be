"""SPEC §5 at the edge: security headers on every answer, HSTS only behind TLS, request ids in headers and logs."""

from __future__ import annotations

import logging
import re
from ipaddress import ip_network
from urllib.parse import urlsplit

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from litestar.types import Message, Receive, Scope, Send
from litestar.types.asgi_types import HTTPRequestEvent, HTTPResponseStartEvent

from app.api.app import create_app
from app.api.middleware import EdgeMiddleware
from app.config.logging import RequestIdFilter
from app.config.settings import Settings

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "geolocation=(self), camera=(), microphone=()",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
HEX_ID = re.compile(r"[0-9a-f]{32}")


def assert_security_headers(headers: object) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value, name  # type: ignore[index]


def csp_sources(policy: str, directive: str) -> list[str]:
    for part in policy.split(";"):
        name, *sources = part.split()
        if name == directive:
            return sources
    return []


def test_a_normal_answer_carries_the_security_headers(client: TestClient[Litestar]) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert_security_headers(response.headers)
    assert response.headers["content-security-policy"] == API_CSP
    assert "strict-transport-security" not in response.headers


def test_problem_answers_carry_the_security_headers_too(client: TestClient[Litestar]) -> None:
    missing = client.get("/api/nothing-here/")
    bad_body = client.post("/api/token/", content=b'{"username": ', headers={"Content-Type": "application/json"})
    wrong_method = client.delete("/api/token/")
    assert (missing.status_code, bad_body.status_code, wrong_method.status_code) == (404, 400, 405)
    for response in (missing, bad_body, wrong_method):
        assert response.headers["content-type"].startswith("application/problem+json")
        assert_security_headers(response.headers)
        assert response.headers["content-security-policy"] == API_CSP
        assert HEX_ID.fullmatch(response.headers["x-request-id"])


@pytest.mark.parametrize("path", ["/schema/", "/schema/swagger"])
def test_the_docs_ui_gets_a_policy_that_lets_its_cdn_assets_load(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response.headers)
    policy = response.headers["content-security-policy"]
    assert policy != API_CSP
    assert "frame-ancestors 'none'" in policy
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', response.text)
    styles = re.findall(r'<link[^>]+href="([^"]+)"', response.text)
    assert scripts and styles
    for url, directive in [*((s, "script-src") for s in scripts), *((s, "style-src") for s in styles)]:
        host = urlsplit(url)
        assert f"{host.scheme}://{host.netloc}" in csp_sources(policy, directive), (url, directive)


def test_the_openapi_document_keeps_the_strict_policy(client: TestClient[Litestar]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == API_CSP


def test_hsts_is_sent_when_the_request_came_over_tls(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://testserver.local") as client:
        response = client.get("/health/")
        missing = client.get("/api/nothing-here/")
    assert response.headers["strict-transport-security"] == HSTS
    assert missing.headers["strict-transport-security"] == HSTS


def test_a_forwarded_proto_from_an_untrusted_peer_is_ignored(client: TestClient[Litestar]) -> None:
    response = client.get("/health/", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in response.headers


async def _answer(scope: Scope, receive: Receive, send: Send) -> None:
    logging.getLogger("app.test").info("answering")
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 204, "headers": [(b"x-own", b"1")]}
    await send(start)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _call(middleware: EdgeMiddleware, *, client: tuple[str, int], headers: list[tuple[bytes, bytes]]) -> Message:
    scope = {
        "type": "http",
        "scheme": "http",
        "path": "/health/",
        "method": "GET",
        "headers": headers,
        "client": client,
    }
    sent: list[Message] = []

    async def receive() -> HTTPRequestEvent:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)  # type: ignore[arg-type]
    return sent[0]


def _headers(message: Message) -> dict[bytes, bytes]:
    return dict(message["headers"])  # type: ignore[typeddict-item]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("peer", "proto", "hsts"),
    [
        ("10.0.0.7", b"https", True),
        ("10.0.0.7", b"https, http", True),
        ("10.0.0.7", b"http", False),
        ("203.0.113.9", b"https", False),
        ("testclient", b"https", False),
    ],
)
async def test_a_forwarded_proto_is_believed_only_from_a_trusted_proxy(peer: str, proto: bytes, hsts: bool) -> None:
    middleware = EdgeMiddleware(_answer, trusted_proxies=(ip_network("10.0.0.0/8"),))
    start = await _call(middleware, client=(peer, 40000), headers=[(b"x-forwarded-proto", proto)])
    headers = _headers(start)
    assert headers[b"x-own"] == b"1"
    assert (b"strict-transport-security" in headers) is hsts


def test_a_valid_request_id_is_echoed(client: TestClient[Litestar]) -> None:
    response = client.get("/health/", headers={"X-Request-ID": "edge-7f3a.b_9"})
    assert response.headers["x-request-id"] == "edge-7f3a.b_9"


@pytest.mark.parametrize("incoming", ["x" * 300, "has spaces in it", "semi;colon", "ação"])
def test_an_invalid_request_id_is_replaced(client: TestClient[Litestar], incoming: str) -> None:
    response = client.get("/health/", headers={b"X-Request-ID": incoming.encode()})
    assert HEX_ID.fullmatch(response.headers["x-request-id"])


def test_a_request_id_is_generated_when_absent(client: TestClient[Litestar]) -> None:
    first = client.get("/health/").headers["x-request-id"]
    second = client.get("/health/").headers["x-request-id"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


@get("/test-only/log/", sync_to_thread=False)
def log_something() -> str:
    logging.getLogger("app.test").warning("volunteer checked in")
    return "ok"


def test_a_log_line_during_a_request_carries_its_id(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(settings)
    app.register(log_something)
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="app.test"), TestClient(app) as client:
        response = client.get("/test-only/log/", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "app.test"]
    assert record.getMessage() == "volunteer checked in"
    assert record.request_id == "trace-42"  # type: ignore[attr-defined]
    outside = logging.LogRecord("app.test", logging.INFO, __file__, 1, "idle", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_lines_logged_while_the_answer_is_sent_carry_the_id(caplog: pytest.LogCaptureFixture) -> None:
    # Uvicorn writes its access line inside `send`: the id is still bound there.
    caplog.handler.addFilter(RequestIdFilter())
    middleware = EdgeMiddleware(_answer)

    async def send_like_uvicorn(message: Message) -> None:
        if message["type"] == "http.response.start":
            logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /health/ HTTP/1.1" 204')

    scope = {"type": "http", "scheme": "http", "path": "/", "headers": [(b"x-request-id", b"abc")], "client": None}

    async def receive() -> HTTPRequestEvent:
        return {"type": "http.request", "body": b"", "more_body": False}

    with caplog.at_level(logging.INFO):
        await middleware(scope, receive, send_like_uvicorn)  # type: ignore[arg-type]
    ids = {r.name: r.request_id for r in caplog.records}  # type: ignore[attr-defined]
    assert ids == {"app.test": "abc", "uvicorn.access": "abc"}
