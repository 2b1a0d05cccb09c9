"""``GET``/``HEAD /feed.xml`` as a bare ASGI app: cached bytes out with as little Python as
possible, because thousands of podcast apps poll it.

Per request: one lock-free cache lookup, one pass over the request headers, two ``send``
calls with headers prepared when the feed was built (HSTS included: fast routes get the
server's own ``send``, ``podcast.fastpath``). Like every fast route it returns the status and
body size it sent, for the metrics (``podcast.core.observe.FastRoute``). Under ``podcast
serve`` most polls do not even get that far: :meth:`FeedEndpoint.direct` gives the same
prepared bytes to the server protocol, which writes them from its parser callback
(``podcast.server_protocol``).

No Request object, no routing, no dependency injection: a default FastAPI route measured 47%
of nginx's requests/s for a 240 KB feed and 16% for 304s; a bare ASGI callable does much
better (docs/performance.md, "Feed fast path").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence

from anyio import to_thread
from starlette.datastructures import Headers, State
from starlette.types import Receive, Scope, Send

from podcast.core.compression import accepts_gzip
from podcast.core.conditional import none_match, not_modified
from podcast.core.cors import preflight_headers
from podcast.core.metrics import Metrics
from podcast.core.observe import Answered, DirectAnswer
from podcast.feed.cache import FeedCache, FeedEntry, Header, Prepared

log = logging.getLogger(__name__)

_EMPTY = {"type": "http.response.body", "body": b""}


def _unchanged(
    entry: FeedEntry, if_none_match: bytes | None, if_modified_since: bytes | None
) -> bool:
    """The 304 decision: exact byte matches first (what pollers echo back), then RFC parsing."""
    if if_none_match is not None:
        if if_none_match == entry.etag or if_none_match == entry.gzip_etag:
            return True
        value = if_none_match.decode("latin-1")
        return none_match(value, entry.etag.decode()) or none_match(value, entry.gzip_etag.decode())
    if if_modified_since is None or not entry.last_modified:
        return False
    if if_modified_since == entry.last_modified:
        return True
    modified = entry.modified_at
    assert modified is not None
    return not_modified(Headers(raw=[(b"if-modified-since", if_modified_since)]), "", modified)


class FeedEndpoint:
    """The feed from :class:`FeedCache` (found on ``app.state.feed_cache``); ``headers``
    go on the answers not prepared by the cache (405, 503, a redirect): HSTS on https."""

    def __init__(
        self, state: State, metrics: Metrics | None = None, headers: Sequence[Header] = ()
    ) -> None:
        self._state = state
        self._metrics = metrics  # a hit or miss is one addition (flushed before scrapes)
        self._headers = list(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Answered:
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            if method == "OPTIONS":  # a web player's CORS preflight (a conditional GET's)
                return await _preflight(send, self._headers)
            return await _answer(
                send,
                405,
                {"detail": "the feed answers GET, HEAD and OPTIONS"},
                [(b"allow", b"GET, HEAD, OPTIONS"), *self._headers],
            )
        cache: FeedCache = self._state.feed_cache
        entry = cache.current()
        metrics = self._metrics
        if entry is not None:
            if metrics is not None:
                metrics.feed_hits += 1
        else:
            if metrics is not None:
                metrics.feed_misses += 1
            try:
                entry = await to_thread.run_sync(cache.refresh)
            except Exception:
                log.exception("the feed could not be built")
                return await _answer(
                    send,
                    503,
                    {"detail": "the feed is unavailable, try again soon"},
                    [(b"retry-after", b"30"), *self._headers],
                )
        if entry.redirect_to is not None:
            return await _redirect(send, entry.redirect_to.encode(), self._headers)
        answer = choose(entry, scope["headers"])
        await send(answer.start)
        if method == "HEAD" or answer.status == 304:
            await send(_EMPTY)
            return answer.status, 0
        await send(answer.body_message)
        return 200, len(answer.body)

    def direct(self, method: bytes, headers: Sequence[Header]) -> DirectAnswer | None:
        """The same answer for the server protocol, when it needs nothing but the cache: a
        GET or HEAD while the entry is current and not a redirect; else None, and the request
        goes to :meth:`__call__`."""
        if method != b"GET" and method != b"HEAD":
            return None
        entry = self._state.feed_cache.current()
        if entry is None or entry.redirect_to is not None:
            return None
        if self._metrics is not None:
            self._metrics.feed_hits += 1
        answer = choose(entry, headers)
        if method == b"HEAD" or answer.status == 304:
            return answer.status, answer.head, b"", None
        return 200, answer.head, answer.body, answer.file


def choose(entry: FeedEntry, headers: Iterable[Header]) -> Prepared:
    """Which prepared answer a request gets: gzip or not, 304 or 200."""
    gzip = False
    if_none_match = if_modified_since = None
    for name, value in headers:
        if name == b"accept-encoding":
            gzip = accepts_gzip(value)
        elif name == b"if-none-match":
            if_none_match = value
        elif name == b"if-modified-since":
            if_modified_since = value
    if (if_none_match is not None or if_modified_since is not None) and _unchanged(
        entry, if_none_match, if_modified_since
    ):
        return entry.gzip_not_modified if gzip else entry.not_modified
    return entry.gzip if gzip else entry.plain


class PermanentRedirect:
    """A 301 to a fixed URL, for GET and HEAD (an old feed path, a moved feed)."""

    def __init__(self, location: str, headers: Sequence[Header] = ()) -> None:
        self._location = location.encode()
        self._headers = list(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Answered:
        return await _redirect(send, self._location, self._headers)


async def _redirect(send: Send, location: bytes, extra: list[Header]) -> Answered:
    headers: list[Header] = [
        (b"location", location),
        (b"content-length", b"0"),
        (b"cache-control", b"public, max-age=86400"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": 301, "headers": headers})
    await send(_EMPTY)
    return 301, 0


_PREFLIGHT: list[Header] = [
    (name.lower().encode(), value.encode()) for name, value in preflight_headers().items()
]


async def _preflight(send: Send, extra: list[Header]) -> Answered:
    await send({"type": "http.response.start", "status": 204, "headers": [*_PREFLIGHT, *extra]})
    await send(_EMPTY)
    return 204, 0


async def _answer(
    send: Send, status: int, payload: dict[str, str], extra: list[Header]
) -> Answered:
    body = json.dumps(payload).encode()
    headers: list[Header] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return status, len(body)
