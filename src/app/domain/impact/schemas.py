"""Impact on the wire: reports, statistics, badges, leaderboards, monthly reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from app.domain.patches import PatchBody

# Bounds keep every figure inside its column: a number too large is a 400, never a database error.
Participants = Annotated[int, Meta(ge=0, le=1_000_000)]
Hours = Annotated[float, Meta(ge=0, le=10_000_000)]
Kilograms = Annotated[float, Meta(ge=0, le=1_000_000_000)]
Trees = Annotated[int, Meta(ge=0, le=1_000_000_000)]
SquareMetres = Annotated[float, Meta(ge=0, le=100_000_000_000)]
Narrative = Annotated[str, Meta(max_length=10_000)]
Period = Literal["month", "year", "all"]


class ReportWrite(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Filing a report: `total_participants` defaults to the checked-in count, `total_hours` to
    attendees × the event's duration."""

    total_participants: Participants | None = None
    total_hours: Hours | None = None
    trash_collected_kg: Kilograms = 0
    recyclable_material_kg: Kilograms = 0
    trees_planted: Trees = 0
    area_cleaned_m2: SquareMetres = 0
    summary: Narrative = ""
    challenges: Narrative = ""
    achievements: Narrative = ""


class ReportPatch(PatchBody, kw_only=True):
    total_participants: Participants | UnsetType = UNSET
    total_hours: Hours | UnsetType = UNSET
    trash_collected_kg: Kilograms | UnsetType = UNSET
    recyclable_material_kg: Kilograms | UnsetType = UNSET
    trees_planted: Trees | UnsetType = UNSET
    area_cleaned_m2: SquareMetres | UnsetType = UNSET
    summary: Narrative | UnsetType = UNSET
    challenges: Narrative | UnsetType = UNSET
    achievements: Narrative | UnsetType = UNSET


class ReportRead(msgspec.Struct, kw_only=True):
    id: int
    event: int
    total_participants: int
    total_hours: float
    trash_collected_kg: float
    recyclable_material_kg: float
    trees_planted: int
    area_cleaned_m2: float
    summary: str
    challenges: str
    achievements: str
    verified_participants: int
    editable_until: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


class FavoriteCategory(msgspec.Struct, kw_only=True):
    id: int
    name: str
    events: int


class UserStats(msgspec.Struct, kw_only=True):
    """A volunteer's figures, all from verified data (check-ins and organizers' reports)."""

    total_events_participated: int
    total_hours_volunteered: float
    badges_earned: int
    events_organized: int
    current_month_events: int
    favorite_categories: list[FavoriteCategory]
    trash_collected_kg: float
    trees_planted: float


class BadgeRead(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    description: str
    icon: str
    criterion: str
    threshold: float


class EarnedBadgeRead(msgspec.Struct, kw_only=True):
    badge: BadgeRead
    earned_at: dt.datetime


class LeaderboardEntry(msgspec.Struct, kw_only=True):
    rank: int
    user_id: int
    username: str
    first_name: str
    last_name: str
    avatar_url: str
    city: str
    total_hours_volunteered: float
    total_events_participated: int


class LeaderboardPage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    period: Period
    category: int | None
    results: list[LeaderboardEntry]


class RankRead(msgspec.Struct, kw_only=True):
    """The caller's place by verified hours; `rank` is null until they have some. Private profiles are ranked
    against the public ones but do not appear on the board."""

    rank: int | None
    ranked_users: int
    total_hours_volunteered: float
    total_events_participated: int
    on_leaderboard: bool
    period: Period
    category: int | None


class CategoryImpact(msgspec.Struct, kw_only=True):
    category: int
    name: str
    color: str
    events_held: int
    unique_volunteers: int
    total_hours: float
    trash_collected_kg: float
    recyclable_material_kg: float
    trees_planted: int
    area_cleaned_m2: float


class CityImpact(msgspec.Struct, kw_only=True):
    city: str
    state: str
    events_held: int
    unique_volunteers: int
    total_hours: float


class MonthlyReportRead(msgspec.Struct, kw_only=True):
    month: str  # YYYY-MM
    events_held: int
    unique_volunteers: int
    total_hours: float
    trash_collected_kg: float
    recyclable_material_kg: float
    trees_planted: int
    area_cleaned_m2: float
    categories: list[CategoryImpact]
    top_cities: list[CityImpact]
    chart_url: str
    generated_at: dt.datetime


class MonthlyReportPage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    results: list[MonthlyReportRead]
