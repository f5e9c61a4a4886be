"""Queue background jobs inside the caller's database transaction.

Procrastinate's own `defer` opens its own connection, so a job could be queued for a request that
then rolls back (or the other way round). Here the job row is inserted through the same SQLAlchemy
session as the request's writes, by Procrastinate's versioned SQL function: both commit together,
or neither does. The function name is part of Procrastinate's schema, which is why Procrastinate is
pinned exactly in pyproject.toml.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


class Job(msgspec.Struct, frozen=True):
    """A task as the domain knows it: its registered name and its queue."""

    task_name: str
    queue: str


# Every background task, named once: the tasks package registers them under these names.
SEND_WELCOME_EMAIL = Job("send_welcome_email", queue="emails")
SEND_EVENT_NOTIFICATION_EMAIL = Job("send_event_notification_email", queue="emails")
SEND_BULK_EVENT_REMINDERS = Job("send_bulk_event_reminders", queue="emails")
SEND_EVENT_REMINDERS = Job("send_event_reminders", queue="emails")
QUEUE_NEW_EVENT_NOTICES = Job("queue_new_event_notices", queue="emails")
SEND_NEW_EVENT_EMAILS = Job("send_new_event_emails", queue="emails")
CLEANUP_EXPIRED_EVENTS = Job("cleanup_expired_events", queue="maintenance")
RETRY_STALLED_JOBS = Job("retry_stalled_jobs", queue="maintenance")
PRUNE_FINISHED_JOBS = Job("prune_finished_jobs", queue="maintenance")
PROCESS_EVENT_REPORT_STATISTICS = Job("process_event_report_statistics", queue="statistics")
UPDATE_USER_STATISTICS = Job("update_user_statistics", queue="statistics")
CHECK_AND_AWARD_BADGES = Job("check_and_award_badges", queue="statistics")
GENERATE_MONTHLY_IMPACT_REPORT = Job("generate_monthly_impact_report", queue="reports")
MAKE_PHOTO_THUMBNAIL = Job("make_photo_thumbnail", queue="media")
DELETE_MEDIA_FILES = Job("delete_media_files", queue="media")
SEND_ORGANIZATION_INVITATION = Job("send_organization_invitation", queue="emails")

_DEFER_SQL = text(
    """
    SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[
        ROW(:queue, :task_name, :priority, :lock, :queueing_lock,
            CAST(:args AS jsonb), CAST(:scheduled_at AS timestamptz))
    ]::procrastinate_job_to_defer_v1[]))
    """
)


async def defer_job(
    session: AsyncSession,
    job: Job,
    *,
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int = 0,
    scheduled_at: dt.datetime | None = None,
    **args: Any,
) -> int | None:
    """Queue `job` in the session's current transaction; return its id.

    With a `queueing_lock`, a job that is already waiting under that lock makes this one
    pointless: it is skipped (None) without disturbing the caller's transaction.
    """
    params = {
        "queue": job.queue,
        "task_name": job.task_name,
        "priority": priority,
        "lock": lock,
        "queueing_lock": queueing_lock,
        "args": msgspec.json.encode(args).decode(),
        "scheduled_at": scheduled_at,
    }
    if queueing_lock is None:
        return (await session.execute(_DEFER_SQL, params)).scalar_one()
    try:
        async with session.begin_nested():
            return (await session.execute(_DEFER_SQL, params)).scalar_one()
    except IntegrityError as exc:
        if "procrastinate_jobs_queueing_lock_idx" in str(exc.orig):
            return None
        raise
