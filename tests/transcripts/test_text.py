from __future__ import annotations

import pytest

from transcripts.cues import Cue, Transcript, TranscriptError
from transcripts.formats import text

UNTIMED = """\
Lorna Krisson: Welcome to Leadership Live. Today we're talking about
building anti-racist leadership in the NHS.

Ayo Barley: Thank you for having me.

Note: this conversation was recorded in March.
"""

TIMED = """\
[00:00:00] Lorna Krisson: Welcome to Leadership Live.

[00:04.250] Ayo Barley: Thank you for having me.
It's a pleasure.

[01:05] [laughs] Yes.

[1:00:00.5]
Lorna Krisson: Thanks for listening.
"""


def test_untimed_paragraphs_with_speakers() -> None:
    assert text.parse(UNTIMED) == [
        Cue(
            None,
            None,
            "Welcome to Leadership Live. Today we're talking about\n"
            "building anti-racist leadership in the NHS.",
            "Lorna Krisson",
        ),
        Cue(None, None, "Thank you for having me.", "Ayo Barley"),
        Cue(None, None, "Note: this conversation was recorded in March.", None),
    ]


def test_timed_paragraphs_end_where_the_next_starts() -> None:
    assert text.parse(TIMED) == [
        Cue(0, 4250, "Welcome to Leadership Live.", "Lorna Krisson"),
        Cue(4250, 65_000, "Thank you for having me.\nIt's a pleasure.", "Ayo Barley"),
        Cue(65_000, 3_600_500, "[laughs] Yes.", None),
        Cue(3_600_500, 3_600_500, "Thanks for listening.", "Lorna Krisson"),
    ]


def test_the_caller_can_give_the_episode_duration_for_the_last_end() -> None:
    cues = text.parse("[00:00] Hello\n\n[00:10] Bye\n", duration_ms=15_000)
    assert cues == [Cue(0, 10_000, "Hello"), Cue(10_000, 15_000, "Bye")]


def test_a_final_stamp_only_paragraph_marks_the_end() -> None:
    cues = text.parse("[00:00] Hello\n\n[00:10] Bye\n\n[00:12]\n")
    assert cues == [Cue(0, 10_000, "Hello"), Cue(10_000, 12_000, "Bye")]


def test_a_mix_of_timed_and_untimed_paragraphs_names_the_first_untimed_one() -> None:
    source = "[00:00] Hello\n\n[00:05] Still here\n\nForgot the stamp\n\nAnd again\n"
    with pytest.raises(TranscriptError) as info:
        text.parse(source)
    assert info.value.line == 5
    assert "no timestamp" in info.value.message


def test_an_untimed_title_before_timed_paragraphs_is_the_reported_line() -> None:
    with pytest.raises(TranscriptError) as info:
        text.parse("Building anti-racist leadership\n\n[00:00] Hello\n")
    assert info.value.line == 1


def test_bad_stamp_is_refused_with_its_line() -> None:
    with pytest.raises(TranscriptError) as info:
        text.parse("[00:00] Hello\n\n[00:7x] Bye\n")
    assert str(info.value) == (
        'line 3: "[00:7x]" is not a timestamp (expected [HH:MM:SS], [MM:SS] or [HH:MM:SS.mmm])'
    )


def test_stamps_going_backwards_are_refused() -> None:
    with pytest.raises(TranscriptError) as info:
        text.parse("[00:10] Hello\n\n\n[00:05] Bye\n")
    assert info.value.line == 4
    assert "earlier than the previous paragraph's [00:00:10.000]" in info.value.message


def test_brackets_that_are_not_stamps_are_text() -> None:
    assert text.parse("[Music]\n\n[1] A citation\n") == [
        Cue(None, None, "[Music]"),
        Cue(None, None, "[1] A citation"),
    ]


def test_windows_spacing_and_blank_lines_are_tolerated() -> None:
    source = "\n\n  Lorna Krisson: Hi  \n \t \n\n\nAyo Barley:   Hello\n\n"
    assert text.parse(source) == [
        Cue(None, None, "Hi", "Lorna Krisson"),
        Cue(None, None, "Hello", "Ayo Barley"),
    ]


def test_render_timed_and_untimed() -> None:
    timed = Transcript(
        "en",
        (
            Cue(0, 4250, "Welcome to Leadership Live.", "Lorna Krisson"),
            Cue(4250, 3_600_000, "Thanks.\nReally.", "Ayo Barley"),
            Cue(3_600_000, 3_600_000, "[music]"),
        ),
    )
    assert text.render(timed) == (  # one style throughout: milliseconds, as one start has
        "[00:00:00.000] Lorna Krisson: Welcome to Leadership Live.\n\n"
        "[00:00:04.250] Ayo Barley: Thanks.\nReally.\n\n"
        "[01:00:00.000] [music]\n"
    )
    assert text.parse(text.render(timed)) == list(timed.cues)
    whole = Transcript("en", (Cue(0, 4000, "One."), Cue(4000, 9000, "Two."), Cue(9000, 9000, "3")))
    assert text.render(whole) == "[00:00:00] One.\n\n[00:00:04] Two.\n\n[00:00:09] 3\n"
    assert text.parse(text.render(whole)) == list(whole.cues)
    untimed = Transcript("en", (Cue(None, None, "Hello", "Lorna Krisson"), Cue(None, None, "Hi")))
    assert text.render(untimed) == "Lorna Krisson: Hello\n\nHi\n"
    assert text.render(Transcript("en", ())) == ""
