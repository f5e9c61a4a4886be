"""Reading impact: a volunteer's statistics and badges, leaderboards, monthly reports.

Each read is a fixed number of queries whatever the page size. A leaderboard reads one slice of the volunteers'
totals (kept by update_user_statistics) in the order of its index, never summing contributions per request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.impact.models import Badge, MonthlyImpactReport, UserBadge
from app.domain.impact.periods import this_month
from app.domain.impact.schemas import (
    BadgeRead,
    CategoryImpact,
    CityImpact,
    EarnedBadgeRead,
    FavoriteCategory,
    LeaderboardEntry,
    UserStats,
)
from app.domain.impact.services import HELD

_STATS_SQL = text(
    f"""
    SELECT p.total_events_participated, p.total_hours_volunteered, p.trash_collected_kg, p.trees_planted,
        (SELECT count(*) FROM user_badges b WHERE b.user_id = :user_id) AS badges_earned,
        (SELECT count(*) FROM events e WHERE e.organizer_id = :user_id
           AND e.status IN {HELD}) AS events_organized,
        (SELECT count(*) FROM volunteer_contributions c WHERE c.user_id = :user_id
           AND c.held_at >= :month_from AND c.held_at < :month_to) AS current_month_events,
        (SELECT coalesce(json_agg(json_build_object('id', f.id, 'name', f.name, 'events', f.events)
                                  ORDER BY f.events DESC, f.name), '[]')
         FROM (SELECT ec.id, ec.name, count(*) AS events
               FROM volunteer_contributions c JOIN event_categories ec ON ec.id = c.category_id
               WHERE c.user_id = :user_id GROUP BY ec.id, ec.name
               ORDER BY events DESC, ec.name LIMIT 3) f) AS favorite_categories
    FROM user_profiles p WHERE p.user_id = :user_id
    """
)

# A leaderboard is one slice of the volunteers' totals (period, its start, category), read in index order.
_SLICE = """
    FROM volunteer_totals t
    WHERE t.period = :period AND t.period_start = :period_start AND t.category_key = :category_key
      AND t.public AND t.hours > 0
