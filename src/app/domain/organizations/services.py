"""Organization rules: creating and editing one, finding them, following them. Members' roles decide who may edit
(owners and admins); the creator is the first owner."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User
from app.domain.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from app.domain.events.search import normalize
from app.domain.organizations.models import Organization, OrganizationMember, organization_followers
from app.domain.organizations.schemas import FollowState, OrganizationPatch, OrganizationRead, OrganizationWrite
from app.domain.places import is_state

# Roles that may edit the organization.
EDITOR_ROLES = ("owner", "admin")

_MEMBERS = (
    select(func.count())
    .where(OrganizationMember.organization_id == Organization.id)
    .correlate(Organization)
    .scalar_subquery()
)
_FOLLOWERS = (
    select(func.count())
    .where(organization_followers.c.organization_id == Organization.id)
    .correlate(Organization)
    .scalar_subquery()
)


class OrganizationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, data: OrganizationWrite, user: User) -> OrganizationRead:
        values = _cleaned(msgspec_fields(data))
        values["slug"] = values.get("slug") or _slug_of(values["name"])
        _check(values)
        organization = Organization(**values)
        self.session.add(organization)
        await self._flush()
        self.session.add(OrganizationMember(organization_id=organization.id, user_id=user.id, role="owner"))
        await self.session.flush()
        return await self.read(organization.id)

    async def update(self, organization_id: int, data: OrganizationPatch, user: User) -> OrganizationRead:
        organization = await self._organization(organization_id, lock=True)
        changes = _cleaned(data.changes())
        if "is_verified" in changes and not user.is_staff:
            raise PermissionDenied("staff_only")
        if not (user.is_staff or await self.role(organization.id, user) in EDITOR_ROLES):
            raise PermissionDenied("not_organization_admin")
        _check(changes)
        for field, value in changes.items():
            setattr(organization, field, value)
        await self._flush()
        return await self.read(organization.id)

    async def read(self, organization_id: int) -> OrganizationRead:
        rows = (await self.session.execute(_READ.where(Organization.id == organization_id))).all()
        if not rows:
            raise NotFound("organization_not_found")
        return _organization_read(rows[0])

    async def page(self, search: str | None, offset: int, limit: int) -> tuple[int, list[OrganizationRead]]:
        """By name; `search` matches the name without accents or case."""
        condition: ColumnElement[bool] = true()
        if search:
            pattern = "%" + normalize(search).replace("%", r"\%").replace("_", r"\_") + "%"
            condition = func.mutiroes_fold(Organization.name).like(pattern)
        count = await self.session.scalar(select(func.count()).select_from(Organization).where(condition))
        statement = _READ.where(condition).order_by(Organization.name, Organization.id).offset(offset).limit(limit)
        rows = (await self.session.execute(statement)).all()
        return int(count or 0), [_organization_read(row) for row in rows]

    async def role(self, organization_id: int, user: User) -> str | None:
        role: str | None = await self.session.scalar(
            select(OrganizationMember.role).where(
                OrganizationMember.organization_id == organization_id, OrganizationMember.user_id == user.id
            )
        )
        return role

    async def _flush(self) -> None:
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            raise ValidationFailed.single("slug", "slug_taken") from None

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

    async def _organization(self, organization_id: int, *, lock: bool = False) -> Organization:
        organization = await self.session.get(Organization, organization_id, with_for_update=lock)
        if organization is None:
            raise NotFound("organization_not_found")
        return organization

    async def _state(self, organization_id: int, user: User, *, following: bool) -> FollowState:
        count = await self.session.scalar(
            select(func.count()).where(organization_followers.c.organization_id == organization_id)
        )
        return FollowState(organization=organization_id, following=following, followers_count=int(count or 0))


_READ = select(
    Organization.id,
    Organization.name,
    Organization.slug,
    Organization.description,
    Organization.logo_url,
    Organization.city,
    Organization.state,
    Organization.website,
    Organization.is_verified,
    _MEMBERS,
    _FOLLOWERS,
    Organization.created_at,
)


def _organization_read(row: Any) -> OrganizationRead:
    fields = ("id", "name", "slug", "description", "logo_url", "city", "state", "website", "is_verified")
    values = dict(zip(fields, row[:9], strict=True))
    return OrganizationRead(**values, members_count=row[9], followers_count=row[10], created_at=row[11])


def msgspec_fields(data: OrganizationWrite) -> dict[str, Any]:
    return {field: getattr(data, field) for field in data.__struct_fields__}


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    """Trim the texts, upper-case the state."""
    result = {field: value.strip() if isinstance(value, str) else value for field, value in values.items()}
    if isinstance(result.get("state"), str):
        result["state"] = result["state"].upper()
    return result


def _check(values: dict[str, Any]) -> None:
    errors = []
    if "name" in values and len(values["name"]) < 2:
        errors.append(FieldError("name", "too_short", {"min": 2}))
    if values.get("state") and not is_state(values["state"]):
        errors.append(FieldError("state", "state_invalid"))
    if "slug" in values and len(values["slug"]) < 2:
        errors.append(FieldError("slug", "too_short", {"min": 2}))
    if errors:
        raise ValidationFailed(errors)


def _slug_of(name: str) -> str:
    """ "Coletivo Maré Limpa" → "coletivo-mare-limpa"."""
    words = "".join(c if c.isalnum() else " " for c in normalize(name)).split()
    return "-".join(words)[:100].strip("-")
