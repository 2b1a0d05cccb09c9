"""The storage contract every backend keeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}$")


def content_key(sha256: str, extension: str) -> str:
    """The key for content with this digest: keys are never built from user input."""
    key = f"{sha256[:2]}/{sha256}.{extension}"
    if not _KEY.match(key):
        raise ValueError(f"not a content key: {key!r}")
    return key


def is_content_key(key: str) -> bool:
    return bool(_KEY.match(key))


@dataclass(frozen=True)
class KeyStat:
    size: int
    modified: float  # seconds since the epoch


class Storage(Protocol):
    def new_temp(self) -> Path:
        """A fresh, empty file on the same filesystem as the store, for an incoming upload."""
        ...

    def commit(self, temp: Path, key: str) -> None:
        """Durably move a fully received and checked temp file to ``key``.

        If ``key`` already exists the content is identical (same digest): the temp is dropped.
        """
        ...

    def path(self, key: str) -> Path: ...

    def exists(self, key: str) -> bool: ...

    def stat(self, key: str) -> KeyStat | None:
        """Size and modification time, or None when there is no such file."""
        ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...

    def stale_temps(self, older_than_seconds: float) -> Iterator[Path]: ...
