"""Turning a received upload into an episode's audio.

The order is what makes a crash harmless and a race impossible: the file is checked before any
lock is taken; then, holding the locks of its key and of its pictures' keys, it is put into
the store and the rows are written; the unit of work commits, and only after that is the file
it replaced released. A crash leaves the old state or the new one; at worst an unreferenced
file, which ``podcast media gc`` removes. The caller owns the received staged upload and discards
it whatever happens (after a successful store it is already gone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from episodes import service
from episodes.audio import AudioInfo, CorruptAudio, UnsupportedAudio, read_audio
from episodes.chapters import sanitise
from episodes.events import audio_changed
from episodes.models import AudioFile, Chapter, Episode
from episodes.schemas import EpisodeCreate
from podcast.core.errors import Invalid, UnsupportedMediaType
from podcast.media import Storage, content_key
from podcast.media.keylock import lock_keys
from podcast.media.store import picture_key, put_file, release_after_commit, store_picture
from podcast.media.uploads import Received
from podcast.shows.models import Show

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
    info: AudioInfo,
    values: dict[str, Any],
    now: datetime,
) -> tuple[Episode, Ingested]:
    """A draft made from a checked upload (see :func:`inspect`), filled from its tags where
    ``values`` (already validated metadata) leave fields empty. Blocking: run in a thread."""
    values = {**values, "title": values.get("title") or title_for(info, received.filename)}
    data = EpisodeCreate.model_validate(values)
    if data.soundbites:
        service.check_soundbites(data.model_dump(mode="json")["soundbites"], info.duration)
    episode = service.create_episode(session, show, data, now)
    return episode, replace_audio(session, storage, episode, received, info, now)


def inspect(received: Received) -> AudioInfo:
    """Read the upload with mutagen: 415 for what is not a supported audio format, 422 for a
    broken file. Needs no database, so it runs before any transaction or lock."""
    try:
        # The staged bytes as a temporary local file, only for mutagen (it needs to seek).
        with received.staged.checking_path() as path:
            return read_audio(path)
    except UnsupportedAudio as exc:
        raise UnsupportedMediaType(exc.message) from None
    except CorruptAudio as exc:
        raise Invalid(exc.message) from None


def replace_audio(
    session: Session,
    storage: Storage,
    episode: Episode,
    received: Received,
    info: AudioInfo,
    now: datetime,
) -> Ingested:
    """Store the audio, point the episode at it (its guid stays) and fill empty fields from the
    tags; the file it replaced is released once the caller's unit of work commits. Blocking:
    run in a thread."""
    result = Ingested()
    key = content_key(received.sha256, info.format)
    # Every key this upload may store, locked at once in a fixed order (no deadlocks).
    lock_keys(session, [key, *_picture_keys(info)])
    put_file(session, storage, received.staged, key)
    old_key: str | None = None
    audio = episode.audio
    is_new = audio is None or audio.key != key
    if audio is None:
        audio = AudioFile(episode=episode)
        session.add(audio)
    elif audio.key != key:
        old_key = audio.key
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
    _fill_from_tags(session, storage, episode, info, result)
    episode.updated_at = now
    session.flush()
    release_after_commit(session, storage, {old_key})
    if is_new:
        audio_changed(session, episode.id, key, old_key)
    return result


def _picture_keys(info: AudioInfo) -> list[str]:
    pictures = [info.tags.cover, *(c.image for c in info.tags.chapters)]
    return [picture_key(p) for p in pictures if p is not None]


def _fill_from_tags(
    session: Session, storage: Storage, episode: Episode, info: AudioInfo, result: Ingested
) -> None:
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
        episode.artwork_key = store_picture(session, storage, tags.cover)
        episode.artwork_width, episode.artwork_height = tags.cover.width, tags.cover.height
        result.filled.append("artwork")
    if not episode.chapters and tags.chapters:
        episode.chapters = [
            Chapter(
                start_ms=c.start_ms,
                end_ms=c.end_ms,
                title=c.title,
                url=c.url,
                image_key=store_picture(session, storage, c.image) if c.image else None,
            )
            # Tags are already read through this rule; applied again where rows are made.
            for c in sanitise(tags.chapters, round(info.duration * 1000))
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
