"""Small factories: each test builds the data it needs, directly in its own database."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from app.config.settings import Settings, to_driver_url
from app.domain.accounts.tokens import TokenCodec
from app.domain.events.search import search_text
from app.domain.organizations.services import slug_of

DEFAULT_PASSWORD = "Mutirao-verde-2026"
# The categories shipped by the baseline migration, with their stable ids.
CATEGORIES = {"Limpeza": 1, "Plantio": 2, "Monitoramento": 3, "Educação": 4}
# Real coordinates (latitude, longitude).
SAO_PAULO = (-23.5505, -46.6333)
SANTOS = (-23.9608, -46.3336)
RIO = (-22.9068, -43.1729)
CAMPINAS = (-22.9099, -47.0626)
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

    def maintain(self, statement: str) -> None:
        """VACUUM and friends, which refuse to run in a transaction."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(statement))

    def scalar(self, statement: str, **params: Any) -> Any:
        return self.execute(statement, **params).scalar()

    def user(self, username: str | None = None, *, is_staff: bool = False, **profile: Any) -> int:
        n = next(_sequence)
        username = username or f"volunteer{n}"
        user_id: int = self.scalar(
            """
            INSERT INTO users (username, email, password_hash, first_name, last_name, is_staff, is_active,
                               language, created_at, updated_at)
            VALUES (:username, :email, :hash, :first, 'Silva', :staff, true, 'pt-BR', now(), now())
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
            INSERT INTO user_profiles (user_id, phone, bio, avatar_url, city, state, zip_code, interests,
                notification_preferences, total_events_participated, total_hours_volunteered, created_at, updated_at,
                {names})
            VALUES (:user_id, '', '', '', '', '', '', '{{}}', '{{}}', 0, 0, now(), now(), {values})
            """,
            user_id=user_id,
            **columns,
        )
        return user_id

    def access_token(self, user_id: int, *, now: dt.datetime | None = None) -> str:
        token, _ = self.tokens.issue(user_id, "access", now=now or dt.datetime.now(dt.UTC))
        return token

    def auth(self, user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token(user_id)}"}

    def event(
        self,
        organizer: int,
        *,
        title: str = "Mutirão de limpeza da praia",
        description: str = "Vamos limpar a praia juntos.",
        category: str = "Limpeza",
        city: str = "Santos",
        state: str = "SP",
        at: tuple[float, float] = SANTOS,
        starts_in: dt.timedelta = dt.timedelta(days=7),
        hours: float = 3,
        status: str = "published",
        is_public: bool = True,
        max_participants: int = 30,
        participants_count: int = 0,
        waitlist_count: int = 0,
        registration_deadline: dt.datetime | None = None,
        timezone: str = "America/Sao_Paulo",
        created_at: dt.datetime | None = None,
    ) -> int:
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + starts_in
        event_id: int = self.scalar(
            """
            INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude, city,
                state, start_date, end_date, registration_deadline, timezone, max_participants, min_age, status,
                is_public, requires_approval, required_tools, provided_tools, what_to_bring, cover_image_url,
                participants_count, waitlist_count, pending_count, search_text, created_at, updated_at)
            VALUES (:title, :description, :category, :organizer, 'Av. da Praia, 100', :lat, :lon,
                :city, :state, :start, :end, :deadline, :timezone, :max, 16, :status, :public, false, '', '', '', '',
                :count, :waitlist, 0, :search, coalesce(:created, now()), now())
            RETURNING id
            """,
            title=title,
            description=description,
            category=CATEGORIES[category],
            organizer=organizer,
            lat=at[0],
            lon=at[1],
            city=city,
            state=state,
            start=start,
            end=start + dt.timedelta(hours=hours),
            deadline=registration_deadline,
            timezone=timezone,
            max=max_participants,
            status=status,
            public=is_public,
            count=participants_count,
            waitlist=waitlist_count,
            search=search_text(title, description, city),
            created=created_at,
        )
        return event_id

    def organization(self, name: str = "Coletivo Maré Limpa", **members: int) -> int:
        """An organization; `members` maps a role to a user (`owner=ana`)."""
        organization_id: int = self.scalar(
            "INSERT INTO organizations (name, slug, description, logo_url, city, state, website, is_verified,"
            " created_at, updated_at) VALUES (:name, :slug, '', '', 'Santos', 'SP', '', false, now(), now())"
            " RETURNING id",
            name=name,
            slug=slug_of(name),
        )
        for role, user_id in members.items():
            self.member(organization_id, user_id, role)
        return organization_id

    def member(self, organization_id: int, user_id: int, role: str) -> None:
        self.execute(
            "INSERT INTO organization_members (organization_id, user_id, role, created_at, updated_at)"
            " VALUES (:org, :user_id, :role, now(), now())",
            org=organization_id,
            user_id=user_id,
            role=role,
        )

    def count(self, table: str, where: str = "true", **params: Any) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {table} WHERE {where}", **params))


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/events/ (ten days ahead), with `overrides`."""
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).replace(microsecond=0)
    body = {
        "title": "Mutirão de limpeza do Rio Tietê",
        "description": "Coleta de resíduos nas margens.",
        "category": CATEGORIES["Limpeza"],
        "address": "Parque Ecológico do Tietê",
        "latitude": -23.4870,
        "longitude": -46.5300,
        "city": "São Paulo",
        "state": "sp",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(hours=4)).isoformat(),
        "registration_deadline": (start - dt.timedelta(days=1)).isoformat(),
        "max_participants": 40,
        "status": "published",
        "what_to_bring": "Luvas, protetor solar, água",
    }
    body.update(overrides)
    return body
