"""The built feed, kept with its gzip copy and validators until the published data changes.

When is the cached feed rebuilt?

* **This process changed something** (any successful non-GET request): :meth:`invalidate`
  marks it dirty and the next request rebuilds it, so a producer sees a change at once.
* **Another replica or the CLI changed something**: at most every
  ``cache_check_interval`` seconds (default 1 s: the staleness window) a request compares the
  database's :class:`Fingerprint` with the cached one and rebuilds only if they differ.
* **A scheduled episode's time comes**: the entry expires at the fingerprint's
  ``next_publish`` by the app's clock; no restart, no cron.

``Last-Modified`` follows the bytes: a rebuild that gives the same bytes (a draft or a scheduled
episode edited, say) keeps the entry's date, so ``If-Modified-Since`` pollers keep getting 304s;
one that gives new bytes never keeps an older or equal date (issue 14). The first build in a
process takes the fingerprint's date, which leaves scheduled episodes out, so replicas agree.

Everything here runs in a worker thread (:meth:`refresh`), never on the event loop; a
``threading.Lock`` rather than an asyncio one, because tests serve one app from two loops.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from starlette.types import Message

from podcast.core.clock import Clock
from podcast.core.compression import compress
from podcast.core.conditional import http_date
from podcast.core.db import Sessions, session_scope
from podcast.core.security import hsts_headers
from podcast.core.settings import Settings
from podcast.core.zero_copy import BodyFile, spill
from podcast.feed.builder import build_feed
from podcast.feed.data import FeedData, Fingerprint, fingerprint, load_feed_data
from podcast.shows.service import get_default_show

log = logging.getLogger(__name__)

CONTENT_TYPE = b"application/rss+xml; charset=utf-8"

Header = tuple[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Prepared:
    """One of the feed's answers, made once in the two forms it is sent in: ASGI messages
    for the fast route (``podcast.feed.serve.FeedEndpoint``), raw header lines for the
    server protocol that answers before ASGI (``podcast.server_protocol``)."""

    status: int
    start: Message
    body: bytes  # what a GET carries (empty for a 304)
    body_message: Message
    head: bytes  # the header lines, each ending in CRLF, without the status line
    file: BodyFile | None = None  # the body for sendfile (podcast.core.zero_copy), if kept


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One built feed, with every response's headers prepared once."""

    body: bytes
    gzip_body: bytes
    etag: bytes
    gzip_etag: bytes
    last_modified: bytes
    modified_at: datetime | None  # what ``last_modified`` says, for If-Modified-Since
    fingerprint: Fingerprint
    redirect_to: str | None
    expires_at: datetime | None  # next scheduled publish time (app clock)
    check_after: float  # time.monotonic() after which the database is asked again
    # Every answer, made once: the hot paths only pick one and send it.
    plain: Prepared
    gzip: Prepared
    not_modified: Prepared
    gzip_not_modified: Prepared


def _etag(data: bytes, suffix: str = "") -> bytes:
    return f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}{suffix}"'.encode()


def make_entry(
    body: bytes,
    fp: Fingerprint,
    *,
    redirect_to: str | None,
    max_age: int,
    check_after: float,
    modified: datetime | None = None,
    headers: Sequence[Header] = (),
    spill_to: Path | None = None,
) -> FeedEntry:
    """``modified`` defaults to the fingerprint's ``last_modified``; ``headers`` go on every
    answer (HSTS: the feed's ``send`` is not wrapped, ``podcast.fastpath``); with
    ``spill_to``, the bodies are also kept in unnamed files there, for ``sendfile``."""
    # mtime=0: the same bytes compress to the same bytes on every replica.
    gzip_body = compress(body)
    etag, gzip_etag = _etag(body), _etag(body, "-gzip")
    if modified is None:
        modified = fp.last_modified
    last_modified = http_date(modified).encode() if modified else b""
    common: list[Header] = [
        (b"cache-control", f"public, max-age={max_age}".encode()),
        (b"vary", b"Accept-Encoding"),
        (b"access-control-allow-origin", b"*"),
    ]
    if last_modified:
        common.append((b"last-modified", last_modified))
    common.extend(headers)

    def full(data: bytes, tag: bytes, extra: list[Header]) -> list[Header]:
        return [
            (b"content-type", CONTENT_TYPE),
            (b"content-length", str(len(data)).encode()),
            (b"etag", tag),
            *common,
            *extra,
        ]

    return FeedEntry(
        body=body,
        gzip_body=gzip_body,
        etag=etag,
        gzip_etag=gzip_etag,
        last_modified=last_modified,
        modified_at=modified,
        fingerprint=fp,
        redirect_to=redirect_to,
        expires_at=fp.next_publish,
        check_after=check_after,
        plain=_prepare(200, full(body, etag, []), body, spill_to),
        gzip=_prepare(
            200, full(gzip_body, gzip_etag, [(b"content-encoding", b"gzip")]), gzip_body, spill_to
        ),
        not_modified=_prepare(304, [(b"etag", etag), *common]),
        gzip_not_modified=_prepare(304, [(b"etag", gzip_etag), *common]),
    )


