"""A web transaction left idle is ended by PostgreSQL after DATABASE_IDLE_TRANSACTION_TIMEOUT_SECONDS: a request stuck
in one (once, two refreshes of one token waiting for each other) cannot hold its locks and connection for ever.
Workers and migrations are not bound: a job may talk to SMTP inside its transaction."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config.database import create_engine, sqlalchemy_config
from app.config.settings import Settings, load_settings
from tests.support.settings import make_settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, database_idle_transaction_timeout_seconds=0.5)


@pytest.mark.anyio
async def test_a_web_transaction_left_idle_is_ended_and_its_locks_released(settings: Settings) -> None:
    web = sqlalchemy_config(settings, web=True).get_engine()
    worker = create_engine(settings)
    try:
        async with web.connect() as connection:
            assert await connection.scalar(text("SHOW idle_in_transaction_session_timeout")) == "500ms"
            await connection.execute(text("SELECT 1 FROM users FOR UPDATE"))
            await connection.execute(text("LOCK TABLE event_categories IN EXCLUSIVE MODE"))
            await asyncio.sleep(1.5)
            with pytest.raises(DBAPIError):
                await connection.execute(text("SELECT 1"))
        # Its lock went with it: another transaction takes the table at once.
        async with worker.begin() as other:
            await other.execute(text("SET LOCAL lock_timeout = '1s'"))
            await other.execute(text("LOCK TABLE event_categories IN EXCLUSIVE MODE"))
            assert await other.scalar(text("SHOW idle_in_transaction_session_timeout")) == "0"
    finally:
        await web.dispose()
        await worker.dispose()


def test_the_timeout_is_read_from_the_environment_and_zero_turns_it_off(database_url: str, tmp_path: Path) -> None:
    environment = {"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url}
    settings = load_settings({**environment, "DATABASE_IDLE_TRANSACTION_TIMEOUT_SECONDS": "0"})
    assert settings.database_idle_transaction_timeout_seconds == 0
    connect_args = sqlalchemy_config(settings, web=True).engine_config.connect_args
    assert "idle_in_transaction_session_timeout" not in connect_args["server_settings"]  # type: ignore[index]
    assert load_settings(environment).database_idle_transaction_timeout_seconds == 60
