"""Approval, check-in with proof of presence, and who sees the participants (SPEC §3)."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import SANTOS, Factory

NEAR_SANTOS = (SANTOS[0] + 0.001, SANTOS[1])  # ~111 m away
BLOCKS_AWAY = (SANTOS[0] + 0.007, SANTOS[1])  # ~778 m away
FAR_FROM_SANTOS = (SANTOS[0] + 0.0095, SANTOS[1])  # ~1,056 m away


def joined(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int) -> str:
    response = client.post(
        f"/api/events/{event_id}/join/", json={"emergency_contact": "Irmã"}, headers=factory.auth(user_id)
    )
    assert response.status_code == 201, response.text
    participation_id: str = response.json()["id"]
    return participation_id


def running_event(factory: Factory, organizer: int, **overrides: object) -> int:
    """An event starting in 30 minutes (check-in is open), with a known code."""
    event_id = factory.event(organizer, starts_in=dt.timedelta(minutes=30), **overrides)  # type: ignore[arg-type]
    factory.execute("UPDATE events SET check_in_code = 'K7M2QX' WHERE id = :id", id=event_id)
    return event_id


def checked_in(factory: Factory, user_id: int) -> bool:
    return bool(factory.scalar("SELECT checked_in FROM event_participants WHERE user_id = :u", u=user_id))


# --- approval ---


def test_the_organizer_approves_and_approval_never_exceeds_capacity(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, max_participants=1)
    factory.execute("UPDATE events SET requires_approval = true WHERE id = :id", id=event_id)
    first, second = factory.user("a1"), factory.user("a2")
    first_id, second_id = joined(client, factory, event_id, first), joined(client, factory, event_id, second)
    path = f"/api/events/{event_id}/participants"
    assert (
        client.patch(f"{path}/{first_id}/", json={"status": "confirmed"}, headers=factory.auth(second)).status_code
        == 403
    )
    approved = client.patch(f"{path}/{first_id}/", json={"status": "confirmed"}, headers=factory.auth(organizer))
    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    full = client.patch(f"{path}/{second_id}/", json={"status": "confirmed"}, headers=factory.auth(organizer))
    assert full.json()["status"] == "waitlisted"
    rejected = client.patch(f"{path}/{first_id}/", json={"status": "rejected"}, headers=factory.auth(organizer))
    assert rejected.json()["status"] == "rejected"
    # The freed spot goes to the waitlist.
    assert factory.scalar("SELECT status FROM event_participants WHERE id = :id", id=second_id) == "confirmed"
    bad = client.patch(f"{path}/{second_id}/", json={"status": "maybe"}, headers=factory.auth(organizer))
    assert bad.status_code == 400
    assert client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(first)).status_code == 409


# --- check-in ---


def test_check_in_with_the_code(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = running_event(factory, organizer)
    joined(client, factory, event_id, volunteer)
    wrong = client.post(
        f"/api/events/{event_id}/check_in/", json={"check_in_code": "AAAAAA"}, headers=factory.auth(volunteer)
    )
    assert wrong.status_code == 400 and not checked_in(factory, volunteer)
    right = client.post(
        f"/api/events/{event_id}/check_in/", json={"check_in_code": "k7m2qx"}, headers=factory.auth(volunteer)
    )
    assert right.status_code == 200
    assert right.json()["checked_in"] is True and right.json()["check_in_time"]
    again = client.post(
        f"/api/events/{event_id}/check_in/", json={"check_in_code": "K7M2QX"}, headers=factory.auth(volunteer)
    )
    assert again.status_code == 200 and again.json()["check_in_time"] == right.json()["check_in_time"]


def test_check_in_with_a_position_within_the_radius_widened_by_accuracy_up_to_a_cap(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = running_event(factory, organizer)
    near, far, vague = factory.user("perto"), factory.user("longe"), factory.user("impreciso")
    for volunteer in (near, far, vague):
        joined(client, factory, event_id, volunteer)
    path = f"/api/events/{event_id}/check_in/"

    def position(at: tuple[float, float], accuracy: float | None = None) -> dict[str, float]:
        body = {"latitude": at[0], "longitude": at[1]}
        return body | ({"accuracy": accuracy} if accuracy is not None else {})

    assert client.post(path, json=position(NEAR_SANTOS, 15), headers=factory.auth(near)).status_code == 200
    too_far = client.post(path, json=position(BLOCKS_AWAY, 10), headers=factory.auth(far))
    assert too_far.status_code == 400 and "778 m" in too_far.json()["message"]
    assert not checked_in(factory, far)
    # A vague position widens the circle (300 m + 500 m reaches 778 m) …
    assert client.post(path, json=position(BLOCKS_AWAY, 500), headers=factory.auth(vague)).status_code == 200
    # … but never past 1,000 m, whatever the accuracy claimed.
    assert client.post(path, json=position(FAR_FROM_SANTOS, 5000), headers=factory.auth(far)).status_code == 400
    assert client.post(path, json={}, headers=factory.auth(far)).status_code == 400
    assert client.post(path, json={"latitude": 91, "longitude": 0}, headers=factory.auth(far)).status_code == 400
    assert client.post(path, json=position(NEAR_SANTOS, -5), headers=factory.auth(far)).status_code == 400
    assert not checked_in(factory, far)


@pytest.mark.parametrize(("starts_in", "hours"), [(dt.timedelta(hours=2), 3), (dt.timedelta(hours=-4), 3)])
def test_check_in_is_refused_outside_its_window(
    client: TestClient[Litestar], factory: Factory, starts_in: dt.timedelta, hours: float
) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = factory.event(organizer, starts_in=dt.timedelta(days=1))
    joined(client, factory, event_id, volunteer)
    start = dt.datetime.now(dt.UTC) + starts_in
    factory.execute(
        "UPDATE events SET start_date = :s, end_date = :e, check_in_code = 'K7M2QX' WHERE id = :id",
        s=start, e=start + dt.timedelta(hours=hours), id=event_id,
    )  # fmt: skip
    response = client.post(
        f"/api/events/{event_id}/check_in/", json={"check_in_code": "K7M2QX"}, headers=factory.auth(volunteer)
    )
    assert response.status_code == 409
    assert not checked_in(factory, volunteer)


def test_only_confirmed_participants_check_in(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = running_event(factory, organizer, max_participants=1)
    confirmed, waiting, stranger = factory.user("sim"), factory.user("fila"), factory.user("estranho")
    joined(client, factory, event_id, confirmed)
    joined(client, factory, event_id, waiting)
    body = {"check_in_code": "K7M2QX"}
    assert client.post(f"/api/events/{event_id}/check_in/", json=body, headers=factory.auth(waiting)).status_code == 409
    assert (
        client.post(f"/api/events/{event_id}/check_in/", json=body, headers=factory.auth(stranger)).status_code == 409
    )
    assert client.post(f"/api/events/{event_id}/check_in/", json=body).status_code == 401


def test_the_organizer_checks_in_a_confirmed_participant_by_user_id(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, volunteer, other = factory.user("org"), factory.user("vol"), factory.user("outro")
    staff = factory.user("equipe", is_staff=True)
    event_id = running_event(factory, organizer)
    joined(client, factory, event_id, volunteer)
    path = f"/api/events/{event_id}/check_in/"
    refused = client.post(path, json={"user_id": volunteer}, headers=factory.auth(other))
    assert refused.status_code == 403 and not checked_in(factory, volunteer)
    assert client.post(path, json={"user_id": volunteer}, headers=factory.auth(organizer)).status_code == 200
    assert checked_in(factory, volunteer)
    assert client.post(path, json={"user_id": volunteer}, headers=factory.auth(staff)).status_code == 200
    assert client.post(path, json={"user_id": other}, headers=factory.auth(organizer)).status_code == 409


def test_the_organizer_gets_the_code_as_json_svg_or_png_and_may_rotate_it(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = running_event(factory, organizer)
    path = f"/api/events/{event_id}/check_in_code/"
    assert client.get(path, headers=factory.auth(volunteer)).status_code == 403
    assert client.get(path).status_code == 401
    code = client.get(path, headers=factory.auth(organizer)).json()
    assert code["check_in_code"] == "K7M2QX"
    assert code["qr_code_svg"].endswith("?image=svg")
    svg = client.get(f"{path}?image=svg", headers=factory.auth(organizer))
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    png = client.get(f"{path}?image=png", headers=factory.auth(organizer))
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    rotated = client.post(f"{path}rotate/", headers=factory.auth(organizer)).json()["check_in_code"]
    assert rotated != "K7M2QX" and len(rotated) == 6
    assert not set(rotated) & set("01OIL")
    joined(client, factory, event_id, volunteer)
    stale = client.post(
        f"/api/events/{event_id}/check_in/", json={"check_in_code": "K7M2QX"}, headers=factory.auth(volunteer)
    )
    assert stale.status_code == 400


# --- who sees the participants ---


def test_participants_are_seen_according_to_who_asks(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, staff = factory.user("org"), factory.user("equipe", is_staff=True)
    first, second, waiting, stranger = factory.user("a1"), factory.user("a2"), factory.user("fila"), factory.user("x")
    event_id = factory.event(organizer, max_participants=2)
    for volunteer in (first, second, waiting):
        joined(client, factory, event_id, volunteer)
    path = f"/api/events/{event_id}/participants/"
    for who in (organizer, staff):
        full = client.get(path, headers=factory.auth(who)).json()
        assert full["count"] == 3
        assert full["results"][0]["emergency_contact"] == "Irmã"
        assert {r["status"] for r in full["results"]} == {"confirmed", "waitlisted"}
    waitlisted_only = client.get(f"{path}?status=waitlisted", headers=factory.auth(organizer)).json()
    assert waitlisted_only["count"] == 1
    names = client.get(path, headers=factory.auth(first)).json()
    assert names["count"] == 2
    assert set(names["results"][0]) == {"id", "user_name", "user_avatar"}
    assert client.get(path, headers=factory.auth(waiting)).status_code == 403
    assert client.get(path, headers=factory.auth(stranger)).status_code == 403
    assert client.get(path).status_code == 401
    draft = factory.event(organizer, status="draft")
    assert client.get(f"/api/events/{draft}/participants/", headers=factory.auth(stranger)).status_code == 404


def test_the_participant_list_issues_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, max_participants=200)
    for number in range(30):
        joined(client, factory, event_id, factory.user(f"p{number}"))
    log = app.state.query_log
    counts = []
    for size in (5, 30):
        client.get(f"/api/events/{event_id}/participants/?page_size={size}", headers=factory.auth(organizer))
        before = log.count
        client.get(f"/api/events/{event_id}/participants/?page_size={size}", headers=factory.auth(organizer))
        counts.append(log.count - before)
    assert counts[0] == counts[1], counts


def test_history_lists_the_callers_participations(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    soon = factory.event(organizer, title="Plantio no parque")
    later = factory.event(organizer, starts_in=dt.timedelta(days=20))
    joined(client, factory, soon, volunteer)
    joined(client, factory, later, volunteer)
    client.post(f"/api/events/{soon}/leave/", headers=factory.auth(volunteer))
    history = client.get("/api/users/history/", headers=factory.auth(volunteer)).json()
    assert history["count"] == 2
    assert [entry["event"]["id"] for entry in history["results"]] == [later, soon]
    assert history["results"][1]["status"] == "cancelled"
    assert history["results"][1]["event"]["title"] == "Plantio no parque"
    assert client.get("/api/users/history/").status_code == 401


def test_stats_sum_up_participation_attendance_resources_and_comments(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = running_event(factory, organizer, max_participants=3)
    volunteers = [factory.user(f"s{number}") for number in range(4)]
    for volunteer in volunteers:
        joined(client, factory, event_id, volunteer)
    client.post(
        f"/api/events/{event_id}/check_in/", json={"check_in_code": "K7M2QX"}, headers=factory.auth(volunteers[0])
    )
    resource = client.post(
        f"/api/events/{event_id}/resources/",
        json={"name": "Luvas", "resource_type": "material", "quantity_needed": 10, "unit": "pares"},
        headers=factory.auth(organizer),
    )
    assert resource.status_code == 201, resource.text
    client.post(
        f"/api/events/{event_id}/resources/{resource.json()['id']}/pledge/",
        json={"quantity": 4},
        headers=factory.auth(volunteers[1]),
    )
    client.post(f"/api/events/{event_id}/comments/", json={"content": "Até lá!"}, headers=factory.auth(volunteers[2]))
    stats = client.get(f"/api/events/{event_id}/stats/").json()
    assert (stats["confirmed"], stats["waitlisted"], stats["pending"], stats["capacity"]) == (3, 1, 0, 3)
    assert (stats["checked_in"], stats["available_spots"]) == (1, 0)
    assert stats["attendance_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert (stats["resources_total"], stats["resources_fully_provided"], stats["resources_coverage"]) == (1, 0, 0.4)
    assert stats["comments"] == 1 and stats["report"] is None
    detail = client.get(f"/api/events/{event_id}/", headers=factory.auth(volunteers[1])).json()
    assert [(r["name"], r["quantity_provided"], r["my_pledge"]) for r in detail["resources"]] == [("Luvas", 4, 4)]
    assert [c["content"] for c in detail["comments"]] == ["Até lá!"]
    assert detail["comments"][0]["replies"] == [] and detail["comments"][0]["user_name"] == "S2 Silva"
    draft = factory.event(organizer, status="draft")
    assert client.get(f"/api/events/{draft}/stats/").status_code == 404


def test_the_event_detail_shows_participants_as_the_caller_may_see_them(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, volunteer, stranger = factory.user("org"), factory.user("vol"), factory.user("x")
    event_id = factory.event(organizer)
    joined(client, factory, event_id, volunteer)
    as_organizer = client.get(f"/api/events/{event_id}/", headers=factory.auth(organizer)).json()["participants"]
    assert as_organizer[0]["emergency_contact"] == "Irmã"
    as_participant = client.get(f"/api/events/{event_id}/", headers=factory.auth(volunteer)).json()["participants"]
    assert set(as_participant[0]) == {"id", "user_name", "user_avatar"}
    assert client.get(f"/api/events/{event_id}/", headers=factory.auth(stranger)).json()["participants"] == []
    assert client.get(f"/api/events/{event_id}/").json()["participants"] == []
    # A participant still sees a private event they joined.
    factory.execute("UPDATE events SET is_public = false WHERE id = :id", id=event_id)
    assert client.get(f"/api/events/{event_id}/", headers=factory.auth(volunteer)).status_code == 200
    assert client.get(f"/api/events/{event_id}/", headers=factory.auth(stranger)).status_code == 404


def test_history_issues_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    for day in range(12):
        joined(client, factory, factory.event(organizer, starts_in=dt.timedelta(days=day + 1)), volunteer)
    log, counts = app.state.query_log, []
    for size in (2, 12):
        client.get(f"/api/users/history/?page_size={size}", headers=factory.auth(volunteer))
        before = log.count
        assert client.get(f"/api/users/history/?page_size={size}", headers=factory.auth(volunteer)).status_code == 200
        counts.append(log.count - before)
    assert counts[0] == counts[1], counts


def test_staff_decide_like_the_organizer_and_participants_cannot(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, staff = factory.user("org"), factory.user("equipe", is_staff=True)
    event_id = factory.event(organizer)
    factory.execute("UPDATE events SET requires_approval = true WHERE id = :id", id=event_id)
    first, second = factory.user("a1"), factory.user("a2")
    first_id, second_id = joined(client, factory, event_id, first), joined(client, factory, event_id, second)
    path = f"/api/events/{event_id}/participants"
    assert (
        client.patch(f"{path}/{second_id}/", json={"status": "confirmed"}, headers=factory.auth(first)).status_code
        == 403
    )
    assert client.patch(f"{path}/{second_id}/", json={"status": "confirmed"}).status_code == 401
    assert factory.scalar("SELECT status FROM event_participants WHERE id = :id", id=second_id) == "pending"
    by_staff = client.patch(f"{path}/{first_id}/", json={"status": "confirmed"}, headers=factory.auth(staff))
    assert by_staff.status_code == 200 and by_staff.json()["status"] == "confirmed"
    missing = client.patch(f"{path}/999999/", json={"status": "confirmed"}, headers=factory.auth(staff))
    assert missing.status_code == 404
