"""Merge: comments (0008) and resources (0009) were written side by side from 0007.

Revision ID: 0010
Revises: 0008, 0009
Create Date: 2026-11-30
"""

revision = "0010"
down_revision = ("0008", "0009")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
