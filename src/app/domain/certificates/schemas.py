"""What a certificate states, and the API's shapes for certificates and their verification."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

CertificateKind = Literal["event", "year"]
VerificationStatus = Literal["genuine", "revoked", "forged", "unknown"]


class CertifiedEvent(msgspec.Struct, kw_only=True):
    """One mutirão a certificate vouches for, with the volunteer's verified hours at it."""

    event_id: int
    title: str
    start_date: dt.datetime
    end_date: dt.datetime
    timezone: str
    address: str
    city: str
    state: str
    organizer_name: str
    organization_name: str | None
    hours: float


class Statement(msgspec.Struct, kw_only=True):
    """What a certificate says, computed from the verified data as it is now."""

    kind: CertificateKind
    volunteer_name: str
    event_id: int | None
    year: int | None
    events: list[CertifiedEvent]
    total_hours: float


class CertificateRead(msgspec.Struct, kw_only=True):
    """A certificate the caller downloaded (its figures as stated at issue)."""

    code: str
    kind: CertificateKind
    event_id: int | None
    year: int | None
    hours: float
    events: int
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    revoke_reason: str
    pdf_url: str
    verification_url: str


class CertificatePage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    results: list[CertificateRead]


class RevokeRequest(msgspec.Struct, kw_only=True):
    """Why, in the revoker's words (shown on the verification page)."""

    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class VerifiedCertificate(msgspec.Struct, kw_only=True):
    """A real certificate: what it states today (recomputed), beside the figures it stated when issued."""

    kind: CertificateKind
    volunteer_name: str
    event_id: int | None
    year: int | None
    events: list[CertifiedEvent]
    total_hours: float
    issued_at: dt.datetime
    issued_hours: float
    issued_events: int
    figures_changed: bool
    revoked_at: dt.datetime | None
    revoke_reason: str


class CertificateVerification(msgspec.Struct, kw_only=True):
    """`genuine`: issued here and standing; `revoked`: issued here, withdrawn; `forged`: its check characters are
    not ours (made up, or mistyped); `unknown`: correctly signed, but no such certificate is on record."""

    code: str
    status: VerificationStatus
    genuine: bool
    message: str
    certificate: VerifiedCertificate | None
