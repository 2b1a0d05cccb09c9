"""Background jobs as rows: what domains queue, what handlers see, what producers read.

The ``jobs`` table, not the queue, is the truth about a job (docs/architecture.md, "Jobs").
A queue message only carries a job's id and says "look at this one now"; a message may be
lost (a worker killed after taking it, a crash between commit and hand-over) or arrive twice,
and the worker's claim on the row (``podcast/jobs/runner.py``) makes both harmless.

Domains call :func:`enqueue` inside their unit of work and define handlers
(``(ctx: JobContext, payload: dict) -> dict | None``); they never import the queue. The shell
registers the handlers and, with :func:`set_dispatcher`, how a committed job reaches the queue.
Jobs live in wall-clock time (leases, the queue's own schedule), so this module reads the
system clock, never the app's injected one.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Float,
    Index,
    Integer,
    String,
    Text,
    and_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from podcast.core.db import (
    Base,
    Sessions,
    UTCDateTime,
    after_commit,
    make_sessionmaker,
    session_scope,
)
from podcast.core.errors import Conflict, NotFound

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
STATUSES: tuple[JobStatus, ...] = get_args(JobStatus)
UNFINISHED: tuple[JobStatus, ...] = ("queued", "running")
DEFAULT_MAX_ATTEMPTS = 5
# Longest error kept on a row: a sentence for the producer, not a dump.
_MAX_ERROR = 2000
_MAX_MESSAGE = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


class Job(Base):
    """One unit of background work and everything a producer may want to know about it."""

    __tablename__ = "jobs"
    __table_args__ = (
        # One queued job per dedupe key: a second enqueue returns the first. A running job
        # does not count, since it may already have read what the new request changed.
        Index(
            "uq_jobs_dedupe_key_queued",
            "dedupe_key",
            unique=True,
            sqlite_where=text("status = 'queued'"),
            postgresql_where=text("status = 'queued'"),
        ),
        # What the sweeper and the admin list look for.
        Index("ix_jobs_status_run_at", "status", "run_at"),
        Index("ix_jobs_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(_MAX_MESSAGE))
    result: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # While running: the worker holds the job until then and renews it; past it, the job is
    # taken to be orphaned (its worker died) and handed out again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a queue message was last sent for it (None: never; the sweeper sends one).
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# How the shell hands a committed job to the queue: ``dispatch(job_id, run_at)``.
Dispatch = Callable[[str, datetime], object]
_DISPATCHER = "podcast_job_dispatcher"


def set_dispatcher(factory: sessionmaker[Any], dispatch: Dispatch) -> None:
    """Make sessions of ``factory`` hand every job they commit to ``dispatch``.

    Registered by the shell (app, worker); without it a job stays queued in the table until a
    worker's sweeper finds it, which is how the CLI's jobs reach the queue.
    """
    factory.kw["info"][_DISPATCHER] = dispatch


def state_sessions(factory: sessionmaker[Any]) -> Sessions:
    """Sessions for the jobs' own bookkeeping (claims, leases, progress, the sweeper): writers
    on the same engine without ``factory``'s change listeners or its notifications to other
    replicas, since a progress note is no reason to rebuild the feed."""
    return make_sessionmaker(factory.kw["bind"], cached=False)


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    keep_queued: bool = False,
) -> Job:
    """Queue ``kind`` with ``payload`` (JSON) as part of the caller's unit of work.

    Nothing runs unless the transaction commits. With ``dedupe_key``, a job already queued
    under the key is returned instead (moved to ``run_at`` when one is given), so "announce
    the feed" requested ten times in a minute runs once. ``keep_queued`` only ever moves such
    a job earlier, never later: for periodic work that steady traffic must not keep postponing
    but that must still run by the earliest time anyone asked for. The queued job found is
    locked until this transaction ends (PostgreSQL), so it cannot start before what the caller
    wrote is committed and visible to it; a running job is never deduplicated onto.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    now = utcnow()
    when = now if run_at is None else run_at
    if when.tzinfo is None:
        raise ValueError("run_at must carry a timezone")
    dispatch: Dispatch | None = session.info.get(_DISPATCHER)
    if dedupe_key is not None:
        existing = _queued_with_key(session, dedupe_key)
        if existing is not None:
            return _reschedule(session, existing, run_at, dispatch, now, earlier_only=keep_queued)
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        payload=payload,
        status="queued",
        progress=0.0,
        attempts=0,
        max_attempts=max_attempts,
        run_at=when,
        dispatched_at=now if dispatch is not None else None,
        dedupe_key=dedupe_key,
        created_at=now,
        updated_at=now,
    )
    if dedupe_key is None:
        session.add(job)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:
            # Another transaction queued the same key between our look and our insert.
            existing = _queued_with_key(session, dedupe_key)
            if existing is None:
                raise
            return _reschedule(session, existing, run_at, dispatch, now, earlier_only=keep_queued)
    if dispatch is not None:
        after_commit(session, lambda: dispatch(job.id, when))
    return job


