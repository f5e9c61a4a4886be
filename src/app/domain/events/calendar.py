"""One event as an RFC 5545 iCalendar document ("add to calendar").

The VTIMEZONE is derived from `zoneinfo` at render time rather than from hard-coded rules, so it always
matches the tz database the service runs with: the zone is scanned day by day for UTC-offset changes, and
each change is refined to the second. Apart from the `msgspec` struct that carries the input, this module
uses only the standard library.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

import msgspec

PRODID = "-//Mutiroes//Mutiroes API//PT-BR"
UID_DOMAIN = "mutiroes.org"
ORGANIZER_EMAIL = "nao-responda@mutiroes.org"

_STATUS = {"draft": "TENTATIVE", "published": "CONFIRMED", "completed": "CONFIRMED", "cancelled": "CANCELLED"}
_LINE_OCTETS = 75
_CRLF = "\r\n"
# An observance that starts before any event: used when the zone's offset did not change around the event.
_SINCE_EVER = dt.datetime(1970, 1, 1)
_DAY = dt.timedelta(days=1)
# Control characters are not allowed in content lines (RFC 5545 §3.3.11 allows only HTAB); a stray one
# would corrupt the document, so it is dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")


class CalendarEvent(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    title: str
    description: str
    address: str
    city: str
    state: str
    latitude: float
    longitude: float
    start: dt.datetime
    end: dt.datetime
    timezone: str
    url: str
    organizer_name: str
    status: str
    updated_at: dt.datetime
    # A place not yet confirmed (pending approval, on the waitlist): TENTATIVE unless the event is cancelled.
    tentative: bool = False


class _Transition(msgspec.Struct, frozen=True, kw_only=True):
    """A change of UTC offset: `onset` is the local wall time just before it, as VTIMEZONE wants."""

    instant: dt.datetime
    onset: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    daylight: bool


def event_ics(event: CalendarEvent, *, now: dt.datetime) -> str:
    """The event as a `text/calendar` document: one VTIMEZONE for the event's zone and one VEVENT.

    Raises ValueError for a naive datetime or an unknown status, and `zoneinfo.ZoneInfoNotFoundError`
    for an unknown zone.
    """
    return calendar_ics([event], now=now)


def calendar_ics(events: Sequence[CalendarEvent], *, now: dt.datetime, name: str | None = None) -> str:
    """Several events in one document (a subscribed feed): one VTIMEZONE per zone, covering all its events."""
    _require_aware("now", now)
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    vevents: list[str] = []
    for event in events:
        for label, value in (("start", event.start), ("end", event.end), ("updated_at", event.updated_at)):
            _require_aware(label, value)
        if event.status not in _STATUS:
            raise ValueError(f"unknown event status: {event.status!r}")
        zone = ZoneInfo(event.timezone)
        local_start, local_end = event.start.astimezone(zone), event.end.astimezone(zone)
        earliest, latest = spans.get(event.timezone, (local_start, local_end))
        spans[event.timezone] = (min(earliest, local_start), max(latest, local_end))
        vevents += _vevent(event, local_start, local_end, now)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{_text(name)}")
    for timezone, (earliest, latest) in spans.items():
        lines += _vtimezone(timezone, ZoneInfo(timezone), earliest, latest)
    lines += [*vevents, "END:VCALENDAR"]
    return "".join(_fold(line) + _CRLF for line in lines)


def _vevent(event: CalendarEvent, local_start: dt.datetime, local_end: dt.datetime, now: dt.datetime) -> list[str]:
    tzid = _param_value(event.timezone)
    status = "TENTATIVE" if event.tentative and event.status != "cancelled" else _STATUS[event.status]
    return [
        "BEGIN:VEVENT",
        f"UID:{_text(f'{event.uid}@{UID_DOMAIN}')}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART;TZID={tzid}:{_local(local_start)}",
        f"DTEND;TZID={tzid}:{_local(local_end)}",
        f"SUMMARY:{_text(event.title)}",
        f"DESCRIPTION:{_text(event.description)}",
        f"LOCATION:{_text(_location(event.address, event.city, event.state))}",
        f"GEO:{event.latitude:.6f};{event.longitude:.6f}",
        f"URL:{_strip_controls(event.url)}",
        f"ORGANIZER;CN={_param_value(event.organizer_name)}:mailto:{ORGANIZER_EMAIL}",
        f"LAST-MODIFIED:{_utc(event.updated_at)}",
        f"STATUS:{status}",
        "SEQUENCE:0",
        "END:VEVENT",
    ]


def _require_aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _vtimezone(tzid: str, zone: ZoneInfo, local_start: dt.datetime, local_end: dt.datetime) -> list[str]:
    """VTIMEZONE covering the event: every offset change in its year(s), plus the rule in force on 1 January."""
    year_start = dt.datetime(local_start.year, 1, 1, tzinfo=dt.UTC)
    # The previous year is scanned so the observance in force on 1 January has an onset too; the day past
    # the last year covers an end late on 31 December in a zone behind UTC.
    scanned = _transitions(zone, dt.datetime(local_start.year - 1, 1, 1, tzinfo=dt.UTC), _next_year(local_end) + _DAY)
    before = [change for change in scanned if change.instant < year_start]
    during = scanned[len(before) :]
    if before:
        observances = [before[-1], *during]
    else:
        at_year_start = year_start.astimezone(zone)
        offset = _offset(at_year_start)
        baseline = _Transition(
            instant=year_start,
            onset=_SINCE_EVER,
            offset_from=offset,
            offset_to=offset,
            name=at_year_start.tzname() or "",
            daylight=False,
        )
        observances = [baseline, *during]

    # Changes that repeat the same rule (same kind, offsets and name) share one sub-component, with RDATEs.
    rules: dict[tuple[bool, dt.timedelta, dt.timedelta, str], list[dt.datetime]] = {}
    for item in observances:
        rules.setdefault((item.daylight, item.offset_from, item.offset_to, item.name), []).append(item.onset)

    lines = ["BEGIN:VTIMEZONE", f"TZID:{_text(tzid)}"]
    for (daylight, offset_from, offset_to, name), onsets in sorted(rules.items(), key=lambda rule: rule[1][0]):
        kind = "DAYLIGHT" if daylight else "STANDARD"
        lines += [f"BEGIN:{kind}", f"DTSTART:{_local(onsets[0])}"]
        if len(onsets) > 1:
            lines.append("RDATE:" + ",".join(_local(onset) for onset in onsets[1:]))
        lines += [f"TZOFFSETFROM:{_utc_offset(offset_from)}", f"TZOFFSETTO:{_utc_offset(offset_to)}"]
        if name:
            lines.append(f"TZNAME:{_text(name)}")
        lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return lines


def _next_year(value: dt.datetime) -> dt.datetime:
    return dt.datetime(value.year + 1, 1, 1, tzinfo=dt.UTC)


def _transitions(zone: ZoneInfo, since: dt.datetime, until: dt.datetime) -> list[_Transition]:
    """Offset changes of `zone` between two UTC instants, in order.

    Sampling is daily, so two changes within the same day that cancel out would go unseen; the tz database
    has none in the years events are held.
    """
    found: list[_Transition] = []
    previous = since
    previous_offset = _offset(since.astimezone(zone))
    while previous < until:
        current = min(previous + _DAY, until)
        current_offset = _offset(current.astimezone(zone))
        if current_offset != previous_offset:
            instant = _first_change(zone, previous, current, previous_offset)
            after = instant.astimezone(zone)
            found.append(
                _Transition(
                    instant=instant,
                    onset=(instant + previous_offset).replace(tzinfo=None),
                    offset_from=previous_offset,
                    offset_to=_offset(after),
                    name=after.tzname() or "",
                    daylight=bool(after.dst()),
                )
            )
        previous, previous_offset = current, current_offset
    return found


def _first_change(zone: ZoneInfo, low: dt.datetime, high: dt.datetime, offset: dt.timedelta) -> dt.datetime:
    """The first UTC second in (low, high] whose offset differs from `offset` (which holds at `low`)."""
    low_second, high_second = 0, int((high - low).total_seconds())
    while high_second - low_second > 1:
        middle = (low_second + high_second) // 2
        if _offset((low + dt.timedelta(seconds=middle)).astimezone(zone)) == offset:
            low_second = middle
        else:
            high_second = middle
    return low + dt.timedelta(seconds=high_second)


def _offset(value: dt.datetime) -> dt.timedelta:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("datetime without a UTC offset")
    return offset


def _local(value: dt.datetime) -> str:
    """Local (or floating) time as YYYYMMDDTHHMMSS; formatted by hand since strftime does not pad years < 1000."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}T{value.hour:02d}{value.minute:02d}{value.second:02d}"


