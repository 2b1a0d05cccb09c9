from __future__ import annotations

import re

import pytest

from transcripts.cues import Cue, Transcript, TranscriptError, UntimedTranscriptError
from transcripts.formats import srt

EPISODE = """\
1
00:00:00,000 --> 00:00:04,250
Lorna Krisson: Welcome to Leadership Live,
the podcast from the North West Leadership Academy.

2
00:00:04,250 --> 00:00:09,000
AYO BARLEY: Thanks, Lorna. It's good to be here.

3
00:00:09,000 --> 00:00:15,500 X1:100 X2:600 Y1:20 Y2:50
Note: this episode discusses racism in the workplace.
"""


def test_parses_an_episode_with_speaker_prefixes() -> None:
    assert srt.parse(EPISODE) == [
        Cue(
            0,
            4250,
            "Welcome to Leadership Live,\nthe podcast from the North West Leadership Academy.",
            "Lorna Krisson",
        ),
        Cue(4250, 9000, "Thanks, Lorna. It's good to be here.", "AYO BARLEY"),
        Cue(9000, 15_500, "Note: this episode discusses racism in the workplace.", None),
    ]


def test_tolerates_missing_and_wrong_numbers_extra_blank_lines_and_dots() -> None:
    text = (
        "\n\n7\n00:00:01,000 --> 00:00:02,000\nFirst\n\n\n   \n"
        "00:00:02.000 --> 00:00:03.500\nSecond\n\n\n"
        "7\n00:00:04,000-->00:00:05,000\nThird\n\n"
    )
    assert srt.parse(text) == [
        Cue(1000, 2000, "First"),
        Cue(2000, 3500, "Second"),
        Cue(4000, 5000, "Third"),
    ]


def test_a_timing_line_inside_text_means_a_missing_blank_line() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n42\n00:00:09,000 --> 00:00:10,000\n"
    with pytest.raises(TranscriptError) as info:
        srt.parse(text)
    assert info.value.line == 4
    assert "blank line" in info.value.message


def test_text_lines_that_look_like_numbers_stay_text() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n42\nand 7 --> 8\n"
    assert srt.parse(text) == [Cue(1000, 2000, "42\nand 7 --> 8")]


def test_formatting_tags_are_removed() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\n"
        '{\\an8}<i>Lorna Krisson</i>: <FONT color="#fff">Hi</font>\n'
    )
    assert srt.parse(text) == [Cue(1000, 2000, "Hi", "Lorna Krisson")]


def test_other_angle_brackets_are_kept_as_text() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nx < y & <v Ayo> -->\n"
    assert srt.parse(text) == [Cue(1000, 2000, "x < y & <v Ayo> -->")]


def test_empty_cues_are_dropped() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:02,000 --> 00:00:03,000\n<i></i>\n"
    assert srt.parse(text) == []


def test_bad_timestamp_names_line_and_text() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:0x:10,000\nBye\n"
    with pytest.raises(TranscriptError) as info:
        srt.parse(text)
    assert str(info.value) == 'line 6: "00:0x:10,000" is not a timestamp (expected HH:MM:SS,mmm)'


def test_block_without_number_or_timing_is_refused() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nHello\n\nJust some words\n"
    with pytest.raises(TranscriptError) as info:
        srt.parse(text)
    assert info.value.line == 5
    assert 'found "Just some words"' in info.value.message


def test_number_without_timing_is_refused_on_the_next_line() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\nBye\n"
    with pytest.raises(TranscriptError) as info:
        srt.parse(text)
    assert info.value.line == 6
    assert "after cue number 2" in info.value.message


def test_timing_line_with_spaces_in_the_start_is_refused() -> None:
    with pytest.raises(TranscriptError) as info:
        srt.parse("1\n00:00:01 ,000 --> 00:00:02,000\nHi\n")
    assert info.value.line == 2
    assert "is not a timing line" in info.value.message


def test_end_before_start_is_refused() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:09,000 --> 00:00:08,000\nno\n"
    with pytest.raises(TranscriptError) as info:
        srt.parse(text)
    assert info.value.line == 6
    assert "before it starts" in info.value.message


def test_render() -> None:
    transcript = Transcript(
        "en",
        (
            Cue(0, 4250, "Welcome to Leadership Live.", "Lorna Krisson"),
            Cue(4250, 9000, "Thank you.\nReally.", "Ayo Barley"),
            Cue(3_600_000, 3_601_500, "[music]"),
        ),
    )
    assert srt.render(transcript) == (
        "1\n00:00:00,000 --> 00:00:04,250\nLorna Krisson: Welcome to Leadership Live.\n\n"
        "2\n00:00:04,250 --> 00:00:09,000\nAyo Barley: Thank you.\nReally.\n\n"
        "3\n01:00:00,000 --> 01:00:01,500\n[music]\n"
    )
    assert srt.parse(srt.render(transcript)) == list(transcript.cues)


def test_text_starting_with_a_colon_phrase_survives_when_there_is_a_speaker() -> None:
    cue = Cue(0, 1000, "Ayo Barley: is who I mean", "Lorna Krisson")
    assert srt.parse(srt.render(Transcript("en", (cue,)))) == [cue]


def test_render_refuses_untimed_transcripts() -> None:
    with pytest.raises(UntimedTranscriptError, match="SRT"):
        srt.render(Transcript("en", (Cue(None, None, "Hello"),)))


SRT_TIMING = re.compile(r"^\d+:\d\d:\d\d[,.]\d{3}\s*-->\s*\d+:\d\d:\d\d[,.]\d{3}", re.MULTILINE)


def test_a_text_line_that_looks_like_a_timing_line_is_neutralised() -> None:
    """Quoted timing lines must not start phantom cues in other SRT readers (the ``srt``
    library takes any such line after a number for a cue); ours reads the text back exactly."""
    quoted = "00:00:05,000 --> 00:00:06,000"
    transcript = Transcript(
        "en",
        (
            Cue(0, 1000, "A cue is written like this:\n" + quoted, "Lorna Krisson"),
            Cue(1000, 2000, "7\n" + quoted.replace(",", ".")),
            Cue(2000, 3000, "an arrow --> in prose stays as it is"),
        ),
    )
    rendered = srt.render(transcript)
    assert len(SRT_TIMING.findall(rendered)) == 3, "only the three real timing lines"
    assert "an arrow --> in prose" in rendered
    assert srt.parse(rendered) == list(transcript.cues)


def test_italic_and_bold_are_kept_beside_the_text_and_written_back() -> None:
    source = (
        "1\n00:00:00,000 --> 00:00:01,000\nLorna Krisson: Welcome to <i>Leadership Live</i>\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\n<b>Fish</b> & <font color=red>chips</font>\n\n"
        "3\n00:00:02,000 --> 00:00:03,000\n<b>1 < 2</b>\n"
    )
    cues = srt.parse(source)
    assert [(c.speaker, c.text, c.markup) for c in cues] == [
        ("Lorna Krisson", "Welcome to Leadership Live", "Welcome to <i>Leadership Live</i>"),
        (None, "Fish & chips", "<b>Fish</b> &amp; chips"),
        (None, "1 < 2", None),  # a bare "<" cannot be told from a tag: text only
    ]
    rendered = srt.render(Transcript("en", tuple(cues)))
    assert "Lorna Krisson: Welcome to <i>Leadership Live</i>\n" in rendered
    assert "<b>Fish</b> & chips\n" in rendered
    assert "\n1 < 2\n" in rendered, "a < of the text's own: no tags, SRT cannot escape it"
    assert srt.parse(rendered) == cues
