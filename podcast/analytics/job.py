"""The counting job: recorded requests in, downloads out (docs/analytics.md, "Counting").

Queued by the recorder after each flush (one queued at a time, ``keep_queued`` so steady
traffic cannot postpone it), it takes requests older than ``SETTLE_SECONDS`` (every replica
has flushed them by then, so they are counted in time order). Requests it leaves for later
because they are younger (recorded while it was queued: their flush found it queued and
queued nothing of its own) get a follow-up job queued in the same transaction for when the
oldest of them can be counted, so every request is counted about ``SETTLE_SECONDS`` after it
was recorded, with no further traffic and no cron. It reads the open windows and the last
day's request times per client, runs ``podcast.analytics.counting.Counter``, and in the same
transaction writes the downloads, saves the windows still open, marks the requests processed
and deletes what no later run can need (requests and windows older than a day, old salts).
Runs one at a time: SQLite writers queue on ``BEGIN IMMEDIATE``, PostgreSQL takes an advisory
lock, so two workers can never count the same request twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Table,
    and_,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from podcast.analytics.counting import DAY_SECONDS, MAX_CLIENT_REQUESTS, Counter, Request, Window
from podcast.analytics.keys import forget_old_salts
from podcast.analytics.models import Download, ListeningWindow, MediaRequest
from podcast.core.clock import Clock
from podcast.core.db import Sessions, holds_write_lock, session_scope
from podcast.core.jobs import Handler, JobContext, enqueue, utcnow

KIND = "analytics.count"
# Longer than the recorder's flush interval: a request recorded at t is in the database by then.
SETTLE_SECONDS = 30.0
# A job queued for the moment a request can be counted runs this much later, so a run a
# little early (the queue's rounding, another server's clock) does not find it still too young.
_MARGIN = timedelta(seconds=0.25)
_PG_LOCK_KEY = 0x5043_414E  # "PCAN"
_CHUNK = 5000


def _ts(value: datetime) -> float:
    return value.timestamp()


def _dt(value: float) -> datetime:
    """Milliseconds are what SQLite's julianday keeps exactly; no more is claimed."""
    return datetime.fromtimestamp(round(value, 3), UTC)


