"""Photo tasks: the thumbnail of a new photo, and the files of a deleted one."""

from __future__ import annotations

from procrastinate import JobContext

from app.domain import jobs
from app.domain.photos.services import PhotoService
from app.domain.photos.storage import LocalMediaStorage
from app.tasks.queue import app
from app.tasks.resources import resources_of
from app.tasks.retry import CappedExponentialRetry

MEDIA_RETRY = CappedExponentialRetry(max_attempts=5, max_wait=60)


@app.task(
    name=jobs.MAKE_PHOTO_THUMBNAIL.task_name,
    queue=jobs.MAKE_PHOTO_THUMBNAIL.queue,
    pass_context=True,
    retry=MEDIA_RETRY,
)
async def make_photo_thumbnail(context: JobContext, photo_id: int) -> None:
    resources = resources_of(context)
    storage = LocalMediaStorage.from_settings(resources.settings)
    async with resources.sessions() as session, session.begin():
        await PhotoService(session, storage).make_thumbnail(photo_id)


@app.task(
    name=jobs.DELETE_MEDIA_FILES.task_name, queue=jobs.DELETE_MEDIA_FILES.queue, pass_context=True, retry=MEDIA_RETRY
)
async def delete_media_files(context: JobContext, names: list[str]) -> None:
    storage = LocalMediaStorage.from_settings(resources_of(context).settings)
    for name in names:
        await storage.delete(name)
