"""Actions whose fields are all optional accept no body, an empty body, `{}` and `null` alike (the web app sends
none), and the ones that need proof or a field say so in a 400 instead of failing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory

JSON = {"Content-Type": "application/json"}
# What a client may send for "nothing": no body at all, an empty one, `{}`, `null`.
NOTHING: dict[str, dict[str, Any]] = {
    "no body": {},
    "empty body": {"content": b""},
    "{}": {"content": b"{}"},
    "null": {"content": b"null"},
}
VOLATILE = {"id", "user", "joined_at", "updated_at"}


def send(client: TestClient[Litestar], method: str, url: str, headers: dict[str, str], nothing: str) -> Any:
    return client.request(method, url, headers={**JSON, **headers}, **NOTHING[nothing])


@pytest.mark.parametrize("nothing", list(NOTHING))
def test_join_and_leave_without_a_body_answer_as_with_an_empty_object(
    client: TestClient[Litestar], factory: Factory, nothing: str
) -> None:
    event_id = factory.event(factory.user("org"))
    reference, volunteer = factory.user("referencia"), factory.user("voluntaria")
    expected = client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(reference))
    assert expected.status_code == 201, expected.text

    joined = send(client, "POST", f"/api/events/{event_id}/join/", factory.auth(volunteer), nothing)
    assert joined.status_code == 201, joined.text
    same = {key: value for key, value in joined.json().items() if key not in VOLATILE}
    assert same == {key: value for key, value in expected.json().items() if key not in VOLATILE}
    detail = client.get(f"/api/events/{event_id}/", headers=factory.auth(volunteer)).json()
    assert (detail["user_participating"], detail["participants_count"]) == (True, 2)

    left = send(client, "POST", f"/api/events/{event_id}/leave/", factory.auth(volunteer), nothing)
    assert left.status_code == 200, left.text
    assert left.json()["status"] == "cancelled"


@pytest.mark.parametrize("nothing", list(NOTHING))
def test_publish_cancel_and_code_rotation_take_no_body(
    client: TestClient[Litestar], factory: Factory, nothing: str
) -> None:
    organizer = factory.user("org")
    auth = factory.auth(organizer)
    event_id = factory.event(organizer, status="draft")
    assert send(client, "POST", f"/api/events/{event_id}/publish/", auth, nothing).json()["status"] == "published"
    code = factory.scalar("SELECT check_in_code FROM events WHERE id = :id", id=event_id)
    rotated = send(client, "POST", f"/api/events/{event_id}/check_in_code/rotate/", auth, nothing)
    assert rotated.status_code == 200 and rotated.json()["check_in_code"] != code
    assert send(client, "POST", f"/api/events/{event_id}/cancel/", auth, nothing).json()["status"] == "cancelled"
    assert send(client, "POST", "/api/users/calendar/reset/", auth, nothing).status_code in (200, 201)


@pytest.mark.parametrize("nothing", list(NOTHING))
def test_a_patch_without_a_body_changes_nothing(client: TestClient[Litestar], factory: Factory, nothing: str) -> None:
    organizer = factory.user("org")
    factory.execute("UPDATE user_profiles SET city = 'Santos' WHERE user_id = :u", u=organizer)
    auth = factory.auth(organizer)
    event_id = factory.event(organizer)
    before = client.get(f"/api/events/{event_id}/").json()
    patched = send(client, "PATCH", f"/api/events/{event_id}/", auth, nothing)
    assert patched.status_code == 200, patched.text
    assert patched.json()["updated_at"] == before["updated_at"]
    for path in ("/api/users/profile/", "/api/users/profile/update/"):
        profile = send(client, "PATCH", path, auth, nothing)
        assert profile.status_code == 200 and profile.json()["city"] == "Santos"
    settings = send(client, "PUT", "/api/users/notifications/settings/", auth, nothing)
    assert settings.status_code == 200 and all(settings.json().values())


@pytest.mark.parametrize(("language", "words"), [("pt-BR", ("código", "localização")), ("en", ("code", "location"))])
def test_a_check_in_without_a_body_asks_for_the_code_or_the_location(
    client: TestClient[Litestar], factory: Factory, language: str, words: tuple[str, str]
) -> None:
    event_id = factory.event(factory.user("org"), starts_in=dt.timedelta(minutes=30))
    volunteer = factory.user("voluntaria")
    assert client.post(f"/api/events/{event_id}/join/", headers=factory.auth(volunteer)).status_code == 201
    answer = client.post(
        f"/api/events/{event_id}/check_in/", headers={**JSON, **factory.auth(volunteer), "Accept-Language": language}
    )
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert all(word in message for word in words), message
    assert factory.scalar("SELECT checked_in FROM event_participants WHERE user_id = :u", u=volunteer) is False


def test_revoking_needs_the_refresh_token_it_revokes(client: TestClient[Litestar]) -> None:
    """Not all-optional: without a body the 400 names `refresh` (or says a body is needed), never a 500."""
    for nothing, body in NOTHING.items():
        answer = client.request("POST", "/api/token/revoke/", headers=JSON, **body)
        assert answer.status_code == 400, (nothing, answer.text)
        assert answer.json()["code"] in {"body_required", "required", "wrong_type"}
