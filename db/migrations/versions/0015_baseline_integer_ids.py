"""Baseline: the whole schema, with integer ids (bigint identity) for every row a client can address.

Revision ID: 0015
Revises: 0001
Create Date: 2026-12-06

The schema of revisions 0002-0014 (which used UUIDs) rebuilt as one revision. A database at one of those
revisions is not upgraded: `app serve` stops and says what to do (see app.config.migrations).
Procrastinate's schema stays revision 0001.
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0001"
branch_labels = None
depends_on = None

# Autogenerate names advanced-alchemy's column types as sa.*.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]

# Six characters without 0/O or 1/I/L (read off a phone or a sheet of paper), from the strong random bytes
# of gen_random_uuid() (core PostgreSQL; bytes 0-5 of a v4 UUID are all random).
CHECK_IN_CODE_FUNCTION = """
CREATE FUNCTION mutiroes_check_in_code() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT string_agg(substr('ABCDEFGHJKMNPQRSTUVWXYZ23456789', 1 + get_byte(uuid_send(gen_random_uuid()), 0) % 31, 1), '')
    FROM generate_series(1, 6)
$$
"""

# The four categories of the original system, with stable ids (clients may rely on them).
CATEGORIES = [
    {
        "id": 1,
        "name": "Limpeza",
        "description": "Limpeza de praias, rios, mangues, praças e trilhas.",
        "icon": "trash-2",
        "color": "#0ea5e9",
    },
    {
        "id": 2,
        "name": "Plantio",
        "description": "Plantio de árvores e mudas nativas, hortas e reflorestamento.",
        "icon": "sprout",
        "color": "#16a34a",
    },
    {
        "id": 3,
        "name": "Monitoramento",
        "description": "Monitoramento ambiental: água, fauna, flora e qualidade do ar.",
        "icon": "binoculars",
        "color": "#f59e0b",
    },
    {
        "id": 4,
        "name": "Educação",
        "description": "Educação ambiental: oficinas, palestras e atividades com escolas.",
        "icon": "book-open",
        "color": "#8b5cf6",
    },
]

# The badge catalogue of SPEC §4, with stable ids. A badge is earned when the volunteer's verified
# `criterion` figure reaches `threshold`.
BADGES = [
    {
        "id": 1,
        "code": "first_mutirao",
        "name": "Primeiro mutirão",
        "name_en": "First mutirão",
        "description": "Participou do primeiro mutirão, com presença confirmada.",
        "description_en": "Took part in a first mutirão, with a confirmed check-in.",
        "icon": "sparkles",
        "criterion": "events_participated",
        "threshold": 1,
        "position": 1,
    },
    {
        "id": 2,
        "code": "mutiroes_5",
        "name": "5 mutirões",
        "name_en": "5 mutirões",
        "description": "Presença confirmada em 5 mutirões.",
        "description_en": "Checked in at 5 mutirões.",
        "icon": "medal",
        "criterion": "events_participated",
        "threshold": 5,
        "position": 2,
    },
    {
        "id": 3,
        "code": "mutiroes_10",
        "name": "10 mutirões",
        "name_en": "10 mutirões",
        "description": "Presença confirmada em 10 mutirões.",
        "description_en": "Checked in at 10 mutirões.",
        "icon": "award",
        "criterion": "events_participated",
        "threshold": 10,
        "position": 3,
    },
    {
        "id": 4,
        "code": "mutiroes_25",
        "name": "25 mutirões",
        "name_en": "25 mutirões",
        "description": "Presença confirmada em 25 mutirões.",
        "description_en": "Checked in at 25 mutirões.",
        "icon": "trophy",
        "criterion": "events_participated",
        "threshold": 25,
        "position": 4,
    },
    {
        "id": 5,
        "code": "first_report",
        "name": "Organizador(a) de impacto",
        "name_en": "Impact organizer",
        "description": "Organizou um mutirão e publicou o relatório de impacto.",
        "description_en": "Organized a mutirão and filed its impact report.",
        "icon": "clipboard-check",
        "criterion": "events_organized_with_report",
        "threshold": 1,
        "position": 5,
    },
    {
        "id": 6,
        "code": "trees_50",
        "name": "Guardião(ã) da floresta",
        "name_en": "Forest guardian",
        "description": "Ajudou a plantar 50 árvores (sua parte nos plantios de que participou).",
        "description_en": "Helped plant 50 trees (your share of the plantings you took part in).",
        "icon": "trees",
        "criterion": "trees_planted",
        "threshold": 50,
        "position": 6,
    },
    {
        "id": 7,
        "code": "trash_100kg",
        "name": "100 kg de lixo a menos",
        "name_en": "100 kg less trash",
        "description": "Ajudou a recolher 100 kg de lixo (sua parte nas limpezas de que participou).",
        "description_en": "Helped collect 100 kg of trash (your share of the clean-ups you took part in).",
        "icon": "recycle",
        "criterion": "trash_collected_kg",
        "threshold": 100,
        "position": 7,
    },
    {
        "id": 8,
        "code": "all_categories",
        "name": "Mutirante completo(a)",
        "name_en": "All-rounder",
        "description": "Participou de mutirões de Limpeza, Plantio, Monitoramento e Educação.",
        "description_en": "Took part in Clean-up, Planting, Monitoring and Education mutirões.",
        "icon": "compass",
        "criterion": "founding_categories",
        "threshold": 4,
        "position": 8,
    },
]


def _seed(table: str, rows: list[dict[str, object]]) -> None:
    """Insert rows with their stable ids, then move the table's identity past them."""
    columns = list(rows[0])
    statement = sa.text(
        f"INSERT INTO {table} ({', '.join(columns)}, created_at, updated_at) "
        f"VALUES ({', '.join(':' + c for c in columns)}, now(), now())"
    )
    for row in rows:
        op.execute(statement.bindparams(**row))
    op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def upgrade() -> None:  # noqa: PLR0915 (one statement per table and index of the whole schema)
    op.execute(CHECK_IN_CODE_FUNCTION)
    op.execute(sa.schema.CreateSequence(sa.Sequence("event_participants_arrival_seq")))
    op.create_table(
        "badges",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(length=50), nullable=False),
        sa.Column("criterion", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "criterion IN ('events_participated', 'events_organized_with_report', 'trees_planted', 'trash_collected_kg', 'founding_categories')",
            name=op.f("ck_badges_criterion_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges")),
        sa.UniqueConstraint("code", name=op.f("uq_badges_code")),
    )
    op.create_table(
        "event_categories",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_event_categories_name")),
    )
    op.create_table(
        "monthly_impact_reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("events_held", sa.Integer(), nullable=False),
        sa.Column("unique_volunteers", sa.Integer(), nullable=False),
        sa.Column("total_hours", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("trash_collected_kg", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("recyclable_material_kg", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("trees_planted", sa.Integer(), nullable=False),
        sa.Column("area_cleaned_m2", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("categories", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("top_cities", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_impact_reports")),
        sa.UniqueConstraint("month", name=op.f("uq_monthly_impact_reports_month")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=150), nullable=False),
        sa.Column("last_name", sa.String(length=150), nullable=False),
        sa.Column("is_staff", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True)
    op.create_index("uq_users_username_lower", "users", [sa.literal_column("lower(username)")], unique=True)
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("organizer_id", sa.BigInteger(), nullable=False),
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
        sa.Column(
            "check_in_code", sa.String(length=12), server_default=sa.text("mutiroes_check_in_code()"), nullable=False
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
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
        postgresql_include=["latitude", "longitude", "start_date"],
        postgresql_where=sa.text("is_public AND status = 'published'"),
    )
    op.create_index("ix_events_organizer_start", "events", ["organizer_id", "start_date"], unique=False)
    op.create_index("ix_events_participants_count", "events", ["participants_count"], unique=False)
    op.create_index(
        "ix_events_published_start",
        "events",
        ["start_date"],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index(
        "ix_events_search",
        "events",
        [sa.literal_column("to_tsvector('simple'::regconfig, search_text)")],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("ix_events_state_start", "events", ["state", "start_date"], unique=False)
    op.create_index("ix_events_title", "events", ["title"], unique=False)
    op.create_table(
        "notice_deliveries",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notice_deliveries_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "user_id", name=op.f("pk_notice_deliveries")),
    )
    op.create_index("ix_notice_deliveries_sent_at", "notice_deliveries", ["sent_at"], unique=False)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
    )
    op.create_index("ix_refresh_tokens_expires_at", "refresh_tokens", ["expires_at"], unique=False)
    op.create_index(op.f("ix_refresh_tokens_family_id"), "refresh_tokens", ["family_id"], unique=False)
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"], unique=False)
    op.create_table(
        "user_badges",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("badge_id", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_id"], ["badges.id"], name=op.f("fk_user_badges_badge_id_badges"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_badges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_badges")),
        sa.UniqueConstraint("user_id", "badge_id", name=op.f("uq_user_badges_user_id")),
    )
    op.create_index(op.f("ix_user_badges_badge_id"), "user_badges", ["badge_id"], unique=False)
    op.create_table(
        "user_profiles",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("avatar_url", sa.String(length=500), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip_code", sa.String(length=10), nullable=False),
        sa.Column("interests", sa.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("notification_preferences", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_public_profile", sa.Boolean(), nullable=False),
        sa.Column("show_participation_history", sa.Boolean(), nullable=False),
        sa.Column("total_events_participated", sa.Integer(), nullable=False),
        sa.Column("total_hours_volunteered", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("trash_collected_kg", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("trees_planted", sa.Numeric(precision=10, scale=2), server_default="0", nullable=False),
        sa.Column("calendar_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_profiles_user_id")),
    )
    op.create_index("uq_user_profiles_calendar_key", "user_profiles", ["calendar_key"], unique=True)
    op.create_table(
        "volunteer_totals",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("category_key", sa.BigInteger(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.CheckConstraint("period IN ('all', 'year', 'month')", name=op.f("ck_volunteer_totals_period_known")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_volunteer_totals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_totals")),
        sa.UniqueConstraint(
            "user_id", "period", "period_start", "category_key", name=op.f("uq_volunteer_totals_user_id")
        ),
    )
    op.create_index(
        "ix_volunteer_totals_board",
        "volunteer_totals",
        ["period", "period_start", "category_key", "public", sa.literal_column("hours DESC"), "user_id"],
        unique=False,
    )
    op.create_table(
        "event_comments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
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
    op.create_table(
        "event_participants",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "arrival",
            sa.BigInteger(),
            server_default=sa.text("nextval('event_participants_arrival_seq')"),
            nullable=False,
        ),
        sa.Column("emergency_contact", sa.String(length=150), nullable=False),
        sa.Column("emergency_phone", sa.String(length=20), nullable=False),
        sa.Column("special_needs", sa.Text(), nullable=False),
        sa.Column("experience_level", sa.String(length=16), nullable=False),
        sa.Column("checked_in", sa.Boolean(), nullable=False),
        sa.Column("check_in_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "experience_level IN ('beginner', 'intermediate', 'advanced')",
            name=op.f("ck_event_participants_experience_known"),
        ),
        sa.CheckConstraint(
            "status IN ('confirmed', 'pending', 'waitlisted', 'cancelled', 'rejected')",
            name=op.f("ck_event_participants_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_participants_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_participants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participants")),
    )
    op.create_index(
        "ix_event_participants_event_status_arrival",
        "event_participants",
        ["event_id", "status", "arrival"],
        unique=False,
    )
    op.create_index("ix_event_participants_user_status", "event_participants", ["user_id", "status"], unique=False)
    op.create_index("uq_event_participants_event_user", "event_participants", ["event_id", "user_id"], unique=True)
    op.create_table(
        "event_photos",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=False),
        sa.Column("thumbnail", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("caption", sa.String(length=500), nullable=False),
        sa.Column("is_before", sa.Boolean(), nullable=False),
        sa.Column("is_after", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("NOT (is_before AND is_after)", name=op.f("ck_event_photos_before_or_after")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_photos_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_photos_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_photos")),
    )
    op.create_index("ix_event_photos_event_created", "event_photos", ["event_id", "created_at"], unique=False)
    op.create_index(op.f("ix_event_photos_user_id"), "event_photos", ["user_id"], unique=False)
    op.create_table(
        "event_reminders",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
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
        "event_reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("reported_by_id", sa.BigInteger(), nullable=True),
        sa.Column("total_participants", sa.Integer(), nullable=False),
        sa.Column("total_hours", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("trash_collected_kg", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("recyclable_material_kg", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("trees_planted", sa.Integer(), nullable=False),
        sa.Column("area_cleaned_m2", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("challenges", sa.Text(), nullable=False),
        sa.Column("achievements", sa.Text(), nullable=False),
        sa.Column("verified_participants", sa.Integer(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "total_participants >= 0 AND total_hours >= 0 AND trash_collected_kg >= 0 AND recyclable_material_kg >= 0 AND trees_planted >= 0 AND area_cleaned_m2 >= 0",
            name=op.f("ck_event_reports_figures_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_reports_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_event_reports_reported_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_reports")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_reports_event_id")),
    )
    op.create_table(
        "event_resources",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.String(length=16), nullable=False),
        sa.Column("quantity_needed", sa.Integer(), nullable=False),
        sa.Column("quantity_provided", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "resource_type IN ('tool', 'material', 'equipment', 'other')",
            name=op.f("ck_event_resources_resource_type_known"),
        ),
        sa.CheckConstraint("quantity_needed >= 1", name=op.f("ck_event_resources_quantity_needed_positive")),
        sa.CheckConstraint("quantity_provided >= 0", name=op.f("ck_event_resources_quantity_provided_not_negative")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_resources_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_resources")),
    )
    op.create_index(op.f("ix_event_resources_event_id"), "event_resources", ["event_id"], unique=False)
    op.create_table(
        "volunteer_contributions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hours", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("trash_collected_kg", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("trees_planted", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["event_categories.id"],
            name=op.f("fk_volunteer_contributions_category_id_event_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_volunteer_contributions_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_volunteer_contributions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_contributions")),
    )
    op.create_index(op.f("ix_volunteer_contributions_event_id"), "volunteer_contributions", ["event_id"], unique=False)
    op.create_index(
        "uq_volunteer_contributions_user_event", "volunteer_contributions", ["user_id", "event_id"], unique=True
    )
    op.create_table(
        "resource_pledges",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("resource_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_resource_pledges_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["event_resources.id"],
            name=op.f("fk_resource_pledges_resource_id_event_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_resource_pledges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_pledges")),
        sa.UniqueConstraint("resource_id", "user_id", name=op.f("uq_resource_pledges_resource_id")),
    )
    op.create_index(op.f("ix_resource_pledges_user_id"), "resource_pledges", ["user_id"], unique=False)

    _seed("event_categories", CATEGORIES)
    _seed("badges", BADGES)


def downgrade() -> None:
    op.drop_index(op.f("ix_resource_pledges_user_id"), table_name="resource_pledges")
    op.drop_table("resource_pledges")
    op.drop_index("uq_volunteer_contributions_user_event", table_name="volunteer_contributions")
    op.drop_index(op.f("ix_volunteer_contributions_event_id"), table_name="volunteer_contributions")
    op.drop_table("volunteer_contributions")
    op.drop_index(op.f("ix_event_resources_event_id"), table_name="event_resources")
    op.drop_table("event_resources")
    op.drop_table("event_reports")
    op.drop_table("event_reminders")
    op.drop_index(op.f("ix_event_photos_user_id"), table_name="event_photos")
    op.drop_index("ix_event_photos_event_created", table_name="event_photos")
    op.drop_table("event_photos")
    op.drop_index("uq_event_participants_event_user", table_name="event_participants")
    op.drop_index("ix_event_participants_user_status", table_name="event_participants")
    op.drop_index("ix_event_participants_event_status_arrival", table_name="event_participants")
    op.drop_table("event_participants")
    op.drop_index("ix_event_comments_event_parent_created", table_name="event_comments")
    op.drop_table("event_comments")
    op.drop_index("ix_volunteer_totals_board", table_name="volunteer_totals")
    op.drop_table("volunteer_totals")
    op.drop_index("uq_user_profiles_calendar_key", table_name="user_profiles")
    op.drop_table("user_profiles")
    op.drop_index(op.f("ix_user_badges_badge_id"), table_name="user_badges")
    op.drop_table("user_badges")
    op.drop_index(op.f("ix_refresh_tokens_user_id"), table_name="refresh_tokens")
    op.drop_index(op.f("ix_refresh_tokens_family_id"), table_name="refresh_tokens")
    op.drop_index("ix_refresh_tokens_expires_at", table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("ix_notice_deliveries_sent_at", table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_index("ix_events_title", table_name="events")
    op.drop_index("ix_events_state_start", table_name="events")
    op.drop_index("ix_events_search", table_name="events", postgresql_using="gin")
    op.drop_index("ix_events_published_start", table_name="events", postgresql_where=sa.text("status = 'published'"))
    op.drop_index("ix_events_participants_count", table_name="events")
    op.drop_index("ix_events_organizer_start", table_name="events")
    op.drop_index(
        "ix_events_nearby",
        table_name="events",
        postgresql_using="gist",
        postgresql_include=["latitude", "longitude", "start_date"],
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
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
    op.drop_table("monthly_impact_reports")
    op.drop_table("event_categories")
    op.drop_table("badges")
    op.execute(sa.schema.DropSequence(sa.Sequence("event_participants_arrival_seq")))
    op.execute("DROP FUNCTION mutiroes_check_in_code()")
