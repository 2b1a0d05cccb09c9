"""Inspect image bytes (embedded cover art, chapter images, uploads) with Pillow.

The declared MIME type of embedded art is often wrong (taggers write ``image/jpg`` or nothing),
so the format is decided from the bytes. Only JPEG and PNG are accepted because those are what
Apple Podcasts and the other directories take (docs/standards.md, "Artwork").
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

__all__ = [
    "ARTWORK_COLOUR_MODES",
    "ARTWORK_MAX_SIDE",
    "ARTWORK_MIN_SIDE",
    "MAX_PIXELS",
    "ArtworkError",
    "Picture",
    "artwork_size_ok",
    "extension_for",
    "inspect_image",
]

# Apple Podcasts' show artwork (docs/standards.md, "Artwork"): a square JPEG or PNG of
# 1400x1400 to 3000x3000 pixels in RGB. The upload (podcast.shows.artwork) and the feed check
# (podcast.feed.lint) both ask these. Pillow's modes that are RGB or map to it losslessly
# (palette, greyscale) pass; CMYK, 16-bit and 1-bit images do not.
ARTWORK_MIN_SIDE, ARTWORK_MAX_SIDE = 1400, 3000
ARTWORK_COLOUR_MODES = frozenset({"RGB", "RGBA", "P", "L", "LA"})

# Anything far beyond Apple's largest artwork in an audio file is suspect and is refused
# before Pillow decodes it (decompression-bomb guard, stricter than Pillow's own).
MAX_PIXELS = 6000 * 6000

# Pillow format name -> (MIME type, file extension). MPO is a multi-picture JPEG from cameras.
_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
}


class ArtworkError(ValueError):
    """The bytes are not a usable JPEG or PNG image; the message says why, for a producer."""


@dataclass(frozen=True)
class Picture:
    """A verified JPEG or PNG image: the original bytes plus what they really contain."""

    data: bytes
    mime_type: str  # "image/jpeg" or "image/png", from the content
    width: int
    height: int
    extension: str  # "jpg" or "png"
    mode: str = field(default="RGB", compare=False)  # Pillow's colour mode; follows from data

    def __repr__(self) -> str:  # keep the bytes out of test failures and logs
        return f"Picture({self.mime_type}, {self.width}x{self.height}, {len(self.data)} bytes)"


def inspect_image(data: bytes) -> Picture:
    """Identify ``data`` by content and fully decode it, so a broken image is caught here.

    Raises ``ArtworkError`` for empty data, anything that is not JPEG/PNG, images larger than
    ``MAX_PIXELS`` (checked before decoding) and truncated or damaged files.
    """
    if not data:
        raise ArtworkError("The image is empty (0 bytes).")
    fmt: str | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                if fmt not in _FORMATS:
                    raise ArtworkError(
                        f"The image is {fmt or 'in an unknown format'}; "
                        "only JPEG and PNG images are accepted."
                    )
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise _too_large(width, height)
                img.load()
                mode = img.mode
    except ArtworkError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ArtworkError(
            "The image is far too large to process (over "
            f"{MAX_PIXELS // 1_000_000} megapixels); use at most "
            f"{ARTWORK_MAX_SIDE}x{ARTWORK_MAX_SIDE} pixels."
        ) from exc
    except UnidentifiedImageError as exc:
        raise ArtworkError(
            "The data is not an image we recognise; only JPEG and PNG images are accepted."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ArtworkError(f"The {fmt or 'image'} file is damaged or truncated ({exc}).") from exc
    mime_type, extension = _FORMATS[fmt]
    return Picture(data, mime_type, width, height, extension, mode)


def extension_for(fmt: str) -> str | None:
    """The stored extension of a Pillow format we accept (``MPO`` is a JPEG), else None."""
    found = _FORMATS.get(fmt)
    return None if found is None else found[1]


def artwork_size_ok(width: int, height: int) -> bool:
    """Square, and between Apple's smallest and largest show artwork."""
    return width == height and ARTWORK_MIN_SIDE <= width <= ARTWORK_MAX_SIDE


def _too_large(width: int, height: int) -> ArtworkError:
    return ArtworkError(
        f"The image is {width}x{height} pixels, too large to process (the limit is "
        f"{MAX_PIXELS // 1_000_000} megapixels); use at most "
        f"{ARTWORK_MAX_SIDE}x{ARTWORK_MAX_SIDE} pixels."
    )
