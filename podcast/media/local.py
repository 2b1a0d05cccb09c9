"""Media on a local (or mounted) filesystem."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from podcast.media.storage import (
    KeyStat,
    Method,
    SpooledStaged,
    StreamBase,
    content_key,
    is_content_key,
)

_INCOMING = ".incoming"
_PREFIX, _SUFFIX = "upload-", ".part"
_PATH_CACHE = 4096


class LocalStaged(SpooledStaged):
    """Bytes being received into ``<root>/.incoming/upload-*.part``, hashed on the way."""

    def discard(self) -> None:
        self.close()
        self._path.unlink(missing_ok=True)

    def _take(self) -> Path:
        """For :meth:`LocalStorage.put` only: the closed file, to rename into the store."""
        self.close()
        return self._path


class _RangeReader(StreamBase):
    """A (start, end) slice of a file, read with ``pread`` on one descriptor."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._pos = start
        self._end = end

    def read(self, size: int = -1, /) -> bytes:
        left = self._end - self._pos
        if size < 0 or size > left:
            size = left
        if size <= 0:
            return b""
        chunk = os.pread(self._fd, size, self._pos)
        self._pos += len(chunk)
        return chunk

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class LocalStorage:
    """Keys are files under ``root``; staged bytes live in ``root/.incoming`` (same filesystem,
    so a put is a rename). Offers :meth:`local_path` for the media response's zero-copy path
    (``podcast.media.storage.LocalFiles``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / _INCOMING
        self.incoming.mkdir(parents=True, exist_ok=True)
        # key -> file, so the media response's hot path builds no Path per request (bounded).
        self._paths: dict[str, Path] = {}

    # --- receiving -----------------------------------------------------------------------

    def stage(self) -> LocalStaged:
        fd, name = tempfile.mkstemp(dir=self.incoming, prefix=_PREFIX, suffix=_SUFFIX)
        os.close(fd)
        try:
            return LocalStaged(Path(name))
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def put(self, staged: object, key: str) -> None:
        if not isinstance(staged, LocalStaged):
            raise TypeError(f"not staged by LocalStorage: {staged!r}")
        target = self.local_path(key)
        temp = staged._take()
        if target.exists():
            temp.unlink(missing_ok=True)
            return
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        for _ in range(3):  # :meth:`delete` may remove the shard, empty, in between
            if not target.parent.is_dir():
                target.parent.mkdir(exist_ok=True)
                _fsync_dir(self.root)  # the new shard's own entry, so a crash keeps the file
            try:
                os.replace(temp, target)
                break
            except FileNotFoundError:
                if not temp.exists():
                    raise
        else:
            raise OSError(f"could not keep the shard folder of {key} long enough to store it")
        _fsync_dir(target.parent)

    def put_bytes(self, data: bytes, key: str) -> None:
        if self.exists(key):
            return
        staged = self.stage()
        try:
            staged.write(data)
            self.put(staged, key)
        finally:
            staged.discard()

    # --- serving -------------------------------------------------------------------------

    def open(
        self, key: str, range: tuple[int, int] | None = None
    ) -> io.BufferedReader | _RangeReader:
        path = self.local_path(key)
        if range is None:
            return open(path, "rb")
        start, end = range
        if start < 0 or end < start:
            raise ValueError(f"bad range {range!r}")
        return _RangeReader(path, start, end)

    def read_bytes(self, key: str) -> bytes:
        return self.local_path(key).read_bytes()

    def local_path(self, key: str) -> Path:
        """The key's file. Outside this class only for the media response's fast path
        (``LocalFiles``)."""
        path = self._paths.get(key)
        if path is None:
            if not is_content_key(key):
                raise ValueError(f"not a content key: {key!r}")
            path = self.root / key
            if len(self._paths) >= _PATH_CACHE:
                self._paths.clear()
            self._paths[key] = path
        return path

    def exists(self, key: str) -> bool:
        return self.local_path(key).is_file()

    def stat(self, key: str) -> KeyStat | None:
        try:
            result = self.local_path(key).stat()
        except FileNotFoundError:
            return None
        return KeyStat(result.st_size, result.st_mtime)

    def delete(self, key: str) -> None:
        """Remove the key's file, and its shard folder once that is empty (a media folder
        left full of empty folders looked like lost files); :meth:`put` recreates it."""
        path = self.local_path(key)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty (ENOTEMPTY), or already gone
            path.parent.rmdir()

    def keys(self) -> Iterator[str]:
        for shard in sorted(self.root.iterdir()):
            if shard.name == _INCOMING or not shard.is_dir():
                continue
            try:
                files = sorted(shard.iterdir())
            except FileNotFoundError:  # emptied and removed since the listing
                continue
            for file in files:
                key = f"{shard.name}/{file.name}"
                if is_content_key(key):
                    yield key

    def url_for(self, key: str, method: Method = "GET") -> str | None:
        return None  # the app streams local files

    # --- abandoned uploads ---------------------------------------------------------------

    def stale_staged(self, older_than_seconds: float) -> Iterator[str]:
        cutoff = time.time() - older_than_seconds
        for file in self.incoming.iterdir():
            try:
                modified = file.stat().st_mtime
            except FileNotFoundError:  # an upload just finished (renamed) or was discarded
                continue
            if modified < cutoff:
                yield file.name

    def discard_staged(self, name: str) -> None:
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise ValueError(f"not a staged name: {name!r}")
        (self.incoming / name).unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["LocalStaged", "LocalStorage", "content_key"]
