"""Reading old hosts' feeds: every value moving a show depends on, exactly as written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from podcast.imports.parse import FeedParseError, parse_feed
from podcast.imports.source import ChapterMark, Enclosure, Funding, License, Location, Person
from tests.conftest import FIXTURES

FEEDS = FIXTURES / "feeds"


def _feed(name: str, port: int = 8765) -> bytes:
    return (FEEDS / name).read_bytes().replace(b"PORT", str(port).encode())


def test_a_podcasting20_feed_keeps_identity_and_every_namespace_value() -> None:
    feed = parse_feed(_feed("buzzsprout-podcasting20.xml"), "https://old.example/feed")
    show = feed.show
    assert feed.format == "rss"
    assert show.title == "Leadership Live"
    assert show.podcast_guid == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert show.description_html.startswith("<p>Conversations with people who lead")
    assert show.language == "en-gb"
    assert show.categories == (("Business", "Management"), ("Health & Fitness", None))
    assert show.owner_email == "podcast@leadership.example.nhs.uk"
    assert show.locked is True and show.explicit is False and show.show_type == "episodic"
    assert show.location == Location("North West England", rel="Subject", country="United Kingdom")
    assert show.image_url == "http://127.0.0.1:8765/art/show.jpg"
    assert show.funding == (
        Funding("https://leadership.example.nhs.uk/support", "Support the Academy"),
    )
    assert show.people == (
        Person("Lorna Krisson", role="host", img="https://leadership.example.nhs.uk/lorna.jpg"),
    )
    assert show.license == License(
        "cc-by-nc-4.0", "https://creativecommons.org/licenses/by-nc/4.0/"
    )

    first, trailer = feed.episodes
    assert (first.guid, first.guid_is_permalink, first.guid_from_enclosure) == (
        "Buzzsprout-12345678",
        False,
        False,
    )
    assert first.published == datetime(2025, 10, 14, 5, 0, tzinfo=UTC)
    assert first.description_html == "<p>With the <b>NHS North West Race Equity Assembly</b>.</p>"
    assert first.duration == 3723
    assert (first.season, first.number, first.episode_type) == (2, 5, "full")
    # length="0" is what some hosts write: unknown, not zero.
    assert first.enclosure == Enclosure(
        "http://127.0.0.1:8765/audio/anti-racist.mp3", None, "audio/mpeg"
    )
    assert [(t.media_type, t.language, t.rel) for t in first.transcripts] == [
        ("text/vtt", "en-GB", "captions"),
        ("application/x-subrip", None, None),
    ]
    assert first.chapters_url == "http://127.0.0.1:8765/chapters/anti-racist.json"
    assert first.chapter_marks == (
        ChapterMark(0.0, "Welcome"),
        ChapterMark(73.5, "Why anti-racism", href="https://example.org/why"),
    )
    assert first.people == (Person("Ayo Barley", role="guest", href="https://example.org/ayo"),)
    assert [(s.start, s.duration, s.title) for s in first.soundbites] == [
        (73.0, 60.0, "Why it matters"),
        (3700.0, 60.0, "Past the end"),
    ]
    assert first.license == License("Leadership Academy licence", "http://example.org/licence")
    assert [(f.url, f.text) for f in first.funding] == [
        ("https://example.org/support/ep5", "Support this episode"),
        ("http://example.org/old-support", "Old link"),
    ]
    # As the tag carries them: the mapping, not the parser, decides what is kept.
    assert first.location == Location(
        "Manchester", geo="geo:53.4808,-2.2426", osm="R146656", rel="creator", country="gb"
    )
    assert first.keywords == ("leadership", "race equity", "NHS")

    # No GUID and no enclosure-less fallback needed: the trailer has its enclosure URL.
    assert trailer.guid == "http://127.0.0.1:8765/audio/trailer.mp3"
    assert trailer.guid_from_enclosure and not trailer.guid_is_permalink
    assert trailer.published == datetime(2025, 9, 1, 7, 0, tzinfo=UTC)  # ISO date, read anyway
    assert trailer.description_html == "Hello & welcome — a short trailer."
    assert trailer.season is None and trailer.duration == 95
    assert any("psc:chapter" in w for w in feed.warnings)
    assert any("itunes:season 'S1'" in w and "Trailer" in w for w in feed.warnings)


def test_a_sloppy_feed_is_read_and_its_slips_reported() -> None:
    feed = parse_feed(_feed("libsyn-noguid.xml"), "http://oldshow.example/rss")
    assert feed.show.title == "Old Show & Friends"  # a bare "&", mended
    assert feed.show.new_feed_url == "https://oldshow.libsyn.example/rss"
    assert feed.show.complete is True
    no_guid, permalink = feed.episodes
    assert no_guid.guid == "http://127.0.0.1:8765/audio/noguid.mp3" and no_guid.guid_from_enclosure
    assert no_guid.explicit is True and no_guid.duration == 32 * 60 + 10
    assert permalink.guid == "http://oldshow.libsyn.example/episode-2"
    assert permalink.guid_is_permalink  # RSS 2.0's default
    assert permalink.published is None and permalink.duration is None
    assert permalink.enclosure is None
    assert any("not a date at all" in w for w in feed.warnings)
    assert any("'an hour' is not a duration" in w for w in feed.warnings)


def test_an_atom_feed() -> None:
    feed = parse_feed(_feed("atom-export.xml"), "https://example.cymru/feed.atom")
    assert feed.format == "atom"
    assert feed.show.title == "Arweinyddiaeth Fyw"
    first, second = feed.episodes
    assert first.guid == "tag:example.cymru,2025:pennod-1"
    assert first.published == datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    assert first.enclosure == Enclosure(
        "http://127.0.0.1:8765/audio/pennod-1.mp3", 33462, "audio/mpeg"
    )
    assert second.enclosure is None
    assert second.published == datetime(2025, 10, 8, 9, 0, tzinfo=UTC)  # updated, as no published
    assert second.description_html == "<p>Dim sain eto.</p>"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>&lol9;</title><description>&secret;</description>
<item><title>One</title><guid>a</guid></item></channel></rss>"""


def test_entity_declarations_are_refused() -> None:
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse_feed(BILLION_LAUGHS, "http://x.example/feed")


def test_entities_are_never_expanded_even_when_used_without_a_declaration() -> None:
    data = b"""<rss version="2.0"><channel><title>A &undeclared; B</title>
<item><title>One</title><guid>a</guid></item></channel></rss>"""
    feed = parse_feed(data, "http://x.example/feed")
    assert "A" in feed.show.title and len(feed.show.title) < 20
    assert [e.guid for e in feed.episodes] == ["a"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<!doctype html><html><body>Not found</body></html>", "an HTML page"),
        (b"<?xml version='1.0'?><html><body/></html>", "an HTML page"),
        (b"<?xml version='1.0'?><opml><body/></opml>", "the document is <opml>"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not XML"),
        (b"<rss version='2.0'></rss>", "without a <channel>"),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "not XML"),
    ],
)
def test_what_is_not_a_feed_says_what_it_is(data: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(data, "http://x.example/feed")