def _prepare(
    status: int, headers: list[Header], body: bytes = b"", spill_to: Path | None = None
) -> Prepared:
    return Prepared(
        status=status,
        start={"type": "http.response.start", "status": status, "headers": headers},
        body=body,
        body_message={"type": "http.response.body", "body": body},
        head=b"".join(b"%s: %s\r\n" % pair for pair in headers),
        file=spill(body, spill_to) if spill_to is not None and body else None,
    )


class FeedCache:
    """The current :class:`FeedEntry`; read lock-free, replaced whole by :meth:`refresh`."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        sessions: Sessions,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        on_build: Callable[[], object] | None = None,
    ) -> None:
        self.settings = settings
        self._on_build = on_build  # a metric (podcast_feed_builds_total)
        self.clock = clock
        self._sessions = sessions
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._headers = hsts_headers(settings.base_url)
        self._show_id: int | None = None
        self.entry: FeedEntry | None = None
        self.dirty = False
        self.builds = 0  # for tests and the benchmark: how often the feed was built

    def invalidate(self) -> None:
        """Something was written through this process: rebuild on the next request."""
        self.dirty = True

    def current(self) -> FeedEntry | None:
        """The entry if it may be served without asking the database, else None."""
        entry = self.entry
        if entry is None or self.dirty or self._monotonic() >= entry.check_after:
            return None
        # The app's clock only when an episode is scheduled: most polls skip the datetime.
        if entry.expires_at is not None and self.clock.now() >= entry.expires_at:
            return None
        return entry

    def refresh(self) -> FeedEntry:
        """Check the fingerprint and rebuild if needed. Blocking: call it in a worker thread.

        If the database fails and an older feed exists, that feed keeps being served (podcast
        apps treat errors as "feed gone") and the check is retried after the interval.
        """
        with self._lock:
            entry = self.current()
            if entry is not None:
                return entry  # another thread refreshed while this one waited
            try:
                entry = self._refresh()
            except Exception:
                if self.entry is None:
                    raise
                log.exception("feed refresh failed; serving the feed built before")
                entry = replace(self.entry, check_after=self._deadline())
            self.entry = entry
            return entry

    def _deadline(self) -> float:
        return self._monotonic() + self.settings.cache_check_interval

    def _refresh(self) -> FeedEntry:
        dirty, self.dirty = self.dirty, False  # cleared first: a write during the build re-marks
        now = self.clock.now()
        with session_scope(self._sessions) as session:
            if self._show_id is None:
                self._show_id = get_default_show(session, self.settings).id
            current = fingerprint(session, self._show_id, now)
            old = self.entry
            if old is not None and not dirty and old.fingerprint == current:
                return replace(old, check_after=self._deadline(), expires_at=current.next_publish)
            data = load_feed_data(session, self.settings, now, current)
        return self.build(data)

    def build(self, data: FeedData) -> FeedEntry:
        body = build_feed(
            data,
            base_url=self.settings.base_url,
            feed_url=self.settings.feed_url,
            hubs=self.settings.websub_hubs,
        )
        self.builds += 1
        if self._on_build is not None:
            self._on_build()
        redirect = data.show.new_feed_url if self.settings.feed_redirect else None
        old = self.entry
        if old is not None and old.body == body and old.redirect_to == redirect:
            # Same bytes: same validators, and no new gzip copy either.
            return replace(
                old,
                fingerprint=data.fingerprint,
                expires_at=data.fingerprint.next_publish,
                check_after=self._deadline(),
            )
        return make_entry(
            body,
            data.fingerprint,
            redirect_to=redirect,
            max_age=self.settings.feed_max_age,
            check_after=self._deadline(),
            modified=self._modified(data.fingerprint, old),
            headers=self._headers,
            spill_to=self.settings.data_dir,
        )

    def _modified(self, fp: Fingerprint, old: FeedEntry | None) -> datetime | None:
        """New bytes get a date after the old one's: an episode moved back into the future
        leaves the feed without a change the fingerprint's date can see."""
        modified = fp.last_modified
        if old is None or old.modified_at is None:
            return modified
        if modified is None or modified <= old.modified_at:
            return max(self.clock.now(), old.modified_at + timedelta(seconds=1))
        return modified
