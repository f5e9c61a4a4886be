"""What tasks need from the outside world, handed to them through Procrastinate's job context.

Built lazily: the `procrastinate` CLI imports the app before any setting is read. The in-process
worker and the tests pass their own.
"""

from __future__ import annotations

from functools import cached_property
from typing import cast

from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings, get_settings
from app.domain.notifications.delivery import Mailer, mailer_for
from app.domain.notifications.email import Outbox
from app.domain.tables import metadata as _mapped  # noqa: F401  # every model mapped (FK targets) before a flush


class TaskResources:
    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @cached_property
    def settings(self) -> Settings:
        return self._settings or get_settings()

    @cached_property
    def engine(self) -> AsyncEngine:
        return create_engine(self.settings)

    @cached_property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return create_session_maker(self.engine)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.settings.outbox_dir)

    @cached_property
    def mailer(self) -> Mailer:
        """SMTP when SMTP_HOST is set, else the outbox folder."""
        return mailer_for(self.settings)

    async def aclose(self) -> None:
        if "engine" in self.__dict__:
            await self.engine.dispose()


def resources_of(context: JobContext) -> TaskResources:
    return cast("TaskResources", context.additional_context["resources"])
