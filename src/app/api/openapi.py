"""OpenAPI helpers: documented problem responses, the bearer security requirement, optional bodies."""

from __future__ import annotations

from http import HTTPStatus

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPI, OpenAPIType, RequestBody, Schema

from app.api.errors import PROBLEM_MEDIA_TYPE, Problem

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


def document_optional_bodies(document: OpenAPI) -> None:
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
