"""Impact rules: filing reports, and turning check-ins and reports into each volunteer's verified figures.

Every figure a volunteer is credited with comes from data someone other than the volunteer vouched for: a
check-in (proof of presence) and the organizer's report. A checked-in volunteer's share of an event is the
report's total divided by the report's `total_participants`; without a report (or with no participants in it),
the event's duration in hours and nothing else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User
from app.domain.errors import Conflict, NotFound
from app.domain.events.access import require_manager, visible_event
from app.domain.events.models import Event
from app.domain.impact.models import ALL_TIME, EVERY_CATEGORY, EventReport
from app.domain.impact.schemas import ReportWrite
from app.domain.jobs import defer_job
from app.domain.notifications.notices import BADGE_EARNED, queue_notice
from app.domain.participation.models import EventParticipant
from app.domain.spots import lifecycle as spot_lifecycle
from app.domain.time import utcnow

# Events that took place: drafts never did, cancelled ones did not.
HELD_STATUSES = ("published", "completed")
HELD = f"{HELD_STATUSES}"  # the same, as SQL: ('published', 'completed')

# The four categories of the original system (stable ids from their data migration): "all four" badge.
FOUNDING_CATEGORY_IDS = (1, 2, 3, 4)


def duration_hours(event: Event) -> Decimal:
    return Decimal((event.end_date - event.start_date).total_seconds() / 3600).quantize(Decimal("0.01"))


def two_places(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def attendees_of(session: AsyncSession, event_id: int) -> list[int]:
    """The event's verified attendees: confirmed participants who checked in."""
    attendees = await session.scalars(
        select(EventParticipant.user_id).where(
            EventParticipant.event_id == event_id,
            EventParticipant.status == "confirmed",
            EventParticipant.checked_in.is_(True),
        )
    )
    return list(attendees.all())


class ReportService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, event_id: int, viewer: User | None) -> EventReport:
        """Whoever may see the event may read its report."""
        event = await visible_event(self.session, event_id, viewer)
        report = await self._report_of(event.id)
        if report is None:
            raise NotFound("report_not_found")
        return report

    async def file(self, event_id: int, data: ReportWrite, user: User) -> EventReport:
        # The event's row is locked: two organizers filing at once make one report, not an error.
        event = await self._event_to_report(event_id, user)
        if await self._report_of(event.id) is not None:
            raise Conflict("report_exists")
        report = EventReport(event_id=event.id, reported_by_id=user.id)
        await self._apply(report, event, _figures(data))
        self.session.add(report)
        await self.session.flush()
        await self._queue_statistics(report)
        await spot_lifecycle.cleaned(self.session, event.id)
        return report

    async def replace(self, event_id: int, data: ReportWrite, user: User) -> EventReport:
        return await self.edit(event_id, _figures(data), user)

    async def edit(self, event_id: int, changes: dict[str, Any], user: User) -> EventReport:
        event = await self._event_to_report(event_id, user)
        report = await self._report_of(event.id)
        if report is None:
            raise NotFound("report_not_found")
        if utcnow() > report.editable_until:
            raise Conflict("report_locked")
        await self._apply(report, event, {**_current_figures(report), **changes})
        report.updated_at = utcnow()
        await self.session.flush()
        await self._queue_statistics(report)
        return report

    async def _apply(self, report: EventReport, event: Event, figures: dict[str, Any]) -> None:
        if figures.get("total_participants") is None:
            figures["total_participants"] = len(await attendees_of(self.session, event.id))
        if figures.get("total_hours") is None:
            figures["total_hours"] = float(figures["total_participants"] * duration_hours(event))
        for name in ("total_hours", "trash_collected_kg", "recyclable_material_kg", "area_cleaned_m2"):
            figures[name] = two_places(figures[name])
        for name, value in figures.items():
            setattr(report, name, value)

    async def _event_to_report(self, event_id: int, user: User) -> Event:
        """The event, locked, if `user` may report it now."""
        statement = select(Event).where(Event.id == event_id).with_for_update(of=Event)
        event = await self.session.scalar(statement.execution_options(populate_existing=True))
        if event is None:
            raise NotFound("event_not_found")
        await require_manager(self.session, event, user)
        if event.status not in HELD_STATUSES:
            raise Conflict("event_not_held")
        if utcnow() < event.end_date:
            raise Conflict("event_not_ended")
        return event

    async def _report_of(self, event_id: int) -> EventReport | None:
        report: EventReport | None = await self.session.scalar(
            select(EventReport).where(EventReport.event_id == event_id)
        )
        return report

    async def _queue_statistics(self, report: EventReport) -> None:
        await defer_job(
            self.session,
            jobs.PROCESS_EVENT_REPORT_STATISTICS,
            queueing_lock=f"report-statistics:{report.id}",
            report_id=report.id,
        )


REPORT_FIGURES = (
    "total_participants",
    "total_hours",
    "trash_collected_kg",
    "recyclable_material_kg",
    "trees_planted",
    "area_cleaned_m2",
    "summary",
    "challenges",
    "achievements",
)


def _figures(data: ReportWrite) -> dict[str, Any]:
    return {name: getattr(data, name) for name in REPORT_FIGURES}


