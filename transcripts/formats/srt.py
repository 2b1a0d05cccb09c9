"""SubRip (``application/x-subrip``): numbered cues separated by blank lines.

Reading is tolerant where real files are sloppy: sequence numbers may be missing or wrong,
extra blank lines are ignored, ``.`` is accepted for ``,`` before the milliseconds, and
position hints after the end time are ignored. Cue blocks must still be separated by a blank
line: a timing line inside a cue's text is refused (it means a blank line is missing), so cue
text cannot itself be a timing line.

Speakers: SRT has no speaker field, so a leading ``Name: `` on a cue's first line is read as
the speaker by :func:`transcripts.cues.split_speaker` (a short capitalised name, never labels
such as ``Note:``). Consequences of the convention, which the format cannot avoid:

* a speaker that does not look like a name (``lorna``) is read back as part of the text;
* text *without* a speaker that begins with something like ``Ayo Barley: `` is read back with
  that speaker.

A cue text line that is itself a timing line (``00:00:05,000 --> 00:00:06,000``, quoted in a
talk about subtitles, say) would be read by other SRT parsers (the ``srt`` library) as the
start of a phantom cue: on writing, a WORD JOINER (U+2060, invisible) goes into its arrow
(``--\u2060>``), and reading removes it there again, so the text round-trips exactly.

Formatting tags players understand (``<i>``, ``<b>``, ``<u>``, ``<font ...>`` and ``{\\an8}``
position codes) are removed from the text on reading; ``<i>`` and ``<b>`` are kept as the cue's
markup and written back (also for cues read from WebVTT), unless the text holds a ``<`` of its
own: SRT has no escape, so it could not be told from a tag.
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
    markup_text,
    parse_timestamp,
    rich,
    split_speaker,
    validate,
)

__all__ = ["looks_like", "parse", "render", "strip_formatting"]

_EXPECTED = "HH:MM:SS,mmm"
_TIMING = re.compile(r"(?P<start>\S*?)[ \t]*-->[ \t]*(?P<end>[^ \t]*)(?:[ \t]+.*)?")
_START = re.compile(r"\d+[ \t]*\n[^\n]*-->[^\n]*,\d{3}")
_UNNUMBERED_START = re.compile(r"[\d:]+,\d{3}[ \t]*-->[^\n]*,\d{3}")
_ARROW = "-->"
_NEUTRAL_ARROW = "--\u2060>"
_FORMATTING = re.compile(r"</?[biu]>|<font(?:\s[^>]*)?>|</font>|\{\\[^}]*\}", re.IGNORECASE)


def looks_like(head: str) -> bool:
    """Whether decoded text starts with an SRT cue: a number, then a ``-->`` line with comma
    milliseconds (or that line alone)."""
    return bool(_START.match(head) or _UNNUMBERED_START.match(head))


def strip_formatting(text: str) -> str:
    """Remove the SubRip formatting tags players interpret rather than show."""
    return _FORMATTING.sub("", text)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split into (first line number, lines) blocks at blank or whitespace-only lines."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        elif current:
            current = []
    return blocks


def parse(text: str) -> list[Cue]:
    """Read SubRip into cues (empty cues dropped), or raise :class:`TranscriptError`."""
    cues: list[Cue] = []
    cue_lines: list[int] = []
    for first, lines in _blocks(text):
        offset = 0
        if "-->" not in lines[0]:
            if not lines[0].strip().isdigit():
                raise TranscriptError(
                    f'expected a cue number or a timing line like "00:00:01,000 --> '
                    f'00:00:04,000", found "{lines[0].strip()}"',
                    first,
                )
            if len(lines) < 2 or "-->" not in lines[1]:
                raise TranscriptError(
                    f'expected a timing line like "00:00:01,000 --> 00:00:04,000" after cue '
                    f"number {lines[0].strip()}",
                    first + 1,
                )
            offset = 1
        number = first + offset
        match = _TIMING.fullmatch(lines[offset].strip())
        if match is None:
            raise TranscriptError(
                f'"{lines[offset].strip()}" is not a timing line (expected "{_EXPECTED} --> '
                f'{_EXPECTED}")',
                number,
            )
        start = parse_timestamp(match["start"], separators=",.", expected=_EXPECTED, line=number)
        end = parse_timestamp(match["end"], separators=",.", expected=_EXPECTED, line=number)
        text_lines = lines[offset + 1 :]
        for index, line in enumerate(text_lines, start=number + 1):
            if _looks_like_timing(line):
                raise TranscriptError(
                    f'"{line.strip()}" is a timing line inside the text of the cue above: '
                    "is the blank line between two cues missing?",
                    index,
                )
        raw = "\n".join(text_lines).replace(_NEUTRAL_ARROW, _ARROW)
        body = clean_text(strip_formatting(raw))
        speaker, body = split_speaker(body)
        cues.append(Cue(start, end, body, speaker, markup=_markup(raw, speaker)))
        cue_lines.append(number)
    return validate(cues, cue_lines)


def _markup(raw: str, speaker: str | None) -> str | None:
    """The cue's <i>/<b> without its speaker prefix; SRT text is literal, so ``&`` is escaped
    first (``validate`` drops markup that does not match the text)."""
    markup = inline_markup(raw.replace("&", "&amp;"))
    if markup is None or speaker is None:
        return markup
    prefix = f"{speaker}:"
    plain = markup_text(markup).lstrip()
    if not plain.startswith(prefix):
        return None
    # Drop the prefix's characters from the front of the markup, tags left in place.
    skip, out, i = len(prefix), [], 0
    while i < len(markup) and skip:
        if markup[i] == "<":
            end = markup.index(">", i) + 1
            out.append(markup[i:end])
            i = end
            continue
        if markup[i].isspace() and not out and skip == len(prefix):
            i += 1
            continue
        step = len(markup[i:].split(";", 1)[0]) + 1 if markup[i] == "&" else 1
        i += step
        skip -= 1
    return "".join(out) + markup[i:].lstrip()


def _looks_like_timing(line: str) -> bool:
    """A full timing line, valid timestamps on both sides, as a missing blank line leaves."""
    match = _TIMING.fullmatch(line.strip())
    if match is None:
        return False
    try:
        parse_timestamp(match["start"], separators=",.", expected=_EXPECTED)
        parse_timestamp(match["end"], separators=",.", expected=_EXPECTED)
    except TranscriptError:
        return False
    return True


def render(transcript: Transcript) -> str:
    """Write SubRip numbered from 1 with ``Speaker: `` prefixes; raises if untimed."""
    if not transcript.timed:
        raise UntimedTranscriptError("SubRip (SRT)")
    blocks: list[str] = []
    for number, cue in enumerate(transcript.cues, start=1):
        assert cue.start_ms is not None and cue.end_ms is not None
        speaker = clean_speaker(cue.speaker)
        prefix = f"{speaker}: " if speaker else ""
        start = format_timestamp(cue.start_ms, sep=",")
        end = format_timestamp(cue.end_ms, sep=",")
        markup = rich(cue)
        text = clean_text(cue.text)
        if markup is not None and "<" not in text:
            text = html.unescape(markup)  # the tags players read; entities were ours
        body = "\n".join(_neutral(line) for line in text.split("\n"))
        blocks.append(f"{number}\n{start} --> {end}\n{prefix}{body}\n")
    return "\n".join(blocks)


def _neutral(line: str) -> str:
    """A text line no SRT reader takes for a timing line (see the module docstring)."""
    return line.replace(_ARROW, _NEUTRAL_ARROW) if _looks_like_timing(line) else line
