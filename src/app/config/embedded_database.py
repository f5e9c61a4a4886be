"""An embedded PostgreSQL for a newcomer's first run: no database to install.

`pgserver` ships PostgreSQL in its wheel and serves it on a unix socket under the data folder. The
process that starts it owns it and stops it on exit. A server left behind by an owner that was
killed outright (SIGKILL) is stopped before a new one starts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger("app.embedded_database")

DATABASE_NAME = "mutiroes"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_stale_server(pgdata: Path) -> None:
    """Stop a server whose owners are all gone, and forget them."""
    from pgserver import _commands
    from pgserver.utils import PostmasterInfo

    handles = pgdata / ".handle_pids.json"
    owners: list[int] = json.loads(handles.read_text() or "[]") if handles.exists() else []
    if any(_process_alive(pid) for pid in owners):
        return  # another `app` process owns the running server: share it
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is not None and info.is_running():
        logger.warning("Stopping an embedded PostgreSQL left running by a previous run (pid %s)", info.pid)
        user = "pgserver" if os.geteuid() == 0 else None
        with contextlib.suppress(Exception):
            _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)  # type: ignore[attr-defined]
        if info.is_running() and info.process is not None:
            info.process.kill()
    if handles.exists():
        handles.write_text("[]")


@contextlib.contextmanager
def embedded_database(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded server; yield the URL of the application's database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
        import pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = data_dir.resolve() / "postgres"
        if pgdata.exists():
            _stop_stale_server(pgdata)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        url = server.get_uri(DATABASE_NAME)
        logger.info("Embedded PostgreSQL running under %s", pgdata)
        yield url
    finally:
        server.cleanup()
