"""Dirty spots (issue 16): a place someone reported as needing a mutirão, the people who confirmed it is there,
and its photos. A spot is `open`, then `scheduled` once an event is planned for it, then `cleaned` when that
event's report is filed; staff may hide an abusive report at any point."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase

SPOT_KINDS = ("trash", "rubble", "illegal_dumping", "polluted_water", "other")
# What it would take to clear it: a few bags, a car load, a truck load or more.
SPOT_SIZES = ("small", "medium", "large")
SPOT_STATUSES = ("open", "scheduled", "cleaned", "hidden")
# Spots a new report may be a duplicate of.
OPEN_STATUSES = ("open", "scheduled")
MAX_DESCRIPTION_LENGTH = 1000
MAX_SPOT_PHOTOS = 5


def _choices(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


class Spot(IdentityAuditBase):
    __tablename__ = "spots"
    __table_args__ = (
        CheckConstraint(f"kind IN {_choices(SPOT_KINDS)}", name="kind_known"),
        CheckConstraint(f"size IN {_choices(SPOT_SIZES)}", name="size_known"),
        CheckConstraint(f"status IN {_choices(SPOT_STATUSES)}", name="status_known"),
        CheckConstraint("confirmations_count >= 0", name="confirmations_positive"),
        # Listing: newest first, narrowed by status and kind.
        Index("ix_spots_status_created", "status", "created_at"),
        Index("ix_spots_kind_created", "kind", "created_at"),
        Index("ix_spots_created", "created_at"),
        # Near a point and bounding boxes: the box first (GiST), then the exact great-circle distance.
        Index(
            "ix_spots_position",
            literal_column("point(longitude, latitude)"),
            postgresql_using="gist",
            postgresql_include=["latitude", "longitude", "kind", "status"],
        ),
    )

    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(String(MAX_DESCRIPTION_LENGTH), default="")
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), default=None, index=True)
    confirmations_count: Mapped[int] = mapped_column(Integer, default=0)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    hidden_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class SpotConfirmation(IdentityAuditBase):
    """Someone else saw the same spot: counted once per person."""

    __tablename__ = "spot_confirmations"
    __table_args__ = (UniqueConstraint("spot_id", "user_id", name="uq_spot_confirmations_spot_user"),)

    spot_id: Mapped[int] = mapped_column(ForeignKey("spots.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class SpotPhoto(IdentityAuditBase):
    """A photo of the spot as reported, cleaned like an event photo (no metadata, upright)."""

    __tablename__ = "spot_photos"
    __table_args__ = (Index("ix_spot_photos_spot_created", "spot_id", "created_at"),)

    spot_id: Mapped[int] = mapped_column(ForeignKey("spots.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    photo: Mapped[str] = mapped_column(String(200))
    # Made with the photo; null only for photos stored before thumbnails existed.
    thumbnail: Mapped[str | None] = mapped_column(String(200), default=None)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
