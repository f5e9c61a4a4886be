"""The web app's calls (SPEC §6), replayed exactly as its API client makes them: `Content-Type: application/json`
on every request (GETs too), the bearer token once logged in, `_t` cache-busters on lists, no body where it sends
none, numbers where it sends numbers — and every field it reads, with the type it reads it as."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import CATEGORIES, RIO, SANTOS, Factory

PASSWORD = "Mutirao-verde-2026"
SAO_PAULO_TIME = ZoneInfo("America/Sao_Paulo")
JSON_TYPE = {"Content-Type": "application/json"}
NUMBER = (int, float)

# What the app reads of each card of the event list (and of nearby), and of the detail, with the JSON types.
CARD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": int, "title": str, "description": str, "start_date": str, "city": str, "state": str, "address": str,
    "latitude": NUMBER, "longitude": NUMBER, "participants_count": int, "max_participants": int,
    "organizer_name": str,
}  # fmt: skip
DETAIL_FIELDS: dict[str, type | tuple[type, ...]] = {
    **CARD_FIELDS, "end_date": str, "organizer": str, "organizer_avatar": str, "user_participating": bool,
    "requires_approval": bool, "is_public": bool,
}  # fmt: skip
MY_EVENT_FIELDS = ("id", "title", "description", "start_date", "city", "state")


class WebApp:
    """The app's API client: one class, JSON content type on every call, the access token once logged in."""

    def __init__(self, client: TestClient[Litestar], access: str | None = None) -> None:
        self.client = client
        self.access = access

    def headers(self, **extra: str) -> dict[str, str]:
        bearer = {"Authorization": f"Bearer {self.access}"} if self.access else {}
        return {**JSON_TYPE, **bearer, **extra}

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """`body=None` sends no body at all, as the app's `fetch` does for its actions."""
        content = json.dumps(body).encode() if body is not None else None
        return self.client.request(
            method, path, content=content, params=params, headers=self.headers(**(headers or {}))
        )

    def get(self, path: str, **params: Any) -> Response:
        return self.call("GET", path, params=params)

    def list(self, path: str, **params: Any) -> Response:
        """List calls carry a cache-buster, as the app's do."""
        return self.get(path, **params, _t=str(int(time.time() * 1000)))


def sign_up(client: TestClient[Litestar], username: str) -> tuple[WebApp, dict[str, Any]]:
    """Register through the app's form, then log in with email and password: the app keeps `access`."""
    app = WebApp(client)
    registered = app.call("POST", "/api/users/register/", registration(username))
    assert registered.status_code == 201, registered.text
    token = app.call("POST", "/api/token/", {"email": f"{username}@example.org", "password": PASSWORD})
    assert token.status_code == 200, token.text
    access = token.json()["access"]
    assert isinstance(access, str) and access
    return WebApp(client, access), registered.json()


def registration(username: str, **overrides: str) -> dict[str, str]:
    body = {
        "username": username,
        "email": f"{username}@example.org",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "first_name": username.capitalize(),
        "last_name": "Souza",
    }
    return body | overrides


def assert_id(value: object) -> int:
    """An integer id (not a boolean) that survives the app's `Number(id)` / `parseInt(id)`."""
    assert isinstance(value, int) and not isinstance(value, bool), repr(value)
    assert value > 0 and str(int(value)) == str(value)
    return value


def assert_fields(item: dict[str, Any], fields: dict[str, type | tuple[type, ...]]) -> None:
    """Each field is there with its JSON type (a boolean is no number), and the category is an object."""
    for name, kind in fields.items():
        value = item[name]
        assert isinstance(value, kind) and (kind is bool or not isinstance(value, bool)), (name, value)
    assert_id(item["id"])
    assert dt.datetime.fromisoformat(item["start_date"]).utcoffset() is not None
    assert_id(item["category"]["id"])
    assert isinstance(item["category"]["name"], str) and item["category"]["name"]


