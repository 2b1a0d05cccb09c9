"""The transcript formats as parse/render pairs, and choosing one for an upload.

Choosing: an explicit WebVTT, SRT or JSON media type wins (so a mislabelled file gets that
format's error rather than a silent guess); a missing, unknown, ``application/octet-stream`` or
``text/plain`` type is settled by :func:`sniff`, because browsers and HTTP clients label
transcripts loosely. HTML can only be rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from podcast.core.languages import is_language_tag
from transcripts.cues import Cue, Transcript, TranscriptError
from transcripts.decoding import decode_transcript
from transcripts.formats import html, podcast_json, srt, text, vtt

__all__ = [
    "FORMATS",
    "TranscriptFormat",
    "by_extension",
    "by_media_type",
    "choose_format",
    "parse_transcript",
    "sniff",
]


@dataclass(frozen=True)
class TranscriptFormat:
    name: str
    media_type: str
    extension: str
    parse: Callable[[str], list[Cue]] | None
    render: Callable[[Transcript], str]


FORMATS: dict[str, TranscriptFormat] = {
    f.name: f
    for f in (
        TranscriptFormat("vtt", "text/vtt", "vtt", vtt.parse, vtt.render),
        TranscriptFormat("srt", "application/x-subrip", "srt", srt.parse, srt.render),
        TranscriptFormat(
            "json", "application/json", "json", podcast_json.parse, podcast_json.render
        ),
        TranscriptFormat("txt", "text/plain", "txt", text.parse, text.render),
        TranscriptFormat("html", "text/html", "html", None, html.render),
    )
}

_MEDIA_TYPE_ALIASES = {
    "application/srt": "srt",
    "text/srt": "srt",
    "application/x-srt": "srt",
    "text/x-subrip": "srt",
    "application/xhtml+xml": "html",
}
_EXTENSION_ALIASES = {"webvtt": "vtt", "text": "txt", "htm": "html"}


def by_media_type(media_type: str | None) -> TranscriptFormat | None:
    """The format for a Content-Type (parameters such as ``; charset=utf-8`` ignored)."""
    if not media_type:
        return None
    essence = media_type.split(";", 1)[0].strip().lower()
    for fmt in FORMATS.values():
        if fmt.media_type == essence:
            return fmt
    alias = _MEDIA_TYPE_ALIASES.get(essence)
    return FORMATS[alias] if alias else None


def by_extension(name: str) -> TranscriptFormat | None:
    """The format for a file name or extension: ``episode.VTT``, ``.srt`` or ``json``."""
    extension = name.rsplit(".", 1)[-1].strip().lower()
    return FORMATS.get(_EXTENSION_ALIASES.get(extension, extension))


_SRT_START = re.compile(r"\d+[ \t]*\n[^\n]*-->[^\n]*,\d{3}")
_SRT_UNNUMBERED_START = re.compile(r"[\d:]+,\d{3}[ \t]*-->[^\n]*,\d{3}")
_VTT_START = re.compile(r"WEBVTT(?:[ \t\n]|$)")


def sniff(content: str) -> TranscriptFormat:
    """Guess the format from decoded text: ``WEBVTT`` header, a JSON object, or an SRT cue
    (a number, then a ``-->`` line with comma milliseconds); anything else is plain text."""
    head = content.removeprefix("\ufeff").lstrip()
    if _VTT_START.match(head):
        return FORMATS["vtt"]
    if head.startswith("{"):
        return FORMATS["json"]
    if _SRT_START.match(head) or _SRT_UNNUMBERED_START.match(head):
        return FORMATS["srt"]
    return FORMATS["txt"]


def choose_format(content: str, media_type: str | None = None) -> TranscriptFormat:
    """The format to read an upload with (see the module docstring for the rule)."""
    fmt = by_media_type(media_type)
    if fmt is None or fmt.name == "txt":
        return sniff(content)
    return fmt


def parse_transcript(data: bytes, language: str, media_type: str | None = None) -> Transcript:
    """Decode, pick the format, parse and validate an uploaded transcript.

    Raises :class:`TranscriptError` for undecodable bytes, HTML uploads, malformed files,
    a language that is not a tag like ``en`` or ``en-GB``, and files without any text.
    """
    if not is_language_tag(language):
        raise TranscriptError(f'"{language}" is not a language code like "en" or "en-GB"')
    content = decode_transcript(data)
    fmt = choose_format(content, media_type)
    if fmt.parse is None:
        raise TranscriptError(
            "HTML transcripts cannot be uploaded; upload WebVTT, SRT, Podcasting 2.0 JSON or "
            "plain text and the HTML version is made from it"
        )
    cues = fmt.parse(content)
    if not cues:
        raise TranscriptError("the file contains no transcript text")
    return Transcript(language=language, cues=tuple(cues))
