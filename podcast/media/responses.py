"""Serving stored files to podcast apps: ranges, validators and throughput.

Callers name a storage key (proxy delivery; a redirect to the store is
``podcast.media.delivery``). A local backend (the ``LocalFiles`` capability, ``local_path``,
used here only) is served from its file, the fast path below; any other backend is streamed
from ``Storage.open`` (:class:`StreamedResponse`: whole, or one range).

For local files Starlette's ``FileResponse`` does the range logic; this subclass makes it fast
enough and a little more forgiving:

* 1 MiB chunks instead of 64 KiB: full downloads go from ~22% to ~100% of nginx here
  (docs/performance.md, "Audio downloads and ranges");
* a single range is read with ``os.pread`` on one descriptor, one worker-thread hop per chunk
  instead of open/seek/read/close hops;
* a Range header we cannot parse is ignored (full 200), as RFC 9110 14.2 allows, instead of 400.
"""

from __future__ import annotations

import os
from datetime import datetime

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import (
    FileResponse,
    MalformedRangeHeader,
    PlainTextResponse,
    RangeNotSatisfiable,
    Response,
)
from starlette.types import Message, Receive, Scope, Send

from podcast.core.conditional import http_date, match_failed, not_modified
from podcast.core.cors import ALLOW_ORIGIN
from podcast.core.errors import PreconditionFailed
from podcast.media.storage import Storage

# Web players fetch audio and art from other origins, in ranges (docs/standards.md, "CORS").
MEDIA_CORS = {
    **ALLOW_ORIGIN,
    "Access-Control-Expose-Headers": "Content-Range, Content-Length, Accept-Ranges, ETag",
}


def _not_satisfiable(size: int) -> PlainTextResponse:
    return PlainTextResponse(
        status_code=416, headers={"Content-Range": f"bytes */{size}", **MEDIA_CORS}
    )


