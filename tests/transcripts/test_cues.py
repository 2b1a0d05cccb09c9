from __future__ import annotations

import pytest

from transcripts.cues import (
    Cue,
    Transcript,
    TranscriptError,
    UntimedTranscriptError,
    clean_speaker,
    clean_text,
    format_timestamp,
    parse_timestamp,
    split_speaker,
    validate,
)


def test_error_string_names_the_line() -> None:
    err = TranscriptError('"00:0x:10.000" is not a timestamp', line=7)
    assert str(err) == 'line 7: "00:0x:10.000" is not a timestamp'
    assert err.line == 7
    assert err.message == '"00:0x:10.000" is not a timestamp'
    assert isinstance(err, ValueError)


def test_error_string_without_line_is_the_message() -> None:
    err = TranscriptError("the file contains no transcript text")
    assert str(err) == "the file contains no transcript text"
    assert err.line is None


def test_untimed_error_is_a_transcript_error_that_suggests_alternatives() -> None:
    err = UntimedTranscriptError("WebVTT")
    assert isinstance(err, TranscriptError)
    assert "no timestamps" in str(err)
    assert "WebVTT" in str(err)
    assert "plain text or HTML" in str(err)


def test_cues_are_frozen() -> None:
    cue = Cue(0, 1000, "Welcome")
    with pytest.raises(AttributeError):
        cue.text = "changed"  # type: ignore[misc]


def test_transcript_turns_a_list_into_a_tuple() -> None:
    transcript = Transcript("en", [Cue(0, 1, "a")])  # type: ignore[arg-type]
    assert transcript.cues == (Cue(0, 1, "a"),)


def test_transcript_timed_and_duration() -> None:
    timed = Transcript("en", (Cue(0, 5000, "a"), Cue(1000, 9000, "b"), Cue(2000, 3000, "c")))
    assert timed.timed
    assert timed.duration_ms == 9000  # latest end, even when cues overlap
    untimed = Transcript("en", (Cue(None, None, "a"),))
    assert not untimed.timed
    assert untimed.duration_ms is None
    assert Transcript("en", ()).duration_ms is None


@pytest.mark.parametrize(
    ("ms", "kwargs", "expected"),
    [
        (0, {}, "00:00:00.000"),
        (65_500, {}, "00:01:05.500"),
        (3_723_004, {}, "01:02:03.004"),
        (3_723_004, {"sep": ","}, "01:02:03,004"),
        (65_500, {"always_hours": False}, "01:05.500"),
        (3_723_004, {"always_hours": False}, "01:02:03.004"),
        (100 * 3_600_000, {}, "100:00:00.000"),
    ],
)
def test_format_timestamp(ms: int, kwargs: dict[str, object], expected: str) -> None:
    assert format_timestamp(ms, **kwargs) == expected  # type: ignore[arg-type]


def test_format_timestamp_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_timestamp(-1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00:00:00.000", 0),
        ("01:02:03.004", 3_723_004),
        ("02:03.004", 123_004),
        ("100:00:00.001", 360_000_001),
    ],
)
def test_parse_timestamp(value: str, expected: int) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    "value", ["00:0x:10.000", "00:60:00.000", "00:00:60.000", "00:00:01.00", "00:00:01", "1:2.000"]
)
def test_parse_timestamp_refuses(value: str) -> None:
    with pytest.raises(TranscriptError) as info:
        parse_timestamp(value, line=3)
    assert info.value.line == 3
    assert f'"{value}" is not a timestamp (expected HH:MM:SS.mmm)' in str(info.value)


def test_parse_timestamp_with_comma() -> None:
    assert parse_timestamp("00:00:01,500", separators=",.") == 1500
    assert parse_timestamp("00:00:01.500", separators=",.") == 1500
    with pytest.raises(TranscriptError):
        parse_timestamp("00:00:01,500")


def test_clean_text() -> None:
    assert (
        clean_text("  Welcome  \r\n\r\n  to the show \rtoday\n\n") == "Welcome\nto the show\ntoday"
    )
    assert clean_text("a  b\tc") == "a  b\tc"  # interior whitespace is kept
    assert clean_text("\ufeffHello") == "Hello"
    assert clean_text(" \n\t ") == ""


