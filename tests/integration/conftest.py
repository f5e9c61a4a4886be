"""Fixtures the integration tests share: a real SMTP server, a real Redis, and the SMTP breaker reset."""

from __future__ import annotations

from collections.abc import Iterator

import pybreaker
import pytest

from app.domain.notifications.delivery import SMTP_BREAKER
from tests.support.redis import RedisServer, redis_server
from tests.support.smtp import SmtpSink


@pytest.fixture(autouse=True)
def smtp_breaker() -> Iterator[pybreaker.CircuitBreaker]:
    """The breaker lives as long as the process: each test starts and leaves it closed, with no failures."""
    SMTP_BREAKER.close()
    yield SMTP_BREAKER
    SMTP_BREAKER.close()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """An SMTP server (aiosmtpd) on a free port, for this test only."""
    with SmtpSink() as running:
        yield running


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A redis-server of the test's own (skipped with a reason when none can start)."""
    with redis_server() as server:
        yield server
