"""Benchmark: the open-data streams hold constant memory, from 1,000 to 100,000 events.

    uv run python -m tests.load.open_data [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
                                          [--sizes 1000,100000]

Makes a scratch database on the server of `--admin-url`, migrates it, and for each size in turn tops it up to that
many events that took place (with check-ins, and a report for four in five; plus drafts, cancelled, private and
future events that the datasets leave out), ANALYZEs, starts one API process on it (uvicorn, as in production) and
streams every dataset through HTTP. Per dataset it prints the time, the bytes and rows received, and the serving
process's memory: its resident set before the request and the peak during it (VmHWM, reset before each request
through /proc/PID/clear_refs, and sampled every millisecond). It also times a revalidation (If-None-Match → 304).
Then, in this process under tracemalloc, the peak of Python allocations while each events file streams through the
ASGI app, beside a control that buffers the whole CSV (what streaming avoids). The scratch database is dropped at
the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import psycopg
from advanced_alchemy.alembic.commands import AlembicCommands

from app.api.app import create_app
from app.config.database import sqlalchemy_config
from app.domain.open_data.datasets import Scope
from app.domain.open_data.formats import csv_rows
from app.domain.open_data.queries import OpenDataQueries
from tests.support.database import LOCAL_SERVER, create_database, drop_database, unique_name
from tests.support.server import free_port, stop, wait_until_healthy
from tests.support.settings import make_settings

BIN = Path(sys.executable).parent
DATASETS = (
    "/api/open-data/events.csv",
    "/api/open-data/events.geojson",
    "/api/open-data/impact.csv?group=month",
    "/api/open-data/impact.csv?group=city",
    "/api/open-data/impact.csv?group=category",
)
CITIES = "ARRAY['São Paulo','Santos','Rio de Janeiro','Campinas','Belo Horizonte','Recife','Porto Alegre','Salvador']"
STATES = "ARRAY['SP','SP','RJ','SP','MG','PE','RS','BA']"
VOLUNTEERS = 500


def seed_people(connection: psycopg.Connection) -> None:
    connection.execute(
        """
        INSERT INTO users (username, email, password_hash, first_name, last_name, is_staff, is_active, language,
                           created_at, updated_at)
        SELECT 'od_bench_' || n, 'od_bench_' || n || '@example.org', '!', 'Bench', 'Silva', false, true, 'pt-BR',
               now(), now()
        FROM generate_series(0, %(n)s) AS n
        """,
        {"n": VOLUNTEERS},
    )
    connection.execute(
        """
        INSERT INTO user_profiles (user_id, phone, bio, avatar_url, city, state, zip_code, interests,
            notification_preferences, total_events_participated, total_hours_volunteered, is_public_profile,
            show_participation_history, created_at, updated_at)
        SELECT id, '', '', '', '', '', '', '{}', '{}', 0, 0, true, true, now(), now() FROM users
        """
    )


def top_up(connection: psycopg.Connection, events: int) -> None:
    """Add events that took place until there are `events` of them, each with 0-7 check-ins and, four in five, a
    report; and one more in ten that the datasets must leave out (drafts, cancelled, private, ahead)."""
    counted = connection.execute(
        "SELECT count(*) FROM events WHERE is_public AND status IN ('published', 'completed') AND end_date <= now()"
    ).fetchone()
    made = connection.execute("SELECT count(*) FROM events").fetchone()
    have, first = (int(counted[0]) if counted else 0), (int(made[0]) + 1 if made else 1)
    if have >= events:
        return
    connection.execute(
        f"""
        INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude, city,
            state, start_date, end_date, timezone, max_participants, min_age, status, is_public, requires_approval,
            required_tools, provided_tools, what_to_bring, cover_image_url, participants_count, waitlist_count,
            pending_count, search_text, created_at, updated_at)
        SELECT 'Mutirão da Joana ' || i, 'Descrição ' || i, 1 + i %% 4, (SELECT min(id) FROM users),
            'Rua Exemplo, ' || i, -23.5 + (i %% 997) * 0.00731, -46.6 + (i %% 991) * 0.00917,
            ({CITIES})[1 + i %% 8], ({STATES})[1 + i %% 8],
            CASE WHEN noise AND kind = 3 THEN now() + interval '30 days' ELSE start END,
            CASE WHEN noise AND kind = 3 THEN now() + interval '30 days' ELSE start END + interval '3 hours',
            'America/Sao_Paulo', 100, 16,
            CASE WHEN noise THEN (ARRAY['draft', 'cancelled', 'completed', 'published'])[1 + kind]
                 WHEN i %% 2 = 0 THEN 'completed' ELSE 'published' END,
            NOT (noise AND kind = 2), false, '', '', '', '', 0, 0, 0, '', now(), now()
        FROM (SELECT i, i %% 10 = 0 AS noise, (i / 10) %% 4 AS kind,
                     now() - interval '1 day' - i * interval '7 minutes' AS start
              FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i) AS g
        """,
        # One in ten is noise: nine in ten count.
        {"first": first, "last": first - 1 + ((events - have) * 10 + 8) // 9},
    )
    connection.execute(
        """
        INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone, special_needs,
            experience_level, checked_in, check_in_time, joined_at, created_at, updated_at)
        SELECT e.id, (SELECT min(id) FROM users) + 1 + (e.id * 7 + k) %% %(volunteers)s, 'confirmed', '', '', '',
               'beginner', k %% 3 <> 0, now(), now(), now(), now()
        FROM events e CROSS JOIN LATERAL generate_series(1, (e.id %% 8)::int) AS k
        WHERE NOT EXISTS (SELECT 1 FROM event_participants p WHERE p.event_id = e.id)
        ON CONFLICT DO NOTHING
        """,
        {"volunteers": VOLUNTEERS},
    )
    connection.execute(
        """
        INSERT INTO event_reports (event_id, reported_by_id, total_participants, total_hours, trash_collected_kg,
            recyclable_material_kg, trees_planted, area_cleaned_m2, summary, challenges, achievements,
            verified_participants, created_at, updated_at)
        SELECT e.id, e.organizer_id, e.id % 8, (e.id % 8) * 3, round((e.id % 97) * 1.37, 2),
               round((e.id % 31) * 0.5, 2), e.id % 13, round((e.id % 211) * 10.25, 2), '', '', '', 0, now(), now()
        FROM events e
        WHERE e.id % 5 <> 0 AND e.end_date < now() AND e.status IN ('published', 'completed')
          AND NOT EXISTS (SELECT 1 FROM event_reports r WHERE r.event_id = e.id)
        """
    )
    for table in ("events", "event_participants", "event_reports"):
        connection.execute(f"VACUUM ANALYZE {table}")  # as autovacuum would: index-only reads


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0])
    return fields


def reset_peak(pid: int) -> bool:
    """Start VmHWM again from the current RSS (Linux ≥ 4.0); False when not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RssSampler(threading.Thread):
    """The serving process's largest resident set seen while it runs, polled every millisecond (VmHWM alone is
    updated lazily by the kernel)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, memory_kib(self.pid)["VmRSS"])
            time.sleep(0.001)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def measure(url: str, pid: int, path: str) -> dict[str, float]:
    reset = reset_peak(pid)
    before = memory_kib(pid)
    sampler = RssSampler(pid)
    sampler.start()
    started = time.perf_counter()
    size = 0
    tail = b""
    lines = 0
    body = bytearray() if "geojson" in path else None
    with httpx.stream("GET", url + path, timeout=600) as answer:
        assert answer.status_code == 200, answer.status_code
        etag = answer.headers["etag"]
        for chunk in answer.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
            tail = chunk[-2:]
            if body is not None:
                body += chunk
    elapsed = time.perf_counter() - started
    sampled = sampler.stop()
    after = memory_kib(pid)
    rows = len(json.loads(body)["features"]) if body is not None else lines - 1
    assert body is not None or tail == b"\r\n"
    revalidated = time.perf_counter()
    assert httpx.get(url + path, headers={"If-None-Match": etag}).status_code == 304
    not_modified_ms = (time.perf_counter() - revalidated) * 1000
    peak = max(sampled, after["VmHWM"] if reset else sampled) - before["VmRSS"]
    return {
        "seconds": elapsed,
        "bytes": size,
        "rows": rows,
        "rss_before_mib": before["VmRSS"] / 1024,
        "peak_growth_mib": max(peak, 0) / 1024,
        "rss_after_mib": after["VmRSS"] / 1024,
        "not_modified_ms": not_modified_ms,
    }


async def traced(database_url: str, data_dir: Path, paths: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """In this process, under tracemalloc: each path through the ASGI app (the body counted and dropped), then the
    control — the same rows read in one chunk and encoded at once, as a server that buffers would. Returns
    (what, bytes, peak of Python allocations during it)."""
    app = create_app(make_settings(database_url, data_dir, gc_freeze=False))
    found = []
    async with app.lifespan():
        for path in paths:  # warm-up
            await asgi_get(app, path, {"if-none-match": "*"})
        tracemalloc.start()
        try:
            for path in paths:
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                size = await asgi_get(app, path)
                found.append((path, size, tracemalloc.get_traced_memory()[1] - base))
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            queries = OpenDataQueries(app.state.read_pool, chunk_size=10**9)
            size = sum([len(csv_rows(rows)) async for rows in queries.event_chunks(dt.datetime.now(dt.UTC), Scope())])
            found.append(("control: events.csv buffered whole", size, tracemalloc.get_traced_memory()[1] - base))
        finally:
            tracemalloc.stop()
    return found


async def asgi_get(app: Any, path: str, headers: dict[str, str] | None = None) -> int:
    """GET `path` through the ASGI app, as a server would call it; the body's size (its bytes are dropped)."""
    route, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": route, "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"bench"), *((k.encode(), v.encode()) for k, v in (headers or {}).items())],
        "client": ("127.0.0.1", 1), "server": ("bench", 80), "state": {},
    }  # fmt: skip
    complete = asyncio.Event()
    size = 0
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal size
        if message["type"] == "http.response.start":
            assert message["status"] in {200, 304}, message
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                complete.set()

    await app(scope, receive, send)
    return size


