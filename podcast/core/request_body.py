"""Request bodies up to a limit: one way to refuse, one message, one reader.

Every body has a cap: audio uploads (``PODCAST_MAX_UPLOAD_MB``, streamed to storage by
``podcast.media.uploads``), show artwork and transcripts (read into memory here) and JSON
(``podcast.core.body_limit``). All refuse the same way: at once when ``Content-Length`` is
already too big, else as soon as the bytes received pass the cap, never after reading the
rest; the answer is a 413 (``PayloadTooLarge``) that names the limit, e.g. "the image is
larger than the 20 MiB upload limit".
"""

from __future__ import annotations

from fastapi import Request

from podcast.core.errors import BadRequest, PayloadTooLarge

__all__ = [
    "MULTIPART_SLACK",
    "check_declared_length",
    "describe_limit",
    "read_limited",
    "too_large",
]

_KIB = 1024
_MIB = 1024 * 1024
# What a multipart body may carry besides its file: boundaries and the small fields around it.
MULTIPART_SLACK = _MIB


def describe_limit(limit: int) -> str:
    """``20 MiB``, ``1.5 MiB``, ``512 KiB`` or ``100 bytes``: the limit as a person reads it."""
    if limit >= _MIB:
        return f"{limit / _MIB:.1f}".removesuffix(".0") + " MiB"
    if limit >= _KIB:
        return f"{limit / _KIB:.1f}".removesuffix(".0") + " KiB"
    return f"{limit} bytes"


def too_large(limit: int, what: str = "the file") -> PayloadTooLarge:
    return PayloadTooLarge(f"{what} is larger than the {describe_limit(limit)} upload limit")


def check_declared_length(
    content_length: str | None, limit: int, *, slack: int = 0, what: str = "the file"
) -> None:
    """Refuse at once, before reading a byte, when the client says the body is too big.

    ``slack`` allows for a multipart body's boundaries and fields around the file itself.
    """
    if content_length is None:
        return
    try:
        declared = int(content_length)
    except ValueError:
        raise BadRequest("Content-Length is not a number") from None
    if declared > limit + slack:
        raise too_large(limit, what)


async def read_limited(request: Request, limit: int, *, what: str = "the file") -> bytes:
    """The whole body, if it has at most ``limit`` bytes; small bodies only (it is held in
    memory). Stops receiving as soon as the limit is passed."""
    check_declared_length(request.headers.get("content-length"), limit, what=what)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit, what)
        chunks.append(chunk)
    return b"".join(chunks)
