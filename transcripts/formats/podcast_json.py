"""Podcasting 2.0 JSON transcripts (``application/json``), the format AntennaPod prefers.

``{"version": "1.0.0", "segments": [{"startTime": 0.5, "endTime": 0.75, "speaker": "...",
"body": "..."}]}`` with times in seconds. Numbers are read as exact decimals and rounded half
up to the millisecond, so ``1.0005`` is 1001 ms and never drifts through a float. ``endTime``
and ``speaker`` are optional: a missing end is the next segment's start (or the segment's own
start when it is the last one, or when the next segment starts earlier). ``version`` is not
checked. Word-level segments are kept as they are; merging them is a display concern.

Written, a cue whose word timings are known (speech recognition keeps them, ``Cue.words``)
becomes one segment per word, the specification's word-level form that players use to
highlight each word as it is spoken; its speaker goes on every word. Words whose text no longer
spells the cue (a producer changed the text) are ignored, and the cue is one segment.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from transcripts.cues import (
    MAX_MS,
    Cue,
    Transcript,
    TranscriptError,
    UntimedTranscriptError,
    clean_speaker,
    clean_text,
    too_late,
    validate,
)

__all__ = ["looks_like", "parse", "render"]

_MAX_SECONDS = Decimal(MAX_MS) / 1000  # the one bound every format shares


def looks_like(head: str) -> bool:
    """Whether decoded text starts like a JSON object."""
    return head.startswith("{")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a transcript")


def _describe(value: object) -> str:
    """Name a JSON value for an error message without dumping a whole structure."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:37] + "...", ensure_ascii=False)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return str(value)


def _seconds(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TranscriptError(f"{where}: expected a number of seconds, found {_describe(value)}")
    seconds = Decimal(value)
    if seconds < 0:
        raise TranscriptError(f"{where}: {value} is not a time in seconds from the start")
    if seconds > _MAX_SECONDS:
        raise TranscriptError(f"{where}: {too_late(f'{value} seconds')}")
    return int((seconds * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _load(text: str) -> Any:
    try:
        return json.loads(
            text.removeprefix("\ufeff"), parse_float=Decimal, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as exc:
        message = f"invalid JSON at column {exc.colno}: {exc.msg}"
        raise TranscriptError(message, exc.lineno) from None
    except ValueError as exc:
        raise TranscriptError(f"invalid JSON: {exc}") from None
    except RecursionError:
        # The decoder recurses once per level; a hostile file nests 100,000 deep.
        raise TranscriptError(
            "invalid JSON: it is nested too deeply (a transcript needs only an object holding "
            "a list of segments)"
        ) from None


def parse(text: str) -> list[Cue]:
    """Read a Podcasting 2.0 JSON transcript; errors name the segment, e.g. ``segments[3]``."""
    document = _load(text)
    if not isinstance(document, dict) or not isinstance(document.get("segments"), list):
        raise TranscriptError(
            'expected a JSON object with a "segments" list (Podcasting 2.0 transcript)'
        )
    segments: list[object] = document["segments"]
    parsed: list[tuple[int, int | None, str, str | None]] = []
    for index, segment in enumerate(segments):
        where = f"segments[{index}]"
        if not isinstance(segment, dict):
            raise TranscriptError(f"{where}: expected an object with startTime and body")
        if "startTime" not in segment:
            raise TranscriptError(f"{where}.startTime: missing (expected a number of seconds)")
        start = _seconds(segment["startTime"], f"{where}.startTime")
        end = None
        if segment.get("endTime") is not None:
            end = _seconds(segment["endTime"], f"{where}.endTime")
            if end < start:
                raise TranscriptError(
                    f"{where}: endTime {segment['endTime']} is before startTime "
                    f"{segment['startTime']}"
                )
        body = segment.get("body")
        if not isinstance(body, str):
            raise TranscriptError(f"{where}.body: expected text, found {_describe(body)}")
        speaker = segment.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            raise TranscriptError(f"{where}.speaker: expected text, found {_describe(speaker)}")
        parsed.append((start, end, body, speaker))
    cues: list[Cue] = []
    for index, (start, end, body, speaker) in enumerate(parsed):
        if end is None:
            following = parsed[index + 1][0] if index + 1 < len(parsed) else start
            end = max(start, following)
        cues.append(Cue(start, end, body, speaker))
    return validate(cues)


def _seconds_value(ms: int) -> int | float:
    # ms / 1000 is correctly rounded and repr() is the shortest round-tripping form, so
    # reading it back as a decimal and rounding to the millisecond gives ms exactly.
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def render(transcript: Transcript) -> str:
    """Write Podcasting 2.0 JSON (version 1.0.0); raises UntimedTranscriptError if untimed."""
    if not transcript.timed:
        raise UntimedTranscriptError("Podcasting 2.0 JSON")
    segments: list[dict[str, object]] = []
    for cue in transcript.cues:
        assert cue.start_ms is not None and cue.end_ms is not None
        speaker = clean_speaker(cue.speaker)
        text = clean_text(cue.text)
        timed = [(w.start_ms, w.end_ms, w.text) for w in cue.words]
        if not timed or " ".join(clean_text(t) for _, _, t in timed) != text:
            timed = [(cue.start_ms, cue.end_ms, cue.text)]
        for start_ms, end_ms, body in timed:
            segment: dict[str, object] = {}
            if speaker:
                segment["speaker"] = speaker
            segment["startTime"] = _seconds_value(start_ms)
            segment["endTime"] = _seconds_value(end_ms)
            segment["body"] = clean_text(body)
            segments.append(segment)
    document = {"version": "1.0.0", "segments": segments}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
