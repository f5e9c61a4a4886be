"""OpenAPI helpers: documented problem responses and the bearer security requirement."""

from __future__ import annotations

from http import HTTPStatus

from litestar.openapi import ResponseSpec

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
