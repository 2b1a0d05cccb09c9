from __future__ import annotations

from html.parser import HTMLParser

import pytest

from transcripts.cues import Cue, Transcript
from transcripts.formats import html, vtt

TRANSCRIPT = Transcript(
    "en-GB",
    (
        Cue(0, 4250, "Welcome to Leadership Live.", "Lorna Krisson"),
        Cue(65_500, 70_000, "Thanks & welcome.\nSecond line.", "Ayo Barley"),
        Cue(3_723_004, 3_724_000, "[music]"),
    ),
)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _collect(markup: str) -> _Collector:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return collector


def test_fragment_follows_the_low_fidelity_form() -> None:
    assert html.render_fragment(TRANSCRIPT) == (
        '<article class="transcript" lang="en-GB">\n'
        "<cite>Lorna Krisson:</cite>\n"
        '<time datetime="PT0S">0:00:00</time>\n'
        "<p>Welcome to Leadership Live.</p>\n"
        "<cite>Ayo Barley:</cite>\n"
        '<time datetime="PT1M5.5S">0:01:05</time>\n'
        "<p>Thanks &amp; welcome.<br>\nSecond line.</p>\n"
        '<time datetime="PT1H2M3.004S">1:02:03</time>\n'
        "<p>[music]</p>\n"
        "</article>\n"
    )


def test_document_wraps_the_fragment() -> None:
    document = html.render(TRANSCRIPT, title="Building anti-racist leadership in the NHS")
    assert document.startswith('<!doctype html>\n<html lang="en-GB">\n<meta charset="utf-8">\n')
    assert "<title>Building anti-racist leadership in the NHS</title>" in document
    assert html.render_fragment(TRANSCRIPT) in document
    assert document.endswith("</html>\n")
    assert "<title>Transcript</title>" in html.render(TRANSCRIPT)


def test_untimed_cues_have_no_time_element() -> None:
    fragment = html.render_fragment(Transcript("en", (Cue(None, None, "Hello", "Ayo Barley"),)))
    assert "<time" not in fragment
    assert "<cite>Ayo Barley:</cite>\n<p>Hello</p>" in fragment


def test_nothing_from_the_transcript_can_inject_markup() -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'
    transcript = Transcript(
        'en"><script>alert(1)</script>',
        (Cue(0, 1000, hostile, '</cite><script>alert("speaker")</script>'),),
    )
    document = html.render(transcript, title="</title><script>alert(2)</script>")
    collected = _collect(document)
    assert "script" not in collected.tags
    assert "img" not in collected.tags
    assert set(collected.tags) == {"html", "meta", "title", "article", "cite", "time", "p"}
    assert all(name in {"lang", "charset", "class", "datetime"} for name, _ in collected.attributes)
    assert hostile in "".join(collected.text)  # shown as text, exactly


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (0, "PT0S"),
        (500, "PT0.5S"),
        (1_000, "PT1S"),
        (60_000, "PT1M"),
        (65_500, "PT1M5.5S"),
        (3_600_000, "PT1H"),
        (3_723_004, "PT1H2M3.004S"),
        (36_000_010, "PT10H0.01S"),
    ],
)
def test_duration_attribute(ms: int, expected: str) -> None:
    assert html.duration_attribute(ms) == expected


def test_italic_and_bold_from_webvtt_are_kept_and_nothing_else() -> None:
    cues = vtt.parse(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i>one\ntwo</i> <b>&lt;x&gt;</b> <u>u</u>\n"
    )
    fragment = html.render_fragment(Transcript("en", tuple(cues)))
    assert "<p><i>one<br>\ntwo</i> <b>&lt;x&gt;</b> u</p>" in fragment
    forged = Cue(0, 1000, "x", markup='<i onclick="alert(1)">x</i><script>')
    assert "<p>x</p>" in html.render_fragment(Transcript("en", (forged,)))
