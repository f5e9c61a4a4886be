"""Run the real Procrastinate worker against a test database until the queues are empty."""

from __future__ import annotations

import asyncio

from procrastinate import PsycopgConnector
from procrastinate.app import WorkerOptions
from procrastinate.periodic import PeriodicRegistry

from app.config.settings import Settings
from app.tasks.queue import app as queue
from app.tasks.resources import TaskResources


async def run_jobs(
    settings: Settings, *, queues: list[str] | None = None, workers: int = 1, concurrency: int = 1
) -> None:
    """`workers` workers (each its own Procrastinate worker, as separate processes would be) share the queues.
    The periodic deferrer is off: a cron tick during a test must not slip in jobs the test did not queue."""
    queue.perform_import_paths()
    resources = TaskResources(settings)
    options: WorkerOptions = {
        "wait": False,
        "install_signal_handlers": False,
        "listen_notify": False,
        "additional_context": {"resources": resources},
        "concurrency": concurrency,
    }
    if queues:
        options["queues"] = queues
    connector = PsycopgConnector(conninfo=settings.psycopg_conninfo, min_size=1, max_size=4 * workers)
    periodic, queue.periodic_registry = queue.periodic_registry, PeriodicRegistry()
    try:
        with queue.replace_connector(connector) as worker_app:
            async with worker_app.open_async():
                await asyncio.gather(*(worker_app.run_worker_async(**options) for _ in range(workers)))
    finally:
        queue.periodic_registry = periodic
        await resources.aclose()
