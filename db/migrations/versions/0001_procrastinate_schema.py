"""Procrastinate's schema: its job tables, types, functions and triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

The schema SQL holds many statements, which asyncpg refuses as one prepared statement; it goes
through the raw driver connection instead. Later Procrastinate upgrades ship their own SQL
migrations (procrastinate/sql/migrations/): each becomes a migration here, applied the same way.
"""

from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _run_raw(sql: str) -> None:
    driver_connection = op.get_bind().connection.driver_connection
    await_only(driver_connection.execute(sql))  # type: ignore[union-attr]


def upgrade() -> None:
    _run_raw(SchemaManager.get_schema())


def downgrade() -> None:
    _run_raw(
        """
        DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs,
            procrastinate_workers CASCADE;
        DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type,
            procrastinate_job_to_defer_v1 CASCADE;
        """
    )
