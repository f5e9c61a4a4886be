"""Recurring mutirões: a series is the rule its occurrences were made from; each occurrence is an ordinary event
(its own participants, check-in code and report), made, edited and cancelled through the event rules.

The rule (an RFC 5545 RRULE subset) is read by `dateutil.rrule` from the first occurrence's *local wall-clock*
start, and each occurrence is then placed in the event's zone: 09:00 stays 09:00 across a daylight-saving change.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User, display_name
from app.domain.errors import FieldError, NotFound, ValidationFailed
from app.domain.events.access import sees
from app.domain.events.calendar import CalendarEvent, calendar_ics
from app.domain.events.models import Event, EventSeries
from app.domain.events.schemas import EventPatch, EventWrite
from app.domain.events.series_schemas import EventSeriesWrite, FollowingPatch, OccurrenceRead
from app.domain.events.services import EventService
from app.domain.time import utcnow

MAX_OCCURRENCES = 52
RULE_PARTS = ("FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL")
FREQUENCIES = ("WEEKLY", "MONTHLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_INTERVAL = 52
CLOSED = ("cancelled", "completed")
FIELD = "recurrence"


def occurrence_starts(recurrence: str, first_start: dt.datetime, zone: ZoneInfo) -> tuple[str, list[dt.datetime]]:
    """The rule as stored (upper-cased, without `RRULE:`) and the local wall-clock starts it yields from
    `first_start` (naive, local). Anything outside the subset is a 400 on `recurrence`."""
    parts = _parts(recurrence)
    unsupported = [name for name in parts if name not in RULE_PARTS]
    if unsupported:
        raise ValidationFailed.single(FIELD, "recurrence_unsupported", part=unsupported[0])
    if "FREQ" not in parts:
        raise ValidationFailed.single(FIELD, "recurrence_invalid")
    if parts["FREQ"] not in FREQUENCIES:
        raise ValidationFailed.single(FIELD, "recurrence_unsupported", part=f"FREQ={parts['FREQ']}")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ValidationFailed.single(FIELD, "recurrence_unbounded")
    if "COUNT" in parts and "UNTIL" in parts:  # RFC 5545 §3.3.10: they MUST NOT occur together
        raise ValidationFailed.single(FIELD, "recurrence_invalid")
    for name, highest in (("COUNT", None), ("INTERVAL", MAX_INTERVAL)):
        if name in parts and not _whole_number(parts[name], highest):
            raise ValidationFailed.single(FIELD, "recurrence_invalid")
    if "COUNT" in parts and int(parts["COUNT"]) > MAX_OCCURRENCES:
        raise ValidationFailed.single(FIELD, "recurrence_too_many", max=MAX_OCCURRENCES)
    if "BYDAY" in parts and not _days_valid(parts["BYDAY"], monthly=parts["FREQ"] == "MONTHLY"):
        raise ValidationFailed.single(FIELD, "recurrence_invalid")
    stored = ";".join(f"{name}={value}" for name, value in parts.items())
    local = {**parts, "UNTIL": _local_until(parts["UNTIL"], zone)} if "UNTIL" in parts else parts
    try:
        rule = rrulestr(";".join(f"{name}={value}" for name, value in local.items()), dtstart=first_start)
        starts = list(itertools.islice(iter(rule), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError):  # a malformed UNTIL, or dates beyond year 9999
        raise ValidationFailed.single(FIELD, "recurrence_invalid") from None
    if len(starts) > MAX_OCCURRENCES:
        raise ValidationFailed.single(FIELD, "recurrence_too_many", max=MAX_OCCURRENCES)
    if not starts:
        raise ValidationFailed.single(FIELD, "recurrence_empty")
    return stored, starts


def _parts(recurrence: str) -> dict[str, str]:
    text = recurrence.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts: dict[str, str] = {}
    for item in text.split(";"):
        name, equals, value = (piece.strip().upper() for piece in item.partition("="))
        if not equals or not name or not value or name in parts:
            raise ValidationFailed.single(FIELD, "recurrence_invalid")
        parts[name] = value
    return parts


def _whole_number(value: str, highest: int | None) -> bool:
    return value.isascii() and value.isdigit() and int(value) >= 1 and (highest is None or int(value) <= highest)


def _days_valid(value: str, *, monthly: bool) -> bool:
    """`SA,SU`; a monthly rule may also number them (`1SA`, `-1SU`: the first Saturday, the last Sunday)."""
    for day in value.split(","):
        ordinal = day[:-2]
        if day[-2:] not in WEEKDAYS:
            return False
        if ordinal and not (monthly and ordinal.lstrip("+-").isdigit() and 1 <= abs(int(ordinal)) <= 5):
            return False
    return True


def _local_until(value: str, zone: ZoneInfo) -> str:
    """A UTC UNTIL (`…Z`) as the event zone's wall-clock time: the rule runs on naive local times."""
    if not value.endswith("Z"):
        return value
    try:
        instant = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise ValidationFailed.single(FIELD, "recurrence_invalid") from None
    return instant.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        raise ValidationFailed.single("timezone", "timezone_invalid") from None


