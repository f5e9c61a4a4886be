"""Organizations, their members (by role), invitations to join, and the volunteers who follow them.

An organization always keeps at least one owner (the membership rules see to it). Roles, strongest first:
`owner` (everything, including other owners), `admin` (members, invitations, the organization's events) and
`organizer` (may run events under the organization's name).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase, metadata

ROLES = ("owner", "admin", "organizer")


class Organization(IdentityAuditBase):
    __tablename__ = "organizations"
    __table_args__ = (Index("uq_organizations_slug_lower", func.lower(literal_column("slug")), unique=True),)

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    logo_url: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    # Set by staff only: the organization is who it says it is.
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)


class OrganizationMember(IdentityAuditBase):
    __tablename__ = "organization_members"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id", name="uq_organization_members_organization_user"),
        CheckConstraint(f"role IN {ROLES}", name="role_known"),
        Index("ix_organization_members_user_id", "user_id"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))


class OrganizationInvitation(IdentityAuditBase):
    """An invitation by username or email; accepted through a link carrying a secret token (only its hash is
    stored)."""

    __tablename__ = "organization_invitations"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role_known"),
        Index("ix_organization_invitations_organization_id", "organization_id"),
        Index("uq_organization_invitations_token_hash", "token_hash", unique=True),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    # Known when the invitation named a username (or an email of an existing account).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None)
    role: Mapped[str] = mapped_column(String(16))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)


organization_followers = Table(
    "organization_followers",
    metadata,
    Column("organization_id", BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # "Who follows this organization" is the primary key; "what do I follow" needs its own index.
    Index("ix_organization_followers_user_id", "user_id"),
)