def test_clean_speaker() -> None:
    assert clean_speaker("  Lorna \t Krisson\n") == "Lorna Krisson"
    assert clean_speaker("   ") is None
    assert clean_speaker(None) is None


@pytest.mark.parametrize(
    ("text", "speaker", "rest"),
    [
        (
            "Lorna Krisson: Welcome to Leadership Live",
            "Lorna Krisson",
            "Welcome to Leadership Live",
        ),
        ("AYO BARLEY: Thank you", "AYO BARLEY", "Thank you"),
        ("Speaker 2: Hello", "Speaker 2", "Hello"),
        ("SPEAKER_01: Hello", "SPEAKER_01", "Hello"),
        ("Dr. Ayo Barley: Hello", "Dr. Ayo Barley", "Hello"),
        ("Ludwig van Beethoven: Da da da", "Ludwig van Beethoven", "Da da da"),
        ("Zoë Ní Bhriain: Dia duit", "Zoë Ní Bhriain", "Dia duit"),
        ("Lorna:\nWelcome", "Lorna", "Welcome"),
    ],
)
def test_split_speaker_reads_names(text: str, speaker: str, rest: str) -> None:
    assert split_speaker(text) == (speaker, rest)


@pytest.mark.parametrize(
    "text",
    [
        "Note: this episode discusses racism",
        "Update: the survey has closed",
        "Warning: strong language",
        "In 2019: the report was published",
        "The answer: listen more",
        "lorna: lower case is not a name",
        "Lorna Krisson said: welcome",  # a lower-case word inside the name
        "Time:10am",  # no space after the colon
        "Lorna:",  # nothing after the name
        "A Very Long Name That Goes On And On: hello",  # more than five words
        "Thisnameiswaytoolongtobeanyonesrealnamehonestly: hi",  # more than 40 characters
        "Well, Lorna: hello",  # sentence punctuation
        "https://example.com: link",
    ],
)
def test_split_speaker_leaves_sentences_alone(text: str) -> None:
    assert split_speaker(text) == (None, text)


def test_validate_normalises_and_drops_empty_cues() -> None:
    cues = [
        Cue(0, 1000, "  Welcome  ", "  Lorna  Krisson "),
        Cue(1000, 2000, " \n ", "Ayo Barley"),
        Cue(2000, 3000, "Thanks", "   "),
    ]
    assert validate(cues) == [
        Cue(0, 1000, "Welcome", "Lorna Krisson"),
        Cue(2000, 3000, "Thanks", None),
    ]


def test_validate_refuses_end_before_start_with_its_line() -> None:
    cues = [Cue(0, 1000, "ok"), Cue(10_000, 5_000, "backwards")]
    with pytest.raises(TranscriptError) as info:
        validate(cues, [3, 7])
    assert info.value.line == 7
    assert "ends (00:00:05.000) before it starts (00:00:10.000)" in info.value.message


def test_validate_allows_zero_length_cues() -> None:
    assert validate([Cue(5, 5, "I")]) == [Cue(5, 5, "I")]


@pytest.mark.parametrize(
    ("cues", "message"),
    [
        ([Cue(0, None, "a")], "both a start and an end"),
        ([Cue(None, 5, "a")], "both a start and an end"),
        ([Cue(-5, 5, "a")], "negative"),
        ([Cue(0, 5, "a"), Cue(None, None, "b")], "some cues have timestamps"),
    ],
)
def test_validate_refuses_inconsistent_times(cues: list[Cue], message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        validate(cues)


def test_control_characters_are_removed_from_text_and_speakers() -> None:
    assert clean_text("a\x07b\x1b[0m\x7f\x85\x9f\tc\u2028d") == "ab[0m\tc\u2028d"
    assert clean_speaker("Ayo\x07 \x1bBarley") == "Ayo Barley"
    assert clean_speaker("\x07") is None


def test_validate_sorts_timed_cues_by_start_and_refuses_times_past_100_hours() -> None:
    cues = [Cue(2000, 3000, "c"), Cue(0, 5000, "a"), Cue(0, 1000, "b")]
    assert [c.text for c in validate(cues)] == ["a", "b", "c"]  # stable for equal starts
    with pytest.raises(TranscriptError, match="later than 100 hours") as caught:
        validate([Cue(0, 100 * 3_600_000 + 1, "late")], [9])
    assert caught.value.line == 9
