"""A PostgreSQL server for the test run, and fresh databases on it.

Which server: TEST_DATABASE_URL if set, else 127.0.0.1:5432 if it answers, else an embedded one
(pgserver) in a temporary folder. The schema comes from the migrations, applied once to a template
database; every test gets its own copy of that template (a PostgreSQL file copy, ~50 ms).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an admin URL (database `postgres`) of the server the tests use."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        yield with_database(explicit.replace("postgresql+asyncpg://", "postgresql://"), "postgres")
        return
    if _answers(LOCAL_SERVER):
        yield LOCAL_SERVER
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    with tempfile.TemporaryDirectory(prefix="mutiroes-pg-") as folder:
        server = pgserver.get_server(Path(folder) / "pgdata", cleanup_mode="delete")
        try:
            yield server.get_uri("postgres")
        finally:
            server.cleanup()


def create_database(admin_url: str, name: str, *, template: str | None = None) -> str:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        connection.execute(statement)
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
