"""``?q=`` on the transcript page: the cues of one transcript that match, without JavaScript.

Bounded like the rest of the page: at most ``MAX_SHOWN`` cues are read and rendered, the
page says how many matched in all (``transcripts.search_within``). Bad input (nothing to
search for, too long) is a message on the page, not an error page.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.orm import Session

from podcast.web.public.transcript_view import transcript_page_href
from transcripts.models import StoredTranscript
from transcripts.search_query import parse_query
from transcripts.search_within import within_transcript

MAX_QUERY = 200  # as /api/search and /search
MAX_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Moment:
    start: float | None  # seconds
    speaker: str | None
    snippet: Markup  # escaped text with <mark> around the matched words
    context_href: str | None  # the part of the whole transcript holding the moment


@dataclass(frozen=True, slots=True)
class TranscriptSearch:
    query: str
    problem: str | None  # what is wrong with the query, for the reader
    total: int = 0
    moments: tuple[Moment, ...] = ()

    @property
    def capped(self) -> bool:
        return self.total > len(self.moments)


def problem_with(query: str) -> str | None:
    if not query:
        return "Type a word or a phrase to search the transcript for."
    if len(query) > MAX_QUERY:
        return f"Search for at most {MAX_QUERY} characters (this was {len(query)})."
    if parse_query(query).empty:
        return "Type words to search for: punctuation alone matches nothing."
    return None


def search(
    session: Session, record: StoredTranscript, slug: str, show_language: str, raw: str
) -> TranscriptSearch:
    """What the page shows for ``?q=raw`` in the transcript ``record``."""
    query = raw.strip()
    problem = problem_with(query)
    if problem is not None:
        return TranscriptSearch(query[:MAX_QUERY], problem)
    found = within_transcript(session, record.id, query, limit=MAX_SHOWN)
    moments = tuple(
        Moment(
            start=None if cue.start_ms is None else cue.start_ms / 1000,
            speaker=cue.speaker,
            # transcripts.snippets escaped the text and added only <mark>: safe as it is.
            snippet=Markup(cue.snippet),
            context_href=None
            if cue.start_ms is None
            else transcript_page_href(slug, record.language, show_language, t=cue.start_ms / 1000),
        )
        for cue in found.cues
    )
    return TranscriptSearch(query, None, found.total, moments)
