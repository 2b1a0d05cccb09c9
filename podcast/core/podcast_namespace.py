"""Values of the Podcasting 2.0 ``podcast:`` namespace that more than one part of the service
speaks: the feed writes them (``podcast.feed.podcastindex``) and the importer reads them from
an old host's feed (``podcast.imports.source``). Plain values, as the tags carry them; each
user checks them against its own limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Person:
    """``podcast:person``: a name, and optionally its role, group, image and link."""

    name: str
    role: str | None = None
    group: str | None = None
    img: str | None = None
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Funding:
    """``podcast:funding``: where to support the show, and the link's text."""

    url: str
    text: str


@dataclass(frozen=True, slots=True)
class Location:
    """``podcast:location``: a place's name, with its ``geo:`` URI and OpenStreetMap id."""

    name: str
    geo: str | None = None
    osm: str | None = None


@dataclass(frozen=True, slots=True)
class License:
    """``podcast:license``: a licence's name (an SPDX identifier, say) and its URL."""

    name: str
    url: str | None = None
