"""gzip for text answers (the feed, transcripts, chapters); never for audio or ranges.

Each compressed representation has its own strong ETag (the identity tag with ``-gzip``), so
a cache never hands compressed bytes to a client that validated the plain ones; answers carry
``Vary: Accept-Encoding`` either way (docs/standards.md, "Compression").
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from starlette.datastructures import Headers

# 31% of the size at level 9's 30%, for half the time (docs/performance.md, "Precompressed gzip")
GZIP_LEVEL = 6
VARY = {"Vary": "Accept-Encoding"}


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: bytes) -> bool:
    """RFC 9110 12.5.3, enough for podcast apps: ``gzip`` or ``*`` with a non-zero q."""
    for part in accept_encoding.split(b","):
        coding, _, params = part.partition(b";")
        if coding.strip().lower() not in (b"gzip", b"x-gzip", b"*"):
            continue
        q = params.strip().lower()
        if q.startswith(b"q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def wants_gzip(headers: Headers) -> bool:
    return accepts_gzip(headers.get("accept-encoding", "").encode("latin-1"))


def compress(body: bytes) -> bytes:
    """mtime=0: the same bytes compress to the same bytes on every replica (stable ETags)."""
    return gzip.compress(body, GZIP_LEVEL, mtime=0)


def gzip_etag(etag: str) -> str:
    """``"abc"`` → ``"abc-gzip"``."""
    return f'{etag[:-1]}-gzip"'
