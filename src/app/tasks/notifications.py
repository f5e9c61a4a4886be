"""Notification tasks: notices, the reminders before each event, and new-event notices.

Each is safe to run twice: what the SMTP server accepted is recorded as it is accepted, and never sent again.
"""

from __future__ import annotations

from procrastinate import JobContext

from app.domain import jobs
from app.domain.notifications import new_events
from app.domain.notifications.links import Links
from app.domain.notifications.notices import send_notice
from app.domain.notifications.reminders import queue_due_reminders
from app.domain.notifications.reminders import send_event_reminders as remind_participants
from app.tasks.accounts import EMAIL_RETRY
from app.tasks.queue import app
from app.tasks.resources import resources_of


@app.task(
    name=jobs.SEND_EVENT_NOTIFICATION_EMAIL.task_name,
    queue=jobs.SEND_EVENT_NOTIFICATION_EMAIL.queue,
    pass_context=True,
    retry=EMAIL_RETRY,
)
async def send_event_notification_email(
    context: JobContext,
    event_id: int | None,
    kind: str,
    user_ids: list[int] | None = None,
    badge_code: str | None = None,
) -> int:
    """One email per recipient who still wants this kind; returns how many this run sent."""
    resources = resources_of(context)
    job_id = context.job.id
    assert job_id is not None  # a job being run has its row
    return await send_notice(
        resources.engine,
        resources.mailer,
        Links.from_settings(resources.settings),
        sender=resources.settings.email_from,
        job_id=job_id,
        kind=kind,
        event_id=event_id,
        user_ids=user_ids,
        badge_code=badge_code,
    )


@app.periodic(cron="0 * * * *", periodic_id="hourly")
@app.task(
    name=jobs.SEND_BULK_EVENT_REMINDERS.task_name,
    queue=jobs.SEND_BULK_EVENT_REMINDERS.queue,
    pass_context=True,
    retry=EMAIL_RETRY,
    # One waiting run is enough: a second would find the same events.
    queueing_lock=jobs.SEND_BULK_EVENT_REMINDERS.task_name,
)
async def send_bulk_event_reminders(context: JobContext, timestamp: int | None = None) -> int:
    """Queue `send_event_reminders` for each event starting within 24 h with someone still to remind."""
    async with resources_of(context).sessions.begin() as session:
        return await queue_due_reminders(session)


@app.task(
    name=jobs.SEND_EVENT_REMINDERS.task_name,
    queue=jobs.SEND_EVENT_REMINDERS.queue,
    pass_context=True,
    retry=EMAIL_RETRY,
)
async def send_event_reminders(context: JobContext, event_id: int) -> int:
    """Remind the event's confirmed participants not yet reminded; returns how many this run reminded."""
    resources = resources_of(context)
    return await remind_participants(
        resources.engine,
        resources.mailer,
        Links.from_settings(resources.settings),
        sender=resources.settings.email_from,
        event_id=event_id,
    )


@app.task(
    name=jobs.QUEUE_NEW_EVENT_NOTICES.task_name,
    queue=jobs.QUEUE_NEW_EVENT_NOTICES.queue,
    pass_context=True,
    retry=EMAIL_RETRY,
)
async def queue_new_event_notices(context: JobContext, event_id: int) -> int:
    """Record a notice for each volunteer the published event may interest, and queue their emails; returns how
    many notices are new."""
    async with resources_of(context).sessions.begin() as session:
        return await new_events.fan_out(session, event_id)


@app.task(
    name=jobs.SEND_NEW_EVENT_EMAILS.task_name,
    queue=jobs.SEND_NEW_EVENT_EMAILS.queue,
    pass_context=True,
    retry=EMAIL_RETRY,
)
async def send_new_event_emails(context: JobContext) -> int:
    """Email each volunteer with pending new-event notices who had none today; returns how many this run sent."""
    resources = resources_of(context)
    return await new_events.send_new_event_emails(
        resources.engine,
        resources.mailer,
        Links.from_settings(resources.settings),
        sender=resources.settings.email_from,
        timezone=resources.settings.app_timezone,
    )
