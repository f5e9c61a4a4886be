"""HTTP conventions of SPEC §1: slashes, CORS, problem details, bad input never a 500."""

from __future__ import annotations

import re
from unittest.mock import ANY

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory

PROBLEM = "application/problem+json"


def test_a_path_works_with_and_without_the_trailing_slash(client: TestClient[Litestar]) -> None:
    assert client.get("/health/").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.post("/api/token", json={"username": "x", "password": "y"}).status_code == 401


def test_cors_preflight_answers_for_the_allowed_origin(client: TestClient[Litestar]) -> None:
    response = client.options(
        "/api/users/profile/",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    simple = client.get("/health/", headers={"Origin": "http://localhost:3000"})
    assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_cors_does_not_answer_for_other_origins(client: TestClient[Litestar]) -> None:
    response = client.get("/health/", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"username": ', "malformed_json"),
        (b"not json at all", "malformed_json"),
        (b"", "body_required"),
        (b"[1, 2]", "wrong_type"),
        (b'{"username": 5, "password": "x"}', "wrong_type"),
        (b'{"username": "x"}', "required"),
        (b'{"username": "x", "password": 1e999}', "out_of_range"),
    ],
)
def test_bad_bodies_get_a_400_problem(client: TestClient[Litestar], body: bytes, code: str) -> None:
    response = client.post("/api/token/", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["code"] == code
    assert problem["status"] == 400
    assert problem["title"] and problem["type"]
    assert problem["detail"] == problem["message"] and problem["message"]


def test_validation_problems_name_the_field(client: TestClient[Litestar]) -> None:
    problem = client.post("/api/token/", json={"username": "x"}).json()
    assert problem["errors"] == [
        {"field": "password", "code": "required", "message": "O campo password é obrigatório."}
    ]


def test_a_body_of_the_wrong_shape_is_named_body(client: TestClient[Litestar]) -> None:
    problem = client.post("/api/token/", json=[1, 2]).json()
    assert problem["errors"] == [
        {"field": "body", "code": "wrong_type", "message": "O campo body deve ser do tipo object."}
    ]


def test_an_oversize_body_is_413_and_changes_nothing(client: TestClient[Litestar], factory: Factory) -> None:
    huge = {"username": "a" * 2_000_000, "email": "a@example.org", "password": "x", "password_confirm": "x"}
    response = client.post("/api/users/register/", json=huge)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert factory.count("users") == 0


def test_unknown_routes_and_methods_are_problems(client: TestClient[Litestar]) -> None:
    missing = client.get("/api/nothing-here/")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    wrong_method = client.delete("/api/token/")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("interests", "code"),
    [(["abc"], "wrong_type"), ([0], "out_of_range"), ([-1], "out_of_range"), ([2**63], "out_of_range")],
)
def test_an_id_that_is_not_a_positive_bigint_is_a_400(
    client: TestClient[Litestar], factory: Factory, interests: list[object], code: str
) -> None:
    user_id = factory.user("joana")
    response = client.patch("/api/users/profile/", json={"interests": interests}, headers=factory.auth(user_id))
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"field": "interests[0]", "code": code, "message": ANY}


@pytest.mark.parametrize("path", ["/api/events/0/", "/api/events/-1/", "/api/events/9223372036854775808/"])
def test_a_path_id_that_is_not_a_positive_bigint_is_a_400_naming_it(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert [error["field"] for error in response.json()["errors"]] == ["event_id"]


def test_a_path_id_that_is_not_a_number_matches_no_route(client: TestClient[Litestar]) -> None:
    response = client.get("/api/events/abc/")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


def test_english_problem_details(client: TestClient[Litestar]) -> None:
    problem = client.get("/api/users/profile/", headers={"Accept-Language": "en"}).json()
    assert problem["message"] == "Authentication credentials were not provided."


def test_unknown_query_parameters_are_ignored(client: TestClient[Litestar]) -> None:
    assert client.get("/health/?_t=12345").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/events/?city=%00",
        "/api/events/?search=mutir%00o",
        "/api/users/leaderboard/?category=%00",
        "/api/users/profile/ana%00/",
    ],
)
def test_a_null_character_in_the_query_or_path_is_a_400_not_a_database_error(
    client: TestClient[Litestar], factory: Factory, path: str
) -> None:
    response = client.get(path, headers=factory.auth(factory.user("ana")))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "nul_character"


def test_a_null_character_in_a_body_is_a_400_and_changes_nothing(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer, title="Limpeza da praia")
    for method, path, body in (
        ("PATCH", f"/api/events/{event_id}/", {"title": "Limpeza\u0000da praia"}),
        ("PATCH", "/api/users/profile/", {"bio": "\u0000"}),
        ("POST", f"/api/events/{event_id}/comments/", {"content": "Vou!\u0000"}),
        ("POST", "/api/token/", {"username": "org\u0000", "password": "x"}),
    ):
        response = client.request(method, path, json=body, headers=factory.auth(organizer))
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "nul_character"
    assert factory.scalar("SELECT title FROM events WHERE id = :id", id=event_id) == "Limpeza da praia"
    assert factory.count("event_comments") == 0


@pytest.mark.parametrize(
    "path",
    ["/api/events/?page=99999999999999999999", "/api/users/leaderboard/?page=1000001", "/api/reports/monthly/0000-01/"],
)
def test_out_of_range_pages_and_months_are_a_400(client: TestClient[Litestar], path: str) -> None:
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "body", [b"[" * 200 + b"]" * 200, b"[" * 20_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000], ids=["200", "20k", "obj"]
)
def test_a_deeply_nested_body_is_a_400_on_every_operation(
    client: TestClient[Litestar], factory: Factory, body: bytes
) -> None:
    staff = factory.user("equipe", is_staff=True)
    event_id = factory.event(staff)
    document = client.get("/schema/openapi.json").json()
    answers = {}
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation or "application/json" not in operation["requestBody"]["content"]:
                continue
            url = template.replace("{event_id}", str(event_id))
            url = re.sub(r"\{\w+\}", "1", url) + "/"
            response = client.request(
                method.upper(), url, content=body, headers={"Content-Type": "application/json", **factory.auth(staff)}
            )
            answers[f"{method} {template}"] = response.status_code
    assert answers and all(400 <= status < 500 for status in answers.values()), answers
