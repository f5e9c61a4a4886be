"""OpenAPI helpers: documented problem responses, the bearer security requirement, optional bodies, links."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from http import HTTPStatus

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    Example,
    Link,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)

from app.api.errors import PROBLEM_MEDIA_TYPE, Problem
from app.domain.events.services import TEXT_LIMITS, TITLE_MIN_LENGTH
from app.domain.ids import MAX_ID
from app.domain.places import BRAZILIAN_STATES

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


def problems(*statuses: int, **descriptions: str) -> dict[int, ResponseSpec]:
    """Problem-details responses for an operation; `descriptions` maps e.g. `s409="Already joined"`."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=descriptions.get(f"s{status}", HTTPStatus(status).phrase),
            media_type=PROBLEM_MEDIA_TYPE,
        )
        for status in statuses
    }


def tidy_document(document: OpenAPI) -> None:
    """What Litestar's generated document needs before clients read it."""
    _document_optional_bodies(document)
    _document_ids(document)
    _document_validation_problems(document)
    _document_nullable_enums(document)
    _document_links(document)
    _document_event_rules(document)
    _document_request_examples(document)
    _document_certificate_paths(document)


# OpenAPI links: where the ids an answer carries can be used next, as {(operation, status): {target operation:
# its parameters}} (each link is named after its target). Generated clients and schemathesis' stateful run follow
# them (create → read → join → leave, and a comment or resource made on the event).
EVENT_FROM_ANSWER = {"event_id": "$response.body#/id"}
EVENT_FROM_JOIN = {"event_id": "$response.body#/event"}
EVENT_FROM_PATH = {"event_id": "$request.path.event_id"}
LINKS: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    ("createEvent", "201"): dict.fromkeys(
        (
            "getEvent",
            "updateEvent",
            "publishEvent",
            "joinEvent",
            "listParticipants",
            "addComment",
            "addResource",
        ),
        EVENT_FROM_ANSWER,
    ),
    ("joinEvent", "201"): dict.fromkeys(("leaveEvent", "getEvent"), EVENT_FROM_JOIN),
    ("addComment", "201"): dict.fromkeys(
        ("editComment", "deleteComment"), EVENT_FROM_PATH | {"comment_id": "$response.body#/id"}
    ),
    ("addResource", "201"): dict.fromkeys(
        ("getResource", "pledgeResource", "withdrawPledge"), EVENT_FROM_PATH | {"resource_id": "$response.body#/id"}
    ),
}


def _operations(document: OpenAPI) -> Iterator[Operation]:
    """Every operation of the document."""
    for path_item in (document.paths or {}).values():
        for operation in (path_item.get, path_item.post, path_item.put, path_item.patch, path_item.delete):
            if operation:
                yield operation


def _document_links(document: OpenAPI) -> None:
    """`LINKS` on the answers they start from; a name no operation has is a mistake in `LINKS`, found at start-up."""
    operations = {operation.operation_id: operation for operation in _operations(document)}
    for (source, status), targets in LINKS.items():
        unknown = {source, *targets} - operations.keys()
        response = None if unknown else (operations[source].responses or {}).get(status)
        if not isinstance(response, OpenAPIResponse):
            msg = f"OpenAPI links from {source} {status}: no such operation or response ({sorted(unknown)})"
            raise RuntimeError(msg)
        response.links = {
            target: Link(operation_id=target, parameters=dict(parameters)) for target, parameters in targets.items()
        }


def _document_nullable_enums(document: OpenAPI) -> None:
    """An optional choice (`status: EventStatus | None`) comes out as `type: [null, string]` with `null` among the
    `enum` values, which openapi-python-client turns into three copies of the enum: it is documented as a choice
    or null (`oneOf`), which it reads as one enum, optional."""
    for schema in _schemas(document):
        types = schema.type if isinstance(schema.type, list) else []
        if OpenAPIType.NULL not in types or not schema.enum or None not in schema.enum:
            continue
        kept = [t for t in types if t != OpenAPIType.NULL]
        choice = Schema(type=kept[0] if len(kept) == 1 else kept, enum=[v for v in schema.enum if v is not None])
        schema.type, schema.enum = None, None
        schema.one_of = [choice, Schema(type=OpenAPIType.NULL)]


def _document_validation_problems(document: OpenAPI) -> None:
    """Litestar adds its own 400 (`{status_code, detail, extra}` as `application/json`) to operations with
    parameters; what the API sends is a problem (`application/problem+json`), as for every other error."""
    problem = problems(400)[400]
    for operation in _operations(document):
        default = (operation.responses or {}).get("400")
        if isinstance(default, OpenAPIResponse) and "application/json" in (default.content or {}):
            default.description = problem.description
            default.content = {
                PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))
            }


def _document_ids(document: OpenAPI) -> None:
    """An id's bounds (1 .. bigint) come out as floats (`9.223372036854776e+18`, which is not even the bound):
    ids are documented as `integer` with `minimum: 1` (bigint's bound is PostgreSQL's business)."""
    for schema in _schemas(document):
        if schema.maximum is not None and int(schema.maximum) >= MAX_ID:
            schema.maximum = None
            schema.minimum = 1


def _schemas(document: OpenAPI) -> Iterator[Schema]:
    """Every schema object in the document, each once (a schema may be changed before its children are visited)."""
    seen: set[int] = set()
    pending: list[object] = [document]
    while pending:
        node = pending.pop()
        if id(node) in seen or isinstance(node, str | int | float | bool | None):
            continue
        seen.add(id(node))
        if isinstance(node, Schema):
            yield node
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list | tuple) else None
        if children is None and dataclasses.is_dataclass(node):
            children = [getattr(node, field.name) for field in dataclasses.fields(node)]
        pending.extend(children or ())


