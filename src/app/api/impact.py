"""Impact API: event reports, a volunteer's statistics and badges, leaderboards, monthly impact reports."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user, provide_optional_user, public_session_read
from app.api.messages import language_of
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.api.params import PathId
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.errors import NotFound, ValidationFailed
from app.domain.events.models import EventCategory
from app.domain.ids import parse_id
from app.domain.impact.chart import monthly_chart_svg
from app.domain.impact.models import EVERY_CATEGORY, EventReport, MonthlyImpactReport
from app.domain.impact.periods import month_label, parse_month, period_start
from app.domain.impact.queries import ImpactQueries, Slice, category_impacts, city_impacts
from app.domain.impact.schemas import (
    BadgeRead,
    EarnedBadgeRead,
    LeaderboardEntry,
    LeaderboardPage,
    MonthlyReportPage,
    MonthlyReportRead,
    Period,
    RankRead,
    ReportPatch,
    ReportRead,
    ReportWrite,
    UserStats,
)
from app.domain.impact.services import ReportService
from app.domain.time import utcnow

PeriodParameter = Annotated[Period, QueryParameter(description="month, year (calendar, APP_TIMEZONE) or all")]
CategoryParameter = Annotated[
    str | None, QueryParameter(description="A category id or name; empty or absent for every category")
]


def provide_reports(transaction: NamedDependency[AsyncSession]) -> ReportService:
    return ReportService(transaction)


class ReportController(Controller):
    path = "/api/events/{event_id:int}/report"
    tags = ["impact"]
    dependencies = {
        "reports": Provide(provide_reports, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @get("/", operation_id="getEventReport", summary="An event's impact report", responses=problems(401, 404))
    async def get_report(
        self, event_id: PathId, reports: NamedDependency[ReportService], viewer: NamedDependency[User | None]
    ) -> ReportRead:
        """Anyone who can see the event; 404 until the organizer files it."""
        return report_read(await reports.get(event_id, viewer))

    @post(
        "/",
        operation_id="fileEventReport",
        summary="File the impact report (organizer)",
        security=BEARER,
        responses=problems(
            400, 401, 403, 404, 409, s409="The event has not ended, was not held, or already has a report"
        ),
    )
    async def file_report(
        self,
        event_id: PathId,
        data: JSONBody[ReportWrite],
        reports: NamedDependency[ReportService],
        current_user: NamedDependency[User],
    ) -> ReportRead:
        """Organizer or staff, once the event has ended. `total_participants` defaults to the checked-in count and
        `total_hours` to attendees × duration. Queues the statistics of every attendee."""
        return report_read(await reports.file(event_id, data, current_user))

    @put(
        "/",
        operation_id="replaceEventReport",
        summary="Replace the impact report (organizer)",
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409, s409="More than 30 days since the report was filed"),
    )
    async def replace_report(
        self,
        event_id: PathId,
        data: JSONBody[ReportWrite],
        reports: NamedDependency[ReportService],
        current_user: NamedDependency[User],
    ) -> ReportRead:
        """Every field at once (absent ones take their defaults); editable for 30 days after filing."""
        return report_read(await reports.replace(event_id, data, current_user))

    @patch(
        "/",
        operation_id="updateEventReport",
        summary="Edit the impact report (organizer)",
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409, s409="More than 30 days since the report was filed"),
    )
    async def update_report(
        self,
        event_id: PathId,
        reports: NamedDependency[ReportService],
        current_user: NamedDependency[User],
        data: JSONBody[ReportPatch | None] = None,
    ) -> ReportRead:
        """Only the fields sent change; editable for 30 days after filing."""
        return report_read(await reports.edit(event_id, (data or ReportPatch()).changes(), current_user))


class ImpactController(Controller):
    """Statistics, badges and rankings under /api/users (the accounts controller owns the rest of that path)."""

    path = "/api/users"
    tags = ["impact"]
    dependencies = {"current_user": Provide(provide_current_user)}

    @get("/stats/", operation_id="userStats", summary="The caller's verified statistics", security=BEARER,
         responses=problems(401))  # fmt: skip
    async def stats(
        self,
        current_user: NamedDependency[User],
        transaction: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> UserStats:
        """From check-ins and organizers' reports only, kept by the statistics jobs."""
        return await ImpactQueries(transaction).stats(current_user.id, now=utcnow(), timezone=settings.app_timezone)

    @get("/badges/", operation_id="listBadges", summary="The badge catalogue", responses=problems(429))
    async def badges(
        self, request: Request[Any, Any, Any], transaction: NamedDependency[AsyncSession]
    ) -> list[BadgeRead]:
        """Every badge and what earns it, in the caller's language."""
        return await ImpactQueries(transaction).badges(english=language_of(request) == "en")

    @get("/badges/earned/", operation_id="earnedBadges", summary="The caller's badges", security=BEARER,
         responses=problems(401))  # fmt: skip
    async def earned_badges(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[User],
        transaction: NamedDependency[AsyncSession],
    ) -> list[EarnedBadgeRead]:
        """In the order they were earned."""
        return await ImpactQueries(transaction).earned_badges(current_user.id, english=language_of(request) == "en")

    @get("/leaderboard/", operation_id="leaderboard", summary="Volunteers ranked by verified hours",
         responses=problems(400, 404))  # fmt: skip
    async def leaderboard(
        self,
        request: Request[Any, Any, Any],
        transaction: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        category: CategoryParameter = None,
        period: PeriodParameter = "all",
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> LeaderboardPage:
        """Public profiles only, by verified hours in the period (calendar month or year in APP_TIMEZONE, or all
        time) and category; ties share a rank. Paginated."""
        window = Window(page, page_size, limit)

        async def read(session: AsyncSession) -> tuple[int | None, tuple[int, list[LeaderboardEntry]]]:
            category_id = await _category_id(session, category)
            board = _slice(period, category_id, settings)
            return category_id, await ImpactQueries(session).leaderboard(board, offset=window.offset, limit=window.size)

        category_id, (count, entries) = await public_session_read(request, transaction, read)
        next_link, previous_link = window.links(request, count)
        return LeaderboardPage(
            count=count, next=next_link, previous=previous_link, period=period, category=category_id, results=entries
        )

    @get("/rank/", operation_id="userRank", summary="The caller's rank by verified hours", security=BEARER,
         responses=problems(400, 401))  # fmt: skip
    async def rank(
        self,
        current_user: NamedDependency[User],
        transaction: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        category: CategoryParameter = None,
        period: PeriodParameter = "all",
    ) -> RankRead:
        """Where the caller stands among public profiles (the same order as the leaderboard)."""
        category_id = await _category_id(transaction, category)
        standing = await ImpactQueries(transaction).standing(current_user.id, _slice(period, category_id, settings))
        return RankRead(
            rank=standing.rank,
            ranked_users=standing.ranked_users,
            total_hours_volunteered=standing.hours,
            total_events_participated=standing.events,
            on_leaderboard=standing.rank is not None and current_user.profile.is_public_profile,
            period=period,
            category=category_id,
        )


class MonthlyReportController(Controller):
    path = "/api/reports/monthly"
    tags = ["impact"]

    @get("/", operation_id="listMonthlyReports", summary="Monthly impact reports", responses=problems(400, 404))
    async def list_reports(
        self,
        request: Request[Any, Any, Any],
        transaction: NamedDependency[AsyncSession],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> MonthlyReportPage:
        """Newest month first. Each is generated at 03:00 on the 1st for the previous calendar month."""
        window = Window(page, page_size, limit)

        async def read(session: AsyncSession) -> tuple[int, list[MonthlyImpactReport]]:
            return await ImpactQueries(session).monthly_reports(offset=window.offset, limit=window.size)

        count, reports = await public_session_read(request, transaction, read)
        next_link, previous_link = window.links(request, count)
        return MonthlyReportPage(
            count=count,
            next=next_link,
            previous=previous_link,
            results=[monthly_report_read(request, report) for report in reports],
        )

    @get("/{month:str}/", operation_id="getMonthlyReport", summary="One month's impact", responses=problems(400, 404))
    async def get_report(
        self, request: Request[Any, Any, Any], month: FromPath[str], transaction: NamedDependency[AsyncSession]
    ) -> MonthlyReportRead:
        """`month` as YYYY-MM."""
        return monthly_report_read(request, await _monthly(request, transaction, month))

    @get(
        "/{month:str}/chart.svg",
        operation_id="monthlyReportChart",
        summary="One month's impact as a chart",
        media_type="image/svg+xml",
        responses=problems(400, 404),
    )
    async def chart(
        self, request: Request[Any, Any, Any], month: FromPath[str], transaction: NamedDependency[AsyncSession]
    ) -> Response[str]:
        """An SVG: the month's totals and, per figure, a bar per category in its colour (Portuguese by default)."""
        report = await _monthly(request, transaction, month)
        language = "en" if language_of(request) == "en" else "pt"
        return Response(
            monthly_chart_svg(report, language=language),
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"},
        )


async def _monthly(request: Request[Any, Any, Any], transaction: AsyncSession, raw_month: str) -> MonthlyImpactReport:
    month = parse_month(raw_month)

    async def read(session: AsyncSession) -> MonthlyImpactReport | None:
        return await ImpactQueries(session).monthly_report(month)

    report = await public_session_read(request, transaction, read)
    if report is None:
        raise NotFound("monthly_report_not_found")
    return report


def _slice(period: str, category_id: int | None, settings: Settings) -> Slice:
    """The current calendar month or year in APP_TIMEZONE, or all time; one category or every one."""
    return Slice(
        period=period,
        period_start=period_start(period, utcnow(), settings.app_timezone),
        category_key=category_id or EVERY_CATEGORY,
    )


async def _category_id(transaction: AsyncSession, value: str | None) -> int | None:
    """A category by id or by name (case-insensitive); empty means every category."""
    if value is None or not value.strip():
        return None
    wanted = parse_id(value)
    if wanted is not None:
        found = await transaction.scalar(select(EventCategory.id).where(EventCategory.id == wanted))
    else:
        found = await transaction.scalar(
            select(EventCategory.id).where(func.lower(EventCategory.name) == value.strip().lower())
        )
    if found is None:
        raise ValidationFailed.single("category", "invalid_choice", value=value)
    return found


def report_read(report: EventReport) -> ReportRead:
    return ReportRead(
        id=report.id,
        event=report.event_id,
        total_participants=report.total_participants,
        total_hours=float(report.total_hours),
        trash_collected_kg=float(report.trash_collected_kg),
        recyclable_material_kg=float(report.recyclable_material_kg),
        trees_planted=report.trees_planted,
        area_cleaned_m2=float(report.area_cleaned_m2),
        summary=report.summary,
        challenges=report.challenges,
        achievements=report.achievements,
        verified_participants=report.verified_participants,
        editable_until=report.editable_until,
        created_at=report.created_at,
        updated_at=report.updated_at,
    )


def monthly_report_read(request: Request[Any, Any, Any], report: MonthlyImpactReport) -> MonthlyReportRead:
    label = month_label(report.month)
    return MonthlyReportRead(
        month=label,
        events_held=report.events_held,
        unique_volunteers=report.unique_volunteers,
        total_hours=float(report.total_hours),
        trash_collected_kg=float(report.trash_collected_kg),
        recyclable_material_kg=float(report.recyclable_material_kg),
        trees_planted=report.trees_planted,
        area_cleaned_m2=float(report.area_cleaned_m2),
        categories=category_impacts(report),
        top_cities=city_impacts(report),
        chart_url=f"{str(request.base_url).rstrip('/')}/api/reports/monthly/{label}/chart.svg",
        generated_at=report.generated_at,
    )
