"""Public URLs of an episode's page and audio, always absolute (images: podcast.media.urls)."""

from __future__ import annotations

from episodes.models import Episode


def page_url(base_url: str, episode: Episode) -> str:
    return f"{base_url}/episodes/{episode.slug}"


def enclosure_path(episode: Episode) -> str | None:
    """Stable while the episode keeps its slug; ends in the extension, which Apple relies on."""
    if episode.audio is None:
        return None
    return f"/media/{episode.slug}.{episode.audio.extension}"


def enclosure_url(base_url: str, episode: Episode) -> str | None:
    path = enclosure_path(episode)
    return f"{base_url}{path}" if path else None
