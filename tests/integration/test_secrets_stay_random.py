"""Ids are sequential now; the secrets are not: check-in codes, calendar-feed keys, refresh-token ids and
unsubscribe tokens of neighbouring rows share nothing a stranger could step through."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.config.settings import Settings
from app.domain.errors import ValidationFailed
from app.domain.notifications.links import Links
from tests.support.factories import DEFAULT_PASSWORD, Factory


def test_neighbouring_rows_get_unrelated_secrets(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    first, second = factory.user("ana"), factory.user("bia")
    assert second == first + 1  # the ids are sequential…

    codes = [
        factory.scalar("SELECT check_in_code FROM events WHERE id = :id", id=factory.event(first)) for _ in range(20)
    ]
    assert len(set(codes)) >= 19 and all(len(code) == 6 for code in codes)  # …the check-in codes are drawn at random

    keys = [
        client.get("/api/users/calendar/", headers=factory.auth(user)).json()["url"].split("/api/calendar/")[1]
        for user in (first, second)
    ]
    assert keys[0] != keys[1] and min(len(key.split("/")[0]) for key in keys) >= 32

    tokens = [
        client.post("/api/token/", json={"email": f"{name}@example.org", "password": DEFAULT_PASSWORD}).json()[
            "refresh"
        ]
        for name in ("ana", "bia")
    ]
    jtis = [json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"] for token in tokens]
    assert all(uuid.UUID(jti).version == 4 for jti in jtis) and jtis[0] != jtis[1]

    links = Links.from_settings(settings)
    # An unsubscribe token is signed: changing its user to the next id breaks it.
    header, payload, signature = links.unsubscribe_token(first, "all").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert claims["sub"] == str(first)
    changed = base64.urlsafe_b64encode(json.dumps({**claims, "sub": str(second)}).encode()).decode().rstrip("=")
    with pytest.raises(ValidationFailed):
        links.read_unsubscribe_token(f"{header}.{changed}.{signature}")
