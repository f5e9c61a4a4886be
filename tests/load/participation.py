"""Participation scenarios: volunteers joining and leaving under load, and a race for the last spots.

`join_leave` — wrk, one connection per wrk thread. Each connection owns its own (user, event) pairs (a user
belongs to one pair only, so no two connections ever act for the same person) and alternates
`POST …/join/` then `POST …/leave/` on one pair, then the next, cycling. wrk sends a connection's next
request only after the answer to the previous one, and the script moves on only when an answer arrives,
so each pair's join and leave never overlap.

`capacity_race` — a Python (httpx) driver: a fresh published event with 50 spots, then 1,000 volunteers
join it exactly once each through `--connections` concurrent workers. The database must then hold 50
confirmed (the 50 earliest arrivals) and 950 waitlisted, and the event's counters must agree.

Both mint access tokens for the non-organizer load users with `--jwt-secret`: the API under test must be
started with the same `JWT_SECRET`. Both clean up after themselves (and before, should a run have died).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx
import psycopg
from psycopg import sql

from app.domain.accounts.tokens import TokenCodec
from app.domain.events.search import search_text
from tests.load.driver import (
    WARM_UP_SECONDS,
    DrivenScenario,
    Request,
    RunContext,
    Target,
    lua_string,
    parse_wrk_output,
    print_result,
    print_row,
    probe,
    run_wrk,
)
from tests.load.seed import LIMPEZA, LOAD_USER_PATTERNS, libpq_url

TOKEN_LIFETIME = dt.timedelta(hours=2)
# Users old enough for any event they are sent to (the seed gives ~80% of them a birth date); events that
# admit them: `min_age` at most this, and no `max_age`.
MIN_AGE = 16
JOIN_LEAVE_EVENTS = 200
JOIN_LEAVE_TARGET = Target(min_rps=None)  # no rate in the spec yet: only "every answer 2xx"
RACE_USERS = 1_000
RACE_CAPACITY = 50
RACE_TITLE = "Bench: corrida pelas vagas"
# wrk exits with requests in flight; the API may still finish them. Wait before counting or cleaning.
SETTLE_SECONDS = 1.0


# --- users and tokens --------------------------------------------------------------------------


def volunteer_ids(conn: psycopg.Connection[Any]) -> list[int]:
    """Active load users who organise no event and are at least MIN_AGE today, by username."""
    rows = conn.execute(
        """
        SELECT u.id FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id
        WHERE u.username LIKE %s AND u.email LIKE %s AND u.is_active
          AND NOT EXISTS (SELECT 1 FROM events e WHERE e.organizer_id = u.id)
          AND (p.birth_date IS NULL OR p.birth_date <= current_date - make_interval(years => %s))
        ORDER BY u.username
        """,
        (*LOAD_USER_PATTERNS, MIN_AGE),
    ).fetchall()
    return [row[0] for row in rows]


def mint_tokens(secret: str, user_ids: Sequence[int]) -> list[str]:
    """Access tokens as the API issues them (HS256, 2 h), signed with the API's JWT_SECRET."""
    codec = TokenCodec(
        secret=secret, algorithm="HS256", access_lifetime=TOKEN_LIFETIME, refresh_lifetime=dt.timedelta(days=1)
    )
    now = dt.datetime.now(dt.UTC)
    return [codec.issue(user_id, "access", now=now)[0] for user_id in user_ids]


def token_problem(base_url: str, token: str) -> str | None:
    """A 401 here means the API was started with another JWT_SECRET."""
    problem = probe(base_url, Request("/api/users/profile/", headers={"Authorization": f"Bearer {token}"}))
    if problem and "401" in problem:
        return f"{problem}: start the API with JWT_SECRET equal to --jwt-secret"
    return problem


