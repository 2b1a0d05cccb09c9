"""Transcript URLs for the feed's ``podcast:transcript`` tags, and for the API.

The feed calls ``feed_transcripts`` (the links and the unchecked drafts, in one query); the
transcripts package owns what it returns.
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
from itertools import chain
from typing import Protocol

from sqlalchemy import bindparam, select
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


@dataclass(frozen=True)
class FeedTranscripts:
    """What the feed needs of the transcripts, one query a show (:func:`feed_transcripts`)."""

    links: dict[int, list[TranscriptLink]]  # episode id -> its links, every language and format
    unchecked: set[int]  # episodes with a transcript the feed leaves out until it is checked


# Built once, the show bound at execution: a feed rebuild runs it as it is, without
# constructing it or computing its cache key again (docs/performance.md, "Feed build").
# By show, not by a list of episode ids: a 10,000-episode feed would bind 10,000 parameters.
# Every transcript of the show comes back, with whether the feed shows it (``shown_clause``):
# the hidden ones are the unchecked drafts, so one query answers both questions.
_TRANSCRIPTS = (
    select(
        StoredTranscript.episode_id,
        StoredTranscript.language,
        StoredTranscript.timed,
        Show.language,
        shown_clause("feed"),
    )
    .join(Episode, Episode.id == StoredTranscript.episode_id)
    .join(Show, Show.id == Episode.show_id)
    .where(Episode.show_id == bindparam("show_id"))
    .order_by(StoredTranscript.episode_id, StoredTranscript.language)
)


def feed_transcripts(
    session: Session, episodes: Sequence[EpisodeRef], base_url: str
) -> FeedTranscripts:
    """The episodes' transcript links, and which episodes have a transcript left out as an
    unchecked draft (``transcripts.visibility``), so the feed check can say why an item has
    none. Core rows through the session's connection: these are columns, not entities, and the
    ORM's result handling was most of a small feed's transcript lookup."""
    if not episodes:
        return FeedTranscripts({}, set())
    urls = PublicUrls(base_url)
    by_id = {episode.id: episode for episode in episodes}
    links: dict[int, list[TranscriptLink]] = {episode.id: [] for episode in episodes}
    unchecked: set[int] = set()
    connection = session.connection()
    # One show in practice (the feed's); a list may mix them.
    show_ids = sorted({episode.show_id for episode in episodes})
    rows = chain.from_iterable(
        connection.execute(_TRANSCRIPTS, {"show_id": show_id}) for show_id in show_ids
    )
    found: dict[int, list[tuple[str, bool]]] = {}
    show_languages: dict[int, str] = {}
    for episode_id, language, timed, show_language, shown in rows:
        if episode_id not in by_id:
            continue
        if shown:
            found.setdefault(episode_id, []).append((language, timed))
            show_languages[episode_id] = show_language
        else:
            unchecked.add(episode_id)
    for episode_id, stored in found.items():
        show_language = show_languages[episode_id]
        stored.sort(key=lambda row: language_order(row[0], show_language))
        slug = by_id[episode_id].slug
        for language, timed in stored:
            _add_formats(links[episode_id], urls, slug, language, timed, show_language)
    return FeedTranscripts(links, unchecked)


def transcript_links(
    session: Session, episodes: Sequence[EpisodeRef], base_url: str
) -> dict[int, list[TranscriptLink]]:
    """Episode id -> its transcripts' links, for every language and format offered."""
    return feed_transcripts(session, episodes, base_url).links


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
