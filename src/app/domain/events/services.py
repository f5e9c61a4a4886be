"""Event rules: who may change an event, what a valid event is, and its life cycle."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User
from app.domain.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.domain.events.access import require_manager, require_owner, visible_event
from app.domain.events.models import Event, EventCategory, event_co_organizers
from app.domain.events.schemas import CategoryPatch, CategoryWrite, CoOrganizerAdd, EventPatch, EventWrite
from app.domain.events.search import search_text
from app.domain.notifications.new_events import queue_new_event_notices
from app.domain.notifications.notices import queue_notice
from app.domain.organizations.models import Organization, OrganizationMember
from app.domain.participation.services import ParticipationService
from app.domain.places import is_state
from app.domain.spots import lifecycle as spot_lifecycle
from app.domain.time import localize, utcnow

TITLE_MIN_LENGTH = 3
TEXT_LIMITS = {
    "title": 200,
    "description": 10_000,
    "address": 300,
    "city": 100,
    "required_tools": 2000,
    "provided_tools": 2000,
    "what_to_bring": 2000,
    "cover_image_url": 500,
}
TIME_FIELDS = ("start_date", "end_date", "registration_deadline")
# A change to any of these is a change of time or place: the participants are told.
NOTICEABLE_FIELDS = ("start_date", "end_date", "address", "latitude", "longitude", "city", "state")


class EventService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- categories ---

    async def categories(self) -> list[EventCategory]:
        return list((await self.session.scalars(select(EventCategory).order_by(EventCategory.name))).all())

    async def create_category(self, data: CategoryWrite, user: User) -> EventCategory:
        _require_staff(user)
        category = EventCategory(name=data.name.strip(), description=data.description, icon=data.icon, color=data.color)
        self.session.add(category)
        await self._flush_category()
        return category

    async def update_category(self, category_id: int, data: CategoryPatch, user: User) -> EventCategory:
        _require_staff(user)
        category = await self.session.get(EventCategory, category_id)
        if category is None:
            raise NotFound("category_not_found")
        for field, value in data.changes().items():
            setattr(category, field, value.strip() if field == "name" else value)
        await self._flush_category()
        return category

    async def _flush_category(self) -> None:
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            raise ValidationFailed.single("name", "category_name_taken") from None

    # --- events ---

    async def get_for_change(self, event_id: int, user: User, *, lock: bool = False) -> Event:
        """The event, if `user` may change it: 404 when they may not even see it, 403 when they only may see it."""
        statement = select(Event).where(Event.id == event_id)
        if lock:
            statement = statement.with_for_update(of=Event)
        event = (await self.session.scalars(statement)).unique().one_or_none()
        if event is None:
            raise NotFound("event_not_found")
        return await require_manager(self.session, event, user)

    async def create(self, data: EventWrite, organizer: User, *, spot_id: int | None = None) -> Event:
        """`spot_id`: the event is made from that dirty spot, which must be open (it becomes `scheduled`)."""
        values = _normalised(_fields_of(data), data.timezone)
        now = utcnow()
        errors = await self._problems(values)
        if values["start_date"] <= now:
            errors.append(FieldError("start_date", "start_in_past"))
        if errors:
            raise ValidationFailed(errors)
        await self._check_organization(values["organization_id"], organizer)
        spot = None if spot_id is None else await spot_lifecycle.claim(self.session, spot_id)
        event = Event(organizer_id=organizer.id, **values)
        event.search_text = search_text(event.title, event.description, event.city)
        self.session.add(event)
        await self.session.flush()
        if spot is not None:
            await spot_lifecycle.schedule(self.session, spot, event)
        if event.status == "published":
            await queue_new_event_notices(self.session, event.id)
        return event

    async def replace(self, event_id: int, data: EventWrite, user: User) -> Event:
        fields = _fields_of(data)
        fields.pop("status")  # PUT edits the event; its life cycle has its own actions
        return await self._update(event_id, fields, user)

    async def patch(self, event_id: int, data: EventPatch, user: User) -> Event:
        return await self._update(event_id, data.changes(), user)

    async def _update(self, event_id: int, changes: dict[str, Any], user: User) -> Event:
        event = await self.get_for_change(event_id, user, lock=True)
        if event.status in {"cancelled", "completed"}:
            raise Conflict("event_closed")
        timezone = changes.get("timezone", event.timezone)
        changes = _normalised(changes, timezone)
        merged = {field: getattr(event, field) for field in _WRITABLE} | changes
        errors = await self._problems(merged)
        moved_start = "start_date" in changes and changes["start_date"] != event.start_date
        if moved_start and changes["start_date"] <= utcnow():
            errors.append(FieldError("start_date", "start_in_past"))
        if errors:
            raise ValidationFailed(errors)
        if merged["max_participants"] < event.participants_count:
            raise Conflict("capacity_below_confirmed", confirmed=event.participants_count)
        changed = {field: value for field, value in changes.items() if value != getattr(event, field)}
        if changed.get("organization_id") is not None:
            await self._check_organization(changed["organization_id"], user)
        if not changed:
            return event  # an empty edit (or one that sends what is there) changes nothing, `updated_at` included
        moved = any(field in changed for field in NOTICEABLE_FIELDS)
        for field, value in changed.items():
            setattr(event, field, value)
        event.search_text = search_text(event.title, event.description, event.city)
        event.updated_at = utcnow()
        await self.session.flush()
        if moved and event.status == "published" and _has_participants(event):
            await queue_notice(self.session, "event_changed", event_id=event.id)
        # More room: the waitlist moves up (the event is still locked).
        await ParticipationService(self.session).promote(event)
        return event

    async def publish(self, event_id: int, user: User) -> Event:
        event = await self.get_for_change(event_id, user, lock=True)
        if event.status != "draft":
            raise Conflict("event_not_draft")
        if event.start_date <= utcnow():
            raise ValidationFailed.single("start_date", "start_in_past")
        event.status = "published"
        event.updated_at = utcnow()
        await self.session.flush()
        await queue_new_event_notices(self.session, event.id)
        await spot_lifecycle.published(self.session, event.id)
        return event

    async def cancel(self, event_id: int, user: User) -> Event:
        event = await self.get_for_change(event_id, user, lock=True)
        if event.status in {"cancelled", "completed"}:
            raise Conflict("event_closed")
        await self._cancel(event)
        return event

    async def delete(self, event_id: int, user: User) -> Event | None:
        """Erase an event nobody joined; one with participants is cancelled instead (history is kept).

        Returns the cancelled event, or None when it was erased."""
        event = await require_owner(self.session, await self.get_for_change(event_id, user, lock=True), user)
        if _has_participants(event):
            if event.status not in {"cancelled", "completed"}:
                await self._cancel(event)
            return event
        await self.session.execute(delete(Event).where(Event.id == event.id))
        await spot_lifecycle.release_orphans(self.session)
        return None

    async def _cancel(self, event: Event) -> None:
        """What cancelling the (locked) event does: its participants are told, its spots open again."""
        announced = event.status == "published"
        event.status = "cancelled"
        event.updated_at = utcnow()
        await self.session.flush()
        await spot_lifecycle.released(self.session, event.id, announced=announced)
        if _has_participants(event):
            await queue_notice(self.session, "event_cancelled", event_id=event.id)

    async def _check_organization(self, organization_id: int | None, user: User) -> None:
        """Only an organization's members (any role) may run an event under its name."""
        if organization_id is None:
            return
        if await self.session.get(Organization, organization_id) is None:
            raise ValidationFailed.single("organization", "organization_not_found")
        member = await self.session.scalar(
            select(func.count()).where(
                OrganizationMember.organization_id == organization_id, OrganizationMember.user_id == user.id
            )
        )
        if not (member or user.is_staff):
            raise PermissionDenied("not_organization_member")

    # --- co-organizers ---

    async def co_organizers(self, event_id: int, user: User | None) -> list[User]:
        """Public for whoever sees the event, like its organizer."""
        event = await visible_event(self.session, event_id, user)
        return await self._co_organizers_of(event)

    async def add_co_organizer(self, event_id: int, data: CoOrganizerAdd, user: User) -> list[User]:
        """The event's owners only (organizer, organization owners/admins, staff). Adding one twice changes
        nothing."""
        event = await require_owner(self.session, await self.get_for_change(event_id, user, lock=True), user)
        if event.status in {"cancelled", "completed"}:
            raise Conflict("event_closed")
        added = await self._user_named(data)
        if added.id == event.organizer_id:
            raise Conflict("already_organizer")
        team = await self._co_organizers_of(event)
        if all(member.id != added.id for member in team):
            if len(team) >= MAX_CO_ORGANIZERS:
                raise Conflict("too_many_co_organizers", max=MAX_CO_ORGANIZERS)
            await self.session.execute(
                insert(event_co_organizers).values(event_id=event.id, user_id=added.id, added_by_id=user.id)
            )
            team = await self._co_organizers_of(event)
        return team

    async def remove_co_organizer(self, event_id: int, co_organizer_id: int, user: User) -> None:
        """The event's owners, or the co-organizer stepping down."""
        event = await self.get_for_change(event_id, user, lock=True)
        if co_organizer_id != user.id:
            await require_owner(self.session, event, user)
        removed = await self.session.execute(
            delete(event_co_organizers).where(
                event_co_organizers.c.event_id == event.id, event_co_organizers.c.user_id == co_organizer_id
            )
        )
        if not removed.rowcount:  # type: ignore[attr-defined]
            raise NotFound("co_organizer_not_found")

    async def _co_organizers_of(self, event: Event) -> list[User]:
        statement = (
            select(User)
            .join(event_co_organizers, event_co_organizers.c.user_id == User.id)
            .where(event_co_organizers.c.event_id == event.id)
            .order_by(event_co_organizers.c.created_at, User.id)
        )
        return list((await self.session.scalars(statement)).unique().all())

    async def _user_named(self, data: CoOrganizerAdd) -> User:
        if (data.username is None) == (data.user_id is None):
            raise ValidationFailed.single("username", "username_or_user_id_required")
        if data.user_id is not None:
            condition = User.id == data.user_id
        else:
            condition = func.lower(User.username) == (data.username or "").strip().lower()
        found = await self.session.scalar(select(User).where(condition, User.is_active))
        if found is None:
            raise ValidationFailed.single("user_id" if data.user_id is not None else "username", "user_not_found")
        return found

    async def _problems(self, values: dict[str, Any]) -> list[FieldError]:
        errors = _value_problems(values)
        category_id = values.get("category_id")
        if category_id is not None:
            exists = await self.session.scalar(select(func.count()).where(EventCategory.id == category_id))
            if not exists:
                errors.append(FieldError("category", "category_not_found"))
        return errors


