"""Comments on an event: a conversation threaded one level deep (replies to top-level comments only)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase

MAX_CONTENT_LENGTH = 2000


class EventComment(IdentityAuditBase):
    __tablename__ = "event_comments"
    __table_args__ = (
        CheckConstraint(f"char_length(content) BETWEEN 1 AND {MAX_CONTENT_LENGTH}", name="content_length"),
        # An event's top-level comments (parent NULL) and a page's replies, oldest first.
        Index("ix_event_comments_event_parent_created", "event_id", "parent_id", "created_at"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Deleting a comment deletes its replies.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("event_comments.id", ondelete="CASCADE"), default=None)
    content: Mapped[str] = mapped_column(Text)
