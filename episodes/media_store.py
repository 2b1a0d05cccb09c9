"""Putting checked bytes into content-addressed storage, and finding what is still referenced."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from episodes.artwork import Picture
from episodes.models import AudioFile, Chapter, Episode
from podcast.show.models import Show
from podcast.storage import Storage, content_key


def store_picture(storage: Storage, picture: Picture) -> str:
    """Store image bytes under their digest; the same picture twice is stored once."""
    key = content_key(hashlib.sha256(picture.data).hexdigest(), picture.extension)
    if storage.exists(key):
        return key
    temp = storage.new_temp()
    try:
        temp.write_bytes(picture.data)
        storage.commit(temp, key)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return key


def referenced_keys(session: Session) -> set[str]:
    """Every storage key a row points at: what garbage collection must keep."""
    keys: set[str] = set()
    for column in (AudioFile.key, Chapter.image_key, Episode.artwork_key, Show.artwork_key):
        keys.update(key for key in session.scalars(select(column).distinct()) if key)
    return keys


def is_image_in_use(session: Session, key: str) -> bool:
    """Whether a show, episode or chapter uses this image: one indexed lookup per table."""
    for column in (Episode.artwork_key, Show.artwork_key, Chapter.image_key):
        if session.scalar(select(column).where(column == key).limit(1)) is not None:
            return True
    return False


def release(session: Session, storage: Storage, keys: set[str]) -> None:
    """Delete files no row references any more. Call only after the change is committed."""
    if not keys:
        return
    still_used = referenced_keys(session)
    for key in keys - still_used:
        storage.delete(key)


def collect_garbage(
    session: Session, storage: Storage, temp_age_seconds: float = 3600
) -> tuple[list[str], list[Path]]:
    """Remove stored files no row references and uploads abandoned mid-way (crash, kill)."""
    used = referenced_keys(session)
    orphans = [key for key in storage.keys() if key not in used]
    for key in orphans:
        storage.delete(key)
    temps = list(storage.stale_temps(temp_age_seconds))
    for temp in temps:
        temp.unlink(missing_ok=True)
    return orphans, temps
