"""The show's ``podcast:guid``: made once from the feed URL and stored, never recomputed."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

# The Podcasting 2.0 namespace for podcast:guid (UUIDv5 namespace, from the spec).
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
_URL_CHARS_RE = re.compile(r"[!-~]+")  # printable ASCII, no spaces (Apple: ASCII-only URLs)


def guid_for_feed_url(feed_url: str) -> str:
    """The spec's ``podcast:guid``: UUIDv5 of the feed URL minus scheme and trailing slashes.

    Compute it once and store it: the guid must survive later changes of the feed URL.
    """
    parts = urlsplit(feed_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"feed_url must be an absolute http(s) URL, got {feed_url!r}")
    if not _URL_CHARS_RE.fullmatch(feed_url):
        raise ValueError(f"feed_url must be printable ASCII without spaces, got {feed_url!r}")
    bare = feed_url.split("://", 1)[1].rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, bare))
