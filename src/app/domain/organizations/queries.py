"""Reading organizations: the list, the public page, members, the caller's own. Each read is a fixed number of
queries whatever the page size."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import display_name
from app.domain.impact.services import HELD
from app.domain.organizations.schemas import (
    MemberRead,
    MyOrganization,
    MyOrganizations,
    OrganizationDetail,
    OrganizationEvent,
    OrganizationImpact,
    OrganizationRead,
)

UPCOMING_AND_PAST = 5  # events of each kind on the page


_LIST_SQL = """
    SELECT o.id, o.name, o.slug, o.description, o.logo_url, o.city, o.state, o.website, o.is_verified, o.created_at,
        (SELECT count(*) FROM organization_members m WHERE m.organization_id = o.id) AS members_count,
        (SELECT count(*) FROM organization_followers f WHERE f.organization_id = o.id) AS followers_count
    FROM organizations o
"""
LIST_SQL = _LIST_SQL + " WHERE {where} ORDER BY lower(o.name), o.id LIMIT :limit OFFSET :offset"
ONE_SQL = text(_LIST_SQL + " WHERE o.id = :id")
COUNT_SQL = "SELECT count(*) FROM organizations o WHERE {where}"

# Its verified figures: the contributions (written by update_user_statistics from check-ins and reports, the one
# place those rules live) of its events, and the events it held and reported.
IMPACT_SQL = text(
    f"""
    SELECT
        (SELECT count(*) FROM events e WHERE e.organization_id = :id AND e.status IN {HELD}
           AND e.end_date <= :now) AS events_held,
        (SELECT count(*) FROM event_reports r JOIN events e ON e.id = r.event_id
         WHERE e.organization_id = :id) AS reports_filed,
        count(DISTINCT c.user_id) AS volunteers, count(c.id) AS check_ins,
        coalesce(sum(c.hours), 0) AS hours, coalesce(sum(c.trash_collected_kg), 0) AS trash,
        coalesce(sum(c.trees_planted), 0) AS trees
    FROM volunteer_contributions c JOIN events e ON e.id = c.event_id
    WHERE e.organization_id = :id
    """
)
_EVENTS_SQL = """
    SELECT id, title, start_date, end_date, city, state, status, participants_count, max_participants,
           cover_image_url
    FROM events e
    WHERE e.organization_id = :id AND e.is_public
"""
# Ahead: what one may still join (not drafts, not cancelled); behind: what took place.
UPCOMING_SQL = text(
    _EVENTS_SQL + " AND e.status = 'published' AND e.end_date > :now ORDER BY e.start_date, e.id LIMIT :limit"
)
PAST_SQL = text(
    _EVENTS_SQL + f" AND e.status IN {HELD} AND e.end_date <= :now ORDER BY e.start_date DESC, e.id DESC LIMIT :limit"
)
CALLER_SQL = text(
    """
    SELECT (SELECT role FROM organization_members WHERE organization_id = :id AND user_id = :user_id) AS role,
           EXISTS (SELECT 1 FROM organization_followers WHERE organization_id = :id AND user_id = :user_id)
             AS following
    """
)
MEMBERS_COUNT_SQL = text("SELECT count(*) FROM organization_members WHERE organization_id = :id")
_MEMBERS_SQL = """
    SELECT m.user_id, u.username, u.first_name, u.last_name, p.avatar_url, m.role, m.created_at AS joined_at
    FROM organization_members m JOIN users u ON u.id = m.user_id JOIN user_profiles p ON p.user_id = m.user_id
    WHERE m.organization_id = :id
