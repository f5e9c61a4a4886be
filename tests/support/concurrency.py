"""An HTTP client whose requests really run at the same time, for the tests that prove a rule under concurrency.

Litestar's `AsyncTestClient` hands each request to a portal thread and blocks until it is answered, so requests
sent with `asyncio.gather` through it run one after another and a missing lock goes unnoticed. httpx's ASGI
transport instead awaits the application on the test's own event loop: while one request waits for PostgreSQL
(a row lock, a query), the next one runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar


@asynccontextmanager
async def concurrent_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The application started (its lifespan: pools, Redis, the jobs connector) on this loop, and a client to it."""
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types its scopes narrower
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
