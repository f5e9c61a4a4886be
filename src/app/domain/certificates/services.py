"""Certificate rules: which certificate a number names, issuing (once per set of figures), verifying, revoking.

A certificate states the volunteer's verified contributions — the rows the statistics jobs write from check-ins
and reports, the very figures `/api/users/stats/` sums — never a figure of its own. Verification recomputes them,
so a corrected report shows on a certificate issued before it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, NoReturn
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User, display_name
from app.domain.certificates.codes import CertificateCodes
from app.domain.certificates.models import Certificate
from app.domain.certificates.schemas import CertificateKind, CertifiedEvent, Statement, VerificationStatus
from app.domain.errors import Conflict, NotFound
from app.domain.impact.periods import instant
from app.domain.participation.models import EventParticipant
from app.domain.time import utcnow

# Years a bare number may name (`/2025.pdf`): from this one to the current calendar year in APP_TIMEZONE.
FIRST_YEAR = 2000

_CONTRIBUTIONS = """
    SELECT c.event_id, c.hours, e.title, e.start_date, e.end_date, e.timezone, e.address, e.city, e.state,
           u.first_name, u.last_name, u.username, o.name AS organization_name
    FROM volunteer_contributions c
    JOIN events e ON e.id = c.event_id
    JOIN users u ON u.id = e.organizer_id
    LEFT JOIN organizations o ON o.id = e.organization_id
    WHERE c.user_id = :user_id AND {subject}
    ORDER BY c.held_at, c.event_id
