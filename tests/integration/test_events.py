"""Events (SPEC §3): categories, create/edit/delete with permissions, visibility, life cycle, calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import SANTOS, Factory, event_body

EVENT_FIELDS = {
    "id", "title", "description", "category", "organizer", "organizer_name", "organizer_avatar", "address",
    "latitude", "longitude", "city", "state", "start_date", "end_date", "registration_deadline", "timezone",
    "max_participants", "min_age", "max_age", "status", "is_public", "requires_approval", "required_tools",
    "provided_tools", "what_to_bring", "cover_image_url", "created_at", "updated_at", "participants_count",
    "waitlist_count", "available_spots", "is_active", "is_registration_open", "user_participating",
    "user_participation_status",
}  # fmt: skip


# --- categories ---


def test_categories_are_shipped_and_answered_as_a_bare_array(client: TestClient[Litestar]) -> None:
    response = client.get("/api/events/categories/")
    assert response.status_code == 200
    categories = response.json()
    assert {c["name"] for c in categories} == {"Limpeza", "Plantio", "Monitoramento", "Educação"}
    assert set(categories[0]) == {"id", "name", "description", "icon", "color"}


def test_only_staff_manage_categories(client: TestClient[Litestar], factory: Factory) -> None:
    staff, volunteer = factory.user("moderadora", is_staff=True), factory.user("voluntario")
    body = {"name": "Reciclagem", "description": "Coleta seletiva", "icon": "recycle", "color": "#22c55e"}
    assert client.post("/api/events/categories/", json=body).status_code == 401
    assert client.post("/api/events/categories/", json=body, headers=factory.auth(volunteer)).status_code == 403
    created = client.post("/api/events/categories/", json=body, headers=factory.auth(staff))
    assert created.status_code == 201
    duplicate = client.post("/api/events/categories/", json=body, headers=factory.auth(staff))
    assert duplicate.status_code == 400
    category_id = created.json()["id"]
    edited = client.patch(
        f"/api/events/categories/{category_id}/", json={"color": "#000000"}, headers=factory.auth(staff)
    )
    assert edited.json()["color"] == "#000000"
    bad = client.patch(f"/api/events/categories/{category_id}/", json={"color": "green"}, headers=factory.auth(staff))
    assert bad.status_code == 400
    assert len(client.get("/api/events/categories/").json()) == 5


# --- create ---


def test_creating_an_event_makes_the_caller_its_organizer(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("organizadora")
    response = client.post("/api/events/", json=event_body(), headers=factory.auth(organizer))
    assert response.status_code == 201, response.text
    event = response.json()
    assert set(event) >= EVENT_FIELDS
    assert {"resources", "photos", "comments", "participants"} <= set(event)
    assert (event["organizer"], event["organizer_id"]) == ("organizadora", organizer)
    assert event["organizer_name"] == "Organizadora Silva"
    assert event["category"]["name"] == "Limpeza"
    assert event["state"] == "SP"
    assert (event["participants_count"], event["waitlist_count"], event["available_spots"]) == (0, 0, 40)
    assert event["is_active"] is True and event["is_registration_open"] is True
    assert event["user_participating"] is False and event["user_participation_status"] is None
    assert event["start_date"].endswith("-03:00")
    assert client.get(f"/api/events/{event['id']}/").json()["title"] == "Mutirão de limpeza do Rio Tietê"


def test_a_timestamp_without_offset_is_local_time_in_the_events_timezone(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("organizadora")
    year = dt.datetime.now(dt.UTC).year + 1
    body = event_body(
        timezone="America/Manaus",
        start_date=f"{year}-03-13T09:00:00",
        end_date=f"{year}-03-13T12:00:00",
        registration_deadline=None,
    )
    event = client.post("/api/events/", json=body, headers=factory.auth(organizer)).json()
    assert event["start_date"] == f"{year}-03-13T09:00:00-04:00"
    stored = factory.scalar("SELECT start_date FROM events WHERE id = :id", id=event["id"])
    assert stored == dt.datetime(year, 3, 13, 13, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).isoformat()}, "end_date"),
        (
            {"registration_deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()},
            "registration_deadline",
        ),
        ({"min_age": 18, "max_age": 18}, "max_age"),
        ({"latitude": 91}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"max_participants": 0}, "max_participants"),
        ({"category": "6f1c1a52-0c1e-4d0a-9f43-000000000000"}, "category"),
        ({"category": "limpeza"}, "category"),
        ({"timezone": "Brasil/Nowhere"}, "timezone"),
        ({"timezone": "America/" + "x" * 300}, "timezone"),  # longer than a file name may be
        ({"state": "São Paulo"}, "state"),
        ({"title": "ab"}, "title"),
        ({"status": "completed"}, "status"),
        ({"max_participants": "muitos"}, "max_participants"),
        (
            {
                "start_date": (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(),
                "end_date": dt.datetime.now(dt.UTC).isoformat(),
                "registration_deadline": None,
            },
            "start_date",
        ),
    ],
)
def test_an_invalid_event_is_refused_and_nothing_is_stored(
    client: TestClient[Litestar], factory: Factory, overrides: dict[str, Any], field: str
) -> None:
    organizer = factory.user("organizadora")
    response = client.post("/api/events/", json=event_body(**overrides), headers=factory.auth(organizer))
    assert response.status_code == 400, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert factory.count("events") == 0


def test_creating_needs_a_token(client: TestClient[Litestar], factory: Factory) -> None:
    assert client.post("/api/events/", json=event_body()).status_code == 401
    assert factory.count("events") == 0


# --- visibility ---


def test_drafts_and_private_events_are_invisible_to_others(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, stranger, staff = factory.user("org"), factory.user("estranho"), factory.user("equipe", is_staff=True)
    draft = factory.event(organizer, status="draft")
    private = factory.event(organizer, is_public=False)
    public = factory.event(organizer)
    for event_id in (draft, private):
        assert client.get(f"/api/events/{event_id}/").status_code == 404
        assert client.get(f"/api/events/{event_id}/", headers=factory.auth(stranger)).status_code == 404
        assert client.get(f"/api/events/{event_id}/", headers=factory.auth(organizer)).status_code == 200
        assert client.get(f"/api/events/{event_id}/", headers=factory.auth(staff)).status_code == 200
    assert client.get(f"/api/events/{public}/").status_code == 200
    anonymous_ids = {e["id"] for e in client.get("/api/events/").json()["results"]}
    assert anonymous_ids == {public}
    own_ids = {e["id"] for e in client.get("/api/events/", headers=factory.auth(organizer)).json()["results"]}
    assert own_ids == {draft, private, public}


def test_an_unknown_or_malformed_event_id(client: TestClient[Litestar]) -> None:
    assert client.get("/api/events/6f1c1a52-0c1e-4d0a-9f43-000000000000/").status_code == 404
    malformed = client.get("/api/events/not-a-number/")
    assert 400 <= malformed.status_code < 500
    assert malformed.headers["content-type"].startswith("application/problem+json")


# --- edit, delete, life cycle ---


def test_only_the_organizer_or_staff_may_change_an_event(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, stranger, staff = factory.user("org"), factory.user("estranho"), factory.user("equipe", is_staff=True)
    event_id = factory.event(organizer)
    path = f"/api/events/{event_id}/"
    assert client.patch(path, json={"title": "Hackeado"}).status_code == 401
    assert client.patch(path, json={"title": "Hackeado"}, headers=factory.auth(stranger)).status_code == 403
    assert client.delete(path, headers=factory.auth(stranger)).status_code == 403
    assert client.post(f"{path}cancel/", headers=factory.auth(stranger)).status_code == 403
    assert factory.scalar("SELECT title FROM events WHERE id = :id", id=event_id) == "Mutirão de limpeza da praia"
    by_organizer = client.patch(path, json={"title": "Mutirão da Praia do Gonzaga"}, headers=factory.auth(organizer))
    assert by_organizer.status_code == 200
    assert by_organizer.json()["title"] == "Mutirão da Praia do Gonzaga"
    by_staff = client.patch(path, json={"max_participants": 60}, headers=factory.auth(staff))
    assert by_staff.status_code == 200
    assert by_staff.json()["available_spots"] == 60


def test_changing_someone_elses_draft_is_404_not_403(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, stranger = factory.user("org"), factory.user("estranho")
    draft = factory.event(organizer, status="draft")
    assert (
        client.patch(f"/api/events/{draft}/", json={"title": "x y z"}, headers=factory.auth(stranger)).status_code
        == 404
    )


def test_put_replaces_the_event_and_patch_validates_against_the_stored_values(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    auth = factory.auth(organizer)
    replaced = client.put(f"/api/events/{event_id}/", json=event_body(title="Plantio no Ibirapuera"), headers=auth)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["title"] == "Plantio no Ibirapuera"
    assert replaced.json()["city"] == "São Paulo"
    stored_start = replaced.json()["start_date"]
    too_early_end = client.patch(f"/api/events/{event_id}/", json={"end_date": stored_start}, headers=auth)
    assert too_early_end.status_code == 400
    assert client.get(f"/api/events/{event_id}/").json()["end_date"] != stored_start


def test_capacity_cannot_drop_below_the_confirmed_count(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, max_participants=30, participants_count=20)
    refused = client.patch(f"/api/events/{event_id}/", json={"max_participants": 19}, headers=factory.auth(organizer))
    assert refused.status_code == 409
    assert factory.scalar("SELECT max_participants FROM events WHERE id = :id", id=event_id) == 30
    assert (
        client.patch(
            f"/api/events/{event_id}/", json={"max_participants": 20}, headers=factory.auth(organizer)
        ).status_code
        == 200
    )


def test_delete_erases_an_event_nobody_joined(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    assert client.delete(f"/api/events/{event_id}/", headers=factory.auth(organizer)).status_code == 204
    assert factory.count("events") == 0


def test_delete_cancels_an_event_with_participants_instead_of_erasing_it(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, participants_count=3)
    response = client.delete(f"/api/events/{event_id}/", headers=factory.auth(organizer))
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert factory.scalar("SELECT status FROM events WHERE id = :id", id=event_id) == "cancelled"


def test_publish_and_cancel(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    auth = factory.auth(organizer)
    draft = client.post("/api/events/", json=event_body(status="draft"), headers=auth).json()
    assert draft["status"] == "draft" and draft["is_active"] is False
    published = client.post(f"/api/events/{draft['id']}/publish/", headers=auth)
    assert published.status_code == 200
    assert published.json()["status"] == "published" and published.json()["is_active"] is True
    assert client.post(f"/api/events/{draft['id']}/publish/", headers=auth).status_code == 409
    cancelled = client.post(f"/api/events/{draft['id']}/cancel/", headers=auth)
    assert cancelled.json()["status"] == "cancelled"
    assert client.post(f"/api/events/{draft['id']}/cancel/", headers=auth).status_code == 409
    assert client.patch(f"/api/events/{draft['id']}/", json={"title": "De novo"}, headers=auth).status_code == 409


# --- my_events and calendar ---


def test_my_events_lists_what_the_caller_organizes(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, other = factory.user("org"), factory.user("outra")
    upcoming = factory.event(organizer, status="draft")
    past = factory.event(organizer, starts_in=dt.timedelta(days=-3), status="completed")
    factory.event(other)
    assert client.get("/api/events/my_events/").status_code == 401
    mine = client.get("/api/events/my_events/", headers=factory.auth(organizer)).json()
    assert {e["id"] for e in mine["organized"]} == {upcoming, past}
    assert mine["participating"] == []
    only_past = client.get("/api/events/my_events/?when=past", headers=factory.auth(organizer)).json()
    assert [e["id"] for e in only_past["organized"]] == [past]
    assert client.get("/api/events/my_events/?when=someday", headers=factory.auth(organizer)).status_code == 400


def test_calendar_is_valid_icalendar_in_the_events_timezone(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, title="Limpeza; praia, e rio")
    response = client.get(f"/api/events/{event_id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VTIMEZONE\r\nTZID:America/Sao_Paulo" in body
    assert "DTSTART;TZID=America/Sao_Paulo:" in body
    assert "SUMMARY:Limpeza\\; praia\\, e rio" in body
    draft = factory.event(organizer, status="draft")
    assert client.get(f"/api/events/{draft}/calendar.ics").status_code == 404


def test_event_answers_are_documented(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    operations = {op["operationId"] for methods in document["paths"].values() for op in methods.values()}
    assert {
        "listEvents",
        "createEvent",
        "getEvent",
        "nearbyEvents",
        "myEvents",
        "eventCalendar",
        "listCategories",
    } <= operations
    assert "EventRead" in str(document["components"]["schemas"])
    create = document["paths"]["/api/events"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["examples"]
    detail = document["paths"]["/api/events/{event_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert detail["examples"]


def _ids(response: Any) -> list[str]:
    return [e["id"] for e in response.json()["results"]]


_ = (SANTOS, _ids)
