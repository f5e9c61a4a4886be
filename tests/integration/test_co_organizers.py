"""Who may manage an event (SPEC §3 with organizations): one rule, walked for every kind of caller.

An event is managed by its organizer, its co-organizers, the owners and admins of its organization, and staff;
co-organizers may do everything the organizer does except delete the event and change its co-organizers. An
organization member with the `organizer` role runs their own events, not the organization's others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory

MANAGERS = ("organizer", "co_organizer", "org_owner", "org_admin", "staff")
OWNERS = ("organizer", "org_owner", "org_admin", "staff")
EVERYONE = ("stranger", "participant", "org_organizer", *MANAGERS)


@dataclass
class Team:
    users: dict[str, int]
    organization: int

    def auth(self, factory: Factory, who: str) -> dict[str, str]:
        return factory.auth(self.users[who])


def team(factory: Factory) -> Team:
    users = {who: factory.user(who.replace("_", "")) for who in EVERYONE if who != "staff"}
    users["staff"] = factory.user("equipe", is_staff=True)
    org = factory.organization(owner=users["org_owner"], admin=users["org_admin"])
    factory.member(org, users["org_organizer"], "organizer")
    factory.member(org, users["organizer"], "organizer")
    return Team(users, org)


def event_of(factory: Factory, crew: Team, **kw: Any) -> int:
    """An event of the organization, run by `organizer` with `co_organizer`, joined by `participant`."""
    event_id = factory.event(crew.users["organizer"], **kw)
    factory.execute("UPDATE events SET organization_id = :org WHERE id = :id", org=crew.organization, id=event_id)
    factory.execute(
        "INSERT INTO event_co_organizers (event_id, user_id) VALUES (:id, :user_id)",
        id=event_id,
        user_id=crew.users["co_organizer"],
    )
    factory.execute(
        "INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,"
        " special_needs, experience_level, checked_in, joined_at, created_at, updated_at)"
        " VALUES (:id, :user_id, 'confirmed', '', '', '', 'beginner', false, now(), now(), now())",
        id=event_id,
        user_id=crew.users["participant"],
    )
    factory.execute("UPDATE events SET participants_count = 1 WHERE id = :id", id=event_id)
    return event_id


def test_every_caller_may_manage_an_event_exactly_as_the_rule_says(
    client: TestClient[Litestar], factory: Factory
) -> None:
    crew = team(factory)
    published = event_of(factory, crew)
    draft = event_of(factory, crew, status="draft")
    for who in EVERYONE:
        headers = crew.auth(factory, who)
        manager = who in MANAGERS
        edited = client.patch(f"/api/events/{published}/", json={"description": f"Por {who}"}, headers=headers)
        assert edited.status_code == (200 if manager else 403), (who, edited.text)
        code = client.get(f"/api/events/{published}/check_in_code/", headers=headers)
        assert code.status_code == (200 if manager else 403), (who, code.text)
        participants = client.get(f"/api/events/{published}/participants/", headers=headers)
        full = participants.status_code == 200 and "emergency_contact" in participants.json()["results"][0]
        assert full is manager, (who, participants.text)  # only managers see the emergency contacts
        seen = client.get(f"/api/events/{draft}/", headers=headers)
        assert seen.status_code == (200 if manager or who == "participant" else 404), (who, seen.text)
        listed = client.get("/api/events/", params={"status": "draft"}, headers=headers).json()
        # The list adds the events the caller runs; staff open any event but do not get every draft listed.
        assert (draft in [event["id"] for event in listed["results"]]) is (manager and who != "staff"), who
        edited_draft = client.patch(f"/api/events/{draft}/", json={"description": who}, headers=headers)
        assert edited_draft.status_code == (200 if manager else 404), (who, edited_draft.text)


def test_co_organizers_publish_approve_check_in_report_and_moderate(
    client: TestClient[Litestar], factory: Factory
) -> None:
    crew = team(factory)
    headers = crew.auth(factory, "co_organizer")
    draft = event_of(factory, crew, status="draft", starts_in=dt.timedelta(minutes=30))
    assert client.post(f"/api/events/{draft}/publish/", headers=headers).status_code == 200
    checked = client.post(
        f"/api/events/{draft}/check_in/", json={"user_id": crew.users["participant"]}, headers=headers
    )
    assert checked.status_code == 200, checked.text
    comment = client.post(
        f"/api/events/{draft}/comments/",
        json={"content": "Propaganda fora do tema"},
        headers=crew.auth(factory, "stranger"),
    )
    assert comment.status_code == 201, comment.text
    removed = client.delete(f"/api/events/{draft}/comments/{comment.json()['id']}/", headers=headers)
    assert removed.status_code == 204, removed.text
    factory.execute(
        "UPDATE events SET start_date = start_date - interval '2 days', end_date = end_date - interval '2 days'"
        " WHERE id = :id",
        id=draft,
    )
    report = client.post(f"/api/events/{draft}/report/", json={"trash_collected_kg": 12}, headers=headers)
    assert report.status_code == 201, report.text


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_events_owners_delete_it_and_choose_its_co_organizers(
    client: TestClient[Litestar], factory: Factory, who: str
) -> None:
    crew = team(factory)
    newcomer = factory.user("recemchegada")
    headers = crew.auth(factory, who)
    event_id = event_of(factory, crew)
    added = client.post(f"/api/events/{event_id}/co-organizers/", json={"username": "recemchegada"}, headers=headers)
    assert added.status_code == (201 if who in OWNERS else 403), (who, added.text)
    expected_team = {crew.users["co_organizer"]} | ({newcomer} if who in OWNERS else set())
    assert {member["id"] for member in client.get(f"/api/events/{event_id}/co-organizers/").json()} == expected_team
    removed = client.delete(f"/api/events/{event_id}/co-organizers/{crew.users['co_organizer']}/", headers=headers)
    # A co-organizer may step down; only the owners remove others.
    assert removed.status_code == (204 if who in (*OWNERS, "co_organizer") else 403), (who, removed.text)
    deleted = client.delete(f"/api/events/{event_id}/", headers=headers)
    assert deleted.status_code == (200 if who in OWNERS else 403), (who, deleted.text)  # it had a participant
    assert factory.scalar("SELECT status FROM events WHERE id = :id", id=event_id) == (
        "cancelled" if who in OWNERS else "published"
    )


def test_adding_a_co_organizer_twice_or_the_organizer_or_nobody_is_refused_or_changes_nothing(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("organizadora")
    helper = factory.user("ajudante")
    factory.execute("UPDATE users SET first_name = 'Júlia', last_name = 'Prado' WHERE id = :id", id=helper)
    event_id = factory.event(organizer)
    headers = factory.auth(organizer)
    url = f"/api/events/{event_id}/co-organizers/"
    first = client.post(url, json={"user_id": helper}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == [{"id": helper, "username": "ajudante", "name": "Júlia Prado", "avatar": ""}]
    again = client.post(url, json={"username": "AJUDANTE"}, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    refused = {
        "organizer": (client.post(url, json={"user_id": organizer}, headers=headers), 409, "already_organizer"),
        "unknown": (client.post(url, json={"username": "ninguem"}, headers=headers), 400, "user_not_found"),
        "neither": (client.post(url, json={}, headers=headers), 400, "username_or_user_id_required"),
        "both": (
            client.post(url, json={"username": "ajudante", "user_id": helper}, headers=headers),
            400,
            "username_or_user_id_required",
        ),
        "wrong type": (client.post(url, json={"user_id": "dois"}, headers=headers), 400, None),
    }
    for case, (answer, status, code) in refused.items():
        assert answer.status_code == status, (case, answer.text)
        if code:
            assert code in answer.text, (case, answer.text)
    assert factory.count("event_co_organizers") == 1
    missing = client.delete(f"{url}{organizer}/", headers=headers)
    assert missing.status_code == 404, missing.text
    assert client.get("/api/events/999999/co-organizers/").status_code == 404


def test_an_event_runs_under_an_organization_only_its_members_choose(
    client: TestClient[Litestar], factory: Factory
) -> None:
    member = factory.user("membro")
    outsider = factory.user("forasteira")
    org = factory.organization("Escola Verde", organizer=member)
    body = {
        "title": "Plantio na escola",
        "category": 2,
        "latitude": -23.96,
        "longitude": -46.33,
        "start_date": (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).isoformat(),
        "end_date": (dt.datetime.now(dt.UTC) + dt.timedelta(days=5, hours=2)).isoformat(),
        "max_participants": 20,
        "organization": org,
    }
    made = client.post("/api/events/", json=body, headers=factory.auth(member))
    assert made.status_code == 201, made.text
    assert (made.json()["organization"], made.json()["organization_name"]) == (org, "Escola Verde")
    refused = client.post("/api/events/", json=body, headers=factory.auth(outsider))
    assert refused.status_code == 403 and "not_organization_member" in refused.text
    unknown = client.post("/api/events/", json={**body, "organization": 999999}, headers=factory.auth(member))
    assert unknown.status_code == 400 and "organization_not_found" in unknown.text
    own = factory.event(outsider)
    moved = client.patch(f"/api/events/{own}/", json={"organization": org}, headers=factory.auth(outsider))
    assert moved.status_code == 403, moved.text
    assert factory.count("events", "organization_id IS NOT NULL") == 1
    left = client.patch(f"/api/events/{made.json()['id']}/", json={"organization": None}, headers=factory.auth(member))
    assert left.status_code == 200 and left.json()["organization"] is None


def test_the_co_organizer_list_issues_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    organizer = factory.user("organizadora")
    event_id = factory.event(organizer)
    url = f"/api/events/{event_id}/co-organizers/"
    log = app.state.query_log
    counts = []
    for size in (1, 20):
        while len(client.get(url).json()) < size:
            added = client.post(url, json={"user_id": factory.user()}, headers=factory.auth(organizer))
            assert added.status_code == 201, added.text
        before = log.count
        assert len(client.get(url).json()) == size
        counts.append(log.count - before)
    assert counts[0] == counts[1], counts
    refused = client.post(url, json={"user_id": factory.user()}, headers=factory.auth(organizer))
    assert refused.status_code == 409 and refused.json()["code"] == "too_many_co_organizers"
