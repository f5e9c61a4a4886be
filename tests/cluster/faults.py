"""Faults survived, measured: the local stack (deploy/local) under load, one fault at a time.

    uv run python -m tests.cluster.faults [--only api_kill,redis_master,read_replica,worker_kill,capacity_race]
                                          [--seconds 30] [--json FILE]

Starts the whole topology with `deploy/local/up` in a folder of its own (nginx, 3 APIs, 2 workers, PostgreSQL
primary and streaming replica, Redis master and replica under 3 Sentinels), seeds it, runs each fault and prints
its figures; `down` at the end, whatever happened. Loopback only; about three minutes. `tests/cluster/test_faults.py`
runs it in the test suite when Debian's packages are installed, and checks each figure against its promise.

The load: 32 clients in a loop for the scenario's duration, through nginx, each request one of the public reads
(list pages, an event, nearby, categories), half of them with a token (so they bypass the cache and reach
PostgreSQL). Every request's start, end and outcome is kept: a failure is any 5xx or a transport error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.deploy.support import DEPLOY, free_base_port, load_cluster_module, missing_local_stack_binaries
from tests.support.factories import Factory
from tests.support.notifications import add_participants, defer
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink

CONCURRENCY = 32
SANTOS = (-23.96, -46.33)
EMAILS = 500
EMAIL_JOBS = 10
RACE_JOINS = 300
RACE_PLACES = 50
SCENARIOS = ("api_kill", "redis_master", "read_replica", "worker_kill", "capacity_race")
# The stack's own settings for these runs: no per-IP limits (the load comes from one address), and a Redis breaker
# that tries again after 3 s instead of 30 (so a 20 s run shows the API back on the new master).
STACK_ENV = {
    "RATE_LIMIT_API_PER_SECOND": "0",
    "RATE_LIMIT_AUTH_PER_MINUTE": "0",
    "REDIS_BREAKER_RESET_SECONDS": "3",
    "DATABASE_POOL_SIZE": "8",
    "DATABASE_MAX_OVERFLOW": "8",
    "MUTIROES_LOCAL_SENTINEL_DOWN_AFTER_MS": "1000",
    "MUTIROES_LOCAL_SENTINEL_FAILOVER_TIMEOUT_MS": "5000",
}


@dataclass(frozen=True)
class Outcome:
    started: float
    ended: float
    status: int  # 0: transport error (connection refused or reset, timeout)
    cache: str | None

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500


@dataclass
class Result:
    """One scenario's figures and whether each promise held."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    promises: dict[str, bool] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return all(self.promises.values())


# --- the stack ------------------------------------------------------------------------------------


class Stack:
    def __init__(self, folder: Path, smtp_port: int) -> None:
        self.module = load_cluster_module()
        self.folder = folder
        self.base_port = free_base_port(self.module.OFFSETS)
        self.env = {
            **os.environ,
            **STACK_ENV,
            "MUTIROES_LOCAL_DIR": str(folder),
            "MUTIROES_LOCAL_BASE_PORT": str(self.base_port),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_SECURITY": "none",
        }

    def up(self) -> None:
        started = time.monotonic()
        done = subprocess.run(
            [str(DEPLOY / "local" / "up")], env=self.env, capture_output=True, text=True, timeout=180, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"deploy/local/up failed:\n{done.stdout}\n{done.stderr}")
        print(f"deploy/local/up: {time.monotonic() - started:.1f} s, {self.url}", flush=True)

    def down(self) -> None:
        subprocess.run(
            [str(DEPLOY / "local" / "down")], env=self.env, capture_output=True, text=True, timeout=90, check=False
        )

    @property
    def cluster(self) -> Any:
        return self.module.Cluster.load(self.folder)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    def port(self, piece: str) -> int:
        port: int = self.cluster.pieces[piece].port
        return port

    def kill(self, piece: str) -> None:
        self.module.kill_piece(self.cluster, piece, signal.SIGKILL)

    def start(self, piece: str) -> None:
        self.module.start_piece(self.cluster, piece)

    def stop(self, piece: str) -> None:
        self.module.stop_piece(self.cluster, piece)

    def sql(self, statement: str) -> str:
        result: str = self.module.psql(self.cluster, "pg-primary", statement, "mutiroes")
        return result

    def master_port(self) -> int | None:
        try:
            return int(self.module.sentinel_master(self.cluster)["port"])
        except Exception:
            return None

    def api_metrics(self) -> list[str]:
        """Each API process's /metrics (empty for one that does not answer)."""
        texts = []
        for name in self.module.APIS:
            try:
                texts.append(httpx.get(f"http://127.0.0.1:{self.port(name)}/metrics", timeout=3).text)
            except httpx.HTTPError:
                texts.append("")
        return texts


