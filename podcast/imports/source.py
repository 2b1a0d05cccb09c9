"""What an old host's feed says, read into plain values before anything of ours is touched.

The parser (:mod:`podcast.imports.parse`) fills these from any RSS or Atom podcast feed; the
importer maps them onto shows and episodes. Values are kept as the source wrote them where
identity depends on it (item GUIDs, ``podcast:guid``), and as ``None`` where the source said
nothing, so an import never invents a value the old feed did not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The podcast: namespace's values: one definition for the feed and the importer.
from podcast.core.podcast_namespace import Funding, License, Location, Person


@dataclass(frozen=True)
class Enclosure:
    url: str
    length: int | None
    media_type: str | None


@dataclass(frozen=True)
class TranscriptLink:
    url: str
    media_type: str
    language: str | None
    rel: str | None  # "captions" marks captions (timed for display)


@dataclass(frozen=True)
class ChapterMark:
    """A Podlove Simple Chapter (``psc:chapter``): the start in seconds and a title."""

    start: float
    title: str
    href: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class Soundbite:
    start: float
    duration: float
    title: str | None


@dataclass(frozen=True)
class SourceEpisode:
    position: int  # 1-based, in feed order: how the report names an item without a title
    guid: str
    guid_is_permalink: bool
    guid_from_enclosure: bool  # the item had no GUID: its enclosure URL stands in
    title: str
    published: datetime | None
    description_html: str
    summary: str | None  # itunes:summary / itunes:subtitle, plain text
    duration: float | None
    season: int | None
    number: int | None
    episode_type: str | None  # full, trailer, bonus
    explicit: bool | None
    image_url: str | None
    link: str | None
    enclosure: Enclosure | None
    transcripts: tuple[TranscriptLink, ...] = ()
    chapters_url: str | None = None
    chapter_marks: tuple[ChapterMark, ...] = ()
    people: tuple[Person, ...] = ()
    soundbites: tuple[Soundbite, ...] = ()
    location: Location | None = None
    license: License | None = None
    keywords: tuple[str, ...] = ()
    funding: tuple[Funding, ...] = ()


@dataclass(frozen=True)
class SourceShow:
    title: str
    description_html: str
    language: str | None
    author: str | None
    owner_name: str | None
    owner_email: str | None
    categories: tuple[tuple[str, str | None], ...]
    explicit: bool | None
    show_type: str | None  # episodic, serial
    image_url: str | None
    link: str | None
    copyright: str | None
    podcast_guid: str | None
    locked: bool | None
    new_feed_url: str | None
    complete: bool
    funding: tuple[Funding, ...] = ()
    people: tuple[Person, ...] = ()
    license: License | None = None
    location: Location | None = None


@dataclass(frozen=True)
class SourceFeed:
    url: str
    format: str  # "rss" or "atom"
    show: SourceShow
    episodes: tuple[SourceEpisode, ...]
    warnings: tuple[str, ...] = field(default=())
