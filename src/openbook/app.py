"""Assemble the ASGI application: one Store, the faces' routes, background jobs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from openbook.auth import token_endpoint
from openbook.auth.callers import Authenticator
from openbook.auth.tokens import TokenService
from openbook.backoffice import api as backoffice_api
from openbook.domain.clock import Clock, SystemClock
from openbook.jobs.feed_sequencer import run_feed_sequencer
from openbook.jobs.lease_expiry import run_lease_expiry
from openbook.log_config import configure_logging
from openbook.metrics import MetricsMiddleware, metrics_endpoint
from openbook.openactive import booking_api
from openbook.openactive import routes as openactive_routes
from openbook.openactive.order_render import booking_service
from openbook.openactive.urls import Urls
from openbook.runtime import Runtime
from openbook.services.vocabulary import shipped_vocabulary
from openbook.settings import Settings
from openbook.store.factory import build_store
from openbook.store.port import Store

log = structlog.get_logger(__name__)


async def health(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        counts = await runtime.store.counts()
    except Exception as error:  # the point of a health check is to report this, not to raise
        return JSONResponse({"status": "error", "database": str(error)}, status_code=503)
    backend = "postgresql" if runtime.settings.database_url.is_postgres else "sqlite"
    return JSONResponse({"status": "ok", "database": backend, "opportunities": counts["opportunities"]})


async def unexpected_error(request: Request, error: Exception) -> Response:
    log.exception("unhandled_error", method=request.method, path=request.url.path)
    return JSONResponse({"error": "internal error; it has been logged"}, status_code=500)


async def home(_: Request) -> Response:
    return RedirectResponse("/openactive", status_code=302)


def create_app(settings: Settings, *, store: Store | None = None, clock: Clock | None = None) -> Starlette:
    """Build the app; ``store`` and ``clock`` may be injected (tests), otherwise built from settings."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        active_store = store or build_store(settings.database_url)
        await active_store.start()
        the_clock = clock or SystemClock()
        tokens = TokenService(active_store, settings.base_url, settings.token_lifetime)
        app.state.runtime = Runtime(
            settings=settings,
            store=active_store,
            clock=the_clock,
            urls=Urls.for_base(settings.base_url, settings.assets_url),
            vocabulary=shipped_vocabulary(),
            started_at=the_clock.now(),
            tokens=tokens,
            booking_service=booking_service(settings.booking_terms_url),
            authenticator=Authenticator(active_store, tokens, settings.test_mode),
        )
        stop = asyncio.Event()
        jobs = [
            asyncio.create_task(run_feed_sequencer(active_store, settings.feed_sequencer_interval, stop)),
            asyncio.create_task(run_lease_expiry(active_store, the_clock, settings.lease_sweep_interval, stop)),
        ]
        log.info("openbook_started", database=settings.database_url.redacted(), base_url=settings.base_url)
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*jobs)
            if store is None:
                await active_store.close()

    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *token_endpoint.routes,
            *backoffice_api.routes,
            *openactive_routes.routes,
            *booking_api.routes,
        ],
        middleware=[Middleware(MetricsMiddleware)],
        exception_handlers={Exception: unexpected_error},
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """Factory for ASGI servers (granian/uvicorn ``--factory``): settings come from OPENBOOK_* variables."""
    configure_logging()
    return create_app(Settings.from_environment())
