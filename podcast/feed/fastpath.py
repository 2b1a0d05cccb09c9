"""A FastAPI application that hands a few hot public paths to bare ASGI apps first.

FastAPI's own ``__call__`` consults the OpenTelemetry providers and then runs four middleware
layers, routing and dependency injection on every request. For the feed, which serves cached
bytes to thousands of polling apps, that machinery costs more than the work itself
(docs/performance.md, "Feed fast path"), so :attr:`FastPathApp.fast_routes` answer before
any of it.

It also tells :attr:`FastPathApp.write_hooks` when a request that may have changed data
(any method but GET/HEAD/OPTIONS) succeeded, so caches can drop what they hold at once, and
passes every response through :attr:`FastPathApp.send_wrappers` (HSTS on https), fast paths
included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class FastPathApp(FastAPI):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fast_routes: dict[str, ASGIApp] = {}
        self.write_hooks: list[Callable[[], None]] = []
        self.send_wrappers: list[Callable[[Send], Send]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for wrap in self.send_wrappers:
                send = wrap(send)
            route = self.fast_routes.get(scope["path"])
            if route is not None:
                await route(scope, receive, send)
                return
            if scope["method"] not in _SAFE and self.write_hooks:
                send = self._watch(send)
        await super().__call__(scope, receive, send)

    def _watch(self, send: Send) -> Send:
        hooks = self.write_hooks

        async def watched(message: Message) -> None:
            # The session commits before the response starts (SessionDep scope="function").
            if message["type"] == "http.response.start" and message["status"] < 400:
                for hook in hooks:
                    hook()
            await send(message)

        return watched
