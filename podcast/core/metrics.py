"""Prometheus metrics: what is counted, and how ``/metrics`` reads it back.

Counting must cost next to nothing on the fast paths (the feed is benchmarked against nginx),
so a request adds to plain integers kept per (route, method, status) (:meth:`Metrics.record`),
handed to prometheus-client's objects in batches (:meth:`Metrics.flush`); no lock is taken
and no string built per request. Labels are route *templates* (``/api/episodes/{episode_id}``),
never raw paths, and methods outside the known few are ``other``: a client cannot grow the series.

Several worker processes (``podcast serve --workers N``) each count into their own files in
``PROMETHEUS_MULTIPROC_DIR`` (set up by ``podcast serve``); :meth:`Metrics.exposition` then
adds them all up with prometheus-client's ``MultiProcessCollector``. What the database knows
(the job queue) is read at scrape time by a collector instead (:class:`JobsCollector`), so
every worker reports the same, true numbers.
"""

from __future__ import annotations

import asyncio
import logging
import os
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, inspect, text

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds. The feed and media answer in well under a millisecond to a few; uploads take long.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
DURATION_BUCKETS_INF = (*DURATION_BUCKETS, float("inf"))  # the histogram's, +Inf last
_FASTEST = DURATION_BUCKETS[0]  # most requests: bucket 0 without a bisect
# The label for requests no route matched (404s for unknown paths): never the raw path.
UNMATCHED = "unmatched"


class _Tally:
    """One (route, method, status)'s requests, bytes and durations since the last flush, with
    the prometheus-client children they go to: found with one lookup per request."""

    __slots__ = (
        "count",
        "counts",
        "duration_child",
        "received",
        "received_child",
        "requests_child",
        "sent",
        "sent_child",
        "total",
    )

    def __init__(self, requests: Any, sent: Any, received: Any, duration: Any) -> None:
        self.requests_child, self.sent_child, self.received_child = requests, sent, received
        self.duration_child = duration  # the route's histogram, shared by its tallies
        self.count = self.sent = self.received = 0
        self.counts = [0] * len(DURATION_BUCKETS_INF)  # per histogram bucket
        self.total = 0.0  # seconds

    def flush(self) -> None:
        if self.count:
            self.requests_child.inc(self.count)
            self.count = 0
        if self.sent:
            self.sent_child.inc(self.sent)
            self.sent = 0
        if self.received:
            self.received_child.inc(self.received)
            self.received = 0
        # prometheus-client's Histogram.observe, n observations at a time (its own fields;
        # tests/core/test_metrics.py checks the exposition against observe()).
        child = self.duration_child
        for i, n in enumerate(self.counts):
            if n:
                child._buckets[i].inc(n)
                self.counts[i] = 0
        if self.total:
            child._sum.inc(self.total)
            self.total = 0.0


