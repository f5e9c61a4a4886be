"""LGPD (SPEC §5): a user takes out all their data as JSON, and erases their account, leaving an anonymous history.

Erasure keeps what other people and the platform's figures rest on — past participations, check-ins, comments in
threads, verified hours, reports — under an anonymous name, and removes everything that identifies the person or
would let anyone act as them. What is still ahead is let go through the ordinary rules: a spot they held is given
to the waitlist, a pledge they made stops counting.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import NamedTuple
from uuid import uuid4

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import NOTIFICATION_KINDS, RefreshToken, User
from app.domain.accounts.passwords import PasswordHashing
from app.domain.accounts.schemas import ErasureRequest
from app.domain.accounts.services import lock_active_account
from app.domain.certificates.models import Certificate
from app.domain.errors import Conflict, ValidationFailed
from app.domain.events.models import Event, event_co_organizers
from app.domain.impact.services import StatisticsService
from app.domain.organizations.services import OrganizationService
from app.domain.participation.models import ACTIVE_STATUSES, EventParticipant
from app.domain.participation.services import ParticipationService
from app.domain.photos.pictures import PictureService
from app.domain.photos.storage import LocalMediaStorage
from app.domain.resources.services import ResourceService
from app.domain.spots import lifecycle as spot_lifecycle
from app.domain.time import utcnow

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "mutiroes-export/1"

# Never exported: a secret, and columns that only serve the database (ORM bookkeeping, the search column).
HIDDEN_COLUMNS = ("password_hash", "token_hash", "sa_orm_sentinel", "search_text")


class Section(NamedTuple):
    """One part of the export: the rows of `table` (as `t`) whose `user_column` is the user, oldest first."""

    name: str
    table: str
    user_column: str
    order_by: str
    # What makes a row readable on its own (the event's title beside its id): a join, and the fields it adds.
    join: str = ""
    labels: str = ""
    # One row (an object), not a list.
    single: bool = False


_EVENT = "JOIN events e ON e.id = t.event_id"

# Every table with a column pointing at users is here; a test compares this list with the schema.
SECTIONS = (
    Section("account", "users", "id", "created_at", single=True),
    Section("profile", "user_profiles", "user_id", "created_at", single=True),
    Section(
        "participations", "event_participants", "user_id", "joined_at",
        _EVENT, "'event_title', e.title, 'event_start_date', e.start_date",
    ),
    Section("organized_events", "events", "organizer_id", "start_date"),
    Section("comments", "event_comments", "user_id", "created_at", _EVENT, "'event_title', e.title"),
    Section("photos", "event_photos", "user_id", "created_at", _EVENT, "'event_title', e.title"),
    Section(
        "pledges", "resource_pledges", "user_id", "created_at",
        "JOIN event_resources r ON r.id = t.resource_id", "'resource_name', r.name, 'event_id', r.event_id",
    ),
    Section("badges", "user_badges", "user_id", "earned_at", "JOIN badges b ON b.id = t.badge_id", "'code', b.code"),
    Section("reports_filed", "event_reports", "reported_by_id", "created_at"),
    Section("contributions", "volunteer_contributions", "user_id", "held_at"),
    Section("statistics", "volunteer_totals", "user_id", "period_start"),
    Section("reminders_received", "event_reminders", "user_id", "sent_at"),
    Section("notices_received", "notice_deliveries", "user_id", "sent_at"),
    Section("sessions", "refresh_tokens", "user_id", "issued_at"),
    Section("organized_series", "event_series", "organizer_id", "created_at"),
    Section("co_organized_events", "event_co_organizers", "user_id", "created_at", _EVENT, "'event_title', e.title"),
    Section("co_organizers_added", "event_co_organizers", "added_by_id", "created_at"),
    Section(
        "organization_memberships", "organization_members", "user_id", "created_at",
        "JOIN organizations o ON o.id = t.organization_id", "'organization_name', o.name",
    ),
    Section(
        "organizations_followed", "organization_followers", "user_id", "created_at",
        "JOIN organizations o ON o.id = t.organization_id", "'organization_name', o.name",
    ),
    Section("invitations_received", "organization_invitations", "user_id", "created_at"),
    Section("invitations_sent", "organization_invitations", "invited_by_id", "created_at"),
    Section("new_event_notices", "new_event_notices", "user_id", "queued_at", _EVENT, "'event_title', e.title"),
    Section("new_event_emails", "new_event_emails", "user_id", "day"),
    Section("certificates", "certificates", "user_id", "issued_at"),
    Section("certificates_revoked", "certificates", "revoked_by_id", "revoked_at"),
    Section("spots_reported", "spots", "reporter_id", "created_at"),
    Section("spots_confirmed", "spot_confirmations", "user_id", "created_at"),
    Section("spot_photos", "spot_photos", "user_id", "created_at"),
    Section("spots_hidden", "spots", "hidden_by_id", "created_at"),
)  # fmt: skip


def _section_sql(section: Section) -> str:
    labelled = f"to_jsonb(t) || jsonb_build_object({section.labels})" if section.labels else "to_jsonb(t)"
    row = f"({labelled}) - CAST(:hidden AS text[])"
    source = f"FROM {section.table} t {section.join} WHERE t.{section.user_column} = :user_id"
    if section.single:
        return f"(SELECT {row} {source})"
    return f"COALESCE((SELECT jsonb_agg({row} ORDER BY t.{section.order_by}) {source}), '[]'::jsonb)"


# One statement: PostgreSQL builds the whole document, whatever the number of rows.
_EXPORT_SQL = text(
    "SELECT jsonb_build_object('format', CAST(:format AS text), 'exported_at', now(), "
    + ", ".join(f"'{section.name}', {_section_sql(section)}" for section in SECTIONS)
    + ")::text"
)


class PrivacyService:
    def __init__(self, session: AsyncSession, hashing: PasswordHashing, storage: LocalMediaStorage) -> None:
        self.session = session
        self.hashing = hashing
        self.storage = storage

    async def export(self, user: User) -> bytes:
        """Everything stored about the user, as one JSON document (the password hash aside)."""
        document: str = await self.session.scalar(
            _EXPORT_SQL, {"user_id": user.id, "hidden": list(HIDDEN_COLUMNS), "format": EXPORT_FORMAT}
        )
        return document.encode()

    async def erase(self, user: User, data: ErasureRequest) -> None:
        """Anonymise the account for good; what it did stays, under an anonymous name."""
        await lock_active_account(self.session, user.id, for_erasure=True)  # a second submit finds it erased
        if not await self.hashing.verify(user.password_hash, data.password):
            raise ValidationFailed.single("password", "password_wrong")
        now = utcnow()
        # Their volunteers count on those events: the organizer cancels them (and tells everyone) first.
        if await self.session.scalar(
            select(Event.id).where(Event.organizer_id == user.id, Event.status == "published", Event.end_date > now)
        ):
            raise Conflict("organizes_upcoming_events")
        await OrganizationService(self.session).let_go_of(user)
        await self._let_go_of_what_is_ahead(user, now)
        # Drafts were never shown to anyone.
        await self.session.execute(delete(Event).where(Event.organizer_id == user.id, Event.status == "draft"))
        await spot_lifecycle.release_orphans(self.session)
        await self.session.execute(
            update(EventParticipant)
            .where(EventParticipant.user_id == user.id)
            .values(emergency_contact="", emergency_phone="", special_needs="")
        )
        await self.session.execute(delete(RefreshToken).where(RefreshToken.user_id == user.id))
        # A certificate names its holder, and the name is going: its verification says revoked from now on.
        await self.session.execute(
            update(Certificate)
            .where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by_id=user.id, updated_at=now)
        )
        await PictureService(self.session, self.storage).clear_avatar(user)  # its file goes after the commit
        _anonymise(user, now)
        await self.session.flush()
        await StatisticsService(self.session).follow_privacy(user.id, public=False)
        logger.info("Account %s erased at its owner's request", user.id)

    async def _let_go_of_what_is_ahead(self, user: User, now: dt.datetime) -> None:
        """Pledges and places on events that have not started go back, through the rules of a withdrawal and a
        leave; so does a place on the team of an event that has not ended."""
        await ResourceService(self.session).withdraw_pledges(user.id, of_events_starting_after=now)
        joined = await self.session.scalars(
            select(EventParticipant.event_id)
            .join(Event, Event.id == EventParticipant.event_id)
            .where(
                EventParticipant.user_id == user.id,
                EventParticipant.status.in_(ACTIVE_STATUSES),
                Event.status == "published",
                Event.start_date > now,
            )
            .order_by(EventParticipant.event_id)  # one locking order for everyone
        )
        participations = ParticipationService(self.session)
        for event_id in joined.all():
            await participations.leave(event_id, user)
        # Teams of events still ahead lose the account; those of past events keep it, like their other history.
        await self.session.execute(
            delete(event_co_organizers).where(
                event_co_organizers.c.user_id == user.id,
                event_co_organizers.c.event_id.in_(select(Event.id).where(Event.end_date > now)),
            )
        )


def _anonymise(user: User, now: dt.datetime) -> None:
    marker = user.id
    user.username = f"removido-{marker}"
    user.email = f"{marker}@removido.invalid"
    user.first_name, user.last_name = "Usuário", "removido"
    user.password_hash = f"!erased:{uuid4().hex}"  # no password verifies against it
    user.password_changed_at = now
    user.is_active = False
    user.is_staff = False
    profile = user.profile
    profile.phone = profile.bio = profile.avatar_url = profile.city = profile.state = profile.zip_code = ""
    profile.birth_date = None
    profile.calendar_key = None  # the feed's URL stops working
    profile.interests = []
    profile.notification_preferences = dict.fromkeys(NOTIFICATION_KINDS, False)
    profile.is_public_profile = False
    profile.show_participation_history = False
    profile.updated_at = now
