"""Organization rules: who may change what, the members' roles (an owner always remains), invitations, follows.

Every change to the membership locks the organization's row first: the "at least one owner" rule is checked and
kept in one step, so two owners demoting each other at once leave one owner, never none.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User
from app.domain.errors import Conflict, FieldError, Gone, NotFound, PermissionDenied, ValidationFailed
from app.domain.notifications.email import Email
from app.domain.notifications.links import Links
from app.domain.notifications.templates import is_english, organization_invitation_email
from app.domain.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    organization_followers,
)
from app.domain.organizations.schemas import InvitationWrite, OrganizationPatch, OrganizationWrite
from app.domain.places import is_state
from app.domain.time import utcnow

# Strongest first: a role may manage the roles below it (owners manage everyone, owners included).
RANK = {"owner": 3, "admin": 2, "organizer": 1}
MANAGERS = ("owner", "admin")
WEBSITE_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def slug_of(name: str) -> str:
    """'Coletivo Praia Limpa!' → 'coletivo-praia-limpa' (accents dropped)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:100].strip("-")


class InvitationTokens:
    """The secret of an invitation link. It is derived from the invitation with the app's secret (HMAC), so neither
    the database (which keeps only its SHA-256, to find the invitation) nor the email job's arguments hold it."""

    def __init__(self, secret: str) -> None:
        self._key = f"organization-invitation:{secret}".encode()

    def token_for(self, invitation: OrganizationInvitation) -> str:
        # The creation time (to the microsecond) keeps two databases' invitation number 1 from sharing a link.
        message = f"{invitation.id}:{invitation.created_at.isoformat()}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @staticmethod
    def hash_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class OrganizationService:
    def __init__(self, session: AsyncSession, tokens: InvitationTokens | None = None) -> None:
        self.session = session
        self.tokens = tokens

    # --- the organization ---

    async def create(self, data: OrganizationWrite, user: User) -> Organization:
        values = _normalised(_fields_of(data))
        values["slug"] = values.get("slug") or slug_of(values["name"])
        _raise_problems(values)
        organization = Organization(**values)
        self.session.add(organization)
        await self._flush_slug()
        # The creator is its first owner.
        self.session.add(OrganizationMember(organization_id=organization.id, user_id=user.id, role="owner"))
        await self.session.flush()
        return organization

    async def get(self, organization_id: int) -> Organization:
        organization = await self.session.get(Organization, organization_id)
        if organization is None:
            raise NotFound("organization_not_found")
        return organization

    async def get_for_change(
        self, organization_id: int, user: User, *, roles: tuple[str, ...] = MANAGERS
    ) -> Organization:
        """The organization, locked, if `user` holds one of `roles` in it (staff always may): 403 otherwise."""
        organization = await self._locked(organization_id)
        if not user.is_staff and await self.role_of(organization.id, user.id) not in roles:
            raise PermissionDenied("not_organization_manager" if roles == MANAGERS else "not_organization_owner")
        return organization

    async def update(self, organization_id: int, data: OrganizationPatch, user: User) -> Organization:
        changes = data.changes()
        if "is_verified" in changes and not user.is_staff:
            raise PermissionDenied("staff_only")
        organization = await self.get_for_change(organization_id, user)
        changes = _normalised(changes)
        _raise_problems({**_current(organization), **changes})
        changed = {field: value for field, value in changes.items() if value != getattr(organization, field)}
        if not changed:
            return organization  # nothing sent differs: nothing changes, `updated_at` included
        for field, value in changed.items():
            setattr(organization, field, value)
        organization.updated_at = utcnow()
        await self._flush_slug()
        return organization

    async def delete(self, organization_id: int, user: User) -> None:
        """Owners (and staff). Its events stay, no longer under its name."""
        organization = await self.get_for_change(organization_id, user, roles=("owner",))
        await self.session.execute(delete(Organization).where(Organization.id == organization.id))

    async def _flush_slug(self) -> None:
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            raise ValidationFailed.single("slug", "slug_taken") from None

    async def _locked(self, organization_id: int) -> Organization:
        statement = select(Organization).where(Organization.id == organization_id).with_for_update()
        organization = await self.session.scalar(statement.execution_options(populate_existing=True))
        if organization is None:
            raise NotFound("organization_not_found")
        return organization

    async def role_of(self, organization_id: int, user_id: int) -> str | None:
        role: str | None = await self.session.scalar(
            select(OrganizationMember.role).where(
                OrganizationMember.organization_id == organization_id, OrganizationMember.user_id == user_id
            )
        )
        return role

    # --- members ---

    async def change_role(self, organization_id: int, user_id: int, role: str, actor: User) -> OrganizationMember:
        organization = await self.get_for_change(organization_id, actor)
        member = await self._member(organization.id, user_id)
        self._may_manage(await self._actor_rank(organization.id, actor), member.role, role)
        if member.role == "owner" and role != "owner":
            await self._keep_an_owner(organization.id)
        if member.role != role:
            member.role = role
            member.updated_at = utcnow()
            await self.session.flush()
        return member

    async def remove(self, organization_id: int, user_id: int, actor: User) -> None:
        """Owners and admins remove members below or at their rank (admins: not owners); anyone may leave."""
        organization = await self._locked(organization_id)
        member = await self._member(organization.id, user_id)
        if user_id != actor.id:
            rank = await self._actor_rank(organization.id, actor)
            if rank < RANK["admin"]:
                raise PermissionDenied("not_organization_manager")
            self._may_manage(rank, member.role, member.role)
        if member.role == "owner":
            await self._keep_an_owner(organization.id)
        await self.session.execute(delete(OrganizationMember).where(OrganizationMember.id == member.id))

    async def let_go_of(self, user: User) -> None:
        """An account being erased leaves its organizations and stops following any; the invitations addressed to
        it go too (they hold its email). Refused while it is the last owner of one (409 `owns_organizations`):
        another member is made owner, or the organization deleted, first."""
        memberships = await self.session.execute(
            select(OrganizationMember.organization_id, OrganizationMember.role)
            .where(OrganizationMember.user_id == user.id)
            .order_by(OrganizationMember.organization_id)  # one locking order for everyone
        )
        for organization_id, role in memberships.tuples().all():
            await self._locked(organization_id)
            if role == "owner":
                await self._keep_an_owner(organization_id, refusal="owns_organizations")
        await self.session.execute(delete(OrganizationMember).where(OrganizationMember.user_id == user.id))
        await self.session.execute(delete(organization_followers).where(organization_followers.c.user_id == user.id))
        await self.session.execute(
            delete(OrganizationInvitation).where(
                (OrganizationInvitation.user_id == user.id)
                | (func.lower(OrganizationInvitation.email) == user.email.lower())
            )
        )

    async def _member(self, organization_id: int, user_id: int) -> OrganizationMember:
        member = await self.session.scalar(
            select(OrganizationMember)
            .where(OrganizationMember.organization_id == organization_id, OrganizationMember.user_id == user_id)
            .execution_options(populate_existing=True)
        )
        if member is None:
            raise NotFound("member_not_found")
        return member

    async def _actor_rank(self, organization_id: int, actor: User) -> int:
        # Staff act with an owner's powers.
        return RANK["owner"] if actor.is_staff else RANK.get(await self.role_of(organization_id, actor.id) or "", 0)

    @staticmethod
    def _may_manage(rank: int, current: str, wanted: str) -> None:
        """Only owners make or unmake owners; admins manage admins and organizers."""
        if max(RANK[current], RANK[wanted]) > rank:
            raise PermissionDenied("owners_only_for_owners")

    async def _keep_an_owner(self, organization_id: int, *, refusal: str = "last_owner") -> None:
        """Called with the organization's row locked: the count cannot change under us."""
        owners = await self.session.scalar(
            select(func.count()).where(
                OrganizationMember.organization_id == organization_id, OrganizationMember.role == "owner"
            )
        )
        if (owners or 0) <= 1:
            raise Conflict(refusal)

    # --- invitations ---

    async def invite(
        self, organization_id: int, data: InvitationWrite, actor: User, *, valid_for: dt.timedelta
    ) -> OrganizationInvitation:
        """Owners and admins (admins cannot invite owners). The email is queued in this transaction."""
        if (data.username is None) == (data.email is None):
            raise ValidationFailed.single("username" if data.username is None else "email", "username_or_email")
        organization = await self.get_for_change(organization_id, actor)
        self._may_manage(await self._actor_rank(organization.id, actor), data.role, data.role)
        invitee = await self._invitee(data)
        email = invitee.email if invitee is not None else (data.email or "").strip()
        if invitee is not None and await self.role_of(organization.id, invitee.id) is not None:
            raise Conflict("already_member")
        if await self._pending_for(organization.id, email) is not None:
            raise Conflict("already_invited")
        now = utcnow()
        invitation = OrganizationInvitation(
            organization_id=organization.id,
            email=email,
            user_id=invitee.id if invitee is not None else None,
            role=data.role,
            invited_by_id=actor.id,
            token_hash=secrets.token_hex(32),  # a unique stand-in until the id the token is made from is known
            created_at=now,
            expires_at=now + valid_for,
        )
        self.session.add(invitation)
        await self.session.flush()
        invitation.token_hash = self._tokens().hash_of(self._tokens().token_for(invitation))
        await self.session.flush()
        await jobs.defer_job(
            self.session,
            jobs.SEND_ORGANIZATION_INVITATION,
            queueing_lock=f"organization-invitation:{invitation.id}",
            invitation_id=invitation.id,
        )
        return invitation

    async def pending_invitations(self, organization_id: int, actor: User) -> list[tuple[OrganizationInvitation, str]]:
        """Not accepted, revoked or expired; each with its inviter's username ("" when gone)."""
        organization = await self.get_for_change(organization_id, actor)
        rows = await self.session.execute(
            select(OrganizationInvitation, func.coalesce(User.username, ""))
            .outerjoin(User, User.id == OrganizationInvitation.invited_by_id)
            .where(OrganizationInvitation.organization_id == organization.id, *_pending(utcnow()))
            .order_by(OrganizationInvitation.created_at.desc(), OrganizationInvitation.id.desc())
        )
        return [(invitation, inviter) for invitation, inviter in rows.all()]

    async def revoke(self, organization_id: int, invitation_id: int, actor: User) -> None:
        organization = await self.get_for_change(organization_id, actor)
        invitation = await self.session.scalar(
            select(OrganizationInvitation).where(
                OrganizationInvitation.id == invitation_id, OrganizationInvitation.organization_id == organization.id
            )
        )
        if invitation is None:
            raise NotFound("invitation_not_found")
        if invitation.accepted_at is not None:
            raise Conflict("invitation_used")
        if invitation.revoked_at is None:
            invitation.revoked_at = invitation.updated_at = utcnow()
            await self.session.flush()

    async def accept(self, token: str, user: User) -> OrganizationMember:
        """The invited person (by account or by email) becomes a member with the invitation's role."""
        invitation = await self.session.scalar(
            select(OrganizationInvitation)
            .where(OrganizationInvitation.token_hash == InvitationTokens.hash_of(token))
            .with_for_update()
        )
        if invitation is None:
            raise ValidationFailed.single("token", "invitation_invalid")
        if invitation.revoked_at is not None:
            raise Gone("invitation_revoked")
        if invitation.accepted_at is not None:
            raise Conflict("invitation_used")
        if invitation.expires_at <= utcnow():
            raise Gone("invitation_expired")
        if invitation.user_id != user.id and invitation.email.lower() != user.email.lower():
            raise PermissionDenied("invitation_not_for_you")
        organization = await self._locked(invitation.organization_id)
        if await self.role_of(organization.id, user.id) is not None:
            raise Conflict("already_member")
        member = OrganizationMember(organization_id=organization.id, user_id=user.id, role=invitation.role)
        self.session.add(member)
        invitation.accepted_at = invitation.updated_at = utcnow()
        invitation.user_id = user.id
        await self.session.flush()
        return member

    def _tokens(self) -> InvitationTokens:
        assert self.tokens is not None, "invitations need the app's secret"
        return self.tokens

    async def _invitee(self, data: InvitationWrite) -> User | None:
        if data.username is not None:
            user = await self.session.scalar(
                select(User).where(func.lower(User.username) == data.username.strip().lower(), User.is_active)
            )
            if user is None:
                raise ValidationFailed.single("username", "user_not_found")
            return user
        email = (data.email or "").strip()
        if not EMAIL_PATTERN.match(email):
            raise ValidationFailed.single("email", "email_invalid")
        found: User | None = await self.session.scalar(
            select(User).where(func.lower(User.email) == email.lower(), User.is_active)
        )
        return found

    async def _pending_for(self, organization_id: int, email: str) -> OrganizationInvitation | None:
        found: OrganizationInvitation | None = await self.session.scalar(
            select(OrganizationInvitation).where(
                OrganizationInvitation.organization_id == organization_id,
                func.lower(OrganizationInvitation.email) == email.lower(),
                *_pending(utcnow()),
            )
        )
        return found

    # --- followers ---

    async def follow(self, organization_id: int, user: User) -> None:
        """Idempotent: following twice is following."""
        organization = await self.get(organization_id)
        await self.session.execute(
            pg_insert(organization_followers)
            .values(organization_id=organization.id, user_id=user.id)
            .on_conflict_do_nothing()
        )

    async def unfollow(self, organization_id: int, user: User) -> None:
        organization = await self.get(organization_id)
        await self.session.execute(
            delete(organization_followers).where(
                organization_followers.c.organization_id == organization.id,
                organization_followers.c.user_id == user.id,
            )
        )

    async def add_follower(self, organization_id: int, user_id: int) -> None:
        """Demo data and tests: a follow without a request."""
        await self.session.execute(
            insert(organization_followers).values(organization_id=organization_id, user_id=user_id)
        )


