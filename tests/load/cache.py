"""Load benchmark of the public cache: the read scenarios against an uncached and a cached API, and Redis killed during
a run. It starts the API processes (and, for the outage, a redis-server) itself.

    uv run python -m tests.load.cache --database-url postgresql://postgres@127.0.0.1:5432/DBNAME \\
        [--redis-url redis://127.0.0.1:6379/0] [--duration 20] [--connections 32] [--threads 2]
        [--scenarios detail,first_pages,deep_pages,nearby_10km,nearby_50km] [--outage-only | --no-outage]

Compare: for each scenario, one line per configuration (uncached: CACHE_TTL_SECONDS=0; cached: REDIS_URL and
CACHE_TTL_SECONDS=5, anonymous requests as in `bench`), then the ratio of their req/s, and the cache hit rate seen by
the cached API (from its /metrics). Outage: a mix of the detail, list and nearby requests for `--duration` seconds
while a redis-server of our own is killed (SIGKILL) at a third of the run and started again at two thirds; it passes
when every answer was 2xx and the API served from the cache again after the restart. Rate limits are off in every API
process here: all of wrk's requests come from one IP.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from tests.load.bench import SCENARIOS, Dataset, Scenario, lua_script, machine_description, read_dataset, require_wrk
from tests.load.driver import WARM_UP_SECONDS, Request, WrkResult, WrkSettings, parse_wrk_output, probe, run_wrk
from tests.load.seed import RANDOM_SEED
from tests.support.redis import RedisServer, free_port, redis_binary

READ_SCENARIOS = [name for name, scenario in SCENARIOS.items() if isinstance(scenario, Scenario)]
CACHE_TTL_SECONDS = "5"
OUTAGE_BREAKER_RESET_SECONDS = "2"
STARTUP_TIMEOUT_SECONDS = 30.0
OUTAGE_MIX = ("detail", "first_pages", "nearby_10km")
_CACHE_SAMPLE = re.compile(r'^mutiroes_cache_lookups_total\{entry="[^"]+",result="(?P<result>[^"]+)"\} (?P<value>\S+)$')
_REQUESTS_SAMPLE = re.compile(
    r'^mutiroes_http_requests_total\{method="[^"]+",route="(?P<route>[^"]+)",[^}]*\} (?P<value>\S+)$'
)
_STATEMENTS_SAMPLE = re.compile(r"^mutiroes_db_statements_total (?P<value>\S+)$")
ROW = "{:<13} {:<9} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7} {:>10}"


# --- the API under test --------------------------------------------------------------------------


@contextlib.contextmanager
def api_process(database_url: str, env: Mapping[str, str]) -> Iterator[str]:
    """One uvicorn process (no access log, no worker, no rate limits) on a free port; yields its base URL."""
    port = free_port()
    environment = {
        **{name: value for name, value in os.environ.items() if name not in {"REDIS_URL", "CACHE_TTL_SECONDS"}},
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "RATE_LIMIT_API_PER_SECOND": "0",
        "RATE_LIMIT_AUTH_PER_MINUTE": "0",
        "LOG_FORMAT": "text",
        **env,
    }
    command = [sys.executable, "-m", "uvicorn", "app.api.app:create_app", "--factory", "--port", str(port)]
    process = subprocess.Popen([*command, "--no-access-log", "--log-level", "warning"], env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API process exited with {process.returncode} before answering")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/readiness/", timeout=2) as answer:  # noqa: S310
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"the API at {url} was not ready after {STARTUP_TIMEOUT_SECONDS:g} s")


def counters(url: str) -> dict[str, float]:
    """From the API's /metrics: cache lookups by result (hit, miss, unavailable), `requests` (but the scrapes) and
    `statements` sent to PostgreSQL, so far."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as answer:  # noqa: S310 (our own URL)
        text = answer.read().decode()
    totals: dict[str, float] = {"hit": 0.0, "miss": 0.0, "unavailable": 0.0, "requests": 0.0, "statements": 0.0}
    for line in text.splitlines():
        if found := _CACHE_SAMPLE.match(line):
            totals[found["result"]] += float(found["value"])
        elif (found := _REQUESTS_SAMPLE.match(line)) and found["route"] != "/metrics":
            totals["requests"] += float(found["value"])
        elif found := _STATEMENTS_SAMPLE.match(line):
            totals["statements"] = float(found["value"])
    return totals


def figures(before: Mapping[str, float], after: Mapping[str, float]) -> str:
    """The run's cache hit rate and PostgreSQL statements per request."""
    delta = {name: after[name] - before[name] for name in after}
    lookups = delta["hit"] + delta["miss"] + delta["unavailable"]
    hits = f"{delta['hit'] / lookups:.1%}" if lookups else "-"
    per_request = f"{delta['statements'] / delta['requests']:.2f}" if delta["requests"] else "-"
    return f"{hits:>7} {per_request:>10}"


# --- compare ---------------------------------------------------------------------------------------


def requests_of(name: str, data: Dataset) -> list[Request]:
    """A read scenario's requests, seeded by its name as in `bench`: every configuration gets the same ones."""
    scenario = SCENARIOS[name]
    assert isinstance(scenario, Scenario)
    return scenario.requests(replace(data, rng=random.Random(f"{RANDOM_SEED}:{name}")))  # noqa: S311


