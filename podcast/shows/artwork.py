"""The show's artwork: the shared rules and storage of ``podcast.media.artwork``, worded for
the show. Kept as its own names because the API, the admin and the importer call them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from podcast.media import Storage
from podcast.media.artwork import MAX_BYTES, apple_problem, check_artwork, read_artwork
from podcast.media.artwork import replace_artwork as _replace_artwork
from podcast.media.images import Picture
from podcast.shows.models import Show

__all__ = [
    "MAX_BYTES",
    "apple_problem",
    "check_show_artwork",
    "read_artwork",
    "replace_show_artwork",
]


def check_show_artwork(data: bytes) -> Picture:
    """The picture, if Apple would take it as show art; else 415 (not JPEG/PNG) or 422."""
    return check_artwork(data, "show artwork")


def replace_show_artwork(
    session: Session,
    storage: Storage,
    show: Show,
    picture: Picture,
    now: datetime,
    *,
    source_url: str | None = None,
) -> None:
    """The show's new artwork (``podcast.media.artwork.replace_artwork``)."""
    _replace_artwork(session, storage, show, picture, now, source_url=source_url)
