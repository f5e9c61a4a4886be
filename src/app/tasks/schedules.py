"""Schedules kept in APP_TIMEZONE.

Procrastinate's cron runs in UTC, and the time zone is a setting read at start-up, not at import. So one periodic
task wakes every quarter of an hour (every real-world UTC offset is a multiple of 15 minutes), reads the local
time of its tick, and queues what is due then. A queueing lock per due date makes a repeated tick harmless.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from procrastinate import JobContext

from app.domain import jobs
from app.domain.impact.periods import month_label, previous_month
from app.domain.jobs import Job, defer_job
from app.tasks.queue import app
from app.tasks.resources import resources_of


class LocalSchedule(msgspec.Struct, frozen=True):
    """Queue `job` when the local time is `hour`:`minute` (and the `day` of the month, if given)."""

    job: Job
    hour: int
    minute: int = 0
    day: int | None = None
    args: Callable[[dt.datetime], dict[str, Any]] = lambda local: {}

    def due_at(self, local: dt.datetime) -> bool:
        same_day = self.day is None or local.day == self.day
        return same_day and (local.hour, local.minute) == (self.hour, self.minute)


def _previous_month(local: dt.datetime) -> dict[str, Any]:
    return {"month": month_label(previous_month(local.date().replace(day=1)))}


SCHEDULES = (
    # SPEC §4: the previous calendar month's impact, at 03:00 on the 1st.
    LocalSchedule(jobs.GENERATE_MONTHLY_IMPACT_REPORT, hour=3, day=1, args=_previous_month),
    # SPEC §4: the nightly clean-up, at 02:00.
    LocalSchedule(jobs.CLEANUP_EXPIRED_EVENTS, hour=2),
    # New-event notices held back by the one-email-a-day rule go out as a digest at 08:00.
    LocalSchedule(jobs.SEND_NEW_EVENT_EMAILS, hour=8),
)


def due(timestamp: int, timezone: str) -> list[LocalSchedule]:
    local = dt.datetime.fromtimestamp(timestamp, ZoneInfo(timezone))
    return [schedule for schedule in SCHEDULES if schedule.due_at(local)]


@app.periodic(cron="*/15 * * * *", periodic_id="local-schedules")
@app.task(name="run_local_schedules", queue="schedules", pass_context=True)
async def run_local_schedules(context: JobContext, timestamp: int) -> list[str]:
    resources = resources_of(context)
    local = dt.datetime.fromtimestamp(timestamp, ZoneInfo(resources.settings.app_timezone))
    queued = []
    async with resources.sessions.begin() as session:
        for schedule in due(timestamp, resources.settings.app_timezone):
            await defer_job(
                session,
                schedule.job,
                queueing_lock=f"{schedule.job.task_name}:{local:%Y-%m-%dT%H:%M}",
                **schedule.args(local),
            )
            queued.append(schedule.job.task_name)
    return queued
