"""Copying every referenced file from one storage to another (``podcast media migrate``).

Resumable and idempotent: a key already in the target with the right size is kept (a put is
atomic, and only bytes whose SHA-256 matched their key were ever put), so a run killed at any
point and started again copies only what is missing. Each copy is streamed (flat memory),
hashed on the way and checked against its key's digest and the source's size before it is
put. Nothing is switched: the caller says which settings serve from the target.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from podcast.media.storage import Storage

CHUNK = 1024 * 1024


@dataclass
class Migrated:
    copied: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # already in the target, right size
    failed: dict[str, str] = field(default_factory=dict)  # key -> what is wrong

    @property
    def ok(self) -> bool:
        return not self.failed


def key_digest(key: str) -> str:
    """The SHA-256 a content key ``ab/<sha256>.<ext>`` names."""
    return key.split("/", 1)[1].split(".", 1)[0]


def plan(source: Storage, keys: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """Sizes of the keys the source has (for progress), and the keys it lacks."""
    sizes: dict[str, int] = {}
    missing: list[str] = []
    for key in sorted(set(keys)):
        stat = source.stat(key)
        if stat is None:
            missing.append(key)
        else:
            sizes[key] = stat.size
    return sizes, missing


def migrate(
    source: Storage,
    target: Storage,
    sizes: dict[str, int],
    *,
    verify_present: bool = False,
    advance: Callable[[int], None] = lambda n: None,
) -> Migrated:
    """Copy each key of ``sizes`` that the target lacks; ``advance`` hears of bytes done.

    ``verify_present`` also re-reads and hashes what the target already has; a file there
    with the wrong size or digest is deleted from the target and copied again.
    """
    result = Migrated()
    for key, size in sizes.items():
        try:
            there = target.stat(key)
            if there is not None and there.size == size:
                if not verify_present or _digest(target, key) == key_digest(key):
                    result.present.append(key)
                    advance(size)
                    continue
            if there is not None:  # a wrong file in the target (not served from there yet)
                target.delete(key)
            _copy(source, target, key, size, advance)
            after = target.stat(key)
            if after is None or after.size != size:
                raise ValueError("the copy is not in the target with the right size")
            result.copied.append(key)
        except Exception as exc:  # one file's trouble (or the store's): report it, go on
            result.failed[key] = str(exc) or type(exc).__name__
    return result


def _copy(
    source: Storage, target: Storage, key: str, size: int, advance: Callable[[int], None]
) -> None:
    staged = target.stage()
    try:
        with source.open(key) as stream:
            while chunk := stream.read(CHUNK):
                staged.write(chunk)
                advance(len(chunk))
        staged.close()
        if staged.size != size:
            raise ValueError(f"read {staged.size} bytes, the source says {size}")
        if staged.sha256 != key_digest(key):
            raise ValueError(f"the source's bytes hash to {staged.sha256}, not to their key")
        target.put(staged, key)
    finally:
        staged.discard()


def _digest(storage: Storage, key: str) -> str:
    digest = hashlib.sha256()
    with storage.open(key) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
