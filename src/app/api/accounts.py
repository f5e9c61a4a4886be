"""Accounts API: tokens, registration, profiles, password (SPEC §2)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, MediaType, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user, provide_optional_user, provide_privacy
from app.api.messages import language_of, message
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.config.settings import Settings
from app.domain.accounts.models import User, default_notification_preferences
from app.domain.accounts.privacy import PrivacyService
from app.domain.accounts.schemas import (
    ChangePasswordRequest,
    ErasureRequest,
    PasswordChanged,
    ProfileRead,
    ProfileUpdate,
    PublicProfile,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    TokenRequest,
    UserRead,
)
from app.domain.accounts.services import AccountService
from app.domain.participation.queries import ParticipationQueries
from app.domain.participation.schemas import HistoryPage


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        date_joined=user.date_joined,
    )


def profile_read(user: User, settings: NamedDependency[Settings]) -> ProfileRead:
    profile = user.profile
    today = dt.datetime.now(ZoneInfo(settings.app_timezone)).date()
    return ProfileRead(
        id=profile.id,
        user=user_read(user),
        phone=profile.phone,
        birth_date=profile.birth_date,
        bio=profile.bio,
        avatar_url=profile.avatar_url,
        age=profile.age(today),
        city=profile.city,
        state=profile.state,
        zip_code=profile.zip_code,
        interests=list(profile.interests),
        notification_preferences={**default_notification_preferences(), **profile.notification_preferences},
        is_public_profile=profile.is_public_profile,
        show_participation_history=profile.show_participation_history,
        total_events_participated=profile.total_events_participated,
        total_hours_volunteered=float(profile.total_hours_volunteered),
        created_at=profile.created_at,
        updated_at=profile.updated_at,
    )


def _profile_edit_operation_id(route_handler: Any, http_method: Any, path_components: list[Any]) -> str:
    """One handler on two paths (the original API's and the profile's own): one operation id for each."""
    return "updateMyProfile" if "update" in path_components else "patchMyProfile"


class TokenController(Controller):
    path = "/api/token"
    tags = ["auth"]

    @post(
        "/",
        operation_id="obtainToken",
        summary="Log in (email or username + password)",
        status_code=200,
        responses=problems(400, 401, s401="Wrong credentials"),
    )
    async def obtain(self, data: JSONBody[TokenRequest], accounts: NamedDependency[AccountService]) -> TokenPair:
        """Answers an access token (60 min) and a refresh token (7 days)."""
        user = await accounts.authenticate(data)
        return await accounts.issue_tokens(user)

    @post(
        "/refresh/",
        operation_id="refreshToken",
        summary="Rotate a refresh token",
        status_code=200,
        responses=problems(400, 401, s401="Invalid, expired, spent or revoked refresh token"),
    )
    async def refresh(self, data: JSONBody[RefreshRequest], accounts: NamedDependency[AccountService]) -> TokenPair:
        """Spends the refresh token and answers a new pair. Presenting a spent token again revokes every
        token descended from the same login."""
        return await accounts.rotate_refresh_token(data.refresh)

    @post(
        "/revoke/",
        operation_id="revokeToken",
        summary="Log out (revoke a refresh token)",
        status_code=204,
        responses=problems(400, 401),
    )
    async def revoke(self, data: JSONBody[RefreshRequest], accounts: NamedDependency[AccountService]) -> None:
        await accounts.revoke_refresh_token(data.refresh)


class UserController(Controller):
    path = "/api/users"
    tags = ["users"]
    dependencies = {
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
        "privacy": Provide(provide_privacy, sync_to_thread=False),
    }

    @post("/register/", operation_id="registerUser", summary="Create an account", responses=problems(400))
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RegisterRequest],
        accounts: NamedDependency[AccountService],
    ) -> UserRead:
        """Creates the account and queues the welcome email (in the same transaction)."""
        user = await accounts.register(data, language="en" if language_of(request) == "en" else "pt-BR")
        return user_read(user)

    @get(
        "/profile/",
        operation_id="getMyProfile",
        summary="The caller's profile",
        security=BEARER,
        responses=problems(401),
    )
    async def my_profile(self, current_user: NamedDependency[User], settings: NamedDependency[Settings]) -> ProfileRead:
        return profile_read(current_user, settings)

    @patch(
        ["/profile/update/", "/profile/"],
        operation_id=_profile_edit_operation_id,
        summary="Edit the caller's profile",
        security=BEARER,
        responses=problems(400, 401),
    )
    async def update_profile(
        self,
        current_user: NamedDependency[User],
        accounts: NamedDependency[AccountService],
        settings: NamedDependency[Settings],
        data: JSONBody[ProfileUpdate | None] = None,
    ) -> ProfileRead:
        """Only the fields sent change; `birth_date: null` clears it. The same edit answers on both paths."""
        return profile_read(await accounts.update_profile(current_user, data or ProfileUpdate()), settings)

    @get(
        "/profile/{username:str}/",
        operation_id="getPublicProfile",
        summary="A user's public profile",
        responses=problems(401, 404),
    )
    async def public_profile(
        self,
        username: str = Parameter(max_length=150),
        *,
        viewer: NamedDependency[User | None],
        accounts: NamedDependency[AccountService],
    ) -> PublicProfile:
        """Private profiles answer 404 to everyone but their owner and staff."""
        user = await accounts.get_public_profile(username, viewer)
        profile = user.profile
        return PublicProfile(
            id=user.id,
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            bio=profile.bio,
            avatar_url=profile.avatar_url,
            city=profile.city,
            state=profile.state,
            date_joined=user.date_joined,
            total_events_participated=profile.total_events_participated,
            total_hours_volunteered=float(profile.total_hours_volunteered),
            show_participation_history=profile.show_participation_history,
        )

    @get(
        "/history/",
        operation_id="participationHistory",
        summary="The caller's participations",
        security=BEARER,
        responses=problems(400, 401, 404),
    )
    async def history(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[User],
        transaction: NamedDependency[AsyncSession],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> HistoryPage:
        """Every event the caller joined (any status), most recent first, paginated."""
        window = Window(page, page_size, limit)
        count, entries = await ParticipationQueries(transaction).history(
            current_user.id, offset=window.offset, limit=window.size
        )
        next_link, previous_link = window.links(request, count)
        return HistoryPage(count=count, next=next_link, previous=previous_link, results=entries)

    @post(
        "/change-password/",
        operation_id="changePassword",
        summary="Change the caller's password",
        status_code=200,
        security=BEARER,
        responses=problems(400, 401),
    )
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChangePasswordRequest],
        current_user: NamedDependency[User],
        accounts: NamedDependency[AccountService],
    ) -> PasswordChanged:
        """Revokes every refresh token of the user and answers a fresh pair for this device."""
        pair = await accounts.change_password(current_user, data)
        return PasswordChanged(
            message=message("password_changed", language_of(request)), access=pair.access, refresh=pair.refresh
        )

    @get(
        "/export/",
        operation_id="exportMyData",
        summary="Download all the caller's data (LGPD)",
        security=BEARER,
        media_type=MediaType.JSON,
        responses={
            200: ResponseSpec(dict[str, Any], description="Every row that names the caller, table by table"),
            **problems(401),
        },
    )
    async def export(
        self, current_user: NamedDependency[User], privacy: NamedDependency[PrivacyService]
    ) -> Response[bytes]:
        """One JSON document, as an attachment: `account`, `profile`, `participations`, `organized_events`,
        `comments`, `pledges`, `badges`, `reports_filed`, `contributions`, `statistics`, `reminders_received`,
        `notices_received` and `sessions` — every row that names the caller, all its columns but the password hash."""
        filename = f"mutiroes-{dt.date.today().isoformat()}.json"  # no username: it may not be ASCII
        return Response(
            await privacy.export(current_user),
            media_type=MediaType.JSON,
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    @post(
        "/delete-account/",
        operation_id="deleteMyAccount",
        summary="Erase the caller's account (LGPD)",
        status_code=204,
        security=BEARER,
        responses=problems(
            400,
            401,
            409,
            s409="The caller organizes a published event that has not ended, or is an organization's only owner",
        ),
    )
    async def delete_account(
        self,
        data: JSONBody[ErasureRequest],
        current_user: NamedDependency[User],
        privacy: NamedDependency[PrivacyService],
    ) -> None:
        """Asks for the password again; cannot be undone. Name, email, contact data and profile are wiped and the
        account can no longer log in (every session ends). Places and pledges on events that have not started are
        given up (the waitlist moves up). What already happened stays, under "Usuário removido": past
        participations and check-ins, comments, verified hours, reports. An organizer of a published event that has
        not ended cancels it first (409 `organizes_upcoming_events`); an organization's only owner makes another
        member an owner, or deletes the organization, first (409 `owns_organizations`). The account leaves every
        other organization and stops following any."""
        await privacy.erase(current_user, data)
