"""PostgreSQL LISTEN/NOTIFY: a commit in one process drops the caches of every other at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text, update

from podcast.core.change_notify import ChangeListener
from podcast.core.clock import SystemClock
from podcast.core.db import Sessions, make_engine, make_sessionmaker, on_change, session_scope
from podcast.core.settings import Settings
from podcast.migrate import upgrade
from podcast.shows.models import Show
from podcast.shows.service import ensure_default_show


@pytest.fixture
def engine(postgres_schema_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_schema_url)
    upgrade(engine)
    yield engine
    engine.dispose()


class Replica:
    """One process's writers, a cache callback that counts, and its listener."""

    def __init__(self, engine: Engine) -> None:
        self.sessions: Sessions = make_sessionmaker(engine)
        self.changes = 0
        self.changed = threading.Event()
        on_change(self.sessions, self._count)
        self.listener = ChangeListener(engine, self.sessions, poll_seconds=0.1)

    def _count(self) -> None:
        self.changes += 1
        self.changed.set()

    def __enter__(self) -> Replica:
        self.listener.start()
        assert self.listener.listening.wait(10), "the listener never connected"
        # Connecting runs the callbacks once (changes missed while not listening).
        assert self.changed.wait(5)
        self.changed.clear()
        self.changes = 0
        return self

    def __exit__(self, *_exc: object) -> None:
        self.listener.stop()


def _rename(sessions: Sessions, title: str, *, fail: bool = False) -> None:
    with session_scope(sessions) as session:
        session.execute(update(Show).values(title=title))
        if fail:
            raise RuntimeError("rolled back")


def test_a_commit_elsewhere_reaches_the_other_replica_quickly(engine: Engine) -> None:
    with session_scope(make_sessionmaker(engine)) as session:
        settings = Settings(database_url=str(engine.url), _env_file=None)  # type: ignore[call-arg]
        ensure_default_show(session, settings, SystemClock().now())

    with Replica(engine) as a, Replica(engine) as b:
        delays = []
        for round_ in range(20):
            started = time.perf_counter()
            _rename(a.sessions, f"Title {round_}")
            assert b.changed.wait(5), "the other replica was never told"
            delays.append(time.perf_counter() - started)
            b.changed.clear()
        # The writer's own callbacks ran after its commit (on_change); its listener skips its
        # own notifications instead of running them a second time.
        time.sleep(0.3)
        assert a.changes == 20
        assert b.changes == 20
        # Milliseconds on a quiet machine (bench/replicas.py); generous here for loaded CI.
        delays.sort()
        assert delays[len(delays) // 2] < 0.5, delays

        # A rollback sends nothing.
        with pytest.raises(RuntimeError):
            _rename(a.sessions, "Never", fail=True)
        assert not b.changed.wait(0.5)
        assert b.changes == 20


def test_read_only_sessions_send_nothing(engine: Engine) -> None:
    readers = make_sessionmaker(engine, write=False)
    with Replica(engine) as b:
        with session_scope(readers) as session:
            session.query(Show).all()
        assert not b.changed.wait(0.5)


def test_another_schema_in_the_same_database_is_not_told(
    engine: Engine, postgres_schema_url: str
) -> None:
    """Channels belong to the whole database: each installation (schema) has its own."""
    other_schema = "notify_other_" + postgres_schema_url.rsplit("%3D", 1)[1][-8:]
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{other_schema}"'))
        connection.commit()
    other = make_engine(postgres_schema_url.rsplit("%3D", 1)[0] + "%3D" + other_schema)
    try:
        upgrade(other)
        with Replica(engine) as here:
            with session_scope(make_sessionmaker(other)) as session:
                session.execute(text("SELECT 1"))
                session.execute(update(Show).values(title="elsewhere"))
            assert not here.changed.wait(0.5)
    finally:
        other.dispose()
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{other_schema}" CASCADE'))
            connection.commit()
