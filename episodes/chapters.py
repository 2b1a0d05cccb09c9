"""Chapters as they may be stored and shown: the one rule for URLs and times.

Chapters come from audio tags, which anyone who can hand a producer a file controls. So:

* **URLs**: only absolute ``http``/``https`` URLs with a host, at most 2,048 characters and
  without whitespace or control characters, are kept (:func:`safe_url`). Anything else
  (``javascript:``, ``data:``, relative paths, ``https:\\\\host``) becomes no URL. Readers of
  stored chapters (the chapters JSON, the episode page, the API) call it too, so rows saved
  before this rule existed are never emitted with a dangerous link.
* **Times** (:func:`sanitise`): chapters are put in order of their start (stable); a chapter
  that starts at or after the end of the audio is dropped (there is nothing to hear); an end
  past the end of the audio is clamped to it; an end that is missing or not after its start
  is the next later chapter's start, else the end of the audio. So every kept chapter ends
  after it starts and inside the audio, however the chapters arrived.
* **Titles**: control characters removed, surrounding space stripped, at most 255 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from podcast.media.images import Picture

__all__ = ["MAX_URL", "AudioChapter", "clean_title", "safe_url", "sanitise"]

MAX_URL = 2048  # the column's length
MAX_TITLE = 255
_MAX_MS = 2**31 - 1  # times are stored in 32-bit integer columns
_UNSAFE = re.compile("[\x00-\x20\x7f-\x9f]")  # whitespace and control characters
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class AudioChapter:
    start_ms: int
    end_ms: int | None
    title: str | None = None
    url: str | None = None
    image: Picture | None = None


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL that is safe to link to, else None."""
    if not url:
        return None
    url = url.strip(" \t\r\n")  # ASCII only: other spacing is refused below
    if len(url) > MAX_URL or _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def clean_title(title: str | None) -> str | None:
    """A title without control characters or surrounding space, cut to 255; None if empty."""
    cleaned = _CONTROLS.sub("", title or "").strip()[:MAX_TITLE].strip()
    return cleaned or None


def sanitise(chapters: Sequence[AudioChapter], duration_ms: int) -> list[AudioChapter]:
    """Chapters fit to store for audio ``duration_ms`` long (the rules in the module doc)."""
    end_of_audio = min(duration_ms, _MAX_MS) if duration_ms > 0 else _MAX_MS
    ordered = sorted(
        (c for c in chapters if 0 <= c.start_ms < end_of_audio), key=lambda c: c.start_ms
    )
    out = []
    for index, chapter in enumerate(ordered):
        end = chapter.end_ms
        if end is not None and end > end_of_audio:
            end = end_of_audio
        elif end is None or end <= chapter.start_ms:
            later = (c.start_ms for c in ordered[index + 1 :] if c.start_ms > chapter.start_ms)
            end = next(later, end_of_audio)
        out.append(
            AudioChapter(
                chapter.start_ms,
                end,
                clean_title(chapter.title),
                safe_url(chapter.url),
                chapter.image,
            )
        )
    return out
