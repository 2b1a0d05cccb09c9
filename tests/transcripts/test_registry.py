from __future__ import annotations

import codecs

import pytest

from transcripts.cues import Cue, Transcript, TranscriptError
from transcripts.formats import (
    FORMATS,
    RenderContext,
    by_extension,
    by_media_type,
    choose_format,
    feed_formats,
    parse_transcript,
    served_formats,
    sniff,
)

VTT = "WEBVTT\n\n00:00.000 --> 00:04.000\n<v Lorna Krisson>Welcome to Leadership Live.\n"
SRT = "1\n00:00:00,000 --> 00:00:04,000\nLorna Krisson: Welcome to Leadership Live.\n"
JSON = (
    '{"version": "1.0.0", "segments": [{"speaker": "Lorna Krisson", "startTime": 0, '
    '"endTime": 4, "body": "Welcome to Leadership Live."}]}'
)
TXT = "Lorna Krisson: Welcome to Leadership Live.\n"
EXPECTED = (Cue(0, 4000, "Welcome to Leadership Live.", "Lorna Krisson"),)


def test_registry_contents() -> None:
    facts = {
        name: (f.label, f.media_type, f.extension, f.timed, f.uploadable, f.feed_order)
        for name, f in FORMATS.items()
    }
    assert facts == {
        "vtt": ("WebVTT", "text/vtt", "vtt", True, True, 2),
        "srt": ("SubRip (SRT)", "application/x-subrip", "srt", True, True, 3),
        "json": ("Podcasting 2.0 JSON", "application/json", "json", True, True, 1),
        "txt": ("Plain text", "text/plain", "txt", False, True, None),
        "html": ("HTML", "text/html", "html", False, False, 4),
    }


def test_every_format_s_facts_are_consistent() -> None:
    """What consumers rely on, for every entry (and so for any format added later)."""
    formats = list(FORMATS.values())
    for fmt in formats:
        assert fmt.name == fmt.extension, "the served file's extension is the format's key"
        assert fmt.label and fmt.label == fmt.label.strip()
        assert fmt.media_type == fmt.media_type.lower().strip() and "/" in fmt.media_type
        if fmt.uploadable:
            assert fmt.parse is not None, fmt.name
            assert fmt.looks_like is not None or fmt.trust_label, fmt.name
        if fmt.in_feed:
            assert fmt.render is not None, fmt.name
    recognised = [t for f in formats for t in (f.media_type, *f.media_type_aliases)]
    assert len(recognised) == len(set(recognised)), "a media type names one format"
    extensions = [e for f in formats for e in (f.extension, *f.extension_aliases)]
    assert len(extensions) == len(set(extensions)), "an extension names one format"
    orders = [f.feed_order for f in formats if f.in_feed]
    assert len(orders) == len(set(orders)), "feed_order is unique"
    sniffers = [f for f in formats if f.looks_like is not None]
    assert sniffers[-1].looks_like is not None and sniffers[-1].looks_like("anything at all")
    assert all(not f.looks_like("anything at all") for f in sniffers[:-1] if f.looks_like)
    assert any(f.uploadable for f in formats) and served_formats(timed=False)


def test_feed_order_within_a_language() -> None:
    """Issue 14: within a language, JSON, VTT, SRT, HTML; untimed transcripts only HTML."""
    assert [f.name for f in feed_formats(timed=True)] == ["json", "vtt", "srt", "html"]
    assert [f.name for f in feed_formats(timed=False)] == ["html"]
    assert [f.name for f in served_formats(timed=False)] == ["txt", "html"]


def test_every_format_renders_the_same_transcript() -> None:
    transcript = Transcript("en", EXPECTED)
    for fmt in FORMATS.values():
        rendered = fmt.render(transcript, RenderContext(episode_title="Ep 1"))
        assert "Welcome to Leadership Live." in rendered
        if fmt.parse is not None and fmt.name != "txt":
            assert fmt.parse(rendered, None) == list(EXPECTED)
    page = FORMATS["html"].render(transcript, RenderContext(episode_title="Ep <1>"))
    assert "<title>Transcript: Ep &lt;1&gt;</title>" in page


