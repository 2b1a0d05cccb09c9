"""A FastAPI application that hands a few hot public paths to bare ASGI apps first.

FastAPI's own ``__call__`` consults the OpenTelemetry providers and then runs four middleware
layers, routing and dependency injection on every request. For the feed, which serves cached
bytes to thousands of polling apps, that machinery costs more than the work itself
(docs/performance.md, "Feed fast path"), so :attr:`FastPathApp.fast_routes` answer before
any of it.

It passes every response through :attr:`FastPathApp.send_wrappers` (HSTS on https), fast
paths included, and every request through :attr:`FastPathApp.observer` (metrics, slow-request
and write logs; ``podcast.core.observe``) when there is one. Caches are not told about
writes here: the unit of work tells them after each commit that changed data
(``podcast.core.db.on_change``, registered in ``create_app``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from podcast.core.observe import FastRoute, RequestObserver


class FastPathApp(FastAPI):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bare ASGI apps that return what they answered (podcast.core.observe.FastRoute).
        self.fast_routes: dict[str, FastRoute] = {}
        self.send_wrappers: list[Callable[[Send], Send]] = []
        self.observer: RequestObserver | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for wrap in self.send_wrappers:
                send = wrap(send)
            path = scope["path"]
            route = self.fast_routes.get(path)
            observer = self.observer
            if observer is not None:
                if route is not None:
                    await observer.fast(scope, receive, send, route, path)
                else:
                    await observer(scope, receive, send, self._framework)
                return
            if route is not None:
                await route(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)
