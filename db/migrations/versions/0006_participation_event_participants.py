"""participation: event participants

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 01:37:11.488557
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Autogenerate names advanced-alchemy's column types as sa.*.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("event_participants_arrival_seq")))
    op.create_table(
        "event_participants",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("event_id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "arrival",
            sa.BigInteger(),
            server_default=sa.text("nextval('event_participants_arrival_seq')"),
            nullable=False,
        ),
        sa.Column("emergency_contact", sa.String(length=150), nullable=False),
        sa.Column("emergency_phone", sa.String(length=20), nullable=False),
        sa.Column("special_needs", sa.Text(), nullable=False),
        sa.Column("experience_level", sa.String(length=16), nullable=False),
        sa.Column("checked_in", sa.Boolean(), nullable=False),
        sa.Column("check_in_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "experience_level IN ('beginner', 'intermediate', 'advanced')",
            name=op.f("ck_event_participants_experience_known"),
        ),
        sa.CheckConstraint(
            "status IN ('confirmed', 'pending', 'waitlisted', 'cancelled', 'rejected')",
            name=op.f("ck_event_participants_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_participants_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_participants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participants")),
    )
    op.create_index(
        "ix_event_participants_event_status_arrival",
        "event_participants",
        ["event_id", "status", "arrival"],
        unique=False,
    )
    op.create_index("ix_event_participants_user_status", "event_participants", ["user_id", "status"], unique=False)
    op.create_index("uq_event_participants_event_user", "event_participants", ["event_id", "user_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_event_participants_event_user", table_name="event_participants")
    op.drop_index("ix_event_participants_user_status", table_name="event_participants")
    op.drop_index("ix_event_participants_event_status_arrival", table_name="event_participants")
    op.drop_table("event_participants")
    op.execute(sa.schema.DropSequence(sa.Sequence("event_participants_arrival_seq")))
