"""Finding events (SPEC §3): filters, search, ordering, the DRF envelope, nearby — and that each is served by an
index with a constant number of queries."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.config.settings import Settings
from app.domain.events.queries import Circle, EventFilters, EventQueries, Viewer
from tests.support.factories import CAMPINAS, CATEGORIES, RIO, SANTOS, SAO_PAULO, Factory


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["results"]]


# --- filters ---


def test_every_filter_narrows_the_list(client: TestClient[Litestar], factory: Factory) -> None:
    ana, bia = factory.user("ana"), factory.user("bia")
    santos = factory.event(ana, city="Santos", category="Limpeza", max_participants=10, participants_count=10)
    rio = factory.event(
        bia, city="Rio de Janeiro", state="RJ", at=RIO, category="Plantio", starts_in=dt.timedelta(days=20)
    )
    past = factory.event(ana, city="Santos", starts_in=dt.timedelta(days=-10), status="completed", category="Educação")
    cancelled = factory.event(bia, city="Campinas", at=CAMPINAS, status="cancelled", category="Monitoramento")

    def listed(query: str) -> set[str]:
        return set(ids(client.get(f"/api/events/?{query}")))

    assert listed("") == {santos, rio, past, cancelled}
    assert listed(f"category={CATEGORIES['Plantio']}") == {rio}
    assert listed("category=plantio") == {rio}
    assert listed("category=Educação") == {past}
    assert listed("status=completed") == {past}
    assert listed("status=cancelled") == {cancelled}
    assert listed("city=santos") == {santos, past}
    assert listed("state=rj") == {rio}
    assert listed(f"organizer={bia}") == {rio, cancelled}
    collective = factory.organization(owner=ana)
    factory.execute("UPDATE events SET organization_id = :o WHERE id IN (:a, :b)", o=collective, a=santos, b=past)
    assert listed(f"organization={collective}") == {santos, past}
    assert listed(f"organization={collective}&city=santos&status=completed") == {past}
    assert listed("organization=999999") == set()
    assert listed("has_spots=false") == {santos}
    assert listed("has_spots=true") == {rio, past, cancelled}
    in_15_days = (dt.datetime.now(dt.UTC) + dt.timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%S")
    assert listed(f"start_after={in_15_days}") == {rio}
    assert listed(f"start_before={in_15_days}") == {santos, past, cancelled}
    assert listed(f"start_after={in_15_days}&state=SP") == set()


def test_search_ignores_accents_and_case(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    educacao = factory.event(org, title="Oficina de Educação Ambiental", category="Educação", city="Niterói")
    plantio = factory.event(org, title="Plantio de ipês", description="Mudas nativas da Mata Atlântica")
    assert set(ids(client.get("/api/events/?search=educacao"))) == {educacao}
    assert set(ids(client.get("/api/events/?search=EDUCAÇÃO"))) == {educacao}
    assert set(ids(client.get("/api/events/?search=atlantica"))) == {plantio}
    assert set(ids(client.get("/api/events/?search=niteroi"))) == {educacao}
    assert set(ids(client.get("/api/events/?search=plant ipe"))) == {plantio}
    assert ids(client.get("/api/events/?search=xingu")) == []


def test_orderings(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    soon = factory.event(org, title="B soon", starts_in=dt.timedelta(days=2), participants_count=5)
    later = factory.event(org, title="A later", starts_in=dt.timedelta(days=9), participants_count=1)
    ago = factory.event(org, title="C ago", starts_in=dt.timedelta(days=-3), status="completed", participants_count=9)
    long_ago = factory.event(org, title="D long ago", starts_in=dt.timedelta(days=-30), status="completed")
    # Default: upcoming first (soonest first), then past (most recent first).
    assert ids(client.get("/api/events/")) == [soon, later, ago, long_ago]
    assert ids(client.get("/api/events/?ordering=start_date")) == [long_ago, ago, soon, later]
    assert ids(client.get("/api/events/?ordering=-start_date")) == [later, soon, ago, long_ago]
    assert ids(client.get("/api/events/?ordering=title")) == [later, soon, ago, long_ago]
    assert ids(client.get("/api/events/?ordering=-participants_count"))[:3] == [ago, soon, later]
    assert set(ids(client.get("/api/events/?ordering=created_at"))) == {soon, later, ago, long_ago}


def test_default_ordering_pages_cross_from_upcoming_to_past(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    upcoming = [factory.event(org, starts_in=dt.timedelta(days=d)) for d in (1, 2, 3)]
    past = [factory.event(org, starts_in=dt.timedelta(days=-d), status="completed") for d in (1, 2, 3)]
    pages = [ids(client.get(f"/api/events/?page_size=2&page={page}")) for page in (1, 2, 3)]
    assert [event for page in pages for event in page] == upcoming + past


# --- envelope ---


def test_the_envelope_keeps_the_filters_in_absolute_links(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    for day in range(1, 6):
        factory.event(org, starts_in=dt.timedelta(days=day), city="Santos")
    first = client.get("/api/events/?city=Santos&page_size=2&_t=123")
    body = first.json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["previous"] is None
    link = urlsplit(body["next"])
    assert link.scheme in {"http", "https"} and link.netloc
    assert link.path == "/api/events/"
    assert parse_qs(link.query) == {"city": ["Santos"], "page_size": ["2"], "_t": ["123"], "page": ["2"]}
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 2
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    last = client.get("/api/events/?city=Santos&limit=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert client.get("/api/events/?city=Santos&limit=2&page=4").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=abc",
        "page_size=101",
        "page_size=0",
        "limit=500",
        "ordering=price",
        "status=finished",
        "organizer=not-a-uuid",
        "organizer=0",
        "organization=0",
        "organization=-3",
        "organization=99999999999999999999",
        "organization=abc",
        "start_after=yesterday",
        "has_spots=maybe",
        "latitude=91&longitude=0",
        "latitude=-23.5&longitude=-46.6&radius=0",
        "latitude=-23.5&longitude=-46.6&radius=10000",
        "latitude=-23.5",
        "state=SPX",
    ],
)
def test_bad_list_parameters_are_400(client: TestClient[Litestar], query: str) -> None:
    response = client.get(f"/api/events/?{query}")
    assert response.status_code == 400, (query, response.text)
    assert response.json()["message"]


# --- nearby ---


def test_nearby_is_nearest_first_with_great_circle_distances(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    in_sao_paulo = factory.event(org, city="São Paulo", at=SAO_PAULO)
    santos = factory.event(org, city="Santos", at=SANTOS)
    rio = factory.event(org, city="Rio de Janeiro", at=RIO)
    factory.event(org, at=SANTOS, status="draft")
    factory.event(org, at=SANTOS, is_public=False)
    factory.event(org, at=SANTOS, starts_in=dt.timedelta(days=-2), status="completed")
    lat, lon = SAO_PAULO
    near = client.get(f"/api/events/nearby/?latitude={lat}&longitude={lon}&radius=400")
    assert near.status_code == 200
    events = near.json()
    assert isinstance(events, list)
    assert [e["id"] for e in events] == [in_sao_paulo, santos, rio]
    distances = [e["distance_km"] for e in events]
    assert distances[0] == 0
    assert 54 <= distances[1] <= 58, distances
    assert 350 <= distances[2] <= 362, distances
    within_100 = client.get(f"/api/events/nearby/?lat={lat}&lng={lon}&radius=100").json()
    assert [e["id"] for e in within_100] == [in_sao_paulo, santos]
    default_radius = client.get(f"/api/events/nearby/?lat={lat}&lon={lon}").json()
    assert [e["id"] for e in default_radius] == [in_sao_paulo]
    assert len(client.get(f"/api/events/nearby/?lat={lat}&lon={lon}&radius=500&limit=2").json()) == 2


def test_the_list_narrows_to_a_circle(client: TestClient[Litestar], factory: Factory) -> None:
    org = factory.user("org")
    santos = factory.event(org, city="Santos", at=SANTOS)
    factory.event(org, city="Rio de Janeiro", at=RIO)
    lat, lon = SAO_PAULO
    assert ids(client.get(f"/api/events/?latitude={lat}&longitude={lon}&radius=60")) == [santos]
    assert ids(client.get(f"/api/events/?latitude={lat}&longitude={lon}&radius=50")) == []


@pytest.mark.parametrize(
    "query",
    [
        "latitude=91&longitude=0",
        "latitude=0&longitude=181",
        "latitude=-23&longitude=-46&radius=0",
        "latitude=-23&longitude=-46&radius=10000",
        "latitude=-23&longitude=-46&limit=101",
        "longitude=-46",
        "latitude=-23",
        "latitude=abc&longitude=-46",
    ],
)
def test_bad_nearby_parameters_are_400(client: TestClient[Litestar], query: str) -> None:
    response = client.get(f"/api/events/nearby/?{query}")
    assert response.status_code == 400, (query, response.text)


# --- performance by design ---


def _queries_for(client: TestClient[Litestar], app: Litestar, path: str, headers: dict[str, str] | None = None) -> int:
    log = app.state.query_log
    client.get(path, headers=headers)  # warm-up: a new connection may introspect types once
    before = log.count
    assert client.get(path, headers=headers).status_code == 200
    return int(log.count - before)


def test_list_and_nearby_issue_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    org = factory.user("org")
    for day in range(60):
        factory.event(org, starts_in=dt.timedelta(days=day - 20), status="published" if day >= 20 else "completed")
    lat, lon = SANTOS
    for headers in (None, factory.auth(org)):
        _queries_for(client, app, "/api/events/", headers)  # warm-up: a new connection may introspect types
        small = _queries_for(client, app, "/api/events/?page_size=5", headers)
        large = _queries_for(client, app, "/api/events/?page_size=100", headers)
        crossing = _queries_for(client, app, "/api/events/?page_size=30&page=1", headers)
        # A count and at most two page queries, whatever the page size; with a token, also the caller's look-up
        # and their participation in the page's events.
        limit = 3 if headers is None else 5
        assert max(small, large, crossing) <= limit, (small, large, crossing)
        by_title = [
            _queries_for(client, app, f"/api/events/?page_size={size}&ordering=title&city=Santos", headers)
            for size in (5, 100)
        ]
        assert by_title[0] == by_title[1] <= limit - 1
        for size in (1, 5, 100):
            # One query for the nearest events (and the exact search when the candidates prove too little).
            nearby = _queries_for(
                client, app, f"/api/events/nearby/?lat={lat}&lon={lon}&radius=500&limit={size}", headers
            )
            assert nearby <= 2, (size, nearby)


class _Recorder:
    """Stands in for the database: records the SQL and answers nothing."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        self.statements.append((query, args))
        return []

    async def fetchrow(self, query: str, *args: Any) -> Any:
        self.statements.append((query, args))
        return (0, 0)


