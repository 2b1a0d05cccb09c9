"""Telling every replica at once that the data changed: PostgreSQL ``LISTEN/NOTIFY``.

Each replica keeps caches of the data (the built feed, where each enclosure points). A write
through this process drops them at once (:func:`podcast.core.db.on_change`); a write through
another replica or the CLI used to be noticed only by the fingerprint poll, up to
``cache_check_interval`` later. On PostgreSQL every writing unit of work now sends
``NOTIFY podcast_changes`` inside its transaction (so it is delivered at commit, and never for
a rollback), and each replica's :class:`ChangeListener` runs the same ``on_change`` callbacks
when one arrives from anyone else. The poll stays as the fallback for a lost connection, and
SQLite (one machine) needs neither.

A notification carries no data, only its sender (so a process skips its own, already handled
after its commit): listeners throw caches away, they never trust a payload.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import Engine, text

from podcast.core.db import CHANGE_CHANNEL_SQL, Sessions, change_callbacks, sender_token

log = logging.getLogger(__name__)


class ChangeListener:
    """A daemon thread holding one connection that ``LISTEN``s for other processes' commits.

    After a (re)connection it runs the callbacks once too: whatever was notified while it was
    not listening is lost, and dropping a cache is always safe.
    """

    def __init__(
        self,
        engine: Engine,
        factory: Sessions,
        *,
        poll_seconds: float = 0.5,
        retry_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._factory = factory
        self._poll = poll_seconds
        self._retry = retry_seconds
        self._stop = threading.Event()
        self._wake: str | None = None  # this listener's own channel: stop() notifies it
        self.listening = threading.Event()  # set while a LISTEN connection is up
        self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop at once: a notice on the listener's own channel ends its wait, instead of the
        rest of a poll interval (half a second a shutdown, for every replica and test)."""
        self._stop.set()
        wake = self._wake
        if wake is not None:
            try:
                with self._engine.connect() as connection:
                    connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": wake})
                    connection.commit()
            except Exception:  # the poll timeout still ends the wait
                log.debug("could not wake the change listener", exc_info=True)
        self._thread.join(timeout=5)

    def _connect(self) -> psycopg.Connection:
        # The engine's own connection arguments: the same server, user and search_path.
        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        return psycopg.connect(*args, **kwargs, autocommit=True)

    def _run(self) -> None:
        own = sender_token(self._factory)
        while not self._stop.is_set():
            try:
                with self._connect() as connection:
                    row = connection.execute(f"SELECT {CHANGE_CHANNEL_SQL}").fetchone()
                    assert row is not None
                    channel = str(row[0])  # letters, digits and "_" only
                    connection.execute(f"LISTEN {channel}")
                    wake = f"podcast_stop_{connection.info.backend_pid}"  # unique on the server
                    connection.execute(f"LISTEN {wake}")
                    self._wake = wake
                    self.listening.set()
                    self._changed()
                    while not self._stop.is_set():
                        # The generator ends after ``timeout`` seconds: a chance to see stop().
                        for notice in connection.notifies(timeout=self._poll):
                            if notice.channel == wake or self._stop.is_set():
                                break
                            if notice.payload != own:
                                self._changed()
            except Exception:
                log.warning("change listener lost its connection; retrying", exc_info=True)
            self.listening.clear()
            self._stop.wait(self._retry)

    def _changed(self) -> None:
        for callback in change_callbacks(self._factory):
            try:
                callback()
            except Exception:
                log.exception("a cache callback failed after another replica's change")
