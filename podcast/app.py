"""The application factory: everything that differs between a test and production is built here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from episodes.media_index import MediaIndex
from episodes.media_routes import router as media_router
from episodes.routes import router as episodes_router
from podcast import docs
from podcast.bootstrap import prepare
from podcast.core import http_errors, openapi_errors
from podcast.core.body_limit import JsonBodyLimit
from podcast.core.change_notify import ChangeListener
from podcast.core.clock import Clock, SystemClock
from podcast.core.db import on_change
from podcast.core.security import hsts_send
from podcast.core.settings import Settings
from podcast.fastpath import FastPathApp
from podcast.feed import routes as feed_routes
from podcast.feed.cache import FeedCache
from podcast.jobs import open_jobs, runs_jobs_in_serve, worker_for
from podcast.jobs.handlers import Handlers
from podcast.jobs.routes import router as jobs_router
from podcast.media import open_storage
from podcast.shows.routes import router as show_router
from podcast.web import install as install_web
from transcripts.routes import router as transcripts_router


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: str = Field(description="`ok`, or why the database did not answer.")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    job_handlers: Handlers | None = None,
) -> FastAPI:
    """The app; ``job_handlers`` adds job kinds to those of ``default_handlers`` (tests)."""
    settings = settings or Settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = prepare(settings, clock)
        app.state.settings = settings
        app.state.clock = clock
        app.state.engine = runtime.engine
        app.state.sessionmaker = runtime.sessionmaker
        app.state.read_sessionmaker = runtime.read_sessionmaker
        app.state.storage = open_storage(settings)
        app.state.media_index = MediaIndex(
            runtime.read_sessionmaker,
            settings.show_slug,
            ttl=settings.cache_check_interval,
        )
        app.state.feed_cache = FeedCache(settings, clock, runtime.read_sessionmaker)
        # Side effects after commit: a write that committed drops what the caches hold.
        # (Looked up on app.state at each call: tests swap the caches for instrumented ones.)
        on_change(runtime.sessionmaker, lambda: app.state.feed_cache.invalidate())
        on_change(runtime.sessionmaker, lambda: app.state.media_index.clear())
        # PostgreSQL: other replicas' commits run the same callbacks within milliseconds.
        listener = None
        if runtime.engine.dialect.name == "postgresql":
            listener = ChangeListener(runtime.engine, runtime.sessionmaker)
            listener.start()
        # Background jobs: committed jobs go to the queue; with the embedded queue this
        # process also runs them (docs/architecture.md, "Jobs").
        app.state.jobs = open_jobs(settings, runtime.sessionmaker, clock, job_handlers)
        worker = worker_for(settings, app.state.jobs) if runs_jobs_in_serve(settings) else None
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if listener is not None:
                listener.stop()
            runtime.engine.dispose()

    # FastAPI, plus bare-ASGI fast paths for the feed (podcast/fastpath.py).
    app = FastPathApp(
        title="Leadership Live podcast platform",
        summary="Feed, media, transcripts and episode pages for a production team's own podcast.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # podcast.docs serves both without a CDN
        redoc_url=None,
    )
    if settings.base_url.startswith("https://"):
        app.send_wrappers.append(hsts_send)  # every response, the fast paths' too
    http_errors.install(app)
    openapi_errors.install(app)
    app.add_middleware(JsonBodyLimit)
    app.include_router(show_router)
    app.include_router(episodes_router)
    app.include_router(media_router)
    app.include_router(transcripts_router)
    app.include_router(jobs_router)
    install_web(app)
    docs.install(app)
    feed_routes.install(app, settings)

    @app.get(
        "/healthz",
        tags=["service"],
        responses={
            200: {"model": Health},
            503: {"model": Health, "description": "The database does not answer."},
        },
    )
    def healthz() -> JSONResponse:
        """200 when the database answers; 503 otherwise, so a load balancer takes us out."""
        try:
            with app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means unhealthy
            return JSONResponse({"status": "unavailable", "database": str(exc)[:200]}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
