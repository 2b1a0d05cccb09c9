"""The unit of work: side effects after commit or rollback, and SQLite writers that queue."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from episodes.models import AudioFile, Episode
from podcast.bootstrap import prepare
from podcast.core.clock import FrozenClock
from podcast.core.db import Sessions, make_engine, make_sessionmaker, session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import ProducerToken
from podcast.media import LocalStorage, content_key
from podcast.media.local import LocalStaged
from podcast.media.store import put_file
from tests.conftest import NOW


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[tuple[Engine, Sessions, Sessions]]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'podcast.db'}",
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = prepare(settings, FrozenClock(NOW))
    yield runtime.engine, runtime.sessionmaker, runtime.read_sessionmaker
    runtime.engine.dispose()


def _token(name: str) -> ProducerToken:
    return ProducerToken(name=name, token_hash=_sha256(name.encode()), created_at=NOW)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_after_commit_runs_once_committed_and_never_on_rollback(sqlite) -> None:  # type: ignore[no-untyped-def]
    _, writers, _ = sqlite
    seen: list[str] = []
    with writers() as session:
        session.add(_token("a"))
        session.after_commit(lambda: seen.append("committed a"))
        session.after_rollback(lambda: seen.append("rolled back a"))
        assert seen == []
        session.commit()
        assert seen == ["committed a"]
        session.add(_token("b"))
        session.after_commit(lambda: seen.append("committed b"))
        session.after_rollback(lambda: seen.append("rolled back b"))
        session.rollback()
    assert seen == ["committed a", "rolled back b"]


def test_closing_without_commit_rolls_back_before_undoing(sqlite) -> None:  # type: ignore[no-untyped-def]
    """An undo action may commit (a release does): it must not commit the abandoned work."""
    _, writers, readers = sqlite

    with writers() as session:
        session.add(_token("abandoned"))
        session.flush()
        session.after_rollback(session.commit)  # what a release after rollback does

    with readers() as session:
        assert session.scalar(select(ProducerToken.name)) is None


def test_a_failing_action_is_logged_not_raised(sqlite, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    _, writers, _ = sqlite
    seen: list[str] = []
    with session_scope(writers) as session:
        session.add(_token("kept"))
        session.after_commit(lambda: 1 / 0)
        session.after_commit(lambda: seen.append("still runs"))
    assert seen == ["still runs"]
    assert "an action after the transaction ended failed" in caplog.text


def test_writers_take_the_lock_at_begin_and_readers_never_wait(sqlite, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, writers, readers = sqlite
    other = sqlite3.connect(tmp_path / "podcast.db", timeout=0)
    other.isolation_level = None
    try:
        with writers() as session:
            session.scalar(select(ProducerToken.id))  # a read, but the writer holds the lock
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            with readers() as reader:  # WAL: readers are never blocked by the writer
                assert reader.scalar(select(ProducerToken.id)) is None
        other.execute("BEGIN IMMEDIATE")  # free again once the writer ended
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_writer_waits_for_another_instead_of_failing(tmp_path: Path) -> None:
    """Read-then-write under contention: deferred transactions failed at once here."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout_ms=5000)
    prepare_schema(engine)
    writers = make_sessionmaker(engine)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            with session_scope(writers) as session:
                session.scalar(select(ProducerToken.id))  # read first ...
                time.sleep(0.01)
                session.add(_token(f"t{i}"))  # ... then write
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(writers) as session:
        assert len(session.scalars(select(ProducerToken.id)).all()) == 20
    engine.dispose()


def test_a_writer_that_cannot_get_the_lock_fails_with_an_operational_error(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout_ms=50)
    prepare_schema(engine)
    other = sqlite3.connect(tmp_path / "x.db")
    other.isolation_level = None
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            with session_scope(make_sessionmaker(engine)) as session:
                session.scalar(select(ProducerToken.id))
    finally:
        other.execute("ROLLBACK")
        other.close()
        engine.dispose()


def prepare_schema(engine: Engine) -> None:
    from podcast.migrate import upgrade

    upgrade(engine)


def test_a_stored_file_is_released_when_its_transaction_rolls_back(sqlite, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Unless another committed row uses the same bytes."""
    _, writers, _ = sqlite
    storage = LocalStorage(tmp_path / "media")

    def temp_with(data: bytes) -> LocalStaged:
        staged = storage.stage()
        staged.write(data)
        staged.close()
        return staged

    lonely = content_key(_sha256(b"lonely"), "mp3")
    with writers() as session:
        put_file(session, storage, temp_with(b"lonely"), lonely)
        assert storage.exists(lonely)
        session.rollback()
    assert not storage.exists(lonely)

    shared = content_key(_sha256(b"shared"), "mp3")
    with session_scope(writers) as session:
        put_file(session, storage, temp_with(b"shared"), shared)
        episode = Episode(
            show_id=1,
            guid="g",
            slug="s",
            title="t",
            status="draft",
            summary="",
            show_notes="",
            show_notes_format="html",
            show_notes_html="",
            explicit=False,
            people=[],
            keywords=[],
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(episode)
        session.flush()
        session.add(_audio(episode, shared, NOW))
    with writers() as session:
        put_file(session, storage, temp_with(b"shared"), shared)  # the same bytes again
        session.rollback()
    assert storage.exists(shared), "a committed row still uses it"


def _audio(episode: Episode, key: str, now: datetime) -> AudioFile:
    return AudioFile(
        episode_id=episode.id,
        key=key,
        sha256=key.split("/")[1].split(".")[0],
        size_bytes=6,
        mime_type="audio/mpeg",
        extension="mp3",
        codec="mp3",
        duration=1.0,
        uploaded_at=now,
    )
