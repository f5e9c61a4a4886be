"""Time rules shared by every domain."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def localize(value: dt.datetime, timezone: str) -> dt.datetime:
    """A timestamp sent without an offset (the SPA sends `2026-12-13T09:00:00`) is local time in `timezone`:
    the event's own, or APP_TIMEZONE where there is no event."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(timezone))
