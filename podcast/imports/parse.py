"""Reading any real-world podcast feed into :mod:`podcast.imports.source` values.

RSS (nearly every podcast host) is read with lxml, because moving a show depends on values
that tolerant parsers normalise or drop: the item GUID exactly as written with its
``isPermaLink``, ``podcast:guid``, and the Podcasting 2.0 and Podlove namespaces (feedparser
and gPodder's podcastparser know only some of them). lxml parses in recover mode, so the
usual slips of hand-made feeds (a stray ``&``, an unclosed tag) do not lose the show. Atom
and RSS 1.0 feeds are read with feedparser. Dates that are not RFC 2822 go through
feedparser's date parser, which knows the forms hosts actually write.

Safety: the XML parser never loads a DTD, never expands an entity (a "billion laughs" document
stays small) and never touches the network; the caller limits the size of what it hands in.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import feedparser
from feedparser.datetimes import _parse_date
from lxml import etree

from podcast.imports.source import (
    ChapterMark,
    Enclosure,
    Funding,
    License,
    Location,
    Person,
    Soundbite,
    SourceEpisode,
    SourceFeed,
    SourceShow,
    TranscriptLink,
)

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
PSC = "http://podlove.org/simple-chapters"
ATOM = "http://www.w3.org/2005/Atom"
# The namespace's URI, and the one it had before 2021 (still in many feeds).
PODCAST = (
    "https://podcastindex.org/namespace/1.0",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
)


class FeedParseError(Exception):
    """The document is not a podcast feed we can read; the message says what it is instead."""


def _parser(*, recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


# A bare "&" that starts no entity or character reference, outside CDATA sections.
_BARE_AMPERSAND = re.compile(rb"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[(.*?)\]\s*>", re.DOTALL)
_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)


def _read_xml(data: bytes, warnings: list[str]) -> etree._Element | None:
    """Strictly if the document is well-formed; else with its commonest slip (a bare ``&``)
    mended and libxml2's recovery for the rest, saying so in the report."""
    try:
        return etree.fromstring(data, _parser(recover=False))
    except etree.XMLSyntaxError as exc:
        warnings.append(f"the feed is not well-formed XML ({exc}); it was read in recovery mode")
    mended = b"".join(
        part if part.startswith(b"<![CDATA[") else _BARE_AMPERSAND.sub(b"&amp;", part)
        for part in _CDATA.split(data)
    )
    try:
        return etree.fromstring(mended, _parser(recover=True))
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"not XML ({exc})") from None


def parse_feed(data: bytes, url: str) -> SourceFeed:
    """The feed in ``data`` (fetched from ``url``), or :class:`FeedParseError`."""
    if not data.strip():
        raise FeedParseError("the document is empty")
    head = data[:2048].lstrip().lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        raise FeedParseError(
            "an HTML page, not a feed: is this the show's web page rather than its RSS feed?"
        )
    subset = _INTERNAL_SUBSET.search(data, 0, 64 * 1024)
    if subset and b"<!ENTITY" in subset.group(1):
        raise FeedParseError(
            "the document declares XML entities (<!ENTITY> in its DOCTYPE), which no podcast "
            "feed needs and which can expand without bound; refused"
        )
    warnings: list[str] = []
    root = _read_xml(data, warnings)
    if root is None:
        raise FeedParseError("not XML: no element could be read")
    name = etree.QName(root).localname.lower()
    if name == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedParseError("an <rss> document without a <channel>")
        return _rss(channel, url, warnings)
    if name in ("feed", "rdf"):
        return _feedparser(data, url)
    if name == "html":
        raise FeedParseError(
            "an HTML page, not a feed: is this the show's web page rather than its RSS feed?"
        )
    raise FeedParseError(f"not an RSS or Atom feed: the document is <{name}>")


# ------------------------------------------------------------------------------------------
# RSS 2.0
# ------------------------------------------------------------------------------------------


