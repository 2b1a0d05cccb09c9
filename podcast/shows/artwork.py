"""The show's artwork: checked against Apple's rules, stored by digest, the old file released.

A new picture gets a new digest and so a new URL: Apple only notices changed art when the URL
changes (docs/standards.md, "Artwork"), and image URLs end in .jpg/.png as feedgen insists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from podcast.core.errors import Invalid, UnsupportedMediaType
from podcast.media import Storage
from podcast.media.images import (
    ARTWORK_COLOUR_MODES,
    ARTWORK_MAX_SIDE,
    ARTWORK_MIN_SIDE,
    ArtworkError,
    Picture,
    artwork_size_ok,
    inspect_image,
)
from podcast.media.store import release_after_commit, store_picture
from podcast.shows.models import Show

MAX_BYTES = 20 * 1024 * 1024  # the upload's cap, far above any real 3000x3000 picture
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"


def check_show_artwork(data: bytes) -> Picture:
    """The picture, if Apple would take it as show art; else 415 (not JPEG/PNG) or 422."""
    picture = read_artwork(data)
    problem = apple_problem(picture)
    if problem is not None:
        raise Invalid(problem)
    return picture


def read_artwork(data: bytes) -> Picture:
    """A JPEG or PNG picture we can store and serve; else 415 (another format) or 422."""
    if not data.startswith((_JPEG, _PNG)):
        raise UnsupportedMediaType(
            "show artwork must be a JPEG or PNG image; send the file itself as the body"
        )
    try:
        return inspect_image(data)
    except ArtworkError as exc:
        raise Invalid(str(exc)) from None


def apple_problem(picture: Picture) -> str | None:
    """Why Apple would refuse ``picture`` as show (or episode) art, or None."""
    width, height = picture.width, picture.height
    if not artwork_size_ok(width, height):
        low, high = ARTWORK_MIN_SIDE, ARTWORK_MAX_SIDE
        sizes = f"between {low}x{low} and {high}x{high}"
        rule = f"square ({sizes})" if width != height else sizes
        return f"the image is {width}x{height} pixels; show artwork must be {rule}"
    if picture.mode not in ARTWORK_COLOUR_MODES:
        return f"the image is in {picture.mode} colour; Apple requires RGB artwork"
    return None


def replace_show_artwork(
    session: Session,
    storage: Storage,
    show: Show,
    picture: Picture,
    now: datetime,
    *,
    source_url: str | None = None,
) -> None:
    """Store the file and point the show at it; once that is committed, the old file is
    deleted if nothing else uses it. ``source_url``: the old host's URL it was imported from
    (None for a producer's upload, which an import then never replaces)."""
    key = store_picture(session, storage, picture)
    session.refresh(show)  # under the lock now: the file being replaced is the current one
    old = show.artwork_key
    show.artwork_key = key
    show.artwork_width, show.artwork_height = picture.width, picture.height
    show.artwork_source_url = source_url
    show.updated_at = now
    session.flush()
    if old != key:
        release_after_commit(session, storage, {old})
