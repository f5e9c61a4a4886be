"""Settings: read once from the environment into one typed object, validated at start-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

PROJECT_ROOT = Path(__file__).resolve().parents[3]

# Any at run time: Litestar checks injected values (these settings too) with msgspec, which refuses a union
# of two types it does not know.
if TYPE_CHECKING:
    IPNetwork: TypeAlias = IPv4Network | IPv6Network
else:
    IPNetwork = Any


class SettingsError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    app_env: str = "development"
    debug: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    data_dir: Path = PROJECT_ROOT / ".data"
    # None means: the `app` command starts an embedded PostgreSQL under data_dir.
    database_url: str | None = None
    database_pool_size: int = 10
    database_max_overflow: int = 10
    # A streaming replica for the hot public reads (None: the primary answers them). A replica further behind the
    # primary than DATABASE_READ_MAX_LAG_SECONDS, or down, is skipped until it catches up.
    database_read_url: str | None = None
    database_read_max_lag_seconds: float = 5.0
    # An API transaction left idle this long is ended by PostgreSQL (0: never): a request stuck in one cannot hold
    # its locks and its connection for ever. Workers, which may talk to SMTP inside a transaction, are not bound.
    database_idle_transaction_timeout_seconds: float = 60.0
    jwt_secret: str = ""
    jwt_algorithm: str = "HS256"
    jwt_access_minutes: int = 60
    jwt_refresh_days: int = 7
    organization_invitation_days: int = 7
    cors_allowed_origins: tuple[str, ...] = ("http://localhost:3000",)
    app_timezone: str = "America/Sao_Paulo"
    max_body_bytes: int = 1_048_576
    outbox_dir: Path = PROJECT_ROOT / ".data" / "outbox"
    # Uploaded photos (local disk): served under media_url, by default PUBLIC_URL/media.
    media_dir: Path = PROJECT_ROOT / ".data" / "media"
    media_url: str | None = None
    email_from: str = "Mutirões <nao-responda@mutiroes.org>"
    # None means: no SMTP server, emails go to the outbox folder.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_security: str = "starttls"
    smtp_timeout_seconds: float = 10.0
    run_worker_in_process: bool = False
    worker_concurrency: int = 4
    list_count_ttl_seconds: float = 1.0
    # After start-up, hide the objects that live as long as the process from the garbage collector (gc.freeze).
    gc_freeze: bool = True
    checkin_radius_m: int = 300
    checkin_max_radius_m: int = 1000
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    # Peers whose X-Forwarded-Proto and X-Forwarded-For are believed (load balancers, reverse proxies).
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # None: JSON lines in production, readable text elsewhere.
    log_format: Literal["json", "text"] | None = None
    # None means: no Redis; the cache and the rate-limit counters live in each process.
    redis_url: str | None = None
    # Redis Sentinel instead of one server (REDIS_SENTINELS=host:port,…): the master is asked of the Sentinels, so a
    # failover is followed without a restart. Takes precedence over REDIS_URL.
    redis_sentinels: tuple[tuple[str, int], ...] = ()
    redis_sentinel_master: str = "mymaster"
    redis_timeout_seconds: float = 0.25
    redis_breaker_reset_seconds: float = 30.0
    # How long a public answer may be served from the cache (0 turns the cache off).
    cache_ttl_seconds: float = 5.0
    # Requests per client IP (0 turns a limit off).
    rate_limit_api_per_second: int = 10
    rate_limit_auth_per_minute: int = 5

    @property
    def media_base_url(self) -> str:
        return (self.media_url or f"{self.public_url.rstrip('/')}/media").rstrip("/")

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def logs_as_json(self) -> bool:
        return self.log_format == "json" or (self.log_format is None and self.is_production)

    @property
    def sqlalchemy_url(self) -> str:
        return to_driver_url(self.require_database_url(), "postgresql+asyncpg")

    @property
    def psycopg_conninfo(self) -> str:
        return to_driver_url(self.require_database_url(), "postgresql")

    @property
    def read_replica_url(self) -> str | None:
        """DATABASE_READ_URL for asyncpg (its pool takes `postgresql://`), or None."""
        return to_driver_url(self.database_read_url, "postgresql") if self.database_read_url else None

    def require_database_url(self) -> str:
        if not self.database_url:
            msg = "DATABASE_URL is not set (the `app` command starts an embedded PostgreSQL when it is absent)"
            raise SettingsError(msg)
        return self.database_url


def to_driver_url(url: str, scheme: str) -> str:
    """Rewrite a PostgreSQL URL for one driver: `postgres://`, `postgresql+psycopg://` → `scheme://`."""
    _, _, rest = url.partition("://")
    return f"{scheme}://{rest}"


# --- parsers: each returns the typed value or raises ValueError with what it expected ---


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError("a positive integer")
    return value


def _port(raw: str) -> int:
    value = _positive_int(raw)
    if value > 65535:
        raise ValueError("a port number (1-65535)")
    return value


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ValueError("a number of seconds between 0 and 3600")
    return value


def _positive_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise ValueError("a number of seconds greater than 0 and at most 3600")
    return value


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("a boolean (true/false)")


def _timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long for a file name
        raise ValueError("an IANA timezone such as America/Sao_Paulo") from exc
    return raw


def _database_url(raw: str) -> str:
    scheme = raw.partition("://")[0]
    if scheme not in {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"}:
        raise ValueError("a PostgreSQL URL (postgresql://user:password@host:port/database)")
    return raw


def _url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError("an http(s) URL")
    return raw.rstrip("/")


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError("a comma-separated list of origins such as http://localhost:3000")
    return origins


def _app_env(raw: str) -> str:
    if raw not in {"development", "test", "production"}:
        raise ValueError("one of development, test, production")
    return raw


def _jwt_algorithm(raw: str) -> str:
    if raw not in {"HS256", "HS384", "HS512"}:
        raise ValueError("one of HS256, HS384, HS512")
    return raw


def _smtp_security(raw: str) -> str:
    if raw not in {"starttls", "tls", "none"}:
        raise ValueError("one of starttls, tls, none")
    return raw


def _networks(raw: str) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError("a comma-separated list of IP addresses or CIDR ranges such as 10.0.0.0/8") from exc


def _non_negative_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError("a whole number, 0 or more")
    return value


def _redis_url(raw: str) -> str:
    if raw.partition("://")[0] not in {"redis", "rediss", "unix"}:
        raise ValueError("a Redis URL (redis://host:6379/0, rediss://… or unix://…)")
    return raw


def _sentinels(raw: str) -> tuple[tuple[str, int], ...]:
    found = []
    for part in (piece.strip() for piece in raw.split(",")):
        host, _, port = part.rpartition(":")
        if not part or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("a comma-separated list of host:port (Redis Sentinels)")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def _log_format(raw: str) -> str:
    if raw not in {"json", "text"}:
        raise ValueError("one of json, text")
    return raw


def _text(raw: str) -> str:
    if not raw.strip():
        raise ValueError("a non-empty value")
    return raw


# Environment variable → (field, parser). The one list of what can be configured.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "APP_ENV": ("app_env", _app_env),
    "DEBUG": ("debug", _bool),
    "HOST": ("host", _text),
    "PORT": ("port", _port),
    "PUBLIC_URL": ("public_url", _url),
    "DATA_DIR": ("data_dir", Path),
    "DATABASE_URL": ("database_url", _database_url),
    "DATABASE_POOL_SIZE": ("database_pool_size", _positive_int),
    "DATABASE_MAX_OVERFLOW": ("database_max_overflow", _positive_int),
    "DATABASE_READ_URL": ("database_read_url", _database_url),
    "DATABASE_READ_MAX_LAG_SECONDS": ("database_read_max_lag_seconds", _positive_seconds),
    "DATABASE_IDLE_TRANSACTION_TIMEOUT_SECONDS": ("database_idle_transaction_timeout_seconds", _seconds),
    "JWT_SECRET": ("jwt_secret", _text),
    "JWT_ALGORITHM": ("jwt_algorithm", _jwt_algorithm),
    "JWT_ACCESS_MINUTES": ("jwt_access_minutes", _positive_int),
    "JWT_REFRESH_DAYS": ("jwt_refresh_days", _positive_int),
    "ORGANIZATION_INVITATION_DAYS": ("organization_invitation_days", _positive_int),
    "CORS_ALLOWED_ORIGINS": ("cors_allowed_origins", _origins),
    "APP_TIMEZONE": ("app_timezone", _timezone),
    "MAX_BODY_BYTES": ("max_body_bytes", _positive_int),
    "OUTBOX_DIR": ("outbox_dir", Path),
    "MEDIA_DIR": ("media_dir", Path),
    "MEDIA_URL": ("media_url", _url),
    "EMAIL_FROM": ("email_from", _text),
    "SMTP_HOST": ("smtp_host", _text),
    "SMTP_PORT": ("smtp_port", _port),
    "SMTP_USER": ("smtp_user", _text),
    "SMTP_PASSWORD": ("smtp_password", _text),
    "SMTP_SECURITY": ("smtp_security", _smtp_security),
    "SMTP_TIMEOUT_SECONDS": ("smtp_timeout_seconds", _positive_seconds),
    "RUN_WORKER_IN_PROCESS": ("run_worker_in_process", _bool),
    "WORKER_CONCURRENCY": ("worker_concurrency", _positive_int),
    "LIST_COUNT_TTL_SECONDS": ("list_count_ttl_seconds", _seconds),
    "GC_FREEZE": ("gc_freeze", _bool),
    "CHECKIN_RADIUS_M": ("checkin_radius_m", _positive_int),
    "CHECKIN_MAX_RADIUS_M": ("checkin_max_radius_m", _positive_int),
    "PASSWORD_HASH_TIME_COST": ("password_hash_time_cost", _positive_int),
    "PASSWORD_HASH_MEMORY_KIB": ("password_hash_memory_kib", _positive_int),
    "TRUSTED_PROXIES": ("trusted_proxies", _networks),
    "LOG_FORMAT": ("log_format", _log_format),
    "REDIS_URL": ("redis_url", _redis_url),
    "REDIS_SENTINELS": ("redis_sentinels", _sentinels),
    "REDIS_SENTINEL_MASTER": ("redis_sentinel_master", _text),
    "REDIS_TIMEOUT_SECONDS": ("redis_timeout_seconds", _positive_seconds),
    "REDIS_BREAKER_RESET_SECONDS": ("redis_breaker_reset_seconds", _positive_seconds),
    "CACHE_TTL_SECONDS": ("cache_ttl_seconds", _seconds),
    "RATE_LIMIT_API_PER_SECOND": ("rate_limit_api_per_second", _non_negative_int),
    "RATE_LIMIT_AUTH_PER_MINUTE": ("rate_limit_auth_per_minute", _non_negative_int),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment; raise SettingsError naming the first bad variable."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, (field, parse) in ENVIRONMENT.items():
        raw = env.get(name)
        if raw is None or (raw == "" and name not in {"DEBUG"}):
            continue
        try:
            values[field] = parse(raw)
        except ValueError as exc:
            raise SettingsError(f'{name} must be {exc}, got "{raw}"') from None
    if "data_dir" in values:
        values.setdefault("outbox_dir", values["data_dir"] / "outbox")
        values.setdefault("media_dir", values["data_dir"] / "media")
    settings = Settings(**values)
    if not settings.jwt_secret:
        settings = msgspec.structs.replace(settings, jwt_secret=_development_secret(settings))
    return settings


def _development_secret(settings: Settings) -> str:
    """Outside production a signing secret is generated once and kept under the data folder."""
    if settings.is_production:
        raise SettingsError('JWT_SECRET must be set in production, got ""')
    path = settings.data_dir / "jwt_secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()