def _rss(channel: etree._Element, url: str, warnings: list[str]) -> SourceFeed:
    show = SourceShow(
        title=_text(channel, "title") or "",
        description_html=_text(channel, "description")
        or _text(channel, f"{{{ITUNES}}}summary")
        or "",
        language=_text(channel, "language"),
        author=_text(channel, f"{{{ITUNES}}}author"),
        owner_name=_text(channel, f"{{{ITUNES}}}owner/{{{ITUNES}}}name"),
        owner_email=_text(channel, f"{{{ITUNES}}}owner/{{{ITUNES}}}email"),
        categories=tuple(_categories(channel)),
        explicit=_explicit(_text(channel, f"{{{ITUNES}}}explicit")),
        show_type=(_text(channel, f"{{{ITUNES}}}type") or "").lower() or None,
        image_url=_attr(channel, f"{{{ITUNES}}}image", "href") or _text(channel, "image/url"),
        link=_text(channel, "link"),
        copyright=_text(channel, "copyright"),
        podcast_guid=_podcast_text(channel, "guid"),
        locked=_yes_no(_podcast_text(channel, "locked")),
        new_feed_url=_text(channel, f"{{{ITUNES}}}new-feed-url"),
        complete=(_text(channel, f"{{{ITUNES}}}complete") or "").lower() == "yes",
        funding=tuple(_funding(channel)),
        people=tuple(_people(channel)),
        license=_license(channel),
        location=_location(channel),
    )
    episodes = tuple(
        _rss_item(item, position, warnings)
        for position, item in enumerate(channel.iterfind("item"), start=1)
    )
    return SourceFeed(url, "rss", show, episodes, tuple(warnings))


def _rss_item(item: etree._Element, position: int, warnings: list[str]) -> SourceEpisode:
    title = _text(item, "title") or ""
    label = f'item {position} ("{title}")' if title else f"item {position}"
    enclosure = None
    enc = item.find("enclosure")
    if enc is not None and (enc.get("url") or "").strip():
        length = (enc.get("length") or "").strip()
        enclosure = Enclosure(
            url=(enc.get("url") or "").strip(),
            length=int(length) if length.isdigit() and int(length) > 0 else None,
            media_type=(enc.get("type") or "").strip() or None,
        )
    guid_el = item.find("guid")
    guid = _clean(guid_el.text if guid_el is not None else None)
    from_enclosure = False
    if guid and guid_el is not None:
        # RSS 2.0: isPermaLink defaults to true.
        permalink = (guid_el.get("isPermaLink") or "true").strip().lower() == "true"
    else:
        permalink = False
        if enclosure is not None:
            guid, from_enclosure = enclosure.url, True
        else:
            guid = ""
    published = _date(_text(item, "pubDate"), label, warnings)
    description = _text(item, f"{{{CONTENT}}}encoded") or _text(item, "description") or ""
    return SourceEpisode(
        position=position,
        guid=guid,
        guid_is_permalink=permalink,
        guid_from_enclosure=from_enclosure,
        title=title,
        published=published,
        description_html=description,
        summary=_text(item, f"{{{ITUNES}}}summary") or _text(item, f"{{{ITUNES}}}subtitle"),
        duration=_duration(_text(item, f"{{{ITUNES}}}duration"), label, warnings),
        season=_integer(_text(item, f"{{{ITUNES}}}season"), "itunes:season", label, warnings),
        number=_integer(_text(item, f"{{{ITUNES}}}episode"), "itunes:episode", label, warnings),
        episode_type=(_text(item, f"{{{ITUNES}}}episodeType") or "").lower() or None,
        explicit=_explicit(_text(item, f"{{{ITUNES}}}explicit")),
        image_url=_attr(item, f"{{{ITUNES}}}image", "href"),
        link=_text(item, "link"),
        enclosure=enclosure,
        transcripts=tuple(
            TranscriptLink(
                url=u,
                media_type=(el.get("type") or "").strip(),
                language=(el.get("language") or "").strip() or None,
                rel=(el.get("rel") or "").strip() or None,
            )
            for el in _podcast_all(item, "transcript")
            if (u := (el.get("url") or "").strip())
        ),
        chapters_url=next(
            (u for el in _podcast_all(item, "chapters") if (u := (el.get("url") or "").strip())),
            None,
        ),
        chapter_marks=tuple(_psc_chapters(item, label, warnings)),
        people=tuple(_people(item)),
        soundbites=tuple(_soundbites(item)),
        location=_location(item),
        license=_license(item),
        keywords=tuple(
            k.strip() for k in (_text(item, f"{{{ITUNES}}}keywords") or "").split(",") if k.strip()
        ),
        funding=tuple(_funding(item)),
    )


