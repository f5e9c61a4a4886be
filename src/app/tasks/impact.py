"""Impact tasks: statistics from verified data, badges, and the monthly impact report.

Each is safe to run twice: it recomputes from check-ins and reports, and a badge is awarded once (a unique
constraint). Two workers never interleave one user's jobs: each takes the user's database lock first.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from procrastinate import JobContext

from app.domain import jobs
from app.domain.impact.monthly import generate_monthly_report
from app.domain.impact.periods import month_label, month_start, parse_month, previous_month
from app.domain.impact.services import StatisticsService
from app.domain.time import utcnow
from app.tasks.queue import app
from app.tasks.resources import resources_of
from app.tasks.retry import CappedExponentialRetry

# A database hiccup: try again soon; these jobs are cheap and idempotent.
STATISTICS_RETRY = CappedExponentialRetry(max_attempts=5, max_wait=60)


@app.task(
    name=jobs.PROCESS_EVENT_REPORT_STATISTICS.task_name,
    queue=jobs.PROCESS_EVENT_REPORT_STATISTICS.queue,
    pass_context=True,
    retry=STATISTICS_RETRY,
)
async def process_event_report_statistics(context: JobContext, report_id: int) -> None:
    async with resources_of(context).sessions.begin() as session:
        await StatisticsService(session).process_report(report_id)


@app.task(
    name=jobs.UPDATE_USER_STATISTICS.task_name,
    queue=jobs.UPDATE_USER_STATISTICS.queue,
    pass_context=True,
    retry=STATISTICS_RETRY,
)
async def update_user_statistics(context: JobContext, user_id: int) -> None:
    resources = resources_of(context)
    async with resources.sessions.begin() as session:
        await StatisticsService(session).update_user(user_id, timezone=resources.settings.app_timezone)


@app.task(
    name=jobs.CHECK_AND_AWARD_BADGES.task_name,
    queue=jobs.CHECK_AND_AWARD_BADGES.queue,
    pass_context=True,
    retry=STATISTICS_RETRY,
)
async def check_and_award_badges(context: JobContext, user_id: int) -> None:
    async with resources_of(context).sessions.begin() as session:
        await StatisticsService(session).award_badges(user_id)


@app.task(
    name=jobs.GENERATE_MONTHLY_IMPACT_REPORT.task_name,
    queue=jobs.GENERATE_MONTHLY_IMPACT_REPORT.queue,
    pass_context=True,
    retry=STATISTICS_RETRY,
)
async def generate_monthly_impact_report(context: JobContext, month: str | None = None) -> str:
    """`month` as YYYY-MM; by default the previous calendar month in APP_TIMEZONE. Re-running replaces it."""
    resources = resources_of(context)
    timezone = resources.settings.app_timezone
    if month is None:
        first = previous_month(month_start(utcnow().astimezone(ZoneInfo(timezone)).date()))
    else:
        first = parse_month(month)
    async with resources.sessions.begin() as session:
        await generate_monthly_report(session, first, timezone)
    return month_label(first)
