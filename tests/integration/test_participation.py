"""Joining and leaving (SPEC §3): capacity is an invariant and the waitlist is served in arrival order."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.concurrency import concurrent_client
from tests.support.factories import Factory


def join(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int, **body: str) -> Response:
    return client.post(f"/api/events/{event_id}/join/", json=body, headers=factory.auth(user_id))


def statuses(factory: Factory, event_id: object) -> dict[str, int]:
    rows = factory.execute(
        "SELECT status, count(*) AS n FROM event_participants WHERE event_id = :id GROUP BY status", id=event_id
    ).all()
    return {row.status: row.n for row in rows}


def counters(factory: Factory, event_id: object) -> tuple[int, int, int]:
    row = factory.execute(
        "SELECT participants_count, waitlist_count, pending_count FROM events WHERE id = :id", id=event_id
    ).one()
    return (row.participants_count, row.waitlist_count, row.pending_count)


def test_a_free_spot_confirms_and_a_full_event_waitlists(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, max_participants=1)
    first, second = factory.user("primeira"), factory.user("segunda")
    answer = join(client, factory, event_id, first, emergency_contact="Mãe", emergency_phone="+55 11 99999-0000")
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "confirmed"
    assert answer.json()["emergency_contact"] == "Mãe"
    assert join(client, factory, event_id, second).json()["status"] == "waitlisted"
    assert counters(factory, event_id) == (1, 1, 0)
    event = client.get(f"/api/events/{event_id}/", headers=factory.auth(second)).json()
    assert (event["participants_count"], event["waitlist_count"], event["available_spots"]) == (1, 1, 0)
    assert event["user_participating"] is True and event["user_participation_status"] == "waitlisted"


def test_joining_twice_is_409_and_changes_nothing(client: TestClient[Litestar], factory: Factory) -> None:
    event_id = factory.event(factory.user("org"))
    volunteer = factory.user("vol")
    assert join(client, factory, event_id, volunteer).status_code == 201
    again = join(client, factory, event_id, volunteer)
    assert again.status_code == 409
    assert counters(factory, event_id) == (1, 0, 0)


def test_the_organizer_cannot_join(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    assert join(client, factory, event_id, organizer).status_code == 403
    assert counters(factory, event_id) == (0, 0, 0)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"status": "draft"}, 404),
        ({"status": "cancelled"}, 409),
        ({"starts_in": dt.timedelta(hours=-1), "hours": 3}, 409),
        ({"registration_deadline": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}, 409),
    ],
)
def test_registration_must_be_open(
    client: TestClient[Litestar], factory: Factory, event: dict[str, object], expected: int
) -> None:
    event_id = factory.event(factory.user("org"), **event)  # type: ignore[arg-type]
    volunteer = factory.user("vol")
    assert join(client, factory, event_id, volunteer).status_code == expected
    assert counters(factory, event_id) == (0, 0, 0)


def test_age_limits_apply_when_the_birth_date_is_known(client: TestClient[Litestar], factory: Factory) -> None:
    event_id = factory.event(factory.user("org"))
    today = dt.date.today()
    teenager = factory.user("jovem", birth_date=today.replace(year=today.year - 14))
    adult = factory.user("adulta", birth_date=today.replace(year=today.year - 30))
    unknown = factory.user("semdata")
    refused = join(client, factory, event_id, teenager)
    assert refused.status_code == 403
    assert "16" in refused.json()["message"]
    assert join(client, factory, event_id, adult).status_code == 201
    assert join(client, factory, event_id, unknown).status_code == 201


def test_requires_approval_makes_the_participation_pending(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    factory.execute("UPDATE events SET requires_approval = true WHERE id = :id", id=event_id)
    assert join(client, factory, event_id, factory.user("vol")).json()["status"] == "pending"
    assert counters(factory, event_id) == (0, 0, 1)


def test_bad_join_bodies_are_400(client: TestClient[Litestar], factory: Factory) -> None:
    event_id = factory.event(factory.user("org"))
    volunteer = factory.user("vol")
    for body in ({"experience_level": "guru"}, {"emergency_phone": "9" * 30}, {"special_needs": 5}):
        response = client.post(f"/api/events/{event_id}/join/", json=body, headers=factory.auth(volunteer))
        assert response.status_code == 400, body
    assert counters(factory, event_id) == (0, 0, 0)
    assert client.post(f"/api/events/{event_id}/join/", json={}).status_code == 401


def test_leaving_promotes_the_earliest_waitlisted_and_one_may_join_again(
    client: TestClient[Litestar], factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"), max_participants=1)
    first, second, third = factory.user("a1"), factory.user("a2"), factory.user("a3")
    for volunteer in (first, second, third):
        join(client, factory, event_id, volunteer)
    left = client.post(f"/api/events/{event_id}/leave/", headers=factory.auth(first))
    assert left.status_code == 200 and left.json()["status"] == "cancelled"
    assert factory.scalar("SELECT status FROM event_participants WHERE user_id = :u", u=second) == "confirmed"
    assert factory.scalar("SELECT status FROM event_participants WHERE user_id = :u", u=third) == "waitlisted"
    assert counters(factory, event_id) == (1, 1, 0)
    assert client.post(f"/api/events/{event_id}/leave/", headers=factory.auth(first)).status_code == 404
    rejoined = join(client, factory, event_id, first)
    assert rejoined.status_code == 201 and rejoined.json()["status"] == "waitlisted"
    # Back of the queue: behind the third volunteer.
    client.post(f"/api/events/{event_id}/leave/", headers=factory.auth(second))
    assert factory.scalar("SELECT status FROM event_participants WHERE user_id = :u", u=third) == "confirmed"
    assert factory.scalar("SELECT status FROM event_participants WHERE user_id = :u", u=first) == "waitlisted"


def test_raising_capacity_promotes_as_many_as_fit(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, max_participants=1)
    volunteers = [factory.user(f"v{i}") for i in range(5)]
    for volunteer in volunteers:
        join(client, factory, event_id, volunteer)
    raised = client.patch(f"/api/events/{event_id}/", json={"max_participants": 3}, headers=factory.auth(organizer))
    assert raised.status_code == 200
    assert (raised.json()["participants_count"], raised.json()["waitlist_count"]) == (3, 2)
    confirmed = {
        row.user_id
        for row in factory.execute("SELECT user_id FROM event_participants WHERE status = 'confirmed'").all()
    }
    assert confirmed == set(volunteers[:3])
    lowered = client.patch(f"/api/events/{event_id}/", json={"max_participants": 2}, headers=factory.auth(organizer))
    assert lowered.status_code == 409


def test_my_events_lists_what_the_caller_joined(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    joined = factory.event(organizer)
    factory.event(organizer)
    join(client, factory, joined, volunteer)
    mine = client.get("/api/events/my_events/", headers=factory.auth(volunteer)).json()
    assert [e["id"] for e in mine["participating"]] == [joined]
    assert mine["participating"][0]["user_participation_status"] == "confirmed"
    listed = client.get("/api/events/", headers=factory.auth(volunteer)).json()["results"]
    flags = {e["id"]: e["user_participating"] for e in listed}
    assert flags[joined] is True and list(flags.values()).count(True) == 1


@pytest.mark.slow
@pytest.mark.anyio
async def test_300_concurrent_joins_on_50_spots_confirm_exactly_50_in_arrival_order(
    app: Litestar, factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"), max_participants=50)
    volunteers = [factory.user(f"corrida{i:03d}") for i in range(300)]
    tokens = {volunteer: factory.auth(volunteer) for volunteer in volunteers}
    async with concurrent_client(app) as client:
        answers = await asyncio.gather(
            *(client.post(f"/api/events/{event_id}/join/", json={}, headers=tokens[v]) for v in volunteers)
        )
        assert sorted({a.status_code for a in answers}) == [201]
        assert statuses(factory, event_id) == {"confirmed": 50, "waitlisted": 250}
        assert counters(factory, event_id) == (50, 250, 0)
        by_arrival = factory.execute(
            "SELECT user_id, status FROM event_participants WHERE event_id = :id ORDER BY arrival", id=event_id
        ).all()
        # Arrival order decides: the first 50 to take the event's lock are the confirmed ones.
        assert [row.status for row in by_arrival] == ["confirmed"] * 50 + ["waitlisted"] * 250
        leaving = [row.user_id for row in by_arrival[:10]]
        next_in_line = {row.user_id for row in by_arrival[50:60]}
        left = await asyncio.gather(
            *(client.post(f"/api/events/{event_id}/leave/", headers=tokens[v]) for v in leaving)
        )
        assert {a.status_code for a in left} == {200}
    confirmed_now = {
        row.user_id
        for row in factory.execute(
            "SELECT user_id FROM event_participants WHERE event_id = :id AND status = 'confirmed'", id=event_id
        ).all()
    }
    assert next_in_line <= confirmed_now
    assert len(confirmed_now) == 50
    assert counters(factory, event_id) == (50, 240, 0)
