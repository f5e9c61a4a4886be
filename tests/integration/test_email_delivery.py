"""Real email delivery: the worker sends through a real SMTP server (aiosmtpd), retries while SMTP is
down, and a circuit breaker stops hammering a server that keeps failing."""

from __future__ import annotations

import datetime as dt
import socket
import time
from pathlib import Path

import anyio
import pybreaker
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from procrastinate.jobs import Job

from app.api.app import create_app
from app.config.settings import Settings
from app.domain.notifications.delivery import SMTP_BREAKER, OutboxMailer, SmtpMailer, mailer_for
from app.domain.notifications.email import Email
from app.tasks.accounts import EMAIL_RETRY
from tests.support.factories import Factory
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink, free_port
from tests.support.worker import run_jobs

STRONG = "Reflorestar-2026!"
SENDER = "Mutirões <nao-responda@mutiroes.org>"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, sink: SmtpSink) -> Settings:
    return make_settings(database_url, tmp_path, smtp_host=sink.host, smtp_port=sink.port, smtp_security="none")


def register(client: TestClient[Litestar], username: str, address: str) -> None:
    response = client.post(
        "/api/users/register/",
        json={
            "username": username,
            "email": address,
            "password": STRONG,
            "password_confirm": STRONG,
            "first_name": username.capitalize(),
        },
    )
    assert response.status_code == 201, response.text


def a_message(key: str = "test-1") -> Email:
    return Email(to_address="ana@example.org", to_name="Ana", subject="Olá", text="Olá!", html="<p>Olá!</p>", key=key)


def job_row(factory: Factory) -> dict[str, object]:
    row = factory.execute("SELECT status, attempts, scheduled_at FROM procrastinate_jobs").one()
    return dict(row._mapping)


