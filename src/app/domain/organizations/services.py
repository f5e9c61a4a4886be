"""Organization rules: following (members, invitations and the public page are to come)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User
from app.domain.errors import NotFound
from app.domain.organizations.models import Organization, organization_followers
from app.domain.organizations.schemas import FollowState


class OrganizationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def follow(self, organization_id: int, user: User) -> FollowState:
        """Idempotent: following twice is following."""
        await self._organization(organization_id)
        await self.session.execute(
            insert(organization_followers)
            .values(organization_id=organization_id, user_id=user.id)
            .on_conflict_do_nothing()
        )
        return await self._state(organization_id, user, following=True)

    async def unfollow(self, organization_id: int, user: User) -> FollowState:
        """Idempotent: not following is not an error."""
        await self._organization(organization_id)
        await self.session.execute(
            delete(organization_followers).where(
                organization_followers.c.organization_id == organization_id,
                organization_followers.c.user_id == user.id,
            )
        )
        return await self._state(organization_id, user, following=False)

    async def _organization(self, organization_id: int) -> Organization:
        organization = await self.session.get(Organization, organization_id)
        if organization is None:
            raise NotFound("organization_not_found")
        return organization

    async def _state(self, organization_id: int, user: User, *, following: bool) -> FollowState:
        count = await self.session.scalar(
            select(func.count()).where(organization_followers.c.organization_id == organization_id)
        )
        return FollowState(organization=organization_id, following=following, followers_count=int(count or 0))
