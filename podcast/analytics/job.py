"""The counting job: recorded requests in, downloads out (docs/analytics.md, "Counting").

Queued by the recorder after each flush (one queued at a time, ``keep_queued`` so steady
traffic cannot postpone it), it takes requests older than ``SETTLE_SECONDS`` (every replica
has flushed them by then, so they are counted in time order), the open windows and the last
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

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from podcast.analytics.counting import DAY_SECONDS, Counter, Request, Window
from podcast.analytics.keys import forget_old_salts
from podcast.analytics.models import Download, ListeningWindow, MediaRequest
from podcast.core.clock import Clock
from podcast.core.db import Sessions, session_scope
from podcast.core.jobs import Handler, JobContext

KIND = "analytics.count"
# Longer than the recorder's flush interval: a request recorded at t is in the database by then.
SETTLE_SECONDS = 30.0
_PG_LOCK_KEY = 0x5043_414E  # "PCAN"
_CHUNK = 5000


def _ts(value: datetime) -> float:
    return value.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def count_requests(
    session: Session, now: datetime, settle_seconds: float = SETTLE_SECONDS
) -> dict[str, Any]:
    """Count every settled request not yet counted; returns what was done (the job's result)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    cutoff = now - timedelta(seconds=settle_seconds)
    pending = MediaRequest.processed.is_(False), MediaRequest.at < cutoff
    oldest = session.scalar(
        select(MediaRequest.at).where(*pending).order_by(MediaRequest.at).limit(1)
    )
    result: dict[str, Any] = {"requests": 0, "downloads": 0}
    if oldest is not None:
        horizon = oldest - timedelta(seconds=DAY_SECONDS)
        loaded = list(
            session.scalars(select(ListeningWindow).where(ListeningWindow.started_at > horizon))
        )
        windows = [
            Window(
                w.listener,
                w.episode_id,
                _ts(w.started_at),
                w.counted,
                [(int(a), int(b)) for a, b in w.ranges],
            )
            for w in loaded
        ]
        history = session.execute(
            select(MediaRequest.client, MediaRequest.at)
            .where(MediaRequest.processed.is_(True), MediaRequest.at > horizon)
            .order_by(MediaRequest.at)
        )
        counter = Counter(windows, client_history=((c, _ts(at)) for c, at in history))
        ids: list[int] = []
        rows = session.execute(
            select(
                MediaRequest.id,
                MediaRequest.at,
                MediaRequest.episode_id,
                MediaRequest.listener,
                MediaRequest.listener_prev,
                MediaRequest.client,
                MediaRequest.range_start,
                MediaRequest.range_end,
                MediaRequest.size,
                MediaRequest.duration,
                MediaRequest.app,
                MediaRequest.device,
                MediaRequest.device_category,
                MediaRequest.bot,
            )
            .where(*pending)
            .order_by(MediaRequest.at, MediaRequest.id)
        )

        def requests() -> Iterator[Request]:
            for row in rows:
                ids.append(row[0])
                (_, at, episode, listener, prev, client, first, last, size, duration) = row[:10]
                yield Request(
                    _ts(at),
                    episode,
                    listener,
                    prev,
                    client,
                    first,
                    last,
                    size,
                    duration,
                    row[10],
                    row[11],
                    row[12],
                    row[13],
                )

        counter.feed(requests())
        if counter.downloads:
            session.execute(
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
            session.execute(
                delete(ListeningWindow).where(ListeningWindow.id.in_([w.id for w in loaded]))
            )
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
            session.execute(insert(ListeningWindow), still_open)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            session.execute(
                update(MediaRequest).where(MediaRequest.id.in_(chunk)).values(processed=True)
            )
        result = {"requests": len(ids), "downloads": len(counter.downloads), **counter.ignored}
    day_ago = now - timedelta(seconds=DAY_SECONDS + settle_seconds)
    session.execute(
        delete(MediaRequest).where(MediaRequest.processed.is_(True), MediaRequest.at < day_ago)
    )
    session.execute(
        delete(ListeningWindow).where(
            ListeningWindow.started_at < now - timedelta(seconds=DAY_SECONDS)
        )
    )
    forget_old_salts(session, now.date())
    return result


def count_handler(sessions: Sessions, clock: Clock) -> Handler:
    def handle(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        with session_scope(sessions) as session:
            return count_requests(session, clock.now())

    return handle
