"""Display-only merging of word-level cues and splitting of huge ones (transcripts.display)."""

from __future__ import annotations

from transcripts.cues import Cue
from transcripts.display import (
    MERGE_MAX_CHARS,
    PIECE_CHARS,
    display_cues,
    is_word_level,
    merge_words,
)


def words(*items: tuple[int, int, str, str | None]) -> list[tuple[int, Cue]]:
    return [(i, Cue(a, b, text, speaker)) for i, (a, b, text, speaker) in enumerate(items)]


def test_word_level_is_one_word_a_cue() -> None:
    assert is_word_level([Cue(0, 1, "Hello"), Cue(1, 2, "there.")])
    assert not is_word_level([Cue(0, 1, "Hello there, how are you?"), Cue(1, 2, "Fine.")])
    assert not is_word_level([Cue(None, None, "Hello"), Cue(None, None, "there")])
    assert not is_word_level([Cue(0, 1, "Hello")])


def test_merges_up_to_the_end_of_a_sentence_and_a_change_of_speaker() -> None:
    rows = words(
        (0, 300, "So", "A"),
        (300, 600, "we", "A"),
        (600, 900, "begin", "A"),
        (900, 1000, ",", "A"),
        (1000, 1400, "again.", "A"),
        (1500, 1800, '"Really?"', "A"),
        (2000, 2200, "Yes", "B"),
        (2300, 2500, "Of", "A"),
    )
    merged = list(merge_words(rows))
    assert merged == [
        (0, Cue(0, 1400, "So we begin, again.", "A")),
        (5, Cue(1500, 1800, '"Really?"', "A")),
        (6, Cue(2000, 2200, "Yes", "B")),
        (7, Cue(2300, 2500, "Of", "A")),
    ]


def test_merged_cues_are_bounded_in_time_and_length() -> None:
    long_words = words(*[(i * 1000, i * 1000 + 900, "word", None) for i in range(40)])
    for _, cue in merge_words(long_words):
        assert cue.end_ms is not None and cue.start_ms is not None
        assert cue.end_ms - cue.start_ms <= 15_000
    wide = words(*[(i, i + 1, "x" * 40, None) for i in range(40)])
    merged = [cue for _, cue in merge_words(wide)]
    assert all(len(cue.text) <= MERGE_MAX_CHARS for cue in merged)
    assert " ".join(cue.text for cue in merged) == " ".join(["x" * 40] * 40)


def test_merging_from_any_merged_cue_gives_the_same_cues() -> None:
    rows = words(
        *[(i * 400, i * 400 + 350, f"w{i}{'.' if i % 7 == 6 else ''}", None) for i in range(100)]
    )
    full = list(merge_words(rows))
    for position, _ in full:
        tail = list(merge_words(rows[position:]))
        assert tail == [m for m in full if m[0] >= position]


def test_huge_cues_are_shown_in_pieces_keeping_every_word() -> None:
    text = " ".join(f"w{i}" for i in range(5000))
    shown = list(display_cues([(3, Cue(1000, 2000, text, "A"))], word_level=False))
    assert len(shown) > 1 and all(len(piece.text) <= PIECE_CHARS for piece in shown)
    assert [piece.key for piece in shown] == [(3, n) for n in range(len(shown))]
    assert " ".join(piece.text for piece in shown) == text
    assert (shown[0].start_ms, shown[1].start_ms) == (1000, None)
