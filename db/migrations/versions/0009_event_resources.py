"""resources: what an event needs, and the volunteers' pledges to bring it

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

# Autogenerate names advanced-alchemy's column types as sa.*.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table(
        "event_resources",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("event_id", sa.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.String(length=16), nullable=False),
        sa.Column("quantity_needed", sa.Integer(), nullable=False),
        sa.Column("quantity_provided", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("quantity_needed >= 1", name=op.f("ck_event_resources_quantity_needed_positive")),
        sa.CheckConstraint("quantity_provided >= 0", name=op.f("ck_event_resources_quantity_provided_not_negative")),
        sa.CheckConstraint(
            "resource_type IN ('tool', 'material', 'equipment', 'other')",
            name=op.f("ck_event_resources_resource_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_resources_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_resources")),
    )
    op.create_index(op.f("ix_event_resources_event_id"), "event_resources", ["event_id"], unique=False)
    op.create_table(
        "resource_pledges",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("resource_id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_resource_pledges_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["event_resources.id"],
            name=op.f("fk_resource_pledges_resource_id_event_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_resource_pledges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_pledges")),
        sa.UniqueConstraint("resource_id", "user_id", name=op.f("uq_resource_pledges_resource_id")),
    )
    op.create_index(op.f("ix_resource_pledges_user_id"), "resource_pledges", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_resource_pledges_user_id"), table_name="resource_pledges")
    op.drop_table("resource_pledges")
    op.drop_index(op.f("ix_event_resources_event_id"), table_name="event_resources")
    op.drop_table("event_resources")
