"""Settings are read once from the environment; a bad value is named in one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config.settings import SettingsError, load_settings


def test_defaults_follow_the_spec(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert settings.jwt_access_minutes == 60
    assert settings.jwt_refresh_days == 7
    assert settings.cors_allowed_origins == ("http://localhost:3000",)
    assert settings.app_timezone == "America/Sao_Paulo"
    assert settings.database_url is None
    assert settings.outbox_dir == tmp_path / "outbox"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("JWT_ACCESS_MINUTES", "abc", 'JWT_ACCESS_MINUTES must be a positive integer, got "abc"'),
        ("JWT_REFRESH_DAYS", "-1", 'JWT_REFRESH_DAYS must be a positive integer, got "-1"'),
        ("PORT", "70000", 'PORT must be a port number (1-65535), got "70000"'),
        (
            "APP_TIMEZONE",
            "Mars/Base",
            'APP_TIMEZONE must be an IANA timezone such as America/Sao_Paulo, got "Mars/Base"',
        ),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL must be a PostgreSQL URL"),
        ("DEBUG", "maybe", 'DEBUG must be a boolean (true/false), got "maybe"'),
        ("CORS_ALLOWED_ORIGINS", "localhost:3000", "CORS_ALLOWED_ORIGINS must be a comma-separated list of origins"),
        ("APP_ENV", "staging", 'APP_ENV must be one of development, test, production, got "staging"'),
        ("SMTP_SECURITY", "ssl", 'SMTP_SECURITY must be one of starttls, tls, none, got "ssl"'),
        ("SMTP_PORT", "0", 'SMTP_PORT must be a positive integer, got "0"'),
        ("SMTP_TIMEOUT_SECONDS", "0", "SMTP_TIMEOUT_SECONDS must be a number of seconds greater than 0"),
        ("REDIS_URL", "http://cache:6379", "REDIS_URL must be a Redis URL"),
        ("REDIS_TIMEOUT_SECONDS", "0", "REDIS_TIMEOUT_SECONDS must be a number of seconds greater than 0"),
        ("REDIS_BREAKER_RESET_SECONDS", "-5", "REDIS_BREAKER_RESET_SECONDS must be a number of seconds greater than 0"),
        (
            "DATABASE_IDLE_TRANSACTION_TIMEOUT_SECONDS",
            "-1",
            "DATABASE_IDLE_TRANSACTION_TIMEOUT_SECONDS must be a number of seconds between 0 and 3600",
        ),
        ("CACHE_TTL_SECONDS", "forever", "CACHE_TTL_SECONDS must be a number of seconds between 0 and 3600"),
        ("RATE_LIMIT_API_PER_SECOND", "-1", 'RATE_LIMIT_API_PER_SECOND must be a whole number, 0 or more, got "-1"'),
        ("RATE_LIMIT_AUTH_PER_MINUTE", "5/min", "RATE_LIMIT_AUTH_PER_MINUTE must be a whole number, 0 or more"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path: Path, name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"DATA_DIR": str(tmp_path), name: value})
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_production_requires_a_jwt_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        load_settings({"DATA_DIR": str(tmp_path), "APP_ENV": "production"})


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"DATA_DIR": str(tmp_path)}).jwt_secret
    second = load_settings({"DATA_DIR": str(tmp_path)}).jwt_secret
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600


def test_database_url_is_rewritten_for_each_driver(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://u:p@db:5432/mutiroes"})
    assert settings.sqlalchemy_url == "postgresql+asyncpg://u:p@db:5432/mutiroes"
    assert settings.psycopg_conninfo == "postgresql://u:p@db:5432/mutiroes"


def test_origins_are_a_comma_separated_list(tmp_path: Path) -> None:
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "CORS_ALLOWED_ORIGINS": "https://mutiroes.org, http://localhost:3000/"}
    )
    assert settings.cors_allowed_origins == ("https://mutiroes.org", "http://localhost:3000")


def test_smtp_is_off_by_default_and_read_from_the_environment_when_set(tmp_path: Path) -> None:
    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    assert (defaults.smtp_host, defaults.smtp_port, defaults.smtp_security, defaults.smtp_timeout_seconds) == (
        None,
        587,
        "starttls",
        10.0,
    )
    assert (defaults.smtp_user, defaults.smtp_password) == (None, None)
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "SMTP_HOST": "smtp.example.org",
            "SMTP_PORT": "465",
            "SMTP_USER": "mutiroes",
            "SMTP_PASSWORD": "s3cret",
            "SMTP_SECURITY": "tls",
            "SMTP_TIMEOUT_SECONDS": "2.5",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security, settings.smtp_timeout_seconds) == (
        "smtp.example.org",
        465,
        "tls",
        2.5,
    )
    assert (settings.smtp_user, settings.smtp_password) == ("mutiroes", "s3cret")


def test_redis_cache_and_rate_limits_default_to_the_spec_and_are_read_from_the_environment(tmp_path: Path) -> None:
    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    assert defaults.redis_url is None  # the cache and the counters stay in each process
    assert (defaults.cache_ttl_seconds, defaults.redis_timeout_seconds, defaults.redis_breaker_reset_seconds) == (
        5.0,
        0.25,
        30.0,
    )
    assert (defaults.rate_limit_api_per_second, defaults.rate_limit_auth_per_minute) == (10, 5)
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "REDIS_URL": "redis://cache:6379/1",
            "REDIS_TIMEOUT_SECONDS": "0.1",
            "REDIS_BREAKER_RESET_SECONDS": "5",
            "CACHE_TTL_SECONDS": "0",
            "RATE_LIMIT_API_PER_SECOND": "0",
            "RATE_LIMIT_AUTH_PER_MINUTE": "20",
        }
    )
    assert settings.redis_url == "redis://cache:6379/1"
    assert (settings.redis_timeout_seconds, settings.redis_breaker_reset_seconds) == (0.1, 5.0)
    assert (settings.cache_ttl_seconds, settings.rate_limit_api_per_second, settings.rate_limit_auth_per_minute) == (
        0.0,
        0,
        20,
    )
