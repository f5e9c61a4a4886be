"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.static_files import create_static_files_router

from app.api.accounts import TokenController, UserController
from app.api.cache import PublicCache, track_public_changes
from app.api.calendar_feed import CalendarFeedController
from app.api.certificates import CertificateVerificationController, MyCertificatesController
from app.api.co_organizers import CoOrganizerController
from app.api.comments import CommentController
from app.api.dependencies import provide_accounts, provide_settings, provide_transaction
from app.api.errors import EXCEPTION_HANDLERS
from app.api.event_series import EventSeriesController
from app.api.events import CategoryController, EventController
from app.api.health import HealthController
from app.api.impact import ImpactController, MonthlyReportController, ReportController
from app.api.metrics import Metrics, MetricsController, RequestMetrics, orm_pool_figures, read_pool_figures
from app.api.middleware import EdgeMiddleware, NulCharacterGuard
from app.api.notifications import NotificationController
from app.api.open_data import OpenDataController
from app.api.openapi import tidy_document
from app.api.organizations import OrganizationController
from app.api.photos import PhotoController, PictureController
from app.api.rate_limits import RateLimiter, RateLimitMiddleware
from app.api.read_routing import ReadRouting, RememberWrites
from app.api.resources import ResourceController
from app.api.spots import SpotController
from app.config.database import QueryLog, create_read_pool, sqlalchemy_config
from app.config.logging import configure_logging
from app.config.read_replica import ReadReplica
from app.config.redis import SharedRedis
from app.config.settings import Settings, get_settings
from app.domain.accounts.passwords import PasswordHashing
from app.domain.accounts.tokens import TokenCodec
from app.domain.events.queries import CountMemo
from app.domain.notifications.delivery import smtp_status
from app.domain.photos.storage import LocalMediaStorage
from app.domain.tables import metadata as _mapped  # noqa: F401  # every model mapped (FK targets) before a flush

logger = logging.getLogger("app")

DOCS_PATH = "/schema"


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    from app.cli import AppCLIPlugin  # the CLI imports this module too

    configure_logging(settings, unless_configured=True)  # `app` did it already; other servers may not have

    state = State(
        {
            "settings": settings,
            "password_hashing": PasswordHashing.from_settings(settings),
            "token_codec": TokenCodec.from_settings(settings),
            "media": LocalMediaStorage.from_settings(settings),
        }
    )
    database = sqlalchemy_config(settings, web=True)
    query_log = QueryLog()
    state["query_log"] = query_log
    # One memo per database: a count that failed on the replica must not reach readers the primary answers.
    state["list_counts"] = CountMemo(ttl=settings.list_count_ttl_seconds)
    state["replica_list_counts"] = CountMemo(ttl=settings.list_count_ttl_seconds)
    # The edge (SPEC §5): Redis behind its breaker, the public cache, rate limits and metrics.
    metrics = state["metrics"] = Metrics()
    redis = state["redis"] = SharedRedis(settings)
    state["public_cache"] = PublicCache(settings, redis, metrics.cache_lookups)
    limiter = RateLimiter(settings, redis)
    rate_limits = RateLimitMiddleware(limiter, settings.trusted_proxies, metrics.rate_limited)
    track_public_changes()
    metrics.watch_breaker("redis", redis.breaker_state)
    metrics.watch_breaker("smtp", lambda: smtp_status(settings))
    orm_pool_max = settings.database_pool_size + settings.database_max_overflow
    metrics.watch_pool(orm_pool_figures(database.get_engine(), orm_pool_max))
    metrics.watch_pool(read_pool_figures(lambda: getattr(state, "read_pool", None)))
    metrics.watch_statements(lambda: query_log.count)
    replica = state["read_replica"] = ReadReplica(settings, query_log)
    routing = state["read_routing"] = ReadRouting(
        replica, redis, state["token_codec"], metrics.db_reads, settings.database_read_max_lag_seconds
    )
    if replica.configured:
        metrics.watch_pool(read_pool_figures(lambda: replica.pool, "replica"))
        metrics.watch_replica(lambda: (replica.state, replica.lag))

    async def open_databases(app: Litestar) -> None:
        query_log.attach_to_engine(database.get_engine())
        app.state.read_pool = await create_read_pool(settings, query_log)
        await replica.open(app.state.read_pool)
        await redis.open()
        if settings.gc_freeze:
            freeze_long_lived_objects()

    async def close_databases(app: Litestar) -> None:
        await redis.aclose()
        await replica.close()
        await app.state.read_pool.close()
        # advanced-alchemy only disposes the engine of the first config in a process (its state keys get
        # suffixed for later ones); several apps per process happen in tests and in `app serve`.
        await database.get_engine().dispose()

    app = Litestar(
        route_handlers=[
            HealthController,
            MetricsController,
            TokenController,
            UserController,
            CategoryController,
            EventController,
            CoOrganizerController,
            EventSeriesController,
            CommentController,
            ResourceController,
            ReportController,
            ImpactController,
            MyCertificatesController,
            CertificateVerificationController,
            MonthlyReportController,
            NotificationController,
            CalendarFeedController,
            PhotoController,
            PictureController,
            OrganizationController,
            OpenDataController,
            SpotController,
            media_files(settings),
        ],
        plugins=[SQLAlchemyPlugin(config=database), AppCLIPlugin()],
        on_startup=[open_databases],
        on_shutdown=[close_databases],
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "transaction": Provide(provide_transaction),
            "accounts": Provide(provide_accounts, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[NulCharacterGuard(), *([rate_limits] if limiter.enabled else [])],
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_allowed_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept", "Accept-Language", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Cache", "Retry-After"],
            allow_credentials=True,
            max_age=600,
        ),
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        state=state,
        lifespan=[in_process_worker] if settings.run_worker_in_process else [],
        debug=settings.debug,
        logging_config=None,  # app.config.logging owns the handlers; Litestar's would replace the root's
    )
    tidy_document(app.openapi_schema)
    # Outside the router, not in `middleware=[...]`: Litestar runs that stack per route, so a 404/405 from
    # routing would leave without the headers and its log lines without the request id.
    handler = RememberWrites(app.asgi_handler, routing) if routing.enabled else app.asgi_handler
    app.asgi_handler = EdgeMiddleware(
        RequestMetrics(handler, metrics), trusted_proxies=settings.trusted_proxies, docs_path=DOCS_PATH
    )
    return app


