"""Event photos (SPEC §3): uploaded by the organizer and confirmed participants, checked by decoding, stored
without their metadata, thumbnailed by the real worker, deleted with their files."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.photos.images import MAX_PHOTO_BYTES, THUMBNAIL_SIDE
from app.domain.photos.services import PhotoService, PhotoUpload
from app.domain.photos.storage import LocalMediaStorage
from tests.support.factories import Factory
from tests.support.worker import run_jobs

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_location(width: int = 1200, height: int = 800) -> bytes:
    """A phone's photo: EXIF with the GPS position of Santos and "rotate 90° clockwise to view"."""
    image = Image.new("RGB", (width, height), (30, 120, 60))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "S", 2: (23.0, 57.0, 39.0), 3: "W", 4: (46.0, 20.0, 1.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def image_bytes(format_name: str, size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 40)).save(out, format=format_name)
    return out.getvalue()


def upload(
    client: TestClient[Litestar],
    factory: Factory,
    event_id: int,
    user_id: int | None,
    content: bytes,
    *,
    filename: str = "mutirao.jpg",
    **fields: str,
) -> Any:
    headers = factory.auth(user_id) if user_id else None
    return client.post(
        f"/api/events/{event_id}/photos/",
        files={"photo": (filename, content, "application/octet-stream")},
        data=fields,
        headers=headers,
    )


def confirmed(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int) -> str:
    answer = client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(user_id))
    assert answer.status_code == 201, answer.text
    status: str = answer.json()["status"]
    return status


def fetch(client: TestClient[Litestar], url: str) -> Image.Image:
    answer = client.get(urlsplit(url).path)
    assert answer.status_code == 200, url
    return Image.open(io.BytesIO(answer.content))


def stored_files(settings: Settings) -> list[Path]:
    return sorted(path for path in settings.media_dir.rglob("*") if path.is_file())


@pytest.mark.anyio
async def test_a_participants_photo_loses_its_location_stands_upright_and_gets_a_thumbnail(
    app: Litestar, settings: Settings, factory: Factory
) -> None:
    org, ana = factory.user("org"), factory.user("ana")
    event_id = factory.event(org)
    with TestClient(app) as client:
        assert confirmed(client, factory, event_id, ana) == "confirmed"
        answer = upload(client, factory, event_id, ana, jpeg_with_location(), caption=" Antes ", is_before="true")
        assert answer.status_code == 201, answer.text
        photo = answer.json()
        assert set(photo) == {"id", "photo", "thumbnail", "caption", "is_before", "is_after", "user_name", "created_at"}
        assert (photo["caption"], photo["is_before"], photo["is_after"]) == ("Antes", True, False)
        assert photo["user_name"] == "Ana Silva" and photo["thumbnail"] is None
        # A random file name: not the (sequential) photo id.
        assert re.fullmatch(rf"{settings.media_base_url}/events/{event_id}/[0-9a-f]{{32}}\.jpg", photo["photo"])
        stored = fetch(client, photo["photo"])
        assert stored.format == "JPEG"
        assert stored.size == (800, 1200)  # turned as the EXIF said, then the EXIF dropped
        exif = stored.getexif()
        assert not exif.get_ifd(GPS_IFD) and ORIENTATION not in exif

    await run_jobs(settings, queues=["media"])

    with TestClient(app) as client:
        listed = client.get(f"/api/events/{event_id}/photos/").json()
        assert listed["count"] == 1 and listed["next"] is None
        thumbnail_url = listed["results"][0]["thumbnail"]
        assert thumbnail_url and thumbnail_url.endswith("_thumb.jpg")
        small = fetch(client, thumbnail_url)
        assert max(small.size) == THUMBNAIL_SIDE and small.size == (267, 400)
    assert factory.count("procrastinate_jobs", "queue_name = 'media' AND status <> 'succeeded'") == 0


