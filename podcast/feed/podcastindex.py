"""feedgen extension for the Podcasting 2.0 namespace, plus ``itunes:explicit`` as true/false.

feedgen 1.0 has no Podcasting 2.0 tags, and its own ``itunes_explicit`` only accepts
yes/no/clean while Apple's spec says true/false, so both live here. Usage::

    fg.load_extension("podcast")            # optional: feedgen's iTunes tags
    register(fg)                            # == fg.register_extension("podcastindex", ...)
    fg.podcastindex.guid(guid_for_feed_url(feed_url))
    fe = fg.add_entry(order="append")       # feedgen prepends by default
    fe.podcastindex.transcript(url, "text/vtt", language="en", rel="captions")

Leave feedgen's ``fg.podcast.itunes_explicit`` unset: set it here instead. feedgen is untyped;
:func:`register`, :func:`channel_ext` and :func:`entry_ext` give callers typed handles.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from podcast.core.emails import is_email
from podcast.core.languages import is_well_formed
from podcast.core.podcast_namespace import (
    MEDIUMS,
    SERVICE_SLUGS,
    SOCIAL_PROTOCOLS,
    Funding,
    License,
    Location,
    Person,
    RemoteItem,
    SocialInteract,
    Trailer,
    Txt,
    UpdateFrequency,
    country_problem,
    geo_problem,
    osm_problem,
    person_role,
    rel_problem,
)

__all__ = [
    "CHAPTERS_TYPE",
    "EXTENSION_NAME",
    "ITUNES_NS",
    "MEDIUMS",
    "PODCAST_NS",
    "Chapters",
    "Episode",
    "Funding",
    "License",
    "Location",
    "Locked",
    "Person",
    "PodcastIndexEntryExtension",
    "PodcastIndexExtension",
    "RemoteItem",
    "Season",
    "SocialInteract",
    "Soundbite",
    "Trailer",
    "Transcript",
    "Txt",
    "UpdateFrequency",
    "channel_ext",
    "entry_ext",
    "register",
]

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
EXTENSION_NAME = "podcastindex"  # "podcast" is taken by feedgen's iTunes extension
CHAPTERS_TYPE = "application/json+chapters"


_MAX_TEXT = 128  # spec limit for person names, funding text and season names
_MAX_DISPLAY = 32  # spec limit for podcast:episode display
# Lowercase type/subtype with RFC 6838 name characters, no parameters (the spec wants exact MIME).
_MIME_RE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_URL_CHARS_RE = re.compile(r"[!-~]+")  # printable ASCII, no spaces (Apple: ASCII-only URLs)
_NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Locked:
    locked: bool
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    url: str
    type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True, slots=True)
class Chapters:
    url: str
    type: str = CHAPTERS_TYPE


@dataclass(frozen=True, slots=True)
class Season:
    number: int
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Soundbite:
    """``podcast:soundbite``: seconds from the start of the audio, a length, an optional title."""

    start: float
    duration: float
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    number: Decimal
    display: str | None = None

    @property
    def text(self) -> str:
        """Plain decimal without exponent or trailing zeros: 3, 3.5 (never 3.0 or 1E+1)."""
        return format(self.number.normalize(), "f")


def register(fg: Any) -> PodcastIndexExtension:
    """Register the extension on a ``FeedGenerator`` (RSS only) and return its channel half."""
    fg.register_extension(
        EXTENSION_NAME, PodcastIndexExtension, PodcastIndexEntryExtension, atom=False, rss=True
    )
    return channel_ext(fg)


def channel_ext(fg: Any) -> PodcastIndexExtension:
    """Typed ``fg.podcastindex``."""
    ext = getattr(fg, EXTENSION_NAME, None)
    if not isinstance(ext, PodcastIndexExtension):
        raise LookupError(f"the {EXTENSION_NAME!r} extension is not registered on this feed")
    return ext


def entry_ext(fe: Any) -> PodcastIndexEntryExtension:
    """Typed ``fe.podcastindex`` (present on entries added before or after registration)."""
    ext = getattr(fe, EXTENSION_NAME, None)
    if not isinstance(ext, PodcastIndexEntryExtension):
        raise LookupError(f"the {EXTENSION_NAME!r} extension is not registered on this entry")
    return ext


# --- validation -------------------------------------------------------------------------------


def _check_text(value: object, field: str, max_len: int, *, allow_empty: bool = False) -> str:
    """Stripped text (Apple rejects surrounding spaces); lxml would only fail later, at render."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, got {type(value).__name__}")
    text = value.strip()
    if not text and not allow_empty:
        raise ValueError(f"{field} must not be empty")
    if len(text) > max_len:
        raise ValueError(f"{field} must be at most {max_len} characters, got {len(text)}")
    if _NOT_XML_RE.search(text):
        raise ValueError(f"{field} contains characters that XML 1.0 cannot carry: {text!r}")
    return text


