"""Domain errors: raised by services, turned into problem details by the API.

Each carries a message code (see `app.domain.messages`) rather than a sentence, so the API can answer in
the caller's language.
"""

from __future__ import annotations

from typing import Any

import msgspec


class FieldError(msgspec.Struct, frozen=True):
    field: str
    code: str
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class DomainError(Exception):
    """Base class: a rule said no. `code` names the message, `params` fill it."""

    code: str = "invalid_request"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(self.code)


class ValidationFailed(DomainError):
    """The request is well-formed but breaks a rule about its values (400)."""

    code = "validation_failed"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].code, **errors[0].params)
        self.errors = errors

    @classmethod
    def single(cls, field: str, code: str, **params: Any) -> ValidationFailed:
        return cls([FieldError(field, code, params)])


class AuthenticationFailed(DomainError):
    """Missing, invalid, expired or revoked credentials (401)."""

    code = "not_authenticated"


class PermissionDenied(DomainError):
    """A known user who may not do this (403)."""

    code = "permission_denied"


class NotFound(DomainError):
    """Absent, or not visible to the caller (404)."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (409)."""

    code = "conflict"


class Gone(DomainError):
    """What the request names existed and is over for good: an expired or revoked invitation (410)."""

    code = "gone"
