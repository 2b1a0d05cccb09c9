"""Times in page URLs and text: ``?t=12:34`` deep links and the clock labels beside cues."""

from __future__ import annotations

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


def clock(seconds: float) -> str:
    """``12:34`` under an hour, ``1:02:03`` from an hour on (whole seconds, rounded down)."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def spoken(seconds: float) -> str:
    """A duration for people: ``1 hr 2 min``, ``45 min``, ``30 sec``."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} hr {minutes} min" if minutes else f"{hours} hr"
    if minutes:
        return f"{minutes} min"
    return f"{secs} sec"


def iso_duration(seconds: float) -> str:
    """``PT1H2M3S``, for ``<time datetime>`` and schema.org."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out
