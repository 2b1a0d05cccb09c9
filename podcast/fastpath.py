"""A FastAPI application that hands a few hot public paths to bare ASGI apps first.

FastAPI's own ``__call__`` consults the OpenTelemetry providers and then runs four middleware
layers, routing and dependency injection on every request. For the feed, which serves cached
bytes to thousands of polling apps, that machinery costs more than the work itself
(docs/performance.md, "Feed fast path"), so :attr:`FastPathApp.fast_routes` answer before
any of it. Prefix handlers (:attr:`FastPathApp.fast_prefixes`, the enclosures) answer only
the common case and hand anything else to the FastAPI route behind them.

It passes every response through :attr:`FastPathApp.send_wrappers` (HSTS on https) except
those of the fast routes, which send messages prepared with those headers already in them
(``podcast.core.security.hsts_headers``): a wrapper is one more coroutine and a copy of the
headers per message, about a third of the feed's own time per request (docs/performance.md,
"Feed fast path"). Every request goes through :attr:`FastPathApp.observer` (metrics, slow-request
and write logs; ``podcast.core.observe``) when there is one. Caches are not told about
writes here: the unit of work tells them after each commit that changed data
(``podcast.core.db.on_change``, registered in ``create_app``).
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from podcast.core.observe import DirectRoute, FastHandler, FastRoute, RequestObserver


class FastPathApp(FastAPI):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bare ASGI apps that return what they answered (podcast.core.observe.FastRoute).
        # They get the server's own ``send``: their answers carry the wrappers' headers.
        self.fast_routes: dict[str, FastRoute] = {}
        # By raw request target (b"/feed.xml"): answered by the server protocol from its
        # parser callback, before any ASGI, when they can (podcast.server_protocol).
        self.direct_routes: dict[bytes, DirectRoute] = {}
        # (path prefix, the route template metrics name it by, handler); a handler that
        # returns False has sent nothing and leaves the request to FastAPI.
        self.fast_prefixes: list[tuple[str, str, FastHandler]] = []
        self.send_wrappers: list[Callable[[Send], Send]] = []
        self.observer: RequestObserver | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            observer = self.observer
            route = self.fast_routes.get(path)
            if route is not None:
                if observer is None:
                    await route(scope, receive, send)
                    return
                # Timed here, not in a wrapper coroutine: one coroutine less per feed poll.
                start = perf_counter()
                status, sent = 500, 0  # what a route that raised counts as
                try:
                    status, sent = await route(scope, receive, send)
                finally:
                    observer.done(scope, path, status, start, sent, 0)
                return
            for wrap in self.send_wrappers:
                send = wrap(send)
            for prefix, template, handler in self.fast_prefixes:
                if not path.startswith(prefix):
                    continue
                if observer is not None:
                    if await observer.fast_prefix(scope, receive, send, handler, template):
                        return
                elif await handler(scope, receive, send):
                    return
            if observer is not None:
                await observer(scope, receive, send, self._framework)
                return
        await super().__call__(scope, receive, send)

    async def _framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)
