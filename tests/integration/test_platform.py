"""Health probes and the OpenAPI document."""

from __future__ import annotations

import gc
from pathlib import Path

import msgspec
from litestar import Litestar
from litestar.testing import TestClient

from app.api.app import create_app
from app.config.settings import Settings
from tests.support.settings import make_settings


def test_health_and_liveness(client: TestClient[Litestar]) -> None:
    assert client.get("/health/").json() == {"status": "ok", "checks": {}}
    assert client.get("/liveness/").status_code == 200


def test_readiness_checks_the_database(client: TestClient[Litestar]) -> None:
    response = client.get("/readiness/")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["status"] == "up"


def test_readiness_is_503_when_the_database_is_down(tmp_path: Path) -> None:
    settings = make_settings("postgresql://postgres@127.0.0.1:1/nowhere", tmp_path)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readiness/")
        assert response.status_code == 503
        assert response.json()["checks"]["database"]["status"] == "down"
        assert client.get("/liveness/").status_code == 200


def test_reads_and_writes_answer_503_with_retry_after_while_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = make_settings("postgresql://postgres@127.0.0.1:1/nowhere", tmp_path)
    with TestClient(create_app(settings)) as client:
        for answer in (
            client.get("/api/events/"),
            client.get("/api/events/1/"),
            client.get("/api/users/leaderboard/"),
            client.post("/api/token/", json={"username": "ana", "password": "x" * 12}),
        ):
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert answer.json()["code"] == "service_unavailable"


def test_start_up_hides_long_lived_objects_from_full_collections(settings: Settings) -> None:
    # A full collection walks what gc.get_objects() lists; the frozen start-up objects are no longer among them.
    assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app(msgspec.structs.replace(settings, gc_freeze=True))) as client:
            assert client.get("/health/").status_code == 200
            frozen, walked = gc.get_freeze_count(), len(gc.get_objects())
        assert frozen > 50_000  # modules, routes, the OpenAPI schema, the test session's own objects
        assert walked < frozen / 5
    finally:
        gc.unfreeze()


def test_openapi_documents_every_operation(client: TestClient[Litestar]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert "BearerToken" in document["components"]["securitySchemes"]
    operation_ids = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation.get("tags"), where
            assert operation.get("summary"), where
            operation_ids.append(operation["operationId"])
            if not path.startswith(("/health", "/liveness", "/readiness")):
                assert any(code.startswith("4") for code in operation["responses"]), where
    assert len(operation_ids) == len(set(operation_ids))
    assert {"obtainToken", "refreshToken", "registerUser", "getMyProfile", "updateMyProfile"} <= set(operation_ids)


def test_the_docs_ui_is_served(client: TestClient[Litestar]) -> None:
    assert client.get("/schema/").status_code == 200
    assert client.get("/schema/swagger").status_code == 200
