"""Where each enclosure URL points, cached in memory: the media hot path asks no database.

Podcast apps fetch audio in many small ranges, so looking up the episode for every range
request would cost more than sending the bytes (bench/media.py). Entries live for a short
window (``ttl`` seconds, the same staleness a replica's feed has) and are dropped at once when
this process changes anything; a changed file is noticed because its stat no longer matches.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from episodes.models import AudioFile, Episode, PublishedSlug, Status
from episodes.slugs import is_slug
from episodes.visibility import public_from
from podcast.core.db import Sessions
from podcast.core.public_urls import content_version
from podcast.shows.models import Show


@dataclass(frozen=True, slots=True)
class MediaEntry:
    episode_id: int
    slug: str
    extension: str
    key: str  # storage key of the audio
    size: int
    etag: str
    last_modified: datetime
    mime_type: str
    public_from: datetime | None  # None: a draft
    duration: float  # seconds (analytics: how many bytes make a minute)
    version: str  # the content version enclosure URLs carry (``public_urls.content_version``)

    def is_public(self, now: datetime) -> bool:
        """``episodes.visibility.is_public`` for a row kept without its ORM object."""
        return self.public_from is not None and self.public_from <= now


class MediaIndex:
    """Misses are remembered too (a 404 costs no query), so the size is capped: a scanner
    asking for random names must not grow the process without bound."""

    def __init__(
        self,
        factory: Sessions,
        show_slug: str,
        ttl: float,
        max_entries: int = 10_000,
    ) -> None:
        self._factory = factory
        self._show_slug = show_slug
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, MediaEntry | None]] = {}
        self._lock = threading.Lock()
        # Bumped by clear(): an answer read before a clear must not be kept after it.
        self._generation = 0

    def cached(self, slug: str) -> tuple[bool, MediaEntry | None]:
        """(hit, entry) without touching the database; a miss must be :meth:`load`-ed.

        An entry whose ``slug`` is not the one asked for is the episode's current one: the
        slug asked for is one it was published under before (``episodes.slug_history``)."""
        found = self._entries.get(slug)
        if found is None or found[0] < time.monotonic():
            return False, None
        return True, found[1]

    def load(self, slug: str) -> MediaEntry | None:
        """Look the slug up in the database (in a worker thread) and remember the answer."""
        if not is_slug(slug):
            return None  # names nothing, and is not worth a place in the cache
        generation = self._generation
        with self._factory() as session:
            row = session.execute(
                select(
                    Episode.id,
                    Episode.status,
                    Episode.publish_at,
                    AudioFile.key,
                    AudioFile.extension,
                    AudioFile.size_bytes,
                    AudioFile.sha256,
                    AudioFile.uploaded_at,
                    AudioFile.mime_type,
                    AudioFile.duration,
                )
                .join(AudioFile, AudioFile.episode_id == Episode.id)
                .join(Show, Show.id == Episode.show_id)
                .where(Show.slug == self._show_slug, Episode.slug == slug)
            ).first()
            moved = None
            if row is None:  # perhaps a slug the episode was once published under
                moved = session.execute(
                    select(Episode.slug)
                    .join(PublishedSlug, PublishedSlug.episode_id == Episode.id)
                    .join(Show, Show.id == PublishedSlug.show_id)
                    .where(Show.slug == self._show_slug, PublishedSlug.slug == slug)
                ).scalar()
        if moved is not None and moved != slug:
            # The current slug's entry, kept under the old one too: the route redirects.
            return self._remember(slug, generation, self.load(moved))
        entry = None
        if row is not None:
            entry = MediaEntry(
                episode_id=row.id,
                slug=slug,
                extension=row.extension,
                key=row.key,
                size=row.size_bytes,
                etag=f'"{row.sha256}"',
                last_modified=row.uploaded_at,
                mime_type=row.mime_type,
                public_from=public_from(Status(row.status), row.publish_at),
                duration=row.duration,
                version=content_version(row.sha256),
            )
        return self._remember(slug, generation, entry)

    def _remember(self, slug: str, generation: int, entry: MediaEntry | None) -> MediaEntry | None:
        now = time.monotonic()
        with self._lock:
            if generation != self._generation:
                return entry  # the data changed while this was read: answer, don't remember
            if len(self._entries) >= self._max_entries:
                self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
                if len(self._entries) >= self._max_entries:
                    self._entries.clear()
            self._entries[slug] = (now + self._ttl, entry)
        return entry

    def forget(self, slug: str) -> None:
        with self._lock:
            self._entries.pop(slug, None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
