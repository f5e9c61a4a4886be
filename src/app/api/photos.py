"""Event photos API (SPEC §3): multipart upload by the organizer and participants, listing, deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.accounts import profile_read
from app.api.dependencies import provide_current_user, provide_optional_user
from app.api.events import EventAnswers, provide_event_answers
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.api.params import PathId
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.accounts.schemas import ProfileRead
from app.domain.events.schemas import EventDetail
from app.domain.photos.images import MAX_PHOTO_BYTES
from app.domain.photos.pictures import PictureService
from app.domain.photos.schemas import PhotoPage, PhotoRead
from app.domain.photos.services import PhotoService, PhotoUpload

# The multipart envelope around a photo of MAX_PHOTO_BYTES: boundaries, headers, the caption.
MULTIPART_OVERHEAD = 64 * 1024
# What an upload may send at all (413 beyond it); the picture's own size is checked with the image.
UPLOAD_LIMIT = MAX_PHOTO_BYTES + MULTIPART_OVERHEAD


@dataclass
class PhotoForm:
    """`multipart/form-data`: the image file and its description."""

    photo: UploadFile
    caption: str = ""
    is_before: bool = False
    is_after: bool = False


@dataclass
class AvatarForm:
    """`multipart/form-data`: the picture."""

    avatar: UploadFile


@dataclass
class CoverForm:
    """`multipart/form-data`: the picture."""

    cover: UploadFile


def provide_pictures(transaction: NamedDependency[AsyncSession], state: State) -> PictureService:
    return PictureService(transaction, state.media)


def provide_photos(transaction: NamedDependency[AsyncSession], state: State) -> PhotoService:
    return PhotoService(transaction, state.media)


class PhotoController(Controller):
    path = "/api/events/{event_id:int}/photos"
    tags = ["photos"]
    dependencies = {
        "photos": Provide(provide_photos, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
        "viewer": Provide(provide_optional_user),
    }

    @get("/", operation_id="listPhotos", summary="An event's photos", responses=problems(400, 401, 404))
    async def list_photos(
        self,
        request: Request[Any, Any, Any],
        event_id: PathId,
        photos: NamedDependency[PhotoService],
        viewer: NamedDependency[User | None],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> PhotoPage:
        """Newest first, in the DRF envelope. `thumbnail` is null for a moment after an upload."""
        window = Window(page, page_size, limit)
        count, results = await photos.page(event_id, viewer, offset=window.offset, limit=window.size)
        next_link, previous_link = window.links(request, count)
        return PhotoPage(count=count, next=next_link, previous=previous_link, results=results)

    @post(
        "/",
        operation_id="uploadPhoto",
        summary="Upload a photo (organizer, staff or confirmed participant)",
        security=BEARER,
        request_max_body_size=UPLOAD_LIMIT,
        responses=problems(400, 401, 403, 404, 413),
    )
    async def upload_photo(
        self,
        event_id: PathId,
        data: Annotated[PhotoForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        photos: NamedDependency[PhotoService],
        current_user: NamedDependency[User],
    ) -> PhotoRead:
        """JPEG, PNG or WebP up to 10 MB, checked by decoding it whole. The stored copy is written
        again without its metadata (the EXIF GPS position first of all), turned upright; the thumbnail follows from
        a background job."""
        upload = PhotoUpload(await data.photo.read(), data.caption, data.is_before, data.is_after)
        return await photos.upload(event_id, current_user, upload)

    @delete(
        "/{photo_id:int}/",
        operation_id="deletePhoto",
        summary="Delete a photo (its author, the organizer or staff)",
        security=BEARER,
        responses=problems(401, 403, 404),
    )
    async def delete_photo(
        self,
        event_id: PathId,
        photo_id: PathId,
        photos: NamedDependency[PhotoService],
        current_user: NamedDependency[User],
    ) -> None:
        await photos.delete(event_id, photo_id, current_user)


class PictureController(Controller):
    """Avatars and cover images, stored like photos."""

    path = "/api"
    dependencies = {
        "pictures": Provide(provide_pictures, sync_to_thread=False),
        "answers": Provide(provide_event_answers, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
    }

    @post(
        "/users/profile/avatar/",
        operation_id="uploadAvatar",
        summary="Upload the caller's avatar",
        tags=["users"],
        status_code=200,
        security=BEARER,
        request_max_body_size=UPLOAD_LIMIT,
        responses=problems(400, 401, 413),
    )
    async def upload_avatar(
        self,
        data: Annotated[AvatarForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        pictures: NamedDependency[PictureService],
        current_user: NamedDependency[User],
        settings: NamedDependency[Settings],
    ) -> ProfileRead:
        """JPEG, PNG or WebP up to 10 MB, cleaned like a photo and kept at most 512 px on its longer side; the
        profile's `avatar_url` then links to it (and a previous upload is deleted)."""
        await pictures.set_avatar(current_user, await data.avatar.read())
        return profile_read(current_user, settings)

    @delete(
        "/users/profile/avatar/",
        operation_id="deleteAvatar",
        summary="Remove the caller's avatar",
        tags=["users"],
        status_code=200,
        security=BEARER,
        responses=problems(401),
    )
    async def delete_avatar(
        self,
        pictures: NamedDependency[PictureService],
        current_user: NamedDependency[User],
        settings: NamedDependency[Settings],
    ) -> ProfileRead:
        await pictures.clear_avatar(current_user)
        return profile_read(current_user, settings)

    @post(
        "/events/{event_id:int}/cover/",
        operation_id="uploadEventCover",
        summary="Upload an event's cover image (organizer)",
        tags=["events"],
        status_code=200,
        security=BEARER,
        request_max_body_size=UPLOAD_LIMIT,
        responses=problems(400, 401, 403, 404, 413),
    )
    async def upload_cover(
        self,
        event_id: PathId,
        data: Annotated[CoverForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        pictures: NamedDependency[PictureService],
        answers: NamedDependency[EventAnswers],
        current_user: NamedDependency[User],
    ) -> EventDetail:
        """Organizer or staff. Cleaned like a photo, at most 1920 px on its longer side; `cover_image_url` then
        links to it (and a previous upload is deleted)."""
        await pictures.set_cover(event_id, current_user, await data.cover.read())
        return await answers.of(event_id, current_user)