def _current_figures(report: EventReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in REPORT_FIGURES}


# --- statistics: what the jobs run -------------------------------------------------------------------------

# A volunteer's contributions, rewritten from their check-ins and the reports of those events.
_DROP_STALE_CONTRIBUTIONS_SQL = text(
    f"""
    DELETE FROM volunteer_contributions c
    WHERE c.user_id = :user_id AND NOT EXISTS (
        SELECT 1 FROM event_participants p JOIN events e ON e.id = p.event_id
        WHERE p.user_id = c.user_id AND p.event_id = c.event_id
          AND p.status = 'confirmed' AND p.checked_in AND e.status IN {HELD}
    )
    """
)
_WRITE_CONTRIBUTIONS_SQL = text(
    f"""
    INSERT INTO volunteer_contributions
        (user_id, event_id, category_id, held_at, hours, trash_collected_kg, trees_planted)
    SELECT p.user_id, e.id, e.category_id, e.start_date,
           round(CASE WHEN r.total_participants > 0 THEN r.total_hours / r.total_participants
                      ELSE extract(epoch FROM e.end_date - e.start_date) / 3600 END, 2),
           round(CASE WHEN r.total_participants > 0 THEN r.trash_collected_kg / r.total_participants ELSE 0 END, 2),
           round(CASE WHEN r.total_participants > 0 THEN r.trees_planted::numeric / r.total_participants ELSE 0 END, 2)
    FROM event_participants p
    JOIN events e ON e.id = p.event_id
    LEFT JOIN event_reports r ON r.event_id = e.id
    WHERE p.user_id = :user_id AND p.status = 'confirmed' AND p.checked_in AND e.status IN {HELD}
    ON CONFLICT (user_id, event_id) DO UPDATE SET
        category_id = excluded.category_id, held_at = excluded.held_at, hours = excluded.hours,
        trash_collected_kg = excluded.trash_collected_kg, trees_planted = excluded.trees_planted
    WHERE (volunteer_contributions.category_id, volunteer_contributions.held_at, volunteer_contributions.hours,
           volunteer_contributions.trash_collected_kg, volunteer_contributions.trees_planted)
       IS DISTINCT FROM (excluded.category_id, excluded.held_at, excluded.hours,
                         excluded.trash_collected_kg, excluded.trees_planted)
    """
)
_WRITE_TOTALS_SQL = text(
    """
    UPDATE user_profiles p SET
        total_events_participated = t.events, total_hours_volunteered = t.hours,
        trash_collected_kg = t.kg, trees_planted = t.trees, updated_at = now()
    FROM (
        SELECT count(*) AS events, coalesce(sum(hours), 0) AS hours,
               coalesce(sum(trash_collected_kg), 0) AS kg, coalesce(sum(trees_planted), 0) AS trees
        FROM volunteer_contributions WHERE user_id = :user_id
    ) t
    WHERE p.user_id = :user_id
      AND (p.total_events_participated, p.total_hours_volunteered, p.trash_collected_kg, p.trees_planted)
          IS DISTINCT FROM (t.events, t.hours, t.kg, t.trees)
    """
)
# The volunteer's totals per slice (all time, each calendar year and month in the app's time zone; every category
# and each one), rewritten in place: unchanged slices are not touched, emptied ones go.
_WRITE_SLICES_SQL = text(
    """
    WITH fresh AS (
        SELECT s.period, s.period_start, coalesce(c.category_id, CAST(:every_category AS bigint)) AS category_key,
               sum(c.hours) AS hours, count(*) AS events
        FROM volunteer_contributions c
        CROSS JOIN LATERAL (VALUES
            ('all', CAST(:all_time AS date)),
            ('year', CAST(date_trunc('year', c.held_at AT TIME ZONE :timezone) AS date)),
            ('month', CAST(date_trunc('month', c.held_at AT TIME ZONE :timezone) AS date))
        ) AS s(period, period_start)
        WHERE c.user_id = :user_id
        GROUP BY GROUPING SETS ((s.period, s.period_start, c.category_id), (s.period, s.period_start))
    ), gone AS (
        DELETE FROM volunteer_totals t
        WHERE t.user_id = :user_id AND NOT EXISTS (
            SELECT 1 FROM fresh f
            WHERE (f.period, f.period_start, f.category_key) = (t.period, t.period_start, t.category_key)
        )
    )
    INSERT INTO volunteer_totals (user_id, period, period_start, category_key, hours, events, public)
    SELECT :user_id, period, period_start, category_key, hours, events,
           (SELECT is_public_profile FROM user_profiles WHERE user_id = :user_id)
    FROM fresh
    ON CONFLICT (user_id, period, period_start, category_key) DO UPDATE
        SET hours = excluded.hours, events = excluded.events, public = excluded.public
        WHERE (volunteer_totals.hours, volunteer_totals.events, volunteer_totals.public)
              IS DISTINCT FROM (excluded.hours, excluded.events, excluded.public)
    """
)

_FOLLOW_PRIVACY_SQL = text(
    "UPDATE volunteer_totals SET public = :public WHERE user_id = :user_id AND public IS DISTINCT FROM :public"
)

