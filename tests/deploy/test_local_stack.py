"""deploy/local/up runs the whole topology on loopback ports, and deploy/local/down leaves nothing running."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from app.api.photos import UPLOAD_LIMIT
from tests.deploy.support import DEPLOY, free_base_port, load_cluster_module, missing_local_stack_binaries

UP_TIMEOUT_SECONDS = 120
REQUESTS = 30


def _processes(pids: list[int]) -> list[psutil.Process]:
    """The pieces and everything they started (nginx's workers, PostgreSQL's backends)."""
    found: list[psutil.Process] = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            found += [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return found


def _requests_counted(metrics: str, route: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("mutiroes_http_requests_total{") and f'route="{route}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture
def stack() -> Iterator[tuple[Any, Path]]:
    missing = missing_local_stack_binaries()
    if missing:
        pytest.skip(f"the local stack needs Debian's packages; missing: {', '.join(missing)}")
    cluster_module = load_cluster_module()
    # Not pytest's tmp_path: its parents are private (0700), and the postgres user and nginx's workers
    # must go through the folder.
    folder = Path(tempfile.mkdtemp(prefix="mutiroes-stack-"))
    base = free_base_port(cluster_module.OFFSETS)
    env = {**os.environ, "MUTIROES_LOCAL_DIR": str(folder), "MUTIROES_LOCAL_BASE_PORT": str(base)}
    started = time.monotonic()
    up = subprocess.run(
        [str(DEPLOY / "local" / "up")], env=env, capture_output=True, text=True, timeout=UP_TIMEOUT_SECONDS, check=False
    )
    seconds = time.monotonic() - started
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        cluster = cluster_module.Cluster.load(folder)
        print(f"deploy/local/up took {seconds:.1f} s")
        yield cluster, folder
    finally:
        pids = [pid for piece in _state_pieces(folder) if (pid := piece.get("pid"))]
        processes = _processes(pids)
        down = subprocess.run(
            [str(DEPLOY / "local" / "down")], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        _, alive = psutil.wait_procs(processes, timeout=5)
        for process in alive:  # leave the machine clean even when the test fails
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
        assert down.returncode == 0, down.stdout + down.stderr
        assert not alive, f"left running after down: {[process.pid for process in alive]}"


def _state_pieces(folder: Path) -> list[dict[str, Any]]:
    import json

    try:
        document = json.loads((folder / "cluster.json").read_text())
    except FileNotFoundError:
        return []
    return list(document["pieces"].values())


@pytest.mark.slow
def test_local_stack_serves_through_nginx_over_three_apis_with_a_streaming_replica_and_sentinels(
    stack: tuple[Any, Path],
) -> None:
    cluster, folder = stack
    module = load_cluster_module()
    pieces = cluster.pieces
    assert all(module.is_alive(piece.pid) for piece in pieces.values())

    with httpx.Client(base_url=cluster.url, timeout=5) as client:
        assert client.get("/readiness/").status_code == 200
        for _ in range(REQUESTS):
            assert client.get("/liveness/").status_code == 200
        assert client.get("/nginx_status").status_code == 200  # from loopback
        (folder / "data" / "media" / "probe.txt").write_text("served by nginx")
        assert client.get("/media/probe.txt").text == "served by nginx"
        # Over the largest body the API takes: nginx refuses it, in the API's problem format.
        too_large = client.post("/api/events/", content=b"x" * (UPLOAD_LIMIT + 1))
        assert too_large.status_code == 413
        assert too_large.json()["code"] == "body_too_large"

    # Every API process answered some of them (least_conn over the three upstreams).
    counted = {
        name: _requests_counted(httpx.get(f"http://127.0.0.1:{pieces[name].port}/metrics", timeout=5).text, "/liveness")
        for name in module.APIS
    }
    assert all(count > 0 for count in counted.values()), counted
    assert sum(counted.values()) == REQUESTS
    access_log = Path(pieces["nginx"].log).read_text()
    upstreams = set(re.findall(r'"GET /liveness/ [^"]*" 200 .*? upstream=(\S+)', access_log))
    assert upstreams == {f"127.0.0.1:{pieces[name].port}" for name in module.APIS}

    # The replica streams from the primary and is read-only.
    replication = module.psql(cluster, "pg-primary", "SELECT state FROM pg_stat_replication")
    assert replication == "streaming"
    assert module.psql(cluster, "pg-replica", "SELECT pg_is_in_recovery()") == "t"

    # Every Sentinel names the master and knows the replica and the two other Sentinels.
    for name in module.SENTINELS:
        master = module.sentinel_master(cluster, name)
        assert (master["ip"], master["port"]) == ("127.0.0.1", str(pieces["redis-master"].port))
        assert master["num-slaves"] == "1" and master["num-other-sentinels"] == "2"

    # Both workers registered with Procrastinate.
    assert module.psql(cluster, "pg-primary", "SELECT count(*) FROM procrastinate_workers", "mutiroes") == "2"


@pytest.mark.slow
def test_one_piece_can_be_killed_and_started_again_with_its_recorded_command(stack: tuple[Any, Path]) -> None:
    cluster, folder = stack
    ctl = [str(DEPLOY / "local" / "ctl"), "--dir", str(folder)]
    old_pid = cluster.pieces["api2"].pid
    subprocess.run([*ctl, "kill", "api2"], check=True, timeout=30)
    assert not psutil.pid_exists(old_pid) or psutil.Process(old_pid).status() == psutil.STATUS_ZOMBIE

    # nginx passes over the dead replica: idempotent requests are retried on another one.
    with httpx.Client(base_url=cluster.url, timeout=5) as client:
        assert [client.get("/liveness/").status_code for _ in range(9)] == [200] * 9

    subprocess.run([*ctl, "start", "api2"], check=True, timeout=90)
    restarted = load_cluster_module().Cluster.load(folder).pieces["api2"]
    assert restarted.pid != old_pid
    assert httpx.get(f"http://127.0.0.1:{restarted.port}/readiness/", timeout=5).status_code == 200

    # No replica left: nginx answers for them, 503 in the API's problem format with Retry-After.
    subprocess.run([*ctl, "kill", "api1", "api2", "api3"], check=True, timeout=30)
    unavailable = httpx.get(f"{cluster.url}/api/events/", headers={"Accept-Language": "en"}, timeout=5)
    assert unavailable.status_code == 503
    assert unavailable.headers["content-type"] == "application/problem+json"
    assert unavailable.headers["retry-after"] == "10"
    assert unavailable.json()["detail"] == "Service temporarily unavailable."
    subprocess.run([*ctl, "start", "api1", "api2", "api3"], check=True, timeout=120)
    status = subprocess.run([*ctl, "status"], capture_output=True, text=True, timeout=30, check=False)
    assert status.returncode == 0, status.stdout
