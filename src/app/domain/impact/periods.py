"""Calendar periods in APP_TIMEZONE: leaderboards by month or year, monthly reports."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from app.domain.errors import ValidationFailed
from app.domain.impact.models import ALL_TIME

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Months a report may be about: the calendar has to reach the month after (year 9999's December has none).
_YEARS = range(1970, 9999)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def parse_month(raw: str, field: str = "month") -> dt.date:
    """`YYYY-MM` → the first day of that month."""
    match = _MONTH.match(raw)
    if match is None or int(match[1]) not in _YEARS:
        raise ValidationFailed.single(field, "invalid_month", value=raw)
    return dt.date(int(match[1]), int(match[2]), 1)


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def instant(day: dt.date, timezone: str) -> dt.datetime:
    """Midnight starting `day` in `timezone`."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone))


def this_month(now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month `now` falls in, in `timezone`, as [start, end) instants."""
    start = month_start(now.astimezone(ZoneInfo(timezone)).date())
    return instant(start, timezone), instant(next_month(start), timezone)


def period_start(period: str, now: dt.datetime, timezone: str) -> dt.date:
    """The first day of the current calendar month or year in `timezone`; ALL_TIME for all time."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if period == "month":
        return month_start(today)
    if period == "year":
        return dt.date(today.year, 1, 1)
    return ALL_TIME
