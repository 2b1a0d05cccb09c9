"""A cap on JSON request bodies.

FastAPI reads a JSON body whole, into memory, before any dependency runs (the token check
included), so without a cap anyone could make the service hold gigabytes. Audio uploads are
not affected: they stream with their own limits and never come as JSON. The cap stays above
the largest JSON that is a legitimate upload: a Podcasting 2.0 JSON transcript (10 MiB).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podcast.core.request_body import too_large

MAX_JSON_BYTES = 16 * 1024 * 1024


class JsonBodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_JSON_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        # Small by definition: read it here (up to the cap) and hand it on unchanged.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        replay: Message = {"type": "http.request", "body": bytes(body), "more_body": False}
        await self.app(scope, _replay([replay], then=receive), send)

    async def _refuse(self, send: Send) -> None:
        detail = too_large(self.max_bytes, "the JSON body").detail
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _is_json(scope: Scope) -> bool:
    content_type = (_header(scope, b"content-type") or b"").split(b";", 1)[0].strip().lower()
    return content_type == b"application/json" or content_type.endswith(b"+json")


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()  # after the body: only http.disconnect comes
        return {"type": "http.disconnect"}

    return receive