def metric_sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def api_requests(text: str, route_part: str = "") -> float:
    """Requests to /api/… (whose route template holds `route_part`) counted by one API process."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("mutiroes_http_requests_total{")
        and 'route="/api/' in line
        and route_part in line.partition('route="')[2].partition('"')[0]
    )


def reads_by_database(stack: Stack) -> dict[str, float]:
    texts = stack.api_metrics()
    return {
        database: sum(metric_sum(text, "mutiroes_db_reads_total", database=database) for text in texts)
        for database in ("replica", "primary")
    }


# --- data -----------------------------------------------------------------------------------------


@dataclass
class Seeded:
    event_ids: list[int]
    tokens: list[str]
    race_event: int
    race_tokens: list[str]
    email_event: int
    email_users: list[int]


def factory_of(stack: Stack) -> Factory:
    """Rows straight into the stack's primary, tokens signed with its secret."""
    env = stack.cluster.env
    return Factory(make_settings(env["DATABASE_URL"], stack.folder / "factory", jwt_secret=env["JWT_SECRET"]))


def seed(stack: Stack) -> Seeded:
    factory = factory_of(stack)
    try:
        organizer = factory.user("organizadora")
        events = [
            factory.event(organizer, title=f"Mutirão {number}", at=(SANTOS[0] + number / 1000, SANTOS[1]))
            for number in range(40)
        ]
        readers = [factory.user(f"leitora{number}") for number in range(16)]
        race_event = factory.event(organizer, title="Limpeza com 50 vagas", max_participants=RACE_PLACES)
        racers = [factory.user(f"corredora{number}") for number in range(RACE_JOINS)]
        email_event = factory.event(organizer, title="Plantio com 500 pessoas", max_participants=EMAILS)
        emailed = [factory.user(f"avisada{number}") for number in range(EMAILS)]
        add_participants(factory, email_event, emailed)
        return Seeded(
            event_ids=events,
            tokens=[factory.access_token(user) for user in readers],
            race_event=race_event,
            race_tokens=[factory.access_token(user) for user in racers],
            email_event=email_event,
            email_users=emailed,
        )
    finally:
        factory.close()


# --- load -----------------------------------------------------------------------------------------


def read_paths(seeded: Seeded) -> list[str]:
    return [
        *(f"/api/events/?page={page}&page_size=10" for page in (1, 2, 3)),
        *(f"/api/events/{event_id}/" for event_id in seeded.event_ids),
        f"/api/events/nearby/?latitude={SANTOS[0]}&longitude={SANTOS[1]}&radius=10",
        "/api/events/categories/",
    ]


async def load(
    url: str, seeded: Seeded, seconds: float, faults: Sequence[tuple[float, Callable[[], None]]]
) -> tuple[list[Outcome], dict[str, float]]:
    """Run the load for `seconds`; run each fault (blocking, in a thread) at its offset. Returns the outcomes and
    when each fault started and ended (seconds since the start, keys `fault_N` / `fault_N_done`)."""
    paths = read_paths(seeded)
    outcomes: list[Outcome] = []
    marks: dict[str, float] = {}
    start = time.monotonic()
    deadline = start + seconds
    rng = random.Random(14)  # noqa: S311 - a load pattern, not a secret
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10.0) as client:

        async def one_client() -> None:
            while time.monotonic() < deadline:
                path = rng.choice(paths)
                headers = {"Authorization": f"Bearer {rng.choice(seeded.tokens)}"} if rng.random() < 0.5 else {}
                began = time.monotonic()
                try:
                    answer = await client.get(path, headers=headers)
                    outcome = Outcome(
                        began - start, time.monotonic() - start, answer.status_code, answer.headers.get("x-cache")
                    )
                except httpx.TransportError:
                    outcome = Outcome(began - start, time.monotonic() - start, 0, None)
                outcomes.append(outcome)

        async def run_faults() -> None:
            for number, (at, fault) in enumerate(faults):
                await asyncio.sleep(max(0.0, start + at - time.monotonic()))
                marks[f"fault_{number}"] = time.monotonic() - start
                await asyncio.to_thread(fault)
                marks[f"fault_{number}_done"] = time.monotonic() - start

        await asyncio.gather(run_faults(), *(one_client() for _ in range(CONCURRENCY)))
    return outcomes, marks