@pytest.mark.parametrize(
    ("media_type", "name"),
    [
        ("text/vtt", "vtt"),
        ("TEXT/VTT; charset=UTF-8", "vtt"),
        ("application/x-subrip", "srt"),
        ("application/srt", "srt"),
        ("text/srt", "srt"),
        ("application/x-srt", "srt"),
        ("application/json; charset=utf-8", "json"),
        ("text/plain", "txt"),
        (" text/html ", "html"),
    ],
)
def test_by_media_type(media_type: str, name: str) -> None:
    fmt = by_media_type(media_type)
    assert fmt is not None
    assert fmt.name == name


@pytest.mark.parametrize(
    "media_type", [None, "", "application/octet-stream", "application/json+transcript", "vtt"]
)
def test_by_media_type_unknown(media_type: str | None) -> None:
    assert by_media_type(media_type) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("episode-12.vtt", "vtt"),
        ("EPISODE.SRT", "srt"),
        (".json", "json"),
        ("txt", "txt"),
        ("page.htm", "html"),
        ("notes.docx", None),
    ],
)
def test_by_extension(name: str, expected: str | None) -> None:
    fmt = by_extension(name)
    assert (fmt.name if fmt else None) == expected


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (VTT, "vtt"),
        ("\ufeff\n  WEBVTT - header\n\n", "vtt"),
        (SRT, "srt"),
        ("\n\n00:00:00,000 --> 00:00:04,000\nHi\n", "srt"),
        (JSON, "json"),
        ("  {}", "json"),
        (TXT, "txt"),
        ("WEBVTTX is not a header", "txt"),
        ("1\n00:00:00.000 --> 00:00:04.000\nDots are VTT style, not SRT\n", "txt"),
        ("", "txt"),
    ],
)
def test_sniff(content: str, name: str) -> None:
    assert sniff(content).name == name


def test_explicit_types_win_and_loose_types_are_sniffed() -> None:
    assert choose_format(SRT, "text/vtt").name == "vtt"
    assert choose_format(VTT, "text/plain").name == "vtt"
    assert choose_format(VTT, "application/octet-stream").name == "vtt"
    assert choose_format(SRT, None).name == "srt"
    assert choose_format(TXT, "text/plain; charset=utf-8").name == "txt"
    # No useful media type: the file name's extension, unless it is a loose one (.txt).
    assert choose_format(VTT, None, "episode.srt").name == "srt"
    assert choose_format(SRT, None, "notes.txt").name == "srt"
    assert choose_format(SRT, "text/vtt", "episode.srt").name == "vtt"
    assert choose_format(SRT, None, "no-extension").name == "srt"


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (VTT, "text/vtt"),
        (VTT, None),
        (SRT, "application/x-subrip"),
        (SRT, "text/plain"),
        (JSON, "application/json"),
        (JSON, "application/octet-stream"),
    ],
)
def test_parse_transcript(content: str, media_type: str | None) -> None:
    transcript = parse_transcript(content.encode(), "en-GB", media_type)
    assert transcript == Transcript("en-GB", EXPECTED)


def test_parse_transcript_plain_text_is_untimed() -> None:
    transcript = parse_transcript(TXT.encode("utf-16"), "en", "text/plain")
    assert transcript.cues == (Cue(None, None, "Welcome to Leadership Live.", "Lorna Krisson"),)
    assert not transcript.timed


def test_parse_transcript_handles_bom_and_crlf() -> None:
    data = codecs.BOM_UTF8 + VTT.replace("\n", "\r\n").encode()
    assert parse_transcript(data, "en").cues == EXPECTED


def test_mislabelled_upload_gets_the_declared_format_error() -> None:
    with pytest.raises(TranscriptError) as info:
        parse_transcript(SRT.encode(), "en", "text/vtt")
    assert info.value.line == 1
    assert "WEBVTT" in info.value.message


def test_parse_transcript_refuses_latin1() -> None:
    with pytest.raises(TranscriptError, match="not UTF-8"):
        parse_transcript("Zoë: Dia duit\n".encode("latin-1"), "ga")


def test_parse_transcript_refuses_html_uploads() -> None:
    with pytest.raises(TranscriptError, match="HTML transcripts cannot be uploaded"):
        parse_transcript(b"<p>Hello</p>", "en", "text/html")


@pytest.mark.parametrize("content", [b"", b"WEBVTT\n\nNOTE only a note\n", b"\n \n"])
def test_parse_transcript_refuses_files_without_text(content: bytes) -> None:
    with pytest.raises(TranscriptError, match="no transcript text"):
        parse_transcript(content, "en")
