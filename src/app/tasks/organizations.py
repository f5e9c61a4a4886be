"""Organization tasks: the invitation email."""

from __future__ import annotations

from procrastinate import JobContext

from app.domain import jobs
from app.domain.notifications.links import Links
from app.domain.organizations.services import InvitationTokens, invitation_email
from app.tasks.accounts import EMAIL_RETRY
from app.tasks.queue import app
from app.tasks.resources import resources_of


@app.task(
    name=jobs.SEND_ORGANIZATION_INVITATION.task_name,
    queue=jobs.SEND_ORGANIZATION_INVITATION.queue,
    pass_context=True,
    retry=EMAIL_RETRY,
)
async def send_organization_invitation(context: JobContext, invitation_id: int) -> bool:
    """Send the invitation's link; nothing once it is accepted, revoked or expired. Returns whether it went."""
    resources = resources_of(context)
    settings = resources.settings
    async with resources.sessions() as session:
        email = await invitation_email(
            session, invitation_id, InvitationTokens(settings.jwt_secret), Links.from_settings(settings)
        )
    if email is None:
        return False
    await resources.mailer.deliver(email, sender=settings.email_from)
    return True
