"""Turning a received upload into an episode's audio.

The order is what makes a crash harmless: the file is checked, fsynced and renamed into the
store, then the row is committed, and only then is the file it replaced deleted. A crash leaves
the old state or the new one; at worst an unreferenced file, which ``podcast media gc`` removes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from episodes import service
from episodes.audio import AudioInfo, CorruptAudio, UnsupportedAudio, read_audio
from episodes.media_store import release, store_picture
from episodes.models import AudioFile, Chapter, Episode
from episodes.schemas import EpisodeCreate
from episodes.uploads import Received
from podcast.errors import Unprocessable, UnsupportedMediaType
from podcast.show.models import Show
from podcast.storage import Storage, content_key

MAX_TITLE = 255


@dataclass
class Ingested:
    """What an upload changed, for the response."""

    filled: list[str] = field(default_factory=list)


def new_episode(
    session: Session,
    storage: Storage,
    show: Show,
    received: Received,
    values: dict[str, Any],
    now: datetime,
) -> tuple[Episode, Ingested]:
    """A draft made from an uploaded file: checked, stored, and filled from its tags where
    ``values`` (already validated metadata) leave fields empty. Blocking: run in a thread."""
    info = inspect(received)
    key = store_audio(storage, received, info)
    values = {**values, "title": values.get("title") or title_for(info, received.filename)}
    episode = service.create_episode(session, show, EpisodeCreate.model_validate(values), now)
    return episode, attach(session, storage, episode, received, info, key, now)


def replace_audio(
    session: Session, storage: Storage, episode: Episode, received: Received, now: datetime
) -> Ingested:
    """Give an episode new audio (its guid stays). Blocking: run in a thread."""
    info = inspect(received)
    key = store_audio(storage, received, info)
    return attach(session, storage, episode, received, info, key, now)


def inspect(received: Received) -> AudioInfo:
    """Read the upload with mutagen; a refused file is deleted before the error is raised."""
    try:
        return read_audio(received.path)
    except UnsupportedAudio as exc:
        received.discard()
        raise UnsupportedMediaType(exc.message) from None
    except CorruptAudio as exc:
        received.discard()
        raise Unprocessable(exc.message) from None
    except BaseException:
        received.discard()
        raise


def store_audio(storage: Storage, received: Received, info: AudioInfo) -> str:
    key = content_key(received.sha256, info.format)
    try:
        storage.commit(received.path, key)
    except BaseException:
        received.discard()
        raise
    return key


def attach(
    session: Session,
    storage: Storage,
    episode: Episode,
    received: Received,
    info: AudioInfo,
    key: str,
    now: datetime,
) -> Ingested:
    """Point the episode at the stored audio, fill empty fields from the tags, commit, and
    release the file it replaced."""
    result = Ingested()
    old_keys: set[str] = set()
    audio = episode.audio
    if audio is None:
        audio = AudioFile(episode=episode)
        session.add(audio)
    elif audio.key != key:
        old_keys.add(audio.key)
    audio.key = key
    audio.sha256 = received.sha256
    audio.size_bytes = received.size
    audio.mime_type = info.mime_type
    audio.extension = info.format
    audio.codec = info.codec
    audio.duration = info.duration
    audio.bitrate = info.bitrate
    audio.sample_rate = info.sample_rate
    audio.channels = info.channels
    audio.original_filename = received.filename
    audio.uploaded_at = now
    _fill_from_tags(storage, episode, info, result)
    episode.updated_at = now
    session.commit()
    release(session, storage, old_keys)
    return result


def _fill_from_tags(storage: Storage, episode: Episode, info: AudioInfo, result: Ingested) -> None:
    """Tags only fill what the producer left empty; nothing they set is overwritten."""
    tags = info.tags
    if not episode.summary and tags.comment:
        episode.summary = tags.comment[:4000]
        result.filled.append("summary")
    if not episode.author and tags.artist:
        episode.author = tags.artist[:255]
        result.filled.append("author")
    if episode.episode_number is None and tags.track and tags.track > 0:
        episode.episode_number = tags.track
        result.filled.append("episode_number")
    if episode.season is None and tags.disc and tags.disc > 0:
        episode.season = tags.disc
        result.filled.append("season")
    if episode.suggested_publish_date is None and tags.date:
        episode.suggested_publish_date = tags.date
        result.filled.append("suggested_publish_date")
    if episode.artwork_key is None and tags.cover is not None:
        episode.artwork_key = store_picture(storage, tags.cover)
        episode.artwork_width, episode.artwork_height = tags.cover.width, tags.cover.height
        result.filled.append("artwork")
    if not episode.chapters and tags.chapters:
        episode.chapters = [
            Chapter(
                start_ms=c.start_ms,
                end_ms=c.end_ms,
                title=c.title[:255] if c.title else None,
                url=c.url if c.url and len(c.url) <= 2048 else None,
                image_key=store_picture(storage, c.image) if c.image else None,
            )
            for c in tags.chapters
        ]
        result.filled.append("chapters")


def title_for(info: AudioInfo, filename: str | None) -> str:
    """A title for an episode made from a file: its tag, else its file name, never empty."""
    if info.tags.title:
        return info.tags.title[:MAX_TITLE]
    if filename:
        stem = Path(filename).stem.replace("_", " ").strip()
        if stem:
            return stem[:MAX_TITLE]
    return "Untitled episode"