_WRITABLE = (
    "title", "description", "category_id", "address", "latitude", "longitude", "city", "state", "start_date",
    "end_date", "registration_deadline", "timezone", "max_participants", "min_age", "max_age", "is_public",
    "requires_approval", "required_tools", "provided_tools", "what_to_bring", "cover_image_url", "organization_id",
)  # fmt: skip
# An event's team stays small enough to list whole.
MAX_CO_ORGANIZERS = 20


def _fields_of(data: EventWrite) -> dict[str, Any]:
    """The event's columns: a body's other fields (`EventCreate.spot`) are actions, not columns."""
    values = {field: getattr(data, field) for field in EventWrite.__struct_fields__}
    values["category_id"] = values.pop("category")
    values["organization_id"] = values.pop("organization")
    return values


def _normalised(values: dict[str, Any], timezone: str) -> dict[str, Any]:
    """Trim text, upper-case the state, read naive timestamps in the event's zone, rename `category`."""
    result = dict(values)
    if "category" in result:
        result["category_id"] = result.pop("category")
    if "organization" in result:
        result["organization_id"] = result.pop("organization")
    for field in ("title", "address", "city"):
        if isinstance(result.get(field), str):
            result[field] = result[field].strip()
    if isinstance(result.get("state"), str):
        result["state"] = result["state"].strip().upper()
    if _valid_timezone(timezone):
        for field in TIME_FIELDS:
            if isinstance(result.get(field), dt.datetime):
                result[field] = localize(result[field], timezone)
    return result