def run_once(name: str, url: str, data: Dataset, args: argparse.Namespace, folder: Path) -> tuple[WrkResult, str]:
    """The warm-up (as in `bench`), then the measured run and its figures: cache hit rate and SQL per request."""
    requests = requests_of(name, data)
    if problem := probe(url, requests[0]):
        print(f"  warning: {name}: {problem}", file=sys.stderr, flush=True)
    script = folder / f"{name}.lua"
    script.write_text(lua_script(requests))
    settings = WrkSettings(url, args.connections, args.threads)
    run_wrk(args.wrk, settings, script, WARM_UP_SECONDS)
    before = counters(url)
    result = parse_wrk_output(run_wrk(args.wrk, settings, script, args.duration))
    return result, figures(before, counters(url))


def print_line(name: str, config: str, result: WrkResult, extra: str = "") -> None:
    print(
        ROW.format(
            name, config, f"{result.requests_per_second:.1f}", f"{result.p50_ms:.2f}", f"{result.p99_ms:.2f}",
            result.non_2xx, result.socket_errors, "", "",
        ).rstrip() + extra,
        flush=True,
    )  # fmt: skip


def compare(args: argparse.Namespace, data: Dataset, folder: Path) -> None:
    print(ROW.format("scenario", "config", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "hits", "SQL/req"))
    uncached_env = {"CACHE_TTL_SECONDS": "0"}
    cached_env = {"REDIS_URL": args.redis_url, "CACHE_TTL_SECONDS": CACHE_TTL_SECONDS}
    with api_process(args.database_url, uncached_env) as uncached, api_process(args.database_url, cached_env) as cached:
        for name in args.scenario_names:
            results = {}
            for config, url in (("uncached", uncached), ("cached", cached)):
                results[config], measured = run_once(name, url, data, args, folder)
                print_line(name, config, results[config], " " + measured)
            plain, fast = results["uncached"].requests_per_second, results["cached"].requests_per_second
            print(f"{'':<13} {'ratio':<9} {fast / plain if plain else float('nan'):>8.2f}x\n", flush=True)


# --- outage ----------------------------------------------------------------------------------------


def outage(args: argparse.Namespace, data: Dataset, folder: Path) -> bool:
    binary = redis_binary()
    if binary is None:
        print("outage: redis-server is not installed (apt-get install redis-server); not run", file=sys.stderr)
        return False
    redis = RedisServer(binary, free_port())
    redis.start()
    try:
        env = {
            "REDIS_URL": redis.url,
            "CACHE_TTL_SECONDS": CACHE_TTL_SECONDS,
            "REDIS_BREAKER_RESET_SECONDS": OUTAGE_BREAKER_RESET_SECONDS,
        }
        with api_process(args.database_url, env) as url:
            requests = [request for name in OUTAGE_MIX for request in requests_of(name, data)]
            script = folder / "outage.lua"
            script.write_text(lua_script(requests))
            settings = WrkSettings(url, args.connections, args.threads)
            run_wrk(args.wrk, settings, script, 3)  # warm-up
            marks: dict[str, dict[str, float]] = {}

            def kill_then_restart() -> None:
                time.sleep(args.duration / 3)
                redis.kill()
                time.sleep(args.duration / 3)
                redis.start()
                marks["restarted"] = counters(url)

            chaos = threading.Thread(target=kill_then_restart, daemon=True)
            chaos.start()
            result = parse_wrk_output(run_wrk(args.wrk, settings, script, args.duration))
            chaos.join()
            after = counters(url)
    finally:
        redis.stop()
    hits_after_restart = after["hit"] - marks.get("restarted", after)["hit"]
    unavailable = after["unavailable"]
    passed = result.non_2xx == 0 and result.socket_errors == 0 and hits_after_restart > 0
    print(ROW.format("scenario", "config", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "", "").rstrip())
    print_line("redis_outage", "cached", result, "  PASS" if passed else "  FAIL")
    print(
        f"  Redis killed at {args.duration / 3:.0f} s and restarted at {2 * args.duration / 3:.0f} s of "
        f"{args.duration} s ({', '.join(OUTAGE_MIX)} mixed); lookups answered by PostgreSQL while Redis was "
        f"unavailable: {unavailable:.0f}; cache hits after the restart: {hits_after_restart:.0f}",
        flush=True,
    )
    return passed


# --- the command -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.load.cache", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="the seeded database (see tests.load.seed)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="Redis of the cached API")
    parser.add_argument("--duration", type=int, default=20, help="seconds per run (default 20)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scenarios", default=",".join(READ_SCENARIOS), help=f"of: {', '.join(READ_SCENARIOS)}")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--outage-only", action="store_true", help="only the Redis outage run")
    which.add_argument("--no-outage", action="store_true", help="only the cached/uncached comparison")
    args = parser.parse_args(argv)
    args.scenario_names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in args.scenario_names if name not in READ_SCENARIOS]
    if unknown or not args.scenario_names:
        parser.error(f"unknown scenario(s) {', '.join(unknown) or '(none)'}; known: {', '.join(READ_SCENARIOS)}")
    if args.duration < 3 or args.threads < 1 or args.connections < args.threads:
        parser.error("--duration must be at least 3, --threads positive, and --connections at least --threads")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    args.wrk = require_wrk()
    print(machine_description(args.database_url, args.wrk))
    data = read_dataset(args.database_url)
    print(f"run: {args.duration} s per run at {args.connections} connections, {args.threads} threads\n")
    passed = True
    with tempfile.TemporaryDirectory(prefix="mutiroes-cache-") as name_of_folder:
        folder = Path(name_of_folder)
        if not args.outage_only:
            compare(args, data, folder)
        if not args.no_outage:
            passed = outage(args, data, folder)
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
