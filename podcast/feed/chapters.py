"""Podcasting 2.0 JSON chapters (``jsonChapters.md`` 1.2): what ``podcast:chapters`` links to."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from episodes.chapter_edits import chapter_image
from episodes.chapters import safe_url
from episodes.models import Chapter, Episode
from podcast.core.public_urls import PublicUrls

VERSION = "1.2.0"
MEDIA_TYPE = "application/json+chapters"


def _seconds(ms: int) -> int | float:
    """Whole seconds as integers: AntennaPod reads ``startTime`` with ``optInt``."""
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def chapter_json(chapter: Chapter, base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {"startTime": _seconds(chapter.start_ms)}
    if chapter.title:
        out["title"] = chapter.title
    img = chapter_image(chapter, PublicUrls(base_url))
    if img:
        out["img"] = img
    url = safe_url(chapter.url)  # rows stored before the rule may hold javascript: links
    if url:
        out["url"] = url
    if chapter.end_ms is not None and chapter.end_ms > chapter.start_ms:
        out["endTime"] = _seconds(chapter.end_ms)
    return out


def chapters_document(episode: Episode, show_title: str, base_url: str) -> dict[str, Any]:
    """The file's JSON, chapters in ascending ``startTime`` as the spec requires."""
    chapters = sorted(episode.chapters, key=lambda c: c.start_ms)
    return {
        "version": VERSION,
        "title": episode.title,
        "podcastName": show_title,
        "chapters": [chapter_json(c, base_url) for c in chapters],
    }


def render(document: dict[str, Any]) -> tuple[bytes, str]:
    """UTF-8 JSON bytes and their strong ETag."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
