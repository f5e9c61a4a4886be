"""Logging: one root handler, JSON lines in production, readable text elsewhere; every line names its request."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import msgspec

from app.config.settings import Settings

# Set by the edge middleware for the duration of one HTTP request; "-" outside requests.
request_id: ContextVar[str] = ContextVar("request_id", default="-")

# Uvicorn's loggers (access lines, server errors) go through the same handler, so they carry the id too.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

_json = msgspec.json.Encoder()


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, message, request_id and, when present, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return _json.encode(line).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return super().format(record)


class _AppHandler(logging.StreamHandler):
    """Marks the handler this module installed, so a second call replaces it instead of adding another."""


def configure_logging(settings: Settings, *, unless_configured: bool = False) -> None:
    """Install the root handler (replacing one installed earlier). `unless_configured`: leave existing handlers be."""
    root = logging.getLogger()
    if unless_configured and root.handlers:
        return
    handler = _AppHandler()
    handler.setFormatter(JSONFormatter() if settings.logs_as_json else TextFormatter())
    # On the handler, not a logger: records propagated from any logger pass through it.
    handler.addFilter(RequestIdFilter())
    for old in [h for h in root.handlers if isinstance(h, _AppHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if settings.debug else logging.INFO)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        if _switched_off(uvicorn_logger):
            continue  # `uvicorn --no-access-log`: keep it off
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True


def _switched_off(logger: logging.Logger) -> bool:
    """How uvicorn turns its access log off: no handler of its own and nothing passed up."""
    return not logger.handlers and not logger.propagate
