"""The migrations: they build exactly the models' schema, and a database made by the UUID-era chain (revisions
0002-0014) is refused with one line that says what to do, never a traceback, and left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from advanced_alchemy.alembic.commands import AlembicCommands

from app.config.database import sqlalchemy_config
from app.config.settings import Settings
from tests.support.database import create_database, drop_database, unique_name

BIN = Path(sys.executable).parent

# What the UUID-era chain left behind, as far as the check can tell: its head revision and a UUID-keyed table.
OLD_HEAD = """
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('0014');
CREATE TABLE users (id uuid PRIMARY KEY, username varchar(150) NOT NULL);
INSERT INTO users VALUES (gen_random_uuid(), 'ana');
"""


def make_old_database(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(OLD_HEAD)


def serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    return subprocess.run(
        [BIN / "app", "serve", "--no-worker"],
        env={**base, "PORT": "18977", **env},  # never bound: the command stops before serving
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_migrations_build_exactly_the_models_schema(settings: Settings) -> None:
    """`alembic check`: autogenerate against the migrated database finds nothing to add, drop or alter."""
    AlembicCommands(sqlalchemy_config=sqlalchemy_config(settings)).check()


def test_the_shipped_categories_and_badges_have_stable_ids_and_new_rows_follow(settings: Settings) -> None:
    with psycopg.connect(settings.psycopg_conninfo) as connection:
        categories = connection.execute("SELECT id, name FROM event_categories ORDER BY id").fetchall()
        assert categories == [(1, "Limpeza"), (2, "Plantio"), (3, "Monitoramento"), (4, "Educação")]
        assert connection.execute("SELECT min(id), max(id), count(*) FROM badges").fetchone() == (1, 8, 8)
        added = connection.execute(
            "INSERT INTO event_categories (name, description, icon, color, created_at, updated_at) "
            "VALUES ('Restauração', '', '', '#000000', now(), now()) RETURNING id"
        ).fetchone()
        assert added == (5,)


def test_serve_refuses_a_database_at_the_old_head_in_one_line(database_server: str, tmp_path: Path) -> None:
    name = unique_name("mutiroes_uuid_era")
    url = create_database(database_server, name)
    try:
        make_old_database(url)
        result = serve({"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
        assert result.returncode == 1, result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
        assert lines[-1].startswith("The database at DATABASE_URL was created by an earlier version of Mutirões")
        assert "schema revision 0014" in lines[-1] and "point DATABASE_URL at an empty database" in lines[-1]
        assert [line for line in lines if "earlier version" in line] == [lines[-1]]
        with psycopg.connect(url) as connection:  # left exactly as it was
            assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0014",)]
            tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            assert sorted(tables) == [("alembic_version",), ("users",)]
    finally:
        drop_database(database_server, name)


@pytest.mark.slow
def test_serve_refuses_an_old_embedded_data_folder_and_says_to_delete_it(tmp_path: Path) -> None:
    """A newcomer's `.data/` from an earlier run: the embedded server starts, the check refuses, it stops again."""
    from app.config.embedded_database import embedded_database

    data_dir = tmp_path / "data"
    with embedded_database(data_dir) as url:
        make_old_database(url)
    result = serve({"DATA_DIR": str(data_dir)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    # The embedded server's own log lines (it is stopped on the way out) may follow; ours is the one that explains.
    explaining = [line for line in result.stderr.splitlines() if "earlier version" in line]
    assert explaining == [
        f"The embedded database in {data_dir}/ was created by an earlier version of Mutirões (schema revision 0014, "
        f"with UUID ids) and cannot be upgraded: stop the service, delete {data_dir}/ and start again."
    ]
    assert not any("postgres" in line for line in _processes_under(data_dir))  # the embedded server was stopped


def _processes_under(folder: Path) -> list[str]:
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(folder) in cmdline:
            found.append(cmdline)
    return found
