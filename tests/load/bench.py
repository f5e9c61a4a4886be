"""Load benchmark of the events endpoints, driven by wrk against one running API process.

    uv run python -m tests.load.bench --url http://127.0.0.1:8000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/DBNAME [--duration 20] [--connections 32] [--threads 2]
        [--scenarios all|detail,first_pages,...]

Request lists are built from the seeded database (see `tests.load.seed`), written into wrk Lua scripts that
pick a random request each time, and every scenario runs for `--duration` seconds after a short warm-up.
One line per scenario: throughput, median and 99th-percentile latency, non-2xx answers, and the target.
A scenario is a request generator and a target in `SCENARIOS`; add one there.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from uuid import UUID

import psycopg

from app.domain.events.models import LISTED_STATUSES
from tests.load.seed import RANDOM_SEED, libpq_url

PAGE_SIZE = 20
DEEP_PAGES_FROM = 50
WARM_UP_SECONDS = 3
DETAIL_SAMPLE = 2_000
NEARBY_VARIANTS = 1_000
NEARBY_JITTER_DEGREES = 0.02
SAO_PAULO_CENTRE = (-23.5505, -46.6333)
DEFAULT_HEADERS: Mapping[str, str] = {"Accept": "application/json"}


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class Dataset:
    """What the request generators draw from: the seeded events, read once."""

    published_ids: Sequence[UUID]  # published public events: visible in detail and nearby
    listed_count: int  # events in the anonymous list
    rng: random.Random

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.listed_count / PAGE_SIZE))


@dataclass(frozen=True)
class Target:
    min_rps: float
    max_p99_ms: float | None = None

    def describe(self) -> str:
        latency = f", p99 ≤ {self.max_p99_ms:g} ms" if self.max_p99_ms is not None else ""
        return f"≥ {self.min_rps:g} req/s{latency}"


@dataclass(frozen=True)
class Scenario:
    requests: Callable[[Dataset], list[Request]]
    target: Target


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    def meets(self, target: Target) -> bool:
        fast_enough = target.max_p99_ms is None or self.p99_ms <= target.max_p99_ms
        return self.requests_per_second >= target.min_rps and fast_enough and self.non_2xx == 0


# --- scenarios ---------------------------------------------------------------------------------


def detail_requests(data: Dataset) -> list[Request]:
    ids = data.rng.sample(list(data.published_ids), min(DETAIL_SAMPLE, len(data.published_ids)))
    return [Request(f"/api/events/{event_id}/") for event_id in ids]


def first_pages_requests(data: Dataset) -> list[Request]:
    return [Request(f"/api/events/?page={page}") for page in range(1, 6)]


def deep_pages_requests(data: Dataset) -> list[Request]:
    first = min(DEEP_PAGES_FROM, data.last_page)
    return [Request(f"/api/events/?page={page}&page_size={PAGE_SIZE}") for page in range(first, data.last_page + 1)]


def nearby_requests(radius_km: int) -> Callable[[Dataset], list[Request]]:
    def generate(data: Dataset) -> list[Request]:
        latitude, longitude = SAO_PAULO_CENTRE
        requests = []
        for _ in range(NEARBY_VARIANTS):
            # A slightly different centre each time, so no layer can serve one cached answer.
            lat = latitude + data.rng.uniform(-NEARBY_JITTER_DEGREES, NEARBY_JITTER_DEGREES)
            lon = longitude + data.rng.uniform(-NEARBY_JITTER_DEGREES, NEARBY_JITTER_DEGREES)
            requests.append(Request(f"/api/events/nearby/?latitude={lat:.4f}&longitude={lon:.4f}&radius={radius_km}"))
        return requests

    return generate


SCENARIOS: dict[str, Scenario] = {
    "detail": Scenario(detail_requests, Target(3000, 100)),
    "first_pages": Scenario(first_pages_requests, Target(550, 100)),
    "deep_pages": Scenario(deep_pages_requests, Target(180)),
    "nearby_10km": Scenario(nearby_requests(10), Target(900, 100)),
    "nearby_50km": Scenario(nearby_requests(50), Target(200)),
}


# --- wrk ---------------------------------------------------------------------------------------


def lua_string(text: str) -> str:
    """A Lua 5.1 string literal: printable ASCII as is, everything else as decimal byte escapes."""
    escaped = []
    for byte in text.encode():
        char = chr(byte)
        escaped.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(escaped) + '"'


def lua_request(request: Request) -> str:
    headers = {**DEFAULT_HEADERS, **request.headers}
    header_table = ", ".join(f"[{lua_string(name)}] = {lua_string(value)}" for name, value in headers.items())
    body = lua_string(request.body) if request.body is not None else "nil"
    return f"  {{{lua_string(request.method)}, {lua_string(request.path)}, {{{header_table}}}, {body}}},"


def lua_script(requests: Sequence[Request]) -> str:
    # Requests are formatted once per thread in init(); request() only picks one.
    return "\n".join(
        [
            "-- Generated by tests.load.bench.",
            "local specs = {",
            *(lua_request(request) for request in requests),
            "}",
            "local formatted = {}",
            "local thread_count = 0",
            "function setup(thread)",
            "  thread:set('thread_number', thread_count)",
            "  thread_count = thread_count + 1",
            "end",
            "function init(args)",
            "  math.randomseed(os.time() + 7919 * thread_number)",
            "  for i, spec in ipairs(specs) do",
            "    formatted[i] = wrk.format(spec[1], spec[2], spec[3], spec[4])",
            "  end",
            "end",
            "function request()",
            "  return formatted[math.random(#formatted)]",
            "end",
            "",
        ]
    )


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_REQUESTS_PER_SECOND = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk_output(output: str) -> WrkResult:
    """Read `wrk --latency` output: Requests/sec, the 50% and 99% latency lines, and the error counts."""
    rps = _REQUESTS_PER_SECOND.search(output)
    percentiles = {match[1]: float(match[2]) * _TIME_UNITS_MS[match[3]] for match in _PERCENTILE.finditer(output)}
    if rps is None or set(percentiles) != {"50", "99"}:
        raise ValueError(f"unexpected wrk output (was --latency given?):\n{output}")
    non_2xx = _NON_2XX.search(output)
    socket_errors = _SOCKET_ERRORS.search(output)
    return WrkResult(
        requests_per_second=float(rps[1]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


@dataclass(frozen=True)
class WrkSettings:
    url: str
    connections: int
    threads: int


def run_wrk(wrk: str, settings: WrkSettings, script: Path, seconds: int) -> str:
    command = [
        wrk, "--latency", "--threads", str(settings.threads), "--connections", str(settings.connections),
        "--duration", f"{seconds}s", "--timeout", "10s", "--script", str(script), settings.url,
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if finished.returncode != 0:
        raise RuntimeError(f"wrk exited with {finished.returncode}: {finished.stderr.strip() or finished.stdout}")
    return finished.stdout


def run_scenario(wrk: str, settings: WrkSettings, script: Path, duration: int) -> WrkResult:
    run_wrk(wrk, settings, script, WARM_UP_SECONDS)  # warm connections, caches and the pool; not reported
    return parse_wrk_output(run_wrk(wrk, settings, script, duration))


# --- the run -----------------------------------------------------------------------------------


def read_dataset(database_url: str) -> Dataset:
    with psycopg.connect(libpq_url(database_url)) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM events WHERE is_public AND status = 'published'")]
        listed = conn.execute(
            "SELECT count(*) FROM events WHERE is_public AND status = ANY(%s)", (list(LISTED_STATUSES),)
        ).fetchone()
    if not ids:
        raise SystemExit("No published public events: seed the database first (python -m tests.load.seed).")
    return Dataset(published_ids=sorted(ids), listed_count=listed[0] if listed else 0, rng=random.Random(RANDOM_SEED))  # noqa: S311


def probe(base_url: str, request: Request) -> str | None:
    """One request before the load: a scenario that fails here would only measure errors."""
    http = urllib.request.Request(  # noqa: S310 (the URL is the --url given, checked to be http(s))
        base_url + request.path, method=request.method, headers={**DEFAULT_HEADERS, **request.headers}
    )
    try:
        with urllib.request.urlopen(http, timeout=10) as answer:  # noqa: S310
            status = int(answer.status)
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        return f"{request.path}: {error}"
    return None if 200 <= status < 300 else f"{request.path} answered {status}"


def machine_description(database_url: str, wrk: str) -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo") if line.startswith("model name")), "?"
    )
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False).stdout.split(" [")[0]
    with psycopg.connect(libpq_url(database_url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    postgres = row[0].split()[0] if row else "?"
    return (
        f"machine: nproc {len(os.sched_getaffinity(0))} ({cpu}), Python {platform.python_version()}, "
        f"{version.strip()}, PostgreSQL {postgres}"
    )


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


TABLE_ROW = "{:<14} {:>9} {:>8} {:>8} {:>8} {:>7}  {:<28} {}"


def print_header(data: Dataset, args: argparse.Namespace) -> None:
    print(
        f"data: {len(data.published_ids):,} published public events, {data.listed_count:,} listed "
        f"({data.last_page:,} pages of {PAGE_SIZE})"
    )
    print(
        f"run: {args.duration} s per scenario at {args.connections} connections, {args.threads} threads, "
        f"after a {WARM_UP_SECONDS} s warm-up\n"
    )
    print(TABLE_ROW.format("scenario", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "target", ""))


def print_result(name: str, result: WrkResult, target: Target) -> None:
    verdict = "ok" if result.meets(target) else "MISSED"
    print(
        TABLE_ROW.format(
            name, f"{result.requests_per_second:.1f}", f"{result.p50_ms:.2f}", f"{result.p99_ms:.2f}",
            result.non_2xx, result.socket_errors, target.describe(), verdict,
        ),
        flush=True,
    )  # fmt: skip


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.load.bench", description="Load benchmark of the events API.")
    parser.add_argument("--url", required=True, help="base URL of one running API process, e.g. http://127.0.0.1:8000")
    parser.add_argument("--database-url", required=True, help="the seeded database the API serves")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario (default 20)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scenarios", default="all", help=f"all, or a comma list of: {', '.join(SCENARIOS)}")
    # Smoke-testing the driver before the events API exists: every scenario requests this path instead.
    parser.add_argument("--path-override", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.url = args.url.rstrip("/")
    if not args.url.startswith(("http://", "https://")):
        parser.error("--url must start with http:// or https://")
    if args.duration < 1 or args.threads < 1 or args.connections < args.threads:
        parser.error("--duration and --threads must be positive, and --connections at least --threads")
    names = list(SCENARIOS) if args.scenarios == "all" else [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        parser.error(f"unknown scenario(s) {', '.join(unknown) or '(none)'}; known: {', '.join(SCENARIOS)}")
    args.scenario_names = names
    return args


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed. On Debian/Ubuntu: apt-get install -y wrk", file=sys.stderr)
        raise SystemExit(2)
    return wrk


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    wrk = require_wrk()
    print(machine_description(args.database_url, wrk))
    data = read_dataset(args.database_url)
    settings = WrkSettings(url=args.url, connections=args.connections, threads=args.threads)
    print_header(data, args)
    met = 0
    with tempfile.TemporaryDirectory(prefix="mutiroes-wrk-") as folder:
        for name in args.scenario_names:
            scenario = SCENARIOS[name]
            # Seeded by name: a scenario asks for the same requests in every run, whichever others run too.
            scenario_data = replace(data, rng=random.Random(f"{RANDOM_SEED}:{name}"))  # noqa: S311
            requests = [Request(args.path_override)] if args.path_override else scenario.requests(scenario_data)
            problem = probe(args.url, requests[0])
            if problem:
                print(f"  warning: {name}: {problem}", file=sys.stderr, flush=True)
            script = Path(folder) / f"{name}.lua"
            script.write_text(lua_script(requests))
            result = run_scenario(wrk, settings, script, args.duration)
            print_result(name, result, scenario.target)
            met += result.meets(scenario.target)
    print(f"\ntargets met: {met}/{len(args.scenario_names)}")


if __name__ == "__main__":
    main()
