"""Dirty spots (issue 16): reports of places that need a mutirão, their confirmations and photos; indexed for the
status and kind filters and, like events' nearby, for boxes and circles on point(longitude, latitude).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 12:01:20.674107
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Autogenerate names advanced-alchemy's column types as sa.*.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table(
        "spots",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("reporter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("size", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("confirmations_count", sa.Integer(), nullable=False),
        sa.Column("hidden_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('trash', 'rubble', 'illegal_dumping', 'polluted_water', 'other')",
            name=op.f("ck_spots_kind_known"),
        ),
        sa.CheckConstraint("size IN ('small', 'medium', 'large')", name=op.f("ck_spots_size_known")),
        sa.CheckConstraint("status IN ('open', 'scheduled', 'cleaned', 'hidden')", name=op.f("ck_spots_status_known")),
        sa.CheckConstraint("confirmations_count >= 0", name=op.f("ck_spots_confirmations_positive")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_spots_event_id_events"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["users.id"], name=op.f("fk_spots_hidden_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_spots_reporter_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spots")),
    )
    op.create_index("ix_spots_created", "spots", ["created_at"], unique=False)
    op.create_index(op.f("ix_spots_event_id"), "spots", ["event_id"], unique=False)
    op.create_index("ix_spots_kind_created", "spots", ["kind", "created_at"], unique=False)
    op.create_index(
        "ix_spots_position",
        "spots",
        [sa.literal_column("point(longitude, latitude)")],
        unique=False,
        postgresql_using="gist",
        postgresql_include=["latitude", "longitude", "kind", "status"],
    )
    op.create_index(op.f("ix_spots_reporter_id"), "spots", ["reporter_id"], unique=False)
    op.create_index("ix_spots_status_created", "spots", ["status", "created_at"], unique=False)
    op.create_table(
        "spot_confirmations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("spot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["spot_id"], ["spots.id"], name=op.f("fk_spot_confirmations_spot_id_spots"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_spot_confirmations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_confirmations")),
        sa.UniqueConstraint("spot_id", "user_id", name="uq_spot_confirmations_spot_user"),
    )
    op.create_index(op.f("ix_spot_confirmations_user_id"), "spot_confirmations", ["user_id"], unique=False)
    op.create_table(
        "spot_photos",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("spot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["spot_id"], ["spots.id"], name=op.f("fk_spot_photos_spot_id_spots"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_spot_photos_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_photos")),
    )
    op.create_index("ix_spot_photos_spot_created", "spot_photos", ["spot_id", "created_at"], unique=False)
    op.create_index(op.f("ix_spot_photos_user_id"), "spot_photos", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_spot_photos_user_id"), table_name="spot_photos")
    op.drop_index("ix_spot_photos_spot_created", table_name="spot_photos")
    op.drop_table("spot_photos")
    op.drop_index(op.f("ix_spot_confirmations_user_id"), table_name="spot_confirmations")
    op.drop_table("spot_confirmations")
    op.drop_index("ix_spots_status_created", table_name="spots")
    op.drop_index(op.f("ix_spots_reporter_id"), table_name="spots")
    op.drop_index(
        "ix_spots_position",
        table_name="spots",
        postgresql_using="gist",
        postgresql_include=["latitude", "longitude", "kind", "status"],
    )
    op.drop_index("ix_spots_kind_created", table_name="spots")
    op.drop_index(op.f("ix_spots_event_id"), table_name="spots")
    op.drop_index("ix_spots_created", table_name="spots")
    op.drop_table("spots")
