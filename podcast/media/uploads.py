"""Receiving upload bodies: streamed into the storage's staging area, hashed on the way.

The body is never held in memory: at most one write buffer (1 MiB) is. Writing and hashing run in a
worker thread (both release the GIL), so the event loop keeps receiving while the disk works.
Multipart bodies are parsed as they stream, and the ``file`` part is written once, straight to
the staging sink (Starlette's form parser would spool it to a second temp file first).
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import AsyncIterable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

from podcast.core.errors import BadRequest, Invalid
from podcast.core.request_body import too_large
from podcast.media import Storage
from podcast.media.storage import Staged

WRITE_BUFFER = 1024 * 1024
MAX_FIELD_BYTES = 100_000
MAX_FIELDS = 50
FILE_FIELD = "file"


@dataclass(frozen=True)
class Received:
    """An upload fully staged in storage, not yet checked or stored under its key."""

    staged: Staged
    size: int
    sha256: str
    filename: str | None

    def discard(self) -> None:
        self.staged.discard()

    def read_bytes(self) -> bytes:
        """The whole upload, read back to be checked (small uploads only: images)."""
        with self.staged.checking_path() as path:
            return path.read_bytes()


_UNSAFE = re.compile(r"[^\w.\- ()\[\]+,&'@]")


def sanitise_filename(name: str | None) -> str | None:
    """The original file name, for display only: no folders, no control characters, 255 max."""
    if not name:
        return None
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", "".join(c for c in name if c.isprintable())).strip(" .")
    return name[:255] or None


class _Sink:
    """Size-limited writes to one staging sink (which hashes them), overlapped with receiving.

    Chunks are collected without copying; each batch of about ``WRITE_BUFFER`` bytes is hashed
    and written in a worker thread while the event loop receives the next one. At most two
    batches are held at once, so memory stays flat whatever the file size.
    """

    def __init__(self, staged: Staged, limit: int, what: str = "the file") -> None:
        self.staged = staged
        self.limit = limit
        self.what = what
        self.size = 0
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._in_flight: asyncio.Future[None] | None = None

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise too_large(self.limit, self.what)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= WRITE_BUFFER:
            await self._flush()

    async def _flush(self) -> None:
        if self._in_flight is not None:
            await self._in_flight
        batch, self._pending, self._pending_size = self._pending, [], 0
        loop = asyncio.get_running_loop()
        self._in_flight = loop.run_in_executor(None, self._write, batch)

    def _write(self, batch: list[bytes]) -> None:
        for chunk in batch:
            self.staged.write(chunk)

    async def finish(self, filename: str | None) -> Received:
        await self._flush()
        if self._in_flight is not None:
            await self._in_flight
            self._in_flight = None
        self.staged.close()
        return Received(
            self.staged, self.staged.size, self.staged.sha256, sanitise_filename(filename)
        )

    async def abort(self) -> None:
        # A batch may still be writing: let it end before the file is closed and removed.
        if self._in_flight is not None:
            with anyio.CancelScope(shield=True):
                try:
                    await self._in_flight
                except Exception:  # the write's own failure no longer matters
                    pass
        # Off the event loop: with S3, discarding aborts a multipart upload (a request).
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.staged.discard)


async def receive_raw(
    chunks: AsyncIterable[bytes], storage: Storage, limit: int, filename: str | None
) -> Received:
    """A raw request body (``PUT`` with the audio as the body) into storage's staging area."""
    sink = _Sink(storage.stage(), limit)
    try:
        async for chunk in chunks:
            await sink.write(chunk)
        return await sink.finish(filename)
    except BaseException:
        # Too large, client gone, server stopping: nothing of the upload may stay behind.
        await sink.abort()
        raise


