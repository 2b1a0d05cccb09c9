"""Slugs episodes were published under, so that links to them never break.

Apps, feeds, shared posts and search engines keep an episode's page, audio, chapters and
transcript URLs, all of which carry its slug. So a published episode's slug never changes
(``episodes.service.update_episode`` refuses), and a draft's may. An episode published once,
then unpublished and renamed, keeps its old slugs here: every link under an old slug redirects
(301) to the current one for ever, and no other episode may take an old slug (it would take
the old links with it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from episodes.models import Episode, PublishedSlug
from episodes.slugs import is_slug
from podcast.core.db import insert_unless_present


def remember(session: Session, episode: Episode, now: datetime) -> None:
    """Record the slug the episode is being published under (once per slug: publishing
    again, or twice at the same moment, finds the row already there)."""
    insert_unless_present(
        session,
        PublishedSlug,
        show_id=episode.show_id,
        episode_id=episode.id,
        slug=episode.slug,
        published_at=now,
    )


def owner(session: Session, show_id: int, slug: str) -> int | None:
    """The id of the episode once published under ``slug`` (None: no episode ever was)."""
    return session.scalar(
        select(PublishedSlug.episode_id).where(
            PublishedSlug.show_id == show_id, PublishedSlug.slug == slug
        )
    )


def starting_with(session: Session, show_id: int, base: str) -> set[str]:
    """Old slugs beginning with ``base``: taken, as current ones are, for a new episode."""
    rows = session.scalars(
        select(PublishedSlug.slug).where(
            PublishedSlug.show_id == show_id, PublishedSlug.slug.startswith(base, autoescape=True)
        )
    )
    return set(rows)


def moved(session: Session, show_id: int, slug: str) -> Episode | None:
    """The episode that was published under ``slug`` and now lives under another slug."""
    if not is_slug(slug):
        return None
    return session.scalar(
        select(Episode)
        .join(PublishedSlug, PublishedSlug.episode_id == Episode.id)
        .where(PublishedSlug.show_id == show_id, PublishedSlug.slug == slug, Episode.slug != slug)
    )


def with_query(path: str, query: str) -> str:
    """A redirect's target keeps the query string (``?t=``, ``?lang=``...)."""
    return f"{path}?{query}" if query else path
