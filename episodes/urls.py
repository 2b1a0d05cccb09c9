"""An episode's enclosure, which it has only once it has audio; the URL shapes themselves are
``podcast.core.public_urls``."""

from __future__ import annotations

from episodes.models import Episode
from podcast.core import public_urls
from podcast.core.public_urls import PublicUrls


def enclosure_path(episode: Episode) -> str | None:
    """Stable while the episode keeps its slug and audio; ends in the extension, which Apple
    relies on. Replaced audio gets a new URL (its content version)."""
    audio = episode.audio
    if audio is None:
        return None
    return public_urls.enclosure_path(
        episode.slug, audio.extension, public_urls.content_version(audio.sha256)
    )


def enclosure_url(urls: PublicUrls, episode: Episode) -> str | None:
    audio = episode.audio
    if audio is None:
        return None
    return urls.enclosure(episode.slug, audio.extension, public_urls.content_version(audio.sha256))
