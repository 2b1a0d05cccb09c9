"""Runaway repetition cut out of recognised words.

Whisper sometimes decodes a window it cannot follow (robotic or noisy speech, a language it
knows little, such as Welsh for the *base* model) as one short phrase repeated until the window
is full: ``i'r i'r i'r …`` seventy times. faster-whisper retries such a window at higher
temperatures (a compression-ratio check), but when every retry fails it still returns the best
failure, which may be the loop; which attempt wins even varies with the CPU's instruction set.
A transcript that repeats a phrase seventy times is worse than one that drops the repeats, so
:func:`without_runaway_repeats` keeps a phrase of up to ``longest`` words at most
``max_repeats`` times in a row (people do say "no, no, no") and drops the rest, with their
timings, which in a loop are meaningless anyway.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from transcripts.asr.grouping import TimedWord

__all__ = ["without_runaway_repeats"]

W = TypeVar("W", bound=TimedWord)


def _key(word: TimedWord) -> str:
    """A word compared without case, spacing or punctuation (``I'r,`` == `` i'r``)."""
    text = unicodedata.normalize("NFC", word.text).casefold()
    return "".join(ch for ch in text if ch.isalnum() or ch == "'")


def _repeats(keys: list[str], n: int) -> int:
    """How many times the last ``n`` keys occur in a row at the end of ``keys``."""
    tail = keys[-n:]
    count = 1
    while len(keys) >= n * (count + 1) and keys[-n * (count + 1) : -n * count] == tail:
        count += 1
    return count


def without_runaway_repeats(words: Iterable[W], max_repeats: int = 3, longest: int = 4) -> list[W]:
    """``words`` with any phrase of 1 to ``longest`` words repeated more than ``max_repeats``
    times in a row cut back to ``max_repeats`` occurrences; everything else kept in order.
    A piece that is only punctuation belongs to the word before it."""
    kept: list[W] = []
    keys: list[str] = []  # one per word, punctuation pieces left out
    starts: list[int] = []  # where each of those words starts in ``kept``
    dropped = False  # the last word was a repeat: its punctuation goes with it
    for word in words:
        key = _key(word)
        if not key:
            if not dropped:
                kept.append(word)
            continue
        dropped = False
        kept.append(word)
        keys.append(key)
        starts.append(len(kept) - 1)
        for n in range(1, longest + 1):
            if len(keys) > n * max_repeats and _repeats(keys, n) > max_repeats:
                del kept[starts[-n] :], keys[-n:], starts[-n:]
                dropped = True
                break
    return kept
