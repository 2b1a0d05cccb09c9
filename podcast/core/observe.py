"""What every HTTP request leaves behind: metrics, and log lines for slow requests, server
errors and writes.

Runs around the whole application, the bare-ASGI fast paths included
(``podcast.fastpath.FastPathApp``, which times its fast routes itself rather than through a
wrapper coroutine), so it is written for their budget: one time call, one lookup of the
request's tally (which holds its prometheus-client children) and a few additions, then one
test before any logging; nothing is formatted unless a line is logged (docs/performance.md,
"Metrics observer"). There is no per-request access log here (``podcast serve
--access-log`` is uvicorn's).

Who made a write is the name of the producer token behind it, noted on the request's state by
the token and admin-session dependencies (:func:`note_producer`); lines never carry a client
address, a token or a cookie.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any

from starlette.requests import Request
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podcast.core.metrics import UNMATCHED, Metrics
from podcast.core.zero_copy import BodyFile

log = logging.getLogger("podcast.requests")

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
# Their 503s are answers, not failures (and /healthz logs why a check failed).
_OWN_ANSWERS = frozenset({"/healthz", "/readyz"})
_PRODUCER = "producer"  # key on the request's state (scope["state"])


def note_producer(request: Request, name: str) -> None:
    """Remember who the request is from, for the write log (the token's name, not the token)."""
    setattr(request.state, _PRODUCER, name)


def route_template(scope: Scope) -> str:
    """The matched route's template (``/api/episodes/{episode_id}``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


# What a fast route (``podcast.fastpath``) answered: (status, body bytes). Fast routes report
# it instead of having their ``send`` wrapped, which would cost them a coroutine per message.
Answered = tuple[int, int]
FastRoute = Callable[[Scope, Receive, Send], Awaitable[Answered]]
# What a direct route answers the server protocol (``podcast.server_protocol``): (status,
# header lines each ending in CRLF, body, the body in a file for sendfile or None); None
# hands the request to the ASGI app instead. It gets the method and the request's headers as
# the parser gave them (names in lower case).
DirectAnswer = tuple[int, bytes, bytes, BodyFile | None]
DirectRoute = Callable[[bytes, list[tuple[bytes, bytes]]], DirectAnswer | None]
# A prefix handler (the enclosures): True if it answered, False (nothing sent) to pass the
# request on. Its ``send`` is watched: a download's few large messages make that cheap.
FastHandler = Callable[[Scope, Receive, Send], Awaitable[bool]]


class _WatchedSend:
    """A ``send`` that notes the status and the body bytes that went through it."""

    __slots__ = ("_send", "sent", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500  # what an exception before the answer began becomes
        self.sent = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.sent += len(message.get("body", b""))
        await self._send(message)


class RequestObserver:
    """Counts each request and logs what is worth a line; see the module's docstring."""

    def __init__(self, metrics: Metrics | None, *, slow_request_ms: int) -> None:
        self.metrics = metrics
        self.slow_seconds = slow_request_ms / 1000
        self._record = metrics.record if metrics is not None else None

    async def fast_prefix(
        self, scope: Scope, receive: Receive, send: Send, handler: FastHandler, template: str
    ) -> bool:
        """Run a prefix handler; count the request only if it answered it."""
        start = perf_counter()
        watched = _WatchedSend(send)
        handled = False
        try:
            handled = await handler(scope, receive, watched)
        finally:
            if handled or watched.sent:
                self.done(scope, template, watched.status, start, watched.sent, 0)
        return handled

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        """Run ``app`` (FastAPI), watching what it sends and receives."""
        start = perf_counter()
        watched = _WatchedSend(send)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return message

        bodiless = scope["method"] in _NO_BODY
        try:
            await app(scope, receive if bodiless else counting_receive, watched)
        finally:
            self.done(scope, route_template(scope), watched.status, start, watched.sent, received)

    def done(
        self, scope: Scope, template: str, status: int, start: float, sent: int, received: int
    ) -> None:
        """Count one answered request (begun at ``start``, a ``perf_counter()``) and log it if
        it was slow, failed or a write. Fast routes are timed by ``FastPathApp`` and reported
        here. The common case (a quick read) is one time call, one tally and one test."""
        elapsed = perf_counter() - start
        method = scope["method"]
        if self._record is not None:
            self._record(template, method, status, elapsed, sent, received)
        if elapsed >= self.slow_seconds or status >= 500 or method not in _NO_BODY:
            _log_if_worth_it(scope, method, template, status, elapsed, self.slow_seconds)


def _log_if_worth_it(
    scope: Scope, method: str, template: str, status: int, elapsed: float, slow_seconds: float
) -> None:
    if elapsed >= slow_seconds or (status >= 500 and template not in _OWN_ANSWERS):
        _log_slow_or_failed(scope, method, template, status, elapsed)
    if status < 400 and method not in _NO_BODY:
        _log_write(scope, method, template, status)


def _fields(scope: Scope, method: str, template: str, status: int) -> dict[str, Any]:
    state = scope.get("state") or {}
    params = scope.get("path_params") or {}
    episode_id = str(params.get("episode_id", ""))
    return {
        "method": method,
        "route": template,
        "status": status,
        "producer": state.get(_PRODUCER),
        "episode_id": int(episode_id) if episode_id.isdigit() else None,
    }


def _log_slow_or_failed(
    scope: Scope, method: str, template: str, status: int, elapsed: float
) -> None:
    fields = _fields(scope, method, template, status)
    fields["duration_ms"] = round(elapsed * 1000, 1)
    if status >= 500:
        fields["event"] = "server_error"
        log.warning(
            "%s %s answered %d in %.0f ms", method, template, status, elapsed * 1000, extra=fields
        )
    else:
        fields["event"] = "slow_request"
        log.warning(
            "slow request: %s %s answered %d in %.0f ms",
            method,
            template,
            status,
            elapsed * 1000,
            extra=fields,
        )


def _log_write(scope: Scope, method: str, template: str, status: int) -> None:
    """One line per write that succeeded: who, what, which episode."""
    if not template.startswith(("/api/", "/admin")):
        return
    fields = _fields(scope, method, template, status)
    fields["event"] = "write"
    who = fields["producer"] or "no producer (signed out)"
    episode = f" episode {fields['episode_id']}" if fields["episode_id"] is not None else ""
    log.info("write: %s %s%s by %s (%d)", method, template, episode, who, status, extra=fields)
