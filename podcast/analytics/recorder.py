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

from sqlalchemy import insert

from podcast.analytics import job
from podcast.analytics.agents import AgentList
from podcast.analytics.keys import ListenerKeys
from podcast.analytics.models import LABEL_LENGTH, MediaRequest
from podcast.core.db import Sessions, session_scope
from podcast.core.jobs import enqueue

log = logging.getLogger(__name__)

# (epoch seconds, episode id, file size, duration, ip, user agent, referer host, first, last)
Pending = tuple[float, int, int, float, str, str, str, int, int]


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
    ) -> None:
        self._sessions = sessions
        self._agents = agents
        self._keys = ListenerKeys(sessions)
        self._own_host = own_host
        self._flush_seconds = flush_seconds
        self._max_pending = max_pending
        self._settle = timedelta(seconds=settle_seconds)
        # deque: append and popleft are atomic, so recording needs no lock and a flush never
        # loses a request appended while it runs.
        self._pending: deque[Pending] = deque()
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
        referer_host: str,
        first: int,
        last: int,
        at: float | None = None,
    ) -> None:
        """One GET that is being answered with bytes ``first``..``last`` (inclusive), at ``at``
        (seconds since the epoch; now when not given: replaying recorded traffic gives it)."""
        if len(self._pending) >= self._max_pending:
            self.dropped += 1
            return
        when = time.time() if at is None else at
        self._pending.append(
            (when, episode_id, size, duration, ip, user_agent, referer_host, first, last)
        )

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="analytics", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

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
        if not batch:
            return 0
        rows = [self._row(*pending) for pending in batch]
        del batch  # the addresses go with it
        with session_scope(self._sessions) as session:
            session.execute(insert(MediaRequest), rows)
            newest = max(row["at"] for row in rows)
            enqueue(
                session,
                job.KIND,
                {},
                run_at=newest + self._settle,
                dedupe_key=job.KIND,
                keep_queued=True,
            )
        return len(rows)

    def _row(
        self,
        at: float,
        episode_id: int,
        size: int,
        duration: float,
        ip: str,
        user_agent: str,
        referer_host: str,
        first: int,
        last: int,
    ) -> dict[str, Any]:
        when = datetime.fromtimestamp(at, UTC)
        agent = self._agents.classify(user_agent, referer_host, self._own_host)
        keys = self._keys.keys(ip, user_agent, when.date())
        return {
            "at": when,
            "episode_id": episode_id,
            "listener": keys.listener,
            "listener_prev": keys.listener_prev,
            "client": keys.client,
            "range_start": first,
            "range_end": last,
            "size": size,
            "duration": duration,
            "app": agent.name[:LABEL_LENGTH],
            "device": agent.device[:LABEL_LENGTH],
            "device_category": agent.device_category[:32],
            "bot": agent.is_bot,
            "processed": False,
        }
