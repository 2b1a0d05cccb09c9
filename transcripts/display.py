"""Transcripts as people read them: word-level segments merged into sentences, huge cues split.

Why: ASR tools write Podcasting 2.0 JSON with one segment per word, so shown as stored a
one-hour episode is 9,000 one-word lines. The stored cues and the JSON, WebVTT and SRT files
stay exactly as uploaded; only what people read (pages, ``.html``, ``.txt``) is merged.

Merging is greedy and starts afresh at every merged cue, so reading from any displayed cue's
first stored cue gives the same cues as reading from the top: that is what lets a transcript
page begin anywhere without reading what comes before it
(see ``podcast.web.public.transcript_parts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from transcripts.cues import Cue, clean_speaker, clean_text

__all__ = [
    "MERGE_MAX_CHARS",
    "MERGE_MAX_MS",
    "PIECE_CHARS",
    "WORD_LEVEL_SAMPLE",
    "DisplayCue",
    "display_cues",
    "is_word_level",
    "merge_words",
]

MERGE_MAX_MS = 15_000  # a merged cue spans at most this long ...
MERGE_MAX_CHARS = 300  # ... and holds at most this much text
PIECE_CHARS = 4_000  # longer cue text is shown in pieces, so one cue cannot make a page huge
WORD_LEVEL_SAMPLE = 200  # the first cues decide whether a transcript is word-level

_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
_NO_SPACE_BEFORE = frozenset(",.;:!?%)]}\u2026\u201d\u2019")


@dataclass(frozen=True, slots=True)
class DisplayCue:
    """What a reader sees as one cue; ``(position, piece)`` says where it starts."""

    position: int  # the first stored cue it holds (``transcript_cues.position``)
    piece: int  # 0, or which part of a cue too long to show in one piece
    start_ms: int | None  # None on untimed cues and on a long cue's later pieces
    end_ms: int | None
    speaker: str | None
    text: str

    @property
    def key(self) -> tuple[int, int]:
        return (self.position, self.piece)


def is_word_level(sample: Sequence[Cue]) -> bool:
    """Whether cues look like one word each (ASR output): timed, 1.5 words a cue or fewer."""
    if len(sample) < 2 or not all(cue.timed for cue in sample):
        return False
    words = sum(len(cue.text.split()) for cue in sample)
    return words <= 1.5 * len(sample)


def _ends_sentence(text: str) -> bool:
    return _SENTENCE_END.search(text) is not None


def _join(text: str, word: str) -> str:
    if not text:
        return word
    if word[0] in _NO_SPACE_BEFORE:
        return text + word
    return f"{text} {word}"


def merge_words(rows: Iterable[tuple[int, Cue]]) -> Iterator[tuple[int, Cue]]:
    """Merge consecutive same-speaker timed cues into sentences.

    A merged cue ends after text ending a sentence (``.`` ``?`` ``!`` ``…``, closing quotes
    allowed), before a change of speaker, and before it would last more than
    ``MERGE_MAX_MS`` or hold more than ``MERGE_MAX_CHARS``. Yields ``(first position, cue)``.
    """
    group: list[tuple[int, Cue]] = []
    text = ""

    def flush() -> tuple[int, Cue]:
        first, head = group[0]
        end = max((c.end_ms for _, c in group if c.end_ms is not None), default=head.end_ms)
        return first, Cue(head.start_ms, end, text, head.speaker)

    for position, cue in rows:
        words = " ".join(clean_text(cue.text).split())
        speaker = clean_speaker(cue.speaker)
        if group:
            head = group[0][1]
            too_long = (
                cue.end_ms is not None
                and head.start_ms is not None
                and cue.end_ms - head.start_ms > MERGE_MAX_MS
            )
            if speaker != head.speaker or too_long or len(_join(text, words)) > MERGE_MAX_CHARS:
                yield flush()
                group, text = [], ""
        group.append((position, Cue(cue.start_ms, cue.end_ms, words, speaker)))
        text = _join(text, words)
        if _ends_sentence(text):
            yield flush()
            group, text = [], ""
    if group:
        yield flush()


def _pieces(text: str) -> list[str]:
    """Text cut into parts of at most ``PIECE_CHARS``, at a line break or space if possible."""
    if len(text) <= PIECE_CHARS:
        return [text] if text else []
    pieces: list[str] = []
    while len(text) > PIECE_CHARS:
        window = text[:PIECE_CHARS]
        cut = max(window.rfind("\n"), window.rfind(" "))
        if cut < PIECE_CHARS // 2:
            cut = PIECE_CHARS
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    pieces.append(text)
    return [piece for piece in pieces if piece]


def display_cues(rows: Iterable[tuple[int, Cue]], *, word_level: bool) -> Iterator[DisplayCue]:
    """Stored ``(position, cue)`` rows, in order, as readers see them.

    Stored cues are already normalised (``transcripts.cues.validate``), so text and speakers
    are used as they are: this runs over every cue of a transcript to plan its pages.
    """
    merged = merge_words(rows) if word_level else rows
    for position, cue in merged:
        text = cue.text
        if len(text) <= PIECE_CHARS:
            yield DisplayCue(position, 0, cue.start_ms, cue.end_ms, cue.speaker, text)
            continue
        for piece, part in enumerate(_pieces(text)):
            first = piece == 0
            yield DisplayCue(
                position,
                piece,
                cue.start_ms if first else None,
                cue.end_ms if first else None,
                cue.speaker,
                part,
            )
