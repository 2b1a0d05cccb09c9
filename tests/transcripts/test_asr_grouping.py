"""words_to_cues: recognised words into cues people can read (hand-made word lists)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transcripts.asr.grouping import words_to_cues
from transcripts.cues import Cue, validate


@dataclass(frozen=True)
class W:
    start: float
    end: float
    text: str


def spoken(text: str, *, start: float = 0.0, per_word: float = 0.3, gap: float = 0.05) -> list[W]:
    """Words as Whisper gives them: a leading space on each, evenly timed."""
    words = []
    t = start
    for token in text.split():
        words.append(W(t, t + per_word, " " + token))
        t += per_word + gap
    return words


def texts(cues: list[Cue]) -> list[str]:
    return [cue.text for cue in cues]


def assert_within(cues: list[Cue], max_chars: int = 84, max_seconds: float = 7.0) -> None:
    for cue in cues:
        assert cue.start_ms is not None and cue.end_ms is not None
        assert len(cue.text) <= max_chars, cue.text
        assert cue.end_ms - cue.start_ms <= max_seconds * 1000, cue
    for before, after in itertools.pairwise(cues):
        assert before.end_ms is not None and after.start_ms is not None
        assert before.end_ms <= after.start_ms


def test_empty_input_gives_no_cues() -> None:
    assert words_to_cues([]) == []
    assert words_to_cues([W(0, 0.2, "  "), W(0.2, 0.3, "\ufffd")]) == []


def test_a_short_sentence_is_one_cue_with_its_word_times() -> None:
    words = spoken("Welcome to Leadership Live.")
    [cue] = words_to_cues(words)
    assert cue.text == "Welcome to Leadership Live."
    assert cue.speaker is None
    assert (cue.start_ms, cue.end_ms) == (0, round(words[-1].end * 1000))
    assert [w.text for w in cue.words] == ["Welcome", "to", "Leadership", "Live."]
    assert [(w.start_ms, w.end_ms) for w in cue.words] == [
        (round(w.start * 1000), round(w.end * 1000)) for w in words
    ]


def test_cues_keep_to_84_characters_and_never_split_a_word() -> None:
    text = " ".join(["compassionate", "leadership", "across", "health", "and", "care"] * 10)
    cues = words_to_cues(spoken(text, per_word=0.05, gap=0.0))
    assert len(cues) > 1
    assert_within(cues)
    assert " ".join(texts(cues)) == text  # every word, in order, none cut


def test_cues_keep_to_seven_seconds() -> None:
    # Slow speech: few characters, many seconds.
    cues = words_to_cues(spoken("so " * 40, per_word=0.5, gap=0.1))
    assert len(cues) > 1
    assert_within(cues)
    assert all((cue.end_ms or 0) - (cue.start_ms or 0) > 5000 for cue in cues[:-1])


def test_limits_are_parameters() -> None:
    cues = words_to_cues(spoken("one two three four five six"), max_chars=10, max_seconds=100)
    assert texts(cues) == ["one two", "three four", "five six"]
    cues = words_to_cues(spoken("one two three four five six"), max_chars=999, max_seconds=0.7)
    assert texts(cues) == ["one two", "three four", "five six"]


def test_a_pause_ends_a_cue() -> None:
    words = [*spoken("Thank you."), *spoken("And now the news", start=2.0)]
    assert texts(words_to_cues(words)) == ["Thank you.", "And now the news"]
    # Below the pause threshold the words stay together.
    words = [*spoken("Thank you"), *spoken("and now", start=0.65 + 0.5)]
    assert texts(words_to_cues(words, pause=0.6)) == ["Thank you and now"]
    assert len(words_to_cues(words, pause=0.4)) == 2


def test_a_sentence_end_closes_a_half_full_cue() -> None:
    first = "We asked every ward manager what slows them down each morning."
    second = "Most of them said the same thing."
    cues = words_to_cues(spoken(f"{first} {second}", per_word=0.2, gap=0.0))
    assert texts(cues) == [first, second]


def test_short_sentences_share_a_cue() -> None:
    cues = words_to_cues(spoken("Yes. Of course. Go on.", per_word=0.2, gap=0.0))
    assert texts(cues) == ["Yes. Of course. Go on."]


def test_a_full_cue_breaks_back_at_its_last_sentence_or_clause_end() -> None:
    sentence = "Leadership is a team sport here."  # 32 characters: under half, stays open
    rest = "the people on the wards know what needs to change and we listen to them"
    cues = words_to_cues(spoken(f"{sentence} And {rest}", per_word=0.1, gap=0.0))
    assert cues[0].text == sentence
    assert cues[1].text.startswith("And the people")
    assert_within(cues)
    clause = "When the pressure is on in winter,"
    cues = words_to_cues(spoken(f"{clause} {rest}", per_word=0.1, gap=0.0))
    assert cues[0].text == clause
    assert_within(cues)


def test_a_break_point_too_early_in_the_cue_is_not_used() -> None:
    # "Yes," is too little for a cue of its own: the break happens at the limit instead.
    text = "Yes, the people on the wards know what needs to change and we should listen to them"
    cues = words_to_cues(spoken(text, per_word=0.1, gap=0.0))
    assert cues[0].text.startswith("Yes, the people")
    assert_within(cues)


def test_a_single_overlong_word_is_a_cue_of_its_own() -> None:
    long_word = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" * 2
    words = [*spoken("Welcome to"), W(0.8, 9.5, " " + long_word), *spoken("Croeso", start=9.6)]
    cues = words_to_cues(words)
    assert texts(cues) == ["Welcome to", long_word, "Croeso"]


def test_pieces_without_a_space_belong_to_the_word_before() -> None:
    # Whisper splits Welsh "sy'n" and "wedi'u" into pieces; a cue must never break there.
    words = [
        W(0.0, 0.3, " Mae"),
        W(0.3, 0.5, " hi"),
        W(0.5, 0.7, " sy"),
        W(0.7, 0.8, "'n"),
        W(0.8, 1.2, " gweithio"),
        W(1.2, 1.3, " wedi"),
        W(1.3, 1.4, "'u"),
    ]
    [cue] = words_to_cues(words)
    assert cue.text == "Mae hi sy'n gweithio wedi'u"
    assert [w.text for w in cue.words] == ["Mae", "hi", "sy'n", "gweithio", "wedi'u"]
    assert (cue.words[2].start_ms, cue.words[2].end_ms) == (500, 800)
    # With a limit that falls inside "sy'n", the break comes before the whole word.
    cues = words_to_cues(words, max_chars=10)
    assert texts(cues) == ["Mae hi", "sy'n", "gweithio", "wedi'u"]


def test_welsh_text_keeps_its_letters() -> None:
    text = (
        "Croeso i'r podlediad. Heddiw rydym yn siarad am arweinyddiaeth dosturiol ym maes iechyd."
    )
    cues = words_to_cues(spoken(text, per_word=0.2, gap=0.0))
    assert " ".join(texts(cues)) == text
    assert_within(cues)


def test_punctuation_only_tokens_join_the_word_before() -> None:
    words = [W(0, 0.4, " Hello"), W(0.4, 0.5, " ,"), W(0.5, 0.8, " world"), W(0.8, 0.9, " ?")]
    [cue] = words_to_cues(words)
    assert cue.text == "Hello, world?"
    assert [w.text for w in cue.words] == ["Hello,", "world?"]
    # A lone punctuation token after a pause does not start a cue of its own.
    words = [*spoken("Thank you"), W(3.0, 3.1, " ."), *spoken("Next", start=5.0)]
    assert texts(words_to_cues(words)) == ["Thank you.", "Next"]


def test_recogniser_debris_is_cleaned() -> None:
    words = [W(0, 0.3, " Ys\ufffd"), W(0.3, 0.6, " gol\x07"), W(0.6, 0.9, "  ")]
    assert texts(words_to_cues(words)) == ["Ys gol"]


def test_times_that_go_backwards_are_made_monotonic() -> None:
    words = [W(1.0, 1.5, " one"), W(0.9, 1.2, " two"), W(1.6, 1.4, " three")]
    [cue] = words_to_cues(words)
    starts = [w.start_ms for w in cue.words]
    assert starts == sorted(starts)
    assert all(w.end_ms >= w.start_ms for w in cue.words)


def test_cues_pass_the_transcript_checks_and_keep_their_words() -> None:
    cues = words_to_cues(spoken("First sentence here. " * 12, per_word=0.2, gap=0.0))
    assert validate(cues) == cues


@given(
    st.lists(
        st.tuples(
            st.floats(0, 2, allow_nan=False),
            st.floats(0, 1.5, allow_nan=False),
            st.text(alphabet="abcŵŷ'.,?! ", min_size=0, max_size=12),
        ),
        max_size=80,
    )
)
def test_any_words_give_cues_within_limits(items: list[tuple[float, float, str]]) -> None:
    words = []
    t = 0.0
    for gap, length, text in items:
        t += gap
        words.append(W(t, t + length, text))
        t += length
    cues = words_to_cues(words)
    for cue in cues:
        assert cue.start_ms is not None and cue.end_ms is not None
        assert cue.start_ms <= cue.end_ms
        if len(cue.words) > 1:  # only a single word may exceed the limits
            assert len(cue.text) <= 84
            assert cue.end_ms - cue.start_ms <= 7000
        assert cue.text == " ".join(w.text for w in cue.words)
    for before, after in itertools.pairwise(cues):
        assert (before.end_ms or 0) <= (after.start_ms or 0)
    joined = " ".join(" ".join(w.text.split()) for w in words).split()
    assert "".join(" ".join(texts(cues)).split()) == "".join(joined).replace("\ufffd", "")


@pytest.mark.parametrize("pause", [0.0, 0.6, 10.0])
def test_pause_threshold_never_loses_words(pause: float) -> None:
    words = spoken("one two three four five six seven eight nine ten")
    cues = words_to_cues(words, pause=pause)
    assert " ".join(texts(cues)) == "one two three four five six seven eight nine ten"
