"""The edge of every HTTP answer: security headers, HSTS behind TLS, a request id for the logs; who the client is."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from app.config.logging import request_id
from app.domain.errors import ValidationFailed

Header = tuple[bytes, bytes]

REQUEST_ID_HEADER = b"x-request-id"
_FORWARDED_PROTO_HEADER = b"x-forwarded-proto"
_FORWARDED_FOR_HEADER = b"x-forwarded-for"
_MAX_ADDRESS_LENGTH = 64
_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Scalar and Swagger UI load their bundles, styles, fonts and favicon from CDNs and bootstrap inline.
DOCS_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' data: https://cdn.jsdelivr.net https://fonts.gstatic.com https://fonts.scalar.com",
        "img-src 'self' data: https://cdn.jsdelivr.net",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: tuple[Header, ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()"),
)
HSTS: Header = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

# The machine-readable documents under the docs path are data, not pages: they keep the strict policy.
_SCHEMA_DOCUMENTS = (".json", ".yaml", ".yml")


class EdgeMiddleware:
    """Pure ASGI: adds the precomputed headers to `http.response.start` and binds the request id to the logs."""

    __slots__ = ("_api", "_api_tls", "_docs", "_docs_path", "_docs_tls", "_trusted_proxies", "app")

    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted_proxies: Sequence[IPv4Network | IPv6Network] = (),
        docs_path: str = "/schema",
    ) -> None:
        self.app = app
        self._trusted_proxies = tuple(trusted_proxies)
        self._docs_path = docs_path.rstrip("/")
        api = (*SECURITY_HEADERS, (b"content-security-policy", API_CSP.encode()))
        docs = (*SECURITY_HEADERS, (b"content-security-policy", DOCS_CSP.encode()))
        self._api, self._api_tls = api, (*api, HSTS)
        self._docs, self._docs_tls = docs, (*docs, HSTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = forwarded_proto = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                incoming = value
            elif name == _FORWARDED_PROTO_HEADER:
                forwarded_proto = value
        current = incoming.decode() if incoming and _VALID_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
        tls = scope["scheme"] == "https" or self._forwarded_over_tls(scope, forwarded_proto)
        path = scope["path"]
        if path.startswith(self._docs_path) and not path.endswith(_SCHEMA_DOCUMENTS):
            extra = self._docs_tls if tls else self._docs
        else:
            extra = self._api_tls if tls else self._api
        id_header = (REQUEST_ID_HEADER, current.encode())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A copy: a replayed (cached) message must not collect headers twice.
                message = {**message, "headers": [*message.get("headers", ()), *extra, id_header]}
            await send(message)

        token = request_id.set(current)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id.reset(token)

    def _forwarded_over_tls(self, scope: Scope, forwarded_proto: bytes | None) -> bool:
        """Believe X-Forwarded-Proto only from a trusted proxy; its first value is the client's own scheme."""
        if forwarded_proto is None or forwarded_proto.split(b",", 1)[0].strip().lower() != b"https":
            return False
        return is_trusted_proxy(_peer(scope), self._trusted_proxies)


def is_trusted_proxy(address: str | None, trusted_proxies: Sequence[IPv4Network | IPv6Network]) -> bool:
    """Whether `address` is in TRUSTED_PROXIES, whose forwarding headers are believed (the one place that decides)."""
    if not address or not trusted_proxies:
        return False
    try:
        ip = ip_address(address)
    except ValueError:  # a Unix socket or a test client's name
        return False
    return any(ip in network for network in trusted_proxies)


def client_address(scope: Scope, trusted_proxies: Sequence[IPv4Network | IPv6Network]) -> str:
    """The client's IP: the peer's, or, when the peer is a trusted proxy, the nearest X-Forwarded-For hop that is not
    one (read from the right: the hops to the left of it were written by the client and prove nothing)."""
    peer = _peer(scope) or "unknown"
    if not is_trusted_proxy(peer, trusted_proxies):
        return peer
    forwarded = b",".join(value for name, value in scope["headers"] if name == _FORWARDED_FOR_HEADER)
    hops = [hop.strip() for hop in forwarded.decode("latin-1").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted_proxy(hop, trusted_proxies):
            return hop[:_MAX_ADDRESS_LENGTH]
    return hops[0][:_MAX_ADDRESS_LENGTH] if hops else peer


def _peer(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


# PostgreSQL text cannot hold U+0000: such input would fail in the database, so it is refused up front (400).
_NUL_IN_QUERY = (b"%00", b"\x00")
_NUL_IN_JSON = (b"\\u0000", b"\x00")
_LONGEST_NUL = max(len(marker) for marker in _NUL_IN_JSON) - 1  # bytes a marker may spread over two chunks
_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_multipart(scope: Scope) -> bool:
    return any(name == b"content-type" and value.startswith(b"multipart/") for name, value in scope["headers"])


class NulCharacterGuard(ASGIMiddleware):
    """Refuse a NUL character in the path, the query string or the body before any handler sees it."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if "\x00" in scope["path"] or any(marker in scope["query_string"] for marker in _NUL_IN_QUERY):
            raise ValidationFailed.single("query", "nul_character")
        if scope.get("method") in _WITHOUT_BODY or _is_multipart(scope):
            # The hot reads have no body; a file's bytes may hold NULs (its text fields are checked by their handler).
            await next_app(scope, receive, send)
            return
        tail = b""

        async def checked_receive() -> ReceiveMessage:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                seen = tail + message.get("body", b"")
                if any(marker in seen for marker in _NUL_IN_JSON):
                    raise ValidationFailed.single("body", "nul_character")
                tail = seen[-_LONGEST_NUL:]
            return message

        await next_app(scope, checked_receive, send)
