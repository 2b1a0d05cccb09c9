"""The whole transcript on ``/episodes/{slug}/transcript``, in parts of bounded size.

Why parts: one page holding a 100,000-cue transcript would be tens of MB. A part holds at
most ``PART_CUES`` cues and about ``PART_BYTES`` of their HTML, so no page passes ~1 MB.

Where each part starts is worked out once per transcript version by one pass over the cues
(read in chunks, never all at once) and cached as a small :class:`Plan`; each part is then
read from its first cue with a LIMIT and rendered once (``transcript_view.fragments``).
Because merging restarts at every displayed cue (``transcripts.display``), a part read from
its start shows exactly what the pass saw, so the parts cover every cue once, in order.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from sqlalchemy.orm import Session

from podcast.core.caching import SizedCache
from podcast.web.public import transcript_view
from podcast.web.public.transcript_view import Fragment, fingerprint, html_size
from transcripts import display, repository
from transcripts.display import DisplayCue
from transcripts.models import StoredTranscript

PART_CUES = 500
PART_BYTES = 512 * 1024
PLAN_CACHE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PartStart:
    position: int  # the first displayed cue's first stored cue ...
    piece: int  # ... and which piece of it (long cues are shown in pieces)
    start_ms: int | None  # the time the part starts at (the latest known); None if untimed

    @property
    def key(self) -> tuple[int, int]:
        return (self.position, self.piece)


@dataclass(frozen=True, slots=True)
class Plan:
    word_level: bool
    starts: tuple[PartStart, ...]

    @property
    def parts(self) -> int:
        return max(1, len(self.starts))

    def part_at(self, seconds: float) -> int:
        """The part holding the moment ``seconds`` (1-based); part 1 for untimed ones."""
        times = [s.start_ms if s.start_ms is not None else -1 for s in self.starts]
        return max(1, bisect.bisect_right(times, seconds * 1000))

    def start_of(self, part: int) -> float | None:
        """When part ``part`` starts, in seconds."""
        start = self.starts[part - 1].start_ms if self.starts else None
        return None if start is None else start / 1000


plans: SizedCache[Plan] = SizedCache(
    PLAN_CACHE_BYTES, lambda plan: 64 * len(plan.starts) + 128, builders=1
)


def _make_plan(session: Session, record: StoredTranscript) -> Plan:
    word_level = transcript_view.is_word_level(session, record)
    rows = repository.iter_cues(session, record.id, 0, chunk=2000)
    starts: list[PartStart] = []
    count = size = 0
    last_start: int | None = None
    for cue in display.display_cues(rows, word_level=word_level):
        last_start = cue.start_ms if cue.start_ms is not None else last_start
        cost = html_size(cue)
        if not starts or count >= PART_CUES or size + cost > PART_BYTES:
            starts.append(PartStart(cue.position, cue.piece, last_start))
            count = size = 0
        count += 1
        size += cost
    return Plan(word_level, tuple(starts))


def plan_for(session: Session, record: StoredTranscript) -> Plan:
    """Where each part starts (blocking: one pass over the cues on a cache miss)."""
    return plans.get_or_build(fingerprint(record), lambda: _make_plan(session, record))


def _make_part(
    session: Session, record: StoredTranscript, plan: Plan, part: int, show_language: str
) -> Fragment:
    begin = plan.starts[part - 1]
    end = plan.starts[part].key if part < len(plan.starts) else None
    rows = repository.iter_cues(session, record.id, begin.position, chunk=PART_CUES)
    cues: list[DisplayCue] = []
    for cue in display.display_cues(rows, word_level=plan.word_level):
        if cue.key < begin.key:
            continue  # earlier pieces of a long cue, shown by the part before
        if end is not None and cue.key >= end:
            break
        cues.append(cue)
    return transcript_view.render_fragment(cues, record.language, show_language)


def part(
    session: Session, record: StoredTranscript, plan: Plan, number: int, show_language: str
) -> Fragment:
    """Part ``number`` (1-based, at most ``plan.parts``) rendered, from the cache if made."""
    if not plan.starts:
        return transcript_view.render_fragment([], record.language, show_language)
    key = ("part", *fingerprint(record), show_language, number)
    return transcript_view.fragments.get_or_build(
        key, lambda: _make_part(session, record, plan, number, show_language)
    )