def skip(name: str, reason: str) -> bool:
    print_row(name, "-", "-", "-", "-", "-", "not run", "MISSED")
    print(f"  {reason}", flush=True)
    return False


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (share 0.5 for the median)."""
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


# --- join_leave --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    user_id: int
    event_id: int
    token: str


def open_events(conn: psycopg.Connection[Any], users: Sequence[int], spots: int) -> list[int]:
    """Published public events without approval, open for registration well past the run, admitting MIN_AGE,
    with at least `spots` places not held by anyone outside `users`."""
    rows = conn.execute(
        """
        SELECT e.id FROM events e
        WHERE e.status = 'published' AND e.is_public AND NOT e.requires_approval
          AND e.start_date > now() + interval '1 day'
          AND (e.registration_deadline IS NULL OR e.registration_deadline > now() + interval '1 hour')
          AND e.min_age <= %(age)s AND e.max_age IS NULL
          AND e.max_participants - (
                SELECT count(*) FROM event_participants p
                WHERE p.event_id = e.id AND p.status = 'confirmed' AND p.user_id <> ALL(%(users)s)
              ) >= %(spots)s
        ORDER BY e.id
        """,
        {"age": MIN_AGE, "users": list(users), "spots": spots},
    ).fetchall()
    return [row[0] for row in rows]


def plan_pairs(ctx: RunContext) -> list[Pair] | str:
    """As many volunteers as fill every connection equally, each with one event; or why that is impossible."""
    connections = ctx.settings.connections
    with psycopg.connect(libpq_url(ctx.database_url)) as conn:
        volunteers = volunteer_ids(conn)
        users = volunteers[: len(volunteers) // connections * connections]
        if not users:
            return f"{len(volunteers)} non-organizer load users: fewer than --connections ({connections})"
        spots = math.ceil(len(users) / JOIN_LEAVE_EVENTS)
        events = open_events(conn, users, spots)
    if len(events) < JOIN_LEAVE_EVENTS:
        return f"only {len(events)} events open with {spots} free spots; {JOIN_LEAVE_EVENTS} are needed"
    chosen = ctx.rng.sample(events, JOIN_LEAVE_EVENTS)
    tokens = mint_tokens(ctx.jwt_secret, users)
    return [
        Pair(user, chosen[i % len(chosen)], token) for i, (user, token) in enumerate(zip(users, tokens, strict=True))
    ]


def reset_participations(database_url: str, users: Sequence[int], events: Sequence[int]) -> None:
    """One transaction: drop the users' participations, then recount every event they touched (and `events`)
    from event_participants, so the next run starts from a consistent, empty state."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        touched = conn.execute(
            "SELECT DISTINCT event_id FROM event_participants WHERE user_id = ANY(%s)", (list(users),)
        ).fetchall()
        affected = sorted({*events, *(row[0] for row in touched)})
        conn.execute("DELETE FROM event_participants WHERE user_id = ANY(%s)", (list(users),))
        conn.execute(
            """
            UPDATE events e SET
              participants_count = (SELECT count(*) FROM event_participants p
                                    WHERE p.event_id = e.id AND p.status = 'confirmed'),
              waitlist_count = (SELECT count(*) FROM event_participants p
                                WHERE p.event_id = e.id AND p.status = 'waitlisted'),
              pending_count = (SELECT count(*) FROM event_participants p
                               WHERE p.event_id = e.id AND p.status = 'pending')
            WHERE e.id = ANY(%s)
            """,
            (affected,),
        )


