"""The Procrastinate app: importable by its CLI as `procrastinate --app=app.tasks.queue.app ...`."""

from __future__ import annotations

from typing import Any

import procrastinate
import psycopg_pool

from app.config.settings import get_settings
from app.tasks.resources import TaskResources


def _pool_from_settings(**kwargs: Any) -> psycopg_pool.AsyncConnectionPool:
    # The connection string is read when the worker opens, not when this module is imported.
    return psycopg_pool.AsyncConnectionPool(conninfo=get_settings().psycopg_conninfo, min_size=1, max_size=10, **kwargs)


app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(pool_factory=_pool_from_settings),
    import_paths=[
        "app.tasks.accounts",
        "app.tasks.impact",
        "app.tasks.schedules",
        "app.tasks.notifications",
        "app.tasks.maintenance",
        "app.tasks.photos",
        "app.tasks.organizations",
    ],
    worker_defaults={"additional_context": {"resources": TaskResources()}},
)
