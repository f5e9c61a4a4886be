"""Volunteer-hour certificates: the ones issued (per event or calendar year), their figures and revocations.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", BIGINT, sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("event_id", BIGINT, nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("serial", sa.String(length=10), nullable=False),
        sa.Column("hours", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", BIGINT, nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('event', 'year')", name=op.f("ck_certificates_kind_known")),
        sa.CheckConstraint(
            "(kind = 'event' AND event_id IS NOT NULL AND year IS NULL)"
            " OR (kind = 'year' AND year IS NOT NULL AND event_id IS NULL)",
            name=op.f("ck_certificates_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_certificates_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_certificates_revoked_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
    )
    op.create_index("uq_certificates_serial", "certificates", ["serial"], unique=True)
    op.create_index("ix_certificates_user_issued", "certificates", ["user_id", "issued_at"], unique=False)
    op.create_index("ix_certificates_event_id", "certificates", ["event_id"], unique=False)
    op.create_index("ix_certificates_revoked_by_id", "certificates", ["revoked_by_id"], unique=False)


def downgrade() -> None:
    op.drop_table("certificates")