def _pending(now: dt.datetime) -> tuple[Any, ...]:
    return (
        OrganizationInvitation.accepted_at.is_(None),
        OrganizationInvitation.revoked_at.is_(None),
        OrganizationInvitation.expires_at > now,
    )


_TEXT_FIELDS = ("name", "slug", "description", "city", "state", "website")


def _fields_of(data: OrganizationWrite) -> dict[str, Any]:
    return {field: getattr(data, field) for field in data.__struct_fields__}


def _current(organization: Organization) -> dict[str, Any]:
    return {field: getattr(organization, field) for field in _TEXT_FIELDS}


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    result = {field: value.strip() if isinstance(value, str) else value for field, value in values.items()}
    if isinstance(result.get("state"), str):
        result["state"] = result["state"].upper()
    return result


def _raise_problems(values: dict[str, Any]) -> None:
    errors: list[FieldError] = []
    if len(values.get("name", "")) < 3:
        errors.append(FieldError("name", "too_short", {"min": 3}))
    if not slug_of(values.get("slug") or ""):
        errors.append(FieldError("slug", "slug_invalid"))
    state = values.get("state", "")
    if state and not is_state(state):
        errors.append(FieldError("state", "state_invalid"))
    website = values.get("website", "")
    if website and not WEBSITE_PATTERN.match(website):
        errors.append(FieldError("website", "website_invalid"))
    if errors:
        raise ValidationFailed(errors)


async def invitation_email(
    session: AsyncSession, invitation_id: int, tokens: InvitationTokens, links: Links
) -> Email | None:
    """The email of a pending invitation; None once it is accepted, revoked, expired or gone (nothing to send)."""
    invitation = await session.get(OrganizationInvitation, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= utcnow():
        return None
    organization = await session.get(Organization, invitation.organization_id)
    assert organization is not None  # an invitation cascades with its organization
    invitee = await session.get(User, invitation.user_id) if invitation.user_id else None
    inviter = await session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    return organization_invitation_email(
        to_address=invitation.email,
        to_name=invitee.full_name if invitee else "",
        english=is_english(invitee) if invitee else False,
        organization=organization.name,
        inviter=inviter.full_name if inviter else organization.name,
        role=invitation.role,
        link=links.organization_invitation(tokens.token_for(invitation)),
        expires_at=invitation.expires_at,
        key=f"organization-invitation-{invitation.id}",
    )
