"""Every error leaves as RFC 9457 problem details, in the caller's language, and never as a bare 500."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

from app.api.messages import language_of, message
from app.config.database import UNREACHABLE, caused_by
from app.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    FieldError,
    Gone,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from app.domain.spots.schemas import DuplicateCandidate
from app.domain.spots.services import PossibleDuplicate

logger = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemField(msgspec.Struct):
    field: str
    message: str
    code: str


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    message: str
    code: str
    instance: str | None = None
    errors: list[ProblemField] | None = None
    # `possible_duplicate`: the spots the report may be (id, distance_m, status, confirmations_count).
    candidates: list[DuplicateCandidate] | None = None


STATUS_OF: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
}

CODE_OF_STATUS: dict[int, str] = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "route_not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "service_unavailable",
}


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    *,
    field_errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Response[Problem]:
    language = language_of(request)
    errors = None
    if field_errors:
        errors = [
            ProblemField(field=e.field, code=e.code, message=message(e.code, language, field=e.field, **e.params))
            for e in field_errors
        ]
    detail = errors[0].message if errors else message(code, language, **params)
    problem = Problem(
        type=f"urn:mutiroes:problem:{field_errors[0].code if field_errors else code}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        message=detail,
        code=field_errors[0].code if field_errors else code,
        instance=request.url.path,
        errors=errors,
    )
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="api"', **(headers or {})}
    return Response(problem, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = next((code for kind, code in STATUS_OF.items() if isinstance(exc, kind)), HTTP_400_BAD_REQUEST)
    field_errors = exc.errors if isinstance(exc, ValidationFailed) else None
    response = problem_response(request, status, exc.code, field_errors=field_errors, **exc.params)
    if isinstance(exc, PossibleDuplicate):
        response.content.candidates = exc.candidates
    return response


# msgspec's decode errors, e.g. "Expected `int`, got `str` - at `$.max_participants`".
_AT_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_EXPECTED = re.compile(r"^Expected `(?P<expected>[^`]+)`")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`")
_ENUM = re.compile(r"^Invalid enum value (?P<value>.+?)$")
_CONSTRAINT = re.compile(r"^Expected `[^`]+` (of length )?[<>]=? ?")


def _field_error_from_decoder(text: str, key: str | None) -> FieldError:
    """Turn one msgspec/Litestar validation message into a translatable field error."""
    path_match = _AT_PATH.search(text)
    within = "" if key in (None, "data") else key  # "data" is the request body itself
    if path_match:
        within = path_match.group("path").lstrip(".").replace("`", "") or within
        text = text[: path_match.start()]
    if missing := _MISSING.match(text):
        name = missing.group("field")
        return FieldError(f"{within}.{name}" if within else name, "required")
    field = within or ("body" if key == "data" else "")  # a body of the wrong shape is named as such
    if enum := _ENUM.match(text):
        return FieldError(field, "invalid_choice", {"value": enum.group("value").strip("'\"")})
    if _CONSTRAINT.match(text):
        return FieldError(field, "out_of_range")
    if expected := _EXPECTED.match(text):
        return FieldError(field, "wrong_type", {"expected": expected.group("expected")})
    return FieldError(field, "invalid_value")


def validation_exception_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    field_errors = []
    missing_body = False
    for item in extra:
        if not isinstance(item, dict):
            continue
        text = str(item.get("message", ""))
        if item.get("key") == "data" and text == "'data'":
            missing_body = True  # reported beside the other errors when the body is optional: those come first
            continue
        field_errors.append(_field_error_from_decoder(text, item.get("key")))
    if not field_errors and missing_body:
        return problem_response(request, 400, "body_required")
    if not field_errors:
        return _client_error(request, exc.detail or "")
    return problem_response(request, 400, field_errors[0].code, field_errors=field_errors)


def _client_error(request: Request[Any, Any, Any], detail: str) -> Response[Problem]:
    """A 400 raised while decoding the body: malformed JSON, out-of-range number, …"""
    lowered = detail.lower()
    if "malformed" in lowered or "truncated" in lowered or "json" in lowered:
        return problem_response(request, 400, "malformed_json")
    if "out of range" in lowered:
        field = _field_error_from_decoder(detail, None).field
        return problem_response(
            request, 400, "out_of_range", field_errors=[FieldError(field or "body", "out_of_range")]
        )
    return problem_response(request, 400, "invalid_request")


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if isinstance(exc, NotFoundException):
        code = "route_not_found"
    elif isinstance(exc, MethodNotAllowedException):
        code = "method_not_allowed"
    elif isinstance(exc, NotAuthorizedException):
        code = "not_authenticated"
    elif isinstance(exc, PermissionDeniedException):
        code = "permission_denied"
    elif status == 400:
        return _client_error(request, exc.detail or "")
    else:
        code = CODE_OF_STATUS.get(status, "invalid_request" if status < 500 else "internal_error")
    if status >= 500:
        logger.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, exc.detail)
    return problem_response(request, status, code, headers=dict(exc.headers or {}))


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if isinstance(exc, RecursionError) and "deserializ" in str(exc):
        # msgspec gives up on a body nested deeper than Python's stack allows (`[[[[…`): the client's doing.
        return problem_response(request, 400, "json_too_deep")
    if caused_by(exc, UNREACHABLE):
        # PostgreSQL is down or full: nothing the client did; it may try again shortly.
        logger.warning(
            "Database unreachable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc
        )
        return problem_response(request, 503, "service_unavailable", headers={"Retry-After": "5"})
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_exception_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}

__all__ = ("EXCEPTION_HANDLERS", "PROBLEM_MEDIA_TYPE", "MediaType", "Problem", "problem_response")
