"""Benchmark: leaderboards and ranks over 100,000 volunteers.

    uv run python -m tests.load.leaderboard --database-url "$DATABASE_URL" [--users 100000]

On a migrated database of its own: inserts `--users` public and private volunteers with verified contributions
spread over the last two years and the four categories (3 per volunteer on average), ANALYZEs, then times the
queries behind `GET /api/users/leaderboard/` (first page and a deep page) and `GET /api/users/rank/` for each
period and with a category, through `ImpactQueries` — the code the API runs — and prints the median and the
slowest of 20 runs each, with the plan's top node. Its rows are removed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

from app.config.database import create_engine, create_session_maker
from app.domain.impact.models import EVERY_CATEGORY
from app.domain.impact.periods import period_start
from app.domain.impact.queries import ImpactQueries, Slice
from tests.load.seed import LIMPEZA, libpq_url
from tests.support.settings import make_settings

RUNS = 20


def clean(connection: psycopg.Connection) -> None:
    users = "(SELECT id FROM users WHERE username LIKE 'lb\\_bench\\_%')"
    connection.execute(f"DELETE FROM events WHERE organizer_id IN {users}")
    connection.execute(f"DELETE FROM users WHERE id IN {users}")


def seed(connection: psycopg.Connection, users: int) -> int:
    connection.execute(
        """
        INSERT INTO users (username, email, password_hash, first_name, last_name, is_staff, is_active, language,
                           created_at, updated_at)
        SELECT 'lb_bench_' || n, 'lb_bench_' || n || '@example.org', '!', 'Bench', '', false,
               true, 'pt-BR', now(), now()
        FROM generate_series(0, %(n)s) AS n
        """,
        {"n": users},
    )
    connection.execute(
        """
        INSERT INTO user_profiles (user_id, phone, bio, avatar_url, city, state, zip_code, interests,
            notification_preferences, total_events_participated, total_hours_volunteered, is_public_profile,
            show_participation_history, created_at, updated_at)
        SELECT id, '', '', '', 'São Paulo', 'SP', '', '{}', '{}', 0, 0, random() < 0.9, true,
               now(), now()
        FROM users WHERE username LIKE 'lb\\_bench\\_%'
        """
    )
    organizer = connection.execute("SELECT id FROM users WHERE username = 'lb_bench_0'").fetchone()
    assert organizer is not None
    # 400 events over two years, every category; each volunteer attended ~3 of them.
    connection.execute(
        """
        INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude, city,
            state, start_date, end_date, timezone, max_participants, min_age, status, is_public, requires_approval,
            required_tools, provided_tools, what_to_bring, cover_image_url, participants_count, waitlist_count,
            pending_count, search_text, created_at, updated_at)
        SELECT 'Bench ' || i, '',
            1 + i %% 4, %(organizer)s, '', -23.5, -46.6,
            'São Paulo', 'SP', now() - i * interval '43 hours',
            now() - i * interval '43 hours' + interval '3 hours', 'America/Sao_Paulo', 1000, 16, 'completed', true,
            false, '', '', '', '', 0, 0, 0, '', now(), now()
        FROM generate_series(1, 400) AS i
        """,
        {"organizer": organizer[0]},
    )
    # Three draws per volunteer among the 400 events (the same event drawn twice counts once).
    connection.execute(
        """
        WITH bench AS (SELECT array_agg(id ORDER BY start_date) AS ids FROM events WHERE organizer_id = %(organizer)s)
        INSERT INTO volunteer_contributions (user_id, event_id, category_id, held_at, hours, trash_collected_kg,
                                             trees_planted)
        SELECT d.user_id, e.id, e.category_id, e.start_date, round((1 + random() * 5)::numeric, 2),
               0, 0
        FROM (SELECT DISTINCT u.id AS user_id,
                     bench.ids[1 + abs(hashtext(u.username || ':' || k)) %% 400] AS event_id
              FROM users u CROSS JOIN generate_series(1, 3) AS k CROSS JOIN bench
              WHERE u.username LIKE 'lb\\_bench\\_%%' AND u.id <> %(organizer)s) d
        JOIN events e ON e.id = d.event_id
        """,
        {"organizer": organizer[0]},
    )
    connection.execute(
        """
        UPDATE user_profiles p SET total_hours_volunteered = t.hours, total_events_participated = t.events
        FROM (SELECT user_id, sum(hours) AS hours, count(*) AS events FROM volunteer_contributions
              GROUP BY user_id) t
        WHERE p.user_id = t.user_id
        """
    )
    # What update_user_statistics writes for each of them, in one statement.
    connection.execute(
        """
        INSERT INTO volunteer_totals (user_id, period, period_start, category_key, hours, events, public)
        SELECT c.user_id, s.period, s.period_start,
               coalesce(c.category_id, %(every)s), sum(c.hours), count(*), bool_and(p.is_public_profile)
        FROM volunteer_contributions c
        JOIN users u ON u.id = c.user_id AND u.username LIKE 'lb\\_bench\\_%%'
        JOIN user_profiles p ON p.user_id = c.user_id
        CROSS JOIN LATERAL (VALUES
            ('all', DATE '1970-01-01'),
            ('year', CAST(date_trunc('year', c.held_at AT TIME ZONE 'America/Sao_Paulo') AS date)),
            ('month', CAST(date_trunc('month', c.held_at AT TIME ZONE 'America/Sao_Paulo') AS date))
        ) AS s(period, period_start)
        GROUP BY GROUPING SETS ((c.user_id, s.period, s.period_start, c.category_id),
                                (c.user_id, s.period, s.period_start))
        """,
        {"every": EVERY_CATEGORY},
    )
    connection.execute("ANALYZE users")
    connection.execute("ANALYZE user_profiles")
    connection.execute("ANALYZE volunteer_contributions")
    connection.execute("VACUUM ANALYZE volunteer_totals")  # as autovacuum would: index-only counts
    some_user = connection.execute(
        "SELECT user_id FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE u.username = 'lb_bench_500'"
    ).fetchone()
    assert some_user is not None
    return int(some_user[0])


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    await call()  # warm-up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    url = libpq_url(args.database_url)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        clean(connection)
        volunteer = seed(connection, args.users)
        contributions = connection.execute("SELECT count(*) FROM volunteer_contributions").fetchone()
    print(f"seeded {args.users:,} volunteers, {contributions[0] if contributions else 0:,} contributions "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as data_dir:
        engine = create_engine(make_settings(url, Path(data_dir)))
        try:
            async with create_session_maker(engine)() as session:
                queries = ImpactQueries(session)
                now = dt.datetime.now(dt.UTC)
                for period in ("all", "year", "month"):
                    start = period_start(period, now, "America/Sao_Paulo")
                    for category in (EVERY_CATEGORY, LIMPEZA):
                        board = Slice(period=period, period_start=start, category_key=category)
                        label = f"{period:5} {'Limpeza' if category == LIMPEZA else 'every category':14}"
                        count, _ = await queries.leaderboard(board, offset=0, limit=1)
                        for name, offset in (("page 1", 0), ("page 200", 3980)):
                            median, worst = await timed(partial(queries.leaderboard, board, offset=offset, limit=20))
                            print(
                                f"leaderboard {label} {name:8}: median {median:7.2f} ms, max {worst:7.2f} ms "
                                f"({count:,} ranked)"
                            )
                        median, worst = await timed(partial(queries.standing, volunteer, board))
                        print(f"rank        {label}         : median {median:7.2f} ms, max {worst:7.2f} ms")
        finally:
            await engine.dispose()
    with psycopg.connect(url, autocommit=True) as connection:
        clean(connection)


if __name__ == "__main__":
    asyncio.run(main())
