"""Comment rules: who may comment, edit and delete, and how a page of a thread is read.

Whoever can see an event can read and write its comments; the author edits and deletes their own; the
event's organizer and staff may delete any (moderation), but never put words in someone's mouth (no edit).
A page of the thread costs a constant number of queries: a count, the page, and all the page's replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User, UserProfile, display_name
from app.domain.comments.models import MAX_CONTENT_LENGTH, EventComment
from app.domain.comments.schemas import CommentEdit, CommentRead, CommentWrite
from app.domain.errors import NotFound, PermissionDenied, ValidationFailed
from app.domain.events.access import manages, visible_event
from app.domain.events.models import Event
from app.domain.time import utcnow

# A comment with its author's name and avatar, as the thread shows it.
_THREAD = (
    select(
        EventComment.id,
        EventComment.content,
        EventComment.parent_id,
        EventComment.user_id,
        User.username,
        User.first_name,
        User.last_name,
        UserProfile.avatar_url,
        EventComment.created_at,
        EventComment.updated_at,
    )
    .join(User, User.id == EventComment.user_id)
    .outerjoin(UserProfile, UserProfile.user_id == User.id)
)
_OLDEST_FIRST = (EventComment.created_at, EventComment.id)


def comment_read(comment: EventComment, author: User, replies: list[CommentRead]) -> CommentRead:
    """A comment just written, answered to its author."""
    return CommentRead(
        id=comment.id,
        content=comment.content,
        parent=comment.parent_id,
        user=author.id,
        user_name=author.full_name,
        user_avatar=author.profile.avatar_url if author.profile else "",
        replies=replies,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
    )


def _thread_read(row: Any, replies: list[CommentRead]) -> CommentRead:
    return CommentRead(
        id=row.id,
        content=row.content,
        parent=row.parent_id,
        user=row.user_id,
        user_name=display_name(row.first_name, row.last_name, row.username),
        user_avatar=row.avatar_url or "",
        replies=replies,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _content(value: str) -> str:
    content = value.strip()
    if not content:
        raise ValidationFailed.single("content", "required")
    if len(content) > MAX_CONTENT_LENGTH:
        raise ValidationFailed.single("content", "too_long", max=MAX_CONTENT_LENGTH)
    if "\x00" in content:  # PostgreSQL text cannot hold it
        raise ValidationFailed.single("content", "invalid_value")
    return content


class CommentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def visible_event(self, event_id: int, user: User | None) -> Event:
        return await visible_event(self.session, event_id, user)

    async def page(self, event_id: int, user: User | None, offset: int, limit: int) -> tuple[int, list[CommentRead]]:
        """The event's top-level comments, oldest first, each with its replies (oldest first), and their count."""
        await self.visible_event(event_id, user)
        top_level = (EventComment.event_id == event_id, EventComment.parent_id.is_(None))
        count = await self.session.scalar(select(func.count()).select_from(EventComment).where(*top_level)) or 0
        if offset >= count:
            return count, []
        rows = (
            await self.session.execute(_THREAD.where(*top_level).order_by(*_OLDEST_FIRST).offset(offset).limit(limit))
        ).all()
        replies = await self.replies(event_id, [row.id for row in rows])
        return count, [_thread_read(row, replies.get(row.id, [])) for row in rows]

    async def replies(self, event_id: int, parent_ids: Sequence[int]) -> dict[int, list[CommentRead]]:
        """The replies to these comments, oldest first, by comment: one query however many."""
        if not parent_ids:
            return {}
        rows = await self.session.execute(
            _THREAD.where(EventComment.event_id == event_id, EventComment.parent_id.in_(parent_ids)).order_by(
                *_OLDEST_FIRST
            )
        )
        found: dict[int, list[CommentRead]] = {}
        for row in rows:
            found.setdefault(row.parent_id, []).append(_thread_read(row, []))
        return found

    async def add(self, event_id: int, user: User, data: CommentWrite) -> EventComment:
        event = await self.visible_event(event_id, user)
        content = _content(data.content)
        if data.parent is not None:
            # Share-lock the parent: a concurrent delete waits, so the reply never points at nothing.
            parent = await self.session.scalar(
                select(EventComment).where(EventComment.id == data.parent).with_for_update(key_share=True)
            )
            if parent is None or parent.event_id != event.id:
                raise ValidationFailed.single("parent", "comment_parent_invalid")
            if parent.parent_id is not None:
                raise ValidationFailed.single("parent", "comment_reply_to_reply")
        comment = EventComment(event_id=event.id, user_id=user.id, parent_id=data.parent, content=content)
        self.session.add(comment)
        await self.session.flush()
        return comment

    async def edit(self, event_id: int, comment_id: int, user: User, data: CommentEdit) -> EventComment:
        await self.visible_event(event_id, user)
        comment = await self._comment(event_id, comment_id)
        if comment.user_id != user.id:
            raise PermissionDenied("not_comment_author")
        comment.content = _content(data.content)
        comment.updated_at = utcnow()
        await self.session.flush()
        return comment

    async def delete(self, event_id: int, comment_id: int, user: User) -> None:
        """The author, the event's organizer or staff; the replies go with it."""
        event = await self.visible_event(event_id, user)
        comment = await self._comment(event_id, comment_id)
        if comment.user_id != user.id and not await manages(self.session, event, user):
            raise PermissionDenied("comment_delete_denied")
        await self.session.delete(comment)
        await self.session.flush()

    async def _comment(self, event_id: int, comment_id: int) -> EventComment:
        comment: EventComment | None = await self.session.scalar(
            select(EventComment).where(EventComment.id == comment_id, EventComment.event_id == event_id)
        )
        if comment is None:
            raise NotFound("comment_not_found")
        return comment
