"""Transcript uploads from the admin form, through ``transcripts.service`` like the API's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from anyio import to_thread
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from episodes.models import Episode
from podcast.core.errors import Invalid
from podcast.core.languages import parse_language_tag
from transcripts import repository, service
from transcripts.cues import TranscriptError

FILE_FIELD = "transcript-file"  # the input's id: errors are keyed by what they sit next to


@dataclass(frozen=True)
class Summary:
    language: str
    source_format: str
    cue_count: int
    timed: bool
    updated_at: datetime


@dataclass
class Outcome:
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def summaries(session: Session, episode: Episode) -> list[Summary]:
    return [
        Summary(r.language, r.source_format, r.cue_count, r.timed, r.updated_at)
        for r in repository.for_episode(session, episode.id)
    ]


def remove(session: Session, episode: Episode, language: str, now: datetime) -> bool:
    """Delete the transcript in exactly this language (never a near match); False if none."""
    for record in repository.for_episode(session, episode.id):
        if record.language == language:
            service.delete(session, episode, record, now)
            return True
    return False


async def store(
    session: Session, episode: Episode, upload: object, language: str, now: datetime
) -> Outcome:
    """Parse and save an uploaded file; errors name the line the transcripts parser gave."""
    outcome = Outcome()
    try:
        language = parse_language_tag(language)
    except Invalid:
        outcome.errors["language"] = "Enter a language code such as en-GB or cy"
    if not isinstance(upload, UploadFile) or not upload.filename:
        outcome.errors[FILE_FIELD] = "Choose a transcript file to upload"
    if outcome.errors:
        return outcome
    assert isinstance(upload, UploadFile)
    data = await upload.read(service.MAX_BYTES + 1)
    media_type = upload.content_type
    if media_type in (None, "", "application/octet-stream"):
        media_type = service.media_type_for(upload.filename)

    def save() -> list[str]:
        parsed = service.parse_upload(data, language, media_type, service.audio_ms(episode))
        return service.save(session, episode, parsed, now).warnings

    try:
        outcome.warnings = await to_thread.run_sync(save)
    except TranscriptError as exc:
        message = exc.message[:1].upper() + exc.message[1:]
        line = f"Line {exc.line}: " if exc.line is not None else ""
        outcome.errors[FILE_FIELD] = f"{line}{message}"
    return outcome
