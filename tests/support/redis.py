"""A real Redis for one test (or one benchmark): its own `redis-server` on a free port, which may be killed, frozen and
restarted."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.support.server import free_port

READY_TIMEOUT_SECONDS = 5.0


class RedisNotStarted(RuntimeError):
    pass


def redis_binary() -> str | None:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    return binary if os.access(binary, os.X_OK) else None


class RedisServer:
    def __init__(self, binary: str, port: int, *arguments: str) -> None:
        self.binary = binary
        self.port = port
        self.arguments = arguments  # e.g. ("--replicaof", "127.0.0.1", "6380")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart, on the same port) with no persistence: a restart comes back empty."""
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += self.arguments
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(redis.RedisError), redis.Redis(port=self.port, socket_timeout=0.5) as client:
                if client.ping():
                    return
            time.sleep(0.05)
        self.stop()
        raise RedisNotStarted(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: Redis dies at once, as in a crash."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted by the kernel but nothing answers, as in a hung server."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGCONT)
            self.kill()

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """For a test: skipped, with the reason, when no redis-server can be started here."""
    import pytest

    binary = redis_binary()
    if binary is None:
        pytest.skip("redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)")
    server = RedisServer(binary, free_port())
    try:
        server.start()
    except RedisNotStarted as exc:
        pytest.skip(f"no redis-server could be started on this machine ({exc})")
    try:
        yield server
    finally:
        server.stop()


class RedisSentinel:
    """One Sentinel (quorum 1) watching `master`, quick to declare it down: a test's failover takes seconds."""

    def __init__(self, binary: str, port: int, master: RedisServer, folder: Path, name: str = "mutiroes") -> None:
        self.binary = binary
        self.port = port
        self.name = name
        self.config = folder / f"sentinel-{port}.conf"
        self.config.write_text(
            f"port {port}\nbind 127.0.0.1\n"
            f"sentinel monitor {name} 127.0.0.1 {master.port} 1\n"
            f"sentinel down-after-milliseconds {name} 500\n"
            f"sentinel failover-timeout {name} 3000\n"
            f"sentinel parallel-syncs {name} 1\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, str(self.config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError), redis.Redis(port=self.port, socket_timeout=0.5) as client:
                if client.ping():
                    return
            time.sleep(0.05)
        self.stop()
        raise RedisNotStarted(f"redis-sentinel did not start on port {self.port}")

    def master_port(self) -> int:
        with redis.Redis(port=self.port, socket_timeout=2) as client:
            address = client.sentinel_get_master_addr_by_name(self.name)
        return int(address[1])

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
