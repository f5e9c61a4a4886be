"""Where uploaded files live. Local disk: MEDIA_DIR, served by the app under MEDIA_URL (or by a web server in front).

Names are made by the application (`events/{event_id}/{photo_id}.jpg`), never taken from the upload.
"""

from __future__ import annotations

import os
from pathlib import Path

import anyio
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.config.settings import Settings

_WRITTEN = "media_written"
_LISTENING = "media_listening"


class LocalMediaStorage:
    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalMediaStorage:
        return cls(settings.media_dir, settings.media_base_url)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def name_of(self, url: str) -> str | None:
        """The name behind a URL this storage made; None for a link to anywhere else."""
        prefix = f"{self.base_url}/"
        return url.removeprefix(prefix) if url.startswith(prefix) and len(url) > len(prefix) else None

    async def save(self, name: str, data: bytes) -> None:
        """Written under a temporary name, then renamed: a reader never sees half a file."""
        await anyio.to_thread.run_sync(self._save, self._path(name), data)

    async def save_for(self, session: AsyncSession, name: str, data: bytes) -> None:
        """A file for rows that `session` has yet to commit: removed again if the transaction rolls back."""
        await self.save(name, data)
        if not session.info.get(_LISTENING):
            session.info[_LISTENING] = True
            # A real rollback (not a savepoint's) fires after_rollback, then the outermost transaction ends.
            event.listen(session.sync_session, "after_rollback", self._remove_written)
            event.listen(session.sync_session, "after_transaction_end", _forget_written)
        session.info.setdefault(_WRITTEN, []).append(name)

    def _remove_written(self, session: Session) -> None:
        for name in session.info.pop(_WRITTEN, []):
            self._path(name).unlink(missing_ok=True)

    async def read(self, name: str) -> bytes:
        return await anyio.Path(self._path(name)).read_bytes()

    async def delete(self, name: str) -> None:
        """Idempotent: a file already gone is fine."""
        await anyio.Path(self._path(name)).unlink(missing_ok=True)

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"media name outside the media folder: {name!r}")
        return path

    @staticmethod
    def _save(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)


def _forget_written(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (a rollback has removed them already)
        session.info.pop(_WRITTEN, None)
