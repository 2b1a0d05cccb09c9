"""A FastAPI application that hands a few hot public paths to bare ASGI apps first.

FastAPI's own ``__call__`` consults the OpenTelemetry providers and then runs four middleware
layers, routing and dependency injection on every request. For the feed, which serves cached
bytes to thousands of polling apps, that machinery costs more than the work itself
(docs/performance.md, "Feed fast path"), so :attr:`FastPathApp.fast_routes` answer before
any of it.

Prefix handlers (:attr:`FastPathApp.fast_prefixes`, the enclosures) answer only the common
case and hand anything else to the FastAPI route behind them.

It passes every response through :attr:`FastPathApp.send_wrappers` (HSTS on https), fast
paths included. Caches are not told about writes here: the unit of work tells them after each
commit that changed data (``podcast.core.db.on_change``, registered in ``create_app``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

# Answers a request under its prefix if it can; False (nothing sent) hands it to FastAPI.
FastHandler = Callable[[Scope, Receive, Send], Awaitable[bool]]


class FastPathApp(FastAPI):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fast_routes: dict[str, ASGIApp] = {}
        self.fast_prefixes: list[tuple[str, FastHandler]] = []
        self.send_wrappers: list[Callable[[Send], Send]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for wrap in self.send_wrappers:
                send = wrap(send)
            path = scope["path"]
            route = self.fast_routes.get(path)
            if route is not None:
                await route(scope, receive, send)
                return
            for prefix, handler in self.fast_prefixes:
                if path.startswith(prefix) and await handler(scope, receive, send):
                    return
        await super().__call__(scope, receive, send)
