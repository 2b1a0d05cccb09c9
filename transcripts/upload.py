"""The one transcript upload pipeline, called by the API, the admin form and the CLI.

Steps, in order: find the episode (producers see drafts), check the language tag, decode the
bytes once, choose the format once (``transcripts.formats.choose_format``: media type, else
file extension, else content), parse, check the cue times against the audio (warnings),
save (replacing the same language's transcript). Every refusal is a domain error naming its
field, and for the file its line: ``InvalidFile(field="file", line=N)``, so the API answers
422 JSON with ``line``, the admin puts it next to the file input, and the CLI prints it and
exits 1. The callers only receive the bytes and present the result.

Blocking (database and CPU): the API and the admin call it from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from episodes import repository as episode_repository
from episodes import service as episode_service
from episodes.models import Episode
from podcast.core.errors import InvalidFile, NotFound
from podcast.core.languages import parse_language_tag
from podcast.shows.models import Show
from transcripts import service
from transcripts.cues import Transcript, TranscriptError
from transcripts.formats import TranscriptFormat, read_upload
from transcripts.models import StoredTranscript

__all__ = ["FILE_FIELD", "UploadResult", "find_episode", "upload_transcript"]

FILE_FIELD = "file"  # the ``field`` of every error about the uploaded file itself


@dataclass(frozen=True, slots=True)
class UploadResult:
    record: StoredTranscript
    episode: Episode
    source: TranscriptFormat  # the format the file was read as
    warnings: list[str]
    created: bool  # a language the episode had no transcript in
    changed: bool  # False when the same cues were uploaded again

    @property
    def replaced(self) -> bool:
        return self.changed and not self.created


def find_episode(
    session: Session, show: Show, ref: Episode | int | str, now: datetime, *, producer: bool
) -> Episode:
    """The episode an upload names: an Episode, an id, or an id or slug as typed (CLI)."""
    if isinstance(ref, Episode):
        return ref
    if isinstance(ref, int) or ref.isdigit():
        return episode_service.get_for(session, show, int(ref), now, producer)
    episode = episode_repository.get_by_slug(session, show.id, ref)
    if episode is None or not (producer or episode.is_public(now)):
        raise NotFound(f"episode {ref!r} does not exist")
    return episode


def upload_transcript(
    session: Session,
    show: Show,
    episode: Episode | int | str,
    data: bytes,
    *,
    language: str | None,
    media_type: str | None,
    filename: str | None,
    producer: bool,
    now: datetime,
) -> UploadResult:
    """Read, check and save one language's transcript (see the module docstring).

    ``language`` defaults to the show's; ``media_type`` is the declared Content-Type (None, or
    ``application/octet-stream``, when nothing useful was declared); ``filename`` is consulted
    when the media type says nothing.
    """
    found = find_episode(session, show, episode, now, producer=producer)
    tag = parse_language_tag(language or show.language)
    if len(data) > service.MAX_BYTES:
        raise InvalidFile(
            f"the file is larger than {service.MAX_BYTES // (1024 * 1024)} MiB", field=FILE_FIELD
        )
    if media_type in ("", "application/octet-stream"):
        media_type = None
    try:
        fmt, cues = read_upload(data, media_type, filename, service.audio_ms(found))
    except TranscriptError as exc:
        raise InvalidFile(exc.message, field=FILE_FIELD, line=exc.line) from None
    transcript = Transcript(tag, tuple(cues))
    warnings = service.check_against_audio(transcript, found)
    saved = service.save(session, found, service.Parsed(transcript, fmt.name), now)
    return UploadResult(
        record=saved.record,
        episode=found,
        source=fmt,
        warnings=warnings,
        created=saved.created,
        changed=saved.changed,
    )
