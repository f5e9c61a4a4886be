"""Benchmark: the statistics chain for one report on an event with 1,000 checked-in participants.

    uv run python -m tests.load.statistics --database-url "$DATABASE_URL" [--participants 1000] [--concurrency 1]

On a migrated database (its own, like the other load scenarios): creates an ended event with N volunteers who
checked in, files the organizer's report through `ReportService` (the code the API runs), then runs the real
Procrastinate worker on the `statistics` queue until it is empty, and prints how long the chain took —
process_event_report_statistics, then update_user_statistics and check_and_award_badges for every attendee and
the organizer — and checks the outcome (every attendee credited and badged exactly once). Its rows are removed
before and after. Nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

import psycopg
from procrastinate import PsycopgConnector

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.impact.schemas import ReportWrite
from app.domain.impact.services import ReportService
from app.tasks.queue import app as queue
from app.tasks.resources import TaskResources
from tests.load.seed import LIMPEZA, libpq_url
from tests.support.settings import make_settings

PREFIX = "stats_bench_"


def clean(connection: psycopg.Connection) -> None:
    users = "(SELECT id FROM users WHERE username LIKE 'stats\\_bench\\_%')"
    # The badge emails the run queued (the benchmark's worker serves the statistics queue only).
    connection.execute(
        "DELETE FROM procrastinate_jobs WHERE task_name = 'send_event_notification_email' AND status = 'todo' "
        f"AND args->'user_ids'->>0 IN (SELECT CAST(id AS text) FROM users WHERE id IN {users})"
    )
    connection.execute(f"DELETE FROM events WHERE organizer_id IN {users}")
    connection.execute(f"DELETE FROM users WHERE id IN {users}")
    connection.execute(
        "DELETE FROM procrastinate_jobs WHERE queue_name = 'statistics' AND status IN ('todo', 'succeeded', 'failed')"
    )


def seed(connection: psycopg.Connection, participants: int) -> tuple[int, int]:
    """An organizer, `participants` volunteers, and a 3-hour event that ended yesterday, everyone checked in."""
    connection.execute(
        """
        INSERT INTO users (username, email, password_hash, first_name, last_name, is_staff, is_active, language,
                           created_at, updated_at)
        SELECT %(prefix)s || n, %(prefix)s || n || '@example.org', '!', 'Bench', '', false, true,
               'pt-BR', now(), now()
        FROM generate_series(0, %(n)s) AS n
        """,
        {"prefix": PREFIX, "n": participants},
    )
    connection.execute(
        """
        INSERT INTO user_profiles (user_id, phone, bio, avatar_url, city, state, zip_code, interests,
            notification_preferences, total_events_participated, total_hours_volunteered, is_public_profile,
            show_participation_history, created_at, updated_at)
        SELECT id, '', '', '', '', '', '', '{}', '{}', 0, 0, true, true, now(), now()
        FROM users WHERE username LIKE 'stats\\_bench\\_%'
        """
    )
    organizer = connection.execute("SELECT id FROM users WHERE username = %s", (PREFIX + "0",)).fetchone()
    assert organizer is not None
    event = connection.execute(
        """
        INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude, city,
            state, start_date, end_date, timezone, max_participants, min_age, status, is_public, requires_approval,
            required_tools, provided_tools, what_to_bring, cover_image_url, participants_count, waitlist_count,
            pending_count, search_text, created_at, updated_at)
        VALUES ('Bench: grande mutirão', '', %(category)s, %(organizer)s, '', -23.96, -46.33,
            'Santos', 'SP', now() - interval '1 day 3 hours', now() - interval '1 day', 'America/Sao_Paulo',
            %(n)s, 16, 'published', true, false, '', '', '', '', %(n)s, 0, 0, '', now(), now())
        RETURNING id
        """,
        {"category": LIMPEZA, "organizer": organizer[0], "n": participants},
    ).fetchone()
    assert event is not None
    connection.execute(
        """
        INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
            special_needs, experience_level, checked_in, check_in_time, joined_at, created_at, updated_at)
        SELECT %(event)s, id, 'confirmed', '', '', '', 'beginner', true, now() - interval '1 day',
               now() - interval '2 days', now(), now()
        FROM users WHERE username LIKE 'stats\\_bench\\_%%' AND id <> %(organizer)s
        """,
        {"event": event[0], "organizer": organizer[0]},
    )
    return organizer[0], event[0]


async def file_report(database_url: str, organizer_id: int, event_id: int, data_dir: Path) -> None:
    settings = make_settings(database_url, data_dir)
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            organizer = await session.get(User, organizer_id)
            assert organizer is not None
            await ReportService(session).file(event_id, ReportWrite(trash_collected_kg=2500), organizer)
    finally:
        await engine.dispose()


async def unfinished_jobs(url: str) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        row = await (
            await connection.execute(
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE queue_name = 'statistics' AND status IN ('todo', 'doing')"
            )
        ).fetchone()
    return int(row[0]) if row else 0


async def run_until_drained(settings: Settings, url: str, *, concurrency: int) -> None:
    """The real worker, as an operator runs it (waiting for jobs, woken by LISTEN/NOTIFY), until the chain is done."""
    queue.perform_import_paths()
    resources = TaskResources(settings)
    connector = PsycopgConnector(conninfo=settings.psycopg_conninfo, min_size=1, max_size=concurrency + 2)
    try:
        with queue.replace_connector(connector) as worker_app:
            async with worker_app.open_async():
                worker = asyncio.create_task(
                    worker_app.run_worker_async(
                        queues=["statistics"],
                        concurrency=concurrency,
                        install_signal_handlers=False,
                        additional_context={"resources": resources},
                    )
                )
                while await unfinished_jobs(url):  # noqa: ASYNC110 - the jobs live in another process's view
                    await asyncio.sleep(0.05)
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
    finally:
        await resources.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=1, help="jobs at once in the worker")
    args = parser.parse_args()
    url = libpq_url(args.database_url)
    with psycopg.connect(url, autocommit=True) as connection:
        clean(connection)
        organizer_id, event_id = seed(connection, args.participants)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = make_settings(url, Path(data_dir))
        started = time.perf_counter()
        await file_report(url, organizer_id, event_id, Path(data_dir))
        await run_until_drained(settings, url, concurrency=args.concurrency)
        elapsed = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as connection:
        jobs_run = connection.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'statistics' AND status = 'succeeded'"
        ).fetchone()
        credited = connection.execute(
            "SELECT count(*) FROM volunteer_contributions WHERE event_id = %s AND hours = 3", (event_id,)
        ).fetchone()
        badged = connection.execute(
            """
            SELECT count(*) FROM user_badges ub JOIN badges b ON b.id = ub.badge_id
            WHERE b.code = 'first_mutirao'
              AND ub.user_id IN (SELECT user_id FROM event_participants WHERE event_id = %s)
            """,
            (event_id,),
        ).fetchone()
        clean(connection)
    assert jobs_run and credited and badged
    ok = credited[0] == badged[0] == args.participants
    print(
        f"statistics chain: {args.participants} checked-in participants, worker concurrency {args.concurrency}: "
        f"{elapsed:.2f} s for {jobs_run[0]} jobs ({jobs_run[0] / elapsed:.0f} jobs/s); "
        f"credited {credited[0]}, first_mutirao {badged[0]} — {'PASS' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
