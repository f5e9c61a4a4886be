"""Logs: JSON lines in production, readable text elsewhere, each line naming its request."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path

import pytest

from app.config.logging import JSONFormatter, RequestIdFilter, TextFormatter, configure_logging, request_id
from app.config.settings import Settings, SettingsError, load_settings


def record(message: str = "event %s published", *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("capacity must be positive")
        except ValueError:
            exc_info = sys.exc_info()
    made = logging.LogRecord("app.events", logging.WARNING, __file__, 10, message, args or ("e-1",), exc_info)
    RequestIdFilter().filter(made)
    return made


def test_a_json_line_has_the_fields() -> None:
    token = request_id.set("req-123")
    try:
        line = JSONFormatter().format(record())
    finally:
        request_id.reset(token)
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING"
    assert parsed["logger"] == "app.events"
    assert parsed["message"] == "event e-1 published"
    assert parsed["request_id"] == "req-123"
    assert parsed["ts"].endswith("+00:00")
    assert "exc_info" not in parsed
    assert "\n" not in line


def test_a_json_line_carries_the_traceback_when_there_is_one() -> None:
    parsed = json.loads(JSONFormatter().format(record(exc=True)))
    assert parsed["request_id"] == "-"
    assert "ValueError: capacity must be positive" in parsed["exc_info"]


def test_a_text_line_names_the_request() -> None:
    token = request_id.set("req-456")
    try:
        line = TextFormatter().format(record())
    finally:
        request_id.reset(token)
    assert "WARNING app.events [req-456] event e-1 published" in line


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configuring_twice_installs_one_handler(root_logger: logging.Logger, tmp_path: Path) -> None:
    before = len(root_logger.handlers)
    production = Settings(app_env="production", data_dir=tmp_path)
    configure_logging(production)
    configure_logging(production)
    assert len(root_logger.handlers) == before + 1
    assert isinstance(root_logger.handlers[-1].formatter, JSONFormatter)
    configure_logging(production, unless_configured=True)
    assert len(root_logger.handlers) == before + 1
    configure_logging(Settings(app_env="production", log_format="text", data_dir=tmp_path))
    assert isinstance(root_logger.handlers[-1].formatter, TextFormatter)
    assert logging.getLogger("uvicorn.access").propagate


@pytest.fixture
def access_logger() -> Iterator[logging.Logger]:
    access = logging.getLogger("uvicorn.access")
    handlers, propagate = list(access.handlers), access.propagate
    yield access
    access.handlers[:] = handlers
    access.propagate = propagate


def test_an_access_log_uvicorn_switched_off_stays_off(
    root_logger: logging.Logger, access_logger: logging.Logger, tmp_path: Path
) -> None:
    production = Settings(app_env="production", data_dir=tmp_path)
    # What `uvicorn --no-access-log` leaves before the app factory runs.
    access_logger.handlers.clear()
    access_logger.propagate = False
    configure_logging(production)
    assert not access_logger.propagate
    assert not access_logger.hasHandlers()
    # What uvicorn's own logging config leaves when the access log is on: its handler, not propagating.
    access_logger.addHandler(logging.StreamHandler())
    configure_logging(production)
    assert access_logger.propagate
    assert access_logger.handlers == []
    assert access_logger.hasHandlers()  # through the root's


def test_log_format_defaults_to_json_only_in_production(tmp_path: Path) -> None:
    assert not load_settings({"DATA_DIR": str(tmp_path)}).logs_as_json
    assert load_settings({"DATA_DIR": str(tmp_path), "LOG_FORMAT": "json"}).logs_as_json
    production = {"DATA_DIR": str(tmp_path), "APP_ENV": "production", "JWT_SECRET": "s" * 48}
    assert load_settings(production).logs_as_json
    assert not load_settings({**production, "LOG_FORMAT": "text"}).logs_as_json


def test_trusted_proxies_are_networks(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.10,::1"})
    assert settings.trusted_proxies == (ip_network("10.0.0.0/8"), ip_network("192.168.1.10/32"), ip_network("::1"))
    assert load_settings({"DATA_DIR": str(tmp_path)}).trusted_proxies == ()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "TRUSTED_PROXIES",
            "10.0.0.0/8, proxy.local",
            "TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges such as 10.0.0.0/8, "
            'got "10.0.0.0/8, proxy.local"',
        ),
        ("TRUSTED_PROXIES", "10.0.0.0/33", "TRUSTED_PROXIES must be a comma-separated list"),
        ("LOG_FORMAT", "yaml", 'LOG_FORMAT must be one of json, text, got "yaml"'),
    ],
)
def test_a_bad_edge_setting_names_the_variable(tmp_path: Path, name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"DATA_DIR": str(tmp_path), name: value})
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)
