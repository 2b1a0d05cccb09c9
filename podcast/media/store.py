"""Putting checked bytes into content-addressed storage, and deleting what no row uses.

Which rows use a file is for the domains to say: each registers the columns that hold storage
keys with :func:`register_key_columns` when its models are defined (episodes: audio, artwork,
chapter images; shows: artwork). This module knows no domain.

Files are shared by content, so every path that creates or deletes one holds the key's lock
(``podcast.media.keylock``) for the rest of its transaction: no interleaving of uploads,
replacements, deletions and ``podcast media gc`` can delete a file a committed row names.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from podcast.core.db import after_commit, after_rollback
from podcast.media import Storage, content_key
from podcast.media.images import Picture
from podcast.media.keylock import lock_keys
from podcast.media.storage import Staged

log = logging.getLogger(__name__)

# Columns that name stored files, registered by the domains: a key any of them holds is in use.
_key_columns: list[InstrumentedAttribute[str] | InstrumentedAttribute[str | None]] = []
# ``podcast media gc`` leaves younger files alone (besides the locks): one more safety margin.
GC_MIN_AGE_SECONDS = 3600.0


def register_key_columns(
    *columns: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
) -> None:
    """Declare model columns that hold storage keys: files they name are never deleted.

    Call it next to the model (at import), so any process that can write such a row has
    registered the column before it stores or releases a file. Registering twice is harmless.
    """
    for column in columns:
        if not any(column is known for known in _key_columns):
            _key_columns.append(column)


def key_columns() -> tuple[InstrumentedAttribute[str] | InstrumentedAttribute[str | None], ...]:
    """The registered key columns; none registered is a bug that would delete every file."""
    if not _key_columns:
        raise RuntimeError("no key columns registered (import the domain models first)")
    return tuple(_key_columns)


def picture_key(picture: Picture) -> str:
    return content_key(hashlib.sha256(picture.data).hexdigest(), picture.extension)


def put_file(session: Session, storage: Storage, staged: Staged, key: str) -> None:
    """Store checked staged bytes under ``key`` for rows this transaction is about to write.

    If the transaction rolls back instead, the file is released again (unless another row
    uses the same bytes).
    """
    lock_keys(session, [key])
    created = not storage.exists(key)
    storage.put(staged, key)
    if created:
        _release_on_rollback(session, storage, key)


def store_picture(session: Session, storage: Storage, picture: Picture) -> str:
    """Store image bytes under their digest; the same picture twice is stored once."""
    key = picture_key(picture)
    lock_keys(session, [key])
    if storage.exists(key):
        return key
    storage.put_bytes(picture.data, key)
    _release_on_rollback(session, storage, key)
    return key


def _release_on_rollback(session: Session, storage: Storage, key: str) -> None:
    after_rollback(session, lambda: release(session, storage, {key}))


def release_after_commit(session: Session, storage: Storage, keys: set[str | None]) -> None:
    """Once this transaction commits, delete the files of ``keys`` that no row uses."""
    wanted = {key for key in keys if key}
    if wanted:
        after_commit(session, lambda: release(session, storage, wanted))


def release(session: Session, storage: Storage, keys: set[str]) -> list[str]:
    """Delete each file no row references, one short transaction per key, under its lock.

    Runs between units of work (after a commit or a rollback); returns what it deleted.
    """
    deleted = []
    for key in sorted(keys):
        try:
            lock_keys(session, [key])
            if not is_key_in_use(session, key):
                storage.delete(key)
                deleted.append(key)
            session.commit()
        except Exception:
            session.rollback()
            log.warning("could not release %s; podcast media gc will retry", key, exc_info=True)
    return deleted


def is_key_in_use(session: Session, key: str) -> bool:
    """Whether any row names this file: one indexed lookup per column."""
    return any(
        session.scalar(select(column).where(column == key).limit(1)) is not None
        for column in key_columns()
    )


def is_image_in_use(session: Session, key: str) -> bool:
    """Whether any row uses this image (public image URLs need one)."""
    return is_key_in_use(session, key)


def referenced_keys(session: Session) -> set[str]:
    """Every storage key a row points at."""
    keys: set[str] = set()
    for column in key_columns():
        keys.update(key for key in session.scalars(select(column).distinct()) if key)
    return keys


@dataclass
class Collected:
    """What ``podcast media gc`` did."""

    removed: list[str] = field(default_factory=list)
    temps: list[str] = field(default_factory=list)  # names of abandoned staged uploads
    too_young: int = 0


def collect_garbage(
    session: Session,
    storage: Storage,
    *,
    min_age_seconds: float = GC_MIN_AGE_SECONDS,
    temp_age_seconds: float = 3600,
) -> Collected:
    """Remove stored files no row references and uploads abandoned mid-way (crash, kill).

    The first pass only picks candidates; each is deleted by :func:`release`, which checks
    again under the key's lock, so an upload committing the same bytes meanwhile keeps them.
    """
    result = Collected()
    used = referenced_keys(session)
    session.commit()
    cutoff = time.time() - min_age_seconds
    candidates = set()
    for key in storage.keys():
        if key in used:
            continue
        stat = storage.stat(key)
        if stat is None:
            continue
        if stat.modified > cutoff:
            result.too_young += 1
            continue
        candidates.add(key)
    result.removed = release(session, storage, candidates)
    result.temps = list(storage.stale_staged(temp_age_seconds))
    for name in result.temps:
        storage.discard_staged(name)
    return result
