"""comments: event comments, threaded one level

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Autogenerate names advanced-alchemy's column types as sa.*.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table(
        "event_comments",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("event_id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("parent_id", sa.GUID(length=16), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("char_length(content) BETWEEN 1 AND 2000", name=op.f("ck_event_comments_content_length")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_comments_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["event_comments.id"],
            name=op.f("fk_event_comments_parent_id_event_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_comments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_comments")),
    )
    op.create_index(
        "ix_event_comments_event_parent_created",
        "event_comments",
        ["event_id", "parent_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_event_comments_event_parent_created", table_name="event_comments")
    op.drop_table("event_comments")
