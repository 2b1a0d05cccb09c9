"""RFC 9110 conditional requests (podcast.core.conditional): ETag matching, HTTP dates and the
304 decision. Byte ranges are Starlette's, wrapped in podcast.media.responses: tested over a
socket in tests/media/test_responses.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.datastructures import Headers

from podcast.core.conditional import http_date, none_match, not_modified

ETAG = '"abc123"'
MODIFIED = datetime(1994, 11, 6, 8, 49, 37, 250_000, tzinfo=UTC)  # sub-second, as stored
IMF = "Sun, 06 Nov 1994 08:49:37 GMT"
RFC850 = "Sunday, 06-Nov-94 08:49:37 GMT"
ASCTIME = "Sun Nov  6 08:49:37 1994"


def _304(**headers: str) -> bool:
    names = {name.replace("_", "-"): value for name, value in headers.items()}
    return not_modified(Headers(names), ETAG, MODIFIED)


def test_http_date_is_imf_fixdate() -> None:
    assert http_date(MODIFIED) == IMF
    assert http_date(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "Fri, 02 Jan 2026 03:04:05 GMT"


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc123"', True),
        ('W/"abc123"', True),  # weak comparison: W/ on either side still matches
        (' "abc123" ', True),
        ('"other", "abc123"', True),
        ('"other",W/"abc123" , "more"', True),
        ("*", True),
        (" * ", True),
        ('"other"', False),
        ('"abc12"', False),
        ('"abc1234"', False),
        ('"ABC123"', False),  # opaque tags compare case-sensitively
        ("abc123", False),  # unquoted is not the same tag
        ('W/"other", "nope"', False),
        ("", False),
        (",,,", False),
    ],
)
def test_none_match(header: str, matches: bool) -> None:
    assert none_match(header, ETAG) is matches
    assert none_match(header, "W/" + ETAG) is matches, "a weak validator compares the same"


def test_no_conditions_no_304() -> None:
    assert not _304()
    assert not _304(if_match=ETAG), "If-Match is not a reason for 304"


@pytest.mark.parametrize("date", [IMF, RFC850, ASCTIME])
def test_if_modified_since_in_the_three_http_date_formats(date: str) -> None:
    assert _304(if_modified_since=date), "same second (the stored fraction is not sent)"
    later = date.replace("08:49:37", "08:49:38")
    assert _304(if_modified_since=later)
    earlier = date.replace("08:49:37", "08:49:36")
    assert not _304(if_modified_since=earlier)


def test_if_modified_since_with_an_offset() -> None:
    assert _304(if_modified_since="Sun, 06 Nov 1994 09:49:37 +0100")
    assert not _304(if_modified_since="Sun, 06 Nov 1994 09:49:36 +0100")


@pytest.mark.parametrize(
    "date",
    [
        "",
        "garbage",
        "0",
        "1 2 3 4 5",
        "Sun, 06 Nov 1994",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 06 Nov 99999 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 +9999",
        "Sun, 06 Nov 1994 08:49:99999999999999999999999 GMT",
        "Sun, 06 Nov 1994 999999999999999999999:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 +99999999999999999999",
        "Sun, 06 Nov 1994 08:49:37.5 GMT",
        "\x00",
    ],
)
def test_garbage_dates_are_ignored(date: str) -> None:
    """An unparsable If-Modified-Since is ignored (RFC 9110 13.1.3): a full answer, no error."""
    assert not _304(if_modified_since=date)


def test_if_none_match_wins_over_if_modified_since() -> None:
    """RFC 9110 13.2.2: with If-None-Match present, If-Modified-Since is not evaluated."""
    future = "Sun, 06 Nov 2095 08:49:37 GMT"
    assert not _304(if_none_match='"other"', if_modified_since=future)
    assert _304(if_none_match=ETAG, if_modified_since="Sat, 01 Jan 1990 00:00:00 GMT")
    assert _304(if_none_match=ETAG, if_modified_since="garbage")
    assert not _304(if_none_match="", if_modified_since=future)
