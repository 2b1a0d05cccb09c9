"""The Podcasting 2.0 extension, checked on real feedgen output parsed back with lxml."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from feedgen.feed import FeedGenerator
from lxml import etree

from podcast.feed.podcastindex import (
    ITUNES_NS,
    PODCAST_NS,
    Episode,
    Locked,
    Person,
    PodcastIndexEntryExtension,
    PodcastIndexExtension,
    Transcript,
    channel_ext,
    entry_ext,
    register,
)
from podcast.shows.guid import guid_for_feed_url

NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS}
FEED_URL = "https://podcast.example.nhs.uk/feed.xml"
TRICKY_NAME = "Dr Ada & <Co>"


def _base_feed(*, with_itunes_ext: bool = True) -> FeedGenerator:
    fg = FeedGenerator()
    fg.title("Leadership Live")
    fg.link(href="https://podcast.example.nhs.uk/")
    fg.description("Conversations about leadership in the NHS North West.")
    fg.language("en")
    fg.lastBuildDate(datetime(2024, 5, 2, tzinfo=UTC))  # default is "now": undeterministic
    if with_itunes_ext:
        fg.load_extension("podcast")
        fg.podcast.itunes_category("Business", "Management")
    return fg


def _add_item(fg: FeedGenerator, n: int) -> Any:
    fe = fg.add_entry(order="append")  # feedgen prepends by default
    fe.title(f"Episode {n}")
    fe.description(f"Show notes {n}")
    fe.guid(f"urn:uuid:00000000-0000-4000-8000-00000000000{n}")
    fe.enclosure(f"https://podcast.example.nhs.uk/media/ep{n}.mp3", "24449", "audio/mpeg")
    fe.pubDate(datetime(2024, 5, n, 12, tzinfo=UTC))
    return fe


def build_feed() -> bytes:
    """A channel and two items using every tag the extension writes."""
    fg = _base_feed()
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
    pi = fg.podcastindex
    pi.guid(guid_for_feed_url(FEED_URL))
    pi.locked(True, owner="owner@example.nhs.uk")
    pi.funding("https://example.nhs.uk/support", "Support the academy")
    pi.funding("https://example.nhs.uk/donate", "")
    pi.person(TRICKY_NAME, role="Host", img="https://example.nhs.uk/ada.jpg")
    pi.person("Ben", role="producer", group="Audio Post-Production", href="https://example.nhs.uk")
    pi.itunes_explicit(False)

    first = _add_item(fg, 1)
    first.podcast.itunes_episode(3)
    first.podcastindex.itunes_explicit(True)
    first.podcastindex.transcript(
        "https://podcast.example.nhs.uk/t/ep1.vtt", "text/vtt", language="en", rel="captions"
    )
    first.podcastindex.transcript(
        "https://podcast.example.nhs.uk/t/ep1.srt", "application/x-subrip"
    )
    first.podcastindex.chapters("https://podcast.example.nhs.uk/c/ep1.json")
    first.podcastindex.season(2, name="Compassionate leadership")
    first.podcastindex.episode(3, display="Ep. 3")
    first.podcastindex.person("Guest One", role="guest")

    second = _add_item(fg, 2)
    second.podcastindex.itunes_explicit(False)
    second.podcastindex.episode(Decimal("3.50"))
    return fg.rss_str(pretty=True)


@pytest.fixture(scope="module")
def xml() -> bytes:
    return build_feed()


@pytest.fixture(scope="module")
def root(xml: bytes) -> Any:
    return etree.fromstring(xml)


def one(node: Any, path: str) -> Any:
    found = node.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: expected one match, got {len(found)}"
    return found[0]


def items(root: Any) -> list[Any]:
    return root.xpath("/rss/channel/item")


# --- document level ---------------------------------------------------------------------------


def test_root_declares_conventional_prefixes(root: Any, xml: bytes) -> None:
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    assert root.nsmap["podcast"] == PODCAST_NS
    assert root.nsmap["itunes"] == ITUNES_NS
    # Declared once on the root, never re-declared or auto-prefixed further down.
    assert xml.count(b"xmlns:podcast=") == 1
    assert xml.count(b"xmlns:itunes=") == 1
    assert b"xmlns:ns0" not in xml
    assert b"<podcast:guid>" in xml
    assert b"<itunes:explicit>" in xml


def test_channel_tags_precede_items(root: Any) -> None:
    channel = one(root, "/rss/channel")
    tags = [etree.QName(child).localname for child in channel]
    assert tags.index("person") < tags.index("item")
    assert tags[-2:] == ["item", "item"]


def test_items_keep_append_order(root: Any) -> None:
    assert [one(i, "title").text for i in items(root)] == ["Episode 1", "Episode 2"]


# --- channel ----------------------------------------------------------------------------------


def test_channel_guid_locked_medium(root: Any) -> None:
    assert one(root, "/rss/channel/podcast:guid").text == guid_for_feed_url(FEED_URL)
    locked = one(root, "/rss/channel/podcast:locked")
    assert (locked.text, locked.get("owner")) == ("yes", "owner@example.nhs.uk")
    assert one(root, "/rss/channel/podcast:medium").text == "podcast"


def test_channel_funding_in_order(root: Any) -> None:
    funding = root.xpath("/rss/channel/podcast:funding", namespaces=NS)
    assert [(f.get("url"), f.text) for f in funding] == [
        ("https://example.nhs.uk/support", "Support the academy"),
        ("https://example.nhs.uk/donate", None),
    ]


def test_channel_persons_carry_attributes(root: Any) -> None:
    ada, ben = root.xpath("/rss/channel/podcast:person", namespaces=NS)
    assert ada.text == TRICKY_NAME
    assert dict(ada.attrib) == {"role": "host", "img": "https://example.nhs.uk/ada.jpg"}
    assert ben.text == "Ben"
    assert dict(ben.attrib) == {
        "role": "producer",
        "group": "audio post-production",
        "href": "https://example.nhs.uk",
    }


def test_text_is_escaped(xml: bytes) -> None:
    assert b"Dr Ada &amp; &lt;Co&gt;" in xml
    assert TRICKY_NAME.encode() not in xml


def test_itunes_explicit_once_per_level_as_true_false(root: Any) -> None:
    assert one(root, "/rss/channel/itunes:explicit").text == "false"
    first, second = items(root)
    assert one(first, "itunes:explicit").text == "true"
    assert one(second, "itunes:explicit").text == "false"
    values = {e.text for e in root.xpath("//itunes:explicit", namespaces=NS)}
    assert values <= {"true", "false"}


def test_itunes_category_from_feedgen_still_present(root: Any) -> None:
    cat = one(root, "/rss/channel/itunes:category")
    assert cat.get("text") == "Business"
    assert one(cat, "itunes:category").get("text") == "Management"


# --- items ------------------------------------------------------------------------------------


def test_item_transcripts(root: Any) -> None:
    vtt, srt = items(root)[0].xpath("podcast:transcript", namespaces=NS)
    assert dict(vtt.attrib) == {
        "url": "https://podcast.example.nhs.uk/t/ep1.vtt",
        "type": "text/vtt",
        "language": "en",
        "rel": "captions",
    }
    assert dict(srt.attrib) == {
        "url": "https://podcast.example.nhs.uk/t/ep1.srt",
        "type": "application/x-subrip",
    }
    assert vtt.text is None and len(vtt) == 0  # empty element


def test_item_chapters_season_episode_person(root: Any) -> None:
    first = items(root)[0]
    chapters = one(first, "podcast:chapters")
    assert dict(chapters.attrib) == {
        "url": "https://podcast.example.nhs.uk/c/ep1.json",
        "type": "application/json+chapters",
    }
    season = one(first, "podcast:season")
    assert (season.text, season.get("name")) == ("2", "Compassionate leadership")
    episode = one(first, "podcast:episode")
    assert (episode.text, episode.get("display")) == ("3", "Ep. 3")
    guest = one(first, "podcast:person")
    assert (guest.text, guest.get("role")) == ("Guest One", "guest")
    assert one(first, "itunes:episode").text == "3"  # feedgen's own tag untouched


def test_second_item_has_only_what_was_set(root: Any) -> None:
    second = items(root)[1]
    episode = one(second, "podcast:episode")
    assert episode.text == "3.5"
    assert "display" not in episode.attrib
    for tag in ("transcript", "chapters", "season", "person"):
        assert second.xpath(f"podcast:{tag}", namespaces=NS) == []


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (3, "3"),
        (3.0, "3"),
        (2.1, "2.1"),
        (Decimal("3.50"), "3.5"),
        (Decimal("1E+1"), "10"),
        (Decimal("0.5"), "0.5"),
    ],
)
def test_episode_number_rendering(number: int | float | Decimal, text: str) -> None:
    ext = PodcastIndexEntryExtension()
    ep = ext.episode(number)
    assert ep is not None and ep.text == text
    item = etree.Element("item")
    ext.extend_rss(item)
    assert item.findtext(f"{{{PODCAST_NS}}}episode") == text


# --- feedgen interplay ------------------------------------------------------------------------


def test_works_without_feedgen_podcast_extension() -> None:
    fg = _base_feed(with_itunes_ext=False)
    register(fg).itunes_explicit(True)
    entry_ext(_add_item(fg, 1)).itunes_explicit(False)
    xml = fg.rss_str()
    root = etree.fromstring(xml)
    assert root.nsmap["itunes"] == ITUNES_NS
    assert root.nsmap["podcast"] == PODCAST_NS
    assert b"ns0" not in xml
    assert one(root, "/rss/channel/itunes:explicit").text == "true"
    assert one(root, "/rss/channel/item/itunes:explicit").text == "false"


def test_registered_first_and_entries_added_before_registration() -> None:
    fg = FeedGenerator()
    fg.title("t")
    fg.link(href="https://example.org/")
    fg.description("d")
    early = fg.add_entry(order="append")
    early.title("early")
    register(fg)  # existing entries get the entry half too
    fg.load_extension("podcast")  # load order must not matter for prefixes
    entry_ext(early).season(1)
    root = etree.fromstring(fg.rss_str())
    assert root.nsmap["itunes"] == ITUNES_NS
    assert one(root, "/rss/channel/item/podcast:season").text == "1"


def test_overrides_feedgen_explicit_loaded_earlier() -> None:
    """If someone also sets feedgen's yes/no value, ours wins and the tag stays single."""
    fg = _base_feed()
    fg.podcast.itunes_explicit("no")
    register(fg).itunes_explicit(True)
    root = etree.fromstring(fg.rss_str())
    assert one(root, "/rss/channel/itunes:explicit").text == "true"


