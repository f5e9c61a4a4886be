"""impact: organizers' reports, volunteers' verified contributions, the badge catalogue, monthly reports

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The catalogue of SPEC §4, with stable ids: (id, code, name, name_en, description, description_en, icon,
# criterion, threshold). A badge is earned when the volunteer's verified `criterion` figure reaches `threshold`.
BADGES = [
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000001",
        "first_mutirao",
        "Primeiro mutirão",
        "First mutirão",
        "Participou do primeiro mutirão, com presença confirmada.",
        "Took part in a first mutirão, with a confirmed check-in.",
        "sparkles",
        "events_participated",
        1,
    ),
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000002",
        "mutiroes_5",
        "5 mutirões",
        "5 mutirões",
        "Presença confirmada em 5 mutirões.",
        "Checked in at 5 mutirões.",
        "medal",
        "events_participated",
        5,
    ),
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000003",
        "mutiroes_10",
        "10 mutirões",
        "10 mutirões",
        "Presença confirmada em 10 mutirões.",
        "Checked in at 10 mutirões.",
        "award",
        "events_participated",
        10,
    ),
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000004",
        "mutiroes_25",
        "25 mutirões",
        "25 mutirões",
        "Presença confirmada em 25 mutirões.",
        "Checked in at 25 mutirões.",
        "trophy",
        "events_participated",
        25,
    ),
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000005",
        "first_report",
        "Organizador(a) de impacto",
        "Impact organizer",
        "Organizou um mutirão e publicou o relatório de impacto.",
        "Organized a mutirão and filed its impact report.",
        "clipboard-check",
        "events_organized_with_report",
        1,
    ),
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000006",
        "trees_50",
        "Guardião(ã) da floresta",
        "Forest guardian",
        "Ajudou a plantar 50 árvores (sua parte nos plantios de que participou).",
        "Helped plant 50 trees (your share of the plantings you took part in).",
        "trees",
        "trees_planted",
        50,
    ),
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000007",
        "trash_100kg",
        "100 kg de lixo a menos",
        "100 kg less trash",
        "Ajudou a recolher 100 kg de lixo (sua parte nas limpezas de que participou).",
        "Helped collect 100 kg of trash (your share of the clean-ups you took part in).",
        "recycle",
        "trash_collected_kg",
        100,
    ),
    (
        "9b5e0c6a-7a0e-4c1b-8f3e-2a1d0b000008",
        "all_categories",
        "Mutirante completo(a)",
        "All-rounder",
        "Participou de mutirões de Limpeza, Plantio, Monitoramento e Educação.",
        "Took part in Clean-up, Planting, Monitoring and Education mutirões.",
        "compass",
        "founding_categories",
        4,
    ),
]

# Autogenerate names advanced-alchemy's column types as sa.*.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table(
        "badges",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(length=50), nullable=False),
        sa.Column("criterion", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
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
        "monthly_impact_reports",
        sa.Column("id", sa.GUID(length=16), nullable=False),
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
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_impact_reports")),
        sa.UniqueConstraint("month", name=op.f("uq_monthly_impact_reports_month")),
    )
    op.create_table(
        "user_badges",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("badge_id", sa.GUID(length=16), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
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
        "event_reports",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("event_id", sa.GUID(length=16), nullable=False),
        sa.Column("reported_by_id", sa.GUID(length=16), nullable=True),
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
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
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
        "volunteer_contributions",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("event_id", sa.GUID(length=16), nullable=False),
        sa.Column("category_id", sa.GUID(length=16), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hours", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("trash_collected_kg", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("trees_planted", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
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
    op.create_table(
        "volunteer_totals",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("category_key", sa.Uuid(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
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
    op.create_index(
        "uq_volunteer_contributions_user_event", "volunteer_contributions", ["user_id", "event_id"], unique=True
    )
    op.add_column(
        "user_profiles",
        sa.Column("trash_collected_kg", sa.Numeric(precision=12, scale=2), nullable=False, server_default="0"),
    )
    op.add_column(
        "user_profiles",
        sa.Column("trees_planted", sa.Numeric(precision=10, scale=2), nullable=False, server_default="0"),
    )
    for position, badge in enumerate(BADGES, start=1):
        badge_id, code, name, name_en, description, description_en, icon, criterion, threshold = badge
        op.execute(
            sa.text(
                "INSERT INTO badges (id, code, name, name_en, description, description_en, icon, criterion, threshold, "
                "position, created_at, updated_at) VALUES (CAST(:id AS uuid), :code, :name, :name_en, :description, "
                ":description_en, :icon, :criterion, :threshold, :position, now(), now())"
            ).bindparams(
                id=badge_id,
                code=code,
                name=name,
                name_en=name_en,
                description=description,
                description_en=description_en,
                icon=icon,
                criterion=criterion,
                threshold=threshold,
                position=position,
            )
        )


def downgrade() -> None:
    op.drop_column("user_profiles", "trees_planted")
    op.drop_column("user_profiles", "trash_collected_kg")
    op.drop_index("uq_volunteer_contributions_user_event", table_name="volunteer_contributions")
    op.drop_index("ix_volunteer_totals_board", table_name="volunteer_totals")
    op.drop_table("volunteer_totals")
    op.drop_index(op.f("ix_volunteer_contributions_event_id"), table_name="volunteer_contributions")
    op.drop_table("volunteer_contributions")
    op.drop_table("event_reports")
    op.drop_index(op.f("ix_user_badges_badge_id"), table_name="user_badges")
    op.drop_table("user_badges")
    op.drop_table("monthly_impact_reports")
    op.drop_table("badges")