def _document_optional_bodies(document: OpenAPI) -> None:
    """Litestar documents every request body as required. A body declared `X | None = None` (an action whose
    fields are all optional) is documented as what it is: an optional `X`."""
    for operation in _operations(document):
        body = operation.request_body
        if not isinstance(body, RequestBody):
            continue
        for media in (body.content or {}).values():
            members = media.schema.one_of if isinstance(media.schema, Schema) else None
            if not members:
                continue
            kept = [m for m in members if not (isinstance(m, Schema) and m.type == OpenAPIType.NULL)]
            if len(kept) == 1 and len(kept) < len(members):
                media.schema = kept[0]
                body.required = False


# The text rules the event service checks itself (so that they answer with their own problem codes: `too_short`,
# `too_long`, `state_invalid`, `timezone_invalid`), written into the bodies' schemas for clients to know.
EVENT_BODIES = ("EventWrite", "EventCreate", "EventPatch")
EVENT_FIELD_RULES: dict[str, dict[str, object]] = {
    **{field: {"max_length": limit} for field, limit in TEXT_LIMITS.items()},
    "title": {"min_length": TITLE_MIN_LENGTH, "max_length": TEXT_LIMITS["title"]},
    "state": {
        "pattern": "^(" + "|".join(BRAZILIAN_STATES) + ")?$",
        "description": "A Brazilian state's two-letter code (UF), or empty; lower case is accepted",
    },
    "timezone": {
        "max_length": 64,
        "description": "An IANA time zone name, e.g. America/Sao_Paulo (`timezone_invalid` otherwise)",
    },
}


def _document_event_rules(document: OpenAPI) -> None:
    schemas = document.components.schemas if document.components else None
    for name in EVENT_BODIES:
        body = (schemas or {}).get(name)
        properties = body.properties if isinstance(body, Schema) else None
        for field, rules in EVENT_FIELD_RULES.items():
            target = (properties or {}).get(field)
            if isinstance(target, Schema) and target.one_of:  # PATCH: the string among "absent" and its value
                target = next(
                    (m for m in target.one_of if isinstance(m, Schema) and m.type == OpenAPIType.STRING), None
                )
            if isinstance(target, Schema):
                for attribute, value in rules.items():
                    setattr(target, attribute, value)


# Request examples of the operations whose body is declared `X | None = None` or plainly (an `Annotated` body there
# would fight the optional-body tidy-up): {operation: {summary: value}}.
REQUEST_EXAMPLES: dict[str, dict[str, object]] = {
    "addEventCoOrganizer": {"By username": {"username": "bruno.costa"}, "By id": {"user_id": 12}},
    "updateEventSeriesFollowing": {
        "Later, from this one on": {"start_date": "2027-03-06T09:00:00", "end_date": "2027-03-06T12:00:00"},
        "A new meeting point": {"address": "Praia do Gonzaga, posto 3", "latitude": -23.9700, "longitude": -46.3310},
    },
    "cancelEventSeries": {"Every upcoming one": {}, "From one occurrence on": {"from_event": 42}},
    "updateOrganization": {"A new description": {"description": "Limpamos as praias e os canais de Santos."}},
    "updateOrganizationMember": {"Make an admin": {"role": "admin"}},
    "acceptOrganizationInvitation": {"The token from the email": {"token": "k3J9x2Lw8QmZ4pT7vR1sY6uN0bE5aH"}},
    "revokeCertificate": {"With a reason": {"reason": "Emitido por engano"}, "Without one": {}},
}


def _document_request_examples(document: OpenAPI) -> None:
    for operation in _operations(document):
        examples = REQUEST_EXAMPLES.get(operation.operation_id or "")
        body = operation.request_body
        if not examples or not isinstance(body, RequestBody):
            continue
        for media in (body.content or {}).values():
            media.examples = {
                f"example{number}": Example(summary=summary, value=value)
                for number, (summary, value) in enumerate(examples.items(), start=1)
            }


# Litestar's path parameters fill whole segments: the PDF's route takes `{certificate_file}` (`2026.pdf`) and reads the
# number itself. Clients are shown the path as it is meant, with an integer `{number}` before `.pdf`.
CERTIFICATE_FILE_PATH = "/api/users/certificates/{certificate_file}"
CERTIFICATE_NUMBER_PATH = "/api/users/certificates/{number}.pdf"


def _document_certificate_paths(document: OpenAPI) -> None:
    paths = document.paths or {}
    item = paths.pop(CERTIFICATE_FILE_PATH, None)
    if item is None or item.get is None:
        msg = f"OpenAPI: {CERTIFICATE_FILE_PATH} is not documented"
        raise RuntimeError(msg)
    for parameter in item.get.parameters or []:
        if isinstance(parameter, Parameter) and parameter.name == "certificate_file":
            parameter.name = "number"
            parameter.description = "An event id, or a calendar year (see `kind`)"
            parameter.schema = Schema(type=OpenAPIType.INTEGER, minimum=1)
            parameter.examples = {
                "event": Example(summary="An event", value=42),
                "year": Example(summary="A year", value=2026),
            }
    pdf = (item.get.responses or {}).get("200")
    if isinstance(pdf, OpenAPIResponse):
        pdf.content = {
            "application/pdf": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        }
    paths[CERTIFICATE_NUMBER_PATH] = item
    # The verification answers a person who scanned the QR code with a small HTML page.
    for path_item in paths.values():
        operation = path_item.get
        if operation is None or operation.operation_id != "verifyCertificate":
            continue
        answer = (operation.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse) and answer.content is not None:
            answer.content["text/html"] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
