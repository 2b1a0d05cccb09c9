"""The application factory: everything that differs between a test and production is built here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from episodes.routes import router as episodes_router
from podcast import errors
from podcast.clock import Clock, SystemClock
from podcast.db import make_engine, make_sessionmaker, session_scope
from podcast.migrate import upgrade
from podcast.settings import Settings
from podcast.show.routes import router as show_router
from podcast.show.service import ensure_default_show


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        with session_scope(factory) as session:
            ensure_default_show(session, settings, clock.now())
        app.state.settings = settings
        app.state.clock = clock
        app.state.engine = engine
        app.state.sessionmaker = factory
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Leadership Live podcast platform",
        summary="Feed, media, transcripts and episode pages for a production team's own podcast.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(show_router)
    app.include_router(episodes_router)

    @app.get("/healthz", tags=["service"], include_in_schema=True)
    def healthz() -> JSONResponse:
        """200 when the database answers; 503 otherwise, so a load balancer takes us out."""
        try:
            with app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means unhealthy
            return JSONResponse({"status": "unavailable", "database": str(exc)[:200]}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
