"""The show's artwork: checked against Apple's rules, stored by digest, the old file released.

A new picture gets a new digest and so a new URL: Apple only notices changed art when the URL
changes (docs/standards.md, "Artwork"), and image URLs end in .jpg/.png as feedgen insists.
"""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image
from sqlalchemy.orm import Session

from podcast.core.errors import Invalid, UnsupportedMediaType
from podcast.media import Storage
from podcast.media.images import ArtworkError, Picture, inspect_image
from podcast.media.store import release_after_commit, store_picture
from podcast.shows.models import Show

MIN_SIDE, MAX_SIDE = 1400, 3000
MAX_BYTES = 20 * 1024 * 1024
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
_NOT_RGB = frozenset({"CMYK"})


def check_show_artwork(data: bytes) -> Picture:
    """The picture, if Apple would take it as show art; else 415 (not JPEG/PNG) or 422."""
    if not data.startswith((_JPEG, _PNG)):
        raise UnsupportedMediaType(
            "show artwork must be a JPEG or PNG image; send the file itself as the body"
        )
    try:
        picture = inspect_image(data)
    except ArtworkError as exc:
        raise Invalid(str(exc)) from None
    width, height = picture.width, picture.height
    if width != height:
        raise Invalid(
            f"the image is {width}x{height} pixels; show artwork must be square "
            f"(between {MIN_SIDE}x{MIN_SIDE} and {MAX_SIDE}x{MAX_SIDE})"
        )
    if not MIN_SIDE <= width <= MAX_SIDE:
        raise Invalid(
            f"the image is {width}x{height} pixels; show artwork must be between "
            f"{MIN_SIDE}x{MIN_SIDE} and {MAX_SIDE}x{MAX_SIDE}"
        )
    with Image.open(io.BytesIO(data)) as img:
        mode = img.mode
    if mode in _NOT_RGB:
        raise Invalid(f"the image is in {mode} colour; Apple requires RGB artwork")
    return picture


def replace_show_artwork(
    session: Session, storage: Storage, show: Show, picture: Picture, now: datetime
) -> None:
    """Store the file and point the show at it; once that is committed, the old file is
    deleted if nothing else uses it."""
    key = store_picture(session, storage, picture)
    session.refresh(show)  # under the lock now: the file being replaced is the current one
    old = show.artwork_key
    show.artwork_key = key
    show.artwork_width, show.artwork_height = picture.width, picture.height
    show.updated_at = now
    session.flush()
    if old != key:
        release_after_commit(session, storage, {old})
