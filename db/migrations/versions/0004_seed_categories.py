"""Data: the four categories of the original system (stable ids, so clients may rely on them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CATEGORIES = [
    (
        "6f1c1a52-0c1e-4d0a-9f43-1b2d3c4e5f01",
        "Limpeza",
        "Limpeza de praias, rios, mangues, praças e trilhas.",
        "trash-2",
        "#0ea5e9",
    ),
    (
        "6f1c1a52-0c1e-4d0a-9f43-1b2d3c4e5f02",
        "Plantio",
        "Plantio de árvores e mudas nativas, hortas e reflorestamento.",
        "sprout",
        "#16a34a",
    ),
    (
        "6f1c1a52-0c1e-4d0a-9f43-1b2d3c4e5f03",
        "Monitoramento",
        "Monitoramento ambiental: água, fauna, flora e qualidade do ar.",
        "binoculars",
        "#f59e0b",
    ),
    (
        "6f1c1a52-0c1e-4d0a-9f43-1b2d3c4e5f04",
        "Educação",
        "Educação ambiental: oficinas, palestras e atividades com escolas.",
        "book-open",
        "#8b5cf6",
    ),
]


def upgrade() -> None:
    for category_id, name, description, icon, color in CATEGORIES:
        op.execute(
            sa.text(
                "INSERT INTO event_categories (id, name, description, icon, color, created_at, updated_at) "
                "VALUES (CAST(:id AS uuid), :name, :description, :icon, :color, now(), now()) ON CONFLICT (name) DO NOTHING"
            ).bindparams(id=category_id, name=name, description=description, icon=icon, color=color)
        )


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM event_categories WHERE id = ANY(CAST(:ids AS uuid[]))").bindparams(
            ids=[c[0] for c in CATEGORIES]
        )
    )
