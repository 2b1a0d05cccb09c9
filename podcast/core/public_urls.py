"""Every URL the service gives the public, made in one place.

The feed, the pages, JSON-LD, the API, the chapters file and the CLI all hand out the same
addresses, and apps remember them (an enclosure URL that changes is a new download; artwork
whose URL does not change is never fetched again), so their shapes are defined here once:

========================  ====================================================
the home page             ``/``
the feed                  ``/feed.xml``
an episode's page         ``/episodes/{slug}``
its audio (enclosure)     ``/media/{slug}.{version}.{extension}``  (ends in the extension)
its chapters              ``/episodes/{slug}/chapters.json``
a transcript file         ``/episodes/{slug}/transcript.{extension}[?lang=...]``
a transcript page         ``/episodes/{slug}/transcript``
an image                  ``/images/{digest}.{extension}``  (new picture, new URL)
========================  ====================================================

Pages link same-origin paths (the ``*_path`` functions); everything that leaves the site
(feed, JSON-LD, API, chapters, Open Graph, the CLI) uses :class:`PublicUrls`, absolute under
``PODCAST_BASE_URL``. A transcript in the show's own language has no ``?lang=``; one in another
language has it (both forms keep working if the show's language changes). The feed builds these
for thousands of items, so each is a function call and an f-string. Slugs are
``[a-z0-9-]`` (``episodes.slugs``) and so need no escaping.

The enclosure carries a short content version (the first hex digits of the audio's SHA-256):
replacing the audio changes the URL, so no cache serves the old bytes under the feed's new
length, and the old URL redirects to the new one (``episodes.media_routes``). The bare
``/media/{slug}.{extension}`` stays valid for links made before versions (and the pages).
"""

from __future__ import annotations

from urllib.parse import quote

from podcast.core.languages import normalise

__all__ = [
    "PublicUrls",
    "chapters_path",
    "content_version",
    "enclosure_path",
    "episode_path",
    "image_path",
    "split_media_name",
    "transcript_lang",
    "transcript_page_path",
    "transcript_path",
]


def episode_path(slug: str) -> str:
    return f"/episodes/{slug}"


VERSION_LENGTH = 10  # hex digits: 40 bits, no collision between one episode's uploads


def content_version(sha256: str) -> str:
    """The version an enclosure URL carries for audio with this digest."""
    return sha256[:VERSION_LENGTH]


def enclosure_path(slug: str, extension: str, version: str | None = None) -> str:
    if version:
        return f"/media/{slug}.{version}.{extension}"
    return f"/media/{slug}.{extension}"


def split_media_name(filename: str) -> tuple[str, str | None, str]:
    """``slug.version.ext`` or ``slug.ext`` → (slug, version or None, ext); slugs have no dot."""
    stem, _, extension = filename.rpartition(".")
    slug, _, version = stem.partition(".")
    return slug, version or None, extension


def chapters_path(slug: str) -> str:
    return f"/episodes/{slug}/chapters.json"


def transcript_lang(language: str, show_language: str) -> str | None:
    """The ``?lang=`` value a transcript's URL carries: None in the show's own language."""
    return None if normalise(language) == normalise(show_language) else language


def transcript_path(slug: str, extension: str, language: str, show_language: str) -> str:
    path = f"/episodes/{slug}/transcript.{extension}"
    lang = transcript_lang(language, show_language)
    return path if lang is None else f"{path}?lang={quote(lang)}"


def transcript_page_path(slug: str) -> str:
    """The transcript page without its query (``lang``, ``page`` and ``t`` are the page's)."""
    return f"/episodes/{slug}/transcript"


def image_path(key: str) -> str:
    """Stored images are named by their digest (``ab/<sha256>.jpg``): ``/images/<sha256>.jpg``."""
    return f"/images/{key.split('/', 1)[1]}"


class PublicUrls:
    """The absolute URLs under one base URL (``https://podcast.example.org``, no slash)."""

    __slots__ = ("base_url",)

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def home(self) -> str:
        return f"{self.base_url}/"

    def feed(self) -> str:
        return f"{self.base_url}/feed.xml"

    def episode_page(self, slug: str) -> str:
        return self.base_url + episode_path(slug)

    def enclosure(self, slug: str, extension: str, version: str | None = None) -> str:
        return self.base_url + enclosure_path(slug, extension, version)

    def chapters(self, slug: str) -> str:
        return self.base_url + chapters_path(slug)

    def transcript(self, slug: str, extension: str, language: str, show_language: str) -> str:
        return self.base_url + transcript_path(slug, extension, language, show_language)

    def image(self, key: str | None) -> str | None:
        return None if key is None else self.base_url + image_path(key)
