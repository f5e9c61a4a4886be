"""The commands operators and newcomers run, as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from app.config.settings import Settings
from tests.support.server import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL", "JWT_SECRET"}}
    env.update(extra)
    return env


def test_a_bad_setting_stops_the_command_with_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [BIN / "app", "routes"],
        env=clean_environment(DATA_DIR=str(tmp_path), JWT_ACCESS_MINUTES="abc"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == 'Configuration error: JWT_ACCESS_MINUTES must be a positive integer, got "abc"'


def test_procrastinate_healthchecks_pass_against_the_configured_database(settings: Settings, tmp_path: Path) -> None:
    result = subprocess.run(
        [BIN / "procrastinate", "--app=app.tasks.queue.app", "healthchecks"],
        env=clean_environment(DATABASE_URL=settings.psycopg_conninfo, DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and str(pgdata) in cmdline:
            found.append(process)
    return found


class Service:
    """`app serve` on a fresh data folder, with no DATABASE_URL: the README's run command."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = clean_environment(DATA_DIR=str(self.data_dir), PORT=str(self.port), PUBLIC_URL=self.url)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([BIN / "app", "serve"], env=env, stdout=log, stderr=log, cwd=ROOT)
        wait_until_healthy(self.url, self.process, self.log, timeout=120)

    def stop(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    running = Service(tmp_path / "data")
    running.data_dir.mkdir()
    yield running
    if running.process and running.process.poll() is None:
        running.process.kill()
        running.process.wait()
    for leftover in postgres_processes(running.data_dir):
        leftover.kill()


@pytest.mark.slow
def test_the_run_command_brings_everything_up_on_an_embedded_database_and_stops_it_cleanly(service: Service) -> None:
    service.start()
    pgdata = service.data_dir / "postgres"
    assert postgres_processes(pgdata), "the embedded PostgreSQL runs under the data folder"
    password = "Reflorestar-2026!"
    registered = httpx.post(
        f"{service.url}/api/users/register/",
        json={"username": "maria", "email": "maria@example.org", "password": password, "password_confirm": password},
    )
    assert registered.status_code == 201, registered.text
    pair = httpx.post(f"{service.url}/api/token/", json={"username": "maria", "password": password}).json()
    profile = httpx.get(f"{service.url}/api/users/profile/", headers={"Authorization": f"Bearer {pair['access']}"})
    assert profile.status_code == 200
    assert httpx.post(f"{service.url}/api/token/refresh/", json={"refresh": pair["refresh"]}).status_code == 200
    assert httpx.post(f"{service.url}/api/token/refresh/", json={"refresh": pair["refresh"]}).status_code == 401
    deadline = time.monotonic() + 15
    while not list((service.data_dir / "outbox").glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list((service.data_dir / "outbox").glob("*.eml")), "the in-process worker wrote the welcome email"

    service.stop(signal.SIGINT)
    assert postgres_processes(pgdata) == [], "Ctrl-C leaves no PostgreSQL behind"

    service.start()  # the data survives a restart
    again = httpx.post(f"{service.url}/api/token/", json={"username": "maria", "password": password})
    assert again.status_code == 200
    service.stop(signal.SIGTERM)
    assert postgres_processes(pgdata) == [], "SIGTERM leaves no PostgreSQL behind"


@pytest.mark.slow
def test_a_database_left_running_by_a_killed_run_is_cleaned_up_on_the_next_start(service: Service) -> None:
    service.start()
    pgdata = service.data_dir / "postgres"
    service.stop(signal.SIGKILL)
    assert postgres_processes(pgdata), "SIGKILL cannot stop the database: it is left running"
    service.start()
    assert httpx.get(f"{service.url}/readiness/").status_code == 200
    service.stop(signal.SIGTERM)
    assert postgres_processes(pgdata) == []
