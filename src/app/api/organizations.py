"""Organizations API: the organizations, their public page, logo, members, invitations and followers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user, provide_optional_user
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.api.params import PathId
from app.api.photos import UPLOAD_LIMIT, provide_pictures
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.errors import NotFound
from app.domain.organizations.models import OrganizationInvitation
from app.domain.organizations.queries import OrganizationQueries
from app.domain.organizations.schemas import (
    InvitationAccept,
    InvitationRead,
    InvitationWrite,
    MemberPage,
    MemberPatch,
    MemberRead,
    MyOrganizations,
    OrganizationDetail,
    OrganizationPage,
    OrganizationPatch,
    OrganizationWrite,
)
from app.domain.organizations.services import InvitationTokens, OrganizationService
from app.domain.photos.pictures import PictureService
from app.domain.time import utcnow

NEW_ORGANIZATION = {
    "name": "Coletivo Praia Limpa",
    "description": "Voluntários que cuidam das praias de Santos desde 2019.",
    "city": "Santos",
    "state": "SP",
    "website": "https://praialimpa.example.org",
}
OrganizationBody = Annotated[
    OrganizationWrite,
    Body(
        title="Organization",
        description="The slug is made from the name when absent.",
        examples=[Example(summary="A beach clean-up collective", value=NEW_ORGANIZATION)],
    ),
]
InvitationBody = Annotated[
    InvitationWrite,
    Body(
        title="Invitation",
        examples=[
            Example(summary="By username", value={"username": "ana.lima", "role": "organizer"}),
            Example(summary="By email", value={"email": "bia@example.org", "role": "admin"}),
        ],
    ),
]


@dataclass
class LogoForm:
    """`multipart/form-data`: the picture."""

    logo: UploadFile


def provide_organizations(transaction: NamedDependency[AsyncSession], state: State) -> OrganizationService:
    settings: Settings = state.settings
    return OrganizationService(transaction, InvitationTokens(settings.jwt_secret))


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]
    dependencies = {
        "organizations": Provide(provide_organizations, sync_to_thread=False),
        "pictures": Provide(provide_pictures, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @get("/", operation_id="listOrganizations", summary="Find organizations", responses=problems(400, 401, 404))
    async def list_organizations(
        self,
        request: Request[Any, Any, Any],
        transaction: NamedDependency[AsyncSession],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
        search: Annotated[str | None, QueryParameter(max_length=200, description="Part of the name")] = None,
        city: Annotated[str | None, QueryParameter(max_length=100)] = None,
        state_code: Annotated[str | None, QueryParameter(name="state", max_length=2, description="UF, e.g. SP")] = None,
    ) -> OrganizationPage:
        """By name (case-insensitive), in the DRF envelope; `search` matches any part of the name."""
        window = Window(page, page_size, limit)
        count, results = await OrganizationQueries(transaction).page(
            search=search or None, city=city or None, state=state_code or None, offset=window.offset, limit=window.size
        )
        next_link, previous_link = window.links(request, count)
        return OrganizationPage(count=count, next=next_link, previous=previous_link, results=results)

    @post(
        "/",
        operation_id="createOrganization",
        summary="Create an organization",
        security=BEARER,
        responses=problems(400, 401, s400="Invalid fields, or the slug is taken (`slug_taken`)"),
    )
    async def create_organization(
        self,
        data: OrganizationBody,
        organizations: NamedDependency[OrganizationService],
        transaction: NamedDependency[AsyncSession],
        current_user: NamedDependency[User],
    ) -> OrganizationDetail:
        """Any logged-in user; they become its first owner."""
        organization = await organizations.create(data, current_user)
        return await _detail(transaction, organization.id, current_user)

    @get(
        "/mine/",
        operation_id="myOrganizations",
        summary="Organizations the caller belongs to or follows",
        security=BEARER,
        responses=problems(401),
    )
    async def my_organizations(
        self, transaction: NamedDependency[AsyncSession], current_user: NamedDependency[User]
    ) -> MyOrganizations:
        """`memberships` (with the caller's role) and `following`, each by name; one query."""
        return await OrganizationQueries(transaction).mine(current_user.id)

    @get(
        "/{organization_id:int}/",
        operation_id="getOrganization",
        summary="An organization's public page",
        responses=problems(400, 401, 404),
    )
    async def get_organization(
        self,
        organization_id: PathId,
        transaction: NamedDependency[AsyncSession],
        viewer: NamedDependency[User | None],
    ) -> OrganizationDetail:
        """The organization with its members and followers counts, its next and its last five public events, and
        its impact from verified data only (check-ins and filed reports of its events, by the volunteers' rules).
        For a logged-in caller, `my_role` and `is_following`."""
        return await _detail(transaction, organization_id, viewer)

    @patch(
        "/{organization_id:int}/",
        operation_id="updateOrganization",
        summary="Edit an organization (owners and admins)",
        security=BEARER,
        responses=problems(400, 401, 403, 404, s403="Not an owner or admin, or `is_verified` by a non-staff caller"),
    )
    async def update_organization(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        transaction: NamedDependency[AsyncSession],
        current_user: NamedDependency[User],
        data: JSONBody[OrganizationPatch | None] = None,
    ) -> OrganizationDetail:
        """Only the fields sent change. `is_verified` is set by staff only."""
        await organizations.update(organization_id, data or OrganizationPatch(), current_user)
        return await _detail(transaction, organization_id, current_user)

    @delete(
        "/{organization_id:int}/",
        operation_id="deleteOrganization",
        summary="Delete an organization (owners)",
        security=BEARER,
        responses=problems(401, 403, 404),
    )
    async def delete_organization(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> None:
        """Its events stay, no longer under its name."""
        await organizations.delete(organization_id, current_user)

    @post(
        "/{organization_id:int}/logo/",
        operation_id="uploadOrganizationLogo",
        summary="Upload an organization's logo (owners and admins)",
        status_code=200,
        security=BEARER,
        request_max_body_size=UPLOAD_LIMIT,
        responses=problems(400, 401, 403, 404, 413),
    )
    async def upload_logo(
        self,
        organization_id: PathId,
        data: Annotated[LogoForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        pictures: NamedDependency[PictureService],
        transaction: NamedDependency[AsyncSession],
        current_user: NamedDependency[User],
    ) -> OrganizationDetail:
        """JPEG, PNG or WebP up to 10 MB, cleaned like a photo, at most 512 px on its longer side; `logo_url` then
        links to it (and a previous upload is deleted)."""
        await pictures.set_logo(organization_id, current_user, await data.logo.read())
        return await _detail(transaction, organization_id, current_user)

    @delete(
        "/{organization_id:int}/logo/",
        operation_id="deleteOrganizationLogo",
        summary="Remove an organization's logo (owners and admins)",
        status_code=200,
        security=BEARER,
        responses=problems(401, 403, 404),
    )
    async def delete_logo(
        self,
        organization_id: PathId,
        pictures: NamedDependency[PictureService],
        transaction: NamedDependency[AsyncSession],
        current_user: NamedDependency[User],
    ) -> OrganizationDetail:
        await pictures.clear_logo(organization_id, current_user)
        return await _detail(transaction, organization_id, current_user)

    # --- members ---

    @get(
        "/{organization_id:int}/members/",
        operation_id="listOrganizationMembers",
        summary="An organization's members",
        responses=problems(400, 401, 404),
    )
    async def list_members(
        self,
        request: Request[Any, Any, Any],
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        transaction: NamedDependency[AsyncSession],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> MemberPage:
        """Owners first, then admins, then organizers; names and avatars only."""
        await organizations.get(organization_id)
        window = Window(page, page_size, limit)
        count, results = await OrganizationQueries(transaction).members(
            organization_id, offset=window.offset, limit=window.size
        )
        next_link, previous_link = window.links(request, count)
        return MemberPage(count=count, next=next_link, previous=previous_link, results=results)

    @patch(
        "/{organization_id:int}/members/{user_id:int}/",
        operation_id="updateOrganizationMember",
        summary="Change a member's role (owners and admins)",
        security=BEARER,
        responses=problems(
            400, 401, 403, 404, 409, s403="Only owners make or unmake owners", s409="The last owner (`last_owner`)"
        ),
    )
    async def update_member(
        self,
        organization_id: PathId,
        user_id: PathId,
        data: JSONBody[MemberPatch],
        organizations: NamedDependency[OrganizationService],
        transaction: NamedDependency[AsyncSession],
        current_user: NamedDependency[User],
    ) -> MemberRead:
        """Admins manage admins and organizers; owners manage everyone. The last owner is never demoted (409)."""
        await organizations.change_role(organization_id, user_id, data.role, current_user)
        return await _member(transaction, organization_id, user_id)

    @delete(
        "/{organization_id:int}/members/{user_id:int}/",
        operation_id="removeOrganizationMember",
        summary="Remove a member, or leave",
        security=BEARER,
        responses=problems(401, 403, 404, 409, s409="The last owner (`last_owner`)"),
    )
    async def remove_member(
        self,
        organization_id: PathId,
        user_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> None:
        """Owners and admins remove members (admins: not owners); any member may remove themselves. The last owner
        never goes (409)."""
        await organizations.remove(organization_id, user_id, current_user)

    # --- invitations ---

    @post(
        "/{organization_id:int}/invitations/",
        operation_id="inviteToOrganization",
        summary="Invite someone by username or email (owners and admins)",
        security=BEARER,
        responses={
            201: ResponseSpec(InvitationRead, description="Invited: the email with the link is on its way"),
            **problems(400, 401, 403, 404, 409, s409="Already a member, or already invited"),
        },
    )
    async def invite(
        self,
        organization_id: PathId,
        data: InvitationBody,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
        settings: NamedDependency[Settings],
    ) -> InvitationRead:
        """Admins cannot invite owners. The invitation expires after ORGANIZATION_INVITATION_DAYS (7 by default);
        its link reaches the invited address by email."""
        valid_for = dt.timedelta(days=settings.organization_invitation_days)
        invitation = await organizations.invite(organization_id, data, current_user, valid_for=valid_for)
        return _invitation_read(invitation, current_user.username)

    @get(
        "/{organization_id:int}/invitations/",
        operation_id="listOrganizationInvitations",
        summary="Pending invitations (owners and admins)",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def list_invitations(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> list[InvitationRead]:
        """Not yet accepted, revoked or expired; newest first."""
        pending = await organizations.pending_invitations(organization_id, current_user)
        return [_invitation_read(invitation, inviter or None) for invitation, inviter in pending]

    @delete(
        "/{organization_id:int}/invitations/{invitation_id:int}/",
        operation_id="revokeOrganizationInvitation",
        summary="Revoke an invitation (owners and admins)",
        security=BEARER,
        responses=problems(401, 403, 404, 409, s409="Already accepted"),
    )
    async def revoke_invitation(
        self,
        organization_id: PathId,
        invitation_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> None:
        """Its link stops working at once (410)."""
        await organizations.revoke(organization_id, invitation_id, current_user)

    @post(
        "/invitations/accept/",
        operation_id="acceptOrganizationInvitation",
        summary="Accept an invitation",
        status_code=200,
        security=BEARER,
        responses=problems(
            400,
            401,
            403,
            409,
            410,
            s400="Unknown token (`invitation_invalid`)",
            s403="The invitation is for another person",
            s409="Already accepted, or already a member",
            s410="Expired or revoked",
        ),
    )
    async def accept_invitation(
        self,
        data: JSONBody[InvitationAccept],
        organizations: NamedDependency[OrganizationService],
        transaction: NamedDependency[AsyncSession],
        current_user: NamedDependency[User],
    ) -> OrganizationDetail:
        """The token from the email's link, by the invited person logged in (the invited account, or an account of
        the invited email); they become a member with the invitation's role."""
        member = await organizations.accept(data.token, current_user)
        return await _detail(transaction, member.organization_id, current_user)

    # --- followers ---

    @post(
        "/{organization_id:int}/follow/",
        operation_id="followOrganization",
        summary="Follow an organization",
        status_code=204,
        security=BEARER,
        responses=problems(401, 404),
    )
    async def follow(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> None:
        """Idempotent."""
        await organizations.follow(organization_id, current_user)

    @delete(
        "/{organization_id:int}/follow/",
        operation_id="unfollowOrganization",
        summary="Stop following an organization",
        security=BEARER,
        responses=problems(401, 404),
    )
    async def unfollow(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> None:
        """Idempotent."""
        await organizations.unfollow(organization_id, current_user)


async def _detail(transaction: AsyncSession, organization_id: int, viewer: User | None) -> OrganizationDetail:
    """Read on the request's own transaction: a write's answer shows its uncommitted change."""
    found = await OrganizationQueries(transaction).detail(
        organization_id, viewer_id=viewer.id if viewer else None, now=utcnow()
    )
    if found is None:
        raise NotFound("organization_not_found")
    return found


async def _member(transaction: AsyncSession, organization_id: int, user_id: int) -> MemberRead:
    member = await OrganizationQueries(transaction).member(organization_id, user_id)
    if member is None:
        raise NotFound("member_not_found")
    return member


def _invitation_read(invitation: OrganizationInvitation, inviter: str | None) -> InvitationRead:
    return InvitationRead(
        id=invitation.id,
        organization_id=invitation.organization_id,
        email=invitation.email,
        user_id=invitation.user_id,
        role=invitation.role,  # type: ignore[arg-type]
        invited_by=inviter,
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
    )