def _check_url(value: object, field: str) -> str:
    if value is None or value == "":
        raise ValueError(f"{field} is required")
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string URL, got {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{field} must be an absolute http(s) URL, got {value!r}")
    if not _URL_CHARS_RE.fullmatch(value):
        raise ValueError(f"{field} must be ASCII without spaces (percent-encode), got {value!r}")
    return value


def _check_mime(value: object, field: str) -> str:
    if not isinstance(value, str) or not _MIME_RE.fullmatch(value):
        raise ValueError(
            f"{field} must be an exact lowercase MIME type such as 'text/vtt', got {value!r}"
        )
    return value


def _check_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{field} must be True or False, got {value!r}")
    return value


def _check_optional_role(value: object, field: str) -> str | None:
    """Role and group are case-insensitive in the spec; emit them lowercase like the taxonomy."""
    if value is None:
        return None
    return _check_text(value, field, _MAX_TEXT).lower()


def _feed_role(role: str | None) -> str | None:
    return None if role is None else person_role(role)


def _check_episode_number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"episode number must be an int, float or Decimal, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"episode number must be finite, got {value!r}")
    # str() of a float is its shortest repr, so 2.1 stays 2.1 rather than 2.100000000000000088…
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number <= 0:
        raise ValueError(f"episode number must be a positive finite number, got {value!r}")
    return number


def _location(
    name: str,
    geo: str | None,
    osm: str | None,
    rel: str | None = None,
    country: str | None = None,
) -> Location:
    """``podcast:location`` checked as the API checks it (podcast.core.podcast_namespace)."""
    checks = (
        (geo, geo_problem, "geo"),
        (osm, osm_problem, "osm"),
        (rel, rel_problem, "rel"),
        (country, country_problem, "country"),
    )
    for value, problem, field in checks:
        message = None if value is None else problem(value)
        if message:
            raise ValueError(f"location {field} {message}, got {value!r}")
    return Location(_check_text(name, "location name", _MAX_TEXT), geo, osm, rel, country)


def _check_https(value: object, field: str) -> str:
    """Namespace tags take https URLs only (the spec's wording for funding, license, etc.)."""
    url = _check_url(value, field)
    if urlsplit(url).scheme != "https":
        raise ValueError(f"{field} must be an https:// URL, got {url!r}")
    return url


def _check_seconds(value: object, field: str, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{field} must be a number of seconds, got {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0 or (positive and seconds == 0):
        raise ValueError(f"{field} must be a {'positive' if positive else 'non-negative'} number")
    return seconds


def _seconds_text(seconds: float) -> str:
    """Seconds as the spec's examples write them: ``73.0``, ``1.5`` (milliseconds at most)."""
    text = f"{seconds:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


# --- XML helpers ------------------------------------------------------------------------------


def _podcast_elem(parent: Any, tag: str, text: str | None = None, **attrs: str | None) -> Any:
    """Append ``<podcast:tag>``; attributes set to None are left out, the rest keep their order."""
    elem = etree.SubElement(parent, f"{{{PODCAST_NS}}}{tag}")
    for key, value in attrs.items():
        if value is not None:
            elem.set(key, value)
    if text is not None:
        elem.text = text
    return elem


def _location_elem(parent: Any, loc: Location) -> Any:
    """``<podcast:location>`` with only the attributes that are set (no ``rel`` means
    subject, as the namespace says), in the order location.md writes them."""
    attrs = {"rel": loc.rel, "geo": loc.geo, "osm": loc.osm, "country": loc.country}
    return _podcast_elem(parent, "location", loc.name, **attrs)


def _set_itunes_explicit(parent: Any, explicit: bool | None) -> None:
    """Write ``itunes:explicit`` once: overwrite one feedgen's podcast extension already wrote.

    That only catches the case where feedgen's extension runs first (it was loaded first);
    hence the rule to set explicit only here.
    """
    if explicit is None:
        return
    tag = f"{{{ITUNES_NS}}}explicit"
    elem = parent.find(tag)
    if elem is None:
        elem = etree.SubElement(parent, tag)
    elem.text = "true" if explicit else "false"


# --- shared channel/item behaviour ------------------------------------------------------------


class _PersonsAndExplicit:
    """``podcast:person`` and ``itunes:explicit`` exist at both channel and item level."""

    def __init__(self) -> None:
        super().__init__()
        self._persons: list[Person] = []
        self._explicit: bool | None = None

    def person(
        self,
        name: str | None = None,
        role: str | None = None,
        group: str | None = None,
        img: str | None = None,
        href: str | None = None,
    ) -> list[Person]:
        """Append a ``podcast:person`` (an item's list replaces the channel's); return all.

        role/group come from the Podcast Taxonomy (defaults ``host``/``cast`` when omitted).
        """
        if name is None:
            if any(v is not None for v in (role, group, img, href)):
                raise ValueError("person name is required")
            return list(self._persons)
        self._persons.append(
            Person(
                name=_check_text(name, "person name", _MAX_TEXT),
                role=_feed_role(_check_optional_role(role, "person role")),
                group=_check_optional_role(group, "person group"),
                img=None if img is None else _check_url(img, "person img"),
                href=None if href is None else _check_url(href, "person href"),
            )
        )
        return list(self._persons)

    def itunes_explicit(self, explicit: bool | None = None) -> bool | None:
        """Set/get ``itunes:explicit``, written as Apple's ``true``/``false``."""
        if explicit is not None:
            self._explicit = _check_bool(explicit, "itunes_explicit")
        return self._explicit

    def _emit_persons(self, parent: Any) -> None:
        for p in self._persons:
            _podcast_elem(
                parent, "person", p.name, role=p.role, group=p.group, img=p.img, href=p.href
            )


# --- the rest of the channel: trailer, license, location, updateFrequency, podroll, txt,
# socialInteract, block (docs/standards.md, "Channel tags") ------------------------------------

_MAX_TXT = 4000  # spec limit for podcast:txt


def _optional(value: str | None, check: Any, *args: Any) -> str | None:
    return None if value is None else check(value, *args)


class _PlaceAndLicense:
    """``podcast:location`` and ``podcast:license`` exist at both channel and item level."""

    def __init__(self) -> None:
        super().__init__()
        self._location: Location | None = None
        self._license: License | None = None

    def location(
        self,
        name: str | None = None,
        geo: str | None = None,
        osm: str | None = None,
        rel: str | None = None,
        country: str | None = None,
    ) -> Location | None:
        """Set/get ``podcast:location``: a name (≤ 128), a ``geo:`` URI, an OSM id (``R1234``),
        ``rel`` (subject or creator) and a country code (``GB``)."""
        if name is None:
            if any(v is not None for v in (geo, osm, rel, country)):
                raise ValueError("location name is required")
            return self._location
        self._location = _location(name, geo, osm, rel, country)
        return self._location

    def license(self, name: str | None = None, url: str | None = None) -> License | None:
        """Set/get ``podcast:license``: an SPDX identifier or a name (≤ 128), an https URL."""
        if name is None:
            if url is not None:
                raise ValueError("license name is required")
            return self._license
        self._license = License(
            _check_text(name, "license name", _MAX_TEXT),
            None if url is None else _check_https(url, "license url"),
        )
        return self._license


class _ChannelNamespace(_PlaceAndLicense):
    """Channel-only tags a producer sets, kept apart from the original four for readability."""

    def __init__(self) -> None:
        super().__init__()
        self._trailers: list[Trailer] = []
        self._update_frequency: UpdateFrequency | None = None
        self._podroll: list[RemoteItem] = []
        self._txt: list[Txt] = []
        self._social: list[SocialInteract] = []
        self._blocks: list[tuple[str | None, bool]] = []

    def trailer(
        self,
        title: str,
        url: str,
        pubdate: datetime,
        length: int | None = None,
        type: str | None = None,
        season: int | None = None,
    ) -> list[Trailer]:
        """Append a ``podcast:trailer`` (the newest, by ``pubdate``, is the one apps play)."""
        if not isinstance(pubdate, datetime) or pubdate.tzinfo is None:
            raise ValueError(f"trailer pubdate must be an aware datetime, got {pubdate!r}")
        if length is not None and (isinstance(length, bool) or length < 0):
            raise ValueError(f"trailer length must be a byte count, got {length!r}")
        if season is not None and (isinstance(season, bool) or season < 1):
            raise ValueError(f"trailer season must be a positive number, got {season!r}")
        self._trailers.append(
            Trailer(
                title=_check_text(title, "trailer title", _MAX_TEXT),
                url=_check_url(url, "trailer url"),
                pubdate=pubdate,
                length=length,
                type=_optional(type, _check_mime, "trailer type"),
                season=season,
            )
        )
        return list(self._trailers)

    def update_frequency(
        self,
        text: str | None = None,
        rrule: str | None = None,
        complete: bool = False,
        dtstart: str | None = None,
    ) -> UpdateFrequency | None:
        """Set/get ``podcast:updateFrequency`` (the rule is checked by the API that stores it)."""
        if text is not None:
            self._update_frequency = UpdateFrequency(
                _check_text(text, "update frequency", _MAX_TEXT),
                _optional(rrule, _check_text, "update frequency rrule", 512),
                _check_bool(complete, "update frequency complete"),
                _optional(dtstart, _check_text, "update frequency dtstart", 64),
            )
        return self._update_frequency

    def podroll(
        self, feed_guid: str | None = None, feed_url: str | None = None
    ) -> list[RemoteItem]:
        """Append a show to the ``podcast:podroll`` by its ``podcast:guid``; return all."""
        if feed_guid is not None:
            try:
                guid = str(uuid.UUID(feed_guid))
            except (ValueError, TypeError, AttributeError) as exc:
                raise ValueError(f"podroll feedGuid must be a UUID, got {feed_guid!r}") from exc
            self._podroll.append(RemoteItem(guid, _optional(feed_url, _check_https, "feedUrl")))
        return list(self._podroll)

    def txt(self, text: str | None = None, purpose: str | None = None) -> list[Txt]:
        """Append a ``podcast:txt`` (Apple's ``applepodcastsverify``, say); return all."""
        if text is not None:
            self._txt.append(
                Txt(
                    _check_text(text, "txt", _MAX_TXT),
                    _optional(purpose, _check_text, "txt purpose", _MAX_TEXT),
                )
            )
        return list(self._txt)

    def social_interact(
        self,
        protocol: str | None = None,
        uri: str | None = None,
        account_id: str | None = None,
        account_url: str | None = None,
        priority: int | None = None,
    ) -> list[SocialInteract]:
        """Append a ``podcast:socialInteract``; ``disabled`` takes nothing else. Return all."""
        if protocol is None:
            return list(self._social)
        if protocol not in SOCIAL_PROTOCOLS:
            raise ValueError(f"socialInteract protocol must be one of {SOCIAL_PROTOCOLS}")
        if protocol == "disabled":
            if any(v is not None for v in (uri, account_id, account_url, priority)):
                raise ValueError("socialInteract protocol disabled takes no other attribute")
            self._social.append(SocialInteract(protocol))
            return list(self._social)
        if priority is not None and (isinstance(priority, bool) or priority < 0):
            raise ValueError(f"socialInteract priority must be a whole number, got {priority!r}")
        self._social.append(
            SocialInteract(
                protocol,
                _check_https(uri, "socialInteract uri"),
                _optional(account_id, _check_text, "socialInteract accountId", 255),
                _optional(account_url, _check_https, "socialInteract accountUrl"),
                priority,
            )
        )
        return list(self._social)

    def block(self, blocked: bool | None = None, service: str | None = None) -> list[Any]:
        """Append a ``podcast:block`` for the whole feed or one service slug; return all."""
        if blocked is None:
            return list(self._blocks)
        _check_bool(blocked, "block")
        if service is not None and service not in SERVICE_SLUGS:
            raise ValueError(f"block id must be a slug from the service list, got {service!r}")
        self._blocks.append((service, blocked))
        return list(self._blocks)

    def _emit_channel_namespace(self, channel: Any) -> None:
        for t in self._trailers:
            _podcast_elem(
                channel,
                "trailer",
                t.title,
                pubdate=format_datetime(t.pubdate),
                url=t.url,
                length=None if t.length is None else str(t.length),
                type=t.type,
                season=None if t.season is None else str(t.season),
            )
        if self._license is not None:
            _podcast_elem(channel, "license", self._license.name, url=self._license.url)
        if self._location is not None:
            loc = self._location
            _location_elem(channel, loc)
        if self._update_frequency is not None:
            f = self._update_frequency
            _podcast_elem(
                channel,
                "updateFrequency",
                f.text,
                complete="true" if f.complete else None,
                dtstart=f.dtstart,
                rrule=f.rrule,
            )
        if self._podroll:
            podroll = _podcast_elem(channel, "podroll")
            for item in self._podroll:
                _podcast_elem(podroll, "remoteItem", feedGuid=item.feed_guid, feedUrl=item.feed_url)
        for txt in self._txt:
            _podcast_elem(channel, "txt", txt.text, purpose=txt.purpose)
        for s in self._social:
            _podcast_elem(
                channel,
                "socialInteract",
                protocol=s.protocol,
                uri=s.uri,
                accountId=s.account_id,
                accountUrl=s.account_url,
                priority=None if s.priority is None else str(s.priority),
            )
        for service, blocked in self._blocks:
            _podcast_elem(channel, "block", "yes" if blocked else "no", id=service)


class PodcastIndexExtension(_ChannelNamespace, _PersonsAndExplicit, BaseExtension):
    """Channel half: guid, locked, medium, funding, person, itunes:explicit, and the tags of
    :class:`_ChannelNamespace`."""

    def __init__(self) -> None:
        super().__init__()
        self._guid: str | None = None
        self._locked: Locked | None = None
        self._medium = "podcast"
        self._funding: list[Funding] = []

    def extend_ns(self) -> dict[str, str]:
        # feedgen builds the root nsmap from feed-level extensions only, so declare both here:
        # items use podcast:, and itunes: must keep its prefix without feedgen's podcast ext.
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        # Runs before feedgen appends the <item>s, so these land ahead of them.
        channel = rss_feed[0]
        _set_itunes_explicit(channel, self._explicit)
        if self._guid is not None:
            _podcast_elem(channel, "guid", self._guid)
        if self._locked is not None:
            text = "yes" if self._locked.locked else "no"
            _podcast_elem(channel, "locked", text, owner=self._locked.owner)
        _podcast_elem(channel, "medium", self._medium)
        for f in self._funding:
            _podcast_elem(channel, "funding", f.text, url=f.url)
        self._emit_persons(channel)
        self._emit_channel_namespace(channel)
        return rss_feed

    def guid(self, guid: str | uuid.UUID | None = None) -> str | None:
        """Set/get ``podcast:guid`` (``podcast.shows.guid``); stored in canonical form."""
        if guid is not None:
            try:
                self._guid = str(guid if isinstance(guid, uuid.UUID) else uuid.UUID(guid))
            except (ValueError, TypeError, AttributeError) as exc:
                raise ValueError(f"podcast guid must be a UUID, got {guid!r}") from exc
        return self._guid

    def locked(self, locked: bool | None = None, owner: str | None = None) -> Locked | None:
        """Set/get ``podcast:locked``: ``True`` asks other platforms not to import the feed."""
        if locked is None:
            if owner is not None:
                raise ValueError("locked(True|False) is required when giving an owner")
            return self._locked
        _check_bool(locked, "locked")
        if owner is not None:
            owner = _check_text(owner, "locked owner", 255)
            if not is_email(owner):
                raise ValueError(f"locked owner must be an email address, got {owner!r}")
        self._locked = Locked(locked, owner)
        return self._locked

    def medium(self, medium: str | None = None) -> str:
        """Set/get ``podcast:medium`` (always written; ``podcast`` by default)."""
        if medium is not None:
            if medium not in MEDIUMS:
                raise ValueError(f"podcast medium must be one of {sorted(MEDIUMS)}, got {medium!r}")
            self._medium = medium
        return self._medium

    def funding(self, url: str | None = None, text: str | None = None) -> list[Funding]:
        """Append a ``podcast:funding`` link (text may be empty, max 128 chars); return all."""
        if url is None and text is None:
            return list(self._funding)
        self._funding.append(
            Funding(
                url=_check_url(url, "funding url"),
                text=_check_text(text or "", "funding text", _MAX_TEXT, allow_empty=True),
            )
        )
        return list(self._funding)


class PodcastIndexEntryExtension(_PlaceAndLicense, _PersonsAndExplicit, BaseEntryExtension):
    """Item half: transcript, chapters, season, episode, person, location, license, soundbite,
    funding, itunes:explicit."""

    def __init__(self) -> None:
        super().__init__()
        self._transcripts: list[Transcript] = []
        self._chapters: Chapters | None = None
        self._season: Season | None = None
        self._episode: Episode | None = None
        self._soundbites: list[Soundbite] = []
        self._funding: list[Funding] = []

    def extend_rss(self, entry: Any) -> Any:
        _set_itunes_explicit(entry, self._explicit)
        for t in self._transcripts:
            _podcast_elem(
                entry, "transcript", url=t.url, type=t.type, language=t.language, rel=t.rel
            )
        if self._chapters is not None:
            _podcast_elem(entry, "chapters", url=self._chapters.url, type=self._chapters.type)
        if self._season is not None:
            _podcast_elem(entry, "season", str(self._season.number), name=self._season.name)
        if self._episode is not None:
            _podcast_elem(entry, "episode", self._episode.text, display=self._episode.display)
        self._emit_persons(entry)
        self._emit_item_extras(entry)
        return entry

    def _emit_item_extras(self, entry: Any) -> None:
        """Location, licence, soundbites and funding of one episode."""
        if self._location is not None:
            loc = self._location
            _location_elem(entry, loc)
        if self._license is not None:
            _podcast_elem(entry, "license", self._license.name, url=self._license.url)
        for bite in self._soundbites:
            _podcast_elem(
                entry,
                "soundbite",
                bite.title,
                startTime=_seconds_text(bite.start),
                duration=_seconds_text(bite.duration),
            )
        for f in self._funding:
            _podcast_elem(entry, "funding", f.text, url=f.url)

    def soundbite(
        self,
        start: float | None = None,
        duration: float | None = None,
        title: str | None = None,
    ) -> list[Soundbite]:
        """Append a ``podcast:soundbite`` (seconds; title ≤ 128 characters); return all."""
        if start is None and duration is None and title is None:
            return list(self._soundbites)
        self._soundbites.append(
            Soundbite(
                _check_seconds(start, "soundbite start", positive=False),
                _check_seconds(duration, "soundbite duration", positive=True),
                None if not title else _check_text(title, "soundbite title", _MAX_TEXT),
            )
        )
        return list(self._soundbites)

    def funding(self, url: str | None = None, text: str | None = None) -> list[Funding]:
        """Append an episode's ``podcast:funding`` (https; text ≤ 128 characters); return all."""
        if url is None and text is None:
            return list(self._funding)
        self._funding.append(
            Funding(
                url=_check_https(url, "funding url"),
                text=_check_text(text or "", "funding text", _MAX_TEXT, allow_empty=True),
            )
        )
        return list(self._funding)

    def transcript(
        self,
        url: str | None = None,
        type: str | None = None,
        language: str | None = None,
        rel: str | None = None,
    ) -> list[Transcript]:
        """Append a ``podcast:transcript`` (one per format/language); return all.

        ``rel="captions"`` (the only defined value) marks timed captions.
        """
        if url is None and type is None and language is None and rel is None:
            return list(self._transcripts)
        url = _check_url(url, "transcript url")
        if type is None:
            raise ValueError("transcript type is required (e.g. 'text/vtt')")
        if language is not None and not is_well_formed(language):
            raise ValueError(
                f"transcript language must be a code like 'en' or 'en-GB': {language!r}"
            )
        if rel is not None and rel != "captions":
            raise ValueError(f"transcript rel must be 'captions' or None, got {rel!r}")
        self._transcripts.append(
            Transcript(url, _check_mime(type, "transcript type"), language, rel)
        )
        return list(self._transcripts)

    def chapters(self, url: str | None = None, type: str = CHAPTERS_TYPE) -> Chapters | None:
        """Set/get the single ``podcast:chapters`` (JSON chapters file)."""
        if url is not None or type != CHAPTERS_TYPE:
            self._chapters = Chapters(
                _check_url(url, "chapters url"), _check_mime(type, "chapters type")
            )
        return self._chapters

    def season(self, number: int | None = None, name: str | None = None) -> Season | None:
        """Set/get ``podcast:season``: a positive integer with an optional name."""
        if number is None:
            if name is not None:
                raise ValueError("season number is required when giving a season name")
            return self._season
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError(f"season number must be an int, got {number!r}")
        if number < 1:
            raise ValueError(f"season number must be positive, got {number}")
        checked_name = None if name is None else _check_text(name, "season name", _MAX_TEXT)
        self._season = Season(number, checked_name)
        return self._season

    def episode(
        self, number: int | float | Decimal | None = None, display: str | None = None
    ) -> Episode | None:
        """Set/get ``podcast:episode``: a positive decimal, optional ``display`` (≤ 32 chars)."""
        if number is None:
            if display is not None:
                raise ValueError("episode number is required when giving a display string")
            return self._episode
        checked_display = (
            None if display is None else _check_text(display, "episode display", _MAX_DISPLAY)
        )
        self._episode = Episode(_check_episode_number(number), checked_display)
        return self._episode
