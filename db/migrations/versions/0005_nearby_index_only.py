"""Nearby: the GiST index carries the coordinates and start date, so the search is an index-only scan.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX ix_events_nearby")
    op.execute(
        "CREATE INDEX ix_events_nearby ON events USING gist (point(longitude, latitude)) "
        "INCLUDE (latitude, longitude, start_date) WHERE is_public AND status = 'published'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_events_nearby")
    op.execute(
        "CREATE INDEX ix_events_nearby ON events USING gist (point(longitude, latitude)) "
        "WHERE is_public AND status = 'published'"
    )
