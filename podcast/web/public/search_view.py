"""Search results for the page: episodes, each with the moments in its transcript that match."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup
from sqlalchemy.orm import Session

from transcripts.search import search as search_hits

PER_PAGE = 20


@dataclass(frozen=True)
class Moment:
    start: float | None
    speaker: str | None
    snippet: Markup  # escaped text with <mark> around the matched words


@dataclass
class Result:
    slug: str
    title: str
    summary: Markup | None = None  # a title or show-notes match, marked
    moments: list[Moment] = field(default_factory=list)


@dataclass
class Results:
    items: list[Result]
    has_more: bool


def search(session: Session, show_id: int, query: str, now: datetime, page: int) -> Results:
    """One page of ``transcripts.search`` hits, grouped by episode in rank order."""
    found = search_hits(
        session, query, show_id=show_id, now=now, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    by_episode: dict[int, Result] = {}
    for hit in found.hits:
        result = by_episode.setdefault(hit.episode_id, Result(hit.slug, hit.title))
        # transcripts.snippets escaped the text and added only <mark>: safe as it is.
        snippet = Markup(hit.snippet)
        if hit.kind == "transcript":
            start = None if hit.start_ms is None else hit.start_ms / 1000
            result.moments.append(Moment(start, hit.speaker, snippet))
        elif result.summary is None and hit.snippet:
            result.summary = snippet
    return Results(list(by_episode.values()), found.has_more)
