"""Who the client is, for rate limits: the peer, or behind trusted proxies the nearest X-Forwarded-For hop they did
not write themselves."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest

from app.api.middleware import client_address

TRUSTED = (ip_network("10.0.0.0/8"), ip_network("fd00::/8"))


def scope(peer: str | None, *forwarded_for: str) -> Any:
    return {
        "type": "http",
        "client": (peer, 40000) if peer else None,
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded_for],
    }


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("203.0.113.5", (), "203.0.113.5"),
        ("203.0.113.5", ("198.51.100.1",), "203.0.113.5"),  # not a proxy of ours: the header is the client's word
        ("10.0.0.7", (), "10.0.0.7"),
        ("10.0.0.7", ("198.51.100.1",), "198.51.100.1"),
        ("10.0.0.7", ("192.0.2.66, 198.51.100.1",), "198.51.100.1"),  # the left hop was written by the client
        ("10.0.0.7", ("198.51.100.1, 10.0.0.8",), "198.51.100.1"),  # two proxies of ours
        ("10.0.0.7", ("192.0.2.66", "198.51.100.1"), "198.51.100.1"),  # the header sent twice: in order
        ("10.0.0.7", ("10.0.0.9, 10.0.0.8",), "10.0.0.9"),  # only proxies: the farthest
        ("fd00::1", ("2001:db8::5",), "2001:db8::5"),
        ("testclient", ("198.51.100.1",), "testclient"),  # not an IP address: never a trusted proxy
        (None, ("198.51.100.1",), "unknown"),
    ],
)
def test_the_client_address(peer: str | None, forwarded_for: tuple[str, ...], client: str) -> None:
    assert client_address(scope(peer, *forwarded_for), TRUSTED) == client


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert client_address(scope("10.0.0.7", "198.51.100.1"), ()) == "10.0.0.7"
