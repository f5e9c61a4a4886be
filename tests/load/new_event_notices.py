"""New-event notices benchmark: 10,000 volunteers interested in clean-ups around Santos (SP); one event published
through the API in this process, the fan-out and the emails done by real `procrastinate` worker processes, to a
local aiosmtpd sink. Prints the publish request's time, the fan-out job's, and the emails per second.

    uv run python -m tests.load.new_event_notices [--database-url postgresql://postgres@127.0.0.1:5432/DBNAME]
        [--volunteers 10000] [--workers 2] [--concurrency 1] [--keep]

Without --database-url a database `mutiroes_notices_bench` is made on 127.0.0.1 and migrated. The script adds its
own volunteers (`notice_user_00001`… at `notice.example`) and event (organised by `notice_org`), and removes them
before and after (unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from aiosmtpd.controller import Controller
from litestar.testing import TestClient

import app.domain.tables  # noqa: F401 - every model mapped (the app alone does not import organizations yet)
from app.api.app import create_app
from app.domain.accounts.tokens import TokenCodec
from tests.load.reminders import BIN, ROOT, CountingSink, wait_until_registered, workers
from tests.load.seed import LIMPEZA, libpq_url
from tests.support.settings import make_settings
from tests.support.smtp import free_port

USERNAME_PREFIX = "notice_user_"
ORGANIZER = "notice_org"
EMAIL_DOMAIN = "notice.example"
# Places within 50 km of Santos, typed as people type them.
CITIES = ("Santos", "São Vicente", "GUARUJA", "Cubatão", "Praia Grande", "Bertioga")
TIMEOUT_SECONDS = 600


def remove(connection: psycopg.Connection[Any]) -> None:
    with connection.transaction():
        connection.execute(
            "DELETE FROM events WHERE organizer_id IN (SELECT id FROM users WHERE username = %s)", [ORGANIZER]
        )
        connection.execute(
            "DELETE FROM users WHERE username = %s OR username LIKE %s", [ORGANIZER, f"{USERNAME_PREFIX}%"]
        )
        connection.execute(
            "DELETE FROM procrastinate_jobs WHERE task_name IN ('queue_new_event_notices', 'send_new_event_emails')"
        )


def seed(connection: psycopg.Connection[Any], volunteers: int) -> tuple[int, int]:
    """Set-based SQL: the volunteers with their city and interest, the organizer, and a draft; returns (organizer,
    event)."""
    with connection.transaction():
        connection.execute(
            """
            INSERT INTO users (username, email, password_hash, first_name, last_name, is_staff, is_active,
                               language, created_at, updated_at)
            SELECT name, name || '@' || %(domain)s, '!', 'Volunt', 'Ário', false, true,
                   CASE WHEN n %% 10 = 0 THEN 'en' ELSE 'pt-BR' END, now(), now()
              FROM (SELECT n, %(prefix)s || lpad(n::text, 5, '0') AS name FROM generate_series(1, %(count)s) n) s
             UNION ALL
            SELECT %(organizer)s, %(organizer)s || '@' || %(domain)s, '!', 'Org', '', false, true, 'pt-BR', now(), now()
            """,
            {"prefix": USERNAME_PREFIX, "count": volunteers, "organizer": ORGANIZER, "domain": EMAIL_DOMAIN},
        )
        connection.execute(
            """
            INSERT INTO user_profiles (user_id, phone, bio, avatar_url, city, state, zip_code, interests,
                notification_preferences, total_events_participated, total_hours_volunteered,
                is_public_profile, show_participation_history, created_at, updated_at)
            SELECT id, '', '', '', (%(cities)s::text[])[1 + id %% cardinality(%(cities)s::text[])], 'SP', '',
                   ARRAY[%(category)s]::bigint[], '{}'::jsonb, 0, 0, true, true, now(), now()
              FROM users WHERE username LIKE %(prefix)s
             UNION ALL
            SELECT id, '', '', '', '', '', '', '{}'::bigint[], '{}'::jsonb, 0, 0, true, true, now(), now()
              FROM users WHERE username = %(organizer)s
            """,
            {"cities": list(CITIES), "category": LIMPEZA, "prefix": f"{USERNAME_PREFIX}%", "organizer": ORGANIZER},
        )
        row = connection.execute(
            """
            INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude,
                city, state, start_date, end_date, timezone, max_participants, min_age, status, is_public,
                requires_approval, required_tools, provided_tools, what_to_bring, cover_image_url,
                participants_count, waitlist_count, pending_count, search_text, created_at, updated_at)
            SELECT 'Mutirão da Ponta da Praia', '', %(category)s, id, 'Av. da Praia, 1', -23.9608, -46.3336,
                   'Santos', 'SP', now() + interval '7 days', now() + interval '7 days 3 hours',
                   'America/Sao_Paulo', 100, 16, 'draft', true, false, '', '', '', '', 0, 0, 0,
                   'mutirao da ponta da praia', now(), now()
              FROM users WHERE username = %(organizer)s
            RETURNING organizer_id, id
            """,
            {"category": LIMPEZA, "organizer": ORGANIZER},
        ).fetchone()
    assert row is not None
    connection.execute("ANALYZE user_profiles")
    return row[0], row[1]


def own_database() -> str:
    url = "postgresql://postgres@127.0.0.1:5432/mutiroes_notices_bench"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = 'mutiroes_notices_bench'").fetchone() is None:
            connection.execute("CREATE DATABASE mutiroes_notices_bench")
    subprocess.run(
        [BIN / "app", "database", "upgrade", "--no-prompt"],
        env={"DATABASE_URL": url, "PATH": str(BIN)},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url")
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1, help="jobs at once in each worker")
    parser.add_argument("--keep", action="store_true", help="leave the seeded rows in place")
    args = parser.parse_args(argv)
    database_url = libpq_url(args.database_url) if args.database_url else own_database()

    sink = CountingSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings = make_settings(database_url, Path(tempfile.mkdtemp(prefix="mutiroes-notices-")))
    try:
        with psycopg.connect(database_url, autocommit=True) as connection:
            remove(connection)
            began = time.perf_counter()
            organizer, event_id = seed(connection, args.volunteers)
            print(f"seeded {args.volunteers:,} volunteers in {time.perf_counter() - began:.1f} s", flush=True)
            try:
                with (
                    workers(
                        args.workers, database_url=database_url, smtp_port=smtp_port, concurrency=args.concurrency
                    ) as logs,
                    TestClient(create_app(settings)) as client,
                ):
                    wait_until_registered(connection, args.workers, logs)
                    token, _ = TokenCodec.from_settings(settings).issue(
                        organizer, "access", now=dt.datetime.now(dt.UTC)
                    )
                    started = time.perf_counter()
                    response = client.post(
                        f"/api/events/{event_id}/publish/", headers={"Authorization": f"Bearer {token}"}
                    )
                    published = time.perf_counter()
                    assert response.status_code == 200, response.text
                    deadline = started + TIMEOUT_SECONDS
                    fanned_out = None
                    while sink.total < args.volunteers:
                        if (
                            fanned_out is None
                            and connection.execute(
                                "SELECT 1 FROM procrastinate_jobs WHERE task_name = 'queue_new_event_notices' "
                                "AND status = 'succeeded'"
                            ).fetchone()
                        ):
                            fanned_out = time.perf_counter()
                        if time.perf_counter() > deadline:
                            raise SystemExit(f"timed out after {TIMEOUT_SECONDS} s with {sink.total} emails")
                        time.sleep(0.02)
                    done = time.perf_counter()
                row = connection.execute(
                    "SELECT count(*), count(*) FILTER (WHERE sent_at IS NOT NULL) FROM new_event_notices "
                    "WHERE event_id = %s",
                    [event_id],
                ).fetchone()
                assert row is not None
                first = (sink.first_at or published) - published
                sending = done - (sink.first_at or published)
                print(
                    f"publish request {(published - started) * 1000:.0f} ms  fan-out job done "
                    f"{((fanned_out or done) - published) * 1000:.0f} ms after it  notices={row[0]} sent={row[1]}  "
                    f"emails={sink.total} recipients={len(sink.per_recipient)} "
                    f"duplicates={sink.total - len(sink.per_recipient)}  first email after {first * 1000:.0f} ms  "
                    f"all in {done - published:.2f} s  {sink.total / sending:,.0f} emails/s "
                    f"(workers={args.workers} concurrency={args.concurrency})",
                    flush=True,
                )
            finally:
                if not args.keep:
                    remove(connection)
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
