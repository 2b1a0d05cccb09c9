"""Feed values -> RSS bytes, with feedgen, its iTunes extension and our Podcasting 2.0 one.

Pure: no database, no HTTP, no clock (``lastBuildDate`` comes from the data), so the same data
gives the same bytes on every replica and the ETag (a digest of the bytes) agrees.
feedgen traps handled here (docs/libraries.md, "feedgen"): entries are appended in our order, not
prepended; ``lastBuildDate`` is set explicitly; ``itunes:explicit`` goes through our extension
as true/false; artwork URLs end in .jpg/.png; ``formatRFC2822`` changes the process locale,
so builds are serialised with :data:`BUILD_LOCK`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from episodes.chapters import safe_url
from podcast.core.public_urls import PublicUrls, content_version
from podcast.core.timecodes import whole_seconds
from podcast.feed import simple_chapters
from podcast.feed.data import FeedChapter, FeedData, FeedItem, ShowData
from podcast.feed.podcastindex import ITUNES_NS, entry_ext, register
from podcast.feed.simple_chapters import SimpleChapter
from podcast.feed.xml_text import Clean, apple_html, fit_html, fit_text_as_html, stripped, xml_safe

GENERATOR = "Leadership Live podcast platform"
BUILD_LOCK = threading.Lock()
# lxml writes the declaration with single quotes; Apple's examples use double quotes
# (docs/standards.md, "XML declaration and namespaces").
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
ATOM_NS = "http://www.w3.org/2005/Atom"


def item_description(item: FeedItem, clean: Clean = xml_safe) -> tuple[str, bool, bool]:
    """(description, is_html, truncated): the sanitised notes, else the plain summary as an
    escaped ``<p>`` (apps read the description as HTML, so plain text must not be markup)."""
    return _description(item, _apple_notes(item), clean)


def _apple_notes(item: FeedItem) -> str:
    """The notes in Apple's elements, or "" when there are none (then the summary is used)."""
    return apple_html(item.notes_html) if item.notes_html.strip() else ""


def _description(item: FeedItem, notes: str, clean: Clean) -> tuple[str, bool, bool]:
    if notes:
        text, cut = fit_html(notes, clean=clean)
        return text, True, cut
    text, cut = fit_text_as_html(item.summary, clean=clean)
    return text, True, cut


def channel_description(show: ShowData, clean: Clean = xml_safe) -> str:
    """The plain-text show description as one escaped ``<p>`` (the title if there is none):
    feedparser reads ``<description>`` as HTML, so ``<for>`` in plain text would vanish."""
    return (
        fit_text_as_html(show.description, clean=clean)[0]
        or fit_text_as_html(show.title, clean=clean)[0]
    )


class _AppleChannelTags(BaseExtension):
    """``itunes:block`` / ``itunes:complete`` with Apple's exact ``Yes``; feedgen writes ``yes``."""

    def __init__(self) -> None:
        self.block = False
        self.complete = False
        self.title: str | None = None  # channel itunes:title: feedgen has it for items only

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        for flag, tag in ((self.block, "block"), (self.complete, "complete")):
            if flag:
                etree.SubElement(channel, f"{{{ITUNES_NS}}}{tag}").text = "Yes"
        if self.title:
            etree.SubElement(channel, f"{{{ITUNES_NS}}}title").text = self.title
        return rss_feed


class _AppleItemTags(BaseEntryExtension):
    """Per item: ``itunes:block`` as Apple's ``Yes`` and ``itunes:keywords`` (feedgen has no
    keywords and writes ``yes``)."""

    def __init__(self) -> None:
        self.block = False
        self.keywords: Sequence[str] = ()

    def extend_rss(self, entry: Any) -> Any:
        if self.block:
            etree.SubElement(entry, f"{{{ITUNES_NS}}}block").text = "Yes"
        if self.keywords:
            etree.SubElement(entry, f"{{{ITUNES_NS}}}keywords").text = ",".join(self.keywords)
        return entry


class _HubLinks(BaseExtension):
    """``<atom:link rel="hub">`` per WebSub hub, after the self link: feedgen's RSS writes only
    ``rel="self"``. Subscribers find the hubs (and the topic, the self URL) here."""

    def __init__(self) -> None:
        self.hubs: Sequence[str] = ()

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        anchor = channel.find(f"{{{ATOM_NS}}}link[@rel='self']")
        for hub in reversed(self.hubs):
            link = etree.Element(f"{{{ATOM_NS}}}link", href=hub, rel="hub")
            if anchor is not None:
                anchor.addnext(link)
            else:
                channel.insert(0, link)
        return rss_feed


