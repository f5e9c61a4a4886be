"""Event comments (SPEC): a thread per event, one level of replies, oldest first."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from app.api.dependencies import provide_comments, provide_current_user, provide_optional_user
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.api.params import PathId
from app.domain.accounts.models import User
from app.domain.comments.schemas import CommentEdit, CommentPage, CommentRead, CommentWrite
from app.domain.comments.services import CommentService, comment_read


class CommentController(Controller):
    path = "/api/events/{event_id:int}/comments"
    tags = ["comments"]
    dependencies = {
        "comments": Provide(provide_comments, sync_to_thread=False),
        # Resolved only by the handlers that ask for them.
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @get("/", operation_id="listComments", summary="An event's comments", responses=problems(400, 401, 404))
    async def list_comments(
        self,
        request: Request[Any, Any, Any],
        event_id: PathId,
        comments: NamedDependency[CommentService],
        viewer: NamedDependency[User | None],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> CommentPage:
        """Top-level comments, oldest first, each with its replies (oldest first), in the DRF envelope. Anyone who
        can see the event can read them; drafts and private events answer 404 to others."""
        window = Window(page, page_size, limit)
        count, results = await comments.page(event_id, viewer, window.offset, window.size)
        next_link, previous_link = window.links(request, count)
        return CommentPage(count=count, next=next_link, previous=previous_link, results=results)

    @post(
        "/",
        operation_id="addComment",
        summary="Comment on an event, or reply to a comment",
        security=BEARER,
        responses=problems(400, 401, 404, s400="Empty or too long, or a parent that cannot be replied to"),
    )
    async def add_comment(
        self,
        event_id: PathId,
        data: JSONBody[CommentWrite],
        comments: NamedDependency[CommentService],
        current_user: NamedDependency[User],
    ) -> CommentRead:
        """1 to 2000 characters (surrounding spaces are dropped). `parent` answers a top-level comment of the same
        event; replies cannot be answered (threads are one level deep)."""
        return comment_read(await comments.add(event_id, current_user, data), current_user, [])

    @patch(
        "/{comment_id:int}/",
        operation_id="editComment",
        summary="Edit a comment (its author)",
        security=BEARER,
        responses=problems(400, 401, 403, 404),
    )
    async def edit_comment(
        self,
        event_id: PathId,
        comment_id: PathId,
        data: JSONBody[CommentEdit],
        comments: NamedDependency[CommentService],
        current_user: NamedDependency[User],
    ) -> CommentRead:
        """Only the author may change what they wrote."""
        comment = await comments.edit(event_id, comment_id, current_user, data)
        replies = {} if comment.parent_id is not None else await comments.replies(event_id, [comment.id])
        return comment_read(comment, current_user, replies.get(comment.id, []))

    @delete(
        "/{comment_id:int}/",
        operation_id="deleteComment",
        summary="Delete a comment and its replies",
        security=BEARER,
        responses=problems(401, 403, 404),
    )
    async def delete_comment(
        self,
        event_id: PathId,
        comment_id: PathId,
        comments: NamedDependency[CommentService],
        current_user: NamedDependency[User],
    ) -> None:
        """The author, the event's organizer or staff."""
        await comments.delete(event_id, comment_id, current_user)
