"""Podcast directories the show is listed in, and the Subscribe links that open it in apps.

A producer pastes the show's page in Apple Podcasts or Spotify, or just its id: both are
stored as the bare id (Apple's digits, Spotify's 22 base-62 characters), so what is stored
can never carry a scheme or a host of its own. Links are built from the ids and the feed URL
with the apps' documented https URLs only (docs/standards.md, "Subscribe links"): a custom
scheme (``pktc:``, ``overcast:``) does nothing in a browser without the app, and https links
fall back to the app's web page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import SplitResult, quote, urlsplit

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

APPLE_ID = re.compile(r"[0-9]{5,15}")
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
_APPLE_IN_URL = re.compile(r"(?:/id|[?&]id=)([0-9]{5,15})(?:[/?&#]|$)")
_SPOTIFY_IN_URL = re.compile(r"/show/([0-9A-Za-z]{22})(?:[/?#]|$)")


def _apple_id(value: object) -> object:
    """``1234567890``, ``id1234567890`` or an Apple Podcasts page
    (``https://podcasts.apple.com/gb/podcast/leadership-live/id1234567890``) → the digits."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower().startswith("id") and APPLE_ID.fullmatch(text[2:]):
        return text[2:]
    parts = _parts(text)
    if parts and (parts.hostname or "").endswith("apple.com"):
        match = _APPLE_IN_URL.search(parts.path + "?" + parts.query)
        return match.group(1) if match else text
    return text


def _spotify_id(value: object) -> object:
    """A Spotify show id, its ``spotify:show:…`` URI or its page
    (``https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk?si=…``) → the id."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("spotify:show:"):
        return text.removeprefix("spotify:show:")
    parts = _parts(text)
    if parts and parts.hostname == "open.spotify.com":
        match = _SPOTIFY_IN_URL.search(parts.path)
        return match.group(1) if match else text
    return text


def _parts(text: str) -> SplitResult | None:
    """A pasted web address, or None for anything else (a bare id)."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return parts if parts.scheme in ("http", "https") else None


def _matching(pattern: re.Pattern[str], message: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise PydanticCustomError("directory_id", message)
        return value

    return AfterValidator(check)


ApplePodcastsId = Annotated[
    str,
    BeforeValidator(_apple_id),
    _matching(
        APPLE_ID,
        "not an Apple Podcasts id: paste the show's podcasts.apple.com address, or the digits "
        "after 'id' in it",
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{APPLE_ID.pattern}$",
            "description": "The show's Apple Podcasts id (the digits after 'id' in its "
            "podcasts.apple.com address); the address itself is accepted too.",
        }
    ),
]
SpotifyShowId = Annotated[
    str,
    BeforeValidator(_spotify_id),
    _matching(
        SPOTIFY_ID,
        "not a Spotify show id: paste the show's open.spotify.com/show/ address, or the 22 "
        "letters and digits after /show/ in it",
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{SPOTIFY_ID.pattern}$",
            "description": "The show's Spotify id (22 letters and digits after /show/ in its "
            "open.spotify.com address); the address itself is accepted too.",
        }
    ),
]


@dataclass(frozen=True, slots=True)
class AppLink:
    """One Subscribe choice: the app's name (the link text) and an https URL."""

    app: str
    url: str


def app_links(feed_url: str, apple_id: str | None, spotify_id: str | None) -> list[AppLink]:
    """The apps that can open this show, in a fixed order.

    Apple Podcasts, Pocket Casts and Overcast need Apple's id (the latter two look shows up
    in Apple's directory by it); Spotify needs its own id (Spotify only plays shows it has
    listed); AntennaPod subscribes to the feed URL itself, so it is always offered. Stored
    ids that do not look like ids (an older row, a hand-edited database) are left out.
    """
    links: list[AppLink] = []
    apple = apple_id if apple_id and APPLE_ID.fullmatch(apple_id) else None
    spotify = spotify_id if spotify_id and SPOTIFY_ID.fullmatch(spotify_id) else None
    if apple:
        links.append(AppLink("Apple Podcasts", f"https://podcasts.apple.com/podcast/id{apple}"))
    if spotify:
        links.append(AppLink("Spotify", f"https://open.spotify.com/show/{spotify}"))
    if apple:
        links.append(AppLink("Pocket Casts", f"https://pca.st/itunes/{apple}"))
        links.append(AppLink("Overcast", f"https://overcast.fm/itunes{apple}"))
    if is_http_url(feed_url):
        links.append(
            AppLink(
                "AntennaPod",
                "https://antennapod.org/deeplink/subscribe?url=" + quote(feed_url, safe=""),
            )
        )
    return links


def is_http_url(url: str) -> bool:
    """Only http(s) links are ever rendered: a stored ``javascript:`` or app scheme is not."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
