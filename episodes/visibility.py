"""Who may see an episode: the one rule every route, page, feed and search applies.

The public sees an episode once it is published and its publish time has come; a producer
sees every episode of the show (drafts and scheduled ones too); everyone else gets a 404, the
same answer as for an episode that never existed or was deleted, so nothing about unpublished
work leaks. A published row without a publish time (only a hand-edited database has one) is
not public: the rule asks for a time that has come.

The rule exists in three forms that must agree, and ``tests/episodes/test_visibility.py``
checks that they do: :func:`public_clause` for SQL, :func:`public_from` for rows the media
index keeps without an ORM object, and :func:`is_public` for a loaded episode.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_

from episodes.models import Episode, Status
from podcast.core.errors import NotFound

__all__ = ["is_public", "may_see", "public_clause", "public_from", "visible_or_404"]


def public_from(status: Status, publish_at: datetime | None) -> datetime | None:
    """From when the public may see an episode in this state; None: not while it stays so."""
    return publish_at if status is Status.PUBLISHED else None


def is_public(episode: Episode, now: datetime) -> bool:
    """Published, and its time has come."""
    since = public_from(episode.status, episode.publish_at)
    return since is not None and since <= now


def public_clause(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """:func:`is_public` as a WHERE clause (a NULL publish time compares as not public);
    ``now`` may be a bound parameter, for a statement built once (the feed's)."""
    return and_(Episode.status == Status.PUBLISHED, Episode.publish_at <= now)


def may_see(episode: Episode | None, now: datetime, *, producer: bool) -> bool:
    """Whether this caller may see the episode (None: it does not exist)."""
    return episode is not None and (producer or is_public(episode, now))


def visible_or_404(
    episode: Episode | None, now: datetime, *, producer: bool, missing: str
) -> Episode:
    """The episode if this caller may see it, else ``NotFound(missing)``: drafts, scheduled,
    deleted and unknown episodes all answer alike."""
    if episode is None or not may_see(episode, now, producer=producer):
        raise NotFound(missing)
    return episode