def _valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        return False
    return True


def _value_problems(values: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    title = values.get("title", "")
    if len(title) < TITLE_MIN_LENGTH:
        errors.append(FieldError("title", "too_short", {"min": TITLE_MIN_LENGTH}))
    for field, limit in TEXT_LIMITS.items():
        value = values.get(field)
        if isinstance(value, str) and len(value) > limit:
            errors.append(FieldError(field, "too_long", {"max": limit}))
    state = values.get("state", "")
    if state and not is_state(state):
        errors.append(FieldError("state", "state_invalid"))
    if not _valid_timezone(values.get("timezone", "")):
        errors.append(FieldError("timezone", "timezone_invalid"))
        return errors
    start, end, deadline = values.get("start_date"), values.get("end_date"), values.get("registration_deadline")
    if start is not None and end is not None and start >= end:
        errors.append(FieldError("end_date", "end_before_start"))
    if deadline is not None and start is not None and deadline > start:
        errors.append(FieldError("registration_deadline", "deadline_after_start"))
    max_age = values.get("max_age")
    if max_age is not None and values.get("min_age", 16) >= max_age:
        errors.append(FieldError("max_age", "max_age_not_above_min_age"))
    return errors


def _has_participants(event: Event) -> bool:
    """Anyone confirmed, pending or waitlisted."""
    return event.participants_count + event.waitlist_count + event.pending_count > 0


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied("staff_only")
