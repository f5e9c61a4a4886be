"""Account tasks."""

from __future__ import annotations

from procrastinate import JobContext

from app.domain import jobs
from app.domain.accounts.models import User
from app.domain.notifications.links import Links
from app.domain.notifications.templates import welcome_email
from app.tasks.queue import app
from app.tasks.resources import resources_of
from app.tasks.retry import CappedExponentialRetry

# An SMTP error or an open breaker: try again after 1 s, 2 s, 4 s … 5 min; after 10 runs the job is `failed`.
EMAIL_RETRY = CappedExponentialRetry(max_attempts=10, max_wait=300)


@app.task(
    name=jobs.SEND_WELCOME_EMAIL.task_name, queue=jobs.SEND_WELCOME_EMAIL.queue, pass_context=True, retry=EMAIL_RETRY
)
async def send_welcome_email(context: JobContext, user_id: int) -> None:
    resources = resources_of(context)
    async with resources.sessions() as session:
        user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return  # the account is gone or erased: nothing to welcome
    email = welcome_email(user, links=Links.from_settings(resources.settings))
    await resources.mailer.deliver(email, sender=resources.settings.email_from)
