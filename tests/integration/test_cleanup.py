"""The nightly clean-up (SPEC §4) at 02:00 APP_TIMEZONE, and Procrastinate's housekeeping: stalled jobs of
dead workers are put back, old finished jobs are pruned. History is never erased."""

from __future__ import annotations

import datetime as dt

import pytest

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain import jobs
from app.domain.maintenance.cleanup import CleanupSummary, cleanup_expired
from app.domain.time import utcnow
from app.tasks.schedules import due
from tests.support.factories import Factory
from tests.support.notifications import add_participants, defer
from tests.support.worker import run_jobs

HOURS = dt.timedelta(hours=1)
DAYS = dt.timedelta(days=1)


def statuses(factory: Factory, event_id: int) -> dict[str, int]:
    rows = factory.execute(
        "SELECT status, count(*) AS n FROM event_participants WHERE event_id = :id GROUP BY status", id=event_id
    ).all()
    return {row.status: row.n for row in rows}


def event_row(factory: Factory, event_id: int) -> tuple[str, int, int, int]:
    row = factory.execute(
        "SELECT status, participants_count, waitlist_count, pending_count FROM events WHERE id = :id", id=event_id
    ).one()
    return (row.status, row.participants_count, row.waitlist_count, row.pending_count)


def comment(factory: Factory, event_id: int, user_id: int) -> None:
    factory.execute(
        "INSERT INTO event_comments (event_id, user_id, content, created_at, updated_at) "
        "VALUES (:event, :user, 'Que mutirão!', now(), now())",
        event=event_id,
        user=user_id,
    )


async def clean_up(settings: Settings) -> CleanupSummary:
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            return await cleanup_expired(session, now=utcnow())
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_ended_events_become_completed_and_their_waitlists_close_while_confirmed_history_stays(
    settings: Settings, factory: Factory
) -> None:
    organizer = factory.user("org")
    ended = factory.event(organizer, starts_in=-5 * HOURS, hours=3)
    confirmed, waiting, pending, left = (factory.user(name) for name in ("confirmed", "waiting", "pending", "left"))
    add_participants(factory, ended, [confirmed])
    add_participants(factory, ended, [waiting], "waitlisted")
    add_participants(factory, ended, [pending], "pending")
    add_participants(factory, ended, [left], "cancelled")
    comment(factory, ended, confirmed)
    ongoing = factory.event(organizer, starts_in=-1 * HOURS, hours=3)
    add_participants(factory, ongoing, [factory.user("late")], "waitlisted")
    upcoming = factory.event(organizer, starts_in=2 * DAYS)
    cancelled = factory.event(organizer, starts_in=-5 * HOURS, hours=3, status="cancelled")

    defer(factory, jobs.CLEANUP_EXPIRED_EVENTS.task_name, jobs.CLEANUP_EXPIRED_EVENTS.queue)
    await run_jobs(settings)

    assert factory.scalar("SELECT status FROM procrastinate_jobs") == "succeeded"
    assert event_row(factory, ended) == ("completed", 1, 0, 0)
    assert statuses(factory, ended) == {"confirmed": 1, "cancelled": 3}  # closed, not deleted
    assert factory.count("event_comments", "event_id = :id", id=ended) == 1
    assert event_row(factory, ongoing) == ("published", 0, 1, 0)
    assert statuses(factory, ongoing) == {"waitlisted": 1}
    assert event_row(factory, upcoming)[0] == "published"
    assert event_row(factory, cancelled)[0] == "cancelled"


@pytest.mark.anyio
async def test_drafts_that_started_over_30_days_ago_are_deleted_unless_they_hold_history(
    settings: Settings, factory: Factory
) -> None:
    organizer = factory.user("org")
    stale = factory.event(organizer, status="draft", starts_in=-31 * DAYS)
    recent = factory.event(organizer, status="draft", starts_in=-29 * DAYS)
    discussed = factory.event(organizer, status="draft", starts_in=-40 * DAYS)
    comment(factory, discussed, organizer)
    old_published = factory.event(organizer, starts_in=-40 * DAYS)

    summary = await clean_up(settings)

    assert summary.drafts_deleted == 1
    assert factory.count("events", "id = :id", id=stale) == 0
    assert factory.count("events", "id IN (:a, :b)", a=recent, b=discussed) == 2
    assert event_row(factory, old_published)[0] == "completed"


@pytest.mark.anyio
async def test_expired_refresh_token_records_are_purged_and_live_ones_kept(
    settings: Settings, factory: Factory
) -> None:
    user = factory.user("ana")
    for expires in (-1 * DAYS, -1 * HOURS, 6 * DAYS):
        factory.execute(
            "INSERT INTO refresh_tokens (id, user_id, family_id, issued_at, expires_at) "
            "VALUES (gen_random_uuid(), :user, gen_random_uuid(), now() - interval '7 days', :expires)",
            user=user,
            expires=utcnow() + expires,
        )
    summary = await clean_up(settings)
    assert summary.refresh_tokens_purged == 2
    assert factory.count("refresh_tokens") == 1
    assert factory.count("refresh_tokens", "expires_at > now()") == 1