def _queued_with_key(session: Session, key: str) -> Job | None:
    """The queued job under ``key``, locked (``FOR UPDATE``; SQLite writers are serial anyway):
    a worker's claim waits for our commit, so the job reads what we wrote. Without the lock it
    could start between our look and our commit, and miss it with nothing queued after it."""
    query = select(Job).where(Job.dedupe_key == key, Job.status == "queued").with_for_update()
    return session.scalars(query).first()


def _reschedule(
    session: Session,
    job: Job,
    run_at: datetime | None,
    dispatch: Dispatch | None,
    now: datetime,
    *,
    earlier_only: bool = False,
) -> Job:
    if run_at is None or run_at == job.run_at or (earlier_only and run_at > job.run_at):
        return job
    job.run_at = run_at
    job.updated_at = now
    if dispatch is not None:
        job.dispatched_at = now
        after_commit(session, lambda: dispatch(job.id, run_at))
    else:
        job.dispatched_at = None
    session.flush()
    return job


def get_job(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id) if len(job_id) <= 32 else None


def list_jobs(
    session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """The most recent jobs first, optionally of one status or kind."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
    if status is not None:
        query = query.where(Job.status == status)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return list(session.scalars(query))


# How each unfinished state is cancelled: a running job keeps its lease, which its worker
# clears when it has stopped (``JobContext.settle_cancelled``); until then it is "stopping".
_CANCELS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("queued", "Cancelled before it ran.", {"lease_until": None}),
    ("running", "Cancelling: the job stops at its next check.", {}),
)


def cancel(session: Session, job_id_or_dedupe_key: str) -> list[Job]:
    """Cancel the unfinished job with this id, or every unfinished one with this dedupe key.

    A queued job never starts. A running one is told through ``JobContext.cancelled()``; it
    keeps its lease until its worker has stopped (``is_stopping``: "cancelling" to producers),
    and whatever it returns afterwards is discarded. Returns the jobs cancelled.

    One conditional ``UPDATE`` per job: a job its worker finished meanwhile stays finished
    (an ORM write of a row read earlier would turn a success into "cancelled").
    """
    ids = list(
        session.scalars(
            select(Job.id).where(
                or_(Job.id == job_id_or_dedupe_key, Job.dedupe_key == job_id_or_dedupe_key),
                Job.status.in_(UNFINISHED),
            )
        )
    )
    now = utcnow()
    jobs = []
    for job_id in ids:
        for status, message, lease in _CANCELS:
            changed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == status)
                .values(status="cancelled", message=message, updated_at=now, **lease)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if changed:
                job = session.get(Job, job_id, populate_existing=True)
                assert job is not None
                jobs.append(job)
                break
    return jobs


def is_stopping(job: Job, now: datetime | None = None) -> bool:
    """Whether a cancelled job's worker may still be finishing its current step (it has not
    said it stopped, and its lease has not run out): what it does meanwhile may still land."""
    if job.status != "cancelled" or job.lease_until is None:
        return False
    return job.lease_until > (now or utcnow())


def cancel_job(session: Session, job_id: str) -> Job:
    """What a producer's "cancel" does (API, admin): the job, cancelled.

    ``NotFound`` for an unknown id; a job already cancelled is answered as it is (asking
    twice is harmless); ``Conflict`` for one that succeeded or failed, since there is nothing
    left to stop.
    """
    job = get_job(session, job_id)
    if job is None:
        raise NotFound(f"no job {job_id!r}")
    if job.status in UNFINISHED:
        cancelled = cancel(session, job.id)
        if cancelled:
            return cancelled[0]
        session.refresh(job)  # its worker finished it between our read and our update
    if job.status == "cancelled":
        return job
    raise Conflict(
        f"job {job.id} already {job.status}: only a queued or running job can be cancelled"
    )


def retry(session: Session, job_id: str) -> Job | None:
    """Queue a failed or cancelled job again with a fresh set of attempts; None if there is
    no such finished job. It is handed to the queue after commit (or found by the sweeper)."""
    job = get_job(session, job_id)
    if job is None or job.status not in ("failed", "cancelled"):
        return None
    now = utcnow()
    if is_stopping(job, now):
        return None  # its worker is still finishing: a second one would race it
    dispatch: Dispatch | None = session.info.get(_DISPATCHER)
    if job.dedupe_key is not None and _queued_with_key(session, job.dedupe_key) is not None:
        return None
    job.status = "queued"
    job.attempts = 0
    job.progress = 0.0
    job.error = None
    job.result = None
    job.message = "Queued again by hand."
    job.run_at = now
    job.dispatched_at = now if dispatch is not None else None
    job.updated_at = now
    session.flush()
    if dispatch is not None:
        after_commit(session, lambda: dispatch(job.id, now))
    return job


# --- what a handler sees -------------------------------------------------------------------


class JobContext:
    """Handed to a handler: its job, its attempt, and a line back to the producer.

    ``progress`` writes to the job's row in a short transaction of its own (at most a few
    times a second), so ``GET /api/jobs/{id}`` shows it while the handler works. Writes are
    fenced by the attempt: a worker that lost the job (cancelled, or its lease given to
    another worker) changes nothing, and ``cancelled()`` tells the handler to stop.
    """

    # Progress writes closer together than this are kept back (the last one always lands).
    PROGRESS_INTERVAL = 0.25
    CANCEL_CHECK_INTERVAL = 0.5

    def __init__(
        self,
        sessions: sessionmaker[Any],
        job_id: str,
        attempt: int,
        *,
        state: sessionmaker[Any] | None = None,
    ) -> None:
        # For the handler's own work: the app's writers (caches hear of its changes, jobs it
        # queues are handed over on commit).
        self.sessions = sessions
        self._state = state or sessions
        self.job_id = job_id
        self.attempt = attempt
        self._lock = threading.Lock()
        self._lost = False
        self._last_write = 0.0
        self._last_message: str | None = None
        self._last_check = 0.0

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Report how far the job is (0-1) and, optionally, what it is doing."""
        fraction = min(1.0, max(0.0, float(fraction)))
        now = time.monotonic()
        with self._lock:
            changed = message is not None and message != self._last_message
            if not changed and now - self._last_write < self.PROGRESS_INTERVAL:
                return
            self._last_write = now
            if message is not None:
                self._last_message = message
        values: dict[str, Any] = {"progress": fraction, "updated_at": utcnow()}
        if message is not None:
            values["message"] = message[:_MAX_MESSAGE]
        if not self.write(values):
            self._lost = True

    def cancelled(self) -> bool:
        """Whether the job was cancelled (or handed to another worker): stop soon if so.

        Cheap to ask often and from several threads: the row is read at most every
        ``CANCEL_CHECK_INTERVAL`` seconds."""
        if self._lost:
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._last_check < self.CANCEL_CHECK_INTERVAL:
                return False
            self._last_check = now
        with session_scope(self._state) as session:
            owned = session.scalar(select(Job.id).where(*self.owned_by_me()))
        self._lost = owned is None
        return self._lost

    def mark_lost(self) -> None:
        self._lost = True

    def owned_by_me(self) -> tuple[Any, ...]:
        """The conditions under which this attempt still owns the row."""
        return (Job.id == self.job_id, Job.attempts == self.attempt, Job.status == "running")

    def write(self, values: Mapping[str, Any]) -> bool:
        """Update the row if this attempt still owns it; False when it no longer does."""
        with session_scope(self._state) as session:
            statement = update(Job).where(and_(*self.owned_by_me())).values(**values)
            return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def settle_cancelled(self, message: str | None = None, result: Any | None = None) -> bool:
        """Record that this attempt, cancelled while it ran, has stopped: its lease is given
        up (the job is no longer "stopping"), with what it says it got done, if anything.
        Changes nothing unless the job was cancelled during this very attempt."""
        values: dict[str, Any] = {
            "lease_until": None,
            "message": (message or "Cancelled while running; it has stopped.")[:_MAX_MESSAGE],
            "updated_at": utcnow(),
        }
        if result is not None:
            values["result"] = result
        return self._write_stopping(values)

    def renew_stopping(self, until: datetime) -> bool:
        """Keep the lease of a job cancelled during this attempt while its handler finishes
        (so it reads as "stopping" for as long as that takes); False once there is none."""
        return self._write_stopping({"lease_until": until})

    def _write_stopping(self, values: Mapping[str, Any]) -> bool:
        mine = (Job.id == self.job_id, Job.attempts == self.attempt)
        with session_scope(self._state) as session:
            statement = (
                update(Job)
                .where(*mine, Job.status == "cancelled", Job.lease_until.is_not(None))
                .values(**values)
            )
            return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


