"""Photo rules: who may upload and delete, what a photo must be, and the files' life beside their rows.

A file is written before its row and removed after it: the row's deletion queues the removal in the same
transaction, so a rolled-back delete keeps its file, and an upload whose transaction rolls back removes the file
it wrote. Only a process dying between the two can leave a file without a row; never a row without a file.
"""

from __future__ import annotations

from typing import NamedTuple
from uuid import uuid4

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User, display_name
from app.domain.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from app.domain.events.access import manages, visible_event
from app.domain.participation.models import EventParticipant
from app.domain.photos.images import clean_photo, thumbnail
from app.domain.photos.models import MAX_CAPTION_LENGTH, EventPhoto
from app.domain.photos.schemas import PhotoRead
from app.domain.photos.storage import LocalMediaStorage


class PhotoUpload(NamedTuple):
    data: bytes
    caption: str
    is_before: bool
    is_after: bool


class PhotoService:
    def __init__(self, session: AsyncSession, storage: LocalMediaStorage) -> None:
        self.session = session
        self.storage = storage

    async def upload(self, event_id: int, user: User, upload: PhotoUpload) -> PhotoRead:
        """The organizer, staff and confirmed participants add photos; the file loses its metadata first."""
        event = await visible_event(self.session, event_id, user)
        if not (await manages(self.session, event, user) or await self._confirmed(event.id, user.id)):
            raise PermissionDenied("photo_not_participant")
        errors = []
        caption = upload.caption.strip()
        if "\x00" in caption:  # a multipart field: the request-wide NUL guard leaves those to their handler
            errors.append(FieldError("caption", "nul_character"))
        elif len(caption) > MAX_CAPTION_LENGTH:
            errors.append(FieldError("caption", "too_long", {"max": MAX_CAPTION_LENGTH}))
        if upload.is_before and upload.is_after:
            errors.append(FieldError("is_after", "photo_before_and_after"))
        if errors:
            raise ValidationFailed(errors)
        picture = await anyio.to_thread.run_sync(clean_photo, upload.data)
        photo = EventPhoto(
            event_id=event.id,
            user_id=user.id,
            # A random name: file names are not guessable from the (sequential) photo ids.
            photo=f"events/{event.id}/{uuid4().hex}{picture.extension}",
            content_type=picture.content_type,
            width=picture.width,
            height=picture.height,
            size_bytes=len(picture.data),
            caption=caption,
            is_before=upload.is_before,
            is_after=upload.is_after,
        )
        await self.storage.save_for(self.session, photo.photo, picture.data)
        self.session.add(photo)
        await self.session.flush()
        await jobs.defer_job(
            self.session, jobs.MAKE_PHOTO_THUMBNAIL, queueing_lock=f"thumbnail:{photo.id}", photo_id=photo.id
        )
        return self.read(photo, user.full_name)

    async def page(self, event_id: int, user: User | None, *, offset: int, limit: int) -> tuple[int, list[PhotoRead]]:
        """Newest first, for whoever may see the event."""
        await visible_event(self.session, event_id, user)
        count = await self.session.scalar(select(func.count()).where(EventPhoto.event_id == event_id))
        rows = await self.session.execute(
            select(EventPhoto, User.first_name, User.last_name, User.username)
            .join(User, User.id == EventPhoto.user_id)
            .where(EventPhoto.event_id == event_id)
            .order_by(EventPhoto.created_at.desc(), EventPhoto.id)
            .offset(offset)
            .limit(limit)
        )
        return int(count or 0), [self.read(photo, display_name(*names)) for photo, *names in rows.tuples()]

    async def delete(self, event_id: int, photo_id: int, user: User) -> None:
        """Its author, the event's organizer and staff; the files go by a job once the deletion commits."""
        event = await visible_event(self.session, event_id, user)
        photo = await self.session.scalar(
            select(EventPhoto).where(EventPhoto.id == photo_id, EventPhoto.event_id == event.id)
        )
        if photo is None:
            raise NotFound("photo_not_found")
        if not (photo.user_id == user.id or await manages(self.session, event, user)):
            raise PermissionDenied("photo_not_yours")
        await self.session.delete(photo)
        await self.session.flush()
        names = [name for name in (photo.photo, photo.thumbnail) if name]
        await jobs.defer_job(self.session, jobs.DELETE_MEDIA_FILES, names=names)

    async def make_thumbnail(self, photo_id: int) -> bool:
        """Idempotent: a photo that has its thumbnail, or is gone, is left alone. True when one was made."""
        photo = await self.session.scalar(select(EventPhoto).where(EventPhoto.id == photo_id).with_for_update())
        if photo is None or photo.thumbnail is not None:
            return False
        small = await anyio.to_thread.run_sync(thumbnail, await self.storage.read(photo.photo))
        name = photo.photo.rsplit(".", 1)[0] + f"_thumb{small.extension}"
        await self.storage.save(name, small.data)
        photo.thumbnail = name
        await self.session.flush()
        return True

    def read(self, photo: EventPhoto, user_name: str) -> PhotoRead:
        return PhotoRead(
            id=photo.id,
            photo=self.storage.url(photo.photo),
            thumbnail=self.storage.url(photo.thumbnail) if photo.thumbnail else None,
            caption=photo.caption,
            is_before=photo.is_before,
            is_after=photo.is_after,
            user_name=user_name,
            created_at=photo.created_at,
        )

    async def _confirmed(self, event_id: int, user_id: int) -> bool:
        status = await self.session.scalar(
            select(EventParticipant.status).where(
                EventParticipant.event_id == event_id, EventParticipant.user_id == user_id
            )
        )
        return status == "confirmed"