def _text(el: etree._Element, path: str) -> str | None:
    found = el.find(path)
    return _clean(found.text) if found is not None else None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _attr(el: etree._Element, path: str, name: str) -> str | None:
    found = el.find(path)
    return _clean(found.get(name)) if found is not None else None


def _podcast_all(el: etree._Element, name: str) -> Iterable[etree._Element]:
    for uri in PODCAST:
        yield from el.iterfind(f"{{{uri}}}{name}")


def _podcast_text(el: etree._Element, name: str) -> str | None:
    return next((_clean(found.text) for found in _podcast_all(el, name)), None)


def _categories(channel: etree._Element) -> Iterable[tuple[str, str | None]]:
    for category in channel.iterfind(f"{{{ITUNES}}}category"):
        name = _clean(category.get("text"))
        if name:
            sub = category.find(f"{{{ITUNES}}}category")
            yield name, _clean(sub.get("text")) if sub is not None else None


def _people(el: etree._Element) -> Iterable[Person]:
    for person in _podcast_all(el, "person"):
        name = _clean(person.text)
        if name:
            yield Person(
                name=name,
                role=_clean(person.get("role")),
                group=_clean(person.get("group")),
                img=_clean(person.get("img")),
                href=_clean(person.get("href")),
            )


def _funding(el: etree._Element) -> Iterable[Funding]:
    for found in _podcast_all(el, "funding"):
        url = (found.get("url") or "").strip()
        if url:
            yield Funding(url=url, text=_clean(found.text) or url)


def _soundbites(item: etree._Element) -> Iterable[Soundbite]:
    for bite in _podcast_all(item, "soundbite"):
        try:
            start, duration = float(bite.get("startTime", "")), float(bite.get("duration", ""))
        except ValueError:
            continue
        yield Soundbite(start=start, duration=duration, title=_clean(bite.text))


def _location(el: etree._Element) -> Location | None:
    for found in _podcast_all(el, "location"):
        name = _clean(found.text)
        if name:
            return Location(
                name=name,
                geo=_clean(found.get("geo")),
                osm=_clean(found.get("osm")),
                rel=_clean(found.get("rel")),
                country=_clean(found.get("country")),
            )
    return None


def _license(el: etree._Element) -> License | None:
    for found in _podcast_all(el, "license"):
        name = _clean(found.text)
        if name:
            return License(name=name, url=_clean(found.get("url")))
    return None


_NPT = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$|^(\d+(?:\.\d+)?)$")


def _npt_seconds(value: str) -> float | None:
    """Seconds of a Podlove normal play time (``HH:MM:SS.mmm``, ``MM:SS`` or seconds)."""
    match = _NPT.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds, plain = match.groups()
    if plain is not None:
        return float(plain)
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def _psc_chapters(item: etree._Element, label: str, warnings: list[str]) -> Iterable[ChapterMark]:
    for chapter in item.iterfind(f"{{{PSC}}}chapters/{{{PSC}}}chapter"):
        start = _npt_seconds(chapter.get("start") or "")
        title = _clean(chapter.get("title"))
        if start is None or not title:
            warnings.append(f"{label}: a psc:chapter without a valid start and title was left out")
            continue
        yield ChapterMark(
            start=start,
            title=title,
            href=_clean(chapter.get("href")),
            image=_clean(chapter.get("image")),
        )


def _duration(value: str | None, label: str, warnings: list[str]) -> float | None:
    if value is None:
        return None
    seconds = _npt_seconds(value)
    if seconds is None:
        warnings.append(f"{label}: itunes:duration {value!r} is not a duration; left out")
    return seconds


