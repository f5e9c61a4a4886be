"""DATABASE_READ_URL: the hot public reads go to a real streaming replica; a lagging, stopped or failing replica is
skipped without an error; a caller reads their own writes; a cache entry is never filled with data older than a
change it has seen."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.api.app import create_app
from app.config.settings import Settings, SettingsError, load_settings
from tests.support.database import create_database, unique_name, with_database
from tests.support.factories import Factory, event_body
from tests.support.redis import RedisServer
from tests.support.replication import DATABASE, ReplicatedPostgres
from tests.support.settings import make_settings

pytestmark = pytest.mark.slow
MAX_LAG = 1.5
TIMEOUT = 20.0


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplicatedPostgres]:
    """A primary with the schema migrated into a template database, and its streaming replica."""
    from advanced_alchemy.alembic.commands import AlembicCommands

    from app.config.database import sqlalchemy_config

    servers = ReplicatedPostgres()
    try:
        servers.start()
        settings = make_settings(servers.primary_url(), tmp_path_factory.mktemp("replica-template"))
        AlembicCommands(sqlalchemy_config=sqlalchemy_config(settings)).upgrade("heads")
        servers.make_replica()
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def database(pair: ReplicatedPostgres) -> tuple[str, str]:
    """A fresh copy of the migrated database, on the primary and (once replayed) on the replica; left for the pair's
    folder to take away."""
    name = unique_name("mutiroes_replica")
    primary = create_database(pair.primary_url("postgres"), name, template=DATABASE)
    pair.wait_until_replayed()
    return primary, with_database(pair.replica_url(), name)


def replica_settings(database: tuple[str, str], data_dir: Path, **overrides: Any) -> Settings:
    primary, replica = database
    return make_settings(
        primary, data_dir, database_read_url=replica, database_read_max_lag_seconds=MAX_LAG, **overrides
    )


@pytest.fixture
def settings(database: tuple[str, str], tmp_path: Path) -> Settings:
    return replica_settings(database, tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(settings)) as test_client:
        wait_for(lambda: replica_status(test_client) == "up", "the replica to be checked")
        yield test_client


@pytest.fixture
def factory(settings: Settings) -> Iterator[Factory]:
    made = Factory(settings)
    yield made
    made.close()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def replica_status(client: TestClient[Litestar]) -> str:
    ready = client.get("/readiness/")
    assert ready.status_code == 200
    status: str = ready.json()["checks"]["read_replica"]["status"]
    return status


def reads(client: TestClient[Litestar], database: str, reason: str) -> float:
    """How many routed reads `database` answered for `reason`, from /metrics."""
    wanted = f'mutiroes_db_reads_total{{database="{database}",reason="{reason}"}} '
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(wanted):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def titles(client: TestClient[Litestar], **headers: str) -> set[str]:
    answer = client.get("/api/events/", headers=headers)
    assert answer.status_code == 200, answer.text
    return {event["title"] for event in answer.json()["results"]}


def test_public_reads_come_from_the_replica_and_move_to_the_primary_while_it_lags(
    client: TestClient[Litestar], factory: Factory, pair: ReplicatedPostgres
) -> None:
    organizer = factory.user("organizadora")
    factory.event(organizer, title="Plantio no parque")
    pair.wait_until_replayed()
    assert titles(client) == {"Plantio no parque"}
    assert reads(client, "replica", "healthy") >= 1

    pair.pause_replay()
    try:
        factory.event(organizer, title="Limpeza do mangue")
        # The replica has not replayed it: an answer without it can only come from the replica.
        assert titles(client) == {"Plantio no parque"}
        wait_for(lambda: replica_status(client) == "lagging", f"the replica to lag more than {MAX_LAG} s")
        ready = client.get("/readiness/").json()["checks"]["read_replica"]
        assert "behind the primary" in ready["detail"]
        assert titles(client) == {"Plantio no parque", "Limpeza do mangue"}
        assert reads(client, "primary", "replica_lagging") >= 1
    finally:
        pair.resume_replay()
    wait_for(lambda: replica_status(client) == "up", "the replica to catch up")
    served = reads(client, "replica", "healthy")
    assert titles(client) == {"Plantio no parque", "Limpeza do mangue"}
    assert reads(client, "replica", "healthy") == served + 1


def test_a_stopped_replica_is_skipped_without_an_error_and_used_again_when_it_returns(
    client: TestClient[Litestar], factory: Factory, pair: ReplicatedPostgres
) -> None:
    organizer = factory.user("organizadora")
    event_id = factory.event(organizer, title="Limpeza do rio")
    spot_id = factory.scalar(
        "INSERT INTO spots (reporter_id, latitude, longitude, description, kind, size, status, confirmations_count,"
        " created_at, updated_at) VALUES (:u, -23.97, -46.33, '', 'trash', 'small', 'open', 0, now(), now())"
        " RETURNING id",
        u=organizer,
    )
    pair.wait_until_replayed()
    public_reads = [
        "/api/spots/",
        f"/api/spots/{spot_id}/",
        "/api/spots.geojson",
        "/api/events/",
        f"/api/events/{event_id}/",
        f"/api/events/{event_id}/stats/",
        "/api/events/nearby/?latitude=-23.96&longitude=-46.33&radius=20",
        "/api/events/categories/",
        "/api/users/leaderboard/",
        "/api/reports/monthly/",
    ]
    for path in public_reads:
        assert client.get(path).status_code == 200, path
    pair.stop_replica()
    try:
        # The first reads find the pooled connections dead and run again on the primary; then the check says down.
        for path in public_reads:
            assert client.get(path).status_code == 200, path
        wait_for(lambda: replica_status(client) == "down", "the check to find the replica down")
        for path in public_reads:
            assert client.get(path).status_code == 200, path
        assert reads(client, "primary", "replica_down") >= len(public_reads)
        assert client.get("/readiness/").status_code == 200
    finally:
        pair.start_replica()
    wait_for(lambda: replica_status(client) == "up", "the replica to come back")
    served = reads(client, "replica", "healthy")
    for path in public_reads:
        assert client.get(path).status_code == 200, path
    assert reads(client, "replica", "healthy") == served + len(public_reads)


def test_a_reported_spot_is_read_from_the_replica_by_others_and_at_once_by_its_reporter(
    client: TestClient[Litestar], factory: Factory, pair: ReplicatedPostgres
) -> None:
    ana = factory.user("ana")
    pair.pause_replay()
    try:
        reported = client.post(
            "/api/spots/",
            json={"latitude": -23.97, "longitude": -46.33, "kind": "trash"},
            headers=factory.auth(ana),
        )
        assert reported.status_code == 201, reported.text
        spot_id = reported.json()["id"]
        # The replica has not replayed it: the anonymous map and list, read there, do not have it yet.
        assert client.get("/api/spots/").json()["count"] == 0
        assert client.get("/api/spots.geojson").json()["features"] == []
        assert client.get(f"/api/spots/{spot_id}/").status_code == 404
        # Its reporter reads their own write from the primary.
        assert client.get("/api/spots/", headers=factory.auth(ana)).json()["count"] == 1
        assert client.get(f"/api/spots/{spot_id}/", headers=factory.auth(ana)).status_code == 200
    finally:
        pair.resume_replay()
    pair.wait_until_replayed()
    assert client.get("/api/spots/").json()["count"] == 1


def test_a_caller_reads_their_own_writes_while_others_read_the_replica(
    client: TestClient[Litestar], factory: Factory, pair: ReplicatedPostgres
) -> None:
    organizer = factory.user("organizadora")
    auth = factory.auth(organizer)
    pair.pause_replay()
    try:
        created = client.post("/api/events/", json=event_body(title="Mutirão recém-publicado"), headers=auth)
        assert created.status_code == 201, created.text
        event_id = created.json()["id"]
        # The writer sees it at once, in the list and on its page; an anonymous reader gets the replica's past.
        assert client.get(f"/api/events/{event_id}/", headers=auth).status_code == 200
        assert "Mutirão recém-publicado" in titles(client, **auth)
        assert client.get(f"/api/events/{event_id}/").status_code == 404
        assert reads(client, "primary", "own_write") >= 2
    finally:
        pair.resume_replay()


def test_the_write_marker_is_shared_by_every_api_process_through_redis(
    database: tuple[str, str], tmp_path: Path, pair: ReplicatedPostgres, redis: RedisServer
) -> None:
    settings = replica_settings(database, tmp_path, redis_url=redis.url)
    factory = Factory(settings)
    organizer = factory.user("organizadora")
    auth = factory.auth(organizer)
    factory.close()
    with TestClient(create_app(settings)) as writer, TestClient(create_app(settings)) as reader:
        wait_for(lambda: replica_status(writer) == replica_status(reader) == "up", "the replica to be checked")
        pair.pause_replay()
        try:
            created = writer.post("/api/events/", json=event_body(title="Publicado em outra réplica"), headers=auth)
            assert created.status_code == 201, created.text
            assert reader.get(f"/api/events/{created.json()['id']}/", headers=auth).status_code == 200
            assert reads(reader, "primary", "own_write") == 1
            assert reader.get(f"/api/events/{created.json()['id']}/").status_code == 404
        finally:
            pair.resume_replay()


def test_a_cache_entry_filled_right_after_a_change_is_read_from_the_primary(
    database: tuple[str, str], tmp_path: Path, pair: ReplicatedPostgres
) -> None:
    settings = replica_settings(database, tmp_path, cache_ttl_seconds=60.0)
    factory = Factory(settings)
    organizer = factory.user("organizadora")
    event_id = factory.event(organizer, title="Título antigo")
    factory.close()
    pair.wait_until_replayed()
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: replica_status(client) == "up", "the replica to be checked")
        assert client.get(f"/api/events/{event_id}/").json()["title"] == "Título antigo"
        pair.pause_replay()
        try:
            edited = client.patch(
                f"/api/events/{event_id}/", json={"title": "Título novo"}, headers=factory.auth(organizer)
            )
            assert edited.status_code == 200, edited.text
            first = client.get(f"/api/events/{event_id}/")
            assert (first.headers["X-Cache"], first.json()["title"]) == ("miss", "Título novo")
            again = client.get(f"/api/events/{event_id}/")
            assert (again.headers["X-Cache"], again.json()["title"]) == ("hit", "Título novo")
            assert reads(client, "primary", "recent_change") == 1
        finally:
            pair.resume_replay()


def test_without_a_replica_nothing_is_routed_or_reported_as_down(client_without_replica: TestClient[Litestar]) -> None:
    ready = client_without_replica.get("/readiness/").json()["checks"]["read_replica"]
    assert ready == {"status": "not configured", "detail": None}
    assert client_without_replica.get("/api/events/").status_code == 200
    samples = client_without_replica.get("/metrics").text
    assert "mutiroes_db_reads_total{" not in samples
    assert "\nmutiroes_read_replica_up " not in samples


@pytest.fixture
def client_without_replica(database: tuple[str, str], tmp_path: Path) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(make_settings(database[0], tmp_path))) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_READ_URL", "mysql://replica/mutiroes"),
        ("DATABASE_READ_MAX_LAG_SECONDS", "0"),
        ("DATABASE_READ_MAX_LAG_SECONDS", "soon"),
    ],
)
def test_bad_read_replica_settings_are_refused_at_start_up(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({"JWT_SECRET": "x" * 64, variable: value})


def test_the_read_replica_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "JWT_SECRET": "x" * 64,
            "DATABASE_READ_URL": "postgres://app@replica:5432/mutiroes",
            "DATABASE_READ_MAX_LAG_SECONDS": "2.5",
        }
    )
    assert settings.read_replica_url == "postgresql://app@replica:5432/mutiroes"
    assert settings.database_read_max_lag_seconds == 2.5
    assert msgspec.structs.replace(settings, database_read_url=None).read_replica_url is None
