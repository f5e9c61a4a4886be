"""Spot photos get a thumbnail, made with the photo (lists and maps show it instead of the full picture).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("spot_photos", sa.Column("thumbnail", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("spot_photos", "thumbnail")