@pytest.mark.anyio
async def test_the_worker_sends_the_welcome_email_through_smtp_in_portuguese(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    register(client, "maria", "maria@example.org")
    await run_jobs(settings)
    assert len(sink.received) == 1
    received = sink.received[0]
    assert (received.mail_from, received.rcpt_tos) == ("nao-responda@mutiroes.org", ["maria@example.org"])
    message = received.message
    assert message["To"] == "Maria <maria@example.org>"
    assert message["From"] == SENDER
    assert message["Subject"] == "Bem-vindo(a) ao Mutirões!"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Olá, Maria!" in text.get_content()
    assert "<h1" in html.get_content() and "Olá, Maria!" in html.get_content()
    assert factory.scalar("SELECT status FROM procrastinate_jobs") == "succeeded"
    assert not settings.outbox_dir.exists() or not any(settings.outbox_dir.iterdir())


@pytest.mark.anyio
async def test_while_smtp_is_down_the_job_waits_for_a_retry_and_is_delivered_once_it_is_back(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    register(client, "maria", "maria@example.org")
    sink.stop()
    before = dt.datetime.now(dt.UTC)
    await run_jobs(settings)
    after = dt.datetime.now(dt.UTC)
    job = job_row(factory)
    assert (job["status"], job["attempts"]) == ("todo", 1)
    # The first retry comes 1 s after the failed attempt: the job is not due yet, the worker left it.
    scheduled_at = job["scheduled_at"]
    assert isinstance(scheduled_at, dt.datetime)
    assert before + dt.timedelta(seconds=1) <= scheduled_at <= after + dt.timedelta(seconds=1)
    assert sink.received == []

    sink.start()
    factory.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    await run_jobs(settings)
    assert [item.rcpt_tos for item in sink.received] == [["maria@example.org"]]
    assert factory.scalar("SELECT status FROM procrastinate_jobs") == "succeeded"
    await run_jobs(settings)
    assert len(sink.received) == 1


@pytest.mark.anyio
async def test_after_its_last_attempt_an_undeliverable_email_job_is_left_failed_for_operators(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    register(client, "maria", "maria@example.org")
    sink.stop()
    factory.execute("UPDATE procrastinate_jobs SET attempts = 9")  # nine runs already failed
    await run_jobs(settings)
    job = job_row(factory)
    assert (job["status"], job["attempts"]) == ("failed", 10)


def test_email_jobs_wait_1_2_4_seconds_and_longer_up_to_five_minutes_then_give_up_after_ten_runs() -> None:
    assert [EMAIL_RETRY.wait_after(attempts) for attempts in range(10)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]

    def decision_after(attempts: int) -> int | None:
        job = Job(id=1, queue="emails", lock=None, queueing_lock=None, task_name="x", attempts=attempts)
        decision = EMAIL_RETRY.get_retry_decision(exception=ConnectionError(), job=job)
        if decision is None:
            return None
        assert decision.retry_at is not None
        return round((decision.retry_at - dt.datetime.now(dt.UTC)).total_seconds())

    assert [decision_after(attempts) for attempts in (0, 1, 2, 8)] == [1, 2, 4, 256]
    assert decision_after(9) is None


@pytest.mark.anyio
async def test_the_breaker_opens_after_five_failures_in_a_row_and_then_fails_without_touching_the_network(
    client: TestClient[Litestar], smtp_breaker: pybreaker.CircuitBreaker
) -> None:
    assert client.get("/readiness/").json()["checks"]["smtp"]["status"] == "closed"
    port = free_port()  # nothing listens there: each attempt is refused
    mailer = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=2)
    for _ in range(4):
        with pytest.raises(OSError, match="Connect call failed"):
            await mailer.deliver(a_message(), sender=SENDER)
        assert smtp_breaker.current_state == "closed"
    with pytest.raises(pybreaker.CircuitBreakerError, match="threshold reached"):
        await mailer.deliver(a_message(), sender=SENDER)
    assert smtp_breaker.current_state == "open"

    # Now a server that accepts connections but never greets: a real attempt would hang until the timeout.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(("127.0.0.1", port))
        silent.listen()
        started = time.perf_counter()
        with pytest.raises(pybreaker.CircuitBreakerError, match="still open"):
            await mailer.deliver(a_message(), sender=SENDER)
        assert time.perf_counter() - started < 0.2
        silent.setblocking(False)
        with pytest.raises(BlockingIOError):
            silent.accept()  # no connection was ever made

    response = client.get("/readiness/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["smtp"]["status"] == "open"


@pytest.mark.anyio
async def test_a_job_meeting_the_open_breaker_is_retried_later_without_contacting_smtp(
    client: TestClient[Litestar],
    settings: Settings,
    sink: SmtpSink,
    factory: Factory,
    smtp_breaker: pybreaker.CircuitBreaker,
) -> None:
    register(client, "maria", "maria@example.org")
    smtp_breaker.open()
    await run_jobs(settings)
    job = job_row(factory)
    assert (job["status"], job["attempts"]) == ("todo", 1)
    assert sink.received == []


@pytest.mark.anyio
async def test_once_the_reset_timeout_has_passed_one_successful_delivery_closes_the_breaker(
    sink: SmtpSink, smtp_breaker: pybreaker.CircuitBreaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smtp_breaker, "reset_timeout", 0.1)  # 60 s in production
    smtp_breaker.open()
    await anyio.sleep(0.2)
    mailer = SmtpMailer(host=sink.host, port=sink.port, security="none")
    await mailer.deliver(a_message(), sender=SENDER)
    assert smtp_breaker.current_state == "closed"
    assert len(sink.received) == 1


def test_without_smtp_host_emails_go_to_the_outbox_and_readiness_says_smtp_is_not_configured(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path)
    assert isinstance(mailer_for(settings), OutboxMailer)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readiness/")
    assert response.status_code == 200
    assert response.json()["checks"]["smtp"]["status"] == "not configured"


def test_with_smtp_host_emails_go_through_smtp_with_the_configured_security(tmp_path: Path) -> None:
    settings = make_settings(
        "postgresql://nobody@127.0.0.1:1/unused", tmp_path, smtp_host="smtp.example.org", smtp_security="tls"
    )
    mailer = mailer_for(settings)
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.security, mailer.breaker) == (
        "smtp.example.org",
        587,
        "tls",
        SMTP_BREAKER,
    )
