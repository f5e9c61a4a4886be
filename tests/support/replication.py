"""A PostgreSQL primary and its streaming replica (`pg_basebackup -R`) of their own, for the read-replica tests.

The binaries are pgserver's (a dependency: every machine that runs the tests has them), so this needs no installed
PostgreSQL. Both servers listen on loopback ports and keep everything under one folder; as root they run as
pgserver's system user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from tests.support.server import free_port

DATABASE = "mutiroes"


def _binaries() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
        from pgserver import _commands

    return Path(_commands.POSTGRES_BIN_PATH)


class ReplicatedPostgres:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="mutiroes-replication-"))
        self.bin = _binaries()
        self.user: str | None = None
        if os.geteuid() == 0:
            from pgserver.utils import ensure_user_exists

            self.user = "pgserver"
            ensure_user_exists(self.user)
            self.folder.chmod(0o755)
            shutil.chown(self.folder, self.user)
        self.primary_dir = self.folder / "primary"
        self.replica_dir = self.folder / "replica"
        self.primary_port = free_port()
        self.replica_port = free_port()

    # --- URLs -----------------------------------------------------------------------------------

    def primary_url(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.primary_port}/{database}"

    def replica_url(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.replica_port}/{database}"

    # --- life -----------------------------------------------------------------------------------

    def start(self) -> None:
        """initdb, start the primary, create the database; the replica comes with `start_replica` after it is
        filled (a base backup copies what the primary has, then streams the rest)."""
        self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "--no-sync")
        with (self.primary_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
                "fsync = off\nfull_page_writes = off\n"
            )
        self._pg_ctl(self.primary_dir, self.primary_port, "start")
        with psycopg.connect(self.primary_url("postgres"), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))

    def make_replica(self) -> None:
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"),
            *("-D", str(self.replica_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        self.start_replica()

    def start_replica(self) -> None:
        self._pg_ctl(self.replica_dir, self.replica_port, "start")

    def stop_replica(self) -> None:
        self._run("pg_ctl", "-D", str(self.replica_dir), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        for data in (self.replica_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                subprocess.run(
                    [str(self.bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                    user=self.user,
                    capture_output=True,
                    check=False,
                )
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- replay -----------------------------------------------------------------------------------

    def pause_replay(self) -> None:
        self._on_replica("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._on_replica("SELECT pg_wal_replay_resume()")

    def wait_until_replayed(self, timeout: float = 20.0) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary_url(), autocommit=True) as connection:
            target = connection.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replayed = self._on_replica(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if replayed:
                return
            time.sleep(0.05)
        raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s")

    def _on_replica(self, statement: str) -> Any:
        with psycopg.connect(self.replica_url(), autocommit=True) as connection:
            row = connection.execute(statement).fetchone()
            return None if row is None else row[0]

    # --- commands ---------------------------------------------------------------------------------

    def _pg_ctl(self, data: Path, port: int, action: str) -> None:
        log = self.folder / f"{data.name}.log"
        self._run("pg_ctl", "-D", str(data), "-o", f"-p {port}", "-l", str(log), "-w", "-t", "60", action)

    def _run(self, program: str, *arguments: str) -> None:
        result = subprocess.run(
            [str(self.bin / program), *arguments], user=self.user, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            logs = "".join(path.read_text(errors="replace")[-2000:] for path in self.folder.glob("*.log"))
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr[-2000:]}\n{logs}")