def media_files(settings: Settings) -> Router:
    """The uploaded files under /media (what MEDIA_URL points at by default); a web server in front may serve
    MEDIA_DIR itself instead."""
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    return create_static_files_router(
        path="/media", directories=[settings.media_dir], name="media", cache_control=CacheControlHeader(max_age=86400)
    )


def freeze_long_lived_objects() -> None:
    """Keep what start-up built (modules, routes, OpenAPI schema, pools) out of the collector's full passes.

    CPython's full collection walks every tracked object: ~170,000 here, ~100 ms during which no request moves,
    which was most of the p99 under load. Frozen, they are never walked again; what requests allocate is still
    collected as before. Garbage made before the freeze is collected first.
    """
    gc.collect()
    gc.freeze()
    logger.info("Garbage collector: %d start-up objects frozen", gc.get_freeze_count())


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Mutirões API",
        version="1.0.0",
        description=(
            "Community environmental actions: events, volunteers, check-in and impact. Errors are RFC 9457 "
            "problem details (`application/problem+json`) with `message` and, for validation, `errors`; "
            "Portuguese by default, English with `Accept-Language: en`."
        ),
        path=DOCS_PATH,
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        components=Components(
            security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
        ),
        tags=[
            Tag(name="auth", description="Log in, rotate and revoke tokens"),
            Tag(name="users", description="Accounts and profiles"),
            Tag(name="events", description="Find, publish and manage mutirões"),
            Tag(name="categories", description="Kinds of action: Limpeza, Plantio, Monitoramento, Educação"),
            Tag(name="comments", description="Talk about an event: comments and one level of replies"),
            Tag(name="resources", description="What a mutirão needs, and the volunteers' pledges to bring it"),
            Tag(name="photos", description="Photos of a mutirão, before and after, by its organizer and volunteers"),
            Tag(
                name="impact", description="Impact reports, verified statistics, badges, leaderboards, monthly reports"
            ),
            Tag(
                name="certificates",
                description="Volunteer-hour certificates as PDF, and their public verification by code",
            ),
            Tag(name="organizations", description="Collectives, NGOs and schools: members, invitations, followers"),
            Tag(
                name="open-data",
                description="Open impact data (CC BY 4.0): the events that took place and their totals",
            ),
            Tag(name="health", description="Probes"),
        ],
        use_handler_docstrings=True,
    )


@contextlib.asynccontextmanager
async def in_process_worker(app: Litestar) -> AsyncIterator[None]:
    """Run a Procrastinate worker beside the API (the development entry point)."""
    from app.tasks.queue import app as queue
    from app.tasks.resources import TaskResources

    settings: Settings = app.state.settings
    resources = TaskResources(settings)
    async with queue.open_async():
        worker = asyncio.create_task(
            queue.run_worker_async(
                install_signal_handlers=False,
                concurrency=settings.worker_concurrency,
                additional_context={"resources": resources},
                name="in-process",
            )
        )
        logger.info("Procrastinate worker running in-process")
        try:
            yield
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await resources.aclose()
