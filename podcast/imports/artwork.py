"""Show and item artwork brought over from the old host.

The picture is downloaded (at most the upload limit), read as a JPEG or PNG, and stored like a
producer's upload. Art Apple would refuse (too small, not square, CMYK) is kept with a note:
it is what listeners saw until now, and the producer can replace it. An import sets artwork
only where there is none or where an import set it; a producer's own is never replaced. The
old host's URL is kept with it, so running the import again downloads only changed art.
"""

from __future__ import annotations

from podcast.core.errors import DomainError
from podcast.imports.fetch import Fetcher, FetchError
from podcast.media.images import Picture
from podcast.shows.artwork import MAX_BYTES, apple_problem, read_artwork

ACCEPT = "image/jpeg, image/png;q=0.9, image/*;q=0.1"


def wanted(url: str | None, key: str | None, source_url: str | None) -> bool:
    """Whether to import the art at ``url`` over the current one (``key``, imported from
    ``source_url``, or None when a producer gave it)."""
    return bool(url) and url != source_url and (key is None or source_url is not None)


def fetch_artwork(fetcher: Fetcher, url: str, notes: list[str]) -> tuple[Picture | None, int]:
    """The picture at ``url`` (None, with a note, if it cannot be used), and bytes fetched."""
    try:
        _got, data = fetcher.get(url, limit=MAX_BYTES, accept=ACCEPT)
    except FetchError as exc:
        notes.append(f"artwork not imported: {exc.url}: {exc.reason}")
        return None, 0
    try:
        picture = read_artwork(data)
    except DomainError as exc:
        notes.append(f"artwork not imported: {url}: {exc.message}")
        return None, len(data)
    problem = apple_problem(picture)
    if problem is not None:
        notes.append(f"artwork imported, but Apple would refuse it ({problem}): replace it soon")
    return picture, len(data)