def summary(outcomes: Iterable[Outcome], seconds: float) -> dict[str, Any]:
    done = list(outcomes)
    latencies = sorted(outcome.ended - outcome.started for outcome in done)
    statuses = Counter(outcome.status for outcome in done)
    return {
        "requests": len(done),
        "requests_per_second": round(len(done) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else None,
        "failed": sum(outcome.failed for outcome in done),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
    }


def between(outcomes: Iterable[Outcome], start: float, end: float) -> list[Outcome]:
    return [outcome for outcome in outcomes if start <= outcome.started < end]


# --- the faults -----------------------------------------------------------------------------------


def api_kill(stack: Stack, seeded: Seeded, seconds: float) -> Result:
    """SIGKILL api2 a third of the way in, start it again at two thirds; nginx must hide it."""
    # Restarted with more than nginx's fail_timeout (10 s) of load left: it puts the replica back after that.
    kill_at, restart_at = seconds / 4, seconds / 2
    outcomes, marks = asyncio.run(
        load(
            stack.url,
            seeded,
            seconds,
            [(kill_at, lambda: stack.kill("api2")), (restart_at, lambda: stack.start("api2"))],
        )
    )
    killed = marks["fault_0"]
    in_flight = [outcome for outcome in outcomes if outcome.started <= killed <= outcome.ended]
    failed_in_flight = sum(outcome.failed for outcome in in_flight)
    failed_beyond = sum(outcome.failed for outcome in outcomes) - failed_in_flight
    rejoined_at = marks["fault_1_done"]
    served_after = api_requests(stack.api_metrics()[1])  # the restarted process counts from zero
    return Result(
        "api_kill",
        figures={
            **summary(outcomes, seconds),
            "killed_at_s": round(killed, 1),
            "restarted_and_ready_at_s": round(rejoined_at, 1),
            "in_flight_at_kill": len(in_flight),
            "failed_in_flight": failed_in_flight,
            "failed_beyond_in_flight": failed_beyond,
            "api2_requests_after_restart": int(served_after),
        },
        promises={
            "no failure beyond those in flight at the kill": failed_beyond == 0,
            "the restarted replica takes requests again": served_after > 0,
        },
    )


def redis_master(stack: Stack, seeded: Seeded, seconds: float) -> Result:
    """SIGKILL the Redis master; Sentinel promotes the replica; the API must follow with no 5xx."""
    replica_port = stack.port("redis-replica")
    promoted: dict[str, float] = {}

    def kill_and_wait_for_promotion() -> None:
        killed = time.monotonic()
        stack.kill("redis-master")
        while time.monotonic() - killed < seconds:
            if stack.master_port() == replica_port:
                promoted["after"] = time.monotonic() - killed
                return
            time.sleep(0.1)

    kill_at = 3.0
    outcomes, marks = asyncio.run(load(stack.url, seeded, seconds, [(kill_at, kill_and_wait_for_promotion)]))
    last = between(outcomes, seconds - 5, seconds)
    hits_at_the_end = sum(outcome.cache == "hit" for outcome in last)
    figures = {
        **summary(outcomes, seconds),
        "failover_s": round(promoted["after"], 1) if "after" in promoted else None,
        "before": summary(between(outcomes, 0, kill_at), kill_at),
        "during": summary(between(outcomes, kill_at, marks["fault_0_done"]), marks["fault_0_done"] - kill_at),
        "cache_hits_last_5_s": hits_at_the_end,
    }
    return Result(
        "redis_master",
        figures=figures,
        promises={
            "Sentinel promoted the replica": "after" in promoted,
            "no 5xx throughout": figures["failed"] == 0,
            "the API uses the new master (cache hits again)": hits_at_the_end > 0,
        },
    )


def read_replica(stack: Stack, seeded: Seeded, seconds: float) -> Result:
    """Stop the read replica for a third of the run: no 5xx, reads move to the primary and come back."""
    stop_at, start_at = seconds / 4, seconds / 2
    snapshots: dict[str, dict[str, float]] = {"before": reads_by_database(stack)}

    def stop() -> None:
        snapshots["stopping"] = reads_by_database(stack)
        stack.stop("pg-replica")

    def start() -> None:
        snapshots["stopped"] = reads_by_database(stack)
        stack.start("pg-replica")
        time.sleep(2.5)  # a check a second: every API finds it back
        snapshots["back"] = reads_by_database(stack)

    outcomes, _ = asyncio.run(load(stack.url, seeded, seconds, [(stop_at, stop), (start_at, start)]))
    snapshots["end"] = reads_by_database(stack)

    def delta(first: str, second: str, database: str) -> int:
        return int(snapshots[second][database] - snapshots[first][database])

    figures = {
        **summary(outcomes, seconds),
        "reads_before_stop": {db: delta("before", "stopping", db) for db in ("replica", "primary")},
        "reads_while_stopped": {db: delta("stopping", "stopped", db) for db in ("replica", "primary")},
        "reads_after_return": {db: delta("back", "end", db) for db in ("replica", "primary")},
    }
    return Result(
        "read_replica",
        figures=figures,
        promises={
            "no 5xx throughout": figures["failed"] == 0,
            "reads went to the replica before": figures["reads_before_stop"]["replica"] > 0,
            "reads moved to the primary while it was stopped": figures["reads_while_stopped"]["primary"] > 0
            and figures["reads_while_stopped"]["replica"] <= CONCURRENCY,
            "reads came back to the replica": figures["reads_after_return"]["replica"] > 0,
        },
    )


def worker_kill(stack: Stack, seeded: Seeded, sink: SmtpSink) -> Result:
    """500 emails in 10 jobs; SIGKILL worker1 while it sends. None lost, at most one duplicate per job it was
    running, all within 2 minutes (its jobs come back once it has been silent 30 s)."""
    addresses = {f"avisada{number}@example.org" for number in range(EMAILS)}
    cluster = stack.cluster
    settings = make_settings(
        cluster.env["DATABASE_URL"], stack.folder / "factory", jwt_secret=cluster.env["JWT_SECRET"]
    )
    factory = Factory(settings)
    chunk = EMAILS // EMAIL_JOBS
    started = time.monotonic()
    try:
        job_ids = [
            defer(
                factory,
                "send_event_notification_email",
                "emails",
                event_id=seeded.email_event,
                kind="join_confirmed",
                user_ids=seeded.email_users[first : first + chunk],
            )
            for first in range(0, EMAILS, chunk)
        ]
    finally:
        factory.close()
    ids = "(" + ",".join(map(str, job_ids)) + ")"

    def received() -> Counter[str]:
        return Counter(address for item in list(sink.received) for address in item.rcpt_tos if address in addresses)

    while sum(received().values()) < EMAILS // 5 and time.monotonic() - started < 60:
        time.sleep(0.02)
    running = int(stack.sql(f"SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing' AND id IN {ids}"))
    stack.kill("worker1")
    killed_at = time.monotonic() - started
    while len(received()) < EMAILS and time.monotonic() - started < 150:
        time.sleep(0.2)
    all_sent_at = time.monotonic() - started
    counts = received()
    duplicates = sum(count - 1 for count in counts.values())
    # The jobs the dead worker was running: retry_stalled_jobs put them back, one attempt more.
    rescued = int(stack.sql(f"SELECT count(*) FROM procrastinate_jobs WHERE attempts > 1 AND id IN {ids}"))
    stack.start("worker1")
    figures = {
        "emails": EMAILS,
        "jobs": EMAIL_JOBS,
        "killed_at_s": round(killed_at, 1),
        "jobs_running_at_the_kill": running,
        "jobs_rescued_from_the_killed_worker": rescued,
        "delivered": len(counts),
        "lost": EMAILS - len(counts),
        "duplicates": duplicates,
        "all_delivered_after_s": round(all_sent_at, 1),
    }
    return Result(
        "worker_kill",
        figures=figures,
        promises={
            "none lost": figures["lost"] == 0,
            "at most one duplicate per job that was running": duplicates <= rescued,
            "all sent within 2 minutes": all_sent_at <= 120,
        },
    )


def capacity_race(stack: Stack, seeded: Seeded) -> Result:
    """300 joins at once on 50 places, through nginx over the three APIs: exactly 50 confirmed."""
    before = [api_requests(text, "/join") for text in stack.api_metrics()]

    async def race() -> list[int]:
        limits = httpx.Limits(max_connections=RACE_JOINS)
        async with httpx.AsyncClient(base_url=stack.url, limits=limits, timeout=60.0) as client:
            answers = await asyncio.gather(
                *(
                    client.post(f"/api/events/{seeded.race_event}/join/", headers={"Authorization": f"Bearer {token}"})
                    for token in seeded.race_tokens
                ),
                return_exceptions=True,
            )
        return [answer.status_code if isinstance(answer, httpx.Response) else 0 for answer in answers]

    started = time.monotonic()
    statuses = asyncio.run(race())
    seconds = time.monotonic() - started
    after = [api_requests(text, "/join") for text in stack.api_metrics()]
    rows = stack.sql(
        f"SELECT status, count(*) FROM event_participants WHERE event_id = {seeded.race_event} GROUP BY 1 ORDER BY 1"
    )
    by_status = dict(line.split("|") for line in rows.splitlines() if "|" in line)
    counter = stack.sql(f"SELECT participants_count FROM events WHERE id = {seeded.race_event}")
    spread = [int(a - b) for a, b in zip(after, before, strict=True)]
    participants = {status: int(count) for status, count in by_status.items()}
    figures: dict[str, Any] = {
        "joins": RACE_JOINS,
        "places": RACE_PLACES,
        "seconds": round(seconds, 2),
        "answers": {str(status): count for status, count in sorted(Counter(statuses).items())},
        "participants": participants,
        "participants_count": int(counter),
        "joins_per_api": spread,
    }
    return Result(
        "capacity_race",
        figures=figures,
        promises={
            "every join answered 201": figures["answers"] == {"201": RACE_JOINS},
            "exactly 50 confirmed": participants.get("confirmed") == RACE_PLACES
            and figures["participants_count"] == RACE_PLACES,
            "the rest waitlisted": participants.get("waitlisted") == RACE_JOINS - RACE_PLACES,
            "spread over the three APIs": all(count > 0 for count in spread),
        },
    )


# --- main -----------------------------------------------------------------------------------------


def print_result(result: Result) -> None:
    print(f"\n== {result.name}: {'held' if result.held else 'NOT HELD'}", flush=True)
    for name, value in result.figures.items():
        print(f"   {name}: {json.dumps(value, ensure_ascii=False)}")
    for promise, held in result.promises.items():
        print(f"   [{'x' if held else ' '}] {promise}")


def print_errors(folder: Path) -> None:
    """What the processes logged as errors (the folder goes with the stack): why a promise did not hold."""
    for log in sorted((folder / "logs").glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        wanted = [number for number, line in enumerate(lines) if "Unhandled error" in line or '"ERROR"' in line]
        for number in wanted[:3]:
            print(f"--- {log.name}:{number + 1}", *lines[number : number + 25], sep="\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--seconds", type=float, default=30.0, help="load duration of the API-kill run")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = missing_local_stack_binaries()
    if missing:
        print(f"the local stack needs Debian's packages; missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="mutiroes-faults-"))
    folder.chmod(0o755)
    results: list[Result] = []
    with SmtpSink(delay=0.02) as sink:
        stack = Stack(folder / "stack", sink.port)
        try:
            stack.up()
            seeded = seed(stack)
            runs: dict[str, Callable[[], Result]] = {
                "api_kill": lambda: api_kill(stack, seeded, args.seconds),
                "redis_master": lambda: redis_master(stack, seeded, 20.0),
                "read_replica": lambda: read_replica(stack, seeded, 20.0),
                "worker_kill": lambda: worker_kill(stack, seeded, sink),
                "capacity_race": lambda: capacity_race(stack, seeded),
            }
            for name in args.only:
                result = runs[name]()
                print_result(result)
                results.append(result)
        finally:
            if not all(result.held for result in results):
                print_errors(folder / "stack")
            stack.down()
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(result) for result in results], indent=2, ensure_ascii=False))
    return 0 if all(result.held for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
