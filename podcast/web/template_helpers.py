"""What templates need from an episode, worked out once in Python rather than in Jinja."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from episodes.chapters import safe_url
from episodes.models import Episode, EpisodeType, Status
from episodes.urls import enclosure_path
from podcast.core import public_urls
from podcast.core.timecodes import fragment_seconds

ROLE_LABELS = {"host": "Host", "guest": "Guest", "co-host": "Co-host", "producer": "Producer"}


def image_path(key: str | None) -> str | None:
    """Same-origin image path (``/images/<digest>.<ext>``): pages never link to base_url hosts."""
    return None if key is None else public_urls.image_path(key)


def numbering(episode: Episode) -> str:
    """``Season 2, episode 3``, ``Episode 3``, ``Trailer``, or empty."""
    parts = []
    if episode.season is not None:
        parts.append(f"Season {episode.season}")
    if episode.episode_number is not None:
        parts.append(
            f"episode {episode.episode_number}" if parts else f"Episode {episode.episode_number}"
        )
    if episode.episode_type is not EpisodeType.FULL:
        parts.append(
            episode.episode_type.value.capitalize() if not parts else episode.episode_type.value
        )
    return ", ".join(parts)


def role_label(role: str | None) -> str:
    if not role:
        return ""
    return ROLE_LABELS.get(role, role.replace("-", " ").capitalize())


@dataclass(frozen=True)
class ChapterView:
    start: float
    title: str
    url: str | None


def chapters(episode: Episode) -> list[ChapterView]:
    return [
        ChapterView(c.start_ms / 1000, c.title or f"Chapter {i}", safe_url(c.url))
        for i, c in enumerate(episode.chapters, start=1)
    ]


def audio_src(episode: Episode, start: float | None) -> str | None:
    """The enclosure, with a media fragment (``#t=754``) when the page was opened at a time."""
    path = enclosure_path(episode)
    if path is None:
        return None
    if start:
        return f"{path}#t={fragment_seconds(start)}"
    return path


def status_label(episode: Episode, now: datetime) -> str:
    status = episode.status_at(now)
    if status is Status.DRAFT:
        return "Draft"
    if status is Status.SCHEDULED:
        return "Scheduled"
    return "Published"
