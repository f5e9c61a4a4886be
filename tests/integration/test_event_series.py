"""Recurring events: a series made from an RRULE, each occurrence an ordinary event in its zone's wall-clock time;
edited "this one" or "this and the following", cancelled for the rest, and carried by the calendars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.config.settings import Settings
from tests.integration.test_calendar_feed import feed_path
from tests.support.factories import CATEGORIES, Factory
from tests.support.notifications import add_participants, recipients
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink
from tests.support.worker import run_jobs
from tests.unit.test_calendar import parse

SERIES = "/api/events/series/"
SATURDAY = 5


@pytest.fixture
def settings(database_url: str, tmp_path: Path, sink: SmtpSink) -> Settings:
    return make_settings(database_url, tmp_path, smtp_host=sink.host, smtp_port=sink.port, smtp_security="none")


def next_saturday(weeks_ahead: int = 1) -> dt.date:
    today = dt.datetime.now(dt.UTC).date()
    return today + dt.timedelta(days=7 * weeks_ahead + (SATURDAY - today.weekday()) % 7)


def first_saturday_of_march_next_year() -> dt.date:
    march = dt.date(dt.datetime.now(dt.UTC).year + 1, 3, 1)
    return march + dt.timedelta(days=(SATURDAY - march.weekday()) % 7)


def series_body(day: dt.date, recurrence: str, **overrides: Any) -> dict[str, Any]:
    """A 09:00-12:00 beach clean-up (local time) on `day`, registration closing the evening before."""
    body = {
        "title": "Limpeza da Praia do Gonzaga",
        "description": "Coleta de resíduos na areia.",
        "category": CATEGORIES["Limpeza"],
        "address": "Praia do Gonzaga, posto 3",
        "latitude": -23.97,
        "longitude": -46.33,
        "city": "Santos",
        "state": "SP",
        "start_date": f"{day}T09:00:00",
        "end_date": f"{day}T12:00:00",
        "registration_deadline": f"{day - dt.timedelta(days=1)}T18:00:00",
        "timezone": "America/Sao_Paulo",
        "max_participants": 30,
        "status": "published",
        "recurrence": recurrence,
    }
    body.update(overrides)
    return body


def create(client: TestClient[Litestar], factory: Factory, organizer: int, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(SERIES, json=body, headers=factory.auth(organizer))
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def starts(series: dict[str, Any]) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(occurrence["start_date"]) for occurrence in series["occurrences"]]


def nothing_stored(factory: Factory) -> bool:
    return factory.count("events") == 0 and factory.count("event_series") == 0


# --- creation ---


def test_a_weekly_series_makes_eight_saturday_mutiroes_each_an_ordinary_event(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    day = next_saturday()
    series = create(client, factory, organizer, series_body(day, "FREQ=WEEKLY;BYDAY=SA;COUNT=8"))

    assert series["rrule"] == "FREQ=WEEKLY;BYDAY=SA;COUNT=8" and series["timezone"] == "America/Sao_Paulo"
    assert [start.date() for start in starts(series)] == [day + dt.timedelta(weeks=n) for n in range(8)]
    assert {start.isoformat()[11:] for start in starts(series)} == {"09:00:00-03:00"}
    assert {occurrence["status"] for occurrence in series["occurrences"]} == {"published"}
    ids = [occurrence["id"] for occurrence in series["occurrences"]]
    assert factory.count("events", "series_id = :series", series=series["id"]) == 8
    assert len({factory.scalar("SELECT check_in_code FROM events WHERE id = :id", id=i) for i in ids}) == 8
    second = client.get(f"/api/events/{ids[1]}/").json()
    assert second["end_date"].endswith("T12:00:00-03:00")
    assert second["registration_deadline"] == f"{day + dt.timedelta(days=6)}T18:00:00-03:00"
    assert second["series"] == series["id"]
    listed = client.get("/api/events/", params={"page_size": 100}).json()["results"]
    assert {event["id"]: event["series"] for event in listed if event["id"] in ids} == dict.fromkeys(ids, series["id"])
    assert client.get(f"{SERIES}{series['id']}/").json() == series


def test_a_monthly_series_on_the_first_saturday(client: TestClient[Litestar], factory: Factory) -> None:
    day = first_saturday_of_march_next_year()
    series = create(client, factory, factory.user("org"), series_body(day, "FREQ=MONTHLY;BYDAY=1SA;COUNT=4"))
    dates = [start.date() for start in starts(series)]
    assert [(date.month, date.weekday()) for date in dates] == [(month, SATURDAY) for month in (3, 4, 5, 6)]
    assert all(date.day <= 7 for date in dates)


def test_a_series_until_a_date_every_other_week(client: TestClient[Litestar], factory: Factory) -> None:
    day = next_saturday()
    until = f"{(day + dt.timedelta(weeks=6)).strftime('%Y%m%d')}T235959Z"
    series = create(client, factory, factory.user("org"), series_body(day, f"FREQ=WEEKLY;INTERVAL=2;UNTIL={until}"))
    assert [start.date() for start in starts(series)] == [day + dt.timedelta(weeks=n) for n in (0, 2, 4, 6)]


@pytest.mark.parametrize(
    ("zone", "offsets"),
    [
        ("America/New_York", {dt.timedelta(hours=-5), dt.timedelta(hours=-4)}),
        ("Europe/Lisbon", {dt.timedelta(0), dt.timedelta(hours=1)}),
        ("America/Sao_Paulo", {dt.timedelta(hours=-3)}),  # no daylight saving since 2019
    ],
)
def test_nine_oclock_stays_nine_oclock_across_a_daylight_saving_change(
    client: TestClient[Litestar], factory: Factory, zone: str, offsets: set[dt.timedelta]
) -> None:
    body = series_body(first_saturday_of_march_next_year(), "FREQ=WEEKLY;COUNT=6", timezone=zone)
    series = create(client, factory, factory.user("org"), body)
    stored = factory.execute(
        "SELECT start_date, end_date, registration_deadline FROM events WHERE series_id = :s ORDER BY start_date",
        s=series["id"],
    ).all()
    local = [tuple(value.astimezone(ZoneInfo(zone)) for value in row) for row in stored]
    assert {(start.hour, end.hour, deadline.hour) for start, end, deadline in local} == {(9, 12, 18)}
    assert {start.utcoffset() for start, _, _ in local} == offsets
    assert [start.isoformat() for start, _, _ in local] == [start.isoformat() for start in starts(series)]


# --- bad rules ---


@pytest.mark.parametrize(
    ("recurrence", "code"),
    [
        ("FREQ=WEEKLY;COUNT=53", "recurrence_too_many"),
        ("FREQ=WEEKLY;UNTIL=20991231T000000Z", "recurrence_too_many"),
        ("FREQ=WEEKLY;BYDAY=SA", "recurrence_unbounded"),
        ("FREQ=DAILY;COUNT=3", "recurrence_unsupported"),
        ("FREQ=WEEKLY;BYHOUR=9;COUNT=3", "recurrence_unsupported"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1;COUNT=3", "recurrence_unsupported"),
        ("a cada sábado", "recurrence_invalid"),
        ("FREQ=WEEKLY;COUNT=0", "recurrence_invalid"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20991231T000000Z", "recurrence_invalid"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=2", "recurrence_invalid"),
        ("FREQ=WEEKLY;BYDAY=1SA;COUNT=2", "recurrence_invalid"),
        ("FREQ=WEEKLY;INTERVAL=0;COUNT=2", "recurrence_invalid"),
        ("FREQ=WEEKLY;UNTIL=amanhã", "recurrence_invalid"),
        ("FREQ=WEEKLY;UNTIL=20000101T000000Z", "recurrence_empty"),
    ],
)
def test_a_rule_outside_the_subset_is_refused_on_recurrence_and_nothing_is_created(
    client: TestClient[Litestar], factory: Factory, recurrence: str, code: str
) -> None:
    response = client.post(
        SERIES, json=series_body(next_saturday(), recurrence), headers=factory.auth(factory.user("org"))
    )
    assert response.status_code == 400, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("recurrence", code)]
    assert nothing_stored(factory)


def test_fifty_two_occurrences_are_allowed(client: TestClient[Litestar], factory: Factory) -> None:
    series = create(client, factory, factory.user("org"), series_body(next_saturday(), "FREQ=WEEKLY;COUNT=52"))
    assert len(series["occurrences"]) == 52


def test_an_occurrence_the_event_rules_refuse_refuses_the_whole_series(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    past = next_saturday(weeks_ahead=-2)  # the first occurrences would start in the past
    response = client.post(SERIES, json=series_body(past, "FREQ=WEEKLY;COUNT=4"), headers=factory.auth(organizer))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "start_date"
    bad_end = series_body(next_saturday(), "FREQ=WEEKLY;COUNT=4", end_date=f"{next_saturday()}T08:00:00")
    assert client.post(SERIES, json=bad_end, headers=factory.auth(organizer)).status_code == 400
    assert client.post(SERIES, json=series_body(next_saturday(), "FREQ=WEEKLY;COUNT=4")).status_code == 401
    assert nothing_stored(factory)


@pytest.mark.parametrize(
    "overrides",
    [
        {"start_date": "0001-01-01T00:00:00+14:00"},
        {"end_date": "9999-12-31T23:00:00-12:00"},
        {"start_date": "9999-12-25T09:00:00", "end_date": "9999-12-25T12:00:00", "registration_deadline": None},
    ],
)
def test_timestamps_at_the_ends_of_the_calendar_are_a_400_not_a_500(
    client: TestClient[Litestar], factory: Factory, overrides: dict[str, Any]
) -> None:
    body = series_body(next_saturday(), "FREQ=WEEKLY;COUNT=3", **overrides)
    assert client.post(SERIES, json=body, headers=factory.auth(factory.user("org"))).status_code == 400
    assert nothing_stored(factory)


# --- reading ---


def test_a_draft_series_is_seen_by_its_organizer_only(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, stranger = factory.user("org"), factory.user("estranho")
    series = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=2", status="draft"))
    path = f"{SERIES}{series['id']}/"
    assert client.get(path).status_code == 404
    assert client.get(path, headers=factory.auth(stranger)).status_code == 404
    assert client.get(path, headers=factory.auth(organizer)).status_code == 200
    assert client.get(f"{SERIES}999999/").status_code == 404


def test_reading_a_series_costs_the_same_queries_whatever_its_length(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    organizer = factory.user("org")
    short = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=2"))
    long = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=20"))
    log = app.state.query_log

    def queries(series: dict[str, Any]) -> int:
        before = log.count
        assert client.get(f"{SERIES}{series['id']}/").status_code == 200
        return int(log.count - before)

    queries(short)  # warm-up
    assert queries(short) == queries(long) <= 3  # the series, its occurrences (and a BEGIN)


# --- editing ---


@pytest.mark.anyio
async def test_editing_this_one_or_this_and_the_following_tells_the_participants_of_each_moved_occurrence(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    series = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;BYDAY=SA;COUNT=4"))
    first, second, third, fourth = (occurrence["id"] for occurrence in series["occurrences"])
    for event_id, volunteer in ((first, "ana"), (second, "bia"), (third, "caio")):
        add_participants(factory, event_id, [factory.user(volunteer)])
    auth = factory.auth(organizer)

    this_one = client.patch(f"/api/events/{second}/", json={"title": "Limpeza especial"}, headers=auth)
    assert this_one.status_code == 200
    following = client.patch(
        f"{SERIES}{series['id']}/occurrences/{second}/following/",
        json={"start_date": this_one.json()["start_date"].replace("T09:00", "T10:00"), "max_participants": 25},
        headers=auth,
    )
    assert following.status_code == 200, following.text

    events = {
        row[0]: row[1:]
        for row in factory.execute(
            "SELECT id, title, max_participants, start_date, end_date, registration_deadline FROM events"
        ).all()
    }
    zone = ZoneInfo("America/Sao_Paulo")
    assert [events[i][0] for i in (first, second, third)] == [
        "Limpeza da Praia do Gonzaga",
        "Limpeza especial",
        "Limpeza da Praia do Gonzaga",
    ]
    assert [events[i][1] for i in (first, second, third, fourth)] == [30, 25, 25, 25]
    local = {i: [value.astimezone(zone) for value in events[i][2:]] for i in events}
    assert [(local[i][0].hour, local[i][1].hour) for i in (first, second, third, fourth)] == [
        (9, 12),
        (10, 12),
        (10, 12),
        (10, 12),
    ]
    assert {(local[i][2].weekday(), local[i][2].hour) for i in (second, third, fourth)} == {(4, 19)}  # kept 15 h before
    await run_jobs(settings)
    assert recipients(sink) == {"bia@example.org": 1, "caio@example.org": 1}


def test_one_refused_occurrence_refuses_the_whole_edit(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    series = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=3"))
    first, _, third = (occurrence["id"] for occurrence in series["occurrences"])
    add_participants(factory, third, [factory.user() for _ in range(5)])
    response = client.patch(
        f"{SERIES}{series['id']}/occurrences/{first}/following/",
        json={"title": "Novo título", "max_participants": 3},
        headers=factory.auth(organizer),
    )
    assert response.status_code == 409 and response.json()["code"] == "capacity_below_confirmed"
    assert factory.count("events", "title = 'Novo título' OR max_participants = 3") == 0


def test_a_shift_beyond_the_calendar_is_a_400_and_changes_nothing(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    series = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=3"))
    first = series["occurrences"][0]["id"]
    response = client.patch(
        f"{SERIES}{series['id']}/occurrences/{first}/following/",
        json={"start_date": "9999-12-31T09:00:00", "end_date": "9999-12-31T12:00:00"},
        headers=factory.auth(organizer),
    )
    assert response.status_code == 400, response.text
    assert client.get(f"{SERIES}{series['id']}/").json() == series


def test_only_the_manager_edits_or_cancels_a_series(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, stranger = factory.user("org"), factory.user("estranho")
    series = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=2"))
    other = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=2"))
    first = series["occurrences"][0]["id"]
    following = f"{SERIES}{series['id']}/occurrences/{first}/following/"
    assert client.patch(following, json={"title": "Meu"}, headers=factory.auth(stranger)).status_code == 403
    assert client.post(f"{SERIES}{series['id']}/cancel/", headers=factory.auth(stranger)).status_code == 403
    assert client.patch(following, json={"title": "Meu"}).status_code == 401
    not_in_it = f"{SERIES}{other['id']}/occurrences/{first}/following/"
    assert client.patch(not_in_it, json={"title": "Meu"}, headers=factory.auth(organizer)).status_code == 404
    assert factory.count("events", "title = 'Meu' OR status = 'cancelled'") == 0


# --- cancelling ---


@pytest.mark.anyio
async def test_cancelling_the_rest_of_a_series_tells_their_participants(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    series = create(client, factory, organizer, series_body(next_saturday(), "FREQ=WEEKLY;COUNT=4"))
    ids = [occurrence["id"] for occurrence in series["occurrences"]]
    add_participants(factory, ids[1], [factory.user("ana")])
    add_participants(factory, ids[2], [factory.user("bia")])
    cancel = f"{SERIES}{series['id']}/cancel/"

    answer = client.post(cancel, json={"from_event": ids[2]}, headers=factory.auth(organizer))
    assert answer.status_code == 200, answer.text
    assert [o["status"] for o in answer.json()["occurrences"]] == ["published", "published", "cancelled", "cancelled"]
    await run_jobs(settings)
    assert recipients(sink) == {"bia@example.org": 1}

    everything = client.post(cancel, headers=factory.auth(organizer))  # no body: every upcoming one
    assert {o["status"] for o in everything.json()["occurrences"]} == {"cancelled"}
    await run_jobs(settings)
    assert recipients(sink) == {"bia@example.org": 1, "ana@example.org": 1}


# --- calendars ---


def test_the_series_calendar_has_every_occurrence_at_its_local_time(
    client: TestClient[Litestar], factory: Factory
) -> None:
    body = series_body(first_saturday_of_march_next_year(), "FREQ=WEEKLY;COUNT=6", timezone="America/New_York")
    series = create(client, factory, factory.user("org"), body)
    answer = client.get(f"{SERIES}{series['id']}/calendar.ics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    vevents = [child for child in parse(answer.text).children if child.name == "VEVENT"]
    assert [event.value("UID") for event in vevents] == [f"{o['id']}@mutiroes.org" for o in series["occurrences"]]
    assert {event.prop("DTSTART").params["TZID"] for event in vevents} == {"America/New_York"}
    assert [event.value("DTSTART") for event in vevents] == [f"{s:%Y%m%d}T090000" for s in starts(series)]


def test_the_volunteers_feed_carries_the_occurrences_they_joined(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    series = create(client, factory, factory.user("org"), series_body(next_saturday(), "FREQ=WEEKLY;COUNT=4"))
    joined = [series["occurrences"][n]["id"] for n in (0, 2)]
    for event_id in joined:
        assert client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(ana)).status_code == 201
    feed = parse(client.get(feed_path(client, factory, ana)).text)
    uids = [child.value("UID") for child in feed.children if child.name == "VEVENT"]
    assert uids == [f"{event_id}@mutiroes.org" for event_id in joined]
