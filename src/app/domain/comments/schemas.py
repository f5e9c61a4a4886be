"""Comments on the wire."""

from __future__ import annotations

import datetime as dt

import msgspec

from app.domain.ids import Id


class CommentWrite(msgspec.Struct, kw_only=True):
    content: str
    # Answer a top-level comment of the same event.
    parent: Id | None = None


class CommentEdit(msgspec.Struct, kw_only=True):
    content: str


class CommentRead(msgspec.Struct, kw_only=True):
    id: int
    content: str
    parent: int | None
    user: int
    user_name: str
    user_avatar: str
    # Oldest first; always empty on a reply (threads are one level deep).
    replies: list[CommentRead]
    created_at: dt.datetime
    updated_at: dt.datetime


class CommentPage(msgspec.Struct, kw_only=True):
    """The DRF envelope."""

    count: int
    next: str | None
    previous: str | None
    results: list[CommentRead]