def serve(database_url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    environment |= {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "JWT_SECRET": "bench-" + "0123456789abcdef" * 4,
        "PUBLIC_URL": url,
        "RATE_LIMIT_API_PER_SECOND": "0",
        "RATE_LIMIT_AUTH_PER_MINUTE": "0",
        "APP_ENV": "test",
    }
    log_path = data_dir / "api.log"
    log = log_path.open("wb")
    command = [str(BIN / "uvicorn"), "app.api.app:create_app", "--factory", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    wait_until_healthy(url, process, log_path)
    return process, url, log_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=LOCAL_SERVER)
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated numbers of events, ascending")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    name = unique_name("mutiroes_open_data_bench")
    database_url = create_database(args.admin_url, name)
    try:
        with tempfile.TemporaryDirectory() as folder:
            data_dir = Path(folder)
            AlembicCommands(sqlalchemy_config=sqlalchemy_config(make_settings(database_url, data_dir))).upgrade("heads")
            with psycopg.connect(database_url, autocommit=True) as connection:
                seed_people(connection)
            for events in sizes:
                started = time.perf_counter()
                with psycopg.connect(database_url, autocommit=True) as connection:
                    top_up(connection, events)
                    total = connection.execute("SELECT count(*) FROM events").fetchone()
                    held = connection.execute(
                        "SELECT count(*) FROM events WHERE is_public AND status IN ('published', 'completed')"
                        " AND end_date <= now()"
                    ).fetchone()
                print(f"\n{held[0] if held else 0:,} events that took place ({total[0] if total else 0:,} in all), "
                      f"seeded in {time.perf_counter() - started:.1f} s")  # fmt: skip
                process, url, _ = serve(database_url, data_dir)
                try:
                    for path in DATASETS:  # warm-up: code paths, prepared statements, a pool connection
                        httpx.get(url + path, headers={"If-None-Match": "*"}, timeout=60)
                    httpx.get(url + DATASETS[2], timeout=60)
                    for path in DATASETS:
                        m = measure(url, process.pid, path)
                        print(
                            f"  {path:42} {m['seconds']:6.2f} s {m['bytes'] / 1e6:8.2f} MB {m['rows']:>8,} rows"
                            f" | RSS {m['rss_before_mib']:6.1f} MiB, peak +{m['peak_growth_mib']:5.1f} MiB,"
                            f" after {m['rss_after_mib']:6.1f} MiB | 304 in {m['not_modified_ms']:5.1f} ms"
                        )
                finally:
                    stop(process)
                for what, size, peak in asyncio.run(traced(database_url, data_dir, DATASETS[:2])):
                    print(f"  in process, tracemalloc: {what:36} {size / 1e6:8.2f} MB, peak {peak / 2**20:7.2f} MiB")
                logging.getLogger("httpx").setLevel(logging.WARNING)  # create_app configured the logs
    finally:
        drop_database(args.admin_url, name)


if __name__ == "__main__":
    main()
