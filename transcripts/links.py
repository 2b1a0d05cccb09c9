"""Transcript URLs for the feed's ``podcast:transcript`` tags, and for the API.

The feed builder calls ``transcript_links``; the transcripts package owns what it returns.
The URLs' shape (``/episodes/{slug}/transcript.{ext}``, ``?lang=`` for languages other than
the show's own, both forms working if the default changes) is ``podcast.core.public_urls``.
Which formats are listed, in which order, with which type and ``rel``, is read from the format
registry (``transcripts.formats``: ``feed_order``, ``timed``, ``feed_rel``): untimed
transcripts get only the formats that need no timestamps. Unreviewed automatic drafts are
listed only when the show's setting allows them in the feed (``transcripts.visibility``).

Languages: the show's own first, then others sharing its primary language, then the rest by
tag. AntennaPod keeps the first tag of the type it prefers, so sorting by tag alone made an
``en-GB`` show with a Welsh transcript play Welsh captions (issue 14).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import not_, select
from sqlalchemy.orm import Session

from episodes.models import Episode
from podcast.core.languages import normalise, primary
from podcast.core.public_urls import PublicUrls
from podcast.shows.models import Show
from transcripts.formats import feed_formats
from transcripts.models import StoredTranscript
from transcripts.visibility import shown_clause


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


def language_order(language: str, show_language: str) -> tuple[int, str]:
    """Sort key: the show's language, then its other variants (``en-US`` for ``en-GB``), then
    the rest alphabetically."""
    if normalise(language) == normalise(show_language):
        return 0, language
    return (1 if primary(language) == primary(show_language) else 2), language


def transcript_links(
    session: Session, episodes: Sequence[EpisodeRef], base_url: str
) -> dict[int, list[TranscriptLink]]:
    """Episode id -> its transcripts' links, for every language and format offered."""
    if not episodes:
        return {}
    urls = PublicUrls(base_url)
    show_ids = {episode.show_id for episode in episodes}
    # Core rows through the session's connection: these are columns, not entities, and the
    # ORM's result handling was most of a small feed's transcript lookup.
    connection = session.connection()
    rows = connection.execute(select(Show.id, Show.language).where(Show.id.in_(show_ids)))
    show_languages = {show_id: language for show_id, language in rows}
    by_id = {episode.id: episode for episode in episodes}
    links: dict[int, list[TranscriptLink]] = {episode.id: [] for episode in episodes}
    # By show, not by a list of ids: a 10,000-episode feed would bind 10,000 parameters.
    records = connection.execute(
        select(StoredTranscript.episode_id, StoredTranscript.language, StoredTranscript.timed)
        .join(Episode, Episode.id == StoredTranscript.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .where(Episode.show_id.in_(show_ids), shown_clause("feed"))
        .order_by(StoredTranscript.episode_id, StoredTranscript.language)
    )
    found: dict[int, list[tuple[str, bool]]] = {}
    for episode_id, language, timed in records:
        if episode_id in by_id:
            found.setdefault(episode_id, []).append((language, timed))
    for episode_id, stored in found.items():
        episode = by_id[episode_id]
        show_language = show_languages.get(episode.show_id, "")
        stored.sort(key=lambda row: language_order(row[0], show_language))
        for language, timed in stored:
            _add_formats(links[episode_id], urls, episode.slug, language, timed, show_language)
    return links


def unchecked_drafts(session: Session, episodes: Sequence[EpisodeRef]) -> set[int]:
    """Ids of the episodes with a transcript the feed leaves out until a producer checks it
    (``transcripts.visibility``), so the feed check can say why an item has none."""
    if not episodes:
        return set()
    wanted = {episode.id for episode in episodes}
    rows = session.connection().scalars(
        select(StoredTranscript.episode_id)
        .join(Episode, Episode.id == StoredTranscript.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .where(Episode.show_id.in_({e.show_id for e in episodes}), not_(shown_clause("feed")))
        .distinct()
    )
    return {episode_id for episode_id in rows if episode_id in wanted}


def _add_formats(
    out: list[TranscriptLink],
    urls: PublicUrls,
    slug: str,
    language: str,
    timed: bool,
    show_language: str,
) -> None:
    """One language's links, in the registry's ``feed_order`` (JSON, VTT, SRT, HTML)."""
    for fmt in feed_formats(timed):
        out.append(
            TranscriptLink(
                url=urls.transcript(slug, fmt.name, language, show_language),
                type=fmt.media_type,
                language=language,
                rel=fmt.feed_rel,
            )
        )
