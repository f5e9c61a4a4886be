"""Issued certificates: who, for what (an event or a calendar year), the figures stated, and any revocation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase

CERTIFICATE_KINDS = ("event", "year")


class Certificate(IdentityAuditBase):
    """One certificate a volunteer downloaded. Its public code is `serial` plus an HMAC of it (see `codes`): the
    serial alone finds the row, the HMAC tells a typed code from a forged one without the database."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint(f"kind IN {CERTIFICATE_KINDS}", name="kind_known"),
        CheckConstraint(
            "(kind = 'event' AND event_id IS NOT NULL AND year IS NULL)"
            " OR (kind = 'year' AND year IS NOT NULL AND event_id IS NULL)",
            name="one_subject",
        ),
        Index("uq_certificates_serial", "serial", unique=True),
        Index("ix_certificates_user_issued", "user_id", "issued_at"),
        Index("ix_certificates_event_id", "event_id"),
        Index("ix_certificates_revoked_by_id", "revoked_by_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), default=None)
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    # Random, 50 bits in Crockford base32: the part of the code that names the row.
    serial: Mapped[str] = mapped_column(String(10))
    # What the certificate stated when it was issued; verification compares them with the figures of today.
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    events: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