def _integer(value: str | None, tag: str, label: str, warnings: list[str]) -> int | None:
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    warnings.append(f"{label}: {tag} {value!r} is not a whole number; left out")
    return None


def _explicit(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.lower()
    if value in ("true", "yes", "explicit"):
        return True
    if value in ("false", "no", "clean"):
        return False
    return None


def _yes_no(value: str | None) -> bool | None:
    return None if value is None else value.lower() == "yes"


def _date(value: str | None, label: str, warnings: list[str]) -> datetime | None:
    if value is None:
        return None
    try:
        parsed: datetime | None = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        struct = _parse_date(value)  # feedparser: ISO 8601, W3CDTF, and many broken forms
        if struct is None:
            warnings.append(f"{label}: the date {value!r} could not be read; left out")
            return None
        parsed = datetime.fromtimestamp(calendar.timegm(struct), UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # RFC 2822 "-0000": UTC, origin unknown
    return parsed.astimezone(UTC)


# ------------------------------------------------------------------------------------------
# Atom and RSS 1.0, through feedparser
# ------------------------------------------------------------------------------------------


def _feedparser(data: bytes, url: str) -> SourceFeed:
    parsed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=False)
    if not parsed.get("version"):
        raise FeedParseError("not an RSS or Atom feed feedparser can read")
    feed = parsed.feed
    warnings: list[str] = []
    owner = feed.get("publisher_detail") or {}
    show = SourceShow(
        title=feed.get("title", ""),
        description_html=feed.get("subtitle") or feed.get("summary") or "",
        language=feed.get("language"),
        author=feed.get("author"),
        owner_name=owner.get("name"),
        owner_email=owner.get("email"),
        categories=tuple((t["term"], None) for t in feed.get("tags", []) if t.get("term")),
        explicit=feed.get("itunes_explicit"),
        show_type=feed.get("itunes_type"),
        image_url=(feed.get("image") or {}).get("href") or feed.get("logo") or feed.get("icon"),
        link=feed.get("link"),
        copyright=feed.get("rights"),
        podcast_guid=feed.get("podcast_guid"),
        locked=None,
        new_feed_url=feed.get("itunes_new-feed-url"),
        complete=False,
    )
    episodes = []
    for position, entry in enumerate(parsed.entries, start=1):
        title = entry.get("title", "")
        label = f'item {position} ("{title}")' if title else f"item {position}"
        enclosure = next(
            (
                Enclosure(
                    url=link["href"],
                    length=int(link["length"]) if str(link.get("length", "")).isdigit() else None,
                    media_type=link.get("type") or None,
                )
                for link in entry.get("links", [])
                if link.get("rel") == "enclosure" and link.get("href")
            ),
            None,
        )
        guid = (entry.get("id") or "").strip()
        from_enclosure = not guid and enclosure is not None
        if from_enclosure:
            guid = enclosure.url  # type: ignore[union-attr]
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        content = entry.get("content") or []
        episodes.append(
            SourceEpisode(
                position=position,
                guid=guid,
                guid_is_permalink=False,
                guid_from_enclosure=from_enclosure,
                title=title,
                published=datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None,
                description_html=(content[0].get("value") if content else None)
                or entry.get("summary", ""),
                summary=entry.get("itunes_summary") or entry.get("subtitle"),
                duration=_duration(entry.get("itunes_duration"), label, warnings),
                season=_integer(entry.get("itunes_season"), "itunes:season", label, warnings),
                number=_integer(entry.get("itunes_episode"), "itunes:episode", label, warnings),
                episode_type=entry.get("itunes_episodetype"),
                explicit=entry.get("itunes_explicit"),
                image_url=(entry.get("image") or {}).get("href"),
                link=entry.get("link"),
                enclosure=enclosure,
            )
        )
    return SourceFeed(
        url,
        "atom" if parsed.version.startswith("atom") else "rss",
        show,
        tuple(episodes),
        tuple(warnings),
    )
