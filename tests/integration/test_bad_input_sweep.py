"""Bad input never yields a 500: every operation of the OpenAPI document, called with wrong path ids, garbage
query parameters and, for each field of its body, values of the wrong type, sign, size or shape."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory
from tests.support.series import weekly_series

BAD_VALUES: list[Any] = [None, -1, 10**20, 1e308, "x" * 3000, "", [], {"a": 1}, True, "2026-13-45T25:61:00"]
BAD_BODIES: list[Any] = [None, "x", [], {}, 12, {"unknown": 1}]
BAD_QUERY = (
    "page=0&page_size=999&limit=-1&ordering=x&latitude=x&longitude=200&lat=91&radius=-5&period=x&category=x"
    "&token=x&status=x&start_date_after=x&format=x&when=x&is_public=maybe&has_spots=2&organizer=99999999999999999999"
)
# Ids no row has: unknown, zero, negative, beyond bigint.
NOWHERE = ("999999", "0", "-1", "9223372036854775808")


def _fill(template: str, value: str) -> str:
    """Every path parameter set to `value` (months to a month no report has)."""
    return re.sub(r"\{(\w+)\}", lambda m: value if m.group(1) != "month" else "1999-01", template)


def _schema(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    for variant in node.get("oneOf", node.get("anyOf", [])):
        if "$ref" in variant or "properties" in variant:
            return _schema(document, variant)
    return node


def _bodies(document: dict[str, Any], operation: dict[str, Any]) -> list[Any]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return [None]
    properties = _schema(document, content["schema"]).get("properties", {})
    return BAD_BODIES + [{name: value} for name in properties for value in BAD_VALUES]


def test_no_operation_answers_500_to_bad_input(client: TestClient[Litestar], factory: Factory) -> None:
    staff = factory.user("equipe", is_staff=True)
    volunteer = factory.user("vol")
    event_id = factory.event(staff, starts_in=dt.timedelta(minutes=30))
    joined = client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(volunteer)).json()
    comment = client.post(f"/api/events/{event_id}/comments/", json={"content": "Oi"}, headers=factory.auth(staff))
    resource = client.post(
        f"/api/events/{event_id}/resources/", json={"name": "Luvas", "quantity_needed": 5}, headers=factory.auth(staff)
    )
    series_id, _ = weekly_series(factory, staff)
    feed = client.get("/api/users/calendar/", headers=factory.auth(staff)).json()["url"]
    organization = client.post("/api/organizations/", json={"name": "Coletivo"}, headers=factory.auth(staff)).json()
    invitation = client.post(
        f"/api/organizations/{organization['id']}/invitations/", json={"username": "vol"}, headers=factory.auth(staff)
    ).json()
    spot = client.post(
        "/api/spots/", json={"latitude": -23.97, "longitude": -46.33, "kind": "trash"}, headers=factory.auth(staff)
    ).json()
    real = {
        "spot_id": spot["id"],
        "key": feed.split("/api/calendar/", 1)[1].split("/", 1)[0],
        "event_id": event_id,
        "participation_id": joined["id"],
        "comment_id": comment.json()["id"],
        "resource_id": resource.json()["id"],
        "category_id": 1,
        "series_id": series_id,
        "username": "vol",
        "organization_id": organization["id"],
        "user_id": volunteer,
        "invitation_id": invitation["id"],
        "month": "2026-10",
        "number": event_id,
        "code": "7K3M-Q9XD-2PAB-HF4T",
    }
    document = client.get("/schema/openapi.json").json()
    failures = []
    calls = 0
    for template, methods in document["paths"].items():
        for method, operation in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"} or method == "delete":
                continue  # deleting the shared objects would only make the later calls shallower
            names = re.findall(r"\{(\w+)\}", template)
            paths = [re.sub(r"\{(\w+)\}", lambda m: str(real[m.group(1)]), template)]
            paths += [_fill(template, nowhere) for nowhere in NOWHERE]
            paths += [re.sub(r"\{(\w+)\}", "x", template)] if names else []
            for path in paths:
                for query in ("", BAD_QUERY):
                    for body in _bodies(document, operation) if query == "" else [None]:
                        url = f"{path}/?{query}" if query else f"{path}/"
                        response = client.request(method.upper(), url, json=body, headers=factory.auth(staff))
                        calls += 1
                        if response.status_code >= 500:
                            failures.append((method.upper(), url, body, response.status_code))
    assert calls > 1000
    assert failures == []