def _utc(value: dt.datetime) -> str:
    return _local(value.astimezone(dt.UTC)) + "Z"


def _utc_offset(offset: dt.timedelta) -> str:
    sign = "-" if offset < dt.timedelta(0) else "+"
    seconds = abs(int(offset.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    # Seconds only appear for historical local mean times; RFC 5545 allows ±HHMMSS for them.
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _location(address: str, city: str, state: str) -> str:
    place = " - ".join(part for part in (city.strip(), state.strip()) if part)
    return ", ".join(part for part in (address.strip(), place) if part)


def _strip_controls(value: str) -> str:
    return _CONTROL.sub("", _NEWLINE.sub(" ", value))


def _text(value: str) -> str:
    """A TEXT value, escaped per RFC 5545 §3.3.11."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", _NEWLINE.sub("\\\\n", escaped))


def _param_value(value: str) -> str:
    """A parameter value, quoted when it holds `:;,`; DQUOTE cannot be escaped there, so it becomes '."""
    cleaned = _strip_controls(value).replace('"', "'")
    return f'"{cleaned}"' if any(char in cleaned for char in ":;,") else cleaned


def _fold(line: str) -> str:
    """Fold at 75 octets of UTF-8 (RFC 5545 §3.1), never inside a character; continuations start with a space."""
    return (_CRLF + " ").join(_chunks(line, first=_LINE_OCTETS, rest=_LINE_OCTETS - 1))


def _chunks(line: str, *, first: int, rest: int) -> Iterable[str]:
    chunk: list[str] = []
    size, limit = 0, first
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            yield "".join(chunk)
            chunk, size, limit = [], 0, rest
        chunk.append(char)
        size += width
    yield "".join(chunk)
