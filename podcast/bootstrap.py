"""Bringing an installation up: folders, schema, the default show. Shared by the app and CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from podcast.core.clock import Clock
from podcast.core.db import Sessions, make_engine, make_sessionmaker, session_scope
from podcast.core.jobs import enqueue
from podcast.core.settings import Settings
from podcast.feed.announce_job import announce_when_public
from podcast.migrate import upgrade
from podcast.shows.service import ensure_default_show
from transcripts.asr.job import transcribe_new_audio

log = logging.getLogger(__name__)


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
    # Tell WebSub hubs and ping URLs when an episode goes public (app and CLI alike).
    announce_when_public(factory, settings, clock, enqueue)
    # Transcribe new audio; a replaced audio cancels its old transcription (docs/asr.md).
    transcribe_new_audio(factory, settings)
    with session_scope(factory) as session:
        ensure_default_show(session, settings, clock.now())
    readers = make_sessionmaker(engine, write=False)
    return Runtime(engine=engine, sessionmaker=factory, read_sessionmaker=readers)