"""
MEMBERS_SQL = text(
    _MEMBERS_SQL
    + " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.created_at, m.user_id"
    + " LIMIT :limit OFFSET :offset"
)
MEMBER_SQL = text(_MEMBERS_SQL + " AND m.user_id = :user_id")
MINE_SQL = text(
    """
    SELECT o.id, o.name, o.slug, o.logo_url, o.is_verified, m.role, f.user_id IS NOT NULL AS following
    FROM organizations o
    LEFT JOIN organization_members m ON m.organization_id = o.id AND m.user_id = :user_id
    LEFT JOIN organization_followers f ON f.organization_id = o.id AND f.user_id = :user_id
    WHERE m.user_id IS NOT NULL OR f.user_id IS NOT NULL
    ORDER BY lower(o.name), o.id
    """
)


def search_pattern(term: str) -> str:
    """`term` as a literal ILIKE pattern matching anywhere."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class OrganizationQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, *, search: str | None, city: str | None, state: str | None, offset: int, limit: int
    ) -> tuple[int, list[OrganizationRead]]:
        """Two queries: the count and the page (its counters are subqueries)."""
        where, params = ["true"], {}
        if search:
            where.append("o.name ILIKE :search")
            params["search"] = search_pattern(search.strip())
        if city:
            where.append("lower(o.city) = lower(:city)")
            params["city"] = city.strip()
        if state:
            where.append("o.state = upper(:state)")
            params["state"] = state.strip()
        condition = " AND ".join(where)
        count = await self.session.scalar(text(COUNT_SQL.format(where=condition)), params)
        rows = await self.session.execute(
            text(LIST_SQL.format(where=condition)), {**params, "limit": limit, "offset": offset}
        )
        return int(count or 0), [_organization(row) for row in rows]

    async def detail(
        self, organization_id: int, *, viewer_id: int | None, now: dt.datetime
    ) -> OrganizationDetail | None:
        row = (await self.session.execute(ONE_SQL, {"id": organization_id})).one_or_none()
        if row is None:
            return None
        params = {"id": organization_id, "now": now, "limit": UPCOMING_AND_PAST}
        upcoming = [
            msgspec.convert(dict(r._mapping), OrganizationEvent)
            for r in await self.session.execute(UPCOMING_SQL, params)
        ]
        past = [
            msgspec.convert(dict(r._mapping), OrganizationEvent) for r in await self.session.execute(PAST_SQL, params)
        ]
        figures = (await self.session.execute(IMPACT_SQL, params)).one()
        role, following = None, False
        if viewer_id is not None:
            role, following = (
                await self.session.execute(CALLER_SQL, {"id": organization_id, "user_id": viewer_id})
            ).one()
        base = _organization(row)
        return OrganizationDetail(
            **msgspec.structs.asdict(base),
            upcoming_events=upcoming,
            past_events=past,
            impact=OrganizationImpact(
                events_held=figures.events_held,
                reports_filed=figures.reports_filed,
                volunteers=figures.volunteers,
                check_ins=figures.check_ins,
                hours_volunteered=float(figures.hours),
                trash_collected_kg=float(figures.trash),
                trees_planted=float(figures.trees),
            ),
            my_role=role,
            is_following=bool(following),
        )

    async def members(self, organization_id: int, *, offset: int, limit: int) -> tuple[int, list[MemberRead]]:
        count = await self.session.scalar(MEMBERS_COUNT_SQL, {"id": organization_id})
        rows = await self.session.execute(MEMBERS_SQL, {"id": organization_id, "limit": limit, "offset": offset})
        return int(count or 0), [_member(row) for row in rows]

    async def member(self, organization_id: int, user_id: int) -> MemberRead | None:
        row = (await self.session.execute(MEMBER_SQL, {"id": organization_id, "user_id": user_id})).one_or_none()
        return None if row is None else _member(row)

    async def mine(self, user_id: int) -> MyOrganizations:
        rows = [
            msgspec.convert(dict(r._mapping) | {"is_following": r.following}, MyOrganization)
            for r in await self.session.execute(MINE_SQL, {"user_id": user_id})
        ]
        return MyOrganizations(
            memberships=[row for row in rows if row.role is not None],
            following=[row for row in rows if row.is_following],
        )


def _organization(row: Any) -> OrganizationRead:
    return OrganizationRead(
        id=row.id,
        name=row.name,
        slug=row.slug,
        description=row.description,
        logo_url=row.logo_url,
        city=row.city,
        state=row.state,
        website=row.website,
        is_verified=row.is_verified,
        members_count=row.members_count,
        followers_count=row.followers_count,
        created_at=row.created_at,
    )


def _member(row: Any) -> MemberRead:
    return MemberRead(
        user_id=row.user_id,
        username=row.username,
        name=display_name(row.first_name, row.last_name, row.username),
        avatar_url=row.avatar_url,
        role=row.role,
        joined_at=row.joined_at,
    )