@pytest.mark.anyio
async def test_a_second_clean_up_changes_nothing(settings: Settings, factory: Factory) -> None:
    organizer = factory.user("org")
    ended = factory.event(organizer, starts_in=-5 * HOURS, hours=3)
    add_participants(factory, ended, [factory.user("w")], "waitlisted")
    factory.event(organizer, status="draft", starts_in=-31 * DAYS)
    first = await clean_up(settings)
    assert (first.events_completed, first.participations_closed, first.drafts_deleted) == (1, 1, 1)
    second = await clean_up(settings)
    assert second == CleanupSummary(
        events_completed=0,
        participations_closed=0,
        drafts_deleted=0,
        refresh_tokens_purged=0,
        notice_records_purged=0,
    )


def test_the_clean_up_is_due_at_two_in_the_morning_app_timezone_not_utc() -> None:
    cleanup = jobs.CLEANUP_EXPIRED_EVENTS

    def due_jobs(moment: dt.datetime, timezone: str) -> list[str]:
        return [schedule.job.task_name for schedule in due(int(moment.timestamp()), timezone)]

    # 02:00 in São Paulo (UTC-3) is 05:00 UTC; 02:00 UTC is 23:00 the day before there.
    assert cleanup.task_name in due_jobs(dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC), "America/Sao_Paulo")
    assert cleanup.task_name not in due_jobs(dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC), "America/Sao_Paulo")
    assert cleanup.task_name not in due_jobs(dt.datetime(2026, 12, 3, 5, 15, tzinfo=dt.UTC), "America/Sao_Paulo")
    # Tokyo (UTC+9): 02:00 there is 17:00 UTC the day before.
    assert cleanup.task_name in due_jobs(dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC), "Asia/Tokyo")


@pytest.mark.anyio
async def test_the_schedule_tick_at_two_local_time_runs_the_clean_up_through_the_worker(
    settings: Settings, factory: Factory
) -> None:
    ended = factory.event(factory.user("org"), starts_in=-5 * HOURS, hours=3)
    two_am_sao_paulo = dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC)
    assert settings.app_timezone == "America/Sao_Paulo"
    defer(factory, "run_local_schedules", "schedules", timestamp=int(two_am_sao_paulo.timestamp()))
    await run_jobs(settings)
    row = factory.execute(
        "SELECT status, queue_name FROM procrastinate_jobs WHERE task_name = :t", t="cleanup_expired_events"
    ).one()
    assert (row.status, row.queue_name) == ("succeeded", "maintenance")
    assert event_row(factory, ended)[0] == "completed"


# --- Procrastinate's housekeeping ---


def worker_row(factory: Factory, *, last_beat_ago: dt.timedelta) -> int:
    worker_id: int = factory.scalar(
        "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - :ago) RETURNING id", ago=last_beat_ago
    )
    return worker_id


def running_job(factory: Factory, worker_id: int) -> int:
    job_id = defer(factory, "send_event_reminders", "emails", event_id="00000000-0000-0000-0000-000000000000")
    factory.execute(
        "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :id", w=worker_id, id=job_id
    )
    return job_id


@pytest.mark.anyio
async def test_a_job_left_running_by_a_dead_worker_is_put_back_and_a_live_workers_job_is_left_alone(
    settings: Settings, factory: Factory
) -> None:
    orphan = running_job(factory, worker_row(factory, last_beat_ago=2 * dt.timedelta(minutes=1)))
    busy = running_job(factory, worker_row(factory, last_beat_ago=dt.timedelta(seconds=2)))
    defer(factory, jobs.RETRY_STALLED_JOBS.task_name, jobs.RETRY_STALLED_JOBS.queue)
    await run_jobs(settings, queues=["maintenance"])
    job = factory.execute("SELECT status, attempts FROM procrastinate_jobs WHERE id = :id", id=orphan).one()
    assert (job.status, job.attempts) == ("todo", 1)
    assert factory.scalar("SELECT status FROM procrastinate_jobs WHERE id = :id", id=busy) == "doing"


def finished_job(factory: Factory, status: str, ago: dt.timedelta) -> int:
    job_id = defer(factory, "send_welcome_email", "emails", user_id="00000000-0000-0000-0000-000000000000")
    factory.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = :id", id=job_id)
    factory.execute(
        "UPDATE procrastinate_jobs SET status = CAST(:s AS procrastinate_job_status) WHERE id = :id",
        s=status,
        id=job_id,
    )
    factory.execute("UPDATE procrastinate_events SET at = now() - :ago WHERE job_id = :id", ago=ago, id=job_id)
    return job_id


@pytest.mark.anyio
async def test_finished_jobs_are_pruned_after_a_week_and_failed_ones_after_a_month(
    settings: Settings, factory: Factory
) -> None:
    kept = {
        finished_job(factory, "succeeded", 2 * DAYS),
        finished_job(factory, "failed", 8 * DAYS),
    }
    finished_job(factory, "succeeded", 8 * DAYS)
    finished_job(factory, "failed", 31 * DAYS)
    prune = defer(factory, jobs.PRUNE_FINISHED_JOBS.task_name, jobs.PRUNE_FINISHED_JOBS.queue)
    await run_jobs(settings, queues=["maintenance"])
    assert set(factory.execute("SELECT id FROM procrastinate_jobs").scalars()) == {*kept, prune}
