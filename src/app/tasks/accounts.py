"""Account tasks."""

from __future__ import annotations

from uuid import UUID

from procrastinate import JobContext, RetryStrategy

from app.domain import jobs
from app.domain.accounts.models import User
from app.domain.notifications.templates import welcome_email
from app.tasks.queue import app
from app.tasks.resources import resources_of

EMAIL_RETRY = RetryStrategy(max_attempts=8, exponential_wait=2)


@app.task(
    name=jobs.SEND_WELCOME_EMAIL.task_name, queue=jobs.SEND_WELCOME_EMAIL.queue, pass_context=True, retry=EMAIL_RETRY
)
async def send_welcome_email(context: JobContext, user_id: str) -> None:
    resources = resources_of(context)
    async with resources.sessions() as session:
        user = await session.get(User, UUID(user_id))
    if user is None:
        return  # the account is gone: nothing to welcome
    email = welcome_email(user, site_url=resources.settings.public_url)
    resources.outbox.deliver(email, sender=resources.settings.email_from)
