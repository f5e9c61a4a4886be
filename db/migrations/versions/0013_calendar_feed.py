"""calendar feed: each user's secret feed key (their joined events as a subscribed iCalendar)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_profiles", sa.Column("calendar_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("uq_user_profiles_calendar_key"), "user_profiles", ["calendar_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("uq_user_profiles_calendar_key"), table_name="user_profiles")
    op.drop_column("user_profiles", "calendar_key")
