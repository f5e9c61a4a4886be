"""Reading participations: an event's participants (by audience) and a volunteer's history.

Each read is a count and one page query, whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User, UserProfile, display_name
from app.domain.events.models import Event, EventCategory
from app.domain.participation.models import EventParticipant
from app.domain.participation.schemas import HistoryEntry, HistoryEvent, ParticipantRead

Audience = Literal["everything", "names"]


def participant_audience(*, manages_event: bool, participation_status: str | None) -> Audience | None:
    """What one may see of an event's participants: the organizer and staff everything (emergency data
    included), a confirmed participant the names and avatars of the confirmed, anyone else nothing."""
    if manages_event:
        return "everything"
    if participation_status == "confirmed":
        return "names"
    return None


# The columns `participant_from_row` reads, in order (SQL text for asyncpg, the same list for SQLAlchemy).
PARTICIPANT_SQL = """
    SELECT ep.id, ep.user_id, u.username, u.first_name, u.last_name, p.avatar_url, u.email, p.phone, ep.status,
           ep.emergency_contact, ep.emergency_phone, ep.special_needs, ep.experience_level, ep.checked_in,
           ep.check_in_time, ep.joined_at
    FROM event_participants ep JOIN users u ON u.id = ep.user_id JOIN user_profiles p ON p.user_id = u.id
"""
PARTICIPANT_COLUMNS = (
    EventParticipant.id, EventParticipant.user_id, User.username, User.first_name, User.last_name,
    UserProfile.avatar_url, User.email, UserProfile.phone, EventParticipant.status, EventParticipant.emergency_contact,
    EventParticipant.emergency_phone, EventParticipant.special_needs, EventParticipant.experience_level,
    EventParticipant.checked_in, EventParticipant.check_in_time, EventParticipant.joined_at,
)  # fmt: skip


def participant_from_row(row: Sequence[Any], audience: Audience) -> ParticipantRead:
    name = display_name(row[3], row[4], row[2])
    if audience == "names":
        return ParticipantRead(id=row[0], user_name=name, user_avatar=row[5])
    return ParticipantRead(
        id=row[0],
        user=row[1],
        username=row[2],
        user_name=name,
        user_avatar=row[5],
        email=row[6],
        phone=row[7],
        status=row[8],
        emergency_contact=row[9],
        emergency_phone=row[10],
        special_needs=row[11],
        experience_level=row[12],
        checked_in=row[13],
        check_in_time=row[14],
        joined_at=row[15],
    )


class ParticipationQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def participants(
        self, event_id: int, *, audience: Audience, status: str | None, offset: int, limit: int
    ) -> tuple[int, list[Any]]:
        conditions: list[Any] = [EventParticipant.event_id == event_id]
        if audience == "names":
            conditions.append(EventParticipant.status == "confirmed")
        elif status is not None:
            conditions.append(EventParticipant.status == status)
        count = await self.session.scalar(select(func.count()).select_from(EventParticipant).where(*conditions))
        rows = (
            await self.session.execute(
                select(*PARTICIPANT_COLUMNS)
                .join(User, User.id == EventParticipant.user_id)
                .join(UserProfile, UserProfile.user_id == User.id)
                .where(*conditions)
                .order_by(EventParticipant.arrival)
                .offset(offset)
                .limit(limit)
            )
        ).all()
        return int(count or 0), [participant_from_row(row, audience) for row in rows]

    async def history(self, user_id: int, *, offset: int, limit: int) -> tuple[int, list[HistoryEntry]]:
        """The user's participations, most recent event first."""
        count = await self.session.scalar(
            select(func.count()).select_from(EventParticipant).where(EventParticipant.user_id == user_id)
        )
        rows = (
            await self.session.execute(
                select(
                    EventParticipant,
                    Event.id,
                    Event.title,
                    EventCategory.name,
                    Event.city,
                    Event.state,
                    Event.start_date,
                    Event.end_date,
                    Event.status,
                )
                .join(Event, Event.id == EventParticipant.event_id)
                .join(EventCategory, EventCategory.id == Event.category_id)
                .where(EventParticipant.user_id == user_id)
                .order_by(Event.start_date.desc(), Event.id)
                .offset(offset)
                .limit(limit)
            )
        ).all()
        return int(count or 0), [
            HistoryEntry(
                id=p.id,
                event=HistoryEvent(
                    id=event_id,
                    title=title,
                    category=category,
                    city=city,
                    state=state,
                    start_date=start,
                    end_date=end,
                    status=event_status,
                ),
                status=p.status,
                checked_in=p.checked_in,
                check_in_time=p.check_in_time,
                joined_at=p.joined_at,
            )
            for p, event_id, title, category, city, state, start, end, event_status in rows
        ]