class Deferred(Exception):
    """Raised by a handler that cannot start yet because something it needs is busy (the one
    transcription a process runs at a time): the job goes back to the queue for ``seconds``
    later, with ``message``, and the attempt does not count. The worker's thread is free for
    other jobs meanwhile."""

    def __init__(self, seconds: float, message: str) -> None:
        super().__init__(message)
        self.seconds = seconds
        self.message = message


class Stopped(Exception):
    """Raised by a handler that saw ``ctx.cancelled()`` and stopped part-way: ``message``
    says what it got done ("12 of 40 episodes imported"), ``result`` is kept as the job's
    result. The job ends cancelled (a handler stopping on its own cancels its job too)."""

    def __init__(self, message: str, result: Any | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


class Permanent(Exception):
    """Raised by a handler for a failure no retry can mend (the URL is a web page, not a feed;
    the host says 404): the job fails at once with ``message``, whatever attempts are left,
    instead of keeping its producer waiting through backoffs that end the same way. Any
    other exception is taken to be passing (a timeout, a 503) and retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Handler = Callable[[JobContext, dict[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class JobKind:
    """A handler and how its failures are retried.

    A failed attempt is tried again after about ``backoff_seconds * 2 ** (attempt - 1)``
    seconds (with jitter, at most ``backoff_cap``), until the job's ``max_attempts`` (set
    by whoever queued it) are used up.
    """

    handler: Handler
    backoff_seconds: float = 10.0
    backoff_cap: float = 3600.0


JobRegistry = dict[str, JobKind]


def registry(handlers: Mapping[str, Handler | JobKind]) -> JobRegistry:
    """A registry from handlers, plain (default retry policy) or wrapped in a :class:`JobKind`."""
    return {
        kind: entry if isinstance(entry, JobKind) else JobKind(entry)
        for kind, entry in handlers.items()
    }


def error_sentence(exc: BaseException) -> str:
    """What a producer is shown for a failed attempt: the exception's message, no traceback."""
    message = str(exc).strip() or type(exc).__name__
    return message[:_MAX_ERROR]
