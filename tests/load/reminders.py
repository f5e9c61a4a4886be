"""Reminders benchmark: 10,000 confirmed participants across 100 events starting within 24 h, reminded through
SMTP to a local aiosmtpd sink by real `procrastinate` worker processes; prints reminders per second with one
worker and with two.

    uv run python -m tests.load.reminders --database-url postgresql://postgres@127.0.0.1:5432/DBNAME
        [--participants 10000] [--events 100] [--workers 1,2] [--concurrency 1] [--keep]

The database must be migrated. The script adds its own volunteers (`remind_user_00001`… at `remind.example`)
and events (organised by `remind_org`), removes them before and after (unless `--keep`), and leaves every
other row alone. For each worker count: start the workers (idle, listening), queue one
`send_bulk_event_reminders`, and time from there until the sink has accepted a reminder for every
participant. The sink counts messages and recipients only (no parsing), so it costs as little as it can; it
runs in this process, on the same cores as the workers and PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from aiosmtpd.controller import Controller

from tests.load.seed import LIMPEZA, libpq_url
from tests.support.smtp import free_port

USERNAME_PREFIX = "remind_user_"
ORGANIZER = "remind_org"
EMAIL_DOMAIN = "remind.example"
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 300


class CountingSink:
    """aiosmtpd handler that only counts: messages and how many each recipient got."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.per_recipient: Counter[str] = Counter()
        self.first_at: float | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.first_at is None:
                self.first_at = time.perf_counter()
            self.per_recipient.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.per_recipient.values())

    def reset(self) -> None:
        with self.lock:
            self.per_recipient.clear()
            self.first_at = None


def remove(connection: psycopg.Connection[Any]) -> None:
    with connection.transaction():
        connection.execute(
            "DELETE FROM events WHERE organizer_id IN (SELECT id FROM users WHERE username = %s)", [ORGANIZER]
        )
        connection.execute(
            "DELETE FROM users WHERE username = %s OR username LIKE %s", [ORGANIZER, f"{USERNAME_PREFIX}%"]
        )
        connection.execute(
            "DELETE FROM procrastinate_jobs WHERE task_name IN ('send_bulk_event_reminders', 'send_event_reminders') "
            "AND status = 'todo'"
        )


def seed(connection: psycopg.Connection[Any], *, participants: int, events: int) -> None:
    """Set-based SQL: users, profiles, events starting over the next ~23 h, and confirmed participations."""
    per_event = -(-participants // events)
    with connection.transaction():
        connection.execute(
            """
            INSERT INTO users (username, email, password_hash, first_name, last_name, is_staff, is_active,
                               language, created_at, updated_at)
            SELECT name, name || '@' || %(domain)s, '!', 'Volunt', 'Ário', false, true,
                   CASE WHEN n %% 10 = 0 THEN 'en' ELSE 'pt-BR' END, now(), now()
              FROM (SELECT n, %(prefix)s || lpad(n::text, 5, '0') AS name FROM generate_series(1, %(count)s) n) s
             UNION ALL
            SELECT %(organizer)s, %(organizer)s || '@' || %(domain)s, '!', 'Org', '', false, true,
                   'pt-BR', now(), now()
            """,
            {"prefix": USERNAME_PREFIX, "count": participants, "organizer": ORGANIZER, "domain": EMAIL_DOMAIN},
        )
        connection.execute(
            """
            INSERT INTO user_profiles (user_id, phone, bio, avatar_url, city, state, zip_code, interests,
                notification_preferences, total_events_participated, total_hours_volunteered,
                is_public_profile, show_participation_history, created_at, updated_at)
            SELECT id, '', '', '', '', '', '', '{}', '{}', 0, 0, true, true, now(), now()
              FROM users WHERE username = %s OR username LIKE %s
            """,
            [ORGANIZER, f"{USERNAME_PREFIX}%"],
        )
        connection.execute(
            """
            INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude,
                city, state, start_date, end_date, timezone, max_participants, min_age, status, is_public,
                requires_approval, required_tools, provided_tools, what_to_bring, cover_image_url,
                participants_count, waitlist_count, pending_count, search_text, created_at, updated_at)
            SELECT 'Mutirão de lembrete ' || n, '', %(category)s, org.id, 'Av. da Praia, ' || n,
                   -23.96, -46.33, 'Santos', 'SP', start, start + interval '3 hours', 'America/Sao_Paulo',
                   %(per_event)s, 16, 'published', true, false, '', '', '', '', 0, 0, 0,
                   'mutirao de lembrete ' || n, now(), now()
              FROM generate_series(1, %(events)s) n,
                   LATERAL (SELECT now() + n * interval '13 minutes' AS start) s,
                   (SELECT id FROM users WHERE username = %(organizer)s) org
            """,
            {"category": LIMPEZA, "per_event": per_event, "events": events, "organizer": ORGANIZER},
        )
        connection.execute(
            """
            WITH numbered_users AS (
                SELECT id, row_number() OVER (ORDER BY username) - 1 AS k FROM users WHERE username LIKE %(prefix)s
            ), numbered_events AS (
                SELECT e.id, row_number() OVER (ORDER BY e.start_date) - 1 AS k
                  FROM events e JOIN users o ON o.id = e.organizer_id WHERE o.username = %(organizer)s
            )
            INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
                special_needs, experience_level, checked_in, joined_at, created_at, updated_at)
            SELECT e.id, u.id, 'confirmed', '', '', '', 'beginner', false, now(), now(), now()
              FROM numbered_users u JOIN numbered_events e ON e.k = u.k / %(per_event)s
            """,
            {"prefix": f"{USERNAME_PREFIX}%", "organizer": ORGANIZER, "per_event": per_event},
        )
        connection.execute(
            """
            UPDATE events e SET participants_count = c.n
              FROM (SELECT event_id, count(*) AS n FROM event_participants GROUP BY event_id) c
             WHERE c.event_id = e.id AND e.organizer_id = (SELECT id FROM users WHERE username = %s)
            """,
            [ORGANIZER],
        )


@contextmanager
def workers(count: int, *, database_url: str, smtp_port: int, concurrency: int) -> Iterator[list[Path]]:
    """`count` real worker processes serving the emails queue; stopped with SIGTERM (graceful) on exit."""
    folder = Path(tempfile.mkdtemp(prefix="mutiroes-reminders-"))
    env = {key: value for key, value in os.environ.items() if key not in {"TEST_DATABASE_URL"}}
    env.update(
        DATABASE_URL=database_url,
        APP_ENV="development",
        DATA_DIR=str(folder),
        JWT_SECRET=secrets.token_urlsafe(48),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_SECURITY="none",
        LOG_FORMAT="text",
    )
    processes, logs = [], []
    for n in range(count):
        log = folder / f"worker-{n}.log"
        logs.append(log)
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [
                        BIN / "procrastinate",
                        "--app=app.tasks.queue.app",
                        "worker",
                        "--queues=emails",
                        f"--concurrency={concurrency}",
                        f"--name=bench-{n}",
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=ROOT,
                )
            )
    try:
        yield logs
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_registered(connection: psycopg.Connection[Any], count: int, logs: list[Path]) -> None:
    """Each worker registers itself (a row with a heartbeat) once it is ready to fetch jobs."""
    deadline = time.monotonic() + 60
    while True:
        row = connection.execute(
            "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - interval '15 seconds'"
        ).fetchone()
        if row is not None and row[0] >= count:
            return
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start:\n" + "\n".join(log.read_text()[-2000:] for log in logs))
        time.sleep(0.2)