def _epoch(session: Session, column: Any) -> Any:
    """``column`` as seconds since the epoch, computed by the database: a million datetimes
    parsed in Python would cost more than the counting."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * 86400.0


def count_requests(
    session: Session,
    now: datetime,
    settle_seconds: float = SETTLE_SECONDS,
    max_client_requests: int = MAX_CLIENT_REQUESTS,
) -> dict[str, Any]:
    """Count every settled request not yet counted; returns what was done (the job's result):
    ``requests`` counted, ``downloads`` made, why some did not count (``bot``, ``probe``,
    ``flood``), ``waiting``: how many were left for later as younger than ``settle_seconds``,
    and ``due_in_seconds``: when (from ``now``) the oldest request still uncounted can be
    counted, None when none is left.

    Core statements throughout (no ORM objects): this reads every recorded request."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    elif not holds_write_lock(session):
        raise RuntimeError("count_requests needs a writer session (BEGIN IMMEDIATE on SQLite)")
    db = session.connection()
    requests_t: Table = MediaRequest.__table__  # type: ignore[assignment]
    windows_t: Table = ListeningWindow.__table__  # type: ignore[assignment]
    cutoff = now - timedelta(seconds=settle_seconds)
    pending = requests_t.c.processed.is_(False), requests_t.c.at < cutoff
    # The batch as a subquery over its own alias (never correlated with an outer query).
    batch = requests_t.alias("batch")
    in_batch = batch.c.processed.is_(False), batch.c.at < cutoff
    oldest = db.scalar(select(requests_t.c.at).where(*pending).order_by(requests_t.c.at).limit(1))
    result: dict[str, Any] = {"requests": 0, "downloads": 0}
    if oldest is not None:
        horizon = oldest - timedelta(seconds=DAY_SECONDS)
        loaded = db.execute(
            select(
                windows_t.c.id,
                windows_t.c.listener,
                windows_t.c.episode_id,
                _epoch(session, windows_t.c.started_at),
                windows_t.c.counted,
                windows_t.c.ranges,
            ).where(
                # Only the windows this batch's listeners can join (by today's or yesterday's
                # key), of any age so a stale one with the same key is replaced, not collided
                # with: a run reads what its requests need, not a day of every listener.
                windows_t.c.listener.in_(select(batch.c.listener).where(*in_batch))
                | windows_t.c.listener.in_(select(batch.c.listener_prev).where(*in_batch))
            )
        ).all()
        windows = [
            Window(listener, episode, float(started), bool(counted), [(a, b) for a, b in ranges])
            for _, listener, episode, started, counted, ranges in loaded
        ]
        history = db.execute(
            select(requests_t.c.client, _epoch(session, requests_t.c.at))
            .where(
                requests_t.c.processed.is_(True),
                requests_t.c.at > horizon,
                requests_t.c.client.in_(select(batch.c.client).where(*in_batch)),
            )
            .order_by(requests_t.c.at)
        )
        counter = Counter(
            windows,
            max_client_requests=max_client_requests,
            client_history=((c, float(at)) for c, at in history),
        )
        ids: list[int] = []
        rows = db.execute(
            select(
                requests_t.c.id,
                _epoch(session, requests_t.c.at),
                requests_t.c.episode_id,
                requests_t.c.listener,
                requests_t.c.listener_prev,
                requests_t.c.client,
                requests_t.c.range_start,
                requests_t.c.range_end,
                requests_t.c.size,
                requests_t.c.duration,
                requests_t.c.app,
                requests_t.c.device,
                requests_t.c.device_category,
                requests_t.c.bot,
            )
            .where(*pending)
            .order_by(requests_t.c.at, requests_t.c.id)
            .execution_options(yield_per=10_000)  # fetched in batches, not row by row
        )
        make = Request._make

        def requests() -> Iterator[Request]:
            for row in rows:
                ids.append(row[0])
                yield make(row[1:])

        counter.feed(requests())
        if counter.downloads:
            db.execute(
                insert(Download),
                [
                    {
                        "episode_id": d.episode_id,
                        "at": _dt(d.at),
                        "app": d.app,
                        "device": d.device,
                        "device_category": d.device_category,
                    }
                    for d in counter.downloads
                ],
            )
        if loaded:
            db.execute(delete(windows_t).where(windows_t.c.id.in_([w[0] for w in loaded])))
        still_open = [
            {
                "listener": w.listener,
                "episode_id": w.episode_id,
                "started_at": _dt(w.started),
                "counted": w.counted,
                "ranges": [list(r) for r in w.ranges],
            }
            for w in counter.open_windows(_ts(now))
        ]
        if still_open:
            db.execute(insert(windows_t), still_open)
        if postgres:
            # Exactly the rows read: others may have committed older rows meanwhile.
            counted = requests_t.c.id == func.any(array(ids, type_=BigInteger))
        else:
            # SQLite: this transaction began IMMEDIATE, so no row was written since the read.
            counted = and_(*pending)
        db.execute(update(requests_t).where(counted).values(processed=True))
        result = {"requests": len(ids), "downloads": len(counter.downloads), **counter.ignored}
    day_ago = now - timedelta(seconds=DAY_SECONDS + settle_seconds)
    db.execute(
        delete(requests_t).where(requests_t.c.processed.is_(True), requests_t.c.at < day_ago)
    )
    db.execute(
        delete(windows_t).where(windows_t.c.started_at < now - timedelta(seconds=DAY_SECONDS))
    )
    forget_old_salts(session, now.date())
    return {**result, **_left_for_later(session, now, settle_seconds)}


def _left_for_later(session: Session, now: datetime, settle_seconds: float) -> dict[str, Any]:
    """What is still uncounted after a run: the requests too young for it, and how soon the
    oldest uncounted request can be counted. On PostgreSQL that may be one another server
    committed during the run, already old enough: it is due now."""
    requests_t: Table = MediaRequest.__table__  # type: ignore[assignment]
    cutoff = now - timedelta(seconds=settle_seconds)
    young, oldest = session.execute(
        select(func.count().filter(requests_t.c.at >= cutoff), func.min(requests_t.c.at)).where(
            requests_t.c.processed.is_(False)
        )
    ).one()
    due_in = None
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        due_in = max(0.0, (oldest - cutoff).total_seconds())
    return {"waiting": int(young or 0), "due_in_seconds": due_in}


def due_at(due_in_seconds: float) -> datetime:
    """When, on the queue's clock (wall time), to run the job for a request that can be
    counted ``due_in_seconds`` from now on the app's clock (the two differ only in tests)."""
    return utcnow() + timedelta(seconds=due_in_seconds) + _MARGIN


def queue_count(session: Session, due_in_seconds: float) -> None:
    """Make sure a count runs by then: one queued job at a time, moved earlier if it was
    queued for later, never postponed (``keep_queued``). A running job does not count: it
    may already have read the requests that ask for this one."""
    enqueue(session, KIND, {}, run_at=due_at(due_in_seconds), dedupe_key=KIND, keep_queued=True)


def count_handler(
    sessions: Sessions, clock: Clock, settle_seconds: float = SETTLE_SECONDS
) -> Handler:
    def handle(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        with session_scope(sessions) as session:
            result = count_requests(session, clock.now(), settle_seconds)
            if result["due_in_seconds"] is not None:
                # Committed with the count, or not at all: no window where requests are
                # left uncounted with nothing queued to count them.
                queue_count(session, result["due_in_seconds"])
            return result

    return handle
