"""Which transcript links an episode has, for the feed's ``podcast:transcript`` tags.

The feed builder calls ``transcript_links``; the transcripts package owns what it returns.
The URLs' shape (``/episodes/{slug}/transcript.{ext}``, ``?lang=`` for languages other than
the show's own) is ``podcast.core.public_urls``. Untimed transcripts get only the HTML link:
VTT, SRT and JSON need timestamps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from episodes.models import Episode
from podcast.core.public_urls import PublicUrls
from podcast.shows.models import Show
from transcripts.formats import FORMATS
from transcripts.models import StoredTranscript

# What the feed offers, in this order; plain text is served too but apps ignore it
# (docs/standards.md, "Which transcript formats apps pick").
FEED_FORMATS = ("vtt", "srt", "json", "html")
TIMED_ONLY = frozenset({"vtt", "srt", "json"})


class EpisodeRef(Protocol):
    """What the links need of an episode: an ORM ``Episode`` or the feed's lighter rows."""

    @property
    def id(self) -> int: ...

    @property
    def show_id(self) -> int: ...

    @property
    def slug(self) -> str: ...


@dataclass(frozen=True)
class TranscriptLink:
    url: str
    type: str  # exact lower-case MIME, e.g. "text/vtt"
    language: str  # BCP 47, e.g. "en-GB"
    rel: str | None = None  # "captions" for WebVTT


def offered_formats(timed: bool, formats: Sequence[str] = FEED_FORMATS) -> list[str]:
    return [name for name in formats if timed or name not in TIMED_ONLY]


def transcript_links(
    session: Session, episodes: Sequence[EpisodeRef], base_url: str
) -> dict[int, list[TranscriptLink]]:
    """Episode id -> its transcripts' links, for every language and format offered."""
    if not episodes:
        return {}
    urls = PublicUrls(base_url)
    show_ids = {episode.show_id for episode in episodes}
    rows = session.execute(select(Show.id, Show.language).where(Show.id.in_(show_ids)))
    show_languages = {row.id: row.language for row in rows}
    by_id = {episode.id: episode for episode in episodes}
    links: dict[int, list[TranscriptLink]] = {episode.id: [] for episode in episodes}
    # By show, not by a list of ids: a 10,000-episode feed would bind 10,000 parameters.
    records = session.execute(
        select(StoredTranscript.episode_id, StoredTranscript.language, StoredTranscript.timed)
        .join(Episode, Episode.id == StoredTranscript.episode_id)
        .where(Episode.show_id.in_(show_ids))
        .order_by(StoredTranscript.episode_id, StoredTranscript.language)
    )
    for episode_id, language, timed in records:
        episode = by_id.get(episode_id)
        if episode is None:
            continue
        show_language = show_languages.get(episode.show_id, "")
        for name in offered_formats(timed):
            links[episode_id].append(
                TranscriptLink(
                    url=urls.transcript(episode.slug, name, language, show_language),
                    type=FORMATS[name].media_type,
                    language=language,
                    rel="captions" if name == "vtt" else None,
                )
            )
    return links
