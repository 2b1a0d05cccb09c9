"""Values of the Podcasting 2.0 ``podcast:`` namespace that more than one part of the service
speaks: the feed writes them (``podcast.feed.podcastindex``) and the importer reads them from
an old host's feed (``podcast.imports.source``). Plain values, as the tags carry them; each
user checks them against its own limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime


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
    """``podcast:location``: a place's name, with its ``geo:`` URI and OpenStreetMap id, what
    the place is to the podcast (``rel``: its subject, the default, or where it is made) and
    its country (ISO 3166-1 alpha-2)."""

    name: str
    geo: str | None = None
    osm: str | None = None
    rel: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class License:
    """``podcast:license``: a licence's name (an SPDX identifier, say) and its URL."""

    name: str
    url: str | None = None


# ``podcast:medium``: the namespace's list, and each with "L" for a list of such feeds.
# Every medium has its "L" list variant (docs/tags/medium.md), publisherL and courseL too.
_BASE_MEDIUMS = (
    "podcast",
    "music",
    "video",
    "film",
    "audiobook",
    "newsletter",
    "blog",
    "publisher",
    "course",
)
MEDIUMS: frozenset[str] = frozenset((*_BASE_MEDIUMS, "mixed", *(f"{m}L" for m in _BASE_MEDIUMS)))

# The Podcast Taxonomy (the namespace's taxonomy.json) in lower case, as ``podcast:person``
# writes role and group. The file spells "translater"; "translator" is accepted too, since
# that is what people type.
PERSON_GROUPS: dict[str, tuple[str, ...]] = {
    "creative direction": (
        "director",
        "assistant director",
        "executive producer",
        "senior producer",
        "producer",
        "associate producer",
        "development producer",
        "creative director",
    ),
    "cast": (
        "host",
        "co-host",
        "guest host",
        "guest",
        "voice actor",
        "narrator",
        "announcer",
        "reporter",
    ),
    "writing": (
        "author",
        "editorial director",
        "co-writer",
        "writer",
        "songwriter",
        "guest writer",
        "story editor",
        "managing editor",
        "script editor",
        "script coordinator",
        "researcher",
        "editor",
        "fact checker",
        "translater",
        "translator",
        "transcriber",
        "logger",
    ),
    "audio production": (
        "studio coordinator",
        "technical director",
        "technical manager",
        "audio engineer",
        "remote recording engineer",
        "post production engineer",
    ),
    "audio post-production": (
        "audio editor",
        "sound designer",
        "foley artist",
        "composer",
        "theme music",
        "music production",
        "music contributor",
    ),
    "administration": (
        "production coordinator",
        "booking coordinator",
        "production assistant",
        "content manager",
        "marketing manager",
        "sales representative",
        "sales manager",
    ),
    "visuals": ("graphic designer", "cover art designer"),
    "community": ("social media manager",),
    "misc.": ("consultant", "intern"),
    "video production": ("camera operator", "lighting designer", "camera grip", "assistant camera"),
    "video post-production": ("editor", "assistant editor"),
}
PERSON_ROLES: frozenset[str] = frozenset(r for roles in PERSON_GROUPS.values() for r in roles)
# Podcast Index's parser (partytime) knows the role as "Translator" and credits an unknown role,
# the file's "translater" among them, as host: the feed and the API use "translator".
_ROLE_SPELLINGS = {"translater": "translator"}


def person_role(role: str) -> str:
    """``role`` in lower case, spelt as the parsers that read the taxonomy know it."""
    role = role.lower()
    return _ROLE_SPELLINGS.get(role, role)


DEFAULT_ROLE = "host"
DEFAULT_GROUP = "cast"

