"""Path and query parameters shared by the controllers."""

from __future__ import annotations

from typing import Annotated

from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter

from app.domain.ids import MAX_ID

# An id in a path (`/api/events/42/`): zero, negative or beyond bigint is a 400 naming the parameter;
# text (`/api/events/abc/`) matches no route, a 404.
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID, examples=[Example(value=42)])]
# An optional id in a query (`?organization=7`): zero, negative or beyond bigint is a 400 naming the parameter.
OptionalQueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, examples=[Example(value=42)])]
