"""The application factory: everything that differs between a test and production is built here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from episodes.art_routes import router as episode_art_router
from episodes.media_index import MediaIndex
from episodes.media_routes import EnclosureFastPath
from episodes.media_routes import router as media_router
from episodes.routes import router as episodes_router
from podcast import docs, operations
from podcast.analytics import open_recorder
from podcast.analytics.routes import router as analytics_router
from podcast.bootstrap import prepare
from podcast.core import http_errors, openapi_errors
from podcast.core.body_limit import JsonBodyLimit
from podcast.core.change_notify import ChangeListener
from podcast.core.clock import Clock, SystemClock
from podcast.core.db import on_change
from podcast.core.health import database_check
from podcast.core.metrics import JobsCollector, Metrics
from podcast.core.observe import RequestObserver
from podcast.core.security import hsts_headers, hsts_send
from podcast.core.settings import Settings
from podcast.fastpath import FastPathApp
from podcast.feed import routes as feed_routes
from podcast.feed.cache import FeedCache
from podcast.imports.routes import router as imports_router
from podcast.jobs import open_jobs, runs_jobs_in_serve, worker_for
from podcast.jobs.handlers import Handlers
from podcast.jobs.routes import router as jobs_router
from podcast.media import open_storage
from podcast.media.delivery import Delivery
from podcast.media.probe import probe_storage
from podcast.shows.routes import router as show_router
from podcast.web import install as install_web
from podcast.web.config import require_shared_secret
from transcripts.routes import router as transcripts_router


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    job_handlers: Handlers | None = None,
) -> FastAPI:
    """The app; ``job_handlers`` adds job kinds to those of ``default_handlers`` (tests)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    metrics = Metrics.from_environment() if settings.metrics else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.readiness = "starting"
        require_shared_secret(settings.storage, settings.web.session_secret)
        runtime = prepare(settings, clock)
        app.state.settings = settings
        app.state.clock = clock
        app.state.engine = runtime.engine
        app.state.sessionmaker = runtime.sessionmaker
        app.state.read_sessionmaker = runtime.read_sessionmaker
        app.state.storage = open_storage(settings)
        app.state.delivery = Delivery.from_settings(settings)
        app.state.media_index = MediaIndex(
            runtime.read_sessionmaker,
            settings.show_slug,
            ttl=settings.cache_check_interval,
        )
        # Listener analytics: enclosure GETs noted on the hot path, written in batches.
        recorder = app.state.media_requests = open_recorder(settings, runtime.sessionmaker, clock)
        if recorder is not None:
            recorder.start()
        app.state.feed_cache = FeedCache(
            settings,
            clock,
            runtime.read_sessionmaker,
            on_build=metrics.feed_builds.inc if metrics else None,
        )
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
        # /healthz: name -> check (podcast/core/health.py).
        app.state.health_checks = {
            "database": database_check(runtime.engine),
            "storage": lambda: probe_storage(app.state.storage),
            "queue": lambda: app.state.jobs.ping(),
        }
        app.state.readiness = "ready"
        flushing = None
        if metrics is not None and metrics.multiprocess_dir is not None:
            # Several workers: each hands its tallies to the shared files every second.
            flushing = asyncio.create_task(metrics.flush_every(1.0))
        try:
            yield
        finally:
            app.state.readiness = "stopping"
            if flushing is not None:
                flushing.cancel()
            if worker is not None:
                worker.stop()
            if listener is not None:
                listener.stop()
            if recorder is not None:
                recorder.stop()  # writes what is still in memory
            runtime.engine.dispose()
            if metrics is not None:
                metrics.flush()
                metrics.process_exited()

    # FastAPI, plus bare-ASGI fast paths for the feed and enclosures (podcast/fastpath.py).
    app = FastPathApp(
        title="Leadership Live podcast platform",
        summary="Feed, media, transcripts and episode pages for a production team's own podcast.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # podcast.docs serves both without a CDN
        redoc_url=None,
    )
    if hsts_headers(settings.base_url):
        # Every response; the fast routes' prepared answers carry it themselves.
        app.send_wrappers.append(hsts_send)
    app.state.metrics = metrics
    if metrics is not None:
        metrics.add_collector(JobsCollector(lambda: app.state.engine))
    app.observer = RequestObserver(metrics, slow_request_ms=settings.slow_request_ms)
    http_errors.install(app)
    openapi_errors.install(app)
    app.add_middleware(JsonBodyLimit)
    app.include_router(show_router)
    app.include_router(episodes_router)
    app.include_router(episode_art_router)
    app.include_router(media_router)
    app.include_router(transcripts_router)
    app.include_router(jobs_router)
    app.include_router(analytics_router)
    app.include_router(imports_router)
    install_web(app)
    docs.install(app)
    feed_routes.install(app, settings, metrics)
    operations.install(app)
    # Enclosures: the common case answered before FastAPI, the rest by its route.
    app.fast_prefixes.append(
        (EnclosureFastPath.prefix, "/media/{filename}", EnclosureFastPath(app.state))
    )

    return app
