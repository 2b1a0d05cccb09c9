"""Transcript uploads from the admin form: the one upload pipeline (``transcripts.upload``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from anyio import to_thread
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from episodes.models import Episode
from podcast.core.errors import DomainError
from podcast.core.http_errors import status_of
from podcast.shows.models import Show
from podcast.web.admin.common import sentence
from transcripts import repository, service, upload
from transcripts.formats import FORMATS, listed, upload_formats
from transcripts.upload import upload_transcript

FILE_FIELD = "transcript-file"  # the input's id: errors are keyed by what they sit next to
# The pipeline's error fields -> the inputs they sit next to.
_FIELDS = {upload.FILE_FIELD: FILE_FIELD, "language": "language"}


@dataclass(frozen=True)
class Summary:
    language: str
    source_format: str  # its label, e.g. "WebVTT"
    cue_count: int
    timed: bool
    updated_at: datetime
    automatic: bool  # made by speech recognition
    reviewed: bool


@dataclass
class Outcome:
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    status: int = 422


@dataclass(frozen=True)
class UploadForm:
    """The file input's ``accept`` list and hint, from the format registry."""

    accept: str
    formats: str


def upload_form() -> UploadForm:
    formats = upload_formats()
    accept = [f".{f.extension}" for f in formats] + [f.media_type for f in formats]
    return UploadForm(accept=",".join(accept), formats=listed(formats))


def summaries(session: Session, episode: Episode) -> list[Summary]:
    return [
        Summary(
            r.language,
            FORMATS[r.source_format].label if r.source_format in FORMATS else r.source_format,
            r.cue_count,
            r.timed,
            r.updated_at,
            r.source == "automatic",
            r.reviewed,
        )
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
    session: Session, show: Show, episode: Episode, upload: object, language: str, now: datetime
) -> Outcome:
    """Hand the file to the upload pipeline; its errors go next to the field they name."""
    outcome = Outcome()
    if not isinstance(upload, UploadFile) or not upload.filename:
        outcome.errors[FILE_FIELD] = "Choose a transcript file to upload"
        return outcome
    data = await upload.read(service.MAX_BYTES + 1)

    def save() -> list[str]:
        return upload_transcript(
            session,
            show,
            episode,
            data,
            language=language,
            media_type=upload.content_type,
            filename=upload.filename,
            producer=True,
            now=now,
        ).warnings

    try:
        outcome.warnings = await to_thread.run_sync(save)
    except DomainError as exc:
        line = f"Line {exc.line}: " if exc.line is not None else ""
        outcome.errors[_FIELDS.get(exc.field or "", FILE_FIELD)] = line + sentence(exc.message)
        outcome.status = status_of(exc)
    return outcome