def build_feed(data: FeedData, *, base_url: str, feed_url: str, hubs: Sequence[str] = ()) -> bytes:
    """The whole RSS document; items in the order given (newest first).

    Text is taken as it is first; only if lxml refuses a character XML cannot carry (a
    control character from an ID3 tag, say) is everything built again through
    :func:`xml_safe`. Scanning every string up front would cost ~10 ms per 1,000 episodes.
    ``hubs`` are the WebSub hubs told of each publish (``PODCAST_WEBSUB_HUBS``).
    """
    try:
        return _build(data, base_url, feed_url, hubs, stripped)
    except ValueError:
        return _build(data, base_url, feed_url, hubs, xml_safe)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A build allocates hundreds of thousands of objects that live until it ends (feedgen's
    entries, lxml's elements) and that reference counting frees: the cyclic collector's full
    passes over them were a third of a 10,000-episode build (docs/performance.md, "Feed
    build"). Builds hold :data:`BUILD_LOCK`, so no two pause and resume it at once."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _build(
    data: FeedData, base_url: str, feed_url: str, hubs: Sequence[str], clean: Clean
) -> bytes:
    with BUILD_LOCK, _cyclic_gc_paused():
        body = _rss(data, base_url, feed_url, hubs, clean)
    return XML_DECLARATION + body


def _rss(data: FeedData, base_url: str, feed_url: str, hubs: Sequence[str], clean: Clean) -> bytes:
    """The document without its declaration. A function of its own so that feedgen's objects
    are freed when it returns, before the cyclic collector resumes: resumed with them still
    alive, its first pass walked them all (0.1 ms of a 100-episode build)."""
    fg = FeedGenerator()
    fg.load_extension("podcast")
    ext = register(fg)
    # feedgen sets an entry extension up on every entry, used or not: this only when needed.
    if any(item.chapters for item in data.items):
        simple_chapters.register(fg)
    _apple_extension(fg, data, clean)
    if hubs:
        fg.register_extension("websub", _HubLinks, None, atom=False, rss=True)
        fg.websub.hubs = hubs
    urls = PublicUrls(base_url)
    _channel(fg, ext, data.show, clean, urls=urls, feed_url=feed_url)
    _trailers(ext, data.items, urls, clean)
    last_build = data.fingerprint.last_build or data.show.updated_at
    fg.lastBuildDate(last_build)
    for item in data.items:
        _item(fg, item, data.show, urls, clean)
    body: bytes = fg.rss_str(pretty=False, encoding="UTF-8", xml_declaration=False)
    return body


def _apple_extension(fg: Any, data: FeedData, clean: Clean) -> None:
    """Apple's tags feedgen lacks or writes otherwise (:class:`_AppleChannelTags`,
    :class:`_AppleItemTags`), registered only when the show or an item has one: feedgen sets
    an extension up on every entry, and one without an entry half costs each entry a raised
    and caught ``ImportError``."""
    show = data.show
    title = clean(show.itunes_title) if show.itunes_title else None
    items = any(_apple_tags(item) for item in data.items)
    if not (show.block or show.complete or title or items):
        return
    entry = _AppleItemTags if items else None
    fg.register_extension("apple", _AppleChannelTags, entry, atom=False, rss=True)
    fg.apple.block = show.block
    fg.apple.complete = show.complete
    fg.apple.title = title


def _channel(
    fg: Any, ext: Any, show: ShowData, clean: Clean, *, urls: PublicUrls, feed_url: str
) -> None:
    link = show.link or urls.home()
    fg.title(clean(show.title))
    # feedgen's RSS <link> is the last link given: the self link (atom:link) goes first.
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=link, rel="alternate")
    fg.description(_cdata(channel_description(show, clean)))
    fg.language(show.language)
    if show.copyright:
        fg.copyright(clean(show.copyright))
    fg.generator(GENERATOR)
    art = urls.image(show.artwork_key)
    if art:
        fg.image(url=art, title=clean(show.title), link=link)
        fg.podcast.itunes_image(art)
    fg.podcast.itunes_author(clean(show.author))
    fg.podcast.itunes_owner(name=clean(show.owner_name), email=show.owner_email)
    fg.podcast.itunes_category(_categories(show))
    fg.podcast.itunes_type(show.show_type)
    if show.new_feed_url:
        fg.podcast.itunes_new_feed_url(show.new_feed_url)
    ext.itunes_explicit(show.explicit)
    ext.guid(show.podcast_guid)
    ext.locked(show.locked, owner=show.owner_email)
    for funding in show.funding:
        _tolerant(ext.funding, funding.get("url"), funding.get("text"))
    for person in show.people:
        _person(ext.person, person)
    _channel_namespace(fg, ext, show, clean)


def _categories(show: ShowData) -> list[dict[str, str]]:
    """Apple reads up to two category pairs, in order (docs/standards.md, "Categories")."""
    out = []
    for cat, sub in (
        (show.category, show.subcategory),
        (show.second_category, show.second_subcategory),
    ):
        if cat:
            out.append({"cat": cat, "sub": sub} if sub else {"cat": cat})
    return out


def _channel_namespace(fg: Any, ext: Any, show: ShowData, clean: Clean) -> None:
    """Channel tags set in the show settings (docs/standards.md, "Channel tags"): Apple's
    itunes:subtitle (its itunes:title is :func:`_apple_extension`'s), and the Podcasting 2.0
    ones the show stores."""
    if show.subtitle:
        fg.podcast.itunes_subtitle(clean(show.subtitle))
    _tolerant(ext.medium, show.medium)
    if show.license:
        _tolerant(ext.license, show.license.get("name"), show.license.get("url"))
    if show.location:
        loc = show.location
        _tolerant(ext.location, loc.get("name"), *_location_attrs(loc))
    if show.update_frequency:
        f = show.update_frequency
        _tolerant(
            ext.update_frequency,
            f.get("text"),
            f.get("rrule"),
            bool(f.get("complete")),
            f.get("dtstart"),
        )
    for item in show.podroll:
        _tolerant(ext.podroll, item.get("feed_guid"), item.get("feed_url"))
    for txt in show.txt:
        _tolerant(ext.txt, txt.get("text"), txt.get("purpose"))
    for s in show.social_interact:
        _tolerant(
            ext.social_interact,
            s.get("protocol"),
            s.get("uri"),
            s.get("account_id"),
            s.get("account_url"),
            s.get("priority"),
        )
    _blocks(ext, show)


def _blocks(ext: Any, show: ShowData) -> None:
    """``podcast:block``: the whole show (as itunes:block says), then each platform named."""
    if show.block:
        ext.block(True)
    for entry in show.platform_blocks:
        _tolerant(ext.block, entry.get("block", True), entry.get("service"))


def _trailers(ext: Any, items: Sequence[FeedItem], urls: PublicUrls, clean: Clean) -> None:
    """``podcast:trailer`` for each published trailer episode, newest first as in the feed."""
    for item in items:
        if item.episode_type != "trailer":
            continue
        _tolerant(
            ext.trailer,
            clean(item.title)[:128],
            enclosure_url(item, urls),
            item.publish_at,
            item.audio_size,
            item.audio_mime,
            item.season,
        )


def _item(fg: Any, item: FeedItem, show: ShowData, urls: PublicUrls, clean: Clean) -> None:
    fe = fg.add_entry(order="append")
    title = clean(item.title)
    fe.title(title)
    fe.link(href=urls.episode_page(item.slug))
    fe.guid(item.guid, permalink=item.guid_is_permalink)
    fe.pubDate(item.publish_at)
    _description_and_content(fe, item, clean)
    fe.enclosure(enclosure_url(item, urls), str(item.audio_size), item.audio_mime)
    podcast = fe.podcast
    podcast.itunes_title(title)
    podcast.itunes_author(clean(item.author or show.author))
    podcast.itunes_duration(whole_seconds(item.audio_duration))  # as players show it
    if item.episode_number is not None:
        podcast.itunes_episode(item.episode_number)
    if item.season is not None:
        podcast.itunes_season(item.season)
    podcast.itunes_episode_type(item.episode_type)
    art = urls.image(item.artwork_key) or urls.image(show.artwork_key)
    if art:  # else the show's: readers such as podcastparser do not fall back by themselves
        podcast.itunes_image(art)
    _apple_item(fe, item, clean)
    pi = entry_ext(fe)
    pi.itunes_explicit(item.explicit)
    _season_and_episode(pi, item, clean)
    if item.has_chapters:
        pi.chapters(urls.chapters(item.slug))
    if item.chapters:
        fe.psc.chapters = [_simple_chapter(c, urls, clean) for c in item.chapters]
    for link in item.transcripts:
        _tolerant(pi.transcript, link.url, link.type, link.language, link.rel)
    for person in item.people:
        _person(pi.person, person)
    _item_namespace_extras(pi, item, clean)


def _description_and_content(fe: Any, item: FeedItem, clean: Clean) -> None:
    """``description`` and ``content:encoded``. Most notes fit Apple's limit whole, so both
    tags carry the same text: then they share one ``CDATA`` (lxml copies it into each), as
    making one encodes and checks the whole notes again, ~4 µs a kilobyte. feedgen writes a
    ``CDATA`` given as the content as it writes the description's."""
    notes = _apple_notes(item)  # converted once for both tags
    description, is_html, _cut = _description(item, notes, clean)
    if notes:
        text = clean(notes)
        content = _cdata(text)
        fe.content(content)
        if description and is_html and description == text:  # whole, not cut
            fe.description(content)
            return
    if description:
        fe.description(_cdata(description) if is_html else description)


def _apple_tags(item: FeedItem) -> bool:
    """Whether the item has a tag of :class:`_AppleItemTags`."""
    return item.block or bool(item.keywords)


def _apple_item(fe: Any, item: FeedItem, clean: Clean) -> None:
    if not _apple_tags(item):
        return  # the extension may not even be registered (:func:`_apple_extension`)
    fe.apple.block = item.block
    # A comma inside a keyword would split it in two: such a keyword is left out.
    fe.apple.keywords = [c for k in item.keywords if "," not in k and (c := clean(k))]


def _season_and_episode(pi: Any, item: FeedItem, clean: Clean) -> None:
    """``podcast:season``/``podcast:episode`` with their names; a name the extension refuses
    (stored before a rule, say) is left out alone, never the number."""
    if item.season is not None:
        try:
            pi.season(item.season, None if item.season_name is None else clean(item.season_name))
        except ValueError:
            pi.season(item.season)
    if item.episode_number is not None:
        display = None if item.episode_display is None else clean(item.episode_display)
        try:
            pi.episode(item.episode_number, display)
        except ValueError:
            pi.episode(item.episode_number)


def _item_namespace_extras(pi: Any, item: FeedItem, clean: Clean) -> None:
    """Location, licence, soundbites and funding: each left out alone if its value is bad."""
    if item.location:
        loc = item.location
        _tolerant(pi.location, _text(loc.get("name"), clean), *_location_attrs(loc))
    if item.license:
        _tolerant(pi.license, _text(item.license.get("name"), clean), item.license.get("url"))
    for bite in item.soundbites:
        title = _text(bite.get("title"), clean)
        _tolerant(pi.soundbite, bite.get("start_time"), bite.get("duration"), title)
    for funding in item.funding:
        _tolerant(pi.funding, funding.get("url"), _text(funding.get("text"), clean))


def _text(value: Any, clean: Clean) -> Any:
    return clean(value) if isinstance(value, str) else value


def enclosure_url(item: FeedItem, urls: PublicUrls) -> str:
    """Versioned by content: replaced audio is a new URL (``podcast.core.public_urls``)."""
    return urls.enclosure(item.slug, item.audio_extension, content_version(item.audio_sha256))


def _simple_chapter(chapter: FeedChapter, urls: PublicUrls, clean: Clean) -> SimpleChapter:
    return SimpleChapter(
        start_ms=chapter.start_ms,
        title=clean(chapter.title or ""),
        href=safe_url(chapter.url),  # rows stored before the rule may hold javascript: links
        image=urls.image(chapter.image_key) or safe_url(chapter.image_url),
    )


def _cdata(html: str) -> Any:
    """CDATA keeps show-notes HTML readable (Apple's guide); ``]]>`` cannot be in CDATA."""
    return html if "]]>" in html else etree.CDATA(html)


def _person(add: Callable[..., Any], person: dict[str, Any]) -> None:
    _tolerant(
        add,
        person.get("name"),
        person.get("role"),
        person.get("group"),
        person.get("img"),
        person.get("href"),
    )


def _location_attrs(loc: dict[str, Any]) -> tuple[str | None, ...]:
    """A stored location's attributes in ``location()``'s order: geo, osm, rel, country."""
    return loc.get("geo"), loc.get("osm"), loc.get("rel"), loc.get("country")


def _tolerant(add: Callable[..., Any], *args: Any) -> None:
    """Optional tags with bad values are left out rather than failing the feed for everyone;
    ``podcast check`` reports them."""
    try:
        add(*args)
    except (ValueError, TypeError):
        return
