"""The bytes-bounded render cache: size bound, LRU eviction, and one build per key."""

from __future__ import annotations

import threading
import time

from podcast.core.caching import SizedCache


def test_holds_at_most_max_bytes_evicting_the_least_recently_used() -> None:
    cache: SizedCache[bytes] = SizedCache(100, len)
    for key in "abcd":
        cache.get_or_build(key, lambda: b"x" * 30)
    assert cache.size == 90 and cache.get("a") is None
    assert cache.get("b") is not None  # now the most recently used
    cache.get_or_build("e", lambda: b"x" * 30)
    assert cache.get("c") is None and cache.get("b") is not None
    assert cache.size <= 100


def test_a_value_larger_than_the_cache_is_returned_but_not_kept() -> None:
    cache: SizedCache[bytes] = SizedCache(100, len)
    cache.get_or_build("small", lambda: b"s")
    assert cache.get_or_build("huge", lambda: b"h" * 101) == b"h" * 101
    assert cache.get("huge") is None and cache.get("small") == b"s"


def test_parallel_misses_build_once() -> None:
    cache: SizedCache[bytes] = SizedCache(1000, len)
    calls: list[int] = []

    def build() -> bytes:
        calls.append(1)
        time.sleep(0.05)
        return b"rendered"

    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_build("k", build)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [b"rendered"] * 4
    assert len(calls) == 1 and cache.builds == 1


def test_a_failed_build_is_not_cached_and_can_be_retried() -> None:
    cache: SizedCache[bytes] = SizedCache(1000, len)

    def broken() -> bytes:
        raise RuntimeError("database went away")

    try:
        cache.get_or_build("k", broken)
    except RuntimeError:
        pass
    assert cache.get_or_build("k", lambda: b"ok") == b"ok"
