"""Recording enclosure requests on the hot path without a database round trip per request.

``record`` appends a tuple to an in-memory list (well under a microsecond). A background
thread flushes the list every ``flush_seconds``: it classifies the User-Agent (cached), turns
the IP and User-Agent into keyed hashes (``podcast.analytics.keys``), writes the batch in one
statement and queues the counting job. The IP address is never written anywhere: it exists
only in this list, for at most one flush interval. A crash loses at most that interval's
requests (analytics, not anything a producer saved); a full list (a flood the database cannot
keep up with) drops requests and counts them in ``analytics_requests_dropped_total``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable

from podcast.analytics import job
from podcast.analytics.agents import AgentList
from podcast.analytics.keys import ListenerKeys
from podcast.analytics.models import LABEL_LENGTH, MediaRequest
from podcast.core.clock import Clock, SystemClock
from podcast.core.db import Sessions, session_scope

log = logging.getLogger(__name__)

# (epoch seconds, episode id, file size, duration, ip, user agent, referer, Range header)
Pending = tuple[float, int, int, float, str, str, str, str]


def requested_bytes(range_header: str, size: int) -> tuple[int, int] | None:
    """The inclusive span of bytes a GET with this Range header is answered with, as the
    media response decides it (Starlette's parser): the whole file without a usable header,
    None when the range cannot be satisfied (a 416 carries no audio)."""
    if not range_header:
        return 0, size - 1
    try:
        ranges = FileResponse._parse_range_header(range_header, size)
    except MalformedRangeHeader:
        return 0, size - 1
    except RangeNotSatisfiable:
        return None
    if not ranges:  # nothing usable (e.g. too many ranges): the whole file is sent
        return 0, size - 1
    return min(start for start, _ in ranges), max(end for _, end in ranges) - 1


class RequestRecorder:
    def __init__(
        self,
        sessions: Sessions,
        agents: AgentList,
        own_host: str,
        *,
        flush_seconds: float = 1.0,
        max_pending: int = 200_000,
        settle_seconds: float = job.SETTLE_SECONDS,
        clock: Clock | None = None,
    ) -> None:
        self._sessions = sessions
        self._agents = agents
        self._keys = ListenerKeys(sessions)
        self._own_host = own_host
        self._flush_seconds = flush_seconds
        self._max_pending = max_pending
        self._settle = timedelta(seconds=settle_seconds)
        # The counting job compares these times with the app's clock, so they are read from
        # it too; the system clock as a plain float, the hot path's cheapest call.
        self._clock: Clock = clock or SystemClock()
        self._time = time.time if isinstance(self._clock, SystemClock) else self._clock_seconds
        # deque: append and popleft are atomic, so recording needs no lock and a flush never
        # loses a request appended while it runs.
        self._pending: deque[Pending] = deque()
        self._unwritten: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def record(
        self,
        episode_id: int,
        size: int,
        duration: float,
        ip: str,
        user_agent: str,
        referer: str,
        range_header: str,
        at: float | None = None,
    ) -> None:
        """One GET answered with the episode's bytes (``range_header`` as sent, "" for the
        whole file), at ``at`` (seconds since the epoch; now when not given: replaying
        recorded traffic gives it). Everything else waits for the flush thread."""
        if len(self._pending) >= self._max_pending:
            self.dropped += 1
            return
        when = self._time() if at is None else at
        self._pending.append(
            (when, episode_id, size, duration, ip, user_agent, referer, range_header)
        )

    def _clock_seconds(self) -> float:
        return self._clock.now().timestamp()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="analytics", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            self.flush()
        except Exception:  # shutting down: say so, but let the process stop
            log.exception("could not write recorded media requests at shutdown")

    def _run(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            try:
                self.flush()
            except Exception:  # the next flush tries again; requests keep being served
                log.exception("could not write recorded media requests")

    def flush(self) -> int:
        """Write what was recorded so far; returns how many requests."""
        pending = self._pending
        batch = [pending.popleft() for _ in range(len(pending))]
        rows = [row for row in map(self._row, batch) if row is not None]
        del batch  # the addresses go with it
        # Rows a failed write left behind (the database was busy or down) go first; they hold
        # no address, and are bounded like the pending requests.
        rows = self._unwritten[-self._max_pending :] + rows
        self._unwritten = []
        if not rows:
            return 0
        try:
            self._write(rows)
        except Exception:
            self._unwritten = rows
            raise
        return len(rows)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        with session_scope(self._sessions) as session:
            session.execute(insert(MediaRequest), rows)
            newest = max(row["at"] for row in rows)
            due_in = (newest + self._settle - self._clock.now()).total_seconds()
            job.queue_count(session, max(0.0, due_in))

    def _row(self, pending: Pending) -> dict[str, Any] | None:
        at, episode_id, size, duration, ip, user_agent, referer, range_header = pending
        span = requested_bytes(range_header, size)
        if span is None:
            return None
        when = datetime.fromtimestamp(at, UTC)
        referer_host = (urlsplit(referer).hostname or "") if referer else ""
        agent = self._agents.classify(user_agent, referer_host, self._own_host)
        keys = self._keys.keys(ip, user_agent, when.date())
        return {
            "at": when,
            "episode_id": episode_id,
            "listener": keys.listener,
            "listener_prev": keys.listener_prev,
            "client": keys.client,
            "range_start": span[0],
            "range_end": span[1],
            "size": size,
            "duration": duration,
            "app": agent.name[:LABEL_LENGTH],
            "device": agent.device[:LABEL_LENGTH],
            "device_category": agent.device_category[:32],
            "bot": agent.is_bot,
            "processed": False,
        }
