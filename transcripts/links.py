"""Transcript URLs for the feed's ``podcast:transcript`` tags.

The feed builder calls ``transcript_links``; the transcripts package owns what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from episodes.models import Episode


@dataclass(frozen=True)
class TranscriptLink:
    url: str
    type: str  # exact lower-case MIME, e.g. "text/vtt"
    language: str  # BCP 47, e.g. "en-GB"
    rel: str | None = None  # "captions" for WebVTT


def transcript_links(
    session: Session, episodes: Sequence[Episode], base_url: str
) -> dict[int, list[TranscriptLink]]:
    """Episode id -> its transcripts' links, for every language and format offered."""
    return {}
