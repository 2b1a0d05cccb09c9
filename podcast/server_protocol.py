"""uvicorn's httptools protocol, answering the app's direct routes from the parser callback.

A cached feed poll under plain uvicorn costs far more in the server than in the app: a scope
dict, an ``asyncio.Event``, a task, the proxy-headers middleware, ``send`` checking every
header against two regular expressions, a coroutine per message. The feed's answer is bytes
made when the feed was built, so :class:`DirectHttpToolsProtocol` writes them as soon as the
request's headers are parsed (docs/performance.md, "Server protocol"). It is what ``podcast
serve`` runs (``uvicorn --http``, the option meant for a protocol class of one's own).

It answers only when nothing else could be waiting: no response of this connection still
running or queued (pipelining keeps its order), the transport not paused for a slow reader,
no access log asked for, no upgrade, no ``root_path`` and no concurrency limit. Everything
else, and every request a route declines (a feed that must be rebuilt, a redirect, a POST),
goes to the ASGI app exactly as with uvicorn's own class. The answer carries uvicorn's
default headers (``date``, ``server``) and ``connection: close`` where uvicorn would add it,
its body goes with ``sendfile`` when the route keeps it in a file (``podcast.core.zero_copy``),
is counted by the app's observer like a fast route, and then ends like uvicorn's: keep-alive
timer, or the connection closed.
"""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from podcast.core import zero_copy
from podcast.core.observe import DirectRoute, RequestObserver

# uvicorn's ``--http`` takes "module:Class"; each worker process imports it.
HTTP_PROTOCOL = "podcast.server_protocol:DirectHttpToolsProtocol"

_END = b"\r\n"
_CLOSE_END = b"connection: close\r\n\r\n"
_SCOPES = {b"GET": {"method": "GET"}, b"HEAD": {"method": "HEAD"}}  # what the observer reads


class DirectHttpToolsProtocol(HttpToolsProtocol):
    # uvicorn replaces its default headers (``date``) with a new list every second: their
    # lines are joined once per list, not once per answer.
    _defaults_of: list[tuple[bytes, bytes]] | None = None
    _defaults: bytes = b""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        app = _direct_app(self.app)
        usable = (
            app is not None
            and not config.access_log  # ``podcast serve --access-log``: uvicorn logs each
            and not self.root_path
            and self.limit_concurrency is None
        )
        self._routes: dict[bytes, DirectRoute] = app.direct_routes if usable else {}
        self._observer: RequestObserver | None = getattr(app, "observer", None)
        self._answered = False  # the request being parsed was answered directly

    def on_message_begin(self) -> None:
        self._answered = False
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        route = self._routes.get(self.url) if self._routes else None
        if route is None or not self._free():
            super().on_headers_complete()
            return
        start = perf_counter()
        method = self.parser.get_method()
        answer = route(method, self.headers)
        if answer is None:
            super().on_headers_complete()
            return
        self._answered = True
        status, head, body, file = answer
        keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
        top = b"".join(
            (STATUS_LINE[status], self._default_lines(), head, _END if keep_alive else _CLOSE_END)
        )
        if file is None or not zero_copy.send(self.transport, top, body, file):
            self.transport.writelines((top, body))
        if not keep_alive:
            self.transport.close()
        self.on_response_complete()  # uvicorn's: counts it, arms the keep-alive timer
        observer = self._observer
        if observer is not None:
            scope = _SCOPES.get(method) or {"method": method.decode("ascii")}  # a route's choice
            observer.done(scope, self.url.decode("ascii"), status, start, len(body), 0)

    def on_body(self, body: bytes) -> None:
        if not self._answered:  # a body on a GET is read and dropped, as the route would
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._answered:
            super().on_message_complete()

    def _free(self) -> bool:
        """Nothing of this connection is in flight, so an answer now keeps the order."""
        cycle = self.cycle
        return (
            (cycle is None or cycle.response_complete)
            and not self.pipeline
            and not self.flow.write_paused
            and not self.transport.is_closing()
            and not self.parser.should_upgrade()
        )

    def _default_lines(self) -> bytes:
        defaults = self.server_state.default_headers
        cls = DirectHttpToolsProtocol
        if defaults is not cls._defaults_of:
            cls._defaults = b"".join(b"%s: %s\r\n" % pair for pair in defaults)
            cls._defaults_of = defaults
        return cls._defaults


def _direct_app(app: Any) -> Any:
    """The app with ``direct_routes`` (``podcast.fastpath.FastPathApp``) under uvicorn's
    wrappers (proxy headers, message logging), or None."""
    for _ in range(8):
        if hasattr(app, "direct_routes"):
            return app
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None
