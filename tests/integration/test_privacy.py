"""LGPD (SPEC §5): a user downloads all their data as JSON, and erases their account, leaving an anonymous history."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from app.domain.accounts.privacy import SECTIONS
from tests.support.concurrency import concurrent_client
from tests.support.factories import DEFAULT_PASSWORD, Factory

EXPORT = "/api/users/export/"
ERASE = "/api/users/delete-account/"


def join(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int) -> dict[str, Any]:
    answer = client.post(
        f"/api/events/{event_id}/join/",
        json={"emergency_contact": "Maria Souza", "emergency_phone": "+55 13 99999-0000"},
        headers=factory.auth(user_id),
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def resource_with_pledge(
    client: TestClient[Litestar], factory: Factory, event_id: int, organizer: int, volunteer: int, quantity: int
) -> str:
    made = client.post(
        f"/api/events/{event_id}/resources/",
        json={"name": "Luvas", "resource_type": "equipment", "quantity_needed": 10},
        headers=factory.auth(organizer),
    )
    assert made.status_code == 201, made.text
    resource_id: str = made.json()["id"]
    pledged = client.post(
        f"/api/events/{event_id}/resources/{resource_id}/pledge/",
        json={"quantity": quantity},
        headers=factory.auth(volunteer),
    )
    assert pledged.status_code == 200, pledged.text
    return resource_id


def comment(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int, content: str) -> str:
    made = client.post(f"/api/events/{event_id}/comments/", json={"content": content}, headers=factory.auth(user_id))
    assert made.status_code == 201, made.text
    comment_id: str = made.json()["id"]
    return comment_id


def past_check_in(factory: Factory, organizer: int, user_id: int) -> int:
    """A checked-in participation, with emergency data, at an event that ended yesterday."""
    event_id = factory.event(organizer, title="Plantio na serra", starts_in=dt.timedelta(days=-1, hours=-4))
    factory.execute(
        """
        INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
            special_needs, experience_level, checked_in, check_in_time, joined_at, created_at, updated_at)
        VALUES (:e, :u, 'confirmed', 'Maria Souza', '+55 13 99999-0000', 'asma', 'beginner',
            true, now() - interval '1 day', now() - interval '3 days', now(), now())
        """,
        e=event_id,
        u=user_id,
    )
    return event_id


def with_contact_details(factory: Factory, user_id: int) -> int:
    factory.execute(
        "UPDATE user_profiles SET phone = '+55 11 98888-7777', city = 'Santos' WHERE user_id = :u", u=user_id
    )
    return user_id


def log_in(client: TestClient[Litestar], username: str) -> Any:
    return client.post("/api/token/", json={"username": username, "password": DEFAULT_PASSWORD})


# --- export ---------------------------------------------------------------------------------------------------------


def test_the_export_holds_every_row_that_names_the_caller_and_nobody_elses(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, bia, org = with_contact_details(factory, factory.user("ana")), factory.user("bia"), factory.user("org")
    event_id = factory.event(org, title="Limpeza da praia do Gonzaga")
    join(client, factory, event_id, ana)
    join(client, factory, event_id, bia)
    resource_with_pledge(client, factory, event_id, org, ana, 2)
    comment(client, factory, event_id, ana, "Levo sacos de lixo")
    comment(client, factory, event_id, bia, "Comentário da Bia")
    organized = factory.event(ana, title="Plantio de mudas", status="draft")
    past_check_in(factory, org, ana)
    assert log_in(client, "ana").status_code == 200

    answer = client.get(EXPORT, headers=factory.auth(ana))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"].startswith('attachment; filename="mutiroes-')
    assert answer.headers["cache-control"] == "no-store"
    data = answer.json()
    assert data["format"] == "mutiroes-export/1"
    assert set(data) == {"format", "exported_at", *(section.name for section in SECTIONS)}
    assert data["account"]["username"] == "ana" and data["account"]["email"] == "ana@example.org"
    assert data["profile"]["phone"] == "+55 11 98888-7777"
    assert "password_hash" not in answer.text and "$argon2" not in answer.text
    joined = {(row["event_title"], row["status"], row["emergency_contact"]) for row in data["participations"]}
    assert joined == {
        ("Limpeza da praia do Gonzaga", "confirmed", "Maria Souza"),
        ("Plantio na serra", "confirmed", "Maria Souza"),
    }
    assert [row["content"] for row in data["comments"]] == ["Levo sacos de lixo"]
    assert [(row["resource_name"], row["quantity"]) for row in data["pledges"]] == [("Luvas", 2)]
    assert [row["id"] for row in data["organized_events"]] == [organized]
    assert len(data["sessions"]) == 1 and "spent_at" in data["sessions"][0]
    assert "Comentário da Bia" not in answer.text and "bia@example.org" not in answer.text
    assert data["badges"] == [] and data["reports_filed"] == []


def test_every_table_that_points_at_users_is_in_the_export(factory: Factory) -> None:
    pointing = factory.execute(
        """
        SELECT c.conrelid::regclass::text, a.attname
        FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass
        """
    ).all()
    exported = {(section.table, section.user_column) for section in SECTIONS}
    assert len(pointing) >= 12
    assert {(table, column) for table, column in pointing} <= exported
    assert ("users", "id") in exported


def test_the_export_is_one_query_whatever_the_caller_holds(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    log = app.state.query_log
    quiet, busy, org = factory.user(), factory.user(), factory.user()
    for day in range(15):
        event_id = factory.event(org, starts_in=dt.timedelta(days=day + 1))
        join(client, factory, event_id, busy)
        comment(client, factory, event_id, busy, f"Comentário {day}")

    def queries(user_id: int) -> int:
        before = log.count
        assert client.get(EXPORT, headers=factory.auth(user_id)).status_code == 200
        return int(log.count - before)

    queries(quiet)  # warm-up
    assert queries(quiet) == queries(busy) <= 3  # the caller's look-up, the document (and a BEGIN)


def test_the_export_needs_a_token(client: TestClient[Litestar]) -> None:
    answer = client.get(EXPORT)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


# --- erasure --------------------------------------------------------------------------------------------------------


def test_erasing_an_account_anonymises_it_gives_back_its_place_and_keeps_the_history(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, bia, org = with_contact_details(factory, factory.user("ana")), factory.user("bia"), factory.user()
    full = factory.event(org, title="Limpeza do mangue", max_participants=1)
    assert join(client, factory, full, ana)["status"] == "confirmed"
    assert join(client, factory, full, bia)["status"] == "waitlisted"
    resource_id = resource_with_pledge(client, factory, full, org, ana, 3)
    comment_id = comment(client, factory, full, ana, "Chego às 8h")
    past = past_check_in(factory, org, ana)
    draft = factory.event(ana, status="draft")
    refresh = log_in(client, "ana").json()["refresh"]
    token = factory.auth(ana)

    assert client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=token).status_code == 204

    # Nobody can act as them any more.
    assert log_in(client, "ana").status_code == 401
    assert client.get("/api/users/profile/", headers=token).status_code == 401
    assert client.post("/api/token/refresh/", json={"refresh": refresh}).status_code == 401
    assert factory.count("refresh_tokens", "user_id = :u", u=ana) == 0
    # Nothing that identifies them is left.
    user = factory.execute("SELECT * FROM users WHERE id = :u", u=ana).mappings().one()
    assert user["username"] == f"removido-{ana}" and user["email"] == f"{ana}@removido.invalid"
    assert (user["first_name"], user["last_name"], user["is_active"]) == ("Usuário", "removido", False)
    profile = factory.execute("SELECT * FROM user_profiles WHERE user_id = :u", u=ana).mappings().one()
    assert (profile["phone"], profile["city"], profile["is_public_profile"]) == ("", "", False)
    assert not any(profile["notification_preferences"].values())
    assert factory.count("event_participants", "user_id = :u AND emergency_contact <> ''", u=ana) == 0
    assert client.get("/api/users/profile/ana/").status_code == 404
    # What was ahead went back through the ordinary rules: the waitlist moved up, the pledge stopped counting.
    statuses = dict(factory.execute("SELECT user_id, status FROM event_participants WHERE event_id = :e", e=full).all())
    assert statuses == {ana: "cancelled", bia: "confirmed"}
    assert factory.scalar("SELECT quantity_provided FROM event_resources WHERE id = :r", r=resource_id) == 0
    assert factory.count("events", "id = :e", e=draft) == 0
    # What happened stays, anonymous.
    assert factory.count("event_participants", "event_id = :e AND user_id = :u AND checked_in", e=past, u=ana) == 1
    comments = client.get(f"/api/events/{full}/comments/").json()["results"]
    assert [(c["id"], c["content"], c["user_name"]) for c in comments] == [
        (comment_id, "Chego às 8h", "Usuário removido")
    ]
    # The name is free again.
    registered = client.post(
        "/api/users/register/",
        json={
            "username": "ana",
            "email": "ana@example.org",
            "password": "Outra-senha-2026",
            "password_confirm": "Outra-senha-2026",
        },
    )
    assert registered.status_code == 201, registered.text


def test_erasure_asks_for_the_password_and_a_wrong_one_changes_nothing(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    before = factory.execute("SELECT username, email, is_active FROM users WHERE id = :u", u=ana).one()
    bodies: list[object] = [{"password": "not-my-password"}, {}, {"password": 12}, []]
    for body in bodies:
        answer = client.post(ERASE, json=body, headers=factory.auth(ana))
        assert answer.status_code == 400, (body, answer.text)
    assert client.post(ERASE, json={"password": "x"}, headers=factory.auth(ana)).json()["errors"][0]["field"] == (
        "password"
    )
    assert factory.execute("SELECT username, email, is_active FROM users WHERE id = :u", u=ana).one() == before
    assert client.post(ERASE, json={"password": DEFAULT_PASSWORD}).status_code == 401


def test_an_organizer_of_an_event_still_ahead_cancels_it_before_erasing(
    client: TestClient[Litestar], factory: Factory
) -> None:
    org = factory.user("org")
    event_id = factory.event(org)
    refused = client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=factory.auth(org))
    assert refused.status_code == 409
    assert refused.json()["code"] == "organizes_upcoming_events"
    assert factory.scalar("SELECT is_active FROM users WHERE id = :u", u=org) is True
    assert client.post(f"/api/events/{event_id}/cancel/", headers=factory.auth(org)).status_code == 200
    assert client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=factory.auth(org)).status_code == 204
    # The cancelled event stays, under the anonymous name.
    assert client.get(f"/api/events/{event_id}/").json()["organizer_name"] == "Usuário removido"


def test_the_only_owner_of_an_organization_hands_it_over_before_erasing(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, bia = factory.user("ana"), factory.user("bia")
    organization = factory.organization(owner=ana, organizer=bia)
    refused = client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=factory.auth(ana))
    assert refused.status_code == 409
    assert refused.json()["code"] == "owns_organizations"
    assert factory.scalar("SELECT is_active FROM users WHERE id = :u", u=ana) is True
    assert factory.count("organization_members", "user_id = :u", u=ana) == 1

    promoted = client.patch(
        f"/api/organizations/{organization}/members/{bia}/", json={"role": "owner"}, headers=factory.auth(ana)
    )
    assert promoted.status_code == 200, promoted.text
    assert client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=factory.auth(ana)).status_code == 204
    members = factory.execute(
        "SELECT user_id, role FROM organization_members WHERE organization_id = :o", o=organization
    ).all()
    assert [tuple(member) for member in members] == [(bia, "owner")]


def test_an_erased_account_leaves_its_organizations_follows_and_invitations(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, owner = factory.user("ana"), factory.user("owner")
    member_of = factory.organization("Coletivo Maré Limpa", owner=owner, admin=ana)
    followed = factory.organization("Amigos do Rio", owner=owner)
    invited_to = factory.organization("Verde Vivo", owner=owner)
    assert client.post(f"/api/organizations/{followed}/follow/", headers=factory.auth(ana)).status_code in (200, 204)
    for username in ("ana", "outra"):
        if username == "outra":
            factory.user("outra")
        sent = client.post(
            f"/api/organizations/{invited_to}/invitations/",
            json={"username": username, "role": "organizer"},
            headers=factory.auth(owner),
        )
        assert sent.status_code == 201, sent.text
    email = factory.scalar("SELECT email FROM users WHERE id = :u", u=ana)

    assert client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=factory.auth(ana)).status_code == 204
    assert factory.count("organization_members", "user_id = :u", u=ana) == 0
    assert factory.count("organization_members", "organization_id = :o", o=member_of) == 1
    assert factory.count("organization_followers", "user_id = :u", u=ana) == 0
    assert factory.count("organization_invitations", "user_id = :u OR lower(email) = lower(:e)", u=ana, e=email) == 0
    assert factory.count("organization_invitations") == 1  # the other person's


def test_an_erased_co_organizer_leaves_the_teams_of_events_ahead_and_stays_on_past_ones(
    client: TestClient[Litestar], factory: Factory
) -> None:
    org, ana = factory.user("org"), factory.user("ana")
    ahead = factory.event(org)
    past = factory.event(org, starts_in=dt.timedelta(days=-3))
    for event_id in (ahead, past):
        factory.execute(
            "INSERT INTO event_co_organizers (event_id, user_id, added_by_id) VALUES (:e, :u, :o)",
            e=event_id,
            u=ana,
            o=org,
        )
    assert client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=factory.auth(ana)).status_code == 204
    assert client.get(f"/api/events/{ahead}/co-organizers/").json() == []
    [kept] = client.get(f"/api/events/{past}/co-organizers/").json()
    assert kept["name"] == "Usuário removido"


# --- erasure under concurrency ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_two_owners_erasing_their_accounts_at_once_leave_their_organization_one_owner(
    app: Litestar, factory: Factory
) -> None:
    ana, bia = factory.user("ana"), factory.user("bia")
    organization = factory.organization(owner=ana)
    factory.member(organization, bia, "owner")
    async with concurrent_client(app) as client:
        with anyio.fail_after(30):
            answers = await asyncio.gather(
                *(
                    client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=factory.auth(user))
                    for user in (ana, bia)
                )
            )
    assert sorted(answer.status_code for answer in answers) == [204, 409], [answer.text for answer in answers]
    assert factory.count("organization_members", "organization_id = :o AND role = 'owner'", o=organization) == 1


def test_a_double_submitted_erasure_erases_once(client: TestClient[Litestar], factory: Factory) -> None:
    ana = factory.user("ana")
    event_id = factory.event(factory.user(), max_participants=1)
    join(client, factory, event_id, ana)
    token = factory.auth(ana)
    with ThreadPoolExecutor(max_workers=4) as requests:
        answers = list(
            requests.map(lambda _: client.post(ERASE, json={"password": DEFAULT_PASSWORD}, headers=token), range(4))
        )
    assert sorted(answer.status_code for answer in answers) == [204, 401, 401, 401]
    assert factory.scalar("SELECT participants_count FROM events WHERE id = :e", e=event_id) == 0


def _until(condition: Any, what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_join_caught_in_flight_by_an_erasure_gives_its_spot_back(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    event_id = factory.event(factory.user(), max_participants=5)
    token = factory.auth(ana)

    def waiting_on_locks() -> int:
        return int(factory.scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))

    with ThreadPoolExecutor(max_workers=2) as requests, factory.engine.connect() as holder:
        # Someone else holds the event's row: Ana's join, already past its authentication, waits for it.
        holder.execute(text("SELECT 1 FROM events WHERE id = :e FOR UPDATE"), {"e": event_id})
        join = requests.submit(client.post, f"/api/events/{event_id}/join/", json={}, headers=token)
        _until(lambda: waiting_on_locks() == 1, "the join to wait for the event")
        erase = requests.submit(client.post, ERASE, json={"password": DEFAULT_PASSWORD}, headers=token)
        # The erasure waits for the join (which holds the account's row) instead of finishing before it.
        _until(lambda: erase.done() or waiting_on_locks() == 2, "the erasure to finish or wait")
        assert not erase.done()
        holder.rollback()
        joined, erased = join.result(timeout=30), erase.result(timeout=30)
    assert (joined.status_code, erased.status_code) == (201, 204), (joined.text, erased.text)
    assert factory.scalar("SELECT status FROM event_participants WHERE user_id = :u", u=ana) == "cancelled"
    assert factory.scalar("SELECT participants_count FROM events WHERE id = :e", e=event_id) == 0
