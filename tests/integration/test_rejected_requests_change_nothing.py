"""A rejected request changes nothing: for every write operation with a JSON body, a body whose every field has
the wrong shape is a 4xx, and afterwards every table — Procrastinate's jobs included — holds exactly what it held.

The caller is staff, so the request gets past the permission checks to the body; the path ids are real rows.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.openapi.spec import Reference, Schema
from litestar.testing import TestClient

from app.api.app import create_app
from app.domain.certificates.codes import CertificateCodes
from tests.support.factories import Factory
from tests.support.series import weekly_series
from tests.support.settings import make_settings

# Of no JSON type a field of ours accepts: not a string, number, boolean, object or flat array.
WRONG = [[{"x": [1]}]]


def _write_operations() -> list[tuple[str, str, list[str]]]:
    """(method, path template, body fields) of each operation that takes a JSON body, from the OpenAPI document."""
    app = create_app(make_settings("postgresql://unused@127.0.0.1/unused", Path(tempfile.mkdtemp())))
    document = app.openapi_schema
    components = document.components.schemas or {} if document.components else {}
    found = []
    for template, item in (document.paths or {}).items():
        for method in ("post", "put", "patch", "delete"):
            operation = getattr(item, method)
            body = operation.request_body if operation else None
            media = (body.content or {}).get("application/json") if body and not isinstance(body, Reference) else None
            if media is None:
                continue
            schema = media.schema
            if isinstance(schema, Reference):
                schema = components[schema.ref.rsplit("/", 1)[-1]]
            fields = sorted((schema.properties or {}) if isinstance(schema, Schema) else {})
            found.append((method.upper(), template, fields))
    return found


WRITE_OPERATIONS = _write_operations()


def snapshot(factory: Factory) -> dict[str, str]:
    """Every table's content, as one digest per table."""
    tables = factory.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").all()
    return {
        name: factory.scalar(f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {name} t")
        for (name,) in tables
    }


@pytest.fixture
def world(client: TestClient[Litestar], factory: Factory) -> dict[str, Any]:
    staff = factory.user("equipe", is_staff=True)
    volunteer = factory.user("vol")
    event_id = factory.event(staff, starts_in=dt.timedelta(minutes=30))
    joined = client.post(f"/api/events/{event_id}/join/", headers=factory.auth(volunteer)).json()
    comment = client.post(f"/api/events/{event_id}/comments/", json={"content": "Oi"}, headers=factory.auth(staff))
    resource = client.post(
        f"/api/events/{event_id}/resources/", json={"name": "Luvas", "quantity_needed": 5}, headers=factory.auth(staff)
    )
    series_id, _ = weekly_series(factory, staff)
    organization = client.post("/api/organizations/", json={"name": "Coletivo"}, headers=factory.auth(staff)).json()
    factory.execute(
        "INSERT INTO certificates (user_id, kind, year, serial, hours, events, issued_at, revoke_reason, created_at,"
        " updated_at) VALUES (:u, 'year', 2025, 'ABCDEFGHJK', 3, 1, now(), '', now(), now())",
        u=staff,
    )
    return {
        "auth": factory.auth(staff),
        "ids": {
            "organization_id": organization["id"],
            "user_id": staff,
            "event_id": event_id,
            "participation_id": joined["id"],
            "comment_id": comment.json()["id"],
            "resource_id": resource.json()["id"],
            "category_id": 1,
            "series_id": series_id,
            "code": CertificateCodes(factory.settings.jwt_secret).code_for("ABCDEFGHJK"),
        },
    }


@pytest.mark.parametrize(
    ("method", "template", "fields"), WRITE_OPERATIONS, ids=[f"{m} {t}" for m, t, _ in WRITE_OPERATIONS]
)
def test_a_body_of_the_wrong_shape_is_refused_and_changes_nothing(
    client: TestClient[Litestar],
    factory: Factory,
    world: dict[str, Any],
    method: str,
    template: str,
    fields: list[str],
) -> None:
    path = re.sub(r"\{(\w+)\}", lambda m: str(world["ids"][m.group(1)]), template) + "/"
    before = snapshot(factory)
    bodies: list[Any] = [dict.fromkeys(fields, WRONG), "x", [1, 2]]
    for body in bodies:
        answer = client.request(method, path, json=body, headers=world["auth"])
        assert 400 <= answer.status_code < 500, (body, answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert snapshot(factory) == before
