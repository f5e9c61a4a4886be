"""Photos of an event, uploaded by its organizer and participants: the file's name in the media storage, and
its thumbnail's once the job has made it."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase

MAX_CAPTION_LENGTH = 500


class EventPhoto(IdentityAuditBase):
    __tablename__ = "event_photos"
    __table_args__ = (
        CheckConstraint("NOT (is_before AND is_after)", name="before_or_after"),
        # An event's photos, newest first.
        Index("ix_event_photos_event_created", "event_id", "created_at"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    photo: Mapped[str] = mapped_column(String(200))
    thumbnail: Mapped[str | None] = mapped_column(String(200), default=None)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(String(MAX_CAPTION_LENGTH), default="")
    is_before: Mapped[bool] = mapped_column(Boolean, default=False)
    is_after: Mapped[bool] = mapped_column(Boolean, default=False)
