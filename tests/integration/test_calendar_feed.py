"""The volunteer's calendar feed (SPEC §3): a secret URL with the events they joined, for calendar apps."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import DEFAULT_PASSWORD, Factory
from tests.unit.test_calendar import parse

MY_FEED = "/api/users/calendar/"


def join(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int) -> str:
    answer = client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(user_id))
    assert answer.status_code == 201, answer.text
    status: str = answer.json()["status"]
    return status


def feed_path(client: TestClient[Litestar], factory: Factory, user_id: int) -> str:
    answer = client.get(MY_FEED, headers=factory.auth(user_id))
    assert answer.status_code == 200, answer.text
    return urlsplit(answer.json()["url"]).path


def vevents(body: str) -> dict[str, str]:
    """SUMMARY → STATUS of each event in the feed."""
    calendar = parse(body)
    return {child.value("SUMMARY"): child.value("STATUS") for child in calendar.children if child.name == "VEVENT"}


def test_the_feed_holds_the_events_the_volunteer_joined(client: TestClient[Litestar], factory: Factory) -> None:
    ana, bia, org = factory.user("ana"), factory.user("bia"), factory.user("org")
    beach = factory.event(org, title="Praia", starts_in=dt.timedelta(days=3))
    full = factory.event(org, title="Mangue", max_participants=1, timezone="America/Manaus")
    left = factory.event(org, title="Rio", starts_in=dt.timedelta(days=5))
    factory.event(org, title="Serra")  # not joined
    assert join(client, factory, beach, ana) == "confirmed"
    assert join(client, factory, full, bia) == "confirmed"
    assert join(client, factory, full, ana) == "waitlisted"
    join(client, factory, left, ana)
    assert client.post(f"/api/events/{left}/leave/", headers=factory.auth(ana)).status_code == 200

    answer = client.get(feed_path(client, factory, ana))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert vevents(answer.text) == {"Praia": "CONFIRMED", "Mangue": "TENTATIVE"}
    zones = [child.value("TZID") for child in parse(answer.text).children if child.name == "VTIMEZONE"]
    assert sorted(zones) == ["America/Manaus", "America/Sao_Paulo"]
    urls = {
        child.value("SUMMARY"): child.value("URL") for child in parse(answer.text).children if child.name == "VEVENT"
    }
    assert urls["Praia"] == f"http://127.0.0.1:8000/events/{beach}"  # the web app's page of the event
    # A cancelled event stays in the feed as cancelled, so calendars strike it out.
    assert client.post(f"/api/events/{beach}/cancel/", headers=factory.auth(org)).status_code == 200
    assert vevents(client.get(feed_path(client, factory, ana)).text)["Praia"] == "CANCELLED"


def test_events_that_ended_long_ago_leave_the_feed(client: TestClient[Litestar], factory: Factory) -> None:
    ana, org = factory.user("ana"), factory.user("org")
    for title, days in (("Há um mês", -30), ("Há um ano", -365)):
        event_id = factory.event(org, title=title, starts_in=dt.timedelta(days=days))
        factory.execute(
            """
            INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
                special_needs, experience_level, checked_in, joined_at, created_at, updated_at)
            VALUES (:e, :u, 'confirmed', '', '', '', 'beginner', true, now(), now(), now())
            """,
            e=event_id,
            u=ana,
        )
    assert vevents(client.get(feed_path(client, factory, ana)).text) == {"Há um mês": "CONFIRMED"}


def test_the_url_is_stable_until_reset_and_then_the_old_one_is_gone(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    first = client.get(MY_FEED, headers=factory.auth(ana)).json()
    assert client.get(MY_FEED, headers=factory.auth(ana)).json() == first
    assert first["webcal_url"] == "webcal://" + first["url"].split("://", 1)[1]
    assert first["url"].endswith("/mutiroes.ics")
    reset = client.post("/api/users/calendar/reset/", headers=factory.auth(ana))
    assert reset.status_code == 200
    assert reset.json()["url"] != first["url"]
    gone = client.get(urlsplit(first["url"]).path)
    assert gone.status_code == 404 and gone.json()["code"] == "calendar_feed_not_found"
    assert client.get(urlsplit(reset.json()["url"]).path).status_code == 200


def test_a_key_nobody_holds_and_a_missing_login(client: TestClient[Litestar], factory: Factory) -> None:
    assert client.get("/api/calendar/not-a-key/mutiroes.ics").status_code == 404
    assert client.get(f"/api/calendar/{'x' * 65}/mutiroes.ics").status_code == 400
    assert client.get(MY_FEED).status_code == 401
    assert client.post("/api/users/calendar/reset/").status_code == 401


def test_an_erased_account_has_no_feed(client: TestClient[Litestar], factory: Factory) -> None:
    ana = factory.user("ana")
    path = feed_path(client, factory, ana)
    assert client.get(path).status_code == 200
    erased = client.post("/api/users/delete-account/", json={"password": DEFAULT_PASSWORD}, headers=factory.auth(ana))
    assert erased.status_code == 204
    assert client.get(path).status_code == 404


def test_the_feed_costs_two_queries_whatever_it_holds(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    log = app.state.query_log
    quiet, busy, org = factory.user(), factory.user(), factory.user()
    for day in range(12):
        join(client, factory, factory.event(org, starts_in=dt.timedelta(days=day + 1)), busy)
    paths = {user: feed_path(client, factory, user) for user in (quiet, busy)}

    def queries(user: int) -> int:
        before = log.count
        assert client.get(paths[user]).status_code == 200
        return int(log.count - before)

    queries(quiet)  # warm-up
    assert queries(quiet) == queries(busy) == 2  # the key's owner, then their events
