"""SQLAlchemy wiring shared by every domain: the declarative base, engines and sessions.

Two rules every writer relies on (docs/architecture.md, "Transactions"):

- **SQLite writers take the lock first.** A deferred transaction that reads and then writes
  cannot wait for another writer: SQLite answers "database is locked" at once. Sessions made
  for writing (the default) begin ``BEGIN IMMEDIATE``, so they queue on the busy timeout
  instead; read-only sessions begin a plain deferred ``BEGIN`` and never block writers (WAL).
- **Side effects run after commit.** Deleting released files, clearing caches and queueing
  work are registered on the session (:meth:`UnitOfWork.after_commit`) and run only once the
  transaction is durable; work to undo on failure goes to :meth:`UnitOfWork.after_rollback`.
  Whoever holds a cache of the data registers :func:`on_change` on the sessionmaker: it runs
  after every commit that wrote anything, whichever domain wrote it.
- **Domains tell, the shell listens.** A domain announces what happened (an episode went
  public) with :func:`emit`; whoever cares registers with :func:`on_event`, and its listener
  runs in the same unit of work, so what it writes (a job row) commits or rolls back with it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

# Named constraints let Alembic's SQLite batch mode drop and recreate them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite stores datetimes without a zone, so values are normalised to UTC on the way in and
    tagged as UTC on the way out; naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


log = logging.getLogger(__name__)

# Execution option naming a connection whose transactions begin with ``BEGIN IMMEDIATE``.
SQLITE_IMMEDIATE = "podcast_sqlite_immediate"
# How long a SQLite writer waits for the lock before the request answers 503 (the default of
# ``Settings.sqlite_busy_timeout_ms``).
SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(
    busy_timeout_ms: int, dbapi_connection: Any, _record: ConnectionPoolEntry
) -> None:
    # pysqlite would otherwise issue its own deferred BEGIN; ``_sqlite_begin`` chooses instead
    # (SQLAlchemy's documented recipe, which also makes SAVEPOINT work).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine (and pool), its transactions taking SQLite's write lock at BEGIN."""
    return engine.execution_options(**{SQLITE_IMMEDIATE: True})


def holds_write_lock(session: Session) -> bool:
    """Whether this session's transaction already excludes every other writer on SQLite."""
    connection = session.connection()
    return bool(connection.get_execution_options().get(SQLITE_IMMEDIATE, False))


class UnitOfWork(Session):
    """A session whose side effects wait for the commit.

    Actions registered with :meth:`after_commit` run once the transaction is durable (never if
    it rolls back); :meth:`after_rollback` actions undo work outside the database (a file
    stored for a row that never got committed). Either list is dropped by the other outcome.
    An action that fails is logged: the data is already committed, and the next ``podcast
    media gc`` or cache check repairs what it left.
    """

    def after_commit(self, action: Callable[[], object]) -> None:
        self.info.setdefault(_AFTER_COMMIT, []).append(action)

    def after_rollback(self, action: Callable[[], object]) -> None:
        self.info.setdefault(_AFTER_ROLLBACK, []).append(action)

    def commit(self) -> None:
        if self.info.get(_SENDER) and self.in_transaction():
            self._notify_other_processes()
        super().commit()
        self.info.pop(_AFTER_ROLLBACK, None)
        actions = self.info.pop(_AFTER_COMMIT, [])
        if self.info.pop(_CHANGED, False):
            actions = [*actions, *self.info.get(_ON_CHANGE, ())]
        self._run(actions)

    def rollback(self) -> None:
        super().rollback()
        self.info.pop(_AFTER_COMMIT, None)
        self.info.pop(_CHANGED, None)
        self._run(self.info.pop(_AFTER_ROLLBACK, []))

    def close(self) -> None:
        # Closing without commit is a rollback: committed-only actions must not survive it.
        self.info.pop(_AFTER_COMMIT, None)
        self.info.pop(_CHANGED, None)
        pending = self.info.pop(_AFTER_ROLLBACK, [])
        if pending:
            super().rollback()
            self._run(pending)
        super().close()

    def _notify_other_processes(self) -> None:
        # Inside the transaction: PostgreSQL delivers it at commit, and drops it on rollback
        # (docs/architecture.md, "Several replicas").
        self.flush()
        if self.info.get(_CHANGED):
            self.execute(
                text(f"SELECT pg_notify({CHANGE_CHANNEL_SQL}, :sender)"),
                {"sender": self.info[_SENDER]},
            )

    def _run(self, actions: list[Callable[[], object]]) -> None:
        for action in actions:
            try:
                action()
            except Exception:
                log.exception("an action after the transaction ended failed")
                if self.in_transaction():
                    super().rollback()


