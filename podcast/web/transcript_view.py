"""An episode's transcripts as the page shows them: cues with times, speakers and downloads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from episodes.models import Episode
from transcripts.cues import Cue, clean_speaker, clean_text

# Offered in this order; untimed transcripts only have the formats that need no times.
FORMATS = (
    ("vtt", "WebVTT", True),
    ("srt", "SubRip", True),
    ("json", "Podcasting 2.0 JSON", True),
    ("txt", "Plain text", False),
    ("html", "HTML", False),
)
LANGUAGE_NAMES = {
    "en": "English",
    "cy": "Welsh",
    "gd": "Scottish Gaelic",
    "ga": "Irish",
    "pl": "Polish",
    "ur": "Urdu",
    "pa": "Punjabi",
    "bn": "Bengali",
    "ar": "Arabic",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
}


@dataclass(frozen=True)
class CueView:
    index: int
    start: float | None
    end: float | None
    speaker: str | None  # only when it changes from the cue before, as a reader expects
    lines: list[str]


@dataclass(frozen=True)
class Download:
    label: str
    extension: str
    href: str


@dataclass(frozen=True)
class TranscriptView:
    language: str
    language_name: str
    timed: bool
    cues: list[CueView]
    downloads: list[Download]


def language_name(tag: str) -> str:
    return LANGUAGE_NAMES.get(tag.split("-", 1)[0].lower(), tag)


def build(
    slug: str, language: str, cues: Sequence[Cue], timed: bool, *, several: bool
) -> TranscriptView:
    views: list[CueView] = []
    previous: str | None = None
    for index, cue in enumerate(cues):
        speaker = clean_speaker(cue.speaker) or None
        shown = speaker if speaker != previous else None
        previous = speaker
        views.append(
            CueView(
                index=index,
                start=None if cue.start_ms is None else cue.start_ms / 1000,
                end=None if cue.end_ms is None else cue.end_ms / 1000,
                speaker=shown,
                lines=clean_text(cue.text).split("\n"),
            )
        )
    query = f"?language={language}" if several else ""
    downloads = [
        Download(label, ext, f"/episodes/{slug}/transcript.{ext}{query}")
        for ext, label, needs_times in FORMATS
        if timed or not needs_times
    ]
    return TranscriptView(language, language_name(language), timed, views, downloads)


def for_episode(session: Session, episode: Episode) -> list[TranscriptView]:
    """Every stored transcript of the episode, in the show's language first."""
    return []
