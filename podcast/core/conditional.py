"""RFC 9110 conditional requests: validators, and the 304 decision."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache

from starlette.datastructures import Headers


@lru_cache(maxsize=1024)
def http_date(moment: datetime) -> str:
    """Cached: the media hot path formats the same few upload times on every request."""
    return format_datetime(moment, usegmt=True)


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def none_match(if_none_match: str, etag: str) -> bool:
    """True when ``If-None-Match`` matches: weak comparison, lists and ``*`` (RFC 9110 13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    mine = _opaque(etag)
    return any(_opaque(candidate) == mine for candidate in if_none_match.split(","))


def not_modified(headers: Headers, etag: str, last_modified: datetime) -> bool:
    """Whether a GET or HEAD may be answered 304. ``If-None-Match`` wins over the date."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return none_match(if_none_match, etag)
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, OverflowError):  # OverflowError: absurdly large numbers
        return False  # an unparsable date is ignored, as the RFC says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # asctime dates (RFC 9110 5.6.7) are in UTC
    return last_modified.replace(microsecond=0) <= since
