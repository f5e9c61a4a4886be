"""Avatars, cover images and organization logos (SPEC §3: they "use the same storage" as photos): uploaded and
cleaned like a photo, kept as the link in `avatar_url`, `cover_image_url` or `logo_url`. The picture they replace,
if it was stored here, is deleted once the change commits (the same job as a deleted photo's files)."""

from __future__ import annotations

from functools import partial
from uuid import uuid4

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User, UserProfile
from app.domain.events.models import Event
from app.domain.events.services import EventService
from app.domain.organizations.models import Organization
from app.domain.organizations.services import OrganizationService
from app.domain.photos.images import clean_photo
from app.domain.photos.storage import LocalMediaStorage
from app.domain.time import utcnow

AVATAR_SIDE = 512
COVER_SIDE = 1920
LOGO_SIDE = 512


class PictureService:
    def __init__(self, session: AsyncSession, storage: LocalMediaStorage) -> None:
        self.session = session
        self.storage = storage

    async def set_avatar(self, user: User, raw: bytes) -> None:
        folder = f"avatars/{user.id}"
        name = await self._store(raw, field="avatar", folder=folder, max_side=AVATAR_SIDE)
        await self._replace(user.profile, "avatar_url", name, folder=folder)

    async def clear_avatar(self, user: User) -> None:
        await self._replace(user.profile, "avatar_url", None, folder=f"avatars/{user.id}")

    async def set_cover(self, event_id: int, user: User, raw: bytes) -> None:
        """The organizer or staff (403 for others who see the event, 404 for the rest)."""
        event = await EventService(self.session).get_for_change(event_id, user)
        folder = f"covers/{event.id}"
        name = await self._store(raw, field="cover", folder=folder, max_side=COVER_SIDE)
        await self._replace(event, "cover_image_url", name, folder=folder)

    async def set_logo(self, organization_id: int, user: User, raw: bytes) -> Organization:
        """The organization's owners and admins, or staff."""
        organization = await OrganizationService(self.session).get_for_change(organization_id, user)
        folder = f"logos/{organization.id}"
        name = await self._store(raw, field="logo", folder=folder, max_side=LOGO_SIDE)
        await self._replace(organization, "logo_url", name, folder=folder)
        return organization

    async def clear_logo(self, organization_id: int, user: User) -> Organization:
        organization = await OrganizationService(self.session).get_for_change(organization_id, user)
        await self._replace(organization, "logo_url", None, folder=f"logos/{organization.id}")
        return organization

    async def _store(self, raw: bytes, *, field: str, folder: str, max_side: int) -> str:
        picture = await anyio.to_thread.run_sync(partial(clean_photo, raw, field=field, max_side=max_side))
        name = f"{folder}/{uuid4().hex}{picture.extension}"  # a new name each time: no cache serves the old one
        await self.storage.save_for(self.session, name, picture.data)
        return name

    async def _replace(
        self, row: UserProfile | Event | Organization, attribute: str, name: str | None, *, folder: str
    ) -> None:
        """Link the new picture. The old one is deleted only if it is this row's own upload: a link can be edited
        by hand (an event's cover), and must not make us delete someone else's file."""
        previous = self.storage.name_of(getattr(row, attribute))
        setattr(row, attribute, self.storage.url(name) if name else "")
        row.updated_at = utcnow()
        await self.session.flush()
        own = previous.removeprefix(f"{folder}/") if previous and previous.startswith(f"{folder}/") else ""
        if own and "/" not in own and not own.startswith("."):
            await jobs.defer_job(self.session, jobs.DELETE_MEDIA_FILES, names=[f"{folder}/{own}"])
