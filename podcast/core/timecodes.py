"""Times as people and standards write them: one definition of each spelling.

* :func:`parse_start`: what a person types or shares (``?t=12:34``, ``1h2m3s``).
* :func:`clock`: ``12:34`` / ``1:02:03`` labels (pages, transcript cues, upload errors).
* :func:`duration`: an episode's length as the page, the admin and the audio player all show
  it (``42:31``): browsers' players count whole seconds down, so the page does too, and the
  feed's ``itunes:duration`` is the same whole seconds (:func:`whole_seconds`).
* :func:`iso_duration` / :func:`iso_duration_ms`: ISO 8601 durations (``PT1H2M3S``), which
  HTML's ``<time datetime>`` and schema.org both take.
* :func:`fragment_seconds`: a media-fragment number (``#t=754.5``).

The feed's ``itunes:duration`` is whole seconds (Apple's preferred form) and the transcript
formats write their own file timestamps (``transcripts.cues.format_timestamp``).
"""

from __future__ import annotations

import math
import re

_CLOCK = re.compile(r"(?:(\d{1,3}):)?(\d{1,3}):(\d{1,2}(?:\.\d+)?)")
_UNITS = re.compile(r"(?:(\d{1,3})h)?(?:(\d{1,4})m)?(?:(\d{1,6}(?:\.\d+)?)s)?")
_SECONDS = re.compile(r"\d{1,6}(?:\.\d+)?")
MAX_SECONDS = 100 * 3600


def parse_start(value: str | None) -> float | None:
    """Seconds from ``754``, ``754.5``, ``12:34``, ``1:02:03`` or ``1h2m3s``; None if unreadable.

    A link someone shared must never break the page, so anything odd is ignored, not an error.
    """
    if not value:
        return None
    value = value.strip().lower()
    seconds: float
    if _SECONDS.fullmatch(value):
        seconds = float(value)
    elif match := _CLOCK.fullmatch(value):
        hours, minutes, secs = match.groups()
        if float(secs) >= 60 or (hours is not None and int(minutes) >= 60):
            return None
        # "75:10" without hours is 75 minutes, as people write long times.
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    elif value and (match := _UNITS.fullmatch(value)) and any(match.groups()):
        hours, minutes, secs = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs or 0)
    else:
        return None
    return seconds if 0 <= seconds <= MAX_SECONDS else None


def fragment_seconds(seconds: float) -> str:
    """A media-fragment number: whole seconds when whole, else up to milliseconds."""
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def whole_seconds(seconds: float) -> int:
    """Whole seconds, rounded down as a player counts them (a file that stops at 30.9 s ends
    at 0:30); negative and non-finite values are 0. Every whole-second duration uses this."""
    return int(seconds) if math.isfinite(seconds) and seconds > 0 else 0


def clock(seconds: float, *, always_hours: bool = False) -> str:
    """``12:34`` under an hour, ``1:02:03`` from an hour on (``0:12:34`` with
    ``always_hours``), in :func:`whole_seconds`. Negative and non-finite values are ``0:00``."""
    hours, rest = divmod(whole_seconds(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours or always_hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def duration(seconds: float) -> str:
    """An episode's length, written as the audio player writes it (``42:31``, ``1:02:03``):
    the one spelling of a duration on the pages and in the producer area (issue 14)."""
    return clock(seconds)


def iso_duration(seconds: float) -> str:
    """``PT1H2M3S`` in :func:`whole_seconds`, for schema.org and ``<time datetime>``: the
    same seconds the label beside it shows."""
    return iso_duration_ms(whole_seconds(seconds) * 1000)


def iso_duration_ms(ms: int) -> str:
    """An ISO 8601 / HTML duration to the millisecond: 65500 ms → ``PT1M5.5S``, 0 → ``PT0S``.

    Zero parts are left out, and the fraction has no trailing zeros (``PT10H0.01S``)."""
    if ms < 0:
        raise ValueError(f"a duration cannot be negative: {ms} ms")
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    value = "PT"
    if hours:
        value += f"{hours}H"
    if minutes:
        value += f"{minutes}M"
    if seconds or millis or value == "PT":
        fraction = f".{millis:03d}".rstrip("0").rstrip(".")
        value += f"{seconds}{fraction}S"
    return value
