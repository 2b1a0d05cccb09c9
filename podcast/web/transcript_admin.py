"""Transcript uploads from the admin form, through the transcripts service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from episodes.models import Episode


@dataclass(frozen=True)
class Summary:
    language: str
    source_format: str
    cue_count: int
    timed: bool
    updated_at: datetime


def available() -> bool:
    return False


def summaries(session: Session, episode: Episode) -> list[Summary]:
    return []


async def store(
    session: Session, episode: Episode, upload: Any, language: str, now: datetime
) -> dict[str, str]:
    """Errors keyed by field id (``transcript-file``, ``language``); empty when saved."""
    return {"transcript-file": "Transcripts cannot be uploaded yet"}
