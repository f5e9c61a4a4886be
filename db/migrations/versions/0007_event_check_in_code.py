"""Events get a check-in code: participants prove presence with it (or with their position).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Six characters without 0/O or 1/I/L (read off a phone or a sheet of paper), from the strong random bytes
# of gen_random_uuid() (core PostgreSQL; bytes 0-5 of a v4 UUID are all random).
CODE_FUNCTION = """
CREATE FUNCTION mutiroes_check_in_code() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT string_agg(substr('ABCDEFGHJKMNPQRSTUVWXYZ23456789', 1 + get_byte(uuid_send(gen_random_uuid()), 0) % 31, 1), '')
    FROM generate_series(1, 6)
$$
"""


def upgrade() -> None:
    op.execute(CODE_FUNCTION)
    op.add_column(
        "events",
        sa.Column(
            "check_in_code", sa.String(length=12), server_default=sa.text("mutiroes_check_in_code()"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("events", "check_in_code")
    op.execute("DROP FUNCTION mutiroes_check_in_code()")