def miscounted_events(database_url: str, events: Sequence[int]) -> int:
    """Events whose counters disagree with their event_participants rows."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        row = conn.execute(
            """
            SELECT count(*) FROM events e CROSS JOIN LATERAL (
              SELECT count(*) FILTER (WHERE p.status = 'confirmed')::int AS confirmed,
                     count(*) FILTER (WHERE p.status = 'waitlisted')::int AS waitlisted,
                     count(*) FILTER (WHERE p.status = 'pending')::int AS pending
              FROM event_participants p WHERE p.event_id = e.id
            ) c
            WHERE e.id = ANY(%s)
              AND (e.participants_count, e.waitlist_count, e.pending_count)
                  IS DISTINCT FROM (c.confirmed, c.waitlisted, c.pending)
            """,
            (list(events),),
        ).fetchone()
    return int(row[0]) if row else len(events)


def join_leave_script(pairs: Sequence[Pair], threads: int) -> str:
    """wrk Lua: thread n (one connection) takes pairs n, n + threads, … and walks join, leave, next join, ….
    request() sends the current step; response() tallies failures per status and moves to the next step (so a
    request lost to a socket error is sent again); done() prints `failed status <code>: <count>` lines."""
    specs = [
        f"  {{{lua_string(f'/api/events/{pair.event_id}/')}, {lua_string('Bearer ' + pair.token)}}}," for pair in pairs
    ]
    return "\n".join(
        [
            "-- Generated by tests.load.participation (join_leave).",
            f"local thread_total = {threads}",
            "local pair_specs = {",
            *specs,
            "}",
            "local threads = {}",
            "local thread_count = 0",
            "local steps = {}",
            "local step = 1",
            "failures = {}",
            "function setup(thread)",
            "  thread:set('thread_number', thread_count)",
            "  thread_count = thread_count + 1",
            "  table.insert(threads, thread)",
            "end",
            "function init(args)",
            "  for i, spec in ipairs(pair_specs) do",
            "    if (i - 1) % thread_total == thread_number then",
            "      local headers = {['Accept'] = 'application/json', ['Content-Type'] = 'application/json',",
            "                       ['Authorization'] = spec[2]}",
            "      table.insert(steps, wrk.format('POST', spec[1] .. 'join/', headers, '{}'))",
            "      table.insert(steps, wrk.format('POST', spec[1] .. 'leave/', headers, '{}'))",
            "    end",
            "  end",
            "end",
            "-- wrk also calls request() once on thread 0 just to check it: only an answer moves a pair on.",
            "function request()",
            "  if #steps == 0 then return wrk.format() end",
            "  return steps[step]",
            "end",
            "function response(status, headers, body)",
            "  if status >= 300 then failures[status] = (failures[status] or 0) + 1 end",
            "  step = step % #steps + 1",
            "end",
            "function done(summary, latency, requests)",
            "  local total = {}",
            "  for _, thread in ipairs(threads) do",
            "    for status, count in pairs(thread:get('failures')) do",
            "      total[status] = (total[status] or 0) + count",
            "    end",
            "  end",
            "  for status, count in pairs(total) do",
            "    io.write(string.format('failed status %d: %d\\n', status, count))",
            "  end",
            "end",
            "",
        ]
    )


_FAILED_STATUS = re.compile(r"^failed status (\d+): (\d+)$", re.MULTILINE)


def failed_statuses(output: str) -> dict[int, int]:
    return {int(match[1]): int(match[2]) for match in _FAILED_STATUS.finditer(output)}


def run_join_leave(ctx: RunContext) -> bool:
    plan = plan_pairs(ctx)
    if isinstance(plan, str):
        return skip("join_leave", plan)
    problem = token_problem(ctx.url, plan[0].token)
    if problem:
        return skip("join_leave", problem)
    users = [pair.user_id for pair in plan]
    events = sorted({pair.event_id for pair in plan})
    # One connection per wrk thread: a thread's Lua state then serves exactly one connection, in order.
    settings = replace(ctx.settings, threads=ctx.settings.connections)
    script = ctx.folder / "join_leave.lua"
    script.write_text(join_leave_script(plan, settings.threads))
    reset_participations(ctx.database_url, users, events)
    run_wrk(ctx.wrk, settings, script, WARM_UP_SECONDS)
    time.sleep(SETTLE_SECONDS)
    reset_participations(ctx.database_url, users, events)  # the measured run starts every pair from "not joined"
    output = run_wrk(ctx.wrk, settings, script, ctx.duration)
    time.sleep(SETTLE_SECONDS)
    miscounted = miscounted_events(ctx.database_url, events)
    reset_participations(ctx.database_url, users, events)
    result = parse_wrk_output(output)
    print_result("join_leave", result, JOIN_LEAVE_TARGET)
    failures = ", ".join(f"{count} × {status}" for status, count in sorted(failed_statuses(output).items()))
    print(
        f"  {len(plan):,} users, one event each, over {len(events)} events; {settings.connections} connections "
        f"(one per wrk thread), {len(plan) // settings.connections} pairs each; "
        f"non-2xx by status: {failures or 'none'}; counters agree with event_participants on "
        f"{len(events) - miscounted}/{len(events)} events",
        flush=True,
    )
    return result.meets(JOIN_LEAVE_TARGET) and miscounted == 0


# --- capacity_race -----------------------------------------------------------------------------


def first_load_user(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "SELECT id FROM users WHERE username LIKE %s AND email LIKE %s ORDER BY username LIMIT 1", LOAD_USER_PATTERNS
    ).fetchone()
    if row is None:
        raise SystemExit("No load users: seed the database first (python -m tests.load.seed).")
    return int(row[0])


def race_event_row(organizer: int, now: dt.datetime) -> dict[str, Any]:
    """A published public event in São Paulo, two days ahead, 50 spots, no approval, no age limit."""
    start = now + dt.timedelta(days=2)
    title = f"{RACE_TITLE} {now:%Y-%m-%d %H:%M:%S}"
    description = "Evento criado pelo benchmark de carga (capacity_race) e apagado ao final."
    return {
        "title": title, "description": description, "category_id": LIMPEZA,
        "organizer_id": organizer, "address": "Praça da Sé, 1", "latitude": -23.5505, "longitude": -46.6333,
        "city": "São Paulo", "state": "SP", "start_date": start, "end_date": start + dt.timedelta(hours=3),
        "registration_deadline": None, "timezone": "America/Sao_Paulo", "max_participants": RACE_CAPACITY,
        "min_age": 0, "max_age": None, "status": "published", "is_public": True, "requires_approval": False,
        "required_tools": "", "provided_tools": "", "what_to_bring": "", "cover_image_url": "",
        "participants_count": 0, "waitlist_count": 0, "pending_count": 0,
        "search_text": search_text(title, description, "São Paulo"), "created_at": now, "updated_at": now,
    }  # fmt: skip


def create_race_event(database_url: str) -> int:
    """One transaction: remove race events a dead run left behind, then insert a fresh one (organised by 0001)."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        organizer = first_load_user(conn)
        conn.execute("DELETE FROM events WHERE organizer_id = %s AND title LIKE %s", (organizer, RACE_TITLE + " %"))
        row = race_event_row(organizer, dt.datetime.now(dt.UTC))
        inserted = conn.execute(
            sql.SQL("INSERT INTO events ({}) VALUES ({}) RETURNING id").format(
                sql.SQL(", ").join(map(sql.Identifier, row)), sql.SQL(", ").join(map(sql.Placeholder, row))
            ),
            row,
        ).fetchone()
    assert inserted is not None  # INSERT … RETURNING gives the row it inserted
    return int(inserted[0])


