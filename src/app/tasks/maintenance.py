"""Maintenance tasks: the nightly clean-up, and Procrastinate's own housekeeping.

`cleanup_expired_events` is queued at 02:00 APP_TIMEZONE by `app.tasks.schedules`; the housekeeping runs on
UTC cron, as its time of day does not matter.
"""

from __future__ import annotations

import logging

from procrastinate import JobContext
from procrastinate.exceptions import ConnectorException

from app.domain import jobs
from app.domain.maintenance.cleanup import CleanupSummary, cleanup_expired
from app.domain.time import utcnow
from app.tasks.queue import app
from app.tasks.resources import resources_of
from app.tasks.retry import CappedExponentialRetry

logger = logging.getLogger(__name__)

MAINTENANCE_RETRY = CappedExponentialRetry(max_attempts=5, max_wait=300)
# A worker that has not beaten for this long is dead (workers beat every 10 s; Procrastinate's default).
STALLED_AFTER_SECONDS = 30
# Finished jobs are kept this long for operators to look at; failed ones longer, until someone acts.
KEEP_SUCCEEDED_HOURS = 7 * 24
KEEP_FAILED_HOURS = 30 * 24


@app.task(
    name=jobs.CLEANUP_EXPIRED_EVENTS.task_name,
    queue=jobs.CLEANUP_EXPIRED_EVENTS.queue,
    pass_context=True,
    retry=MAINTENANCE_RETRY,
)
async def cleanup_expired_events(context: JobContext) -> dict[str, int]:
    async with resources_of(context).sessions.begin() as session:
        summary: CleanupSummary = await cleanup_expired(session, now=utcnow())
    logger.info("nightly clean-up: %s", summary)
    return {field: getattr(summary, field) for field in summary.__struct_fields__}


# Every 20 s (croniter's sixth field is seconds): a dead worker's jobs are back in the queue within a minute.
@app.periodic(cron="* * * * * */20", periodic_id="every-20-seconds")
@app.task(
    name=jobs.RETRY_STALLED_JOBS.task_name,
    queue=jobs.RETRY_STALLED_JOBS.queue,
    pass_context=True,
    queueing_lock=jobs.RETRY_STALLED_JOBS.task_name,
    # Two runs at once would both try to put the same job back.
    lock=jobs.RETRY_STALLED_JOBS.task_name,
)
async def retry_stalled_jobs(context: JobContext, timestamp: int | None = None) -> list[int]:
    """Put back in the queue the jobs a dead worker left `doing`; their attempts count goes up by one."""
    manager = context.app.job_manager
    retried = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        assert job.id is not None
        try:
            await manager.retry_job(job)
        except ConnectorException:
            continue  # it finished or was rescued meanwhile
        logger.warning("retried job %s (%s) left running by a dead worker", job.id, job.task_name)
        retried.append(job.id)
    return retried


@app.periodic(cron="30 3 * * *", periodic_id="daily")
@app.task(
    name=jobs.PRUNE_FINISHED_JOBS.task_name,
    queue=jobs.PRUNE_FINISHED_JOBS.queue,
    pass_context=True,
    queueing_lock=jobs.PRUNE_FINISHED_JOBS.task_name,
)
async def prune_finished_jobs(context: JobContext, timestamp: int | None = None) -> None:
    """Delete finished jobs: succeeded after 7 days; failed, cancelled and aborted after 30."""
    manager = context.app.job_manager
    await manager.delete_old_jobs(nb_hours=KEEP_SUCCEEDED_HOURS)
    await manager.delete_old_jobs(
        nb_hours=KEEP_FAILED_HOURS, include_failed=True, include_cancelled=True, include_aborted=True
    )
