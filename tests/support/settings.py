"""Settings for a test: its own database and data folder, fast password hashing."""

from __future__ import annotations

from pathlib import Path

from app.config.settings import Settings, to_driver_url


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "app_env": "test",
        "database_url": to_driver_url(database_url, "postgresql"),
        "data_dir": data_dir,
        "outbox_dir": data_dir / "outbox",
        "media_dir": data_dir / "media",
        "jwt_secret": "test-secret-" + "0123456789abcdef" * 4,
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 8192,
        "database_pool_size": 20,
        "database_max_overflow": 20,
        "list_count_ttl_seconds": 0.0,
        # Many apps live and die in one test process: frozen objects would never be collected.
        "gc_freeze": False,
        # The suite fires many requests from one client, and factories write behind the cache's back: limits and
        # the cache are turned on by the tests about them.
        "rate_limit_api_per_second": 0,
        "rate_limit_auth_per_minute": 0,
        "cache_ttl_seconds": 0.0,
        # A loaded CI machine can take longer than production's 0.25 s to answer; the outage tests set their own.
        "redis_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