def delete_race_event(database_url: str, event_id: int) -> None:
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("DELETE FROM events WHERE id = %s", (event_id,))  # participations cascade


@dataclass(frozen=True)
class Attempt:
    user_id: int
    seconds: float
    status_code: int | None  # None: no answer (connection error or timeout)
    participation: str | None  # the answer's "status" on a 201


@dataclass(frozen=True)
class RaceRun:
    attempts: list[Attempt]
    seconds: float


async def join_once(client: httpx.AsyncClient, path: str, user_id: int, token: str) -> Attempt:
    started = time.perf_counter()
    try:
        answer = await client.post(path, json={}, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError:
        return Attempt(user_id, time.perf_counter() - started, None, None)
    seconds = time.perf_counter() - started
    participation = answer.json().get("status") if answer.status_code == 201 else None
    return Attempt(user_id, seconds, answer.status_code, participation)


async def join_worker(
    client: httpx.AsyncClient, path: str, queue: asyncio.Queue[tuple[int, str]], attempts: list[Attempt]
) -> None:
    """Take volunteers off the queue until it is empty: each joins exactly once."""
    while True:
        try:
            user_id, token = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        attempts.append(await join_once(client, path, user_id, token))


async def race(url: str, event_id: int, volunteers: Sequence[tuple[int, str]], concurrency: int) -> RaceRun:
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for volunteer in volunteers:
        queue.put_nowait(volunteer)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Accept": "application/json"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30, headers=headers) as client:
        # Open the connections first (and check the event is visible): the race measures joins, not handshakes.
        warm = await asyncio.gather(*(client.get(f"/api/events/{event_id}/") for _ in range(concurrency)))
        if any(answer.status_code != 200 for answer in warm):
            raise RuntimeError(f"the race event answered {sorted({a.status_code for a in warm})} before the race")
        attempts: list[Attempt] = []
        started = time.perf_counter()
        path = f"/api/events/{event_id}/join/"
        await asyncio.gather(*(join_worker(client, path, queue, attempts) for _ in range(concurrency)))
        return RaceRun(attempts, time.perf_counter() - started)


@dataclass(frozen=True)
class Check:
    label: str
    passed: bool
    seen: str


def race_checks(database_url: str, event_id: int, run: RaceRun) -> list[Check]:
    """The invariant, read back from the database, and the answers' agreement with it."""
    waitlisted = RACE_USERS - RACE_CAPACITY
    with psycopg.connect(libpq_url(database_url)) as conn:
        by_status: dict[str, int] = dict(
            conn.execute(
                "SELECT status, count(*) FROM event_participants WHERE event_id = %s GROUP BY status", (event_id,)
            ).fetchall()
        )
        counters = conn.execute(
            "SELECT participants_count, waitlist_count, pending_count FROM events WHERE id = %s", (event_id,)
        ).fetchone()
        earliest = conn.execute(
            "SELECT user_id, status FROM event_participants WHERE event_id = %s ORDER BY arrival LIMIT %s",
            (event_id, RACE_CAPACITY),
        ).fetchall()
        confirmed = {
            row[0]
            for row in conn.execute(
                "SELECT user_id FROM event_participants WHERE event_id = %s AND status = 'confirmed'", (event_id,)
            )
        }
    answers = Counter(attempt.status_code for attempt in run.attempts)
    answered_confirmed = {attempt.user_id for attempt in run.attempts if attempt.participation == "confirmed"}
    return [
        Check("every join answered 201", answers == Counter({201: RACE_USERS}), str(dict(answers))),
        Check(
            f"rows: {RACE_CAPACITY} confirmed, {waitlisted} waitlisted, nothing else",
            by_status == {"confirmed": RACE_CAPACITY, "waitlisted": waitlisted},
            str(by_status),
        ),
        Check(
            f"events counters: participants {RACE_CAPACITY}, waitlist {waitlisted}, pending 0",
            counters == (RACE_CAPACITY, waitlisted, 0),
            str(counters),
        ),
        Check(
            f"the confirmed are the {RACE_CAPACITY} lowest arrivals",
            {row[0] for row in earliest} == confirmed and all(row[1] == "confirmed" for row in earliest),
            f"{sum(row[1] == 'confirmed' for row in earliest)} of the {len(earliest)} earliest confirmed",
        ),
        Check(
            "the 201 answers name the same confirmed volunteers",
            answered_confirmed == confirmed,
            f"{len(answered_confirmed)} answered confirmed",
        ),
    ]


def print_race(run: RaceRun, checks: Sequence[Check], concurrency: int) -> bool:
    latencies = sorted(attempt.seconds * 1000 for attempt in run.attempts)
    passed = all(check.passed for check in checks)
    non_201 = sum(attempt.status_code not in {None, 201} for attempt in run.attempts)
    no_answer = sum(attempt.status_code is None for attempt in run.attempts)
    print_row(
        "capacity_race", f"{len(run.attempts) / run.seconds:.1f}", f"{percentile(latencies, 0.5):.2f}",
        f"{percentile(latencies, 0.99):.2f}", non_201, no_answer,
        f"{RACE_CAPACITY} confirmed + {RACE_USERS - RACE_CAPACITY} waitlisted", "PASS" if passed else "FAIL",
    )  # fmt: skip
    print(
        f"  {len(run.attempts):,} joins (one per volunteer) in {run.seconds:.2f} s by {concurrency} workers "
        f"(httpx, keep-alive); req/s above is joins/s",
        flush=True,
    )
    for check in checks:
        print(f"  {'PASS' if check.passed else 'FAIL'}  {check.label}  ({check.seen})", flush=True)
    return passed


def run_capacity_race(ctx: RunContext) -> bool:
    with psycopg.connect(libpq_url(ctx.database_url)) as conn:
        volunteers = volunteer_ids(conn)
    if len(volunteers) < RACE_USERS:
        return skip("capacity_race", f"{len(volunteers)} non-organizer load users; {RACE_USERS} are needed")
    chosen = ctx.rng.sample(volunteers, RACE_USERS)
    tokens = mint_tokens(ctx.jwt_secret, chosen)
    problem = token_problem(ctx.url, tokens[0])
    if problem:
        return skip("capacity_race", problem)
    event_id = create_race_event(ctx.database_url)
    try:
        concurrency = ctx.settings.connections
        run = asyncio.run(race(ctx.url, event_id, list(zip(chosen, tokens, strict=True)), concurrency))
        checks = race_checks(ctx.database_url, event_id, run)
    finally:
        delete_race_event(ctx.database_url, event_id)
    return print_race(run, checks, concurrency)


SCENARIOS: dict[str, DrivenScenario] = {
    "join_leave": DrivenScenario(run_join_leave),
    "capacity_race": DrivenScenario(run_capacity_race),
}
