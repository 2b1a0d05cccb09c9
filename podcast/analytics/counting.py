"""Turning recorded enclosure requests into downloads, by the IAB Podcast Measurement
Technical Guidelines v2.2 (docs/analytics.md, "Counting").

Pure: no database, no clock. :class:`Counter` is fed requests in time order and keeps the
open 24-hour windows between runs (the job stores them), so counting is incremental and a
request is looked at once.

* One listener is one (IP, User-Agent) pair, known here only by keyed hashes (``listener``
  under the salt of the request's day, ``listener_prev`` under the day before's), so the
  rolling window can span midnight: a request finds a window its listener opened yesterday
  through ``listener_prev``.
* A window opens at a listener's first request for an episode and lasts 24 hours (rolling,
  not a calendar day); every range they ask for inside it adds to the same window.
* The window counts one download once its ranges together cover a minute of audio (bytes per
  second from the file's size and duration) or the whole file, whichever is smaller.
* Not counted at all: known bots, requests for at most two bytes (``bytes=0-1``: Apple's
  probe), HEAD requests (recorded as empty ranges), and every request from a client (an IP,
  any User-Agent) once it has made more than ``max_client_requests`` in 24 hours.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

DAY_SECONDS = 24 * 3600
MINUTE_SECONDS = 60
# Fewer bytes than this in one request is a probe, not listening (IAB v2.2: bytes=0-1).
PROBE_BYTES = 2
# A client (one IP) asking more often than this in 24 hours is not a person listening: a
# crawler behind a browser's User-Agent, a misbehaving app, a flood.
MAX_CLIENT_REQUESTS = 2000


class Request(NamedTuple):
    """One recorded enclosure request (times in seconds since the epoch, bytes inclusive).

    A named tuple, not a dataclass: a million are made per run, straight from database rows."""

    at: float
    episode_id: int
    listener: str
    listener_prev: str
    client: str
    start: int
    end: int  # inclusive; end < start for a request that asked for no bytes (HEAD)
    size: int  # the file's size
    duration: float  # the file's duration in seconds
    app: str
    device: str
    device_category: str
    bot: bool = False


@dataclass(frozen=True, slots=True)
class Download:
    episode_id: int
    at: float  # when the listener started (the window's first request)
    app: str
    device: str
    device_category: str


@dataclass(slots=True)
class Window:
    """A listener's 24 hours with an episode: the byte ranges asked for, merged."""

    listener: str
    episode_id: int
    started: float
    counted: bool = False
    # Disjoint, sorted, inclusive (start, end) pairs.
    ranges: list[tuple[int, int]] = field(default_factory=list)
    # Bytes the ranges cover, kept up to date by add().
    covered: int = -1

    def __post_init__(self) -> None:
        if self.covered < 0:
            self.covered = sum(end - start + 1 for start, end in self.ranges)

    def add(self, start: int, end: int) -> None:
        ranges = self.ranges
        i = bisect.bisect_left(ranges, (start, start))
        if i > 0 and ranges[i - 1][1] >= start - 1:
            i -= 1
        j = i
        replaced = 0
        while j < len(ranges) and ranges[j][0] <= end + 1:
            replaced += ranges[j][1] - ranges[j][0] + 1
            start = min(start, ranges[j][0])
            end = max(end, ranges[j][1])
            j += 1
        ranges[i:j] = [(start, end)]
        self.covered += end - start + 1 - replaced


def needed_bytes(size: int, duration: float) -> int:
    """Bytes that make a download: one minute of audio at the file's average rate, or the
    whole file when it is shorter (or its duration unknown)."""
    if duration <= 0:
        return size
    return min(size, int(size / duration * MINUTE_SECONDS))


class Counter:
    """Feed requests in time order; collect :attr:`downloads`. :meth:`open_windows` and the
    ``windows`` argument carry the state from one run to the next."""

    def __init__(
        self,
        windows: Iterable[Window] = (),
        *,
        max_client_requests: int = MAX_CLIENT_REQUESTS,
        client_history: Iterable[tuple[str, float]] = (),
    ) -> None:
        self._windows: dict[tuple[str, int], Window] = {
            (w.listener, w.episode_id): w for w in windows
        }
        self._max_client_requests = max_client_requests
        self._clients: dict[str, deque[float]] = {}
        for client, at in client_history:
            self._clients.setdefault(client, deque()).append(at)
        self.downloads: list[Download] = []
        self.ignored = {"bot": 0, "probe": 0, "flood": 0}

    def feed(self, requests: Iterable[Request]) -> None:
        for request in requests:
            self._one(request)

    def _flooding(self, client: str, at: float) -> bool:
        seen = self._clients.get(client)
        if seen is None:
            seen = self._clients[client] = deque()
        horizon = at - DAY_SECONDS
        while seen and seen[0] <= horizon:
            seen.popleft()
        seen.append(at)
        return len(seen) > self._max_client_requests

    def _one(self, request: Request) -> None:
        # One unpacking instead of a dozen attribute reads: this runs a million times a run.
        (at, episode_id, listener, prev, client, start, end, size, duration, app, device,
         category, bot) = request  # fmt: skip
        if bot:
            self.ignored["bot"] += 1
            return
        if self._flooding(client, at):
            self.ignored["flood"] += 1
            return
        if end - start + 1 <= PROBE_BYTES:
            self.ignored["probe"] += 1
            return
        windows = self._windows
        key = (listener, episode_id)
        window = windows.get(key)
        if window is None:
            # Opened yesterday, under yesterday's salt: carry it over to today's key.
            window = windows.pop((prev, episode_id), None)
            if window is not None:
                window.listener = listener
                windows[key] = window
        if window is None or at - window.started >= DAY_SECONDS:
            window = windows[key] = Window(listener, episode_id, at)
        window.add(start if start > 0 else 0, end if end < size else size - 1)
        if not window.counted and window.covered >= needed_bytes(size, duration):
            window.counted = True
            self.downloads.append(Download(episode_id, window.started, app, device, category))

    def open_windows(self, now: float) -> Iterator[Window]:
        """Windows that later requests may still join (younger than 24 hours at ``now``)."""
        return (w for w in self._windows.values() if now - w.started < DAY_SECONDS)

    def client_history(self, now: float) -> Iterator[tuple[str, float]]:
        """The last 24 hours of each client's request times, for the next run's flood rule."""
        for client, seen in self._clients.items():
            for at in seen:
                if now - at < DAY_SECONDS:
                    yield client, at