async def receive_multipart(
    chunks: AsyncIterable[bytes],
    content_type: str,
    storage: Storage,
    limit: int,
    *,
    what: str = "the file",
) -> tuple[Received | None, dict[str, str]]:
    """A ``multipart/form-data`` body: the ``file`` part staged in storage, other fields as text;
    ``what`` names the file in the 413 when it passes ``limit``, and in the 422 for a file part
    under another name."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("the multipart body has no boundary in its Content-Type")
    form = _Form(storage, limit, what)
    parser = MultipartParser(boundary, form.callbacks(), max_header_count=16)
    try:
        async for chunk in chunks:
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise BadRequest(f"the multipart body is malformed: {exc}") from None
            await form.drain()
        try:
            parser.finalize()
        except MultipartParseError as exc:
            raise BadRequest(f"the multipart body is malformed: {exc}") from None
        await form.drain()
        if not form.complete:
            raise BadRequest("the multipart body ended early: the upload was cut short")
        return form.received, form.fields
    except BaseException:
        await form.abort()
        raise


class _Form:
    """Turns python-multipart's synchronous callbacks into queued work for the async side."""

    def __init__(self, storage: Storage, limit: int, what: str) -> None:
        self.storage = storage
        self.limit = limit
        self.what = what
        self.fields: dict[str, str] = {}
        self.received: Received | None = None
        self.complete = False
        self._events: list[tuple[str, Any]] = []
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._filename: str | None = None
        self._text = bytearray()
        self._sink: _Sink | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": lambda: self._events.append(("end", b"")),
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_cb,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._headers = {}

    def _headers_finished(self) -> None:
        # Snapshot: several parts may be parsed from one chunk before the queue is drained.
        self._events.append(("headers", self._headers))
        self._headers = {}

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._events.append(("data", data[start:end]))

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _end(self) -> None:
        self.complete = True

    async def drain(self) -> None:
        events, self._events = self._events, []
        for kind, payload in events:
            if kind == "headers":
                self._start_part(payload)
            elif kind == "data":
                await self._data(payload)
            elif kind == "end":
                await self._end_part()

    def _start_part(self, headers: dict[bytes, bytes]) -> None:
        disposition = headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name")
        if name is None:
            raise BadRequest("a multipart part has no name in its Content-Disposition")
        self._name = name.decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        self._filename = raw_filename.decode("utf-8", "replace") if raw_filename else None
        self._text = bytearray()
        if self._name != FILE_FIELD and b"filename" in options:
            # A file under another name (``-F audio=@x.mp3``) would otherwise be read as a text
            # field and refused as too long or not UTF-8: name the field the file goes in.
            raise Invalid(
                "is not a field that can be set here: send "
                f"{self.what} as the multipart field '{FILE_FIELD}'",
                field=self._name,
            )
        if self._name == FILE_FIELD:
            if self.received is not None or self._sink is not None:
                raise BadRequest("send one file per upload: the 'file' field appears twice")
            self._sink = _Sink(self.storage.stage(), self.limit, self.what)
        elif len(self.fields) >= MAX_FIELDS:
            raise BadRequest(f"too many form fields (at most {MAX_FIELDS})")

    async def _data(self, payload: bytes) -> None:
        if self._sink is not None:
            await self._sink.write(payload)
            return
        self._text += payload
        if len(self._text) > MAX_FIELD_BYTES:
            raise Invalid(f"longer than {MAX_FIELD_BYTES} bytes", field=self._name)

    async def _end_part(self) -> None:
        if self._sink is not None:
            sink, self._sink = self._sink, None
            self.received = await sink.finish(self._filename)
            return
        try:
            self.fields[self._name or ""] = self._text.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("is not UTF-8 text", field=self._name) from None

    async def abort(self) -> None:
        if self._sink is not None:
            await self._sink.abort()
        if self.received is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.received.discard)


def receive_file(
    source: Path,
    storage: Storage,
    limit: int,
    progress: Callable[[int], None] | None = None,
) -> Received:
    """A local file (``podcast episode add``) into storage's staging area, like any upload."""
    with open(source, "rb") as src:
        chunks = iter(lambda: src.read(WRITE_BUFFER), b"")
        return receive_chunks(chunks, storage, limit, source.name, progress)


def receive_chunks(
    chunks: Iterable[bytes],
    storage: Storage,
    limit: int,
    filename: str | None,
    progress: Callable[[int], None] | None = None,
) -> Received:
    """Bytes from anywhere (a local file, a download) into the staging area, like any upload:
    hashed on the way, refused past ``limit``, nothing left behind on any error."""
    staged = storage.stage()
    try:
        for chunk in chunks:
            if staged.size + len(chunk) > limit:
                raise too_large(limit)
            staged.write(chunk)
            if progress is not None:
                progress(len(chunk))
        staged.close()
    except BaseException:
        staged.discard()
        raise
    return Received(staged, staged.size, staged.sha256, sanitise_filename(filename))
