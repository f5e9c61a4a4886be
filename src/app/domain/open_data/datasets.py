"""What the open datasets hold: the rule for which events count, the columns (the data dictionary), the licence.

The one rule: an event *took place* when it is public, was held (published or completed: `HELD_STATUSES`, the rule
every impact figure uses; never a draft, never cancelled) and ended before the moment of the request. Private events
stay out even of the totals: an aggregate of one private event would describe it.

No personal data: no title or description (organizers write them and they may name people), no organizer, no
address; the city, the state and the position rounded to three decimals (about 110 m of latitude). Volunteers are
counted, never named.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import msgspec

from app.domain.impact.services import HELD

LICENSE_NAME = "CC-BY-4.0"
LICENSE_TITLE = "Creative Commons Attribution 4.0 International"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "Mutirões — dados abertos de impacto ({homepage}), CC BY 4.0"
POSITION_DECIMALS = 3

# SQL over `events e`: took place by `now` (a parameter). The partial index ix_events_took_place has the same WHERE.
TOOK_PLACE_SQL = "e.is_public AND e.status IN {held} AND e.end_date <= {now}"

Group = Literal["month", "city", "category"]
GROUPS: tuple[Group, ...] = ("month", "city", "category")


class Column(msgspec.Struct, frozen=True, omit_defaults=True):
    """One column of a dataset, as a Frictionless Table Schema field (with `unit`, an extension)."""

    name: str
    type: Literal["integer", "number", "string", "date", "datetime", "boolean"]
    description: str
    unit: str | None = None


EVENT_ID = Column("event_id", "integer", "The event's id in the API: /api/events/{event_id}/")
# The figures the organizer's impact report gives (SPEC §3), empty when the event has no report.
REPORT_FIGURES = (
    Column("total_hours", "number", "Volunteer hours, as reported by the organizer", "h"),
    Column("trash_collected_kg", "number", "Trash collected, as reported", "kg"),
    Column("recyclable_material_kg", "number", "Of which recyclable material, as reported", "kg"),
    Column("trees_planted", "integer", "Trees planted, as reported", "trees"),
    Column("area_cleaned_m2", "number", "Area cleaned or restored, as reported", "m²"),
)
EVENT_COLUMNS = (
    EVENT_ID,
    Column("date", "date", "Day the event started, in the event's own time zone (YYYY-MM-DD)"),
    Column("start_date", "datetime", "Start, UTC (ISO 8601)"),
    Column("end_date", "datetime", "End, UTC (ISO 8601)"),
    Column("category_id", "integer", "Category id (1 Limpeza, 2 Plantio, 3 Monitoramento, 4 Educação)"),
    Column("category_name", "string", "Category name (Portuguese)"),
    Column("city", "string", "City, as the organizer typed it (may be empty)"),
    Column("state", "string", "State, two-letter UF code (may be empty)"),
    Column("latitude", "number", f"Latitude rounded to {POSITION_DECIMALS} decimals (about 110 m), WGS 84", "°"),
    Column("longitude", "number", f"Longitude rounded to {POSITION_DECIMALS} decimals, WGS 84", "°"),
    Column("volunteers", "integer", "Volunteers who checked in at the event (verified attendance)", "people"),
    Column("reported", "boolean", "Whether the organizer filed the impact report (true/false)"),
    *REPORT_FIGURES,
)
GROUP_KEYS: dict[Group, tuple[Column, ...]] = {
    "month": (Column("month", "string", "Month the events started in, from their `date` (YYYY-MM)"),),
    "city": (
        Column("state", "string", "State, two-letter UF code (may be empty)"),
        Column("city", "string", "City, as the organizers typed it (may be empty)"),
    ),
    "category": (
        Column("category_id", "integer", "Category id"),
        Column("category_name", "string", "Category name (Portuguese)"),
    ),
}
IMPACT_FIGURES = (
    Column("events", "integer", "Events that took place", "events"),
    Column("events_reported", "integer", "Of which with an impact report", "events"),
    Column(
        "volunteers",
        "integer",
        "Sum of the events' checked-in volunteers (one person at two events counts twice)",
        "people",
    ),
    *(
        Column(column.name, column.type, f"Sum over the events' reports: {column.description.lower()}", column.unit)
        for column in REPORT_FIGURES
    ),
)


def impact_columns(group: Group) -> tuple[Column, ...]:
    return (*GROUP_KEYS[group], *IMPACT_FIGURES)


def took_place_sql(now: str) -> str:
    return TOOK_PLACE_SQL.format(held=HELD, now=now)


class Scope(msgspec.Struct, frozen=True, kw_only=True):
    """Which of the events that took place a dataset covers: a year (of the events' local `date`), a state, a
    city (case-insensitive). Each is optional; none is every event."""

    year: int | None = None
    state: str | None = None
    city: str | None = None

    def params(self) -> tuple[int | None, str | None, str | None]:
        return (self.year, self.state, self.city)

    @property
    def label(self) -> str:
        """For file names: `-2026-SP-santos`, empty for every event."""
        parts = [str(self.year) if self.year else "", self.state or "", _slug(self.city or "")]
        return "".join(f"-{part}" for part in parts if part)


def scope_sql(first: int) -> str:
    """SQL over `events e`: within the scope whose year, state and city are the parameters `$first` to `$first+2`
    (each null for no limit)."""
    year, state, city = (f"${first + offset}" for offset in range(3))
    return (
        f"({year}::int IS NULL OR extract(year FROM e.start_date AT TIME ZONE e.timezone)::int = {year})"
        f" AND ({state}::text IS NULL OR e.state = {state})"
        f" AND ({city}::text IS NULL OR lower(e.city) = lower({city}))"
    )


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", plain))


TOOK_PLACE = (
    "Events that took place: public events, published or completed (never drafts nor cancelled ones), that ended "
    "before the request."
)
NO_PERSONAL_DATA = (
    "No personal data: no title, description, organizer or address; the city, the state and the position rounded to "
    f"{POSITION_DECIMALS} decimals (about 110 m)."
)
FIGURES = (
    "`volunteers` counts the checked-in volunteers (verified attendance, as every public figure); the other figures "
    "are the organizer's impact report, empty (CSV) or null (GeoJSON) for an event without one."
)


SCOPE = (
    "`year` (of the events' local date), `state` (UF) and `city` (case-insensitive) narrow the events; the file name "
    "says which."
)


def events_description() -> str:
    return f"{TOOK_PLACE} {NO_PERSONAL_DATA} {FIGURES} {SCOPE}"


def impact_description(group: Group | None = None) -> str:
    by = {"month": "month (of the events' `date`)", "city": "state and city", "category": "category"}.get(
        group or "", "month, city or category"
    )
    return f"The events dataset summed by {by}: each row is the sum of the events' rows. {TOOK_PLACE} {SCOPE}"
