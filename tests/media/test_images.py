"""inspect_image(): JPEG/PNG by content, pixel size, and clear errors for everything else."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from podcast.media.images import (
    MAX_PIXELS,
    ArtworkError,
    Picture,
    artwork_size_ok,
    extension_for,
    inspect_image,
)


def _encode(fmt: str, size: tuple[int, int] = (300, 200), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "navy" if mode == "RGB" else 0).save(out, fmt)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _huge_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height``: a decompression bomb's shape."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("fmt", "mime", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png")],
)
def test_accepts_jpeg_and_png(fmt: str, mime: str, extension: str) -> None:
    data = _encode(fmt)
    picture = inspect_image(data)
    assert picture == Picture(data, mime, 300, 200, extension)
    assert "bytes" in repr(picture) and str(len(data)) in repr(picture)  # no raw bytes in repr


def test_cmyk_jpeg_is_still_a_jpeg() -> None:
    # Apple wants RGB for the show artwork; that rule belongs to the artwork upload, not here.
    picture = inspect_image(_encode("JPEG", (40, 40), mode="CMYK"))
    assert (picture.mime_type, picture.width) == ("image/jpeg", 40)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused_by_name(fmt: str) -> None:
    with pytest.raises(ArtworkError, match=rf"The image is {fmt}; only JPEG and PNG"):
        inspect_image(_encode(fmt))


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"", "empty"),
        (b"Episode notes, not a picture", "not an image we recognise"),
        (_encode("JPEG")[:300], "damaged or truncated"),
        (_encode("PNG")[:60], "damaged or truncated"),
    ],
)
def test_unusable_data(data: bytes, phrase: str) -> None:
    with pytest.raises(ArtworkError, match=phrase):
        inspect_image(data)


@pytest.mark.parametrize("side", [7000, 20000])  # our limit; then Pillow's own bomb check too
def test_decompression_bombs_are_refused_before_decoding(side: int) -> None:
    assert side * side > MAX_PIXELS
    with pytest.raises(ArtworkError, match="too large"):
        inspect_image(_huge_png(side, side))


def test_artwork_error_is_a_value_error() -> None:
    assert issubclass(ArtworkError, ValueError)


def test_artwork_rules() -> None:
    """Apple's show artwork, defined once for the upload and the feed check."""
    assert artwork_size_ok(1400, 1400) and artwork_size_ok(3000, 3000)
    assert not artwork_size_ok(1399, 1399) and not artwork_size_ok(3001, 3001)
    assert not artwork_size_ok(1400, 1401)
    assert extension_for("JPEG") == extension_for("MPO") == "jpg"  # camera JPEGs are JPEGs
    assert extension_for("PNG") == "png"
    assert extension_for("GIF") is None
