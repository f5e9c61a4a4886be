"""events: categories and events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 01:09:38.745509
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Autogenerate names advanced-alchemy's column types as sa.*.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table(
        "event_categories",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_event_categories_name")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.GUID(length=16), nullable=False),
        sa.Column("organizer_id", sa.GUID(length=16), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("start_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registration_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=False),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("required_tools", sa.Text(), nullable=False),
        sa.Column("provided_tools", sa.Text(), nullable=False),
        sa.Column("what_to_bring", sa.Text(), nullable=False),
        sa.Column("cover_image_url", sa.String(length=500), nullable=False),
        sa.Column("participants_count", sa.Integer(), nullable=False),
        sa.Column("waitlist_count", sa.Integer(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'cancelled', 'completed')", name=op.f("ck_events_status_known")
        ),
        sa.CheckConstraint(
            "latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180",
            name=op.f("ck_events_coordinates_in_range"),
        ),
        sa.CheckConstraint("max_participants >= 1", name=op.f("ck_events_capacity_positive")),
        sa.CheckConstraint("participants_count <= max_participants", name=op.f("ck_events_capacity_never_exceeded")),
        sa.CheckConstraint(
            "participants_count >= 0 AND waitlist_count >= 0 AND pending_count >= 0",
            name=op.f("ck_events_counters_positive"),
        ),
        sa.CheckConstraint(
            "registration_deadline IS NULL OR registration_deadline <= start_date",
            name=op.f("ck_events_deadline_before_start"),
        ),
        sa.CheckConstraint("start_date < end_date", name=op.f("ck_events_start_before_end")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["event_categories.id"],
            name=op.f("fk_events_category_id_event_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organizer_id"], ["users.id"], name=op.f("fk_events_organizer_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_category_start", "events", ["category_id", "start_date"], unique=False)
    op.create_index("ix_events_city", "events", [sa.literal_column("lower(city)")], unique=False)
    op.create_index("ix_events_created_at", "events", ["created_at"], unique=False)
    op.create_index(
        "ix_events_listed_start",
        "events",
        ["start_date", "id"],
        unique=False,
        postgresql_where=sa.text("is_public AND status IN ('published', 'completed', 'cancelled')"),
    )
    op.create_index(
        "ix_events_nearby",
        "events",
        [sa.literal_column("point(longitude, latitude)")],
        unique=False,
        postgresql_using="gist",
        postgresql_where=sa.text("is_public AND status = 'published'"),
    )
    op.create_index("ix_events_organizer_start", "events", ["organizer_id", "start_date"], unique=False)
    op.create_index("ix_events_participants_count", "events", ["participants_count"], unique=False)
    op.create_index(
        "ix_events_search",
        "events",
        [sa.literal_column("to_tsvector('simple'::regconfig, search_text)")],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("ix_events_state_start", "events", ["state", "start_date"], unique=False)
    op.create_index("ix_events_title", "events", ["title"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_title", table_name="events")
    op.drop_index("ix_events_state_start", table_name="events")
    op.drop_index("ix_events_search", table_name="events", postgresql_using="gin")
    op.drop_index("ix_events_participants_count", table_name="events")
    op.drop_index("ix_events_organizer_start", table_name="events")
    op.drop_index(
        "ix_events_nearby",
        table_name="events",
        postgresql_using="gist",
        postgresql_where=sa.text("is_public AND status = 'published'"),
    )
    op.drop_index(
        "ix_events_listed_start",
        table_name="events",
        postgresql_where=sa.text("is_public AND status IN ('published', 'completed', 'cancelled')"),
    )
    op.drop_index("ix_events_created_at", table_name="events")
    op.drop_index("ix_events_city", table_name="events")
    op.drop_index("ix_events_category_start", table_name="events")
    op.drop_table("events")
    op.drop_table("event_categories")
