"""OpenAPI helpers: documented problem responses, the bearer security requirement, optional bodies."""

from __future__ import annotations

import dataclasses
from http import HTTPStatus

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    RequestBody,
    Schema,
)

from app.api.errors import PROBLEM_MEDIA_TYPE, Problem
from app.domain.ids import MAX_ID

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


def _document_validation_problems(document: OpenAPI) -> None:
    """Litestar adds its own 400 (`{status_code, detail, extra}` as `application/json`) to operations with
    parameters; what the API sends is a problem (`application/problem+json`), as for every other error."""
    problem = problems(400)[400]
    for path_item in (document.paths or {}).values():
        for operation in (path_item.get, path_item.post, path_item.put, path_item.patch, path_item.delete):
            responses = operation.responses if operation else None
            default = (responses or {}).get("400")
            if isinstance(default, OpenAPIResponse) and "application/json" in (default.content or {}):
                default.description = problem.description
                default.content = {
                    PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))
                }


def _document_ids(document: OpenAPI) -> None:
    """An id's bounds (1 .. bigint) come out as floats (`9.223372036854776e+18`, which is not even the bound):
    ids are documented as `integer` with `minimum: 1` (bigint's bound is PostgreSQL's business)."""
    seen: set[int] = set()

    def visit(node: object) -> None:
        if id(node) in seen or isinstance(node, str | int | float | bool | None):
            return
        seen.add(id(node))
        if isinstance(node, Schema) and node.maximum is not None and int(node.maximum) >= MAX_ID:
            node.maximum = None
            node.minimum = 1
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list | tuple) else None
        if children is None and dataclasses.is_dataclass(node):
            children = [getattr(node, field.name) for field in dataclasses.fields(node)]
        for child in children or ():
            visit(child)

    visit(document)


def _document_optional_bodies(document: OpenAPI) -> None:
    """Litestar documents every request body as required. A body declared `X | None = None` (an action whose
    fields are all optional) is documented as what it is: an optional `X`."""
    for path_item in (document.paths or {}).values():
        for operation in (path_item.post, path_item.put, path_item.patch, path_item.delete):
            body = operation.request_body if operation else None
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
