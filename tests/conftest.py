"""Test fixtures: a real PostgreSQL with the migrations applied, one fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.api.app import create_app
from app.config.settings import Settings
from tests.support.database import create_database, drop_database, postgres_server, unique_name
from tests.support.factories import Factory
from tests.support.settings import make_settings


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a longer test (concurrency, worker, processes)")


@pytest.fixture(scope="session")
def database_server() -> Iterator[str]:
    with postgres_server() as admin_url:
        yield admin_url


@pytest.fixture(scope="session")
def template_database(database_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once with `alembic upgrade head`; every test copies it."""
    from advanced_alchemy.alembic.commands import AlembicCommands

    from app.config.database import sqlalchemy_config

    name = unique_name("mutiroes_template")
    url = create_database(database_server, name)
    settings = make_settings(url, tmp_path_factory.mktemp("template"))
    AlembicCommands(sqlalchemy_config=sqlalchemy_config(settings)).upgrade("heads")
    yield name
    drop_database(database_server, name)


@pytest.fixture
def database_url(database_server: str, template_database: str) -> Iterator[str]:
    name = unique_name("mutiroes_test")
    url = create_database(database_server, name, template=template_database)
    yield url
    drop_database(database_server, name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def factory(settings: Settings) -> Iterator[Factory]:
    made = Factory(settings)
    yield made
    made.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
