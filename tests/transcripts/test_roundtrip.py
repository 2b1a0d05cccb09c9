"""parse(render(t)) gives back the same cues, for text each format can honestly represent.

All strategies produce already-normalised text (see ``transcripts.cues.clean_text``: lines
stripped, no blank lines) and include hostile characters: markup, entities, ``-->``, colons,
timing lines, Unicode line separators and non-Latin scripts.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcripts.cues import MAX_MS, Cue, Transcript, clean_speaker, clean_text, split_speaker
from transcripts.formats import podcast_json, srt, text, vtt

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

HOSTILE = [
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "&#233;",
    "&nbsp;",
    "-->",
    " --> ",
    "00:00:01.000 --> 00:00:02.000",
    "00:00:01,000 --> 00:00:02,000",
    "<v Ayo Barley>",
    "</v>",
    "<b>",
    "<c.yellow>",
    "<00:00:01.000>",
    ":",
    "Lorna Krisson: ",
    "Note: ",
    "[00:12:34]",
    "[Music]",
    "WEBVTT",
    "NOTE",
    "1",
    "{",
    '"',
    "\\",
    "\n",
    "\t",
    "  ",
    "\u2028",
    "\u00a0",
    "\ufeff",
    "Zoë",
    "漢字",
    "👩🏽‍⚕️",
]

characters = st.characters(blacklist_categories=("Cs", "Cc"))
raw_text = st.lists(
    st.one_of(st.text(characters, max_size=12), st.sampled_from(HOSTILE)), max_size=8
).map("".join)
cue_text = raw_text.map(clean_text).filter(bool)

any_speaker = st.one_of(st.none(), raw_text.map(clean_speaker))

name_word = st.one_of(
    st.sampled_from(
        ["Lorna", "Krisson", "Ayo", "Barley", "Zoë", "O\u2019Brien", "Dr.", "SPEAKER_01"]
    ),
    st.text(st.characters(whitelist_categories=("Ll",)), min_size=1, max_size=8).map(
        str.capitalize
    ),
)
name_speaker = (
    st.lists(name_word, min_size=1, max_size=3)
    .map(" ".join)
    .filter(lambda name: split_speaker(f"{name}: x") == (name, "x"))
)

LONGEST_CUE = 10**7
times = st.integers(min_value=0, max_value=MAX_MS - LONGEST_CUE)


@st.composite
def timed_cues(draw: st.DrawFn, speakers: st.SearchStrategy[str | None]) -> list[Cue]:
    cues = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        start = draw(times)
        end = start + draw(st.integers(min_value=0, max_value=LONGEST_CUE))
        cues.append(Cue(start, end, draw(cue_text), draw(speakers)))
    # The canonical form is in start order (stable), as every parser leaves it.
    return sorted(cues, key=lambda cue: cue.start_ms or 0)


def _representable_without_speaker_field(cue: Cue) -> bool:
    """SRT and text carry speakers as a ``Name: `` prefix; see the srt module docstring."""
    return cue.speaker is not None or split_speaker(cue.text)[0] is None


def _check(module: object, cues: list[Cue]) -> None:
    transcript = Transcript("en", tuple(cues))
    rendered = module.render(transcript)  # type: ignore[attr-defined]
    assert module.parse(rendered) == cues  # type: ignore[attr-defined]


@SETTINGS
@given(timed_cues(any_speaker))
def test_vtt_round_trip(cues: list[Cue]) -> None:
    _check(vtt, cues)


@SETTINGS
@given(timed_cues(any_speaker))
def test_json_round_trip(cues: list[Cue]) -> None:
    _check(podcast_json, cues)


_SRT_TIMING = re.compile(r"\S+[ \t]*-->[ \t]*\S+(?:[ \t]+.*)?")
srt_cues = timed_cues(st.one_of(st.none(), name_speaker)).filter(
    lambda cues: all(
        _representable_without_speaker_field(c)
        and srt.strip_formatting(c.text) == c.text
        # A timing line inside text means a missing blank line: SRT refuses it.
        and not any(_SRT_TIMING.fullmatch(line.strip()) for line in c.text.split("\n"))
        for c in cues
    )
)


@SETTINGS
@given(srt_cues)
def test_srt_round_trip(cues: list[Cue]) -> None:
    _check(srt, cues)


@st.composite
def text_timed_cues(draw: st.DrawFn) -> list[Cue]:
    """Plain text writes only start times: each cue ends where the next starts."""
    starts = sorted(draw(st.lists(times, max_size=6)))
    cues = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else start
        speaker = draw(st.one_of(st.none(), name_speaker))
        cue = Cue(start, end, draw(cue_text), speaker)
        if not _representable_without_speaker_field(cue):
            cue = Cue(start, end, cue.text, "Lorna Krisson")
        cues.append(cue)
    return cues


@SETTINGS
@given(text_timed_cues())
def test_text_timed_round_trip(cues: list[Cue]) -> None:
    _check(text, cues)


@SETTINGS
@given(
    st.lists(
        st.builds(Cue, st.none(), st.none(), cue_text, st.one_of(st.none(), name_speaker)),
        max_size=6,
    ).filter(
        lambda cues: all(
            _representable_without_speaker_field(c) and not c.text.startswith("[") for c in cues
        )
    )
)
def test_text_untimed_round_trip(cues: list[Cue]) -> None:
    _check(text, cues)
