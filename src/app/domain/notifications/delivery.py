"""Delivering an email: through an SMTP server when one is configured, else to the outbox folder.

Every SMTP exchange goes through one circuit breaker per process: after 5 failures in a row it opens,
and for 60 s a delivery fails at once without touching the network (the job is retried later); then
one trial delivery decides whether it closes again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from email.utils import parseaddr
from typing import Any, Protocol

import aiosmtplib
import pybreaker

from app.config.settings import Settings
from app.domain.notifications.email import Email, Outbox, to_bytes

logger = logging.getLogger(__name__)

SMTP_BREAKER = pybreaker.CircuitBreaker(
    fail_max=5,
    reset_timeout=60,
    name="smtp",
    # The server answered and refused the addressee: SMTP itself is healthy.
    exclude=[aiosmtplib.SMTPRecipientsRefused],
)


class Postman(Protocol):
    """Delivers several emails in a row, over one SMTP connection when there is a server."""

    async def deliver(self, email: Email) -> None: ...


class Mailer(Protocol):
    async def deliver(self, email: Email, *, sender: str) -> None: ...

    def session(self, *, sender: str) -> AbstractAsyncContextManager[Postman]: ...


class OutboxMailer:
    """Writes each email as an `.eml` file (no SMTP server configured)."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def deliver(self, email: Email, *, sender: str) -> None:
        self.outbox.deliver(email, sender=sender)

    @contextlib.asynccontextmanager
    async def session(self, *, sender: str) -> AsyncIterator[Postman]:
        yield _OutboxPostman(self.outbox, sender)


class _OutboxPostman:
    def __init__(self, outbox: Outbox, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender

    async def deliver(self, email: Email) -> None:
        self.outbox.deliver(email, sender=self.sender)


class SmtpMailer:
    """Sends each email through an SMTP server, one connection per message, behind the breaker."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str = "starttls",
        user: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        breaker: pybreaker.CircuitBreaker = SMTP_BREAKER,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.user = user
        self.password = password
        self.timeout = timeout
        self.breaker = breaker

    def _connection(self) -> dict[str, Any]:
        """How to reach the server: the same for one message and for a session of several."""
        return {
            "hostname": self.host,
            "port": self.port,
            "username": self.user,
            "password": self.password,
            "timeout": self.timeout,
            "use_tls": self.security == "tls",
            "start_tls": self.security == "starttls",
        }

    async def deliver(self, email: Email, *, sender: str) -> None:
        """Raise `pybreaker.CircuitBreakerError` while the breaker is open, or the SMTP error."""
        message = to_bytes(email, sender=sender)
        # `calling()` checks the state on entry and records the outcome on exit; pybreaker's own
        # `call_async` needs Tornado.
        with self.breaker.calling():
            await aiosmtplib.send(
                message,
                sender=parseaddr(sender)[1],  # the envelope takes the bare address, not "Name <address>"
                recipients=[email.to_address],
                **self._connection(),
            )

    @contextlib.asynccontextmanager
    async def session(self, *, sender: str) -> AsyncIterator[Postman]:
        """One connection for several messages; connecting and each message go through the breaker."""
        client = aiosmtplib.SMTP(**self._connection())
        with self.breaker.calling():
            await client.connect()
        try:
            yield _SmtpPostman(client, self.breaker, sender)
        finally:
            # The messages are already accepted: a failing goodbye changes nothing.
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
            client.close()


class _SmtpPostman:
    def __init__(self, client: aiosmtplib.SMTP, breaker: pybreaker.CircuitBreaker, sender: str) -> None:
        self.client = client
        self.breaker = breaker
        self.sender = sender

    async def deliver(self, email: Email) -> None:
        with self.breaker.calling():
            await self.client.sendmail(
                parseaddr(self.sender)[1], [email.to_address], to_bytes(email, sender=self.sender)
            )


async def hand_over(postman: Postman, email: Email) -> bool:
    """Deliver one message; False when the server refused the address, its final answer (a retry would get the
    same), so the caller records it as done. Any other failure raises, and the job is retried."""
    try:
        await postman.deliver(email)
    except aiosmtplib.SMTPRecipientsRefused:
        logger.warning("the SMTP server refused %s (%s)", email.to_address, email.key)
        return False
    return True


def mailer_for(settings: Settings) -> Mailer:
    if settings.smtp_host is None:
        return OutboxMailer(Outbox(settings.outbox_dir))
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout_seconds,
    )


def smtp_status(settings: Settings) -> str:
    """The breaker's state as probes report it: closed, open, half-open, or not configured."""
    if settings.smtp_host is None:
        return "not configured"
    return SMTP_BREAKER.current_state
