"""Photos on the wire (SPEC §3): `{id, photo, thumbnail, caption, is_before, is_after, user_name, created_at}`."""

from __future__ import annotations

import datetime as dt

import msgspec


class PhotoRead(msgspec.Struct, kw_only=True):
    id: int
    # Absolute URLs; `thumbnail` is null until the background job has made it.
    photo: str
    thumbnail: str | None
    caption: str
    is_before: bool
    is_after: bool
    user_name: str
    created_at: dt.datetime


class PhotoPage(msgspec.Struct, kw_only=True):
    count: int
    next: str | None
    previous: str | None
    results: list[PhotoRead]
