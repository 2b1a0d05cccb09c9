"""Plain text transcripts (``text/plain``), for accessibility, search and hand-typed uploads.

One paragraph (block of lines separated by blank lines) is one cue. A paragraph may start with
a timestamp ``[HH:MM:SS]``, ``[MM:SS]`` or either with up to three decimals (``[00:12:34.5]``),
then an optional ``Speaker: `` prefix (the rule of :func:`transcripts.cues.split_speaker`).

Timing: either every paragraph has a timestamp or none does (a mix is an error naming the
first paragraph without one). Timed paragraphs end where the next one starts; the
last ends at its own start, or at ``duration_ms`` when the caller knows the episode length.
Timestamps must not go backwards; a paragraph holding only a timestamp marks where the one
before it ends and is otherwise dropped. Untimed paragraphs give cues with ``start_ms = None``.

Rendering writes ``[HH:MM:SS] Speaker: text`` paragraphs, or ``[HH:MM:SS.mmm]`` throughout when
any start has milliseconds (one style per file, and reading back is exact); end times are not
written, so they are only kept when each cue ends where the next begins. Untimed cues are
written without a stamp. As in SRT, speakers are only a prefix convention: a speaker that is not
name-like is read back as text, and speaker-less text that starts like ``Ayo Barley: `` (or,
untimed, like ``[12:34]``) is read back as a speaker (or a timestamp).
"""

from __future__ import annotations

import re

from transcripts.cues import (
    MAX_HOURS,
    Cue,
    Transcript,
    TranscriptError,
    clean_speaker,
    clean_text,
    format_timestamp,
    split_speaker,
    too_late,
    validate,
)

__all__ = ["parse", "render"]

# Anything that looks like it was meant as a timestamp ("[12:34]", "[1:2x]"), but not "[Music]".
_STAMP_LIKE = re.compile(r"\[(\d+:[^\]\n]*)\][ \t]*")
_STAMP = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)(?:\.(\d{1,3}))?")


def _stamp(value: str, line: int) -> int:
    match = _STAMP.fullmatch(value)
    if match is None:
        raise TranscriptError(
            f'"[{value}]" is not a timestamp (expected [HH:MM:SS], [MM:SS] or [HH:MM:SS.mmm])',
            line,
        )
    if len(match[1] or "") > len(str(MAX_HOURS)):
        raise TranscriptError(too_late(f'"[{value}]"'), line)
    hours, minutes, seconds = (int(part or 0) for part in match.groups()[:3])
    millis = int((match[4] or "0").ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _paragraphs(text: str) -> list[tuple[int, str]]:
    paragraphs: list[tuple[int, str]] = []
    current: list[str] = []
    for number, line in enumerate([*text.removeprefix("\ufeff").split("\n"), ""], start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            paragraphs.append((first, "\n".join(current).strip()))
            current = []
    return paragraphs


def parse(text: str, duration_ms: int | None = None) -> list[Cue]:
    """Read a plain text transcript into timed or untimed cues (see the module docstring)."""
    rows: list[tuple[int, int | None, str | None, str]] = []
    for line, paragraph in _paragraphs(text):
        start: int | None = None
        match = _STAMP_LIKE.match(paragraph)
        if match is not None:
            start = _stamp(match[1], line)
            paragraph = paragraph[match.end() :]
        speaker, body = split_speaker(clean_text(paragraph))
        rows.append((line, start, speaker, body))
    stamped = sum(row[1] is not None for row in rows)
    if 0 < stamped < len(rows):
        line = next(row[0] for row in rows if row[1] is None)
        raise TranscriptError(
            f"this paragraph has no timestamp, but {stamped} other paragraph(s) have one; "
            "start every paragraph with a timestamp such as [00:01:05], or none",
            line,
        )
    cues: list[Cue] = []
    for index, (line, start, speaker, body) in enumerate(rows):
        end: int | None = None
        if start is not None:
            if index > 0 and start < (previous := rows[index - 1][1] or 0):
                raise TranscriptError(
                    f"timestamp [{format_timestamp(start)}] is earlier than the previous "
                    f"paragraph's [{format_timestamp(previous)}]",
                    line,
                )
            if index + 1 < len(rows):
                end = rows[index + 1][1]
            elif duration_ms is not None and duration_ms >= start:
                end = duration_ms
            else:
                end = start
        cues.append(Cue(start, end, body, speaker))
    return validate(cues, [row[0] for row in rows])


def render(transcript: Transcript) -> str:
    """Write ``[HH:MM:SS] Speaker: text`` paragraphs separated by blank lines."""
    paragraphs: list[str] = []
    precise = any(cue.start_ms % 1000 for cue in transcript.cues if cue.start_ms is not None)
    for cue in transcript.cues:
        parts: list[str] = []
        if cue.start_ms is not None:
            stamp = format_timestamp(cue.start_ms)
            parts.append(f"[{stamp if precise else stamp.removesuffix('.000')}]")
        speaker = clean_speaker(cue.speaker)
        if speaker:
            parts.append(f"{speaker}:")
        parts.append(clean_text(cue.text))
        paragraphs.append(" ".join(parts))
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""
