"""The runaway-repeat guard on recognised words (pure: no model)."""

from __future__ import annotations

from transcripts.asr.repeats import without_runaway_repeats
from transcripts.asr.transcriber import Word


def words(text: str) -> list[Word]:
    return [Word(i, i + 0.5, f" {token}", 0.9) for i, token in enumerate(text.split())]


def spoken(kept: list[Word]) -> str:
    return "".join(word.text for word in kept).strip()


def test_a_word_repeated_until_the_window_is_full_is_cut_to_three() -> None:
    kept = without_runaway_repeats(words("yw'n " + "i'r " * 70))
    assert spoken(kept) == "yw'n i'r i'r i'r"
    assert [word.start for word in kept] == [0, 1, 2, 3]  # the first ones, times kept


def test_a_repeated_phrase_is_cut_and_what_follows_kept() -> None:
    kept = without_runaway_repeats(words("we said " + "thank you all " * 12 + "goodbye now"))
    assert spoken(kept) == "we said thank you all thank you all thank you all goodbye now"


def test_repeats_differing_only_in_case_and_punctuation_are_one_phrase() -> None:
    kept = without_runaway_repeats(words("No, no, NO. no! no no"))
    assert spoken(kept) == "No, no, NO."


def test_ordinary_speech_and_three_repeats_are_untouched() -> None:
    text = "no, no, no, that is not what I said: it was very very very good and good again"
    assert spoken(without_runaway_repeats(words(text))) == text


def test_punctuation_pieces_between_repeats_do_not_hide_a_loop() -> None:
    pieces = [Word(0, 0.1, " Hi", 0.9)]
    for i in range(20):
        pieces += [Word(i + 1, i + 1.2, " i'r", 0.5), Word(i + 1.2, i + 1.3, ",", 0.5)]
    assert spoken(without_runaway_repeats(pieces)) == "Hi i'r, i'r, i'r,"