def run(
    connection: psycopg.Connection[Any],
    sink: CountingSink,
    *,
    worker_count: int,
    participants: int,
    database_url: str,
    smtp_port: int,
    concurrency: int,
) -> None:
    with connection.transaction():
        connection.execute(
            "DELETE FROM event_reminders WHERE event_id IN "
            "(SELECT e.id FROM events e JOIN users o ON o.id = e.organizer_id WHERE o.username = %s)",
            [ORGANIZER],
        )
    sink.reset()
    with workers(worker_count, database_url=database_url, smtp_port=smtp_port, concurrency=concurrency) as logs:
        wait_until_registered(connection, worker_count, logs)
        started = time.perf_counter()
        connection.execute(
            """
            SELECT procrastinate_defer_jobs_v1(ARRAY[
                ROW('emails', 'send_bulk_event_reminders', 0, NULL, NULL, '{}'::jsonb, NULL)
            ]::procrastinate_job_to_defer_v1[])
            """
        )
        deadline = started + TIMEOUT_SECONDS
        while sink.total < participants:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out after {TIMEOUT_SECONDS} s with {sink.total} reminders")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    first = (sink.first_at or started) - started
    duplicates = sink.total - len(sink.per_recipient)
    row = connection.execute(
        "SELECT count(*) FROM event_reminders r JOIN events e ON e.id = r.event_id "
        "JOIN users o ON o.id = e.organizer_id WHERE o.username = %s",
        [ORGANIZER],
    ).fetchone()
    recorded = row[0] if row else 0
    print(
        f"workers={worker_count} concurrency={concurrency}  reminders={sink.total}  recipients="
        f"{len(sink.per_recipient)}  duplicates={duplicates}  recorded={recorded}  "
        f"first after {first * 1000:.0f} ms  total {elapsed:.2f} s  {sink.total / elapsed:,.0f} reminders/s",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts, one run each")
    parser.add_argument("--concurrency", type=int, default=1, help="jobs at once in each worker")
    parser.add_argument("--keep", action="store_true", help="leave the seeded rows in place")
    args = parser.parse_args(argv)
    database_url = libpq_url(args.database_url)

    sink = CountingSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with psycopg.connect(database_url, autocommit=True) as connection:
            remove(connection)
            began = time.perf_counter()
            seed(connection, participants=args.participants, events=args.events)
            print(
                f"seeded {args.participants:,} confirmed participants across {args.events} events starting within "
                f"24 h in {time.perf_counter() - began:.1f} s",
                flush=True,
            )
            try:
                for count in (int(part) for part in args.workers.split(",") if part.strip()):
                    run(
                        connection,
                        sink,
                        worker_count=count,
                        participants=args.participants,
                        database_url=database_url,
                        smtp_port=smtp_port,
                        concurrency=args.concurrency,
                    )
            finally:
                if not args.keep:
                    remove(connection)
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
