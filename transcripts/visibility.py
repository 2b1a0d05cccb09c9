"""Where a transcript appears: the one rule for unreviewed automatic drafts (docs/asr.md).

A reviewed transcript (every upload, and a draft a producer has marked checked) appears
everywhere its episode does. An unreviewed one (a speech recognition draft) appears where the
show's ``unreviewed_transcripts`` setting says:

============  ===========================================  ===============================
setting       web: episode and transcript pages, search,   feed: ``podcast:transcript``
              the public transcript files                  tags
============  ===========================================  ===============================
web           yes                                          no (the default)
everywhere    yes                                          yes
nowhere       no                                           no
============  ===========================================  ===============================

With ``web`` the files stay fetchable by URL (the page links to them and its player uses
them), but the feed does not announce them: apps would present a draft as the show's own
transcript. Producers see every transcript on the pages (as they see drafts), marked.

The rule has two forms that must agree (``tests/transcripts/test_visibility.py`` checks
they do): :func:`is_shown` for a loaded row and :func:`shown_clause` for SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, or_, true

from podcast.shows.models import UNREVIEWED_TRANSCRIPTS, Show
from transcripts.models import StoredTranscript

__all__ = ["Place", "is_shown", "shown", "shown_clause", "unreviewed_shown"]

Place = Literal["web", "feed"]

# The settings under which an unreviewed transcript appears in each place.
_ALLOWED: dict[str, tuple[str, ...]] = {
    "web": ("web", "everywhere"),
    "feed": ("everywhere",),
}
assert {s for allowed in _ALLOWED.values() for s in allowed} <= set(UNREVIEWED_TRANSCRIPTS)

T = TypeVar("T", bound=StoredTranscript)


def unreviewed_shown(setting: str, place: Place) -> bool:
    """Whether the show's setting lets unreviewed transcripts appear in ``place``."""
    return setting in _ALLOWED[place]


def is_shown(record: StoredTranscript, setting: str, place: Place) -> bool:
    """Whether ``record`` appears in ``place`` for the public, under the show's setting."""
    return bool(record.reviewed) or unreviewed_shown(setting, place)


def shown(records: Sequence[T], show: Show, place: Place, *, producer: bool = False) -> list[T]:
    """The records the caller may see in ``place`` (a producer sees all of them)."""
    if producer:
        return list(records)
    return [r for r in records if is_shown(r, show.unreviewed_transcripts, place)]


def shown_clause(place: Place) -> ColumnElement[bool]:
    """:func:`is_shown` in SQL; the statement must have ``transcripts`` and ``shows`` in FROM."""
    return or_(
        StoredTranscript.reviewed == true(),
        Show.unreviewed_transcripts.in_(_ALLOWED[place]),
    )
