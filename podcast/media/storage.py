"""The storage contract every backend keeps: callers speak keys and streams, never paths.

Receiving: :meth:`Storage.stage` gives a :class:`Staged` sink that hashes what is written to
it; once the bytes are checked, :meth:`Storage.put` makes them durable under their key (under
the key's lock, see ``podcast.media.store``). Serving: :meth:`Storage.open` streams a key,
whole or a byte range; :meth:`Storage.url_for` names a URL when the backend can serve the bytes
itself (``None``: the app streams them), for ``PODCAST_MEDIA_DELIVERY=redirect``
(``podcast.media.delivery``).

The one exception to "no paths": :class:`LocalFiles` is an optional capability of backends on
a local filesystem (``LocalStorage``), used **only** by ``podcast.media.responses`` so that
``/media/...`` downloads keep their zero-copy, ``pread``-based speed. Nothing else may use it.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Literal, Protocol, Self, runtime_checkable

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}$")

# The Content-Type of each stored extension: what /media and /images send, and what an object
# store is told to send when it serves the bytes itself (a redirect), so both agree with the
# feed's enclosure type. Apple's value for .m4a is audio/x-m4a (docs/standards.md,
# "Enclosure"), where Python's mimetypes says audio/mp4 (and audio/x-wav for .wav).
MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "m4a": "audio/x-m4a",
    "opus": "audio/ogg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "jpg": "image/jpeg",
    "png": "image/png",
}

Method = Literal["GET", "HEAD"]


def content_key(sha256: str, extension: str) -> str:
    """The key for content with this digest: keys are never built from user input."""
    key = f"{sha256[:2]}/{sha256}.{extension}"
    if not _KEY.match(key):
        raise ValueError(f"not a content key: {key!r}")
    return key


def is_content_key(key: str) -> bool:
    return bool(_KEY.match(key))


def media_type(key: str) -> str:
    """The Content-Type of a stored key, from its extension."""
    return MEDIA_TYPES.get(key.rpartition(".")[2], "application/octet-stream")


@dataclass(frozen=True)
class KeyStat:
    size: int
    modified: float  # seconds since the epoch


class ByteStream(Protocol):
    """What :meth:`Storage.open` returns: read it in chunks, then close it (or use ``with``)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> ByteStream: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...


class StreamBase(ABC):
    """A :class:`ByteStream` from the parts a backend must write (``read`` and an idempotent
    ``close``): ``with`` closes it."""

    @abstractmethod
    def read(self, size: int = -1, /) -> bytes: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class SpooledStaged:
    """The local half of a :class:`Staged`: bytes written to the file ``path`` and hashed on
    the way. Backends add what makes them durable (a rename, an upload) and :meth:`discard`."""

    def __init__(self, path: Path, mode: Literal["wb", "xb"] = "wb") -> None:
        self._path = path
        self._file: BinaryIO | None = open(path, mode)  # closed by close()
        self._hash = hashlib.sha256()
        self._size = 0

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def size(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError("the staged bytes are closed")
        self._hash.update(data)
        self._file.write(data)
        self._size += len(data)

    def close(self) -> None:
        """Local only (fast, safe on the event loop)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    @contextmanager
    def checking_path(self) -> Iterator[Path]:
        self.close()
        yield self._path


class Staged(Protocol):
    """Bytes being received for storage: hashed as they are written, not yet under a key.

    Blocking calls: run them in a worker thread from async code. Whoever stages owns the
    object and calls :meth:`discard` whatever happens (harmless after a :meth:`Storage.put`).
    """

    @property
    def name(self) -> str:
        """An identifier of the staged bytes, as :meth:`Storage.stale_staged` lists them."""
        ...

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str:
        """Hex digest of everything written so far."""
        ...

    def write(self, data: bytes) -> None: ...

    def close(self) -> None:
        """No more writes; the bytes stay staged until put or discarded. Idempotent."""
        ...

    def discard(self) -> None:
        """Drop the staged bytes: nothing is left behind. Idempotent, also after a put."""
        ...

    def checking_path(self) -> AbstractContextManager[Path]:
        """A local file with the staged bytes, only for checking them before :meth:`put`
        (mutagen needs a seekable file). Temporary: valid only inside the ``with`` block,
        never to be kept, moved or stored. Call after :meth:`close`."""
        ...


class Storage(Protocol):
    def stage(self) -> Staged:
        """A fresh, empty staging sink for incoming bytes (an upload, a local file)."""
        ...

    def put(self, staged: Staged, key: str) -> None:
        """Durably store closed, checked staged bytes under ``key``; the staging is consumed.

        If ``key`` already exists the content is identical (same digest): the staged bytes are
        dropped and the stored object is left as it is (idempotent).
        """
        ...

    def put_bytes(self, data: bytes, key: str) -> None:
        """Durably store small bytes (images) under ``key``; idempotent like :meth:`put`."""
        ...

    def open(self, key: str, range: tuple[int, int] | None = None) -> ByteStream:
        """The stored bytes, or those in ``range`` = (start, end), end exclusive.

        Raises ``FileNotFoundError`` when there is no such key.
        """
        ...

    def read_bytes(self, key: str) -> bytes:
        """All the stored bytes (small objects only: images)."""
        ...

    def exists(self, key: str) -> bool: ...

    def stat(self, key: str) -> KeyStat | None:
        """Size and modification time, or None when there is no such key."""
        ...

    def delete(self, key: str) -> None:
        """Remove the key; no error when it is already gone."""
        ...

    def keys(self) -> Iterator[str]: ...

    def url_for(self, key: str, method: Method = "GET") -> str | None:
        """A URL that serves the key's bytes directly to ``method`` (a presigned URL is signed
        for one method: HEAD on a URL signed for GET is refused), or None: the app streams
        them."""
        ...

    def stale_staged(self, older_than_seconds: float) -> Iterator[str]:
        """Names of staged bytes untouched for longer than this (abandoned uploads)."""
        ...

    def discard_staged(self, name: str) -> None:
        """Drop staged bytes by the name :meth:`stale_staged` gave; no error when gone."""
        ...


@runtime_checkable
class LocalFiles(Protocol):
    """Optional capability: the key's bytes are a local file.

    Used ONLY by ``podcast.media.responses`` to serve ``/media/...`` and images with ``pread``
    on one descriptor (an optimisation; docs/performance.md). Every other caller speaks keys
    and streams through :class:`Storage`.
    """

    def local_path(self, key: str) -> Path: ...
