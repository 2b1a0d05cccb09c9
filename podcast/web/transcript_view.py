"""An episode's transcripts as the page shows them: cues with times, speakers and downloads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from episodes.models import Episode
from transcripts import repository
from transcripts.cues import Cue, clean_speaker, clean_text
from transcripts.languages import normalise
from transcripts.links import offered_formats, transcript_url

# Offered in this order; untimed transcripts only get the formats that need no times.
FORMATS = (
    ("vtt", "WebVTT"),
    ("srt", "SubRip"),
    ("json", "Podcasting 2.0 JSON"),
    ("txt", "Plain text"),
    ("html", "HTML"),
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
    slug: str, language: str, cues: Sequence[Cue], timed: bool, *, show_language: str
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
    downloads = [
        Download(label, ext, transcript_url("", slug, ext, language, show_language))
        for ext, label in FORMATS
        if ext in offered_formats(timed, tuple(f for f, _ in FORMATS))
    ]
    return TranscriptView(language, language_name(language), timed, views, downloads)


def for_episode(session: Session, episode: Episode, show_language: str) -> list[TranscriptView]:
    """Every stored transcript of the episode, the show's language first."""
    records = repository.for_episode(session, episode.id)
    records.sort(key=lambda r: normalise(r.language) != normalise(show_language))
    return [
        build(
            episode.slug,
            record.language,
            repository.cues_of(session, record.id),
            record.timed,
            show_language=show_language,
        )
        for record in records
    ]
