"""Search results for the page: episodes, each with the moments in its transcript that match."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from episodes import repository
from episodes.models import Episode
from podcast.show.models import Show

MAX_RESULTS = 30


@dataclass(frozen=True)
class Moment:
    start: float | None
    snippet: Markup  # escaped text with <mark> around the matched words


@dataclass
class Result:
    episode: Episode
    moments: list[Moment] = field(default_factory=list)


def search(session: Session, show: Show, query: str, now: datetime) -> list[Result]:
    """Published episodes whose title or summary contain the words."""
    words = [w for w in query.split() if w][:8]
    if not words:
        return []
    conditions = [
        or_(
            Episode.title.icontains(word, autoescape=True),
            Episode.summary.icontains(word, autoescape=True),
        )
        for word in words
    ]
    rows = session.scalars(
        select(Episode)
        .where(Episode.show_id == show.id, repository.visible(now), *conditions)
        .order_by(Episode.publish_at.desc())
        .limit(MAX_RESULTS)
    )
    return [Result(e) for e in rows]