class MediaResponse(FileResponse):
    """A local file, whole or one range, with as little Python per request as possible.

    Built by :func:`serve_file` for the media route and for the enclosure fast path alike
    (docs/performance.md, "Audio downloads and ranges"): headers are made once as raw bytes
    (``FileResponse.__init__`` would hash the mtime and format dates per request), the request
    headers are read in one pass, and a range that fits in one chunk is one ``pread`` in one
    worker-thread hop, with no disconnect listener. Several ranges (multipart) go to Starlette.
    """

    chunk_size = 1024 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        size: int,
        validators: dict[str, str],
        media_type: str,
        stat_result: os.stat_result | None = None,
    ) -> None:
        self.path = path
        self.size = size
        self.status_code = 200
        self.filename = None
        self.media_type = media_type
        self.background = None
        self.stat_result = stat_result
        # The order of the headers Starlette's FileResponse sent: validators, type, length.
        self.raw_headers = [
            *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in
              validators.items()),
            (b"content-type", media_type.encode("latin-1")),
            (b"content-length", str(size).encode("latin-1")),
        ]  # fmt: skip
        self._etag = validators.get("ETag")
        self._last_modified = validators.get("Last-Modified")

    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
        try:
            return super()._parse_range_header(http_range, file_size)
        except MalformedRangeHeader:
            return []

    def _should_use_range(self, http_if_range: str) -> bool:
        return not http_if_range.startswith("W/") and http_if_range in (
            self._etag,
            self._last_modified,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        http_range = if_range = None
        for name, value in scope["headers"]:
            if name == b"range":
                http_range = value.decode("latin-1")
            elif name == b"if-range":
                if_range = value.decode("latin-1")
        ranges: list[tuple[int, int]] = []
        if (
            http_range is not None
            and method in ("GET", "HEAD")
            and (if_range is None or self._should_use_range(if_range))
        ):
            try:
                ranges = self._parse_range_header(http_range, self.size)
            except RangeNotSatisfiable:
                return await _not_satisfiable(self.size)(scope, receive, send)
        if len(ranges) > 1:  # multipart/byteranges: rare, left to Starlette
            if self.stat_result is None:
                self.stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
            return await super().__call__(scope, receive, send)
        if ranges:
            start, end = ranges[0]
            status, headers = (
                206,
                [
                    *self.raw_headers[:-1],
                    (b"content-length", str(end - start).encode("latin-1")),
                    (b"content-range", f"bytes {start}-{end - 1}/{self.size}".encode("latin-1")),
                ],
            )
        else:
            status, headers, start, end = 200, self.raw_headers, 0, self.size
        # The start message goes out right before the first chunk, not before the read: the
        # headers and the bytes then leave together instead of waking the client twice.
        start_message = {"type": "http.response.start", "status": status, "headers": headers}
        if method == "HEAD" or start == end:
            await send(start_message)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        elif end - start <= self.chunk_size:
            # The common case (apps read 64 KiB to 1 MiB at a time): one worker-thread hop.
            chunk = await anyio.to_thread.run_sync(_read_range, self.path, start, end - start)
            await send(start_message)
            await send({"type": "http.response.body", "body": chunk, "more_body": False})
        else:
            await self._send_chunks(scope, receive, send, start_message, start, end)
        if self.background is not None:
            await self.background()

    async def _send_chunks(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        start_message: Message,
        start: int,
        end: int,
    ) -> None:
        """Several chunks from one descriptor; stops when the client goes away (ASGI < 2.4
        servers keep accepting ``send`` after a disconnect, so ``receive`` is watched)."""
        fd = await anyio.to_thread.run_sync(os.open, self.path, os.O_RDONLY)
        try:
            if _spec_version(scope) >= (2, 4):
                await self._stream(send, fd, start_message, start, end)
                return
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    await self._stream(send, fd, start_message, start, end)
                    group.cancel_scope.cancel()

                async def watch() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    group.cancel_scope.cancel()

                group.start_soon(stream)
                group.start_soon(watch)
        finally:
            os.close(fd)

    async def _stream(
        self, send: Send, fd: int, start_message: Message | None, start: int, end: int
    ) -> None:
        while start < end:
            size = min(self.chunk_size, end - start)
            chunk = await anyio.to_thread.run_sync(os.pread, fd, size, start)
            if not chunk:
                raise RuntimeError(f"{self.path} is shorter than expected")
            if start_message is not None:
                await send(start_message)
                start_message = None
            start += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": start < end})


def _read_range(path: str | os.PathLike[str], start: int, length: int) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        chunk = os.pread(fd, length, start)
    finally:
        os.close(fd)
    if len(chunk) != length:
        raise RuntimeError(f"{path} is shorter than expected")
    return chunk


def _spec_version(scope: Scope) -> tuple[int, ...]:
    return tuple(map(int, scope.get("asgi", {}).get("spec_version", "2.0").split(".")))


class StreamedResponse(Response):
    """A stored key streamed from ``Storage.open``: whole (200), or one range (206).

    For backends without local files. Several ranges are answered with the whole file, as
    RFC 9110 14.2 allows; an unparsable Range header too.
    """

    chunk_size = 1024 * 1024

    def __init__(
        self, storage: Storage, key: str, size: int, headers: dict[str, str], media_type: str
    ) -> None:
        super().__init__(headers=headers, media_type=media_type)
        self.storage = storage
        self.key = key
        self.size = size
        self.headers["content-length"] = str(size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Headers(scope=scope)
        header_only = scope["method"].upper() == "HEAD"
        http_range = request.get("range")
        if_range = request.get("if-range")
        ranges: list[tuple[int, int]] = []
        if http_range is not None and (
            if_range is None
            or if_range in (self.headers.get("etag"), self.headers.get("last-modified"))
        ):
            try:
                ranges = MediaResponse._parse_range_header(http_range, self.size)
            except RangeNotSatisfiable:
                return await _not_satisfiable(self.size)(scope, receive, send)
        headers = MutableHeaders(raw=list(self.raw_headers))
        status, start, end = 200, 0, self.size
        if len(ranges) == 1:
            status, (start, end) = 206, ranges[0]
            headers["content-range"] = f"bytes {start}-{end - 1}/{self.size}"
            headers["content-length"] = str(end - start)
        await send({"type": "http.response.start", "status": status, "headers": headers.raw})
        if header_only or start == end:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        stream = await anyio.to_thread.run_sync(self.storage.open, self.key, (start, end))
        try:
            while start < end:
                chunk = await anyio.to_thread.run_sync(
                    stream.read, min(self.chunk_size, end - start)
                )
                if not chunk:
                    raise RuntimeError(f"{self.key} is shorter than expected")
                start += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": start < end})
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(stream.close)


def serve_file(
    request_headers: Headers,
    storage: Storage,
    key: str,
    *,
    size: int,
    etag: str,
    last_modified: datetime,
    media_type: str,
    cache_control: str,
) -> Response:
    """A 304 when the client's copy is current, else the stored key (whole or ranged).

    Raises :class:`PreconditionFailed` (412) when ``If-Match`` names another version: a
    client resuming a download must not splice bytes of a replaced file onto its copy.
    Raises ``FileNotFoundError`` or ``RuntimeError`` when the stored object is gone or its size
    is not the one the database names (replaced meanwhile).
    """
    failed = match_failed(request_headers, etag, last_modified)
    if failed is not None:
        raise PreconditionFailed(
            f"the file is now version {etag}; fetch it again without this header",
            field=failed,
        )
    validators = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Cache-Control": cache_control,
        "Accept-Ranges": "bytes",
        **MEDIA_CORS,
    }
    if not_modified(request_headers, etag, last_modified):
        return Response(status_code=304, headers=validators)
    local_path = getattr(storage, "local_path", None)  # LocalFiles (isinstance is slow here)
    if local_path is not None:
        # The local optimisation (and the only use of LocalFiles): pread on the file itself.
        path = local_path(key)
        stat = os.stat(path)
        if stat.st_size != size:
            raise RuntimeError(f"{path} has {stat.st_size} bytes, the database says {size}")
        return MediaResponse(
            path, size=size, validators=validators, media_type=media_type, stat_result=stat
        )
    found = storage.stat(key)
    if found is None:
        raise FileNotFoundError(key)
    if found.size != size:
        raise RuntimeError(f"{key} has {found.size} bytes, the database says {size}")
    return StreamedResponse(storage, key, size, validators, media_type)