# Each badge whose criterion the user's verified figures reach, awarded once (the unique constraint decides).
_AWARD_BADGES_SQL = text(
    """
    WITH figures AS (
        SELECT
            p.total_events_participated::numeric AS events_participated,
            p.trees_planted AS trees_planted,
            p.trash_collected_kg AS trash_collected_kg,
            (SELECT count(*) FROM event_reports r JOIN events e ON e.id = r.event_id
             WHERE e.organizer_id = :user_id)::numeric AS events_organized_with_report,
            (SELECT count(DISTINCT c.category_id) FROM volunteer_contributions c
             WHERE c.user_id = :user_id AND c.category_id = ANY(:founding))::numeric AS founding_categories
        FROM user_profiles p WHERE p.user_id = :user_id
    ), earned AS (
        SELECT b.id, b.code FROM badges b, figures f
        WHERE CASE b.criterion
            WHEN 'events_participated' THEN f.events_participated
            WHEN 'events_organized_with_report' THEN f.events_organized_with_report
            WHEN 'trees_planted' THEN f.trees_planted
            WHEN 'trash_collected_kg' THEN f.trash_collected_kg
            WHEN 'founding_categories' THEN f.founding_categories
        END >= b.threshold
    ), awarded AS (
        INSERT INTO user_badges (user_id, badge_id, earned_at)
        SELECT :user_id, earned.id, now() FROM earned
        ON CONFLICT (user_id, badge_id) DO NOTHING
        RETURNING badge_id
    )
    SELECT earned.code FROM awarded JOIN earned ON earned.id = awarded.badge_id ORDER BY earned.code
    """
)


_STATISTICS_LOCK_SPACE = 5_110_001  # the first key of this domain's advisory locks
_LOCK_USER_SQL = text("SELECT pg_advisory_xact_lock(:space, hashtext(:user_id))")


class StatisticsService:
    """The bodies of the statistics jobs. Each is safe to run twice: it recomputes from verified data."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def process_report(self, report_id: int) -> list[int]:
        """Record how many check-ins back the report, then queue statistics for the attendees and the organizer."""
        report = await self.session.get(EventReport, report_id)
        if report is None:
            return []  # the event (and its report) is gone
        event = await self.session.get(Event, report.event_id)
        assert event is not None  # a report cascades with its event
        attendees = await attendees_of(self.session, event.id)
        if report.verified_participants != len(attendees) or report.processed_at is None:
            report.verified_participants = len(attendees)
            report.processed_at = utcnow()
        users = [*attendees, event.organizer_id]
        for user_id in users:
            await self.queue_user_statistics(user_id)
        return users

    async def queue_user_statistics(self, user_id: int) -> None:
        await defer_job(
            self.session,
            jobs.UPDATE_USER_STATISTICS,
            # One waiting job per user is enough: it reads the data as it is when it runs.
            queueing_lock=f"user-statistics:{user_id}",
            user_id=user_id,
        )

    async def _lock_user(self, user_id: int) -> None:
        # One statistics transaction per user at a time: a run that read older check-ins must not commit last.
        # (A database lock rather than a Procrastinate `lock`: the worker would idle on jobs it cannot take.)
        await self.session.execute(_LOCK_USER_SQL, {"space": _STATISTICS_LOCK_SPACE, "user_id": str(user_id)})

    async def update_user(self, user_id: int, *, timezone: str) -> None:
        """`timezone` draws the calendar months and years of the leaderboards (APP_TIMEZONE)."""
        await self._lock_user(user_id)
        params = {"user_id": user_id}
        await self.session.execute(_DROP_STALE_CONTRIBUTIONS_SQL, params)
        await self.session.execute(_WRITE_CONTRIBUTIONS_SQL, params)
        await self.session.execute(_WRITE_TOTALS_SQL, params)
        slices = {**params, "timezone": timezone, "all_time": ALL_TIME, "every_category": EVERY_CATEGORY}
        await self.session.execute(_WRITE_SLICES_SQL, slices)
        await defer_job(
            self.session,
            jobs.CHECK_AND_AWARD_BADGES,
            queueing_lock=f"badges:{user_id}",
            user_id=user_id,
        )

    async def follow_privacy(self, user_id: int, public: bool) -> None:
        """The profile's privacy changed: its leaderboard copies follow, in the same transaction."""
        await self._lock_user(user_id)
        await self.session.execute(_FOLLOW_PRIVACY_SQL, {"user_id": user_id, "public": public})

    async def award_badges(self, user_id: int) -> list[str]:
        """Award what the verified figures earn; return the codes awarded now (none the second time)."""
        await self._lock_user(user_id)
        result = await self.session.execute(
            _AWARD_BADGES_SQL, {"user_id": user_id, "founding": list(FOUNDING_CATEGORY_IDS)}
        )
        awarded = [str(code) for code in result.scalars()]
        for code in awarded:
            # In the awarding transaction: the email goes if, and only if, the badge is really new.
            await queue_notice(self.session, BADGE_EARNED, user_ids=[user_id], badge_code=code)
        return awarded
