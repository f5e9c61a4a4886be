"""Organizations API: create, find and edit organizations; follow them (their new events then reach the follower by
email)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from app.api.dependencies import provide_current_user, provide_organizations
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.api.params import PathId
from app.domain.accounts.models import User
from app.domain.organizations.schemas import (
    FollowState,
    OrganizationPage,
    OrganizationPatch,
    OrganizationRead,
    OrganizationWrite,
)
from app.domain.organizations.services import OrganizationService


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]
    dependencies = {
        "organizations": Provide(provide_organizations, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
    }

    @get("/", operation_id="listOrganizations", summary="Find organizations", responses=problems(400, 404))
    async def list_organizations(
        self,
        request: Request[Any, Any, Any],
        organizations: NamedDependency[OrganizationService],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
        search: Annotated[
            str | None, QueryParameter(max_length=200, description="In the name, any accents or case")
        ] = None,
    ) -> OrganizationPage:
        """By name, in the DRF envelope."""
        window = Window(page, page_size, limit)
        count, found = await organizations.page(search or None, window.offset, window.size)
        next_link, previous_link = window.links(request, count)
        return OrganizationPage(count=count, next=next_link, previous=previous_link, results=found)

    @post(
        "/",
        operation_id="createOrganization",
        summary="Create an organization",
        security=BEARER,
        responses=problems(400, 401),
    )
    async def create_organization(
        self,
        data: JSONBody[OrganizationWrite],
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> OrganizationRead:
        """The caller becomes its first owner. A `slug` already taken (in any case) is refused (`slug_taken`)."""
        return await organizations.create(data, current_user)

    @get(
        "/{organization_id:int}/",
        operation_id="getOrganization",
        summary="An organization",
        responses=problems(404),
    )
    async def get_organization(
        self, organization_id: PathId, organizations: NamedDependency[OrganizationService]
    ) -> OrganizationRead:
        """Public."""
        return await organizations.read(organization_id)

    @patch(
        "/{organization_id:int}/",
        operation_id="updateOrganization",
        summary="Edit an organization (owners and admins)",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def update_organization(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
        data: JSONBody[OrganizationPatch | None] = None,
    ) -> OrganizationRead:
        """Its owners and admins, and staff; `is_verified` is set by staff only."""
        return await organizations.update(organization_id, data or OrganizationPatch(), current_user)

    @post(
        "/{organization_id:int}/follow/",
        operation_id="followOrganization",
        summary="Follow an organization",
        security=BEARER,
        status_code=200,
        responses=problems(401, 404),
    )
    async def follow(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> FollowState:
        """Its newly published events reach the caller by email (if `email_new_events` is on; at most one email a
        day). Following twice changes nothing."""
        return await organizations.follow(organization_id, current_user)

    @delete(
        "/{organization_id:int}/follow/",
        operation_id="unfollowOrganization",
        summary="Stop following an organization",
        security=BEARER,
        status_code=200,
        responses=problems(401, 404),
    )
    async def unfollow(
        self,
        organization_id: PathId,
        organizations: NamedDependency[OrganizationService],
        current_user: NamedDependency[User],
    ) -> FollowState:
        """Not following already is not an error."""
        return await organizations.unfollow(organization_id, current_user)