"""
_BOARD_COUNT_SQL = text("SELECT count(*)" + _SLICE)
_BOARD_PAGE_SQL = text(
    """
    SELECT rank() OVER (ORDER BY t.hours DESC) AS rank, t.user_id, u.username, u.first_name, u.last_name,
           p.avatar_url, p.city, t.hours, t.events
    FROM volunteer_totals t JOIN user_profiles p ON p.user_id = t.user_id JOIN users u ON u.id = t.user_id
    WHERE t.period = :period AND t.period_start = :period_start AND t.category_key = :category_key
      AND t.public AND t.hours > 0
    ORDER BY t.hours DESC, t.user_id
    LIMIT :limit OFFSET :offset
    """
)
_STANDING_SQL = text(
    """
    WITH mine AS (
        SELECT coalesce(max(t.hours), 0) AS hours, coalesce(max(t.events), 0) AS events
        FROM volunteer_totals t
        WHERE t.user_id = :user_id AND t.period = :period AND t.period_start = :period_start
          AND t.category_key = :category_key
    )
    SELECT mine.hours, mine.events,
           (SELECT count(*) """
    + _SLICE
    + """ AND t.hours > mine.hours AND t.user_id <> :user_id) AS ahead,
           (SELECT count(*) """
    + _SLICE
    + """) AS ranked
    FROM mine
    """
)


class Slice(msgspec.Struct, frozen=True):
    """Which totals a leaderboard ranks: a period (`all`, `year`, `month`), the day it starts, a category key."""

    period: str
    period_start: dt.date
    category_key: int

    def params(self) -> dict[str, Any]:
        return {"period": self.period, "period_start": self.period_start, "category_key": self.category_key}


class Standing(msgspec.Struct, kw_only=True):
    rank: int | None
    ranked_users: int
    hours: float
    events: int


class ImpactQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stats(self, user_id: int, *, now: dt.datetime, timezone: str) -> UserStats:
        month_from, month_to = this_month(now, timezone)
        params = {"user_id": user_id, "month_from": month_from, "month_to": month_to}
        row = (await self.session.execute(_STATS_SQL, params)).one()
        return UserStats(
            total_events_participated=row.total_events_participated,
            total_hours_volunteered=float(row.total_hours_volunteered),
            badges_earned=row.badges_earned,
            events_organized=row.events_organized,
            current_month_events=row.current_month_events,
            favorite_categories=[msgspec.convert(f, FavoriteCategory) for f in row.favorite_categories],
            trash_collected_kg=float(row.trash_collected_kg),
            trees_planted=float(row.trees_planted),
        )

    async def badges(self, *, english: bool) -> list[BadgeRead]:
        catalogue = (await self.session.scalars(select(Badge).order_by(Badge.position))).all()
        return [badge_read(badge, english=english) for badge in catalogue]

    async def earned_badges(self, user_id: int, *, english: bool) -> list[EarnedBadgeRead]:
        rows = (
            await self.session.execute(
                select(Badge, UserBadge.earned_at)
                .join(UserBadge, UserBadge.badge_id == Badge.id)
                .where(UserBadge.user_id == user_id)
                .order_by(UserBadge.earned_at, Badge.position)
            )
        ).all()
        return [
            EarnedBadgeRead(badge=badge_read(badge, english=english), earned_at=earned_at) for badge, earned_at in rows
        ]

    async def leaderboard(self, board: Slice, *, offset: int, limit: int) -> tuple[int, list[LeaderboardEntry]]:
        count = await self.session.scalar(_BOARD_COUNT_SQL, board.params())
        rows = (await self.session.execute(_BOARD_PAGE_SQL, {**board.params(), "limit": limit, "offset": offset})).all()
        return int(count or 0), [_entry(row) for row in rows]

    async def standing(self, user_id: int, board: Slice) -> Standing:
        hours, events, ahead, ranked = (
            await self.session.execute(_STANDING_SQL, {**board.params(), "user_id": user_id})
        ).one()
        return Standing(rank=ahead + 1 if hours > 0 else None, ranked_users=ranked, hours=float(hours), events=events)

    async def monthly_reports(self, *, offset: int, limit: int) -> tuple[int, list[MonthlyImpactReport]]:
        count = await self.session.scalar(select(func.count()).select_from(MonthlyImpactReport))
        reports = await self.session.scalars(
            select(MonthlyImpactReport).order_by(MonthlyImpactReport.month.desc()).offset(offset).limit(limit)
        )
        return int(count or 0), list(reports.all())

    async def monthly_report(self, month: dt.date) -> MonthlyImpactReport | None:
        report: MonthlyImpactReport | None = await self.session.scalar(
            select(MonthlyImpactReport).where(MonthlyImpactReport.month == month)
        )
        return report


def badge_read(badge: Badge, *, english: bool) -> BadgeRead:
    return BadgeRead(
        id=badge.id,
        code=badge.code,
        name=badge.name_en if english else badge.name,
        description=badge.description_en if english else badge.description,
        icon=badge.icon,
        criterion=badge.criterion,
        threshold=float(badge.threshold),
    )


def _entry(row: Any) -> LeaderboardEntry:
    return LeaderboardEntry(
        rank=row.rank,
        user_id=row.user_id,
        username=row.username,
        first_name=row.first_name,
        last_name=row.last_name,
        avatar_url=row.avatar_url,
        city=row.city,
        total_hours_volunteered=float(row.hours),
        total_events_participated=row.events,
    )


def category_impacts(report: MonthlyImpactReport) -> list[CategoryImpact]:
    return [msgspec.convert(entry, CategoryImpact) for entry in report.categories]


def city_impacts(report: MonthlyImpactReport) -> list[CityImpact]:
    return [msgspec.convert(entry, CityImpact) for entry in report.top_cities]
