"""Organizations API: following an organization (its new events then reach the follower by email)."""

from __future__ import annotations

from litestar import Controller, delete, post
from litestar.di import NamedDependency, Provide

from app.api.dependencies import provide_current_user, provide_organizations
from app.api.openapi import BEARER, problems
from app.api.params import PathId
from app.domain.accounts.models import User
from app.domain.organizations.schemas import FollowState
from app.domain.organizations.services import OrganizationService


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]
    dependencies = {
        "organizations": Provide(provide_organizations, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
    }

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
