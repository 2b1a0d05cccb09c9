"""Recognised words grouped into cues people can read.

Subtitle practice (BBC subtitle guidelines): at most two lines of about 42 characters on screen
at once, shown for no more than about 7 seconds, broken where the speech breaks: at the end of a
sentence, at a pause, failing that after a clause (a comma, a colon), and never inside a word.
:func:`words_to_cues` applies that to the words speech recognition gives:

- A cue ends at a pause of ``pause`` seconds or more between two words.
- A cue ends after a sentence (``.`` ``?`` ``!`` ``…``) once it is half full (in characters or
  in seconds), so the next sentence starts a fresh cue instead of being cut near its start.
- A word that would take the cue past ``max_chars`` or ``max_seconds`` starts a new cue; the
  break moves back to the cue's last sentence end, else its last clause end, when that leaves
  at least a third of the cue before it.
- Only a single word longer than the limits on its own makes a cue past them.

Recognisers split some words into pieces (Welsh ``sy`` + ``'n``, a lone ``,``): a piece without
a leading space belongs to the word before it, and a piece that is only punctuation too, so
cues never break inside a word or start with a stray comma. Every cue keeps its words' times
(:class:`~transcripts.cues.CueWord`); no speaker is guessed (there is no diarisation).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from transcripts.cues import Cue, CueWord, strip_controls

__all__ = ["TimedWord", "words_to_cues"]

_SENTENCE_END = frozenset(".?!…")
_CLAUSE_END = frozenset(",;:—–")  # noqa: RUF001 (the dashes are meant)
_CLOSERS = "\"'”’»)]}"  # noqa: RUF001 (closing quotes are meant)


class TimedWord(Protocol):
    """A recognised word: times in seconds, text as the recogniser spells it (often with a
    leading space that marks the start of a new word)."""

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...

    @property
    def text(self) -> str: ...


@dataclass(slots=True)
class _Unit:
    """A whole word as a reader sees it (one or more recogniser pieces)."""

    start: float
    end: float
    text: str


def _is_punctuation(text: str) -> bool:
    return all(unicodedata.category(char).startswith("P") for char in text)


def _units(words: Iterable[TimedWord]) -> list[_Unit]:
    units: list[_Unit] = []
    for word in words:
        raw = strip_controls(word.text).replace("\ufffd", "").replace("\ufeff", "")
        text = " ".join(raw.split())
        if not text:
            continue
        start, end = float(word.start), float(word.end)
        if units:
            start = max(start, units[-1].start)  # starts never go backwards
        end = max(end, start)
        joins = units and (not raw[:1].isspace() or _is_punctuation(text))
        if joins:
            last = units[-1]
            last.text += text
            last.end = max(last.end, end)
        else:
            units.append(_Unit(start, end, text))
    return units


def _ends_with(text: str, marks: frozenset[str]) -> bool:
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in marks


def _length(units: list[_Unit]) -> int:
    return sum(len(unit.text) for unit in units) + max(len(units) - 1, 0)


def _cue(units: list[_Unit], floor_ms: int) -> Cue:
    words = []
    for unit in units:
        start = max(round(unit.start * 1000), floor_ms)
        end = max(round(unit.end * 1000), start)
        words.append(CueWord(start, end, unit.text))
        floor_ms = start
    text = " ".join(unit.text for unit in units)
    return Cue(words[0].start_ms, max(w.end_ms for w in words), text, None, tuple(words))


def _break_point(units: list[_Unit], max_chars: int) -> int:
    """Where to end a full cue: after its last sentence end, else its last clause end, if that
    keeps at least a third of a cue before it; else after all of it."""
    for marks in (_SENTENCE_END, _CLAUSE_END):
        for index in range(len(units) - 1, 0, -1):
            if _ends_with(units[index - 1].text, marks):
                if _length(units[:index]) >= max_chars / 3:
                    return index
                break
    return len(units)


def words_to_cues(
    words: Iterable[TimedWord],
    *,
    max_seconds: float = 7.0,
    max_chars: int = 84,
    pause: float = 0.6,
) -> list[Cue]:
    """Group recognised words (times in seconds) into cues of at most ``max_chars`` characters
    and ``max_seconds`` seconds (two subtitle lines of 42), breaking at sentence ends and
    pauses; see the module docstring for the rules."""
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in _units(words):
        if current:
            gap = unit.start - current[-1].end
            too_long = _length([*current, unit]) > max_chars
            too_slow = unit.end - current[0].start > max_seconds
            if gap >= pause:
                groups.append(current)
                current = []
            elif too_long or too_slow:
                cut = _break_point(current, max_chars)
                groups.append(current[:cut])
                current = current[cut:]
                # The kept tail plus this word may still be too much for one cue.
                while current and (
                    _length([*current, unit]) > max_chars
                    or unit.end - current[0].start > max_seconds
                ):
                    groups.append(current)
                    current = []
        current.append(unit)
        if _ends_with(unit.text, _SENTENCE_END) and (
            _length(current) >= max_chars / 2
            or current[-1].end - current[0].start >= max_seconds / 2
        ):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    cues: list[Cue] = []
    for group in groups:
        floor = (cues[-1].end_ms or 0) if cues else 0  # cues never overlap
        cues.append(_cue(group, floor))
    return cues