def local(moment: dt.datetime) -> str:
    """The app's date inputs: `YYYY-MM-DDTHH:MM:SS`, no offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def event_form(**overrides: Any) -> dict[str, Any]:
    """The create form as the app sends it: `parseInt` on the category and the capacity, naive local dates."""
    start = (dt.datetime.now(SAO_PAULO_TIME) + dt.timedelta(days=30)).replace(hour=9, minute=0, second=0)
    body = {
        "title": "Mutirão de limpeza da Praia do Gonzaga",
        "description": "Coleta de resíduos na faixa de areia.",
        "category": int(str(CATEGORIES["Limpeza"])),
        "start_date": local(start),
        "end_date": local(start + dt.timedelta(hours=3)),
        "registration_deadline": local(start - dt.timedelta(days=1)),
        "address": "Praia do Gonzaga, posto 3",
        "city": "Santos",
        "state": "SP",
        "latitude": SANTOS[0],
        "longitude": SANTOS[1],
        "max_participants": int("40"),
        "is_public": True,
        "requires_approval": False,
        "status": "published",
    }
    return body | overrides


def detail(app: WebApp, event_id: int) -> dict[str, Any]:
    response = app.get(f"/api/events/{int(event_id)}/")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def checked_in(factory: Factory, event_id: int, user_id: int) -> bool:
    return bool(
        factory.scalar(
            "SELECT checked_in FROM event_participants WHERE event_id = :e AND user_id = :u", e=event_id, u=user_id
        )
    )


# --- accounts ---


def test_register_answers_the_new_account_with_an_integer_id(client: TestClient[Litestar]) -> None:
    response = WebApp(client).call("POST", "/api/users/register/", registration("marina"))
    assert response.status_code == 201, response.text
    user = response.json()
    assert_id(user["id"])
    assert (user["username"], user["email"], user["first_name"], user["last_name"]) == (
        "marina",
        "marina@example.org",
        "Marina",
        "Souza",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "outra"}, "email"),  # the same email again
        ({"email": "outra@example.org"}, "username"),  # the same username again
        ({"username": "outra", "email": "outra@example.org", "password_confirm": "Outra-senha-2026"}, None),
    ],
)
def test_a_refused_registration_answers_a_message_the_app_can_show(
    client: TestClient[Litestar], change: dict[str, str], field: str | None
) -> None:
    app = WebApp(client)
    assert app.call("POST", "/api/users/register/", registration("marina")).status_code == 201
    refused = app.call("POST", "/api/users/register/", registration("marina") | change)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    # The app shows `message`, else `detail`, else the first field error: all three are there.
    assert isinstance(problem["message"], str) and problem["message"]
    assert problem["detail"] == problem["message"]
    assert problem["errors"] and {"field", "message"} <= set(problem["errors"][0])
    assert problem["errors"][0]["message"] == problem["message"]
    if field is not None:
        assert problem["errors"][0]["field"] == field
    assert app.call("POST", "/api/token/", {"email": "outra@example.org", "password": PASSWORD}).status_code == 401


def test_logging_in_with_email_and_password_answers_an_access_token_that_works(client: TestClient[Litestar]) -> None:
    app, user = sign_up(client, "marina")
    assert app.get("/api/users/profile/").json()["user"]["id"] == user["id"]
    wrong = WebApp(client).call("POST", "/api/token/", {"email": "marina@example.org", "password": "Errada-2026"})
    assert wrong.status_code == 401 and isinstance(wrong.json()["message"], str)


def test_the_profile_answers_the_ids_and_names_the_app_reads(client: TestClient[Litestar]) -> None:
    app, user = sign_up(client, "marina")
    response = app.get("/api/users/profile/")
    assert response.status_code == 200, response.text
    profile = response.json()
    assert_id(profile["id"])
    assert assert_id(profile["user"]["id"]) == user["id"]
    assert {key: profile["user"][key] for key in ("username", "email", "first_name", "last_name")} == {
        "username": "marina",
        "email": "marina@example.org",
        "first_name": "Marina",
        "last_name": "Souza",
    }
    assert isinstance(profile["avatar_url"], str)


def test_profile_update_answers_the_profile(client: TestClient[Litestar]) -> None:
    app, user = sign_up(client, "marina")
    body = {"first_name": "Marina Luz", "city": "Santos", "state": "SP", "bio": "Bióloga", "interests": [1, 4]}
    response = app.call("PATCH", "/api/users/profile/update/", body)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert assert_id(profile["user"]["id"]) == user["id"]
    assert (profile["user"]["first_name"], profile["city"], profile["state"], profile["bio"]) == (
        "Marina Luz",
        "Santos",
        "SP",
        "Bióloga",
    )
    assert profile["interests"] == [1, 4]
    assert app.get("/api/users/profile/").json()["city"] == "Santos"
    # The same call with no body changes nothing.
    unchanged = app.call("PATCH", "/api/users/profile/update/")
    assert unchanged.status_code == 200 and unchanged.json()["city"] == "Santos"


@pytest.mark.parametrize("category", [None, str(CATEGORIES["Plantio"])])
def test_stats_leaderboard_and_rank_answer_with_and_without_a_category(
    client: TestClient[Litestar], category: str | None
) -> None:
    app, _ = sign_up(client, "marina")
    query = {"category": category} if category is not None else {}
    stats = app.get("/api/users/stats/")
    assert stats.status_code == 200, stats.text
    assert isinstance(stats.json()["total_events_participated"], int)
    board = app.get("/api/users/leaderboard/", **query)
    assert board.status_code == 200, board.text
    assert isinstance(board.json()["results"], list)
    rank = app.get("/api/users/rank/", **query)
    assert rank.status_code == 200, rank.text
    assert isinstance(rank.json(), dict)


# --- events: list, categories, detail ---


def test_the_home_page_lists_six_events_with_every_field_it_shows(
    client: TestClient[Litestar], factory: Factory
) -> None:
    app, organizer = sign_up(client, "organizadora")
    for day in range(8):
        factory.event(organizer["id"], starts_in=dt.timedelta(days=day + 1))
    response = app.list("/api/events/", limit=6)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["count"] == 8 and len(page["results"]) == 6
    assert page["next"].startswith("http") and "page=2" in page["next"]
    for event in page["results"]:
        assert_fields(event, CARD_FIELDS)
        assert event["organizer_name"] == "Organizadora Souza"
    anonymous = WebApp(client).list("/api/events/", limit=6)
    assert [event["id"] for event in anonymous.json()["results"]] == [event["id"] for event in page["results"]]


def test_the_events_page_filters_by_search_category_city_and_status(
    client: TestClient[Litestar], factory: Factory
) -> None:
    app, organizer = sign_up(client, "organizadora")
    wanted = factory.event(organizer["id"], title="Plantio de mudas na praia", category="Plantio")
    factory.event(organizer["id"], title="Plantio de mudas no parque", category="Plantio", city="Campinas")
    factory.event(organizer["id"], title="Limpeza da praia", category="Limpeza")
    factory.event(organizer["id"], title="Plantio cancelado na praia", category="Plantio", status="cancelled")
    selected = str(CATEGORIES["Plantio"])  # the <select>'s value

    response = app.list("/api/events/", page=1, search="praia", category=selected, city="Santos", status="published")
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [event["id"] for event in results] == [wanted]
    for event in results:
        assert_fields(event, CARD_FIELDS)
        assert event["category"]["id"] == int(selected)  # `event.category.id === parseInt(selected)`
        assert event["category"]["name"] == "Plantio"


def test_the_events_page_with_no_filter_chosen_sends_them_empty(client: TestClient[Litestar], factory: Factory) -> None:
    app, organizer = sign_up(client, "organizadora")
    events = {factory.event(organizer["id"], category=name) for name in CATEGORIES}
    response = app.list("/api/events/", page=1, search="", category="", city="", status="")
    assert response.status_code == 200, response.text
    assert {event["id"] for event in response.json()["results"]} == events


def test_categories_are_a_bare_array_whose_ids_match_the_events_category_ids(
    client: TestClient[Litestar], factory: Factory
) -> None:
    app, organizer = sign_up(client, "organizadora")
    response = app.get("/api/events/categories/")
    assert response.status_code == 200, response.text
    categories = response.json()
    assert isinstance(categories, list)
    assert {category["name"]: assert_id(category["id"]) for category in categories} == CATEGORIES
    for category in categories:
        event_id = factory.event(organizer["id"], category=category["name"])
        selected = str(category["id"])
        listed = app.list("/api/events/", category=selected).json()["results"]
        assert [event["id"] for event in listed] == [event_id]
        assert all(event["category"]["id"] == int(selected) for event in listed)


def test_the_detail_answers_every_field_the_event_page_reads(client: TestClient[Litestar], factory: Factory) -> None:
    organizer_app, organizer = sign_up(client, "organizadora")
    event_id = factory.event(organizer["id"])
    username = organizer_app.get("/api/users/profile/").json()["user"]["username"]

    event = detail(organizer_app, int(str(event_id)))
    assert_fields(event, DETAIL_FIELDS)
    assert event["id"] == event_id and event["category"]["name"] == "Limpeza"
    assert event["organizer"] == username  # the page shows the organizer's tools when they match
    assert assert_id(event["organizer_id"]) == organizer["id"]
    assert event["user_participating"] is False
    volunteer_app, _ = sign_up(client, "voluntario")
    seen = detail(volunteer_app, event_id)
    assert seen["organizer"] == username and seen["organizer"] != "voluntario"
    assert detail(WebApp(client), event_id)["user_participating"] is False


# --- events: create, edit, delete ---


def test_creating_an_event_answers_an_id_that_opens_its_page(client: TestClient[Litestar]) -> None:
    app, organizer = sign_up(client, "organizadora")
    form = event_form()
    response = app.call("POST", "/api/events/", form)
    assert response.status_code == 201, response.text
    event_id = assert_id(response.json()["id"])

    event = detail(app, int(str(event_id)))  # `router.push('/eventos/' + id)`, then `Number(id)`
    assert_fields(event, DETAIL_FIELDS)
    assert event["organizer"] == "organizadora" and event["organizer_id"] == organizer["id"]
    assert event["category"]["id"] == form["category"] and event["max_participants"] == 40
    # A date without offset is local time in the event's timezone.
    start = dt.datetime.fromisoformat(event["start_date"])
    assert start.astimezone(SAO_PAULO_TIME).replace(tzinfo=None) == dt.datetime.fromisoformat(form["start_date"])
    assert event["status"] == "published"
    assert event_id in [found["id"] for found in app.list("/api/events/").json()["results"]]


def test_editing_an_event_with_put_and_deleting_it(client: TestClient[Litestar]) -> None:
    app, _ = sign_up(client, "organizadora")
    event_id = app.call("POST", "/api/events/", event_form()).json()["id"]
    edited = app.call(
        "PUT",
        f"/api/events/{event_id}/",
        event_form(title="Mutirão na Ponta da Praia", category=CATEGORIES["Educação"], max_participants=25),
    )
    assert edited.status_code == 200, edited.text
    event = detail(app, event_id)
    assert (event["title"], event["category"]["id"], event["max_participants"]) == (
        "Mutirão na Ponta da Praia",
        CATEGORIES["Educação"],
        25,
    )
    stranger, _ = sign_up(client, "estranho")
    assert stranger.call("PUT", f"/api/events/{event_id}/", event_form(title="Meu")).status_code == 403
    assert stranger.call("DELETE", f"/api/events/{event_id}/").status_code == 403

    deleted = app.call("DELETE", f"/api/events/{event_id}/")  # no body
    assert deleted.status_code in (200, 204), deleted.text
    assert app.get(f"/api/events/{event_id}/").status_code == 404


def test_deleting_an_event_someone_joined_cancels_it(client: TestClient[Litestar]) -> None:
    app, _ = sign_up(client, "organizadora")
    event_id = app.call("POST", "/api/events/", event_form()).json()["id"]
    volunteer, _ = sign_up(client, "voluntario")
    assert volunteer.call("POST", f"/api/events/{event_id}/join/").status_code == 201
    cancelled = app.call("DELETE", f"/api/events/{event_id}/")
    assert cancelled.status_code == 200, cancelled.text
    assert detail(app, event_id)["status"] == "cancelled"


# --- participation ---


@pytest.mark.parametrize("content", [None, b"", b"{}", b"null"], ids=["no body", "empty", "{}", "null"])
def test_joining_without_a_body_marks_the_volunteer_as_registered(
    client: TestClient[Litestar], factory: Factory, content: bytes | None
) -> None:
    _, organizer = sign_up(client, "organizadora")
    event_id = factory.event(organizer["id"])
    app, volunteer = sign_up(client, "voluntario")
    before = detail(app, event_id)
    assert before["user_participating"] is False

    joined = client.post(f"/api/events/{event_id}/join/", content=content, headers=app.headers())
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "confirmed" and joined.json()["user"] == volunteer["id"]
    after = detail(app, event_id)  # the app reloads the detail
    assert after["user_participating"] is True  # shows "Inscrito"
    assert after["participants_count"] == before["participants_count"] + 1
    assert isinstance(after["participants_count"], int)


def test_leaving_without_a_body_frees_the_spot(client: TestClient[Litestar], factory: Factory) -> None:
    _, organizer = sign_up(client, "organizadora")
    event_id = factory.event(organizer["id"])
    app, _ = sign_up(client, "voluntario")
    assert app.call("POST", f"/api/events/{event_id}/join/").status_code == 201
    left = app.call("POST", f"/api/events/{event_id}/leave/")
    assert left.status_code == 200, left.text
    event = detail(app, event_id)
    assert (event["user_participating"], event["participants_count"]) == (False, 0)


@pytest.mark.parametrize(
    ("language", "words"),
    [({}, ("código", "localização")), ({"Accept-Language": "en"}, ("code", "location"))],
)
def test_check_in_without_a_body_says_what_to_do_and_changes_nothing(
    client: TestClient[Litestar], factory: Factory, language: dict[str, str], words: tuple[str, str]
) -> None:
    _, organizer = sign_up(client, "organizadora")
    event_id = factory.event(organizer["id"], starts_in=dt.timedelta(minutes=30))
    app, volunteer = sign_up(client, "voluntario")
    assert app.call("POST", f"/api/events/{event_id}/join/").status_code == 201

    refused = app.call("POST", f"/api/events/{event_id}/check_in/", headers=language)
    assert refused.status_code == 400, refused.text
    message = refused.json()["message"]
    assert all(word in message.lower() for word in words), message
    assert not checked_in(factory, event_id, volunteer["id"])
    assert detail(app, event_id)["user_participating"] is True


# --- event stats, my events, nearby ---


def test_event_stats_answer_the_figures(client: TestClient[Litestar], factory: Factory) -> None:
    _, organizer = sign_up(client, "organizadora")
    event_id = factory.event(organizer["id"], max_participants=10)
    app, _ = sign_up(client, "voluntario")
    assert app.call("POST", f"/api/events/{event_id}/join/").status_code == 201
    response = app.get(f"/api/events/{event_id}/stats/")
    assert response.status_code == 200, response.text
    stats = response.json()
    assert (stats["confirmed"], stats["capacity"], stats["available_spots"]) == (1, 10, 9)


def test_my_events_answers_what_the_caller_organizes_and_joined(client: TestClient[Litestar], factory: Factory) -> None:
    organizer_app, _ = sign_up(client, "organizadora")
    organized = organizer_app.call("POST", "/api/events/", event_form()).json()["id"]
    other = factory.event(factory.user("outra"))
    app, _ = sign_up(client, "voluntario")
    assert app.call("POST", f"/api/events/{other}/join/").status_code == 201

    mine = organizer_app.get("/api/events/my_events/")
    assert mine.status_code == 200, mine.text
    assert set(mine.json()) >= {"organized", "participating"}
    assert [event["id"] for event in mine.json()["organized"]] == [organized]
    assert mine.json()["participating"] == []
    theirs = app.get("/api/events/my_events/").json()
    assert theirs["organized"] == [] and [event["id"] for event in theirs["participating"]] == [other]
    for event in [*mine.json()["organized"], *theirs["participating"]]:
        assert all(field in event for field in MY_EVENT_FIELDS)
        assert_id(event["id"])
        assert all(isinstance(event[field], str) for field in MY_EVENT_FIELDS[1:])
    assert WebApp(client).get("/api/events/my_events/").status_code == 401


def test_nearby_answers_a_bare_array_of_event_cards(client: TestClient[Litestar], factory: Factory) -> None:
    app, organizer = sign_up(client, "organizadora")
    near = factory.event(organizer["id"], at=SANTOS)
    factory.event(organizer["id"], at=RIO, city="Rio de Janeiro", state="RJ")
    response = app.get("/api/events/nearby/", latitude=str(SANTOS[0]), longitude=str(SANTOS[1]), radius="10")
    assert response.status_code == 200, response.text
    cards = response.json()
    assert isinstance(cards, list)
    assert [card["id"] for card in cards] == [near]
    for card in cards:
        assert_fields(card, CARD_FIELDS)
        assert isinstance(card["distance_km"], NUMBER)


# --- impact report ---


def test_the_organizer_files_and_edits_the_report_with_the_apps_body(
    client: TestClient[Litestar], factory: Factory
) -> None:
    app, organizer = sign_up(client, "organizadora")
    event_id = factory.event(organizer["id"], starts_in=dt.timedelta(minutes=30), hours=3)
    volunteer_app, volunteer = sign_up(client, "voluntario")
    assert volunteer_app.call("POST", f"/api/events/{event_id}/join/").status_code == 201
    checked = app.call("POST", f"/api/events/{event_id}/check_in/", {"user_id": volunteer["id"]})
    assert checked.status_code == 200, checked.text
    # Time passes: the event ended yesterday.
    factory.execute(
        "UPDATE events SET start_date = now() - interval '1 day 3 hours', end_date = now() - interval '1 day' "
        "WHERE id = :id",
        id=event_id,
    )
    assert app.get(f"/api/events/{event_id}/report/").status_code == 404  # not filed yet

    body = {
        "total_participants": 1,
        "total_hours": 3,
        "trash_collected_kg": 42.5,
        "trees_planted": 0,
        "area_cleaned_m2": 1200,
        "recyclable_material_kg": 10.25,
        "notes": "Muito lixo plástico perto do canal 4.",
    }
    filed = app.call("POST", f"/api/events/{event_id}/report/", body)
    assert filed.status_code == 201, filed.text
    report = filed.json()
    assert_id(report["id"])
    assert report["event"] == event_id
    figures = ("total_participants", "total_hours", "trash_collected_kg", "trees_planted", "area_cleaned_m2")
    assert {key: report[key] for key in (*figures, "recyclable_material_kg")} == {
        key: value for key, value in body.items() if key != "notes"
    }
    assert app.get(f"/api/events/{event_id}/report/").json() == report
    assert WebApp(client).get(f"/api/events/{event_id}/report/").json()["trash_collected_kg"] == 42.5

    edited = app.call("PUT", f"/api/events/{event_id}/report/", body | {"trash_collected_kg": 50, "trees_planted": 3})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["trash_collected_kg"], edited.json()["trees_planted"]) == (50, 3)
    assert app.get(f"/api/events/{event_id}/report/").json()["trash_collected_kg"] == 50
    assert volunteer_app.call("PUT", f"/api/events/{event_id}/report/", body).status_code == 403


# --- the browser ---


def test_a_get_with_the_apps_headers_is_allowed_by_the_cors_preflight(client: TestClient[Litestar]) -> None:
    preflight = client.options(
        "/api/events/",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert preflight.status_code in (200, 204), preflight.text
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    allowed = {header.strip().lower() for header in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "authorization"} <= allowed
    assert "GET" in preflight.headers["access-control-allow-methods"]
    listed = client.get("/api/events/", headers={**JSON_TYPE, "Origin": "http://localhost:3000"})
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == "http://localhost:3000"