"""
# The event's own contribution; a year's are those held in it, in APP_TIMEZONE (as the year leaderboards count).
_EVENT_CONTRIBUTION_SQL = text(_CONTRIBUTIONS.format(subject="c.event_id = :event_id"))
_YEAR_CONTRIBUTIONS_SQL = text(_CONTRIBUTIONS.format(subject="c.held_at >= :year_from AND c.held_at < :year_to"))

_CERTIFICATE_LOCK_SPACE = 5_120_001
_LOCK_USER_SQL = text("SELECT pg_advisory_xact_lock(:space, hashtext(:user_id))")


class Subject(msgspec.Struct, frozen=True):
    """What a certificate is about: one event, or one calendar year."""

    kind: CertificateKind
    value: int

    @property
    def event_id(self) -> int | None:
        return self.value if self.kind == "event" else None

    @property
    def year(self) -> int | None:
        return self.value if self.kind == "year" else None


class Verification(msgspec.Struct, kw_only=True):
    status: VerificationStatus
    certificate: Certificate | None = None
    statement: Statement | None = None


class CertificateService:
    def __init__(self, session: AsyncSession, codes: CertificateCodes, *, timezone: str) -> None:
        self.session = session
        self.codes = codes
        self.timezone = timezone

    # --- which certificate ---

    async def resolve(self, user: User, number: int, kind: Literal["event", "year"] | None) -> Subject:
        """`kind` decides. Without it, a number that can only be a year (2000 to this year, and no event the caller
        joined has it as id) is that year; one that can only be an event id is that event; one that can be both
        is refused (409 `certificate_ambiguous`), never guessed: a certificate that exists is never answered for
        the other reading."""
        if kind is not None:
            return Subject(kind, number)
        could_be_year = FIRST_YEAR <= number <= utcnow().astimezone(ZoneInfo(self.timezone)).year
        if not could_be_year:
            return Subject("event", number)
        joined = await self.session.scalar(
            select(EventParticipant.id).where(EventParticipant.event_id == number, EventParticipant.user_id == user.id)
        )
        if joined is not None:
            raise Conflict("certificate_ambiguous", number=number)
        return Subject("year", number)

    # --- what it states ---

    async def statement(self, user: User, subject: Subject) -> Statement:
        """The caller's verified contributions to the subject, as they are now."""
        rows = (await self.session.execute(*self._contributions(user.id, subject))).all()
        events = [_certified_event(row) for row in rows]
        return Statement(
            kind=subject.kind,
            volunteer_name=user.full_name,
            event_id=subject.event_id,
            year=subject.year,
            events=events,
            total_hours=float(sum((Decimal(row.hours) for row in rows), Decimal(0))),
        )

    def _contributions(self, user_id: int, subject: Subject) -> tuple[Any, dict[str, Any]]:
        if subject.kind == "event":
            return _EVENT_CONTRIBUTION_SQL, {"user_id": user_id, "event_id": subject.value}
        return _YEAR_CONTRIBUTIONS_SQL, {
            "user_id": user_id,
            "year_from": instant(dt.date(subject.value, 1, 1), self.timezone),
            "year_to": instant(dt.date(subject.value + 1, 1, 1), self.timezone),
        }

    # --- issuing ---

    async def issue(self, user: User, subject: Subject) -> tuple[Certificate, Statement]:
        """The caller's certificate for the subject. Asking again while its figures stand gives the same one (same
        code, same issue date); once they change (a corrected report), a new one with the new figures — the old
        one still verifies, and says its figures changed."""
        if subject.kind == "year" and not 1 <= subject.value <= 9998:
            raise NotFound("certificate_year_empty", year=subject.value)
        statement = await self.statement(user, subject)
        if not statement.events:
            await self._explain_missing(user, subject)
        hours = Decimal(str(statement.total_hours)).quantize(Decimal("0.01"))
        # One issuing transaction per volunteer at a time: two downloads at once share one code.
        await self.session.execute(_LOCK_USER_SQL, {"space": _CERTIFICATE_LOCK_SPACE, "user_id": str(user.id)})
        same_subject = (
            Certificate.event_id == subject.value if subject.kind == "event" else Certificate.year == subject.value
        )
        existing = await self.session.scalar(
            select(Certificate)
            .where(
                Certificate.user_id == user.id,
                Certificate.kind == subject.kind,
                same_subject,
                Certificate.revoked_at.is_(None),
                Certificate.hours == hours,
                Certificate.events == len(statement.events),
            )
            .order_by(Certificate.issued_at.desc())
            .limit(1)
        )
        if existing is not None:
            return existing, statement
        certificate = Certificate(
            user_id=user.id,
            kind=subject.kind,
            event_id=subject.event_id,
            year=subject.year,
            serial=self.codes.new_serial(),
            hours=hours,
            events=len(statement.events),
            issued_at=utcnow(),
            revoke_reason="",
        )
        self.session.add(certificate)
        await self.session.flush()
        return certificate, statement

    async def _explain_missing(self, user: User, subject: Subject) -> NoReturn:
        if subject.kind == "year":
            raise NotFound("certificate_year_empty", year=subject.value)
        checked_in = await self.session.scalar(
            select(EventParticipant.id).where(
                EventParticipant.event_id == subject.value,
                EventParticipant.user_id == user.id,
                EventParticipant.status == "confirmed",
                EventParticipant.checked_in.is_(True),
            )
        )
        held = checked_in is not None and await self.session.scalar(
            text("SELECT status IN ('published', 'completed') FROM events WHERE id = :id"), {"id": subject.value}
        )
        if held:
            # Checked in at a mutirão that took place: the statistics job has not credited the hours yet.
            raise Conflict("certificate_not_verified_yet")
        raise NotFound("certificate_event_not_attended")

    # --- verifying ---

    async def verify(self, code: str) -> Verification:
        serial = self.codes.serial_of(code)
        if serial is None:
            return Verification(status="forged")
        certificate = await self.session.scalar(select(Certificate).where(Certificate.serial == serial))
        if certificate is None:
            return Verification(status="unknown")
        holder = await self.session.get(User, certificate.user_id)
        assert holder is not None  # a certificate cascades with its user
        statement = await self.statement(holder, _subject_of(certificate))
        status: VerificationStatus = "revoked" if certificate.revoked_at is not None else "genuine"
        return Verification(status=status, certificate=certificate, statement=statement)

    # --- revoking ---

    async def revoke(self, code: str, user: User, reason: str) -> Certificate:
        """The holder revokes their own, staff any; to anyone else it does not exist. Revoking twice changes
        nothing (the first date and reason stay)."""
        serial = self.codes.serial_of(code)
        certificate = None
        if serial is not None:
            certificate = await self.session.scalar(
                select(Certificate).where(Certificate.serial == serial).with_for_update()
            )
        if certificate is None or (certificate.user_id != user.id and not user.is_staff):
            raise NotFound("certificate_not_found")
        if certificate.revoked_at is None:
            now = utcnow()
            certificate.revoked_at = now
            certificate.revoked_by_id = user.id
            certificate.revoke_reason = reason.strip()
            certificate.updated_at = now
            await self.session.flush()
        return certificate

    # --- listing ---

    async def mine(self, user: User, *, offset: int, limit: int) -> tuple[int, list[Certificate]]:
        """The caller's certificates, newest first."""
        count = await self.session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.user_id == user.id)
        )
        page = await self.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return int(count or 0), list(page.all())


def _subject_of(certificate: Certificate) -> Subject:
    value = certificate.event_id if certificate.kind == "event" else certificate.year
    assert value is not None  # the table's one_subject check
    return Subject(certificate.kind, value)  # type: ignore[arg-type]


def _certified_event(row: Any) -> CertifiedEvent:
    return CertifiedEvent(
        event_id=row.event_id,
        title=row.title,
        start_date=row.start_date,
        end_date=row.end_date,
        timezone=row.timezone,
        address=row.address,
        city=row.city,
        state=row.state,
        organizer_name=display_name(row.first_name, row.last_name, row.username),
        organization_name=row.organization_name,
        hours=float(row.hours),
    )
