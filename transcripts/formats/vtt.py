"""WebVTT (``text/vtt``), the format Apple ingests and browsers play through ``<track>``.

A small hand-written reader following the W3C parsing rules that matter for transcripts (faster
than webvtt-py, and it keeps exact milliseconds: docs/libraries.md, "WebVTT parsing"):

* the ``WEBVTT`` line (optionally followed by a space or tab and text) and its header lines;
* ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped; cue identifiers are kept;
* timings ``HH:MM:SS.mmm`` or ``MM:SS.mmm`` (a one-digit hour is tolerated); cue settings
  after the end time (``align:start``...) are kept;
* one voice ``<v Name>`` (or ``<v.class Name>``) gives the cue its speaker; cues with several
  different voices keep no speaker; the plain text loses all tags (ruby text ``<rt>`` with
  them), and ``<i>``/``<b>`` are kept beside it as the cue's markup; character references
  such as ``&amp;`` and ``&#233;`` are decoded.

Identifiers, settings and ``<i>``/``<b>`` are written back, so a file round-trips
(:mod:`transcripts.cues`).

Deliberately stricter than browsers, because these are uploads a producer can fix: a cue block
without a timing line, or a bad timestamp, is an error naming the line instead of being skipped.
Whitespace-only lines count as blank lines.
"""

from __future__ import annotations

import html
import re

from transcripts.cues import (
    Cue,
    Transcript,
    TranscriptError,
    UntimedTranscriptError,
    clean_speaker,
    clean_text,
    format_timestamp,
    inline_markup,
    parse_timestamp,
    rich,
    validate,
)

__all__ = ["looks_like", "parse", "render"]

_EXPECTED = "HH:MM:SS.mmm"
_TIMING = re.compile(r"(?P<start>.*?)[ \t]*-->[ \t]*(?P<end>[^ \t]*)(?:[ \t]+(?P<settings>.*))?")
_SKIPPED_BLOCKS = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_START = re.compile(r"WEBVTT(?:[ \t\n]|$)")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t\n\f]+([^>]*)>")
_RUBY_TEXT = re.compile(r"<rt(?:\.[^\s>]*)?>.*?(?:</rt>|(?=</ruby>)|$)", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def looks_like(head: str) -> bool:
    """Whether decoded text (BOM and leading blank lines removed) starts like WebVTT."""
    return _START.match(head) is not None


def _is_blank(line: str) -> bool:
    return not line.strip()


def _cue_text(raw: str) -> tuple[str, str | None, str | None]:
    """Cue payload → plain text, the speaker of its single voice, and its <i>/<b> markup."""
    voices = {clean_speaker(html.unescape(name)) for name in _VOICE.findall(raw)}
    voices.discard(None)
    speaker = voices.pop() if len(voices) == 1 else None
    without_ruby = _RUBY_TEXT.sub("", raw)
    text = html.unescape(_TAG.sub("", without_ruby))
    return text, speaker, inline_markup(without_ruby)


def _timing(line: str, number: int) -> tuple[int, int, str | None]:
    match = _TIMING.fullmatch(line.strip())
    assert match is not None  # every line containing "-->" matches
    start = parse_timestamp(match["start"], expected=_EXPECTED, line=number)
    end = parse_timestamp(match["end"], expected=_EXPECTED, line=number)
    return start, end, match["settings"]


def parse(text: str) -> list[Cue]:
    """Read a WebVTT file into cues (empty cues dropped), or raise :class:`TranscriptError`."""
    lines = text.removeprefix("\ufeff").split("\n")
    if not _HEADER.fullmatch(lines[0].rstrip("\r")):
        raise TranscriptError(
            'the file does not start with "WEBVTT", so it is not a WebVTT file', 1
        )
    cues: list[Cue] = []
    cue_lines: list[int] = []
    i = 1
    # Header lines run to the first blank line, unless a cue timing line comes first.
    while i < len(lines) and not _is_blank(lines[i]) and "-->" not in lines[i]:
        i += 1
    while i < len(lines):
        if _is_blank(lines[i]):
            i += 1
            continue
        if _SKIPPED_BLOCKS.fullmatch(lines[i]) and "-->" not in lines[i]:
            while i < len(lines) and not _is_blank(lines[i]):
                i += 1
            continue
        block_start = i
        identifier = None
        if "-->" not in lines[i]:  # a cue identifier
            identifier = lines[i]
            i += 1
            if i >= len(lines) or "-->" not in lines[i]:
                raise TranscriptError(
                    f'expected a cue timing line like "00:00:01.000 --> 00:00:04.000" after '
                    f'"{lines[block_start].strip()}"',
                    i + 1 if i < len(lines) and not _is_blank(lines[i]) else block_start + 1,
                )
        start, end, settings = _timing(lines[i], i + 1)
        timing_line = i + 1
        i += 1
        payload: list[str] = []
        # Cue text runs to a blank line; a line with "-->" starts the next cue (as in the spec).
        while i < len(lines) and not _is_blank(lines[i]) and "-->" not in lines[i]:
            payload.append(lines[i])
            i += 1
        body, speaker, markup = _cue_text("\n".join(payload))
        cues.append(
            Cue(start, end, body, speaker, identifier=identifier, settings=settings, markup=markup)
        )
        cue_lines.append(timing_line)
    return validate(cues, cue_lines)


def _escape(value: str) -> str:
    # Escaping ">" also turns any "-->" in the text into "--&gt;", which cannot end a cue.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(transcript: Transcript) -> str:
    """Write WebVTT with ``<v Speaker>`` voices; raises UntimedTranscriptError if untimed."""
    if not transcript.timed:
        raise UntimedTranscriptError("WebVTT")
    blocks = ["WEBVTT\n"]
    for cue in transcript.cues:
        assert cue.start_ms is not None and cue.end_ms is not None
        speaker = clean_speaker(cue.speaker)
        voice = f"<v {_escape(speaker)}>" if speaker else ""
        identifier = f"{cue.identifier}\n" if cue.identifier else ""
        settings = f" {cue.settings}" if cue.settings else ""
        blocks.append(
            f"{identifier}{format_timestamp(cue.start_ms)} --> {format_timestamp(cue.end_ms)}"
            f"{settings}\n{voice}{rich(cue) or _escape(clean_text(cue.text))}\n"
        )
    return "\n".join(blocks)
