"""Event resources and pledges (SPEC §3): the organizer says what the mutirão needs; volunteers pledge to bring it,
and `quantity_provided` stays exactly the sum of the pledges."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.concurrency import concurrent_client
from tests.support.factories import Factory

SPEC_FIELDS = {
    "id", "name", "description", "resource_type", "quantity_needed", "quantity_provided", "unit", "is_fully_provided",
    "my_pledge",
}  # fmt: skip
GLOVES = {
    "name": "Luvas",
    "description": "Pares de luvas de borracha",
    "resource_type": "equipment",
    "quantity_needed": 10,
}


def resources_of(event_id: int) -> str:
    return f"/api/events/{event_id}/resources/"


def add(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int, **body: Any) -> Response:
    return client.post(resources_of(event_id), json=body or GLOVES, headers=factory.auth(user_id))


def pledge(
    client: TestClient[Litestar], factory: Factory, event_id: int, resource_id: str, user_id: int, quantity: Any
) -> Response:
    return client.post(
        f"{resources_of(event_id)}{resource_id}/pledge/", json={"quantity": quantity}, headers=factory.auth(user_id)
    )


def totals(answer: Response) -> tuple[int, bool, int | None]:
    """(quantity_provided, is_fully_provided, my_pledge) of an answered resource."""
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return (body["quantity_provided"], body["is_fully_provided"], body["my_pledge"])


def stored(factory: Factory, resource_id: object) -> tuple[int, int]:
    """(quantity_provided, sum of the pledges) as the database holds them."""
    row = factory.execute(
        """
        SELECT r.quantity_provided, (SELECT coalesce(sum(quantity), 0) FROM resource_pledges WHERE resource_id = r.id)
        FROM event_resources r WHERE r.id = :id
        """,
        id=resource_id,
    ).one()
    return (row[0], int(row[1]))


# --- management ---


def test_the_organizer_adds_edits_and_removes_resources(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    created = add(client, factory, event_id, organizer, name="  Sacos de lixo ", quantity_needed=50)
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == SPEC_FIELDS
    assert body | {"id": None} == {
        "id": None,
        "name": "Sacos de lixo",
        "description": "",
        "resource_type": "other",
        "quantity_needed": 50,
        "quantity_provided": 0,
        "unit": "unidades",
        "is_fully_provided": False,
        "my_pledge": None,
    }
    resource = f"{resources_of(event_id)}{body['id']}/"
    edited = client.patch(
        resource,
        json={"resource_type": "material", "unit": "rolos", "quantity_needed": 40},
        headers=factory.auth(organizer),
    )
    assert edited.status_code == 200, edited.text
    changed = {key: edited.json()[key] for key in ("resource_type", "unit", "quantity_needed")}
    assert changed == {"resource_type": "material", "unit": "rolos", "quantity_needed": 40}
    assert edited.json()["name"] == "Sacos de lixo"  # absent fields keep their value
    fetched = client.get(resource)
    assert fetched.status_code == 200 and fetched.json() == edited.json()
    listed = client.get(resources_of(event_id), headers=factory.auth(organizer))
    assert listed.status_code == 200 and listed.json() == [edited.json()]
    removed = client.delete(resource, headers=factory.auth(organizer))
    assert removed.status_code == 204 and removed.content == b""
    assert client.get(resource).status_code == 404
    assert factory.count("event_resources") == 0


def test_staff_manage_any_events_resources(client: TestClient[Litestar], factory: Factory) -> None:
    event_id = factory.event(factory.user("org"), status="draft")
    staff = factory.user("equipe", is_staff=True)
    created = add(client, factory, event_id, staff)
    assert created.status_code == 201, created.text
    path = f"{resources_of(event_id)}{created.json()['id']}/"
    assert client.patch(path, json={"quantity_needed": 3}, headers=factory.auth(staff)).status_code == 200
    assert client.delete(path, headers=factory.auth(staff)).status_code == 204


def test_only_the_organizer_and_staff_manage_resources(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, stranger = factory.user("org"), factory.user("estranha")
    event_id = factory.event(organizer)
    resource_id = add(client, factory, event_id, organizer).json()["id"]
    path = f"{resources_of(event_id)}{resource_id}/"
    headers = factory.auth(stranger)
    assert add(client, factory, event_id, stranger).status_code == 403
    assert client.patch(path, json={"quantity_needed": 1}, headers=headers).status_code == 403
    assert client.delete(path, headers=headers).status_code == 403
    # Without a token: 401, whatever the event.
    assert client.post(resources_of(event_id), json=GLOVES).status_code == 401
    assert client.patch(path, json={"quantity_needed": 1}).status_code == 401
    assert client.delete(path).status_code == 401
    assert client.post(f"{path}pledge/", json={"quantity": 1}).status_code == 401
    assert factory.scalar("SELECT quantity_needed FROM event_resources WHERE id = :id", id=resource_id) == 10
    assert factory.count("event_resources") == 1


def test_a_drafts_resources_are_hidden_from_everyone_but_its_organizer(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, stranger = factory.user("org"), factory.user("estranha")
    event_id = factory.event(organizer, status="draft")
    created = add(client, factory, event_id, organizer)
    assert created.status_code == 201
    path = f"{resources_of(event_id)}{created.json()['id']}/"
    headers = factory.auth(stranger)
    assert add(client, factory, event_id, stranger).status_code == 404
    assert client.patch(path, json={"quantity_needed": 1}, headers=headers).status_code == 404
    assert client.delete(path, headers=headers).status_code == 404
    assert pledge(client, factory, event_id, created.json()["id"], stranger, 1).status_code == 404
    for reader in (headers, None):
        assert client.get(resources_of(event_id), headers=reader).status_code == 404
        assert client.get(path, headers=reader).status_code == 404
    assert client.get(resources_of(event_id), headers=factory.auth(organizer)).json() == [created.json()]
    assert factory.count("event_resources") == 1 and factory.count("resource_pledges") == 0


def test_anyone_reads_a_public_events_resources(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    created = add(client, factory, event_id, organizer).json()
    assert client.get(resources_of(event_id)).json() == [created]
    assert client.get("/api/events/999999/resources/").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {**GLOVES, "resource_type": "vehicle"},
        {**GLOVES, "quantity_needed": 0},
        {**GLOVES, "quantity_needed": -3},
        {**GLOVES, "quantity_needed": "muitas"},
        {**GLOVES, "name": ""},
        {**GLOVES, "name": "   "},
        {**GLOVES, "name": "x" * 201},
        {**GLOVES, "unit": "u" * 31},
        {key: value for key, value in GLOVES.items() if key != "name"},
        {key: value for key, value in GLOVES.items() if key != "quantity_needed"},
    ],
)
def test_bad_resources_are_400_and_nothing_is_stored(
    client: TestClient[Litestar], factory: Factory, body: dict[str, Any]
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    answer = client.post(resources_of(event_id), json=body, headers=factory.auth(organizer))
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"]
    assert factory.count("event_resources") == 0


@pytest.mark.parametrize(
    "change",
    [{"resource_type": "vehicle"}, {"quantity_needed": 0}, {"name": ""}, {"name": " "}, {"name": "x" * 201}],
)
def test_bad_edits_are_400_and_change_nothing(
    client: TestClient[Litestar], factory: Factory, change: dict[str, Any]
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    created = add(client, factory, event_id, organizer).json()
    path = f"{resources_of(event_id)}{created['id']}/"
    answer = client.patch(path, json=change, headers=factory.auth(organizer))
    assert answer.status_code == 400, answer.text
    assert client.get(path, headers=factory.auth(organizer)).json() == created


# --- pledges ---


def test_pledges_add_up_until_the_resource_is_fully_provided(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    resource_id = add(client, factory, event_id, organizer).json()["id"]
    ana, bruno = factory.user("ana"), factory.user("bruno")
    assert totals(pledge(client, factory, event_id, resource_id, ana, 4)) == (4, False, 4)
    assert totals(pledge(client, factory, event_id, resource_id, bruno, 6)) == (10, True, 6)
    # Everyone sees the total; each sees their own pledge.
    seen_by = {
        who: client.get(resources_of(event_id), headers=factory.auth(who)).json()[0] for who in (ana, bruno, organizer)
    }
    assert {who: (r["quantity_provided"], r["my_pledge"]) for who, r in seen_by.items()} == {
        ana: (10, 4),
        bruno: (10, 6),
        organizer: (10, None),
    }
    assert client.get(resources_of(event_id)).json()[0]["my_pledge"] is None
    assert stored(factory, resource_id) == (10, 10)


def test_a_volunteer_changes_then_withdraws_their_pledge(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    resource_id = add(client, factory, event_id, organizer).json()["id"]
    ana, bruno = factory.user("ana"), factory.user("bruno")
    pledge(client, factory, event_id, resource_id, ana, 3)
    pledge(client, factory, event_id, resource_id, bruno, 5)
    assert totals(pledge(client, factory, event_id, resource_id, ana, 5)) == (10, True, 5)
    assert factory.count("resource_pledges", "user_id = :u", u=ana) == 1  # replaced, not added
    withdraw = f"{resources_of(event_id)}{resource_id}/pledge/"
    assert totals(client.delete(withdraw, headers=factory.auth(ana))) == (5, False, None)
    assert factory.count("resource_pledges", "user_id = :u", u=ana) == 0
    # Nothing left to withdraw.
    again = client.delete(withdraw, headers=factory.auth(ana))
    assert again.status_code == 404 and again.json()["code"] == "pledge_not_found"
    assert client.delete(withdraw).status_code == 401
    assert stored(factory, resource_id) == (5, 5)


def test_over_provision_is_allowed_and_shown(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    resource_id = add(client, factory, event_id, organizer).json()["id"]
    answer = pledge(client, factory, event_id, resource_id, factory.user("ana"), 25)
    assert (answer.json()["quantity_needed"], answer.json()["quantity_provided"]) == (10, 25)
    assert answer.json()["is_fully_provided"] is True


def test_lowering_the_quantity_needed_below_the_pledges_makes_it_fully_provided(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    resource_id = add(client, factory, event_id, organizer).json()["id"]
    volunteer = factory.user("ana")
    pledge(client, factory, event_id, resource_id, volunteer, 4)
    path = f"{resources_of(event_id)}{resource_id}/"
    lowered = client.patch(path, json={"quantity_needed": 3}, headers=factory.auth(organizer))
    assert totals(lowered) == (4, True, None)  # the organizer pledged nothing
    assert client.get(path, headers=factory.auth(volunteer)).json()["my_pledge"] == 4


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 0},
        {"quantity": -1},
        {"quantity": -100},
        {"quantity": "dois"},
        {"quantity": None},
        {"quantity": 1.5},
    ],
)
def test_a_quantity_that_is_not_a_positive_integer_is_400_naming_it_and_changes_nothing(
    client: TestClient[Litestar], factory: Factory, body: dict[str, Any]
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    resource_id = add(client, factory, event_id, organizer).json()["id"]
    volunteer = factory.user("ana")
    pledge(client, factory, event_id, resource_id, volunteer, 2)
    path = f"{resources_of(event_id)}{resource_id}/pledge/"
    answer = client.post(path, json=body, headers=factory.auth(volunteer))
    assert answer.status_code == 400, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == ["quantity"]
    assert stored(factory, resource_id) == (2, 2)
    assert factory.scalar("SELECT quantity FROM resource_pledges WHERE user_id = :u", u=volunteer) == 2


def test_a_pledge_on_another_events_resource_is_404(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    beach, park = factory.event(organizer), factory.event(organizer, title="Plantio no parque", category="Plantio")
    resource_id = add(client, factory, beach, organizer).json()["id"]
    volunteer = factory.user("ana")
    answer = pledge(client, factory, park, resource_id, volunteer, 1)
    assert answer.status_code == 404 and answer.json()["code"] == "resource_not_found"
    assert client.get(f"{resources_of(park)}{resource_id}/").status_code == 404
    edited = client.patch(
        f"{resources_of(park)}{resource_id}/", json={"quantity_needed": 1}, headers=factory.auth(organizer)
    )
    assert edited.status_code == 404
    assert pledge(client, factory, beach, "999999", volunteer, 1).status_code == 404
    assert stored(factory, resource_id) == (0, 0)


def test_removing_a_resource_or_its_event_removes_the_pledges(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    kept, removed = (add(client, factory, event_id, organizer).json()["id"] for _ in range(2))
    volunteer = factory.user("ana")
    pledge(client, factory, event_id, kept, volunteer, 1)
    pledge(client, factory, event_id, removed, volunteer, 1)
    assert client.delete(f"{resources_of(event_id)}{removed}/", headers=factory.auth(organizer)).status_code == 204
    assert factory.count("resource_pledges") == 1
    factory.execute("DELETE FROM events WHERE id = :id", id=event_id)
    assert factory.count("event_resources") == 0 and factory.count("resource_pledges") == 0


@pytest.mark.anyio
async def test_30_volunteers_pledging_at_once_are_all_counted(app: Litestar, factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    volunteers = [factory.user(f"mutirante{i:02d}") for i in range(30)]
    tokens = {volunteer: factory.auth(volunteer) for volunteer in volunteers}
    async with concurrent_client(app) as client:
        created = await client.post(
            resources_of(event_id), json={**GLOVES, "quantity_needed": 20}, headers=factory.auth(organizer)
        )
        resource_id = created.json()["id"]
        path = f"{resources_of(event_id)}{resource_id}/pledge/"
        answers = await asyncio.gather(
            *(client.post(path, json={"quantity": 1}, headers=tokens[v]) for v in volunteers)
        )
        assert {a.status_code for a in answers} == {200}
        # Each answer saw the total at its own turn under the lock: 1, 2, ... 30.
        assert sorted(a.json()["quantity_provided"] for a in answers) == list(range(1, 31))
        final = (await client.get(f"{resources_of(event_id)}{resource_id}/")).json()
    assert (final["quantity_provided"], final["is_fully_provided"]) == (30, True)
    assert stored(factory, resource_id) == (30, 30)


# --- performance by design ---


def _queries_for(client: TestClient[Litestar], app: Litestar, path: str, headers: dict[str, str] | None) -> int:
    log = app.state.query_log
    client.get(path, headers=headers)  # warm-up: a new connection may introspect types once
    before = log.count
    assert client.get(path, headers=headers).status_code == 200
    return int(log.count - before)


def test_the_list_issues_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    organizer = factory.user("org")
    few, many = factory.event(organizer), factory.event(organizer, title="Mutirão grande")
    volunteer = factory.user("ana")
    add(client, factory, few, organizer)
    for n in range(25):
        resource_id = add(client, factory, many, organizer, name=f"Recurso {n}", quantity_needed=5).json()["id"]
        pledge(client, factory, many, resource_id, volunteer, 1)
    for headers in (None, factory.auth(volunteer)):
        counts = [_queries_for(client, app, resources_of(event_id), headers) for event_id in (few, many)]
        # The event, then its resources with the caller's pledges (and, with a token, the caller first).
        assert counts[0] == counts[1] <= (2 if headers is None else 3), counts
    with_token = client.get(resources_of(many), headers=factory.auth(volunteer)).json()
    assert len(with_token) == 25 and {r["my_pledge"] for r in with_token} == {1}
