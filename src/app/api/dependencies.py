"""Dependency providers: the request's transaction, services, and the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.cache import PublicCache
from app.api.read_routing import routing_of
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.accounts.privacy import PrivacyService
from app.domain.accounts.services import AccountService
from app.domain.accounts.tokens import TokenCodec
from app.domain.comments.services import CommentService
from app.domain.errors import AuthenticationFailed
from app.domain.events.queries import Viewer
from app.domain.events.services import EventService
from app.domain.participation.services import ParticipationService
from app.domain.resources.services import ResourceService

ANONYMOUS = Viewer()
T = TypeVar("T")


async def provide_transaction(
    db_session: NamedDependency[AsyncSession], state: State
) -> AsyncGenerator[AsyncSession, None]:
    """The request's unit of work: committed after a successful handler (before the answer leaves), else rolled back.
    After the commit, and only then, the public cache forgets the answers it changed (a reader before the commit
    would store the old answer again)."""
    cache: PublicCache = state.public_cache
    cache.watch(db_session)
    try:
        yield db_session
    except BaseException:
        await db_session.rollback()
        raise
    else:
        await db_session.commit()
        await cache.forget_changes_of(db_session)


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_accounts(transaction: NamedDependency[AsyncSession], state: State) -> AccountService:
    return AccountService(transaction, state.password_hashing, state.token_codec)


def provide_privacy(transaction: NamedDependency[AsyncSession], state: State) -> PrivacyService:
    return PrivacyService(transaction, state.password_hashing, state.media)


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("token_invalid")
    return token.strip()


async def provide_current_user(request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]) -> User:
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed("not_authenticated")
    return await accounts.user_for_access_token(token)


async def provide_optional_user(
    request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
) -> User | None:
    """The caller when a token is sent; a bad token is still a 401, never silently anonymous."""
    token = bearer_token(request)
    return None if token is None else await accounts.user_for_access_token(token)


# The hot read paths (event list, detail, nearby) call these two directly instead of going through
# dependency injection: resolving dependencies costs more than the query itself there.


async def viewer_of(request: Request[Any, Any, Any]) -> Viewer:
    """Who is reading, for public reads: anonymous costs nothing; a token costs one indexed look-up."""
    user_id = reader_of(request)
    return ANONYMOUS if user_id is None else await _viewer(read_pool_of(request), user_id)


async def public_read(request: Request[Any, Any, Any], read: Callable[[asyncpg.Pool, Viewer], Awaitable[T]]) -> T:
    """A hot public read, on the read replica when `app.api.read_routing` allows it, else on the primary."""
    user_id = reader_of(request)

    async def as_viewer(pool: asyncpg.Pool) -> T:
        return await read(pool, ANONYMOUS if user_id is None else await _viewer(pool, user_id))

    return await routing_of(request).fetch(request, user_id, read_pool_of(request), as_viewer)


async def public_session_read(
    request: Request[Any, Any, Any], primary: AsyncSession, read: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """A public read written with SQLAlchemy: a read-replica session when allowed, else `primary` (the request's)."""
    return await routing_of(request).fetch_with_session(request, reader_of(request), primary, read)


def reader_of(request: Request[Any, Any, Any]) -> int | None:
    """The user id of a valid access token, None without one; a bad token is a 401."""
    token = bearer_token(request)
    if token is None:
        return None
    codec: TokenCodec = request.app.state.token_codec
    return codec.verify(token, "access").sub


async def _viewer(pool: asyncpg.Pool, user_id: int) -> Viewer:
    row = await pool.fetchrow("SELECT is_staff FROM users WHERE id = $1 AND is_active", user_id)
    if row is None:
        raise AuthenticationFailed("token_invalid")
    return Viewer(user_id=user_id, is_staff=row[0])


def read_pool_of(request: Request[Any, Any, Any]) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.read_pool
    return pool


def provide_events(transaction: NamedDependency[AsyncSession]) -> EventService:
    return EventService(transaction)


def provide_participations(transaction: NamedDependency[AsyncSession]) -> ParticipationService:
    return ParticipationService(transaction)


def provide_resources(transaction: NamedDependency[AsyncSession]) -> ResourceService:
    return ResourceService(transaction)


def provide_comments(transaction: NamedDependency[AsyncSession]) -> CommentService:
    return CommentService(transaction)