def test_unset_explicit_is_not_written() -> None:
    fg = _base_feed()
    register(fg)
    _add_item(fg, 1)
    root = etree.fromstring(fg.rss_str())
    assert root.xpath("//itunes:explicit", namespaces=NS) == []


def test_register_twice_is_refused() -> None:
    fg = FeedGenerator()
    register(fg)
    with pytest.raises(ImportError):
        register(fg)


def test_typed_accessors() -> None:
    fg = FeedGenerator()
    with pytest.raises(LookupError):
        channel_ext(fg)
    assert register(fg) is channel_ext(fg) is fg.podcastindex
    fe = fg.add_entry()
    assert entry_ext(fe) is fe.podcastindex


# --- getters / setters ------------------------------------------------------------------------


def test_setters_return_and_getters_read_back() -> None:
    ch = PodcastIndexExtension()
    assert ch.guid() is None and ch.locked() is None and ch.medium() == "podcast"
    assert ch.guid(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert ch.guid("9B024349-CCF0-5F69-A609-6B82873EAB3C") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert ch.locked(False) == Locked(False, None)
    assert ch.medium("music") == "music"
    assert ch.person("Ada") == [Person("Ada")]
    assert ch.person() == [Person("Ada")]
    # The taxonomy file's "translater" goes out as partytime's "translator" (rows and imports
    # from before the API stored that spelling).
    assert ch.person("Cy", role="Translater")[-1] == Person("Cy", role="translator")
    assert ch.itunes_explicit() is None
    assert ch.itunes_explicit(False) is False

    it = PodcastIndexEntryExtension()
    t = it.transcript("https://example.org/t.json", "application/json")
    assert t == [Transcript("https://example.org/t.json", "application/json")]
    assert it.transcript() == t
    assert it.episode(1.5, "1½") == Episode(Decimal("1.5"), "1½")
    assert it.chapters() is None and it.season() is None


def test_guid_for_feed_url_matches_spec_example() -> None:
    expected = "9b024349-ccf0-5f69-a609-6b82873eab3c"  # podcast-namespace docs/tags/guid.md
    assert guid_for_feed_url("https://podnews.net/rss") == expected
    assert guid_for_feed_url("http://podnews.net/rss//") == expected


# --- validation -------------------------------------------------------------------------------

URL = "https://example.org/x"
Call = Callable[[], object]


def _ch() -> PodcastIndexExtension:
    return PodcastIndexExtension()


def _it() -> PodcastIndexEntryExtension:
    return PodcastIndexEntryExtension()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: _ch().guid("not-a-uuid"), "must be a UUID"),
        (lambda: _ch().locked("yes"), "True or False"),  # type: ignore[arg-type]
        (lambda: _ch().locked(True, owner="nobody"), "email"),
        (lambda: _ch().locked(owner="a@b.org"), "locked"),
        (lambda: _ch().medium("radio"), "medium must be one of"),
        (lambda: _ch().funding(text="Give"), "funding url is required"),
        (lambda: _ch().funding("/support", "Give"), "absolute http"),
        (lambda: _ch().funding("ftp://example.org/x", "Give"), "absolute http"),
        (lambda: _ch().funding("https://example.org/dé", "Give"), "ASCII"),
        (lambda: _ch().funding(URL, "x" * 129), "at most 128"),
        (lambda: _ch().person(role="host"), "person name is required"),
        (lambda: _ch().person("  "), "must not be empty"),
        (lambda: _ch().person("Ada", img="ada.jpg"), "person img"),
        (lambda: _ch().person("bell\x07"), "XML"),
        (lambda: _ch().itunes_explicit("no"), "True or False"),  # type: ignore[arg-type]
        (lambda: _it().itunes_explicit(1), "True or False"),  # type: ignore[arg-type]
        (lambda: _it().season(0), "season number must be positive"),
        (lambda: _it().season(-1), "season number must be positive"),
        (lambda: _it().season(1.0), "must be an int"),  # type: ignore[arg-type]
        (lambda: _it().season(True), "must be an int"),
        (lambda: _it().season(name="Two"), "season number is required"),
        (lambda: _it().season(1, "n" * 129), "at most 128"),
        (lambda: _it().episode(0), "positive"),
        (lambda: _it().episode(float("nan")), "finite"),
        (lambda: _it().episode(Decimal("Infinity")), "positive finite"),
        (lambda: _it().episode("3"), "int, float or Decimal"),  # type: ignore[arg-type]
        (lambda: _it().episode(display="Ep. 1"), "episode number is required"),
        (lambda: _it().episode(1, "d" * 33), "at most 32"),
        (lambda: _it().transcript(type="text/vtt"), "transcript url is required"),
        (lambda: _it().transcript(URL), "transcript type is required"),
        (lambda: _it().transcript(URL, "Text/VTT"), "lowercase MIME"),
        (lambda: _it().transcript(URL, "vtt"), "lowercase MIME"),
        (lambda: _it().transcript(URL, "text/vtt; charset=utf-8"), "lowercase MIME"),
        (lambda: _it().transcript(URL, "text/vtt", language="english!"), "language"),
        (lambda: _it().transcript(URL, "text/vtt", rel="subtitles"), "captions"),
        (lambda: _it().chapters(type="application/json"), "chapters url is required"),
        (lambda: _it().chapters(URL, "JSON"), "lowercase MIME"),
    ],
)
def test_setters_validate(call: Call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_failed_setter_leaves_state_alone() -> None:
    it = _it()
    it.season(1)
    with pytest.raises(ValueError):
        it.season(0)
    assert it.season() is not None and it.season().number == 1  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        it.transcript(URL, "Text/VTT")
    assert it.transcript() == []


# --- real podcast parsers ---------------------------------------------------------------------


def test_podcastparser_reads_the_feed(xml: bytes) -> None:
    podcastparser = pytest.importorskip("podcastparser")
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(xml))
    assert parsed["title"] == "Leadership Live"
    assert parsed["explicit"] is False
    # podcastparser sorts episodes newest first by pubDate, whatever the feed order.
    by_title = {e["title"]: e for e in parsed["episodes"]}
    assert set(by_title) == {"Episode 1", "Episode 2"}
    assert by_title["Episode 1"]["explicit"] is True
    assert by_title["Episode 2"]["explicit"] is False
    assert by_title["Episode 1"]["enclosures"][0]["url"].endswith("/media/ep1.mp3")
    # podcastparser 0.6.11 only maps the old GitHub namespace URI to podcast:, so it does not
    # read our transcript yet; if a later version does, it must be the URL we wrote.
    if "transcript_url" in by_title["Episode 1"]:
        assert by_title["Episode 1"]["transcript_url"].endswith("/t/ep1.vtt")


def test_feedparser_reads_the_feed(xml: bytes) -> None:
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == ["Episode 1", "Episode 2"]
    assert parsed.feed["podcast_guid"] == guid_for_feed_url(FEED_URL)
    # feedparser keeps unknown-namespace tags generically: attributes when there are any
    # (the last repeat wins), otherwise the text.
    first, second = parsed.entries
    assert first["podcast_chapters"]["type"] == "application/json+chapters"
    assert first["podcast_season"] == {"name": "Compassionate leadership"}
    assert second["podcast_episode"] == "3.5"
    # feedparser 6.0 maps only itunes:explicit "yes" to True; Apple's "true" reads as None.
    assert first["itunes_explicit"] in (True, None)
