"""The OpenAPI document tells generated clients the truth: integer ids with integer examples, problems for errors."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory, event_body

ID_FIELDS = {"id", "category", "parent", "event", "user", "organizer_id", "user_id", "interests"}
# Fields of those names that are not ids: a participation history names the event's category.
NOT_IDS = {("HistoryEvent", "category")}


def _types(schema: dict[str, Any]) -> set[str]:
    variants = schema.get("oneOf") or schema.get("anyOf") or [schema]
    found = set()
    for variant in variants:
        if variant.get("type") == "array":
            found |= _types(variant["items"])
        elif "type" in variant:
            found.add(variant["type"])
        elif "$ref" in variant:
            found.add("object")
    return found - {"null"}


def _examples(node: Any) -> list[Any]:
    if isinstance(node, dict):
        found = [node["value"]] if set(node) >= {"value"} and "summary" in node else []
        return found + [example for child in node.values() for example in _examples(child)]
    if isinstance(node, list):
        return [example for child in node for example in _examples(child)]
    return []


def _ids_in(value: Any) -> list[Any]:
    if isinstance(value, dict):
        own = [
            v for k, v in value.items() if k in {"id", "organizer_id"} or (k == "category" and not isinstance(v, dict))
        ]
        return own + [found for child in value.values() for found in _ids_in(child)]
    if isinstance(value, list):
        return [found for child in value for found in _ids_in(child)]
    return []


def test_every_id_is_documented_as_a_positive_integer(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    assert "uuid" not in str(document).lower()
    for name, schema in document["components"]["schemas"].items():
        for field, definition in schema.get("properties", {}).items():
            if field in ID_FIELDS and (name, field) not in NOT_IDS and _types(definition) != {"object"}:
                assert _types(definition) == {"integer"}, (name, field, definition)
    for template, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"].endswith("_id"):
                    assert parameter["schema"]["type"] == "integer", (template, parameter)
                    assert parameter["schema"]["minimum"] == 1 and "maximum" not in parameter["schema"]
                    assert re.fullmatch(rf".*\{{{parameter['name']}\}}.*", template)


def test_the_examples_use_integer_ids(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    ids = _ids_in(_examples(document["paths"]))
    assert ids, "the document has examples with ids"
    assert all(isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in ids), ids


def test_every_error_is_documented_as_a_problem_and_no_success_as_nullable(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    for template, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if int(status) >= 400:
                    assert set(content) == {"application/problem+json"}, (method, template, status)
                    assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
                for media in content.values():
                    variants = media.get("schema", {}).get("oneOf", [])
                    assert {"type": "null"} not in variants, (method, template, status)
    erase = document["paths"]["/api/events/{event_id}"]["delete"]["responses"]
    assert erase["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EventDetail"}
    assert "content" not in erase["204"]


def test_the_event_bodies_carry_the_rules_the_service_checks(client: TestClient[Litestar], factory: Factory) -> None:
    """Title length, a Brazilian UF and an IANA zone are checked by the service (with their own problem codes)
    and documented in the schema: what the schema refuses, the API refuses, and what it allows, the API takes."""
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    write = schemas["EventWrite"]["properties"]
    patch = {name: prop["oneOf"][0] for name, prop in schemas["EventPatch"]["properties"].items() if "oneOf" in prop}
    for properties in (write, patch):
        assert (properties["title"]["minLength"], properties["title"]["maxLength"]) == (3, 200)
        assert properties["timezone"]["maxLength"] == 64 and "IANA" in properties["timezone"]["description"]
        assert properties["city"]["maxLength"] == 100
    state = re.compile(write["state"]["pattern"])
    headers = factory.auth(factory.user("organizadora"))
    for value, code in (("SP", None), ("", None), ("XX", "state_invalid"), ("São Paulo", "state_invalid")):
        assert bool(state.fullmatch(value)) is (code is None), value
        answer = client.post("/api/events/", json=event_body(state=value), headers=headers)
        assert answer.status_code == (201 if code is None else 400), (value, answer.text)
        assert code is None or answer.json()["errors"][0]["code"] == code
    for title, status in (("Ab", 400), ("Abc", 201), ("x" * 201, 400)):
        assert client.post("/api/events/", json=event_body(title=title), headers=headers).status_code == status, title
    zone = client.post("/api/events/", json=event_body(timezone="Mars/Olympus"), headers=headers)
    assert zone.status_code == 400 and zone.json()["errors"][0]["code"] == "timezone_invalid"


# The operations issue 15 added, and those of them that take a JSON body.
ORGANIZATION_AND_SERIES_OPERATIONS = {
    "addEventCoOrganizer", "updateEventSeriesFollowing", "cancelEventSeries", "createEventSeries",
    "createOrganization", "updateOrganization", "updateOrganizationMember", "inviteToOrganization",
    "acceptOrganizationInvitation",
}  # fmt: skip


def test_every_new_operation_with_a_body_shows_an_example(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    seen = set()
    for item in document["paths"].values():
        for operation in item.values():
            if operation.get("operationId") in ORGANIZATION_AND_SERIES_OPERATIONS:
                media = operation["requestBody"]["content"]["application/json"]
                # In the media type (examples with a summary), or in the body's schema (Litestar's `Body(examples=)`).
                examples = [example["value"] for example in (media.get("examples") or {}).values()]
                examples += media["schema"].get("examples", [])
                assert examples and all(isinstance(example, dict) for example in examples), operation["operationId"]
                seen.add(operation["operationId"])
    assert seen == ORGANIZATION_AND_SERIES_OPERATIONS
