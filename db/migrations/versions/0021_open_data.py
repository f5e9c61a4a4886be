"""Open data: an index over the events that took place (public, published or completed), in id order.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_events_took_place",
        "events",
        ["id"],
        unique=False,
        postgresql_include=["end_date", "updated_at"],
        postgresql_where=sa.text("is_public AND status IN ('published', 'completed')"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_took_place", table_name="events")
