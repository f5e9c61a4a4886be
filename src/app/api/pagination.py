"""The DRF page envelope: absolute `next`/`previous` links that keep the other query parameters."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request
from litestar.params import QueryParameter

from app.domain.errors import NotFound

DEFAULT_PAGE_SIZE = 20
# Bounded so that an offset always fits the database's integers; no list comes near a million pages.
PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000, description="1-based page number")]
OptionalPageSize = Annotated[
    int | None, QueryParameter(ge=1, le=100, description="Items per page (default 20, max 100)")
]
LimitAlias = Annotated[int | None, QueryParameter(ge=1, le=100, description="Alias of page_size")]


def page_link(request: Request[Any, Any, Any], page: int) -> str:
    query = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
    query.append(("page", str(page)))
    # The path as the client sent it (Litestar normalises away the trailing slash the API's paths end with).
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1").split("?")[0] if raw_path else request.url.path
    return f"{str(request.base_url).rstrip('/')}{path}?{urlencode(query)}"


class Window:
    """Which slice of a list a page is."""

    def __init__(self, page: int, page_size: int | None, limit: int | None) -> None:
        self.page = page
        self.size = page_size or limit or DEFAULT_PAGE_SIZE
        self.offset = (page - 1) * self.size

    def links(self, request: Request[Any, Any, Any], count: int) -> tuple[str | None, str | None]:
        """(next, previous); a page past the end is a 404, as DRF answers it."""
        if self.page > 1 and self.offset >= count:
            raise NotFound("invalid_page")
        next_link = page_link(request, self.page + 1) if self.offset + self.size < count else None
        previous_link = page_link(request, self.page - 1) if self.page > 1 else None
        return next_link, previous_link
