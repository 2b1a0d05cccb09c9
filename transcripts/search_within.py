"""Search within one transcript: every matching cue, counted, the first few in time order.

Why not :func:`transcripts.search.search`: that ranks the newest ``CANDIDATES`` matches
across the show, at most three per episode, by relevance; a reader searching one transcript
wants all its matches, in the order they are said. The matching is the same (the engines of
``transcripts.search``: stemming, accent folding, phrases and prefixes, SQLite FTS5 or
PostgreSQL full text search), limited to the transcript's cue ids, and the cues read are
bounded by ``limit`` however many match.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from transcripts.models import StoredCue, StoredTranscript
from transcripts.search import cue_range, engine_for
from transcripts.search_query import parse_query
from transcripts.snippets import safe_snippet

__all__ = ["CueMatch", "Matches", "within_transcript"]


@dataclass(frozen=True, slots=True)
class CueMatch:
    position: int
    start_ms: int | None
    end_ms: int | None
    speaker: str | None
    snippet: str  # safe HTML: escaped text with <mark> around the matches


@dataclass(frozen=True, slots=True)
class Matches:
    total: int  # every matching cue in the transcript
    cues: list[CueMatch]  # the first ``limit`` of them, in time order

    @property
    def capped(self) -> bool:
        return self.total > len(self.cues)


def within_transcript(
    session: Session, transcript_id: int, text_query: str, *, limit: int
) -> Matches:
    """The cues of one transcript matching what a reader typed; never raises for odd input."""
    query = parse_query(text_query)
    ids = cue_range(session, StoredTranscript.id == transcript_id)
    if query.empty or ids is None:
        return Matches(0, [])
    engine = engine_for(session)
    matches = engine.cue_matches(query, ids).subquery()
    found = (
        select(StoredCue.id, StoredCue.position, StoredCue.start_ms, StoredCue.end_ms)
        .add_columns(StoredCue.speaker)
        .join(matches, matches.c.cue_id == StoredCue.id)
        .where(StoredCue.transcript_id == transcript_id)
    )
    total = session.scalar(select(func.count()).select_from(found.subquery())) or 0
    rows = session.execute(found.order_by(StoredCue.position).limit(limit)).all()
    snippets = engine.cue_snippets(session, query, [row.id for row in rows]) if rows else {}
    cues = [
        CueMatch(
            row.position,
            row.start_ms,
            row.end_ms,
            row.speaker,
            safe_snippet(snippets.get(row.id, "")),
        )
        for row in rows
    ]
    return Matches(total, cues)
