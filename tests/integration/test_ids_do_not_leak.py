"""Integer ids are easy to guess: walking them must show a stranger (logged in or not) only what is public.

Every GET that takes an id is tried for every id from 1 to a little past the last one made: drafts and private
events answer 404 (or 401/403) whatever the sub-resource, nothing answers 5xx, and no answer carries another
user's emergency data or email, a deleted comment, or an event's check-in code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory

EMERGENCY_CONTACT = "Contato Reservado Ribeiro"
EMERGENCY_PHONE = "+55 13 98765-4321"
DELETED_COMMENT = "Comentário que a autora apagou"

# Every GET whose path takes an event id, and the resource detail, which takes two.
EVENT_READS = (
    "/api/events/{e}/",
    "/api/events/{e}/participants/",
    "/api/events/{e}/stats/",
    "/api/events/{e}/comments/",
    "/api/events/{e}/resources/",
    "/api/events/{e}/report/",
    "/api/events/{e}/photos/",
    "/api/events/{e}/calendar.ics",
    "/api/events/{e}/check_in_code/",
)
RESOURCE_READ = "/api/events/{e}/resources/{r}/"


def created(response: Any) -> int:
    assert response.status_code == 201, response.text
    made: int = response.json()["id"]
    return made


def add_resource(client: TestClient[Litestar], factory: Factory, event_id: int, organizer: int) -> int:
    body = {"name": "Luvas", "resource_type": "equipment", "quantity_needed": 10}
    return created(client.post(f"/api/events/{event_id}/resources/", json=body, headers=factory.auth(organizer)))


def check_in_code(client: TestClient[Litestar], factory: Factory, event_id: int, organizer: int) -> str:
    answer = client.get(f"/api/events/{event_id}/check_in_code/", headers=factory.auth(organizer))
    assert answer.status_code == 200, answer.text
    code: str = answer.json()["check_in_code"]
    return code


def test_a_stranger_walking_every_id_sees_only_public_data(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("organizadora")
    volunteer = factory.user("voluntaria", is_public_profile=False)
    stranger = factory.user("curioso")

    public = factory.event(organizer, title="Limpeza pública")
    draft = factory.event(organizer, title="Rascunho da organizadora", status="draft")
    private = factory.event(organizer, title="Mutirão só para convidados", is_public=False)
    past = factory.event(organizer, title="Plantio que já aconteceu", starts_in=dt.timedelta(days=-2))
    hidden = {draft, private}

    joined = client.post(
        f"/api/events/{public}/join/",
        json={"emergency_contact": EMERGENCY_CONTACT, "emergency_phone": EMERGENCY_PHONE},
        headers=factory.auth(volunteer),
    )
    assert joined.status_code == 201, joined.text
    author = factory.auth(volunteer)
    created(client.post(f"/api/events/{public}/comments/", json={"content": "Estarei lá!"}, headers=author))
    deleted = created(client.post(f"/api/events/{public}/comments/", json={"content": DELETED_COMMENT}, headers=author))
    gone = client.delete(f"/api/events/{public}/comments/{deleted}/", headers=author)
    assert gone.status_code in (200, 204), gone.text
    resources = {event: add_resource(client, factory, event, organizer) for event in (public, draft, private)}
    pledged = client.post(
        f"/api/events/{public}/resources/{resources[public]}/pledge/", json={"quantity": 2}, headers=author
    )
    assert pledged.status_code == 200, pledged.text
    codes = [check_in_code(client, factory, event, organizer) for event in (public, draft, private, past)]
    secrets = [EMERGENCY_CONTACT, EMERGENCY_PHONE, DELETED_COMMENT, "voluntaria@example.org", *codes]

    last_event = max(public, draft, private, past) + 3
    last_resource = max(resources.values()) + 2
    for who, headers in (("anonymous", {}), ("stranger", factory.auth(stranger))):
        seen: dict[str, int] = {}
        for event_id in range(1, last_event + 1):
            paths = [template.format(e=event_id) for template in EVENT_READS]
            paths += [RESOURCE_READ.format(e=event_id, r=r) for r in range(1, last_resource + 1)]
            for path in paths:
                answer = client.get(path, headers=headers)
                where = f"{who} GET {path}"
                assert answer.status_code < 500, f"{where}: {answer.status_code} {answer.text}"
                leaked = [secret for secret in secrets if secret in answer.text]
                assert not leaked, f"{where} answers {leaked}"
                if event_id in hidden or event_id > max(public, draft, private, past):
                    assert answer.status_code in (401, 403, 404), f"{where}: {answer.status_code} {answer.text}"
                if path.endswith(("/check_in_code/", "/participants/")) and answer.status_code == 200:
                    assert event_id == public and path.endswith("/participants/"), f"{where} is open"
                seen[path] = answer.status_code
        # The walk did reach public data: it is not an API that hides everything.
        assert seen[f"/api/events/{public}/"] == 200
        assert seen[f"/api/events/{public}/comments/"] == 200
        assert seen[f"/api/events/{public}/resources/{resources[public]}/"] == 200
        # A resource is only found under its own event.
        assert seen[f"/api/events/{past}/resources/{resources[public]}/"] == 404
        if who == "stranger":
            detail = client.get(f"/api/events/{public}/", headers=headers).json()
            assert detail["user_participating"] is False  # the volunteer's participation is not the stranger's


def test_a_stranger_cannot_touch_another_users_rows_by_guessing_ids(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("organizadora")
    volunteer = factory.user("voluntaria")
    stranger = factory.user("curioso")
    events = [factory.event(organizer, title=f"Mutirão {n}") for n in range(2)]
    author = factory.auth(volunteer)
    for event_id in events:
        assert client.post(f"/api/events/{event_id}/join/", headers=author).status_code == 201
        created(client.post(f"/api/events/{event_id}/comments/", json={"content": "Vou levar luvas"}, headers=author))
    before = [client.get(f"/api/events/{e}/participants/", headers=factory.auth(organizer)).json() for e in events]
    comments_before = [client.get(f"/api/events/{e}/comments/").json() for e in events]

    headers = factory.auth(stranger)
    for event_id in range(1, max(events) + 3):
        for row_id in range(1, 6):
            attempts = (
                ("PATCH", f"/api/events/{event_id}/participants/{row_id}/", {"status": "rejected"}),
                ("PATCH", f"/api/events/{event_id}/comments/{row_id}/", {"content": "alterado por outro"}),
                ("DELETE", f"/api/events/{event_id}/comments/{row_id}/", None),
            )
            for method, path, body in attempts:
                answer = client.request(method, path, json=body, headers=headers)
                assert answer.status_code in (403, 404), f"stranger {method} {path}: {answer.status_code} {answer.text}"

    after = [client.get(f"/api/events/{e}/participants/", headers=factory.auth(organizer)).json() for e in events]
    assert after == before
    assert [client.get(f"/api/events/{e}/comments/").json() for e in events] == comments_before
