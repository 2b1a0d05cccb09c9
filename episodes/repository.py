"""Every query about episodes (who may see one: ``episodes.visibility``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from episodes.models import AudioFile, Episode, Status
from episodes.slugs import is_slug
from episodes.visibility import public_clause


def status_is(status: Status, now: datetime) -> ColumnElement[bool]:
    if status is Status.DRAFT:
        return Episode.status == Status.DRAFT
    if status is Status.SCHEDULED:
        return and_(Episode.status == Status.PUBLISHED, Episode.publish_at > now)
    return public_clause(now)


# Ids are 32-bit on PostgreSQL: a larger number names no episode (and must not reach the query,
# where it would be a database error rather than a 404).
MAX_ID = 2**31 - 1


def get(session: Session, show_id: int, episode_id: int) -> Episode | None:
    if not 1 <= episode_id <= MAX_ID:
        return None
    return session.scalar(
        select(Episode).where(Episode.show_id == show_id, Episode.id == episode_id)
    )


def get_by_slug(session: Session, show_id: int, slug: str) -> Episode | None:
    if not is_slug(slug):
        return None
    return session.scalar(select(Episode).where(Episode.show_id == show_id, Episode.slug == slug))


def get_by_guid(session: Session, guid: str) -> Episode | None:
    """Any show's episode with this GUID (unique across the installation)."""
    return session.scalar(select(Episode).where(Episode.guid == guid))


def page(
    session: Session,
    show_id: int,
    *,
    where: ColumnElement[bool] | None,
    offset: int,
    limit: int,
) -> tuple[list[Episode], int]:
    """One page, newest first (unpublished drafts, which have no date, by creation)."""
    query = select(Episode).where(Episode.show_id == show_id)
    if where is not None:
        query = query.where(where)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(
            Episode.publish_at.desc().nulls_first(), Episode.created_at.desc(), Episode.id.desc()
        )
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


def slugs_starting_with(session: Session, show_id: int, base: str) -> set[str]:
    rows = session.scalars(
        select(Episode.slug).where(
            Episode.show_id == show_id, Episode.slug.startswith(base, autoescape=True)
        )
    )
    return set(rows)


def sharing_audio(session: Session, episode: Episode) -> list[Episode]:
    """Other episodes (of any show) whose audio is the same stored file: media is
    content-addressed, so an identical upload shares it, and deleting this episode keeps it."""
    if episode.audio is None:
        return []
    return list(
        session.scalars(
            select(Episode)
            .join(AudioFile, AudioFile.episode_id == Episode.id)
            .where(AudioFile.key == episode.audio.key, Episode.id != episode.id)
            .order_by(Episode.id)
        )
    )
