"""SPEC §5, the public cache: anonymous reads come from Redis (or this process) until a write changes them, and a
caller with a token always gets their own answer from PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from app.api.app import create_app
from app.config.settings import Settings
from tests.support.factories import CATEGORIES, SANTOS, Factory
from tests.support.redis import RedisServer

NEARBY = f"/api/events/nearby/?latitude={SANTOS[0]}&longitude={SANTOS[1]}"
# Long enough that only a write, never the clock, can make an entry miss during a test.
TTL = 60.0


@pytest.fixture
def cached(settings: Settings, redis: RedisServer) -> Settings:
    return msgspec.structs.replace(settings, redis_url=redis.url, cache_ttl_seconds=TTL)


@pytest.fixture
def client(cached: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(cached)) as test_client:
        yield test_client


def get(client: TestClient[Litestar], path: str, **headers: str) -> Response:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


def warm(client: TestClient[Litestar], path: str) -> Response:
    """Read twice: the second answer must come from the cache."""
    get(client, path)
    answer = get(client, path)
    assert answer.headers["x-cache"] == "hit", path
    return answer


def event_in(answer: Response, event_id: int) -> dict[str, Any]:
    body = answer.json()
    events = body["results"] if isinstance(body, dict) and "results" in body else body
    if isinstance(events, dict):  # a detail
        return events
    return next(event for event in events if event["id"] == event_id)


def queries(client: TestClient[Litestar]) -> int:
    count: int = client.app.state.query_log.count
    return count


@pytest.mark.parametrize("path", ["/api/events/categories/", "/api/events/", NEARBY, "detail"])
def test_an_anonymous_read_is_a_miss_then_a_hit_that_asks_postgresql_nothing(
    client: TestClient[Litestar], factory: Factory, path: str
) -> None:
    event_id = factory.event(factory.user("org"))
    path = f"/api/events/{event_id}/" if path == "detail" else path
    first = get(client, path)
    assert first.headers["x-cache"] == "miss"
    before = queries(client)
    second = get(client, path)
    assert second.headers["x-cache"] == "hit"
    assert second.json() == first.json()
    assert second.headers["content-type"] == "application/json"
    assert queries(client) == before


def test_unknown_query_parameters_share_one_entry_and_the_links_stay_the_callers_own(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    for _ in range(3):
        factory.event(organizer)
    first = get(client, "/api/events/?page_size=1&_t=111")
    assert first.headers["x-cache"] == "miss"
    second = get(client, "/api/events/?page_size=1&_t=222")
    assert second.headers["x-cache"] == "hit"
    assert second.json()["results"] == first.json()["results"]
    assert second.json()["count"] == 3
    assert "_t=222" in second.json()["next"] and "page=2" in second.json()["next"]


def test_a_join_shows_at_once_in_the_anonymous_detail_list_and_nearby(
    client: TestClient[Litestar], factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"), max_participants=5)
    paths = [f"/api/events/{event_id}/", "/api/events/", NEARBY]
    for path in paths:
        assert event_in(warm(client, path), event_id)["available_spots"] == 5
    volunteer = factory.user("vol")
    assert client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(volunteer)).status_code == 201
    for path in paths:
        answer = get(client, path)
        assert answer.headers["x-cache"] == "miss", path
        assert event_in(answer, event_id)["available_spots"] == 4, path
        assert get(client, path).headers["x-cache"] == "hit", path


def test_an_edit_shows_at_once_in_the_anonymous_detail_and_list(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    for path in (f"/api/events/{event_id}/", "/api/events/"):
        warm(client, path)
    edited = client.patch(
        f"/api/events/{event_id}/", json={"title": "Plantio no parque"}, headers=factory.auth(organizer)
    )
    assert edited.status_code == 200, edited.text
    for path in (f"/api/events/{event_id}/", "/api/events/"):
        assert event_in(get(client, path), event_id)["title"] == "Plantio no parque", path


def test_comments_resources_and_pledges_show_at_once_in_the_anonymous_detail(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = factory.event(organizer)
    detail = f"/api/events/{event_id}/"
    warm(client, detail)
    said = client.post(f"{detail}comments/", json={"content": "Levo luvas!"}, headers=factory.auth(volunteer))
    assert said.status_code == 201, said.text
    assert [comment["content"] for comment in get(client, detail).json()["comments"]] == ["Levo luvas!"]
    warm(client, detail)
    added = client.post(
        f"{detail}resources/", json={"name": "Sacos de lixo", "quantity_needed": 50}, headers=factory.auth(organizer)
    )
    assert added.status_code == 201, added.text
    assert [resource["name"] for resource in get(client, detail).json()["resources"]] == ["Sacos de lixo"]
    warm(client, detail)
    pledged = client.post(
        f"{detail}resources/{added.json()['id']}/pledge/", json={"quantity": 20}, headers=factory.auth(volunteer)
    )
    assert pledged.status_code == 200, pledged.text
    assert get(client, detail).json()["resources"][0]["quantity_provided"] == 20


def test_a_category_edit_shows_at_once_in_categories_and_events(client: TestClient[Litestar], factory: Factory) -> None:
    event_id = factory.event(factory.user("org"), category="Plantio")
    staff = factory.user("equipe", is_staff=True)
    for path in ("/api/events/categories/", f"/api/events/{event_id}/", "/api/events/"):
        warm(client, path)
    renamed = client.patch(
        f"/api/events/categories/{CATEGORIES['Plantio']}/",
        json={"name": "Plantio de mudas"},
        headers=factory.auth(staff),
    )
    assert renamed.status_code == 200, renamed.text
    assert "Plantio de mudas" in [category["name"] for category in get(client, "/api/events/categories/").json()]
    for path in (f"/api/events/{event_id}/", "/api/events/"):
        assert event_in(get(client, path), event_id)["category"]["name"] == "Plantio de mudas", path


def test_an_organizers_new_name_shows_at_once_in_their_events(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    warm(client, f"/api/events/{event_id}/")
    renamed = client.patch("/api/users/profile/", json={"first_name": "Dona Ana"}, headers=factory.auth(organizer))
    assert renamed.status_code == 200, renamed.text
    assert get(client, f"/api/events/{event_id}/").json()["organizer_name"] == "Dona Ana Silva"


def test_publishing_cancelling_and_deleting_show_at_once(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    draft = factory.event(organizer, status="draft")
    warm(client, "/api/events/")
    assert client.get(f"/api/events/{draft}/").status_code == 404
    assert client.post(f"/api/events/{draft}/publish/", headers=factory.auth(organizer)).status_code == 200
    assert [event["id"] for event in get(client, "/api/events/").json()["results"]] == [draft]
    assert get(client, f"/api/events/{draft}/").json()["status"] == "published"
    warm(client, f"/api/events/{draft}/")
    assert client.post(f"/api/events/{draft}/cancel/", headers=factory.auth(organizer)).status_code == 200
    assert get(client, f"/api/events/{draft}/").json()["status"] == "cancelled"
    other = factory.event(organizer)
    warm(client, f"/api/events/{other}/")
    warm(client, "/api/events/")
    # Nobody joined: the event is erased by a DELETE statement, not through a loaded object.
    assert client.delete(f"/api/events/{other}/", headers=factory.auth(organizer)).status_code == 204
    assert client.get(f"/api/events/{other}/").status_code == 404
    assert other not in [event["id"] for event in get(client, "/api/events/").json()["results"]]


def test_editing_a_draft_leaves_the_public_answers_cached(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    draft = factory.event(organizer, status="draft")
    warm(client, "/api/events/")
    assert client.patch(f"/api/events/{draft}/", json={"title": "Rascunho"}, headers=factory.auth(organizer)).is_success
    assert get(client, "/api/events/").headers["x-cache"] == "hit"


def test_a_caller_with_a_token_never_reads_nor_fills_the_shared_cache(
    client: TestClient[Litestar], factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"))
    volunteer = factory.user("vol")
    assert client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(volunteer)).status_code == 201
    detail = f"/api/events/{event_id}/"
    for path in (detail, "/api/events/", NEARBY, "/api/events/categories/"):
        own = get(client, path, **factory.auth(volunteer))
        assert "x-cache" not in own.headers, path
        anonymous = get(client, path)
        assert anonymous.headers["x-cache"] == "miss", path  # the caller's answer was not stored
        assert get(client, path).headers["x-cache"] == "hit", path
        assert "x-cache" not in get(client, path, **factory.auth(volunteer)).headers, path
    assert get(client, detail, **factory.auth(volunteer)).json()["user_participating"] is True
    assert get(client, detail).json()["user_participating"] is False
    # A bad token is refused, never answered from the anonymous entry.
    assert client.get(detail, headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_two_app_instances_sharing_redis_see_each_others_writes(
    cached: Settings, client: TestClient[Litestar], factory: Factory
) -> None:
    event_id = factory.event(factory.user("org"), max_participants=5)
    detail = f"/api/events/{event_id}/"
    assert get(client, detail).headers["x-cache"] == "miss"
    with TestClient(create_app(cached)) as replica:
        assert get(replica, detail).headers["x-cache"] == "hit"  # stored by the other instance
        volunteer = factory.user("vol")
        assert replica.post(f"{detail}join/", json={}, headers=factory.auth(volunteer)).status_code == 201
    answer = get(client, detail)
    assert answer.headers["x-cache"] == "miss"
    assert answer.json()["available_spots"] == 4


def test_without_redis_url_each_process_caches_in_memory(settings: Settings, factory: Factory) -> None:
    in_process = msgspec.structs.replace(settings, redis_url=None, cache_ttl_seconds=TTL)
    event_id = factory.event(factory.user("org"), max_participants=5)
    detail = f"/api/events/{event_id}/"
    with TestClient(create_app(in_process)) as client:
        assert get(client, detail).headers["x-cache"] == "miss"
        assert get(client, detail).headers["x-cache"] == "hit"
        volunteer = factory.user("vol")
        assert client.post(f"{detail}join/", json={}, headers=factory.auth(volunteer)).status_code == 201
        assert get(client, detail).json()["available_spots"] == 4
        assert client.get("/readiness/").json()["checks"]["redis"]["status"] == "not configured"


def test_a_ttl_of_zero_turns_the_cache_off(settings: Settings, factory: Factory) -> None:
    event_id = factory.event(factory.user("org"))
    with TestClient(create_app(settings)) as client:  # make_settings turns the cache off
        assert "x-cache" not in get(client, f"/api/events/{event_id}/").headers


def test_an_entry_expires_after_the_ttl(settings: Settings, factory: Factory, redis: RedisServer) -> None:
    short = msgspec.structs.replace(settings, redis_url=redis.url, cache_ttl_seconds=0.3)
    event_id = factory.event(factory.user("org"))
    with TestClient(create_app(short)) as client:
        warm(client, f"/api/events/{event_id}/")
        # A write behind the API's back (as a background job's) is bounded by the TTL alone.
        factory.execute("UPDATE events SET title = 'Mudou no banco' WHERE id = :id", id=event_id)
        assert get(client, f"/api/events/{event_id}/").json()["title"] != "Mudou no banco"
        time.sleep(0.4)
        assert get(client, f"/api/events/{event_id}/").json()["title"] == "Mudou no banco"