def test_png_and_webp_are_kept_in_their_own_format(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    event_id = factory.event(org)
    for format_name, extension in (("PNG", ".png"), ("WEBP", ".webp")):
        answer = upload(client, factory, event_id, org, image_bytes(format_name), filename=f"x{extension}")
        assert answer.status_code == 201, answer.text
        assert answer.json()["photo"].endswith(extension)
        assert fetch(client, answer.json()["photo"]).format == format_name


def test_what_is_not_a_photo_is_refused_and_nothing_is_stored(
    client: TestClient[Litestar], settings: Settings, factory: Factory
) -> None:
    org = factory.user("org")
    event_id = factory.event(org)
    jpeg = jpeg_with_location(200, 100)
    refused = {
        "a GIF": (image_bytes("GIF"), {}, "photo_not_an_image"),
        "text named .jpg": (b"not really a picture" * 50, {}, "photo_not_an_image"),
        "a cut-off JPEG": (jpeg[: len(jpeg) // 2], {}, "photo_not_an_image"),
        "empty": (b"", {}, "photo_not_an_image"),
        "over 10 MB": (jpeg + b"\0" * (MAX_PHOTO_BYTES - len(jpeg) + 1), {}, "photo_too_large"),
        "before and after": (jpeg, {"is_before": "true", "is_after": "true"}, "photo_before_and_after"),
        "a long caption": (jpeg, {"caption": "x" * 501}, "too_long"),
        "a NUL in the caption": (jpeg, {"caption": "antes\x00"}, "nul_character"),
    }
    for case, (content, fields, code) in refused.items():
        answer = upload(client, factory, event_id, org, content, **fields)
        assert answer.status_code == 400, (case, answer.text)
        assert answer.json()["errors"][0]["code"] == code, case
    missing = client.post(f"/api/events/{event_id}/photos/", data={"caption": "sem foto"}, headers=factory.auth(org))
    assert missing.status_code == 400
    as_json = client.post(f"/api/events/{event_id}/photos/", json={"photo": "x"}, headers=factory.auth(org))
    assert as_json.status_code == 400
    too_big = upload(client, factory, event_id, org, b"\0" * (MAX_PHOTO_BYTES + 200_000))
    assert too_big.status_code == 413
    assert factory.count("event_photos") == 0
    assert stored_files(settings) == []


def test_who_may_upload(client: TestClient[Litestar], factory: Factory) -> None:
    org, staff, stranger, waiting, first = (
        factory.user("org"), factory.user("equipe", is_staff=True), factory.user(), factory.user(), factory.user(),
    )  # fmt: skip
    event_id = factory.event(org, max_participants=1)
    confirmed(client, factory, event_id, first)
    assert confirmed(client, factory, event_id, waiting) == "waitlisted"
    photo = image_bytes("JPEG")
    assert upload(client, factory, event_id, None, photo).status_code == 401
    for user in (stranger, waiting):
        answer = upload(client, factory, event_id, user, photo)
        assert answer.status_code == 403 and answer.json()["code"] == "photo_not_participant"
    for user in (org, staff, first):
        assert upload(client, factory, event_id, user, photo).status_code == 201
    draft = factory.event(org, status="draft")
    assert upload(client, factory, draft, stranger, photo).status_code == 404
    assert client.get(f"/api/events/{draft}/photos/").status_code == 404


@pytest.mark.anyio
async def test_a_deleted_photo_takes_its_files_with_it(app: Litestar, settings: Settings, factory: Factory) -> None:
    org, ana, bia = factory.user("org"), factory.user("ana"), factory.user("bia")
    event_id = factory.event(org)
    with TestClient(app) as client:
        confirmed(client, factory, event_id, ana)
        confirmed(client, factory, event_id, bia)
        by_ana = upload(client, factory, event_id, ana, image_bytes("JPEG")).json()["id"]
        by_bia = upload(client, factory, event_id, bia, image_bytes("PNG")).json()["id"]
    await run_jobs(settings, queues=["media"])
    assert len(stored_files(settings)) == 4  # two photos, two thumbnails
    with TestClient(app) as client:
        photos = f"/api/events/{event_id}/photos/"
        refused = client.delete(f"{photos}{by_bia}/", headers=factory.auth(ana))
        assert refused.status_code == 403 and refused.json()["code"] == "photo_not_yours"
        assert client.delete(f"{photos}{by_ana}/", headers=factory.auth(ana)).status_code == 204
        assert client.delete(f"{photos}{by_bia}/", headers=factory.auth(org)).status_code == 204
        assert client.delete(f"{photos}{by_bia}/", headers=factory.auth(org)).status_code == 404
        assert client.get(photos).json()["count"] == 0
    assert len(stored_files(settings)) == 4  # the files go once the deletions' jobs run
    await run_jobs(settings, queues=["media"])
    assert stored_files(settings) == []


def test_the_list_is_paginated_newest_first_at_a_constant_query_count(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    org = factory.user("org")
    event_id = factory.event(org)
    ids = [upload(client, factory, event_id, org, image_bytes("JPEG", (40, 30))).json()["id"] for _ in range(7)]
    log = app.state.query_log

    def queries(path: str) -> int:
        before = log.count
        assert client.get(path).status_code == 200
        return int(log.count - before)

    photos = f"/api/events/{event_id}/photos/"
    first = client.get(f"{photos}?page_size=5").json()
    assert first["count"] == 7 and first["next"].endswith("page_size=5&page=2")
    assert [photo["id"] for photo in first["results"]] == ids[::-1][:5]
    queries(photos)  # warm-up
    assert queries(f"{photos}?page_size=1") == queries(f"{photos}?page_size=100") <= 4
    assert client.get(f"{photos}?page=3&page_size=5").status_code == 404


def test_the_event_shows_its_newest_photos_and_counts_them(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    event_id = factory.event(org)
    ids = [
        upload(client, factory, event_id, org, image_bytes("JPEG", (40, 30)), caption=f"{n}").json()["id"]
        for n in range(8)
    ]
    detail = client.get(f"/api/events/{event_id}/").json()
    assert [photo["id"] for photo in detail["photos"]] == ids[::-1][:6]
    first = detail["photos"][0]
    assert first["caption"] == "7" and first["user_name"] == "Org Silva" and first["thumbnail"] is None
    assert fetch(client, first["photo"]).format == "JPEG"
    assert client.get(f"/api/events/{event_id}/stats/").json()["photos"] == 8


# --- avatars and cover images: the same storage ---------------------------------------------------------------


def picture(client: TestClient[Litestar], factory: Factory, path: str, field: str, user: int, content: bytes) -> Any:
    files = {field: ("x.png", content, "image/png")}
    return client.post(path, files=files, headers=factory.auth(user))


@pytest.mark.anyio
async def test_an_avatar_is_stored_like_a_photo_and_its_predecessor_is_deleted(
    app: Litestar, settings: Settings, factory: Factory
) -> None:
    ana = factory.user("ana")
    avatar = "/api/users/profile/avatar/"
    with TestClient(app) as client:
        first = picture(client, factory, avatar, "avatar", ana, image_bytes("PNG", (1000, 800)))
        assert first.status_code == 200, first.text
        url = first.json()["avatar_url"]
        assert url.startswith(f"{settings.media_base_url}/avatars/{ana}/") and url.endswith(".png")
        assert fetch(client, url).size == (512, 410)
        assert client.get("/api/users/profile/", headers=factory.auth(ana)).json()["avatar_url"] == url
        second = picture(client, factory, avatar, "avatar", ana, jpeg_with_location(300, 200)).json()["avatar_url"]
        assert second != url and not fetch(client, second).getexif().get_ifd(GPS_IFD)
        refused = picture(client, factory, avatar, "avatar", ana, b"GIF89a not an image")
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "avatar"
        assert client.post(avatar, files={"avatar": ("x.png", b"x", "image/png")}).status_code == 401
    await run_jobs(settings, queues=["media"])
    assert [path.name for path in stored_files(settings)] == [second.rsplit("/", 1)[1]]  # the first one is gone
    with TestClient(app) as client:
        cleared = client.delete(avatar, headers=factory.auth(ana))
        assert cleared.status_code == 200 and cleared.json()["avatar_url"] == ""
    await run_jobs(settings, queues=["media"])
    assert stored_files(settings) == []


def test_the_organizer_uploads_the_cover_image(
    client: TestClient[Litestar], settings: Settings, factory: Factory
) -> None:
    org, stranger = factory.user("org"), factory.user()
    event_id = factory.event(org)
    cover = f"/api/events/{event_id}/cover/"
    answer = picture(client, factory, cover, "cover", org, image_bytes("WEBP", (2400, 1200)))
    assert answer.status_code == 200, answer.text
    url = answer.json()["cover_image_url"]
    assert url.startswith(f"{settings.media_base_url}/covers/{event_id}/")
    assert fetch(client, url).size == (1920, 960)
    assert client.get(f"/api/events/{event_id}/").json()["cover_image_url"] == url
    refused = picture(client, factory, cover, "cover", stranger, image_bytes("PNG"))
    assert refused.status_code == 403
    draft = factory.event(org, status="draft")
    assert (
        picture(client, factory, f"/api/events/{draft}/cover/", "cover", stranger, image_bytes("PNG")).status_code
        == 404
    )


@pytest.mark.anyio
async def test_an_erased_accounts_avatar_file_is_deleted(app: Litestar, settings: Settings, factory: Factory) -> None:
    ana = factory.user("ana")
    with TestClient(app) as client:
        assert (
            picture(client, factory, "/api/users/profile/avatar/", "avatar", ana, image_bytes("PNG")).status_code == 200
        )
        erased = client.post(
            "/api/users/delete-account/", json={"password": "Mutirao-verde-2026"}, headers=factory.auth(ana)
        )
        assert erased.status_code == 204
    await run_jobs(settings, queues=["media"])
    assert stored_files(settings) == []


@pytest.mark.anyio
async def test_an_upload_whose_transaction_rolls_back_leaves_no_file(settings: Settings, factory: Factory) -> None:
    org = factory.user("org")
    event_id = factory.event(org)
    engine = create_engine(settings)
    storage = LocalMediaStorage.from_settings(settings)

    async def upload_in(session: AsyncSession, content: bytes) -> None:
        user = await session.get(User, org)
        assert user is not None
        await PhotoService(session, storage).upload(event_id, user, PhotoUpload(content, "", False, False))

    try:
        async with create_session_maker(engine)() as session:
            transaction = await session.begin()
            await upload_in(session, image_bytes("JPEG"))
            assert len(stored_files(settings)) == 1
            await transaction.rollback()  # as when the request fails after the upload
            assert stored_files(settings) == []
            # The same session commits a later upload: its file stays.
            async with session.begin():
                await upload_in(session, image_bytes("PNG"))
    finally:
        await engine.dispose()
    assert [path.suffix for path in stored_files(settings)] == [".png"]
    assert factory.count("event_photos") == 1


@pytest.mark.anyio
async def test_a_cover_link_pointing_at_another_events_file_never_gets_that_file_deleted(
    app: Litestar, settings: Settings, factory: Factory
) -> None:
    org, rival = factory.user("org"), factory.user("rival")
    theirs, mine = factory.event(org), factory.event(rival)
    with TestClient(app) as client:
        their_cover = picture(client, factory, f"/api/events/{theirs}/cover/", "cover", org, image_bytes("PNG"))
        their_url = their_cover.json()["cover_image_url"]
        # The rival edits their own event's cover link by hand to point at the other event's file...
        edited = client.patch(f"/api/events/{mine}/", json={"cover_image_url": their_url}, headers=factory.auth(rival))
        assert edited.status_code == 200, edited.text
        # ...then uploads a cover: the link it replaces is not theirs to delete.
        assert (
            picture(client, factory, f"/api/events/{mine}/cover/", "cover", rival, image_bytes("PNG")).status_code
            == 200
        )
    await run_jobs(settings, queues=["media"])
    with TestClient(app) as client:
        assert client.get(urlsplit(their_url).path).status_code == 200
    assert len(stored_files(settings)) == 2
