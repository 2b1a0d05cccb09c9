"""Artwork of a show or an episode: checked against Apple's rules, stored by digest, the file it
replaces released after commit. One implementation for both owners (``podcast.shows.artwork``,
``episodes.service``), so the rules, messages and storage path cannot drift apart.

A new picture gets a new digest and so a new URL: Apple only notices changed art when the URL
changes (docs/standards.md, "Artwork"), and image URLs end in .jpg/.png as feedgen insists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

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

__all__ = [
    "MAX_BYTES",
    "HasArtwork",
    "apple_problem",
    "check_artwork",
    "read_artwork",
    "remove_artwork",
    "replace_artwork",
]

MAX_BYTES = 20 * 1024 * 1024  # the upload's cap, far above any real 3000x3000 picture
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"


class HasArtwork(Protocol):
    """A row with artwork columns: the show, or an episode."""

    artwork_key: str | None
    artwork_width: int | None
    artwork_height: int | None
    artwork_source_url: str | None
    updated_at: datetime


def check_artwork(data: bytes, what: str = "show artwork") -> Picture:
    """The picture, if Apple would take it as ``what``; else 415 (not JPEG/PNG) or 422."""
    picture = read_artwork(data, what)
    problem = apple_problem(picture, what)
    if problem is not None:
        raise Invalid(problem)
    return picture


def read_artwork(data: bytes, what: str = "show artwork") -> Picture:
    """A JPEG or PNG picture we can store and serve; else 415 (another format) or 422."""
    if not data.startswith((_JPEG, _PNG)):
        raise UnsupportedMediaType(
            f"{what} must be a JPEG or PNG image; send the image file itself as the body "
            "or as the multipart field 'file'"
        )
    try:
        return inspect_image(data)
    except ArtworkError as exc:
        raise Invalid(str(exc)) from None


def apple_problem(picture: Picture, what: str = "show artwork") -> str | None:
    """Why Apple would refuse ``picture`` as show (or episode) art, or None."""
    width, height = picture.width, picture.height
    if not artwork_size_ok(width, height):
        low, high = ARTWORK_MIN_SIDE, ARTWORK_MAX_SIDE
        sizes = f"between {low}x{low} and {high}x{high}"
        rule = f"square ({sizes})" if width != height else sizes
        return f"the image is {width}x{height} pixels; {what} must be {rule}"
    if picture.mode not in ARTWORK_COLOUR_MODES:
        return f"the image is in {picture.mode} colour; Apple requires RGB artwork"
    return None


def replace_artwork(
    session: Session,
    storage: Storage,
    owner: HasArtwork,
    picture: Picture,
    now: datetime,
    *,
    source_url: str | None = None,
) -> None:
    """Store the file and point ``owner`` at it; once that is committed, the old file is
    deleted if nothing else uses it. ``source_url``: the old host's URL it was imported from
    (None for a producer's upload, which an import then never replaces)."""
    key = store_picture(session, storage, picture)
    _set(session, storage, owner, key, picture.width, picture.height, source_url, now)


def remove_artwork(session: Session, storage: Storage, owner: HasArtwork, now: datetime) -> None:
    """``owner`` has no artwork of its own any more (an episode then shows the show's); the
    file is deleted after commit if nothing else uses it."""
    _set(session, storage, owner, None, None, None, None, now)


def _set(
    session: Session,
    storage: Storage,
    owner: HasArtwork,
    key: str | None,
    width: int | None,
    height: int | None,
    source_url: str | None,
    now: datetime,
) -> None:
    session.flush()  # nothing pending is lost by the refresh below
    # Under the new key's lock now: the file being replaced is the one committed last.
    session.refresh(owner, ["artwork_key"])
    old = owner.artwork_key
    owner.artwork_key = key
    owner.artwork_width, owner.artwork_height = width, height
    owner.artwork_source_url = source_url
    owner.updated_at = now
    session.flush()
    if old != key:
        release_after_commit(session, storage, {old})