_AFTER_COMMIT = "podcast_after_commit"
_AFTER_ROLLBACK = "podcast_after_rollback"
_CHANGED = "podcast_changed"  # this transaction flushed or executed a write
_ON_CHANGE = "podcast_on_change"  # the sessionmaker's change listeners (one shared list)
_SENDER = "podcast_sender"  # PostgreSQL: who this sessionmaker's NOTIFYs come from
# The channel every replica of one installation LISTENs on (podcast.core.change_notify), as SQL:
# one per schema, because channels are shared by the whole database and two installations
# (or two test runs) in one database must not drop each other's caches. Hashed: a channel
# name is an identifier of at most 63 bytes.
CHANGE_CHANNEL_SQL = "'podcast_changes_' || left(md5(current_schema()), 16)"
_EVENTS = "podcast_events"  # the sessionmaker's event listeners by name (one shared dict)


@event.listens_for(UnitOfWork, "before_flush")
def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_CHANGED] = True


@event.listens_for(UnitOfWork, "do_orm_execute")
def _note_bulk_write(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True


# What the app, the CLI and the caches are handed to open units of work.
Sessions = sessionmaker[UnitOfWork]


def insert_unless_present(session: Session, model: type[Base], **values: Any) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL): a row that two requests
    may add at the same moment, where the second must quietly find the first's. A check then
    an insert would race on PostgreSQL (both see no row; the second fails its unique index)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(model).values(**values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(model).values(**values).on_conflict_do_nothing())


def make_sessionmaker(engine: Engine, *, write: bool = True, cached: bool = True) -> Sessions:
    """Sessions for writing (the default: safe under concurrency) or only for reading.

    ``cached=False`` is for writers of rows no cache holds (the jobs' own bookkeeping): their
    commits tell no other replica, so a progress note never drops the caches.
    """
    bind = writer(engine) if write else engine
    listeners: list[Callable[[], object]] = []
    events: dict[str, list[Callable[..., object]]] = {}
    # sessionmaker copies ``info`` into each session shallowly: every session shares these.
    info: dict[str, Any] = {_ON_CHANGE: listeners, _EVENTS: events}
    if write and cached and engine.dialect.name == "postgresql":
        info[_SENDER] = uuid.uuid4().hex  # its commits tell the other replicas
    return sessionmaker(bind, class_=UnitOfWork, expire_on_commit=False, info=info)


def on_change(factory: Sessions, callback: Callable[[], object]) -> None:
    """Call ``callback`` after each commit, by a session of ``factory``, that wrote anything.

    For caches of the data (the feed, the media index): registered by whoever builds them, so
    no domain needs to know which caches exist. It runs only once the data is durable, never
    after a rollback, and a failure is logged, not raised (the caches' own checks catch up).
    """
    factory.kw["info"][_ON_CHANGE].append(callback)


def change_callbacks(factory: Sessions) -> list[Callable[[], object]]:
    """The :func:`on_change` callbacks of ``factory`` (run by the cross-replica listener)."""
    return list(factory.kw["info"][_ON_CHANGE])


def sender_token(factory: Sessions) -> str | None:
    """What this sessionmaker's change notifications carry (None: it sends none)."""
    token = factory.kw["info"].get(_SENDER)
    return str(token) if token else None


def on_event(factory: Sessions, name: str, listener: Callable[..., object]) -> None:
    """Call ``listener(session, **details)`` whenever a session of ``factory`` emits ``name``.

    The listener runs at once, inside the emitting unit of work: it may add rows (a job to run
    later) that commit or roll back with the change itself, and an error it raises fails that
    change. Work outside the database belongs in an :func:`after_commit` it registers.
    """
    factory.kw["info"][_EVENTS].setdefault(name, []).append(listener)


def emit(session: Session, name: str, **details: Any) -> None:
    """Tell the listeners registered for ``name`` (none: nothing happens) what just happened."""
    for listener in session.info.get(_EVENTS, {}).get(name, ()):
        listener(session, **details)


def after_commit(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` once ``session`` commits."""
    _unit_of_work(session).after_commit(action)


def after_rollback(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` if ``session`` rolls back (or closes without committing)."""
    _unit_of_work(session).after_rollback(action)


def _unit_of_work(session: Session) -> UnitOfWork:
    if not isinstance(session, UnitOfWork):
        raise TypeError(
            "side effects need a UnitOfWork session (podcast.core.db.make_sessionmaker)"
        )
    return session


@contextmanager
def session_scope(factory: sessionmaker[Any]) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
