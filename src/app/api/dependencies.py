"""Dependency providers: the request's transaction, services, and the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.accounts.services import AccountService
from app.domain.errors import AuthenticationFailed


async def provide_transaction(db_session: NamedDependency[AsyncSession]) -> AsyncGenerator[AsyncSession, None]:
    """The request's unit of work: committed after a successful handler (before the answer leaves), else rolled back."""
    try:
        yield db_session
    except BaseException:
        await db_session.rollback()
        raise
    else:
        await db_session.commit()


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_accounts(transaction: NamedDependency[AsyncSession], state: State) -> AccountService:
    return AccountService(transaction, state.password_hashing, state.token_codec)


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
