"""Jobs plumbing: a job deferred by a request commits with that request's writes, or not at all;
the real Procrastinate worker runs it."""

from __future__ import annotations

import email
import email.policy
from email.message import Message
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain import jobs
from tests.support.factories import Factory
from tests.support.worker import run_jobs

STRONG = "Reflorestar-2026!"


@pytest.mark.anyio
async def test_a_job_deferred_in_a_committed_transaction_is_queued(settings: Settings, factory: Factory) -> None:
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            await session.execute(text("UPDATE users SET first_name = 'x' WHERE false"))
            job_id = await jobs.defer_job(session, jobs.SEND_WELCOME_EMAIL, user_id="u-1")
        assert job_id is not None
    finally:
        await engine.dispose()
    row = factory.execute(
        "SELECT task_name, queue_name, status, args FROM procrastinate_jobs WHERE id = :id", id=job_id
    ).one()
    assert (row.task_name, row.queue_name, row.status, row.args) == (
        "send_welcome_email",
        "emails",
        "todo",
        {"user_id": "u-1"},
    )


@pytest.mark.anyio
async def test_a_job_deferred_in_a_rolled_back_transaction_disappears_with_it(
    settings: Settings, factory: Factory
) -> None:
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session:
            await session.begin()
            await jobs.defer_job(session, jobs.SEND_WELCOME_EMAIL, user_id="u-2")
            assert (await session.scalar(text("SELECT count(*) FROM procrastinate_jobs"))) == 1
            await session.rollback()
    finally:
        await engine.dispose()
    assert factory.count("procrastinate_jobs") == 0


@pytest.mark.anyio
async def test_a_queueing_lock_skips_a_pointless_duplicate_without_breaking_the_transaction(
    settings: Settings, factory: Factory
) -> None:
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            first = await jobs.defer_job(session, jobs.SEND_WELCOME_EMAIL, queueing_lock="welcome:u-3", user_id="u-3")
            second = await jobs.defer_job(session, jobs.SEND_WELCOME_EMAIL, queueing_lock="welcome:u-3", user_id="u-3")
            assert first is not None and second is None
            # The transaction is still usable after the skipped duplicate.
            await session.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert factory.count("procrastinate_jobs") == 1


def test_a_request_that_fails_after_deferring_leaves_no_job(client: TestClient[Litestar], factory: Factory) -> None:
    factory.user("maria")
    # The email is free but the username is taken: the registration fails as a whole.
    response = client.post(
        "/api/users/register/",
        json={"username": "MARIA", "email": "new@example.org", "password": STRONG, "password_confirm": STRONG},
    )
    assert response.status_code == 400
    assert factory.count("procrastinate_jobs") == 0
    assert factory.count("users") == 1


def _parts(message: Message) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_type() in {"text/plain", "text/html"}:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            parts[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return parts


@pytest.mark.anyio
async def test_the_worker_writes_the_welcome_email_to_the_outbox_in_portuguese(
    app: Litestar, settings: Settings, factory: Factory
) -> None:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app) as client:
        response = await client.post(
            "/api/users/register/",
            json={
                "username": "maria",
                "email": "maria@example.org",
                "password": STRONG,
                "password_confirm": STRONG,
                "first_name": "Maria",
            },
        )
    assert response.status_code == 201
    await run_jobs(settings)
    files = list(Path(settings.outbox_dir).glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "Maria <maria@example.org>"
    assert message["Subject"] == "Bem-vindo(a) ao Mutirões!"
    parts = _parts(message)
    assert "Olá, Maria!" in parts["text/plain"]
    assert "<h1" in parts["text/html"] and "Olá, Maria!" in parts["text/html"]
    assert factory.scalar("SELECT status FROM procrastinate_jobs") == "succeeded"
    # Running the job again (a retry) leaves one message, not two.
    factory.execute("UPDATE procrastinate_jobs SET status = 'todo'")
    await run_jobs(settings)
    assert len(list(Path(settings.outbox_dir).glob("*.eml"))) == 1


@pytest.mark.anyio
async def test_a_user_who_registered_in_english_gets_the_welcome_email_in_english(
    app: Litestar, settings: Settings
) -> None:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app) as client:
        response = await client.post(
            "/api/users/register/",
            json={"username": "john", "email": "john@example.org", "password": STRONG, "password_confirm": STRONG},
            headers={"Accept-Language": "en-GB,en;q=0.8"},
        )
    assert response.status_code == 201
    await run_jobs(settings)
    message = email.message_from_bytes(
        next(Path(settings.outbox_dir).glob("*.eml")).read_bytes(), policy=email.policy.default
    )
    assert message["Subject"] == "Welcome to Mutirões!"
    assert "Hello, john!" in _parts(message)["text/plain"]
