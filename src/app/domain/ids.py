"""Ids: positive integers (`bigint` identity), as in the original API.

`Id` is the type of every id a body carries (`"category": 3`, `"interests": [1, 4]`); paths take
`FromPath[Id]` the same way. Anything else — zero, negative, beyond bigint, a string — is a 400 naming the field.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

MAX_ID = 2**63 - 1  # PostgreSQL's bigint

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, examples=[42])]


def parse_id(text: str) -> int | None:
    """The id a query parameter names (`?category=3`), or None when the text is not one (a name, say)."""
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
