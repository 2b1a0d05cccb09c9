from __future__ import annotations

import pytest

from transcripts.cues import Cue, Transcript, TranscriptError, UntimedTranscriptError
from transcripts.formats import vtt

EPISODE = """\
WEBVTT - Building anti-racist leadership in the NHS
Kind: captions
Language: en-GB

NOTE
Leadership Live, North West Leadership Academy.
Edited by the production team.

STYLE
::cue(v[voice="Lorna Krisson"]) { color: teal }

REGION
id:fred
width:40%

intro
00:00.000 --> 00:04.250 align:start position:10% line:90%
<v.host Lorna Krisson>Welcome to <b>Leadership Live</b> &amp; thank you for joining us.</v>

2
00:00:04.250 --> 00:00:09.000
<v Ayo Barley>Thanks, Lorna. It&#39;s good to be here &#x2014; <i>really</i>.

NOTE a one-line note between cues

00:00:09.000 --> 00:00:15.500 vertical:rl
<v.guest.loud Ayo Barley><c.highlight>Anti-racist</c> leadership starts with
<00:00:12.000>listening &lt;properly&gt;&nbsp;to staff.

00:15.500 --> 00:21.000
<lang cy>Diolch</lang> &lrm;&rlm;<ruby>漢<rt>kan</rt></ruby>
"""


def test_parses_a_full_episode() -> None:
    assert vtt.parse(EPISODE) == [
        Cue(
            0,
            4250,
            "Welcome to Leadership Live & thank you for joining us.",
            "Lorna Krisson",
            identifier="intro",
            settings="align:start position:10% line:90%",
            markup="Welcome to <b>Leadership Live</b> &amp; thank you for joining us.",
        ),
        Cue(
            4250,
            9000,
            "Thanks, Lorna. It's good to be here \u2014 really.",
            "Ayo Barley",
            identifier="2",
            markup="Thanks, Lorna. It's good to be here \u2014 <i>really</i>.",
        ),
        Cue(
            9000,
            15_500,
            "Anti-racist leadership starts with\nlistening <properly>\u00a0to staff.",
            "Ayo Barley",
            settings="vertical:rl",
        ),
        Cue(15_500, 21_000, "Diolch \u200e\u200f漢", None),
    ]


def test_identifiers_settings_and_inline_tags_round_trip() -> None:
    """What the file says beyond text and voices comes back: cue identifiers, cue settings and
    <i>/<b> (other tags, classes included, give up their markup; unclosed ones are closed)."""
    source = (
        "WEBVTT\n\n"
        "intro\n00:00:01.000 --> 00:00:04.000 align:start line:0\n"
        "<v Lorna Krisson>Welcome to <i.title>Leadership</i> <b>Live &amp; <c>well</c></b>\n\n"
        "00:00:04.000 --> 00:00:05.000\n"
        "<i>open to the end\nof the cue\n\n"
        "q&a\n00:00:05.000 --> 00:00:06.000 position:10%\n"
        "1 &lt; 2 <u>and</u> <b>&lt;b&gt;</b>\n"
    )
    cues = vtt.parse(source)
    assert [(c.identifier, c.settings) for c in cues] == [
        ("intro", "align:start line:0"),
        (None, None),
        ("q&a", "position:10%"),
    ]
    assert [c.markup for c in cues] == [
        "Welcome to <i>Leadership</i> <b>Live &amp; well</b>",
        "<i>open to the end\nof the cue</i>",
        "1 &lt; 2 and <b>&lt;b&gt;</b>",
    ]
    assert [c.text for c in cues] == [
        "Welcome to Leadership Live & well",
        "open to the end\nof the cue",
        "1 < 2 and <b>",
    ]
    rendered = vtt.render(Transcript("en", tuple(cues)))
    assert "intro\n00:00:01.000 --> 00:00:04.000 align:start line:0\n" in rendered
    assert "<v Lorna Krisson>Welcome to <i>Leadership</i> <b>Live &amp; well</b>\n" in rendered
    assert vtt.parse(rendered) == cues


def test_markup_that_no_longer_matches_the_text_is_not_written() -> None:
    stale = Cue(0, 1000, "Edited text", markup="<i>Original</i> text")
    assert vtt.render(Transcript("en", (stale,))).endswith("\nEdited text\n")
    hostile = Cue(0, 1000, "x", markup="<i>x</i><script>")
    assert "<script>" not in vtt.render(Transcript("en", (hostile,)))


def test_header_line_may_be_just_webvtt_and_needs_no_blank_before_first_cue() -> None:
    assert vtt.parse("WEBVTT\n00:01.000 --> 00:02.000\nHi\n") == [Cue(1000, 2000, "Hi")]
    assert vtt.parse("WEBVTT\tcomment\n\n00:01.000 --> 00:02.000\nHi") == [Cue(1000, 2000, "Hi")]


def test_a_byte_order_mark_before_the_header_is_accepted() -> None:
    assert vtt.parse("\ufeffWEBVTT\n\n00:01.000 --> 00:02.000\nHi") == [Cue(1000, 2000, "Hi")]