class Metrics:
    """One application's metrics, in their own registry (tests build many apps).

    Requests are tallied in plain integers by :meth:`record` (on the event loop: the
    observer runs there) and handed to the prometheus-client objects by :meth:`flush`,
    before every scrape and, with several workers, every second: a request costs a few
    additions instead of four locked updates.
    """

    def __init__(self, *, multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "podcast_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.duration = Histogram(
            "podcast_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template.",
            ["route"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.received = Counter(
            "podcast_http_received_bytes",
            "Request body bytes received (uploads), by route template.",
            ["route"],
            registry=r,
        )
        self.sent = Counter(
            "podcast_http_sent_bytes",
            "Response body bytes sent (the feed, media downloads, pages), by route template.",
            ["route"],
            registry=r,
        )
        feed_cache = Counter(
            "podcast_feed_cache_requests",
            "Feed requests answered from the cached feed (hit) or after asking the database "
            "(miss: the feed was checked and rebuilt if it changed).",
            ["result"],
            registry=r,
        )
        self._feed_hit_child = feed_cache.labels(result="hit")
        self._feed_miss_child = feed_cache.labels(result="miss")
        self.feed_hits = self.feed_misses = 0  # since the last flush; the feed adds to them
        self.feed_builds = Counter(
            "podcast_feed_builds", "Times the feed XML was built from the database.", registry=r
        )
        if multiprocess_dir is None:
            ProcessCollector(registry=r)
        self._scraped: list[Collector] = []
        self._tallies: dict[tuple[str, str, int], _Tally] = {}
        self._durations: dict[str, Any] = {}  # route -> its histogram child

    def record(
        self, route: str, method: str, status: int, seconds: float, sent: int, received: int
    ) -> None:
        """One answered request. Call on the event loop only (no lock: :meth:`flush` too)."""
        tally = self._tallies.get((route, method, status)) or self._new_tally(route, method, status)
        tally.count += 1
        if sent:
            tally.sent += sent
        if received:
            tally.received += received
        if seconds <= _FASTEST:
            tally.counts[0] += 1
        else:
            tally.counts[bisect_left(DURATION_BUCKETS_INF, seconds)] += 1
        tally.total += seconds

    def _new_tally(self, route: str, method: str, status: int) -> _Tally:
        key = (route, method, status)
        if method not in METHODS:
            method = "other"
        duration = self._durations.get(route)
        if duration is None:
            duration = self._durations[route] = self.duration.labels(route=route)
        tally = _Tally(
            self.requests.labels(route=route, method=method, status=str(status)),
            self.sent.labels(route=route),
            # Only methods with a body get a series for it (no rows of zeros for GETs).
            None if method in _NO_BODY else self.received.labels(route=route),
            duration,
        )
        if len(self._tallies) < 10_000:  # bounded even if something unexpected varies
            self._tallies[key] = tally
        return tally

    def flush(self) -> None:
        """Hand what was tallied to prometheus-client (its files, with several workers).
        On the event loop only, like :meth:`record`."""
        for tally in list(self._tallies.values()):
            tally.flush()
        if self.feed_hits:
            self._feed_hit_child.inc(self.feed_hits)
            self.feed_hits = 0
        if self.feed_misses:
            self._feed_miss_child.inc(self.feed_misses)
            self.feed_misses = 0

    async def flush_every(self, seconds: float) -> None:
        """With several workers: each flushes on its own, so a scrape sees the others too."""
        while True:
            await asyncio.sleep(seconds)
            self.flush()

    def add_collector(self, collector: Collector) -> None:
        """A collector read at every scrape (what the database knows: the job queue)."""
        self._scraped.append(collector)
        if self.multiprocess_dir is None:
            self.registry.register(collector)

    def exposition(self) -> bytes:
        """The text format for ``/metrics``: this process's metrics, or every worker's.
        Call :meth:`flush` first (on the event loop); this may run in a worker thread."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)
        for collector in self._scraped:
            registry.register(collector)
        return generate_latest(registry)

    def process_exited(self) -> None:
        """Tell the multiprocess files this worker is gone (its live gauges stop counting)."""
        if self.multiprocess_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)

    @classmethod
    def from_environment(cls) -> Metrics:
        """Multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (``podcast serve``
        sets it for two or more workers, before they start and import prometheus-client)."""
        return cls(multiprocess_dir=os.environ.get(MULTIPROC_ENV) or None)


JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


class JobsCollector:
    """``podcast_jobs{status}`` and ``podcast_queue_depth``, counted in the ``jobs`` table at
    scrape time, so they are right whichever process queued or ran a job.

    Yields nothing while the table does not exist (before the job queue's migration) or the
    database does not answer; a scrape never fails because of it.
    """

    def __init__(self, engine: Callable[[], Engine], table: str = "jobs") -> None:
        self._engine = engine  # looked up at each scrape: the app makes it at start-up
        self._table = table

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not query the database

    def collect(self) -> Iterator[Metric]:
        try:
            with self._engine().connect() as connection:
                if not inspect(connection).has_table(self._table):
                    return
                rows = connection.execute(
                    text(f"SELECT status, COUNT(*) FROM {self._table} GROUP BY status")
                ).all()
        except Exception:
            log.warning("metrics: the jobs table could not be read", exc_info=True)
            return
        counts = dict.fromkeys(JOB_STATUSES, 0)
        counts.update({str(status): int(n) for status, n in rows})
        jobs = GaugeMetricFamily(
            "podcast_jobs", "Jobs in the queue's table, by status.", labels=["status"]
        )
        for status, n in sorted(counts.items()):
            jobs.add_metric([status], n)
        yield jobs
        yield GaugeMetricFamily(
            "podcast_queue_depth", "Jobs waiting to run (status queued).", value=counts["queued"]
        )
