from __future__ import annotations

import json

import pytest

from transcripts.cues import Cue, CueWord, Transcript, TranscriptError, UntimedTranscriptError
from transcripts.formats import podcast_json

EPISODE = """{
  "version": "1.0.0",
  "segments": [
    {"speaker": "Lorna Krisson", "startTime": 0, "endTime": 4.25,
     "body": "Welcome to Leadership Live."},
    {"speaker": "Ayo Barley", "startTime": 4.25, "endTime": 9.0,
     "body": "Thanks, Lorna. Anti-racist leadership starts with listening."},
    {"startTime": 9.0, "endTime": 9.5, "body": "[music]"}
  ]
}"""


def test_parses_an_episode() -> None:
    assert podcast_json.parse(EPISODE) == [
        Cue(0, 4250, "Welcome to Leadership Live.", "Lorna Krisson"),
        Cue(
            4250, 9000, "Thanks, Lorna. Anti-racist leadership starts with listening.", "Ayo Barley"
        ),
        Cue(9000, 9500, "[music]", None),
    ]


def test_word_level_segments_and_missing_end_times() -> None:
    text = json.dumps(
        {
            "version": "1.0.0",
            "segments": [
                {"speaker": "Ayo Barley", "startTime": 0.5, "body": " Leadership"},
                {"speaker": "Ayo Barley", "startTime": 0.75, "body": " "},
                {"speaker": "Ayo Barley", "startTime": 0.9, "body": "matters"},
            ],
        }
    )
    assert podcast_json.parse(text) == [
        Cue(500, 750, "Leadership", "Ayo Barley"),
        Cue(900, 900, "matters", "Ayo Barley"),
    ]


def test_missing_end_before_an_earlier_next_segment_ends_at_its_own_start() -> None:
    text = '{"segments": [{"startTime": 5, "body": "a"}, {"startTime": 1, "body": "b"}]}'
    # Ends come from the file's order; the cues are then sorted by start.
    assert podcast_json.parse(text) == [Cue(1000, 1000, "b"), Cue(5000, 5000, "a")]


def test_seconds_are_rounded_exactly_to_the_nearest_millisecond() -> None:
    text = (
        '{"segments": [{"startTime": 1.0005, "endTime": 1.0014999, "body": "a"},'
        '{"startTime": 0.1, "endTime": 0.3, "body": "b"},'
        '{"startTime": 7200, "endTime": 7.2e3, "body": "c"}]}'
    )
    assert podcast_json.parse(text) == [
        Cue(100, 300, "b"),
        Cue(1001, 1001, "a"),
        Cue(7_200_000, 7_200_000, "c"),
    ]


def test_json_syntax_errors_give_line_and_column() -> None:
    text = '{\n  "segments": [\n    {"startTime": 1 "body": "x"}\n  ]\n}'
    with pytest.raises(TranscriptError) as info:
        podcast_json.parse(text)
    assert info.value.line == 3
    assert "invalid JSON at column 21" in info.value.message
    assert "delimiter" in info.value.message


SEGMENT_ERRORS = [
    ('"hello"', "segments[1]: expected an object"),
    ('{"body": "x"}', "segments[1].startTime: missing"),
    ('{"startTime": "0:05", "body": "x"}', 'startTime: expected a number of seconds, found "0:05"'),
    ('{"startTime": true, "body": "x"}', "startTime: expected a number of seconds, found true"),
    ('{"startTime": [1.5], "body": "x"}', "startTime: expected a number of seconds, found a list"),
    ('{"startTime": -1, "body": "x"}', "segments[1].startTime: -1 is not a time"),
    ('{"startTime": 1, "endTime": null, "body": 5}', "segments[1].body: expected text, found 5"),
    ('{"startTime": 1, "body": "x", "speaker": {}}', "speaker: expected text, found an object"),
    ('{"startTime": 1, "endTime": "2", "body": "x"}', "segments[1].endTime: expected a number"),
    ('{"startTime": 3, "endTime": 2.5, "body": "x"}', "endTime 2.5 is before startTime 3"),
]


@pytest.mark.parametrize(("segment", "message"), SEGMENT_ERRORS)
def test_segment_errors_name_the_segment(segment: str, message: str) -> None:
    text = f'{{"version": "1.0.0", "segments": [{{"startTime": 0, "body": "ok"}}, {segment}]}}'
    with pytest.raises(TranscriptError) as info:
        podcast_json.parse(text)
    assert message in str(info.value)
    assert str(info.value).startswith("segments[1]")


@pytest.mark.parametrize("text", ["[]", '{"version": "1.0.0"}', '{"segments": {}}', "3"])
def test_documents_without_a_segments_list_are_refused(text: str) -> None:
    with pytest.raises(TranscriptError, match='"segments" list'):
        podcast_json.parse(text)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(constant: str) -> None:
    with pytest.raises(TranscriptError, match="not allowed"):
        podcast_json.parse(f'{{"segments": [{{"startTime": {constant}, "body": "x"}}]}}')


def test_render() -> None:
    transcript = Transcript(
        "en",
        (
            Cue(0, 4250, "Welcome to Leadership Live.", "Lorna Krisson"),
            Cue(4250, 9001, "Thank you.\nReally \u2014 <b>thanks</b>.", None),
        ),
    )
    rendered = podcast_json.render(transcript)
    assert json.loads(rendered) == {
        "version": "1.0.0",
        "segments": [
            {
                "speaker": "Lorna Krisson",
                "startTime": 0,
                "endTime": 4.25,
                "body": "Welcome to Leadership Live.",
            },
            {
                "startTime": 4.25,
                "endTime": 9.001,
                "body": "Thank you.\nReally \u2014 <b>thanks</b>.",
            },
        ],
    }
    assert "\u2014" in rendered  # written as UTF-8, not \\u escapes
    assert podcast_json.parse(rendered) == list(transcript.cues)


def test_words_timed_by_speech_recognition_are_written_as_word_segments() -> None:
    words = (CueWord(500, 900, "Croeso"), CueWord(900, 1000, "i"), CueWord(1000, 1800, "Gymru."))
    edited = (CueWord(2000, 2500, "Hello"), CueWord(2500, 3000, "there."))
    transcript = Transcript(
        "cy",
        (
            Cue(500, 1800, "Croeso i Gymru.", "Lorna", words),
            Cue(2000, 3000, "Hello, everyone.", None, edited),  # text changed since: stale
        ),
    )
    segments = json.loads(podcast_json.render(transcript))["segments"]
    assert segments == [
        {"speaker": "Lorna", "startTime": 0.5, "endTime": 0.9, "body": "Croeso"},
        {"speaker": "Lorna", "startTime": 0.9, "endTime": 1, "body": "i"},
        {"speaker": "Lorna", "startTime": 1, "endTime": 1.8, "body": "Gymru."},
        {"startTime": 2, "endTime": 3, "body": "Hello, everyone."},
    ]


def test_render_refuses_untimed_transcripts() -> None:
    with pytest.raises(UntimedTranscriptError, match="JSON"):
        podcast_json.render(Transcript("en", (Cue(None, None, "Hello"),)))
