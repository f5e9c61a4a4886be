"""PATCH bodies: a field left out is `msgspec.UNSET` and changes nothing; `null` is a value."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET


class PatchBody(msgspec.Struct, kw_only=True, omit_defaults=True):
    def changes(self) -> dict[str, Any]:
        """The fields the client sent, with their values."""
        return {field: value for field in self.__struct_fields__ if (value := getattr(self, field)) is not UNSET}