async def _plans(settings: Settings, statements: list[tuple[str, tuple[Any, ...]]]) -> list[str]:
    connection = await asyncpg.connect(settings.psycopg_conninfo)
    try:
        plans = []
        for query, args in statements:
            rows = await connection.fetch(f"EXPLAIN (FORMAT JSON) {query}", *args)
            plans.append(json.dumps(json.loads(rows[0][0])))
        return plans
    finally:
        await connection.close()


def test_nearby_and_the_default_list_use_indexes_not_a_scan_of_events(settings: Settings, factory: Factory) -> None:
    organizer = factory.user("org")
    # A table the size the planner takes seriously: 5,000 events over Brazil.
    factory.execute(
        """
        INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude, city,
            state,
            start_date, end_date, timezone, max_participants, min_age, status, is_public, requires_approval,
            required_tools, provided_tools, what_to_bring, cover_image_url, participants_count, waitlist_count,
            pending_count, search_text, created_at, updated_at)
        SELECT 'Evento ' || i, '', :category, :organizer, '', -33 + random() * 30,
            -73 + random() * 38, 'Cidade', 'SP', now() + (i - 2500) * interval '1 hour',
            now() + (i - 2500) * interval '1 hour' + interval '3 hours', 'America/Sao_Paulo', 50, 16,
            CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'published' END, true, false, '', '', '', '', 0, 0, 0,
            'evento ' || i, now(), now()
        FROM generate_series(1, 5000) AS i
        """,
        category=CATEGORIES["Limpeza"],
        organizer=organizer,
    )
    factory.maintain("VACUUM ANALYZE events")
    now = dt.datetime.now(dt.UTC)
    recorder = _Recorder()

    async def record() -> None:
        queries = EventQueries(recorder)
        await queries.nearby(Circle(*SAO_PAULO, 10), 20, now)
        await queries._nearby_exact(Circle(*SAO_PAULO, 10), 20, now)
        await queries._nearby_exact(Circle(*SAO_PAULO, 50), 20, now)
        await queries.page(EventFilters(), Viewer(), None, 0, 20, now)
        await queries.page(EventFilters(), Viewer(), None, 0, 20, now)

    asyncio.run(record())
    plans = asyncio.run(_plans(settings, recorder.statements))
    for (query, _), plan in zip(recorder.statements, plans, strict=True):
        scans = _event_scans(plan)
        assert scans, query
        assert "Seq Scan" not in scans, (query, plan)


