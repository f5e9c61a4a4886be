"""What every load scenario shares: requests, targets, wrk (scripts, runs, output) and the result line.

`bench` builds the read scenarios from these; `participation` builds the join/leave scenarios, which drive
their own runs (token minting, database set-up, a Python driver) through a `RunContext`.
"""

from __future__ import annotations

import random
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

WARM_UP_SECONDS = 3
DEFAULT_HEADERS: Mapping[str, str] = {"Accept": "application/json"}
TABLE_ROW = "{:<14} {:>9} {:>8} {:>8} {:>8} {:>7}  {:<28} {}"


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class Target:
    """A throughput floor and a p99 ceiling, either optional; any non-2xx answer misses the target."""

    min_rps: float | None
    max_p99_ms: float | None = None

    def describe(self) -> str:
        parts = [] if self.min_rps is None else [f"≥ {self.min_rps:g} req/s"]
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:g} ms")
        return ", ".join(parts) or "all 2xx (no rate target)"


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    def meets(self, target: Target) -> bool:
        fast_enough = target.max_p99_ms is None or self.p99_ms <= target.max_p99_ms
        busy_enough = target.min_rps is None or self.requests_per_second >= target.min_rps
        return busy_enough and fast_enough and self.non_2xx == 0


@dataclass(frozen=True)
class WrkSettings:
    url: str
    connections: int
    threads: int


@dataclass(frozen=True)
class RunContext:
    """What a scenario that drives its own run is given."""

    url: str
    database_url: str
    jwt_secret: str
    wrk: str
    settings: WrkSettings
    duration: int
    folder: Path  # a temporary folder for scripts, removed after the run
    rng: random.Random  # seeded by scenario name


@dataclass(frozen=True)
class DrivenScenario:
    """A scenario with its own set-up and driver. `run` prints its result line and says whether it met its target."""

    run: Callable[[RunContext], bool]


# --- Lua ---------------------------------------------------------------------------------------


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


# --- wrk ---------------------------------------------------------------------------------------


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


# --- checks and output -------------------------------------------------------------------------


def probe(base_url: str, request: Request) -> str | None:
    """One request before the load: a scenario that fails here would only measure errors."""
    http = urllib.request.Request(  # noqa: S310 (the URL is the --url given, checked to be http(s))
        base_url + request.path,
        data=request.body.encode() if request.body is not None else None,
        method=request.method,
        headers={**DEFAULT_HEADERS, **request.headers},
    )
    try:
        with urllib.request.urlopen(http, timeout=10) as answer:  # noqa: S310
            status = int(answer.status)
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        return f"{request.path}: {error}"
    return None if 200 <= status < 300 else f"{request.path} answered {status}"


def print_row(
    name: str, rate: str, p50: str, p99: str, non_2xx: object, errors: object, target: str, verdict: str
) -> None:
    print(TABLE_ROW.format(name, rate, p50, p99, non_2xx, errors, target, verdict), flush=True)


def print_result(name: str, result: WrkResult, target: Target) -> None:
    print_row(
        name, f"{result.requests_per_second:.1f}", f"{result.p50_ms:.2f}", f"{result.p99_ms:.2f}", result.non_2xx,
        result.socket_errors, target.describe(), "ok" if result.meets(target) else "MISSED",
    )  # fmt: skip
