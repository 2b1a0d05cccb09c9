"""Bringing an installation up: folders, schema, the default show. Shared by the app and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from podcast.clock import Clock
from podcast.db import Sessions, make_engine, make_sessionmaker, session_scope
from podcast.migrate import upgrade
from podcast.settings import Settings
from podcast.show.service import ensure_default_show


@dataclass(frozen=True)
class Runtime:
    engine: Engine
    # Writers (the default everywhere) and read-only sessions (GET requests, caches).
    sessionmaker: Sessions
    read_sessionmaker: Sessions


def prepare(settings: Settings, clock: Clock) -> Runtime:
    """Idempotent: safe on every start of every replica."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        ensure_default_show(session, settings, clock.now())
    readers = make_sessionmaker(engine, write=False)
    return Runtime(engine=engine, sessionmaker=factory, read_sessionmaker=readers)