# The namespace's serviceslugs.txt: the platforms ``podcast:block id="..."`` can name.
SERVICE_SLUGS: frozenset[str] = frozenset(
    """acast amazon anchor apple audioboom backtracks bitcoin blubrry buzzsprout captivate castos
    fireside google hypercatcher libsyn mastodon megafono megaphone omnystudio overcast paypal
    pinecast podbean podcastaddict podcastindex podcasts.com podchaser podfriend podiant podigee
    podnews podomatic podserve podverse redcircle relayfm resonate rss.com shoutengine simplecast
    slack soundcloud spotify spreaker transistor twitter whooshkaa zencast""".split()
)
# The namespace's socialprotocols.txt: ``podcast:socialInteract protocol="..."``.
SOCIAL_PROTOCOLS: tuple[str, ...] = (
    "disabled",
    "activitypub",
    "twitter",
    "lightning",
    "bluesky",
    "hive",
    "matrix",
    "nostr",
)

# ``podcast:location``: RFC 5870 "geo:" with latitude, longitude, optional altitude and
# uncertainty (the namespace's location.md); OpenStreetMap's type letter, id and revision.
GEO_URI = re.compile(
    r"geo:(?P<lat>-?\d{1,2}(?:\.\d+)?),(?P<lon>-?\d{1,3}(?:\.\d+)?)(?:,-?\d+(?:\.\d+)?)?"
    r"(?:;u=\d+(?:\.\d+)?)?",
    re.IGNORECASE,
)
OSM_ID = re.compile(r"[NWR][1-9]\d*(?:#[1-9]\d*)?")
# The 2025 revision of location.md: ``rel`` says whether the place is what the podcast is
# about ("subject", the default when the attribute is absent) or where it is made ("creator");
# ``country`` is an ISO 3166-1 alpha-2 code in upper case ("GB").
LOCATION_RELS: tuple[str, ...] = ("subject", "creator")
COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def geo_problem(value: str) -> str | None:
    """Why ``value`` is not a ``geo:`` URI the namespace accepts, or None if it is."""
    match = GEO_URI.fullmatch(value)
    if match is None:
        return "must be a geo: URI such as geo:53.4808,-2.2426"
    if not -90 <= float(match["lat"]) <= 90:
        return "latitude must be between -90 and 90"
    if not -180 <= float(match["lon"]) <= 180:
        return "longitude must be between -180 and 180"
    return None


def osm_problem(value: str) -> str | None:
    """Why ``value`` is not an OpenStreetMap id such as R148838, or None if it is."""
    if OSM_ID.fullmatch(value) is None:
        return "must be an OpenStreetMap id: N, W or R and a number, such as R148838"
    return None


def rel_problem(value: str) -> str | None:
    """Why ``value`` is not a ``podcast:location`` rel, or None if it is."""
    if value not in LOCATION_RELS:
        return "must be subject (what the podcast is about) or creator (where it is made)"
    return None


def country_problem(value: str) -> str | None:
    """Why ``value`` is not an ISO 3166-1 alpha-2 country code as the tag takes it, or None."""
    if COUNTRY_CODE.fullmatch(value) is None:
        return "must be a two-letter ISO 3166-1 country code in capitals, such as GB"
    return None


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """``podcast:remoteItem`` in a ``podcast:podroll``: another show by its feed GUID."""

    feed_guid: str
    feed_url: str | None = None


@dataclass(frozen=True, slots=True)
class Txt:
    """``podcast:txt``: free text, with what it is for (``applepodcastsverify``, say)."""

    text: str
    purpose: str | None = None


@dataclass(frozen=True, slots=True)
class SocialInteract:
    """``podcast:socialInteract``: where the show's comments live."""

    protocol: str
    uri: str | None = None
    account_id: str | None = None
    account_url: str | None = None
    priority: int | None = None


@dataclass(frozen=True, slots=True)
class UpdateFrequency:
    """``podcast:updateFrequency``: the release schedule as text and an RFC 5545 rule."""

    text: str
    rrule: str | None = None
    complete: bool = False
    dtstart: str | None = None


@dataclass(frozen=True, slots=True)
class Trailer:
    """``podcast:trailer``: a trailer's title, file and publication date."""

    title: str
    url: str
    pubdate: datetime
    length: int | None = None
    type: str | None = None
    season: int | None = None
