"""A bounded in-process cache for rendered output, keyed by a content fingerprint.

Why: rendering a large transcript costs CPU and memory, and the same output is asked for again
and again until the transcript changes. Keys carry a digest of the content (as the feed's
fingerprint does), so an entry can never be stale and every replica computes the same key.
The bound is in bytes, not entries, so a few huge transcripts cannot grow the process.

Concurrent misses for one key are built once while the others wait ("single flight"), and at
most ``builders`` builds run at a time, so parallel requests for a cold 100,000-cue transcript
do not multiply the peak memory. Blocking: call it from worker threads, never the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

V = TypeVar("V")


class SizedCache(Generic[V]):
    """An LRU of values whose total ``sizeof`` stays under ``max_bytes``."""

    def __init__(self, max_bytes: int, sizeof: Callable[[V], int], *, builders: int = 2) -> None:
        self.max_bytes = max_bytes
        self._cache: LRUCache[Hashable, V] = LRUCache(maxsize=max_bytes, getsizeof=sizeof)
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}
        self._builders = threading.BoundedSemaphore(builders)
        self.builds = 0  # for tests and benchmarks: how many values were made

    @property
    def size(self) -> int:
        """Bytes held now (by ``sizeof``)."""
        return int(self._cache.currsize)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            return self._cache.get(key)

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        """The cached value, or ``build()``'s, made once however many threads ask together."""
        with self._lock:
            value = self._cache.get(key)
            if value is not None:
                return value
            flight = self._flights.setdefault(key, threading.Lock())
        try:
            with flight:
                with self._lock:
                    value = self._cache.get(key)
                if value is not None:
                    return value  # built by the thread this one waited for
                with self._builders:
                    value = build()
                with self._lock:
                    self.builds += 1
                    if self._cache.getsizeof(value) <= self.max_bytes:
                        self._cache[key] = value
                return value
        finally:
            with self._lock:
                if self._flights.get(key) is flight and not flight.locked():
                    del self._flights[key]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