def test_the_fast_nearby_search_answers_what_the_exact_one_does(settings: Settings, factory: Factory) -> None:
    organizer = factory.user("org")
    factory.execute(
        """
        INSERT INTO events (title, description, category_id, organizer_id, address, latitude, longitude, city,
            state, start_date, end_date, timezone, max_participants, min_age, status, is_public, requires_approval,
            required_tools, provided_tools, what_to_bring, cover_image_url, participants_count, waitlist_count,
            pending_count, search_text, created_at, updated_at)
        SELECT 'Evento ' || i, '', :category, :organizer, '', -23.55 + (random() - 0.5) * 1.2,
            -46.63 + (random() - 0.5) * 1.2, 'Cidade', 'SP', now() + (i - 300) * interval '1 hour',
            now() + (i - 300) * interval '1 hour' + interval '3 hours', 'America/Sao_Paulo', 50, 16, 'published',
            true, false, '', '', '', '', 0, 0, 0, 'evento', now(), now()
        FROM generate_series(1, 2000) AS i
        """,
        category=CATEGORIES["Limpeza"],
        organizer=organizer,
    )
    factory.maintain("VACUUM ANALYZE events")

    async def compare() -> None:
        connection = await asyncpg.connect(settings.psycopg_conninfo)
        try:
            queries, now = EventQueries(connection), dt.datetime.now(dt.UTC)
            for latitude, longitude in (SAO_PAULO, (-23.2, -46.9), (-24.1, -46.1), (-10.0, -50.0)):
                for radius, limit in ((1, 20), (5, 1), (10, 20), (30, 100), (80, 7), (500, 100)):
                    circle = Circle(latitude, longitude, radius)
                    fast = await queries.nearby(circle, limit, now)
                    exact = await queries._nearby_exact(circle, limit, now)
                    assert [e.id for e in fast] == [e.id for e in exact], (latitude, longitude, radius, limit)
                    assert [e.distance_km for e in fast] == [e.distance_km for e in exact]
        finally:
            await connection.close()

    asyncio.run(compare())


def _event_scans(plan: str) -> str:
    """The node types that read the events table."""
    found = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == "events":
            found.append(node["Node Type"])
        for child in node.get("Plans", []):
            walk(child)

    for root in json.loads(plan):
        walk(root["Plan"])
    return ",".join(found)