def _wall(value: dt.datetime, zone: ZoneInfo, field: str = "start_date") -> dt.datetime:
    """The local wall-clock time (naive) of a timestamp; one without an offset already is."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=None)
    try:
        return value.astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # a year-1 or year-9999 timestamp whose local time falls outside the calendar
        raise ValidationFailed.single(field, "out_of_range") from None


def _at(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return wall.replace(tzinfo=zone)


class EventSeriesService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.events = EventService(session)

    async def create(self, data: EventSeriesWrite, organizer: User) -> tuple[EventSeries, list[Event]]:
        """The series and every occurrence, each made by the event rules; one refused occurrence refuses all."""
        zone = _zone(data.timezone)
        start, end = _wall(data.start_date, zone), _wall(data.end_date, zone, "end_date")
        deadline = (
            None
            if data.registration_deadline is None
            else _wall(data.registration_deadline, zone, "registration_deadline")
        )
        rule, starts = occurrence_starts(data.recurrence, start, zone)
        series = EventSeries(organizer_id=organizer.id, rrule=rule, timezone=data.timezone)
        self.session.add(series)
        await self.session.flush()
        body = EventWrite(**{field: getattr(data, field) for field in EventWrite.__struct_fields__})
        made: list[Event] = []
        for local_start in starts:
            try:
                occurrence = msgspec.structs.replace(
                    body,
                    start_date=_at(local_start, zone),
                    end_date=_at(local_start + (end - start), zone),
                    registration_deadline=None if deadline is None else _at(local_start - (start - deadline), zone),
                )
            except OverflowError:
                raise ValidationFailed.single(FIELD, "recurrence_invalid") from None
            event = await _for_occurrence(self.events.create(occurrence, organizer), local_start)
            event.series_id = series.id
            made.append(event)
        await self.session.flush()
        return series, made

    async def get(self, series_id: int, user: User | None) -> tuple[EventSeries, list[Event]]:
        """The series and the occurrences `user` may see; 404 when they may see none."""
        series = await self.session.get(EventSeries, series_id)
        if series is None:
            raise NotFound("series_not_found")
        visible = [event for event in await self._occurrences(series.id) if await sees(self.session, event, user)]
        if not visible:
            raise NotFound("series_not_found")
        return series, visible

    async def update_following(
        self, series_id: int, event_id: int, data: FollowingPatch, user: User
    ) -> tuple[EventSeries, list[Event]]:
        """The change to the chosen occurrence and to every later one still open, each through the event rules
        (and their change notices). Times move every occurrence by the chosen one's shift of local wall-clock time."""
        series, chosen = await self._occurrence(series_id, event_id, user)
        later = [
            event
            for event in await self._occurrences(series.id)
            if event.start_date > chosen.start_date and event.status not in CLOSED
        ]
        changes = data.changes()
        zone = ZoneInfo(chosen.timezone)
        old_start, old_end = _wall(chosen.start_date, zone), _wall(chosen.end_date, zone)
        new_start = _wall(changes.pop("start_date", chosen.start_date), zone)
        new_end = _wall(changes.pop("end_date", chosen.end_date), zone, "end_date")
        moves = new_start != old_start or new_end != old_end
        sent_deadline = "registration_deadline" in changes
        deadline = changes.pop("registration_deadline", None)
        lead = None if deadline is None else new_start - _wall(deadline, zone, "registration_deadline")
        for event in [chosen, *later]:
            own = dict(changes)
            event_zone = ZoneInfo(event.timezone)
            try:
                start = _wall(event.start_date, event_zone) + (new_start - old_start)
                if moves:
                    own["start_date"] = _at(start, event_zone)
                    own["end_date"] = _at(start + (new_end - new_start), event_zone)
                if sent_deadline:
                    own["registration_deadline"] = None if lead is None else _at(start - lead, event_zone)
                elif moves and event.registration_deadline is not None:
                    shifted = _wall(event.registration_deadline, event_zone) + (new_start - old_start)
                    own["registration_deadline"] = _at(shifted, event_zone)
            except OverflowError:  # a shift that carries a later occurrence beyond year 9999
                raise ValidationFailed.single("start_date", "out_of_range") from None
            await _for_occurrence(self.events.patch(event.id, EventPatch(**own), user), start)
        return series, await self._occurrences(series.id)

    async def cancel(self, series_id: int, from_event: int | None, user: User) -> tuple[EventSeries, list[Event]]:
        """Cancel `from_event` and every later occurrence (default: every upcoming one), each by the event rules
        (and their cancellation notices). Occurrences already cancelled or completed are left as they are."""
        if from_event is not None:
            series, anchor = await self._occurrence(series_id, from_event, user)
            occurrences = await self._occurrences(series.id)
            targets = [event for event in occurrences if event.start_date >= anchor.start_date]
        else:
            series, occurrences = await self._managed(series_id, user)
            now = utcnow()
            targets = [event for event in occurrences if event.start_date > now]
        for event in targets:
            if event.status not in CLOSED:
                await self.events.cancel(event.id, user)
        return series, await self._occurrences(series.id)

    async def calendar(
        self, series_id: int, user: User | None, *, event_url: Callable[[int], str], now: dt.datetime
    ) -> str:
        """Every occurrence `user` may see as one iCalendar: a VEVENT each (its own UID), DTSTART in its TZID."""
        _, occurrences = await self.get(series_id, user)
        organizer_ids = {event.organizer_id for event in occurrences}
        organizers = {
            person.id: display_name(person.first_name, person.last_name, person.username)
            for person in await self.session.scalars(select(User).where(User.id.in_(organizer_ids)))
        }
        events = [
            CalendarEvent(
                uid=str(event.id),
                title=event.title,
                description=event.description,
                address=event.address,
                city=event.city,
                state=event.state,
                latitude=event.latitude,
                longitude=event.longitude,
                start=event.start_date,
                end=event.end_date,
                timezone=event.timezone,
                url=event_url(event.id),
                organizer_name=organizers[event.organizer_id],
                status=event.status,
                updated_at=event.updated_at,
            )
            for event in occurrences
        ]
        return calendar_ics(events, now=now, name=occurrences[0].title)

    async def _occurrence(self, series_id: int, event_id: int, user: User) -> tuple[EventSeries, Event]:
        """The series and one of its occurrences, if `user` may change it (404/403 as for the event)."""
        series = await self.session.get(EventSeries, series_id)
        if series is None:
            raise NotFound("series_not_found")
        event = await self.events.get_for_change(event_id, user)
        if event.series_id != series.id:
            raise NotFound("occurrence_not_in_series")
        return series, event

    async def _managed(self, series_id: int, user: User) -> tuple[EventSeries, list[Event]]:
        """The series and its occurrences, if `user` may change its first occurrence (404/403 as for the event)."""
        series = await self.session.get(EventSeries, series_id)
        occurrences = [] if series is None else await self._occurrences(series.id)
        if series is None or not occurrences:
            raise NotFound("series_not_found")
        await self.events.get_for_change(occurrences[0].id, user)
        return series, occurrences

    async def _occurrences(self, series_id: int) -> list[Event]:
        statement = select(Event).where(Event.series_id == series_id).order_by(Event.start_date, Event.id)
        return list((await self.session.scalars(statement.execution_options(populate_existing=True))).all())


async def _for_occurrence(step: Any, local_start: dt.datetime) -> Event:
    """Await one occurrence's event rule; a refusal names the occurrence (its local start) in each field error."""
    try:
        event: Event = await step
    except ValidationFailed as refused:
        when = local_start.isoformat()
        raise ValidationFailed(
            [FieldError(e.field, e.code, {**e.params, "occurrence": when}) for e in refused.errors]
        ) from None
    return event


def occurrence_reads(events: Sequence[Event]) -> list[OccurrenceRead]:
    """Times in each occurrence's own zone, as the event answers them."""
    return [
        OccurrenceRead(
            id=event.id,
            start_date=event.start_date.astimezone(ZoneInfo(event.timezone)),
            end_date=event.end_date.astimezone(ZoneInfo(event.timezone)),
            status=event.status,  # type: ignore[arg-type]
        )
        for event in events
    ]
