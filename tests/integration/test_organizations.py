"""Organizations (issue 15): created by anyone logged in (who becomes the first owner), found by name, edited by
their owners and admins, verified by staff only."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory

URL = "/api/organizations/"
BODY: dict[str, Any] = {
    "name": "Coletivo Maré Limpa",
    "description": "Limpamos as praias de Santos.",
    "city": "Santos",
    "state": "sp",
    "website": "https://marelimpa.example.org",
}


def create(client: TestClient[Litestar], factory: Factory, user_id: int, **overrides: Any) -> dict[str, Any]:
    answer = client.post(URL, json=BODY | overrides, headers=factory.auth(user_id))
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def test_the_creator_becomes_the_first_owner_and_the_slug_comes_from_the_name(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    made = create(client, factory, ana)
    assert made["slug"] == "coletivo-mare-limpa" and made["state"] == "SP"
    assert (made["members_count"], made["followers_count"], made["is_verified"]) == (1, 0, False)
    assert factory.scalar("SELECT role FROM organization_members WHERE user_id = :id", id=ana) == "owner"
    assert client.get(f"{URL}{made['id']}/").json() == made
    assert client.get(f"{URL}999999/").status_code == 404


def test_a_bad_body_or_a_taken_slug_is_refused_and_nothing_is_stored(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    create(client, factory, ana, slug="mare-limpa")
    headers = factory.auth(ana)
    refused: dict[str, tuple[dict[str, Any], str | None]] = {
        "slug taken in another case": ({"slug": "mare-limpa", "name": "Outra"}, "slug_taken"),
        "slug from a taken name": ({"name": "Mare Limpa", "slug": "mare-limpa"}, "slug_taken"),
        "state": ({"state": "XX"}, "state_invalid"),
        "short name": ({"name": " a "}, "too_short"),
        "name of symbols": ({"name": "!!!"}, "too_short"),
        "website": ({"website": "javascript:alert(1)"}, None),
        "slug pattern": ({"slug": "Maré Limpa"}, None),
        "wrong type": ({"name": 7}, None),
    }
    for case, (overrides, code) in refused.items():
        answer = client.post(URL, json=BODY | overrides, headers=headers)
        assert answer.status_code == 400, (case, answer.text)
        assert code is None or answer.json()["code"] == code, (case, answer.text)
    assert client.post(URL, json=BODY).status_code == 401
    assert factory.count("organizations") == 1 and factory.count("organization_members") == 1


def test_owners_and_admins_edit_staff_verify_and_the_others_are_refused(
    client: TestClient[Litestar], factory: Factory
) -> None:
    owner, admin, organizer, stranger = (factory.user(name) for name in ("dona", "admin", "org", "estranho"))
    staff = factory.user("equipe", is_staff=True)
    org = create(client, factory, owner)["id"]
    for user_id, role in ((admin, "admin"), (organizer, "organizer")):
        factory.execute(
            "INSERT INTO organization_members (organization_id, user_id, role, created_at, updated_at)"
            " VALUES (:org, :id, :role, now(), now())",
            org=org,
            id=user_id,
            role=role,
        )
    for user_id, status in ((owner, 200), (admin, 200), (staff, 200), (organizer, 403), (stranger, 403)):
        answer = client.patch(f"{URL}{org}/", json={"description": f"por {user_id}"}, headers=factory.auth(user_id))
        assert answer.status_code == status, (user_id, answer.text)
    for user_id, status in ((owner, 403), (admin, 403), (staff, 200)):
        answer = client.patch(f"{URL}{org}/", json={"is_verified": True}, headers=factory.auth(user_id))
        assert answer.status_code == status, (user_id, answer.text)
    final = client.get(f"{URL}{org}/").json()
    assert final["is_verified"] is True and final["description"] == f"por {staff}"
    assert final["members_count"] == 3
    assert client.patch(f"{URL}{org}/", headers=factory.auth(owner)).status_code == 200  # no body: nothing changes


def test_the_list_finds_by_name_without_accents_in_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    ana = factory.user("ana")
    for number in range(12):
        create(client, factory, ana, name=f"Instituto Árvore {number:02d}")
    create(client, factory, ana, name="Escola Verde")
    found = client.get(URL, params={"search": "ARVORE", "page_size": 5}).json()
    assert found["count"] == 12 and len(found["results"]) == 5 and found["next"]
    assert found["results"][0]["name"] == "Instituto Árvore 00"
    assert client.get(URL, params={"search": "100%"}).json()["count"] == 0
    log = app.state.query_log
    counts = []
    for size in (1, 13):
        before = log.count
        assert len(client.get(URL, params={"page_size": size}).json()["results"]) == size
        counts.append(log.count - before)
    assert counts[0] == counts[1], counts
    assert client.get(URL, params={"page": 9}).status_code == 404
