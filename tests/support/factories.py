"""Small factories: each test builds the data it needs, directly in its own database."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import lru_cache
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from app.config.settings import Settings, to_driver_url
from app.domain.accounts.tokens import TokenCodec

DEFAULT_PASSWORD = "Mutirao-verde-2026"
_sequence = itertools.count(1)


@lru_cache(maxsize=1)
def _default_hash() -> str:
    return PasswordHasher(time_cost=1, memory_cost=8192).hash(DEFAULT_PASSWORD)


class Factory:
    """Inserts rows with plain SQL (fast, and independent of the code under test)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(to_driver_url(settings.require_database_url(), "postgresql+psycopg"))
        self.tokens = TokenCodec.from_settings(settings)

    def close(self) -> None:
        self.engine.dispose()

    def execute(self, statement: str, **params: Any) -> Any:
        with self.engine.begin() as connection:
            return connection.execute(text(statement), params)

    def scalar(self, statement: str, **params: Any) -> Any:
        return self.execute(statement, **params).scalar()

    def user(self, username: str | None = None, *, is_staff: bool = False, **profile: Any) -> UUID:
        n = next(_sequence)
        username = username or f"volunteer{n}"
        user_id: UUID = self.scalar(
            """
            INSERT INTO users (id, username, email, password_hash, first_name, last_name, is_staff, is_active,
                               language, created_at, updated_at)
            VALUES (gen_random_uuid(), :username, :email, :hash, :first, 'Silva', :staff, true, 'pt-BR', now(), now())
            RETURNING id
            """,
            username=username,
            email=f"{username}@example.org",
            hash=_default_hash(),
            first=username.capitalize(),
            staff=is_staff,
        )
        columns = {"is_public_profile": True, "show_participation_history": True, **profile}
        names = ", ".join(columns)
        values = ", ".join(f":{key}" for key in columns)
        self.execute(
            f"""
            INSERT INTO user_profiles (id, user_id, phone, bio, avatar_url, city, state, zip_code, interests,
                notification_preferences, total_events_participated, total_hours_volunteered, created_at, updated_at,
                {names})
            VALUES (gen_random_uuid(), :user_id, '', '', '', '', '', '', '{{}}', '{{}}', 0, 0, now(), now(), {values})
            """,
            user_id=user_id,
            **columns,
        )
        return user_id

    def access_token(self, user_id: UUID, *, now: dt.datetime | None = None) -> str:
        token, _ = self.tokens.issue(user_id, "access", now=now or dt.datetime.now(dt.UTC))
        return token

    def auth(self, user_id: UUID) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token(user_id)}"}

    def count(self, table: str, where: str = "true", **params: Any) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {table} WHERE {where}", **params))
