"""Database wiring: the SQLAlchemy engine/session config and the Alembic migrations folder."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.config.settings import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "db" / "migrations"


def engine_options(settings: Settings) -> dict[str, object]:
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_pre_ping": False,
        # Every statement and the server agree on UTC; local times are rendered per event.
        "connect_args": {"server_settings": {"timezone": "UTC", "application_name": "mutiroes"}},
    }


def sqlalchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    return SQLAlchemyAsyncConfig(
        connection_string=settings.sqlalchemy_url,
        engine_config=EngineConfig(**engine_options(settings)),  # type: ignore[arg-type]
        session_config=AsyncSessionConfig(expire_on_commit=False, autoflush=False),
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_DIR),
            script_config=str(MIGRATIONS_DIR / "alembic.ini"),
            version_table_name="alembic_version",
        ),
        create_all=False,
    )


def create_engine(settings: Settings) -> AsyncEngine:
    """An engine outside the web app (workers, commands)."""
    return create_async_engine(settings.sqlalchemy_url, **engine_options(settings))


def create_session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
