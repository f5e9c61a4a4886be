"""Run the real Procrastinate worker against a test database until the queues are empty."""

from __future__ import annotations

from procrastinate import PsycopgConnector
from procrastinate.app import WorkerOptions

from app.config.settings import Settings
from app.tasks.queue import app as queue
from app.tasks.resources import TaskResources


async def run_jobs(settings: Settings, *, queues: list[str] | None = None) -> None:
    queue.perform_import_paths()
    resources = TaskResources(settings)
    options: WorkerOptions = {
        "wait": False,
        "install_signal_handlers": False,
        "listen_notify": False,
        "additional_context": {"resources": resources},
    }
    if queues:
        options["queues"] = queues
    connector = PsycopgConnector(conninfo=settings.psycopg_conninfo, min_size=1, max_size=4)
    try:
        with queue.replace_connector(connector) as worker_app:
            async with worker_app.open_async():
                await worker_app.run_worker_async(**options)
    finally:
        await resources.aclose()
