"""Reminders (SPEC §4): each confirmed participant of a published event starting within 24 h gets exactly one,
with two workers, with the hourly job overlapping itself, and when a worker is killed mid-batch."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import pytest

from app.config.settings import Settings
from app.domain.notifications import reminders
from tests.support.factories import Factory
from tests.support.notifications import add_participants, defer, opt_out, recipients, text_of
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink
from tests.support.worker import run_jobs

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def settings(database_url: str, tmp_path: Path, sink: SmtpSink) -> Settings:
    return make_settings(database_url, tmp_path, smtp_host=sink.host, smtp_port=sink.port, smtp_security="none")


def volunteers(factory: Factory, prefix: str, count: int) -> list[int]:
    return [factory.user(f"{prefix}{n:03d}") for n in range(count)]


def addresses(prefix: str, count: int) -> set[str]:
    return {f"{prefix}{n:03d}@example.org" for n in range(count)}


def slow_down(sink: SmtpSink, delay: float) -> SmtpSink:
    """The same server, now taking `delay` seconds to accept each message."""
    sink.stop()
    sink.delay = delay
    sink.start()
    return sink


def defer_bulk(factory: Factory, timestamp: int = 0) -> int:
    return defer(factory, "send_bulk_event_reminders", "emails", timestamp=timestamp or int(time.time()))


@pytest.mark.anyio
async def test_each_confirmed_participant_of_an_event_starting_within_24_hours_gets_one_reminder(
    settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    soon = factory.event(
        organizer, title="Plantio no parque", starts_in=dt.timedelta(hours=12), timezone="America/Recife"
    )
    add_participants(factory, soon, volunteers(factory, "in", 3))
    quiet = factory.user("quiet")
    opt_out(factory, quiet, "email_event_reminders")
    add_participants(factory, soon, [quiet])
    add_participants(factory, soon, [factory.user("waiting")], "waitlisted")
    add_participants(factory, soon, [factory.user("pending")], "pending")
    add_participants(factory, soon, [factory.user("left")], "cancelled")
    # Not due: too far ahead, already started, a draft, a cancelled event.
    for options in (
        {"starts_in": dt.timedelta(hours=30)},
        {"starts_in": dt.timedelta(hours=-1)},
        {"starts_in": dt.timedelta(hours=12), "status": "draft"},
        {"starts_in": dt.timedelta(hours=12), "status": "cancelled"},
    ):
        add_participants(factory, factory.event(organizer, **options), [factory.user()])

    defer_bulk(factory)
    await run_jobs(settings)

    assert recipients(sink) == dict.fromkeys(addresses("in", 3), 1)
    message = sink.messages[0]
    assert message["Subject"] == "Lembrete: Plantio no parque começa em breve"
    assert message["List-Unsubscribe"] and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    start = factory.scalar("SELECT start_date FROM events WHERE id = :id", id=soon).astimezone(
        ZoneInfo("America/Recife")
    )
    # "das 09:00 às 12:00", or "09:00, até …" when the event ends the next day (it starts 12 h from now).
    assert f"{start:%H:%M}" in text_of(message) and "(horário de Recife)" in text_of(message)
    assert factory.count("event_reminders") == 3

    # The next hour: nobody is reminded twice, and no job is queued for an event with nobody left to remind.
    defer_bulk(factory, int(time.time()) + 3600)
    await run_jobs(settings)
    assert len(sink.received) == 3
    assert factory.count("procrastinate_jobs", "task_name = 'send_event_reminders'") == 1


@pytest.mark.anyio
async def test_two_workers_running_two_jobs_for_one_event_send_each_reminder_once(
    settings: Settings, sink: SmtpSink, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders, "CLAIM_BATCH", 3)  # many small claims, so the two jobs interleave
    event_id = factory.event(factory.user("org"), starts_in=dt.timedelta(hours=6))
    add_participants(factory, event_id, volunteers(factory, "v", 30))
    for _ in range(2):  # no queueing lock: both run at once
        defer(factory, "send_event_reminders", "emails", event_id=event_id)
    slow_down(sink, 0.02)
    await run_jobs(settings, workers=2)
    assert recipients(sink) == dict.fromkeys(addresses("v", 30), 1)
    assert factory.count("event_reminders") == 30
    assert set(factory.execute("SELECT status FROM procrastinate_jobs").scalars()) == {"succeeded"}


@pytest.mark.anyio
async def test_the_hourly_job_overlapping_itself_on_two_workers_still_sends_one_reminder_each(
    settings: Settings, sink: SmtpSink, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders, "CLAIM_BATCH", 4)
    organizer = factory.user("org")
    for n in range(3):
        event_id = factory.event(organizer, starts_in=dt.timedelta(hours=2 + n))
        add_participants(factory, event_id, volunteers(factory, f"e{n}v", 8))
    now = int(time.time())
    defer_bulk(factory, now - 3600)  # last hour's run, still waiting
    defer_bulk(factory, now)
    slow_down(sink, 0.01)
    await run_jobs(settings, workers=2)
    assert set(factory.execute("SELECT status FROM procrastinate_jobs").scalars()) == {"succeeded"}
    expected = addresses("e0v", 8) | addresses("e1v", 8) | addresses("e2v", 8)
    assert recipients(sink) == dict.fromkeys(expected, 1)
    assert factory.count("event_reminders") == 24


def worker_process(settings: Settings, data_dir: Path) -> subprocess.Popen[bytes]:
    """A real worker, as operators run it: the `procrastinate` command, in its own process."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env.update(
        DATABASE_URL=settings.psycopg_conninfo,
        APP_ENV="test",
        DATA_DIR=str(data_dir),
        JWT_SECRET=settings.jwt_secret,
        SMTP_HOST=settings.smtp_host or "",
        SMTP_PORT=str(settings.smtp_port),
        SMTP_SECURITY="none",
    )
    with (data_dir / "worker.log").open("wb") as log:
        return subprocess.Popen(
            [BIN / "procrastinate", "--app=app.tasks.queue.app", "worker", "--queues=emails", "--concurrency=1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_worker_killed_mid_batch_leaves_a_job_that_is_rescued_and_every_reminder_arrives_at_most_one_twice(
    settings: Settings, sink: SmtpSink, factory: Factory, tmp_path: Path
) -> None:
    event_id = factory.event(factory.user("org"), starts_in=dt.timedelta(hours=20), max_participants=100)
    add_participants(factory, event_id, volunteers(factory, "v", 40))
    defer(factory, "send_event_reminders", "emails", event_id=event_id)
    slow = slow_down(sink, 0.1)
    worker = worker_process(settings, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while len(slow.received) < 8:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker sent nothing"
            await anyio.sleep(0.05)
        worker.send_signal(signal.SIGKILL)  # no goodbye: mid-batch, mid-SMTP conversation perhaps
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    await anyio.sleep(0.3)  # a message the server was still accepting lands now
    sent_before = len(slow.received)
    assert 8 <= sent_before < 40
    job = factory.execute("SELECT status FROM procrastinate_jobs WHERE task_name = 'send_event_reminders'").one()
    assert job.status == "doing"  # left running by a dead worker
    assert factory.count("event_reminders") in {sent_before - 1, sent_before}

    # 30 s without a heartbeat make a worker dead; the dead one's last beat is made that old.
    factory.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 minute'")
    defer(factory, "retry_stalled_jobs", "maintenance")
    await run_jobs(settings, queues=["maintenance", "emails"])

    everyone = addresses("v", 40)
    counts = recipients(slow)
    assert set(counts) == everyone
    assert sum(counts.values()) - len(everyone) <= 1  # at most the one message the kill fell between
    assert factory.count("event_reminders") == 40
    rescued = factory.execute(
        "SELECT status, attempts FROM procrastinate_jobs WHERE task_name = 'send_event_reminders' ORDER BY id"
    ).first()
    # Two runs: the one killed, counted when it was put back, and the one that finished.
    assert rescued is not None and (rescued.status, rescued.attempts) == ("succeeded", 2)


@pytest.mark.anyio
async def test_without_smtp_host_reminders_go_to_the_outbox(
    database_url: str, tmp_path: Path, factory: Factory
) -> None:
    settings = make_settings(database_url, tmp_path)
    event_id = factory.event(factory.user("org"), starts_in=dt.timedelta(hours=3))
    add_participants(factory, event_id, volunteers(factory, "v", 2))
    defer(factory, "send_event_reminders", "emails", event_id=event_id)
    await run_jobs(settings)
    assert len(list(settings.outbox_dir.glob("reminder-*.eml"))) == 2
    assert factory.count("event_reminders") == 2
