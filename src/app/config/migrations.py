"""Migrating the database, and refusing one that an earlier version of Mutirões created.

Revisions 0002-0014 (UUID ids) were rebuilt into the baseline 0015 (integer ids). A database still at
one of them cannot be upgraded in place; `app serve` stops with one line that says what to do instead
of an Alembic traceback.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from advanced_alchemy.alembic.commands import AlembicCommands
from alembic.script import ScriptDirectory

from app.config.database import MIGRATIONS_DIR, sqlalchemy_config
from app.config.settings import Settings


class SchemaFromEarlierVersion(Exception):
    """The database holds a schema revision these migrations do not know."""


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


async def applied_revisions(settings: Settings) -> list[str]:
    """The revisions recorded in `alembic_version` (none for an empty database)."""
    connection = await asyncpg.connect(settings.psycopg_conninfo)
    try:
        if not await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
            return []
        return [row[0] for row in await connection.fetch("SELECT version_num FROM alembic_version")]
    finally:
        await connection.close()


def check_revisions(applied: list[str], *, embedded_data_dir: Path | None) -> None:
    unknown = sorted(set(applied) - known_revisions())
    if not unknown:
        return
    found = f"schema revision {', '.join(unknown)}"
    if embedded_data_dir is not None:
        msg = (
            f"The embedded database in {embedded_data_dir}/ was created by an earlier version of Mutirões ({found}, "
            f"with UUID ids) and cannot be upgraded: stop the service, delete {embedded_data_dir}/ and start again."
        )
    else:
        msg = (
            f"The database at DATABASE_URL was created by an earlier version of Mutirões ({found}, with UUID ids) "
            "and cannot be upgraded: drop it and create it empty, or point DATABASE_URL at an empty database."
        )
    raise SchemaFromEarlierVersion(msg)


def upgrade_database(settings: Settings, *, embedded_data_dir: Path | None = None) -> None:
    """Apply every migration, after making sure the database is one these migrations can upgrade."""
    check_revisions(asyncio.run(applied_revisions(settings)), embedded_data_dir=embedded_data_dir)
    AlembicCommands(sqlalchemy_config=sqlalchemy_config(settings)).upgrade("heads")
