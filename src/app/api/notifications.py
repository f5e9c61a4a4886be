"""Notification settings and the unsubscribe link every email carries (SPEC §2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, MediaType, Request, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user
from app.api.messages import language_of
from app.api.openapi import BEARER, problems
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.notifications.links import Links
from app.domain.notifications.preferences import NotificationSettingsService
from app.domain.notifications.schemas import NotificationSettings, NotificationSettingsUpdate
from app.domain.notifications.templates import is_english, unsubscribe_page

UNSUBSCRIBE_RESPONSES = problems(400, s400="The link is malformed, tampered with, or not an unsubscribe link")


def provide_notification_settings(transaction: NamedDependency[AsyncSession]) -> NotificationSettingsService:
    return NotificationSettingsService(transaction)


def _in_english(request: Request[Any, Any, Any], user: User | None) -> bool:
    """The user's own language (their emails are in it); the browser's when the account is gone."""
    return is_english(user) if user is not None else language_of(request) == "en"


class NotificationController(Controller):
    path = "/api/users/notifications"
    tags = ["users"]
    dependencies = {
        "notification_settings": Provide(provide_notification_settings, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
    }

    @get(
        "/settings/",
        operation_id="getNotificationSettings",
        summary="The caller's email preferences",
        security=BEARER,
        responses=problems(401),
    )
    async def get_settings(
        self, current_user: NamedDependency[User], notification_settings: NamedDependency[NotificationSettingsService]
    ) -> NotificationSettings:
        """Each preference is on unless turned off. Reminders follow `email_event_reminders`; notices about the
        caller's events (confirmation, approval, rejection, promotion from the waitlist, change of time or place,
        cancellation) follow `email_event_updates`; badges follow `email_badge_earned`. The welcome email always
        goes."""
        return notification_settings.settings_of(current_user)

    @put(
        "/settings/",
        operation_id="updateNotificationSettings",
        summary="Change the caller's email preferences",
        security=BEARER,
        responses=problems(400, 401),
    )
    async def update_settings(
        self,
        current_user: NamedDependency[User],
        notification_settings: NamedDependency[NotificationSettingsService],
        data: JSONBody[NotificationSettingsUpdate | None] = None,
    ) -> NotificationSettings:
        """The preferences sent change; those left out keep their value, and other keys are ignored (as the web app
        may send back what it read). Answers all four. The same preferences are `notification_preferences` in the
        profile."""
        return await notification_settings.update(current_user, data or NotificationSettingsUpdate())

    @get(
        "/unsubscribe/",
        operation_id="showUnsubscribePage",
        summary="The page an email's unsubscribe link opens",
        media_type=MediaType.HTML,
        responses=UNSUBSCRIBE_RESPONSES,
    )
    async def unsubscribe_page(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        notification_settings: NamedDependency[NotificationSettingsService],
        token: str = Parameter(max_length=2048, description="The signed token of the email's link"),
    ) -> str:
        """An HTML page asking to confirm, with a button that POSTs to the same link. It changes nothing itself:
        mail scanners open links before people do. No login needed: the signed token names the user and the
        kind of email (one preference, or every email for the welcome email's link)."""
        unsubscription = Links.from_settings(settings).read_unsubscribe_token(token)
        user = await notification_settings.recipient(unsubscription)
        return unsubscribe_page(
            unsubscription.kind, english=_in_english(request, user), action_url=f"?token={quote(token)}"
        )

    @post(
        "/unsubscribe/",
        operation_id="unsubscribe",
        summary="Unsubscribe with one click (RFC 8058)",
        status_code=200,
        media_type=MediaType.HTML,
        responses=UNSUBSCRIBE_RESPONSES,
    )
    async def unsubscribe(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        notification_settings: NamedDependency[NotificationSettingsService],
        token: str = Parameter(max_length=2048, description="The signed token of the email's link"),
    ) -> str:
        """Turns the link's preference off (every preference for the welcome email's link) and answers a short
        HTML confirmation. This is the `List-Unsubscribe` URL of every email: mail clients POST the form body
        `List-Unsubscribe=One-Click` to it (RFC 8058), and the page's button posts the same. The body is not
        needed; the token in the URL is the authority. Idempotent."""
        unsubscription = Links.from_settings(settings).read_unsubscribe_token(token)
        user = await notification_settings.unsubscribe(unsubscription)
        return unsubscribe_page(unsubscription.kind, english=_in_english(request, user), action_url=None)
