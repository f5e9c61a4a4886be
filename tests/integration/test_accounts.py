"""Accounts (SPEC §2): registration, tokens, profiles, password changes — through HTTP, on PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json

import anyio
import jwt
import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from app.config.settings import Settings
from tests.support.concurrency import concurrent_client
from tests.support.factories import DEFAULT_PASSWORD, Factory

STRONG = "Reflorestar-2026!"


def register(client: TestClient[Litestar], username: str = "maria", **overrides: str) -> Response:
    body = {
        "username": username,
        "email": f"{username}@example.org",
        "password": STRONG,
        "password_confirm": STRONG,
        "first_name": "Maria",
        "last_name": "Souza",
        **overrides,
    }
    return client.post("/api/users/register/", json=body)


def login(client: TestClient[Litestar], username: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    response = client.post("/api/token/", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    pair: dict[str, str] = response.json()
    return pair


# --- registration ---


def test_registration_creates_the_user_with_an_argon2id_hash_and_queues_the_welcome_email(
    client: TestClient[Litestar], factory: Factory
) -> None:
    response = register(client)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "first_name", "last_name", "date_joined"}
    assert body["username"] == "maria" and body["first_name"] == "Maria"
    assert factory.scalar("SELECT password_hash FROM users WHERE id = :id", id=body["id"]).startswith("$argon2id$")
    assert factory.count("user_profiles", "user_id = :id", id=body["id"]) == 1
    jobs = factory.execute("SELECT task_name, args, queue_name FROM procrastinate_jobs").all()
    assert [(j.task_name, j.args, j.queue_name) for j in jobs] == [
        ("send_welcome_email", {"user_id": body["id"]}, "emails")
    ]


def test_a_registration_that_fails_validation_creates_no_user_and_no_job(
    client: TestClient[Litestar], factory: Factory
) -> None:
    response = register(client, "ana", password="123", password_confirm="1234")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    codes = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert ("password", "password_too_short") in codes
    assert ("password", "password_entirely_numeric") in codes
    assert ("password_confirm", "passwords_do_not_match") in codes
    assert factory.count("users") == 0
    assert factory.count("procrastinate_jobs") == 0


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("curto1!", "password_too_short"),
        ("12345678901", "password_entirely_numeric"),
        ("password123", "password_too_common"),
        ("joaquim.pereira9", "password_too_similar"),
    ],
)
def test_password_rules(client: TestClient[Litestar], factory: Factory, password: str, code: str) -> None:
    response = register(client, "joaquim.pereira", password=password, password_confirm=password)
    assert response.status_code == 400
    assert code in {e["code"] for e in response.json()["errors"]}
    assert factory.count("users") == 0


def test_username_and_email_are_unique_whatever_their_case(client: TestClient[Litestar], factory: Factory) -> None:
    assert register(client, "maria").status_code == 201
    again = register(client, "MARIA", email="other@example.org")
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "username_taken"
    same_email = register(client, "mariana", email="Maria@Example.org")
    assert same_email.status_code == 400
    assert same_email.json()["errors"][0]["code"] == "email_taken"
    assert factory.count("users") == 1


def test_invalid_username_and_email_are_refused(client: TestClient[Litestar]) -> None:
    response = register(client, "a b", email="not-an-email")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} >= {"username", "email"}


def test_messages_are_portuguese_by_default_and_english_on_request(client: TestClient[Litestar]) -> None:
    pt = client.post("/api/token/", json={"username": "ninguem", "password": "x"})
    en = client.post(
        "/api/token/", json={"username": "ninguem", "password": "x"}, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert pt.json()["message"] == "Nenhuma conta ativa encontrada com as credenciais fornecidas."
    assert en.json()["message"] == "No active account found with the given credentials."
    assert pt.json()["detail"] == pt.json()["message"]


# --- tokens ---


def test_login_by_username_or_email_and_one_generic_message_for_wrong_credentials(
    client: TestClient[Litestar], factory: Factory
) -> None:
    factory.user("joana")
    by_name = client.post("/api/token/", json={"username": "joana", "password": DEFAULT_PASSWORD})
    by_email = client.post("/api/token/", json={"email": "JOANA@example.org", "password": DEFAULT_PASSWORD})
    assert by_name.status_code == by_email.status_code == 200
    assert set(by_name.json()) == {"access", "refresh"}
    wrong_password = client.post("/api/token/", json={"username": "joana", "password": "nope-nope"})
    unknown_user = client.post("/api/token/", json={"username": "ghost", "password": "nope-nope"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json()["message"] == unknown_user.json()["message"]
    assert wrong_password.headers["www-authenticate"].startswith("Bearer")


def test_access_token_claims_and_lifetimes(client: TestClient[Litestar], factory: Factory, settings: Settings) -> None:
    factory.user("joana")
    pair = login(client, "joana")
    access = jwt.decode(pair["access"], settings.jwt_secret, algorithms=["HS256"])
    refresh = jwt.decode(pair["refresh"], settings.jwt_secret, algorithms=["HS256"])
    assert {"sub", "iat", "exp", "jti", "type"} <= set(access)
    assert access["type"] == "access" and refresh["type"] == "refresh"
    assert access["exp"] - access["iat"] == 60 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 60 * 60


def test_refresh_rotates_and_reusing_a_spent_token_revokes_the_family(
    client: TestClient[Litestar], factory: Factory
) -> None:
    factory.user("joana")
    first = login(client, "joana")
    second = client.post("/api/token/refresh/", json={"refresh": first["refresh"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh"] != first["refresh"]
    reuse = client.post("/api/token/refresh/", json={"refresh": first["refresh"]})
    assert reuse.status_code == 401
    # The theft is detected: the legitimate holder's newer token dies with the family.
    assert client.post("/api/token/refresh/", json={"refresh": rotated["refresh"]}).status_code == 401
    # A separate login is a separate family and still works.
    assert client.post("/api/token/refresh/", json={"refresh": login(client, "joana")["refresh"]}).status_code == 200


@pytest.mark.anyio
async def test_two_concurrent_refreshes_of_one_token_exactly_one_succeeds(app: Litestar, factory: Factory) -> None:
    factory.user("joana")
    async with concurrent_client(app) as client:
        pair = (await client.post("/api/token/", json={"username": "joana", "password": DEFAULT_PASSWORD})).json()
        for _ in range(5):
            # Bounded: the loser once waited forever for a row lock its own transaction held.
            with anyio.fail_after(30):
                responses = await asyncio.gather(
                    *(client.post("/api/token/refresh/", json={"refresh": pair["refresh"]}) for _ in range(2))
                )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200, 401]
            # The second presentation was a reuse: the winner's new token is revoked with its family.
            [winner] = [r.json() for r in responses if r.status_code == 200]
            reused = await client.post("/api/token/refresh/", json={"refresh": winner["refresh"]})
            assert reused.status_code == 401
            pair = (await client.post("/api/token/", json={"username": "joana", "password": DEFAULT_PASSWORD})).json()


def test_revoke_logs_out(client: TestClient[Litestar], factory: Factory) -> None:
    factory.user("joana")
    pair = login(client, "joana")
    assert client.post("/api/token/revoke/", json={"refresh": pair["refresh"]}).status_code == 204
    assert client.post("/api/token/refresh/", json={"refresh": pair["refresh"]}).status_code == 401


def _forge(payload: dict[str, object], header: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


def test_bad_tokens_are_refused_with_401(client: TestClient[Litestar], factory: Factory, settings: Settings) -> None:
    user_id = factory.user("joana")
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": str(user_id),
        "jti": "8b4c1cb0-3f0e-4b8e-9df4-4b1a4b0f2a11",
        "type": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=5)).timestamp()),
    }
    good = factory.access_token(user_id)
    head, _, signature = good.split(".")
    tampered_body = (
        base64.urlsafe_b64encode(json.dumps({**claims, "sub": str(factory.user("intruso"))}).encode())
        .rstrip(b"=")
        .decode()
    )
    expired = jwt.encode(
        {
            **claims,
            "iat": int((now - dt.timedelta(hours=2)).timestamp()),
            "exp": int((now - dt.timedelta(hours=1)).timestamp()),
        },
        settings.jwt_secret,
        algorithm="HS256",
    )
    refresh_as_access = factory.tokens.issue(user_id, "refresh", now=now)[0]
    other_algorithm = jwt.encode(claims, settings.jwt_secret, algorithm="HS512")
    other_secret = jwt.encode(claims, "another-secret-another-secret-another-secret", algorithm="HS256")
    bad = {
        "alg none": _forge(claims, {"alg": "none", "typ": "JWT"}),
        "tampered": f"{head}.{tampered_body}.{signature}",
        "expired": expired,
        "wrong type": refresh_as_access,
        "other algorithm": other_algorithm,
        "other secret": other_secret,
        "garbage": "not-a-token",
    }
    assert client.get("/api/users/profile/", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    for name, token in bad.items():
        response = client.get("/api/users/profile/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.headers["content-type"].startswith("application/problem+json"), name
    # An access token is not a refresh token either.
    assert client.post("/api/token/refresh/", json={"refresh": good}).status_code == 401


def test_missing_token_is_401_and_a_malformed_header_too(client: TestClient[Litestar]) -> None:
    assert client.get("/api/users/profile/").status_code == 401
    assert client.get("/api/users/profile/", headers={"Authorization": "Basic abc"}).status_code == 401


# --- profile ---

PROFILE_FIELDS = {
    "id",
    "user",
    "phone",
    "birth_date",
    "bio",
    "avatar_url",
    "age",
    "city",
    "state",
    "zip_code",
    "interests",
    "notification_preferences",
    "is_public_profile",
    "show_participation_history",
    "total_events_participated",
    "total_hours_volunteered",
    "created_at",
    "updated_at",
}


def test_profile_has_exactly_the_fields_of_the_spec(client: TestClient[Litestar], factory: Factory) -> None:
    user_id = factory.user("joana")
    response = client.get("/api/users/profile/", headers=factory.auth(user_id))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert set(body["user"]) == {"id", "username", "email", "first_name", "last_name", "date_joined"}
    assert body["user"]["id"] == user_id


@pytest.mark.parametrize("path", ["/api/users/profile/update/", "/api/users/profile/", "/api/users/profile/update"])
def test_profile_update_changes_only_what_is_sent(client: TestClient[Litestar], factory: Factory, path: str) -> None:
    user_id = factory.user("joana")
    auth = factory.auth(user_id)
    response = client.patch(
        path,
        json={
            "city": "Santos",
            "state": "sp",
            "birth_date": "1990-05-20",
            "first_name": "Joana",
            "bio": "Gosto de praia.",
            "notification_preferences": {"email_new_events": False},
        },
        headers=auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["city"], body["state"], body["birth_date"], body["user"]["first_name"]) == (
        "Santos",
        "SP",
        "1990-05-20",
        "Joana",
    )
    assert body["age"] >= 36
    assert body["notification_preferences"]["email_new_events"] is False
    assert body["notification_preferences"]["email_event_reminders"] is True
    second = client.patch(path, json={"birth_date": None}, headers=auth).json()
    assert second["birth_date"] is None and second["age"] is None and second["city"] == "Santos"


def test_profile_update_with_bad_values_changes_nothing(client: TestClient[Litestar], factory: Factory) -> None:
    user_id = factory.user("joana")
    auth = factory.auth(user_id)
    for body, field in [
        ({"city": "Santos", "state": "São Paulo"}, "state"),
        ({"city": "Santos", "birth_date": "2999-01-01"}, "birth_date"),
        ({"city": "Santos", "notification_preferences": {"spam": True}}, "notification_preferences"),
        ({"city": "Santos", "interests": ["not-a-number"]}, "interests"),
        ({"city": "Santos", "bio": "Oi", "interests": [1, 999_999]}, "interests"),  # no category has that id
        ({"city": "Santos", "is_public_profile": "yes"}, "is_public_profile"),
        ({"city": "Santos", "bio": "x" * 2001}, "bio"),
    ]:
        response = client.patch("/api/users/profile/update/", json=body, headers=auth)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"].startswith(field), response.json()
    profile = factory.execute("SELECT city, bio, interests FROM user_profiles WHERE user_id = :id", id=user_id).one()
    assert tuple(profile) == ("", "", [])
    known = client.patch("/api/users/profile/update/", json={"interests": [2, 1]}, headers=auth)
    assert known.status_code == 200 and known.json()["interests"] == [2, 1]


def test_public_profile_honours_privacy(client: TestClient[Litestar], factory: Factory) -> None:
    factory.user("publica")
    private_id = factory.user("reservada", is_public_profile=False)
    stranger = factory.user("curioso")
    staff = factory.user("moderadora", is_staff=True)
    shown = client.get("/api/users/profile/publica/")
    assert shown.status_code == 200
    assert shown.json()["username"] == "publica"
    assert "email" not in shown.json()
    assert client.get("/api/users/profile/reservada/").status_code == 404
    assert client.get("/api/users/profile/reservada/", headers=factory.auth(stranger)).status_code == 404
    assert client.get("/api/users/profile/reservada/", headers=factory.auth(private_id)).status_code == 200
    assert client.get("/api/users/profile/reservada/", headers=factory.auth(staff)).status_code == 200
    assert client.get("/api/users/profile/ninguem/").status_code == 404


def test_change_password_revokes_refresh_tokens(client: TestClient[Litestar], factory: Factory) -> None:
    user_id = factory.user("joana")
    old_pair = login(client, "joana")
    auth = {"Authorization": f"Bearer {old_pair['access']}"}
    wrong = client.post(
        "/api/users/change-password/",
        headers=auth,
        json={"old_password": "wrong-one", "new_password": STRONG, "new_password_confirm": STRONG},
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "old_password"
    weak = client.post(
        "/api/users/change-password/",
        headers=auth,
        json={"old_password": DEFAULT_PASSWORD, "new_password": "12345678", "new_password_confirm": "12345678"},
    )
    assert weak.status_code == 400
    changed = client.post(
        "/api/users/change-password/",
        headers=auth,
        json={"old_password": DEFAULT_PASSWORD, "new_password": STRONG, "new_password_confirm": STRONG},
    )
    assert changed.status_code == 200
    assert client.post("/api/token/refresh/", json={"refresh": old_pair["refresh"]}).status_code == 401
    assert client.post("/api/token/refresh/", json={"refresh": changed.json()["refresh"]}).status_code == 200
    assert client.post("/api/token/", json={"username": "joana", "password": DEFAULT_PASSWORD}).status_code == 401
    assert login(client, "joana", STRONG)["access"]
    assert factory.count("refresh_tokens", "user_id = :id AND revoked_at IS NULL AND spent_at IS NULL", id=user_id) == 2
