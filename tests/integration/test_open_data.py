"""Open impact data (issue 16): the events that took place as CSV and GeoJSON, their totals by month, city and
category, under CC BY 4.0, without personal data, revalidated by ETag."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from app.config.settings import PROJECT_ROOT
from app.domain.open_data.datasets import EVENT_COLUMNS, GROUPS, Group, impact_columns
from tests.support.factories import CAMPINAS, CATEGORIES, RIO, SANTOS, Factory

DAY = dt.timedelta(days=1)
DATASETS = ("/api/open-data/events.csv", "/api/open-data/events.geojson", "/api/open-data/impact.csv")
LICENCE = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
EVENT_HEADER = [
    "event_id", "date", "start_date", "end_date", "category_id", "category_name", "city", "state", "latitude",
    "longitude", "volunteers", "reported", "total_hours", "trash_collected_kg", "recyclable_material_kg",
    "trees_planted", "area_cleaned_m2",
]  # fmt: skip
FIGURES = ("total_hours", "trash_collected_kg", "recyclable_material_kg", "trees_planted", "area_cleaned_m2")


def past_event(factory: Factory, organizer: int, *, days_ago: float = 3, **kw: Any) -> int:
    """An event that started `days_ago` days ago and lasted three hours."""
    return factory.event(organizer, starts_in=-days_ago * DAY, hours=3, **kw)


def attend(factory: Factory, event_id: int, users: list[int], *, checked_in: bool = True) -> None:
    for user_id in users:
        factory.execute(
            """
            INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
                special_needs, experience_level, checked_in, check_in_time, joined_at, created_at, updated_at)
            VALUES (:e, :u, 'confirmed', 'Maria Contato', '11999990000', '', 'beginner', :c,
                    CASE WHEN :c THEN now() END, now(), now(), now())
            """,
            e=event_id,
            u=user_id,
            c=checked_in,
        )


def report(factory: Factory, event_id: int, **figures: float) -> None:
    values = dict.fromkeys(("total_participants", *FIGURES), 0) | figures
    factory.execute(
        """
        INSERT INTO event_reports (event_id, total_participants, total_hours, trash_collected_kg,
            recyclable_material_kg, trees_planted, area_cleaned_m2, summary, challenges, achievements,
            verified_participants, created_at, updated_at)
        VALUES (:event_id, :total_participants, :total_hours, :trash_collected_kg, :recyclable_material_kg,
            :trees_planted, :area_cleaned_m2, 'Joana Silva trouxe luvas', '', '', 0, now(), now())
        """,
        event_id=event_id,
        **values,
    )


def get(client: TestClient[Litestar], path: str, **headers: str) -> Response:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


def rows_of(answer: Response) -> list[dict[str, str]]:
    """The CSV as the csv module reads it, the header row checked on the way."""
    reader = csv.DictReader(io.StringIO(answer.content.decode("utf-8"), newline=""))
    return list(reader)


def events_csv(client: TestClient[Litestar]) -> list[dict[str, str]]:
    return rows_of(get(client, "/api/open-data/events.csv"))


def features(client: TestClient[Litestar]) -> list[dict[str, Any]]:
    collection = get(client, "/api/open-data/events.geojson").json()
    assert collection["type"] == "FeatureCollection"
    found: list[dict[str, Any]] = collection["features"]
    return found


def test_only_public_events_held_and_ended_are_published(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    completed = past_event(factory, organizer, status="completed")
    published = past_event(factory, organizer, status="published")  # ended, not yet closed by the nightly job
    past_event(factory, organizer, status="draft")
    past_event(factory, organizer, status="cancelled")
    past_event(factory, organizer, is_public=False, status="completed")
    factory.event(organizer, starts_in=DAY)  # ahead
    factory.event(organizer, starts_in=-dt.timedelta(hours=1), hours=3)  # under way
    expected = [str(completed), str(published)]
    assert [row["event_id"] for row in events_csv(client)] == expected
    assert [str(feature["id"]) for feature in features(client)] == expected
    by_category = rows_of(get(client, "/api/open-data/impact.csv?group=category"))
    assert [(row["category_name"], row["events"]) for row in by_category] == [("Limpeza", "2")]


def test_an_event_row_has_the_documented_columns_a_rounded_position_and_the_reports_figures(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("ana.organizadora")
    volunteers = [factory.user(f"voluntaria{n}") for n in range(4)]
    event_id = past_event(factory, organizer, category="Plantio", city="Santos", at=SANTOS, days_ago=2)
    attend(factory, event_id, volunteers[:3])
    attend(factory, event_id, volunteers[3:], checked_in=False)
    report(factory, event_id, total_participants=5, total_hours=9, trash_collected_kg=84.5, trees_planted=12,
           area_cleaned_m2=1200.25)  # fmt: skip
    unreported = past_event(factory, organizer, city="Rio de Janeiro", state="RJ", at=RIO)

    answer = get(client, "/api/open-data/events.csv")
    assert answer.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert answer.content.splitlines()[0].decode() == ",".join(EVENT_HEADER)
    assert answer.content.endswith(b"\r\n") and not answer.content.startswith(b"\xef\xbb\xbf")  # no BOM
    assert [column.name for column in EVENT_COLUMNS] == EVENT_HEADER
    row, other = rows_of(answer)
    start = factory.scalar("SELECT start_date FROM events WHERE id = :id", id=event_id)
    assert row == {
        "event_id": str(event_id),
        "date": start.astimezone(dt.timezone(dt.timedelta(hours=-3))).date().isoformat(),
        "start_date": start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (start + dt.timedelta(hours=3)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "category_id": str(CATEGORIES["Plantio"]),
        "category_name": "Plantio",
        "city": "Santos",
        "state": "SP",
        "latitude": "-23.961",
        "longitude": "-46.334",
        "volunteers": "3",  # checked in; the fourth confirmed volunteer did not
        "reported": "true",
        "total_hours": "9.0",
        "trash_collected_kg": "84.5",
        "recyclable_material_kg": "0.0",
        "trees_planted": "12",
        "area_cleaned_m2": "1200.25",
    }
    assert other["event_id"] == str(unreported) and other["reported"] == "false" and other["volunteers"] == "0"
    assert all(other[name] == "" for name in FIGURES)  # no report: unknown, not zero

    feature = next(f for f in features(client) if f["id"] == event_id)
    assert feature["geometry"] == {"type": "Point", "coordinates": [-46.334, -23.961]}  # longitude first
    assert feature["properties"]["trees_planted"] == 12 and feature["properties"]["reported"] is True
    assert "latitude" not in feature["properties"]
    unreported_feature = next(f for f in features(client) if f["id"] == unreported)
    assert unreported_feature["properties"]["trash_collected_kg"] is None


def test_no_personal_data_appears_in_any_dataset(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("joana.organizadora")
    volunteer = factory.user("pedro.voluntario")
    event_id = past_event(factory, organizer, title="Limpeza com a Joana", description="Ligue para Pedro")
    attend(factory, event_id, [volunteer])
    report(factory, event_id, trash_collected_kg=10)
    bodies = [get(client, path).text for path in DATASETS] + [get(client, "/api/open-data/").text]
    for secret in ("joana", "pedro", "example.org", "Silva", "Av. da Praia", "Maria Contato", "11999990000",
                   "-23.9608", "-46.3336"):  # fmt: skip
        for body in bodies:
            assert secret.lower() not in body.lower(), secret


@pytest.mark.parametrize("group", GROUPS)
def test_each_grouped_figure_is_the_sum_of_the_event_rows(
    client: TestClient[Litestar], factory: Factory, group: Group
) -> None:
    organizer = factory.user("org")
    volunteers = [factory.user() for _ in range(5)]
    places = [("Santos", "SP", SANTOS), ("Campinas", "SP", CAMPINAS), ("Rio de Janeiro", "RJ", RIO)]
    for n in range(9):
        city, state, at = places[n % 3]
        event_id = past_event(factory, organizer, days_ago=3 + 17 * n, city=city, state=state, at=at,
                              category=list(CATEGORIES)[n % 4])  # fmt: skip
        attend(factory, event_id, volunteers[: n % 5])
        if n % 4:
            report(factory, event_id, total_hours=n * 1.5, trash_collected_kg=n * 10.1, recyclable_material_kg=n,
                   trees_planted=n * 2, area_cleaned_m2=n * 100.05)  # fmt: skip
    events = events_csv(client)
    key_columns = [column.name for column in impact_columns(group)][: 1 if group == "month" else 2]

    def key(row: dict[str, str]) -> tuple[str, ...]:
        return (row["date"][:7],) if group == "month" else tuple(row[name] for name in key_columns)

    expected: dict[tuple[str, ...], dict[str, float]] = {}
    for row in events:
        sums = expected.setdefault(key(row), dict.fromkeys(("events", "events_reported", "volunteers", *FIGURES), 0))
        sums["events"] += 1
        sums["events_reported"] += row["reported"] == "true"
        sums["volunteers"] += int(row["volunteers"])
        for name in FIGURES:
            sums[name] += float(row[name] or 0)
    answer = get(client, f"/api/open-data/impact.csv?group={group}")
    header = answer.content.splitlines()[0].decode().split(",")
    assert header == [column.name for column in impact_columns(group)]
    grouped = rows_of(answer)
    assert [key(row) if group != "month" else (row["month"],) for row in grouped] == sorted(expected)
    for row in grouped:
        sums = expected[(row["month"],) if group == "month" else key(row)]
        for name, value in sums.items():
            assert float(row[name]) == pytest.approx(value), (row, name)
    assert sum(int(row["events"]) for row in grouped) == 9


def test_year_state_and_city_narrow_every_dataset_and_name_the_file(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    santos_now = past_event(factory, organizer, city="Santos", state="SP", at=SANTOS)
    santos_before = past_event(factory, organizer, days_ago=400, city="Santos", state="SP", at=SANTOS)
    rio_now = past_event(factory, organizer, city="Rio de Janeiro", state="RJ", at=RIO)
    report(factory, santos_now, trash_collected_kg=12.5)
    report(factory, santos_before, trash_collected_kg=30)
    year = {row["event_id"]: row["date"][:4] for row in events_csv(client)}[str(santos_now)]
    assert year != {row["event_id"]: row["date"][:4] for row in events_csv(client)}[str(santos_before)]

    def ids(query: str) -> list[int]:
        csv_ids = [int(row["event_id"]) for row in rows_of(get(client, f"/api/open-data/events.csv?{query}"))]
        geojson = get(client, f"/api/open-data/events.geojson?{query}").json()["features"]
        assert [feature["id"] for feature in geojson] == csv_ids
        return csv_ids

    assert ids(f"year={year}") == [santos_now, rio_now]
    assert ids("state=sp") == [santos_now, santos_before]
    assert ids(f"state=SP&city=SANTOS&year={year}") == [santos_now]
    assert ids("city=Campinas") == []
    assert ids("state=&city=") == [santos_now, santos_before, rio_now]  # empty: no limit
    by_city = rows_of(get(client, f"/api/open-data/impact.csv?group=city&state=SP&year={year}"))
    assert [(row["city"], row["events"], row["trash_collected_kg"]) for row in by_city] == [("Santos", "1", "12.5")]
    answer = get(client, f"/api/open-data/impact.csv?group=month&state=SP&city=Santos&year={year}")
    assert (
        f'filename="mutiroes-impact-by-month-{year}-SP-santos-cc-by-4.0.csv"' in answer.headers["content-disposition"]
    )
    assert answer.headers["etag"] != get(client, "/api/open-data/impact.csv?group=month").headers["etag"]
    for bad in ("year=1999", "year=abc", "state=XX", "state=SPX", f"city={'x' * 101}"):
        refused = client.get(f"/api/open-data/events.csv?{bad}")
        assert refused.status_code == 400, (bad, refused.text)


def test_a_bad_group_is_a_400_problem_naming_the_parameter(client: TestClient[Litestar]) -> None:
    answer = client.get("/api/open-data/impact.csv?group=planet")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["code"] == "invalid_choice" and problem["errors"][0]["field"] == "group"
    assert "group" in problem["message"]


@pytest.mark.parametrize("path", DATASETS)
def test_every_dataset_carries_its_licence_and_revalidates_with_its_etag(
    client: TestClient[Litestar], factory: Factory, path: str
) -> None:
    past_event(factory, factory.user("org"))
    first = get(client, path)
    assert first.headers["link"].startswith(LICENCE) and 'rel="describedby"' in first.headers["link"]
    assert first.headers["cache-control"] == "public, max-age=300"
    assert re.fullmatch(r'attachment; filename="mutiroes-[a-z-]+-cc-by-4\.0\.(csv|geojson)"',
                        first.headers["content-disposition"])  # fmt: skip
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert get(client, path).headers["etag"] == etag
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(path, headers={"If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.content == b"" and again.headers["etag"] == etag and again.headers["link"].startswith(LICENCE)
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etags_differ_between_datasets_and_groups(client: TestClient[Litestar], factory: Factory) -> None:
    past_event(factory, factory.user("org"))
    paths = [*DATASETS[:2], *(f"/api/open-data/impact.csv?group={group}" for group in GROUPS)]
    assert len({get(client, path).headers["etag"] for path in paths}) == len(paths)


def test_the_etag_changes_when_a_report_is_filed_or_corrected_and_when_an_event_ends(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = past_event(factory, organizer, days_ago=1)
    tags = {path: get(client, path).headers["etag"] for path in DATASETS}

    def changed() -> bool:
        now = {path: get(client, path).headers["etag"] for path in DATASETS}
        moved = all(now[path] != tags[path] for path in DATASETS)
        tags.update(now)
        return moved

    filed = client.post(f"/api/events/{event_id}/report/", json={"trash_collected_kg": 20},
                        headers=factory.auth(organizer))  # fmt: skip
    assert filed.status_code == 201, filed.text
    assert changed()
    assert events_csv(client)[0]["trash_collected_kg"] == "20.0"
    corrected = client.patch(f"/api/events/{event_id}/report/", json={"trash_collected_kg": 25.5},
                             headers=factory.auth(organizer))  # fmt: skip
    assert corrected.status_code == 200, corrected.text
    assert changed()
    assert events_csv(client)[0]["trash_collected_kg"] == "25.5"
    assert client.get(DATASETS[0], headers={"If-None-Match": tags[DATASETS[0]]}).status_code == 304
    # Time passes: an event that was under way ends, with no write at all.
    under_way = factory.event(organizer, starts_in=-dt.timedelta(hours=1), hours=3)
    assert not changed()
    factory.execute("UPDATE events SET end_date = now() - interval '1 minute' WHERE id = :id", id=under_way)
    assert changed()
    # A category renamed by staff shows in every row.
    staff = factory.user("equipe", is_staff=True)
    renamed = client.patch(f"/api/events/categories/{CATEGORIES['Limpeza']}/", json={"name": "Limpeza urbana"},
                           headers=factory.auth(staff))  # fmt: skip
    assert renamed.status_code == 200, renamed.text
    assert changed()


def test_the_grouped_totals_come_from_the_public_cache_until_the_data_changes(settings: Any, factory: Factory) -> None:
    import msgspec

    from app.api.app import create_app

    organizer = factory.user("org")
    event_id = past_event(factory, organizer)
    with TestClient(create_app(msgspec.structs.replace(settings, cache_ttl_seconds=60.0))) as cached:
        path = "/api/open-data/impact.csv?group=city"
        assert get(cached, path).headers["x-cache"] == "miss"
        assert get(cached, path).headers["x-cache"] == "hit"
        report(factory, event_id, trash_collected_kg=7)  # behind the API's back: the validator still sees it
        fresh = get(cached, path)
        assert fresh.headers["x-cache"] == "miss" and rows_of(fresh)[0]["trash_collected_kg"] == "7.0"


def test_the_streams_issue_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    organizer = factory.user("org")
    volunteers = [factory.user() for _ in range(3)]
    log = app.state.query_log
    counts: dict[str, list[int]] = {path: [] for path in DATASETS}
    for events in (3, 30):
        while factory.count("events") < events:
            event_id = past_event(factory, organizer, days_ago=1 + factory.count("events"))
            attend(factory, event_id, volunteers)
            report(factory, event_id, trash_collected_kg=1)
        for path in DATASETS:
            get(client, path)  # warm-up
            before = log.count
            get(client, path)
            counts[path].append(log.count - before)
    for path, (few, many) in counts.items():
        assert few == many <= 2, (path, counts)


def test_the_catalogue_lists_every_dataset_with_its_licence_and_columns(client: TestClient[Litestar]) -> None:
    answer = get(client, "/api/open-data/")
    assert answer.headers["link"].startswith(LICENCE)
    package = answer.json()
    assert package["licenses"] == [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                                    "title": "Creative Commons Attribution 4.0 International"}]  # fmt: skip
    assert "CC BY 4.0" in package["attribution"]
    resources = {resource["name"]: resource for resource in package["resources"]}
    assert set(resources) == {"events", "events-geojson", "impact-by-month", "impact-by-city", "impact-by-category"}
    assert [field["name"] for field in resources["events"]["schema"]["fields"]] == EVENT_HEADER
    assert resources["events"]["schema"]["primaryKey"] == ["event_id"]
    for resource in resources.values():
        path = resource["path"].removeprefix("http://testserver.local")
        assert client.get(path).status_code == 200, path
    units = {field["name"]: field.get("unit") for field in resources["events"]["schema"]["fields"]}
    assert units["trash_collected_kg"] == "kg" and units["area_cleaned_m2"] == "m²"


def test_the_readme_documents_every_column_of_every_dataset(client: TestClient[Litestar]) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Open data", 1)[1].split("\n## ", 1)[0]
    package = get(client, "/api/open-data/").json()
    for resource in package["resources"]:
        for field in resource.get("schema", {}).get("fields", []):
            assert re.search(rf"^\| `{field['name']}` \|", section, re.MULTILINE), (resource["name"], field["name"])
    assert "CC BY 4.0" in section and package["attribution"].split(" (")[0] in section