@pytest.mark.parametrize("first", ["", "WEBVTTX", "1", "00:00:01.000 --> 00:00:02.000", "webvtt"])
def test_missing_header_is_refused_on_line_1(first: str) -> None:
    with pytest.raises(TranscriptError) as info:
        vtt.parse(f"{first}\n\n00:01.000 --> 00:02.000\nHi\n")
    assert info.value.line == 1
    assert '"WEBVTT"' in info.value.message


def test_bad_timestamp_names_line_and_text() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nHello\n\n2\n00:0x:10.000 --> 00:00:12.000\nBye\n"
    )
    with pytest.raises(TranscriptError) as info:
        vtt.parse(text)
    assert info.value.line == 7
    assert str(info.value) == ('line 7: "00:0x:10.000" is not a timestamp (expected HH:MM:SS.mmm)')


@pytest.mark.parametrize(
    "timing",
    [
        "00:00:01,000 --> 00:00:02.000",  # SRT comma
        "00:00:01.00 --> 00:00:02.000",  # two millisecond digits
        "00:00:61.000 --> 00:01:02.000",  # seconds over 59
        "00:00:01.000 --> 00:00:02.000align:start",  # settings glued to the time
        "00:00:01.000 --> ",
    ],
)
def test_malformed_timings_are_refused(timing: str) -> None:
    with pytest.raises(TranscriptError) as info:
        vtt.parse(f"WEBVTT\n\n{timing}\nHello\n")
    assert info.value.line == 3
    assert "is not a timestamp" in info.value.message


def test_cue_block_without_timing_line_is_refused() -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n\nintro\nWelcome back\n"
    with pytest.raises(TranscriptError) as info:
        vtt.parse(text)
    assert info.value.line == 7
    assert 'expected a cue timing line like "00:00:01.000 --> 00:00:04.000"' in str(info.value)


def test_identifier_at_end_of_file_is_refused_on_its_line() -> None:
    with pytest.raises(TranscriptError) as info:
        vtt.parse("WEBVTT\n\nlonely-id")
    assert info.value.line == 3


def test_end_before_start_is_refused_with_the_cue_line() -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:10.000 --> 00:00:05.000\nno\n"
    with pytest.raises(TranscriptError) as info:
        vtt.parse(text)
    assert info.value.line == 6
    assert "before it starts" in info.value.message


def test_several_different_voices_give_no_speaker() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Lorna>Hi</v> <v Ayo>Hello</v>\n"
    assert vtt.parse(text) == [Cue(1000, 2000, "Hi Hello", None)]


def test_repeated_voice_keeps_the_speaker_and_voice_names_are_decoded() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Lorna  &amp; Co>Hi</v>\n<v Lorna &amp; Co>again\n"
    assert vtt.parse(text) == [Cue(1000, 2000, "Hi\nagain", "Lorna & Co")]


def test_empty_cues_are_dropped() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:02.000 --> 00:03.000\n<v Ayo></v>\n"
    assert vtt.parse(text) == []


def test_whitespace_only_and_extra_blank_lines_separate_cues() -> None:
    text = "WEBVTT\n  \n\n00:01.000 --> 00:02.000\nA\n \t\n\n\n00:02.000 --> 00:03.000\nB"
    assert vtt.parse(text) == [Cue(1000, 2000, "A"), Cue(2000, 3000, "B")]


def test_a_timing_line_inside_cue_text_starts_a_new_cue() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\n00:02.000 --> 00:03.000\nB\n"
    assert vtt.parse(text) == [Cue(1000, 2000, "A"), Cue(2000, 3000, "B")]


TRANSCRIPT = Transcript(
    "en",
    (
        Cue(0, 4250, "Welcome to Leadership Live.", "Lorna Krisson"),
        Cue(4250, 9000, "Fish & chips <b>are</b> great --> really\nsecond line", "Ayo Barley"),
        Cue(3_600_000, 3_601_500, "No speaker here"),
    ),
)


def test_render() -> None:
    assert vtt.render(TRANSCRIPT) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:04.250\n"
        "<v Lorna Krisson>Welcome to Leadership Live.\n\n"
        "00:00:04.250 --> 00:00:09.000\n"
        "<v Ayo Barley>Fish &amp; chips &lt;b&gt;are&lt;/b&gt; great --&gt; really\n"
        "second line\n\n"
        "01:00:00.000 --> 01:00:01.500\n"
        "No speaker here\n"
    )
    assert vtt.parse(vtt.render(TRANSCRIPT)) == list(TRANSCRIPT.cues)


def test_render_escapes_speaker_names() -> None:
    rendered = vtt.render(Transcript("en", (Cue(0, 1, "hi", "A > B"),)))
    assert "<v A &gt; B>hi" in rendered


def test_render_refuses_untimed_transcripts() -> None:
    with pytest.raises(UntimedTranscriptError, match="WebVTT"):
        vtt.render(Transcript("en", (Cue(None, None, "Hello"),)))


def test_render_of_an_empty_transcript_is_a_valid_file() -> None:
    assert vtt.render(Transcript("en", ())) == "WEBVTT\n"
    assert vtt.parse("WEBVTT\n") == []
