"""Delivering an email: through an SMTP server when one is configured, else to the outbox folder.

Every SMTP exchange goes through one circuit breaker per process: after 5 failures in a row it opens,
and for 60 s a delivery fails at once without touching the network (the job is retried later); then
one trial delivery decides whether it closes again.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Protocol

import aiosmtplib
import pybreaker

from app.config.settings import Settings
from app.domain.notifications.email import Email, Outbox, to_mime

SMTP_BREAKER = pybreaker.CircuitBreaker(
    fail_max=5,
    reset_timeout=60,
    name="smtp",
    # The server answered and refused the addressee: SMTP itself is healthy.
    exclude=[aiosmtplib.SMTPRecipientsRefused],
)


class Mailer(Protocol):
    async def deliver(self, email: Email, *, sender: str) -> None: ...


class OutboxMailer:
    """Writes each email as an `.eml` file (no SMTP server configured)."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def deliver(self, email: Email, *, sender: str) -> None:
        self.outbox.deliver(email, sender=sender)


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

    async def deliver(self, email: Email, *, sender: str) -> None:
        """Raise `pybreaker.CircuitBreakerError` while the breaker is open, or the SMTP error."""
        message = to_mime(email, sender=sender)
        # `calling()` checks the state on entry and records the outcome on exit; pybreaker's own
        # `call_async` needs Tornado.
        with self.breaker.calling():
            await aiosmtplib.send(
                message,
                sender=parseaddr(sender)[1],  # the envelope takes the bare address, not "Name <address>"
                recipients=[email.to_address],
                hostname=self.host,
                port=self.port,
                username=self.user,
                password=self.password,
                timeout=self.timeout,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
            )


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
