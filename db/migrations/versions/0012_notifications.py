"""notifications: what was sent (reminders once per participant, notices once per job and recipient)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_reminders",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_reminders_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_reminders_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_event_reminders")),
    )
    op.create_table(
        "notice_deliveries",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notice_deliveries_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "user_id", name=op.f("pk_notice_deliveries")),
    )
    op.create_index("ix_notice_deliveries_sent_at", "notice_deliveries", ["sent_at"], unique=False)
    op.create_index(
        "ix_events_published_start",
        "events",
        ["start_date"],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_published_start", table_name="events", postgresql_where=sa.text("status = 'published'"))
    op.drop_index("ix_notice_deliveries_sent_at", table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_table("event_reminders")
