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


def match_failed(headers: Headers, etag: str, last_modified: datetime) -> str | None:
    """The header whose precondition fails, else None (RFC 9110 13.1.1, 13.1.4, 13.2.2).

    ``If-Match`` uses strong comparison (a weak tag never matches) and accepts a list and
    ``*``; ``If-Unmodified-Since`` counts only without ``If-Match``, and an unparsable date is
    ignored.
    """
    if_match = headers.get("if-match")
    if if_match is not None:
        if if_match.strip() == "*":
            return None
        tags = (candidate.strip() for candidate in if_match.split(","))
        return None if etag in tags else "If-Match"
    if_unmodified_since = headers.get("if-unmodified-since")
    if if_unmodified_since is None:
        return None
    since = _parse_date(if_unmodified_since)
    if since is None or last_modified.replace(microsecond=0) <= since:
        return None
    return "If-Unmodified-Since"


def _parse_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: absurdly large numbers
        return None  # an unparsable date is ignored, as the RFC says
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # asctime: UTC


def not_modified(headers: Headers, etag: str, last_modified: datetime) -> bool:
    """Whether a GET or HEAD may be answered 304. ``If-None-Match`` wins over the date."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return none_match(if_none_match, etag)
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    since = _parse_date(if_modified_since)
    return since is not None and last_modified.replace(microsecond=0) <= since
