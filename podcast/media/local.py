"""Media on a local (or mounted) filesystem."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from podcast.media.storage import KeyStat, content_key, is_content_key

_INCOMING = ".incoming"


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / _INCOMING
        self.incoming.mkdir(parents=True, exist_ok=True)

    def new_temp(self) -> Path:
        fd, name = tempfile.mkstemp(dir=self.incoming, prefix="upload-", suffix=".part")
        os.close(fd)
        return Path(name)

    def commit(self, temp: Path, key: str) -> None:
        target = self.path(key)
        if target.exists():
            temp.unlink(missing_ok=True)
            return
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
        _fsync_dir(target.parent)

    def path(self, key: str) -> Path:
        if not is_content_key(key):
            raise ValueError(f"not a content key: {key!r}")
        return self.root / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def stat(self, key: str) -> KeyStat | None:
        try:
            result = self.path(key).stat()
        except FileNotFoundError:
            return None
        return KeyStat(result.st_size, result.st_mtime)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        for shard in sorted(self.root.iterdir()):
            if shard.name == _INCOMING or not shard.is_dir():
                continue
            for file in sorted(shard.iterdir()):
                key = f"{shard.name}/{file.name}"
                if is_content_key(key):
                    yield key

    def stale_temps(self, older_than_seconds: float) -> Iterator[Path]:
        cutoff = time.time() - older_than_seconds
        for file in self.incoming.iterdir():
            try:
                modified = file.stat().st_mtime
            except FileNotFoundError:  # an upload just finished (renamed) or was discarded
                continue
            if modified < cutoff:
                yield file


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["LocalStorage", "content_key"]
