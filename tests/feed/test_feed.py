"""The served feed, read by podcast clients nobody here wrote (podcastparser, feedparser) and
tag by tag with lxml against Apple's and the Podcast Index's rules
(docs/standards.md, "The feed document", "Channel tags" and "Item tags")."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import feedparser
import lxml.html
import podcastparser
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from podcast.core.clock import FrozenClock
from podcast.feed import data as feed_data
from tests.conftest import FIXTURES, NOW
from tests.factories import create_episode, upload_audio
from tests.feed.support import (
    BASE,
    FEED_URL,
    NS,
    feed_xml,
    image_bytes,
    item_titles,
    items,
    put_artwork,
    text,
)
from tests.transcripts.support import put_transcript, vtt
from transcripts.links import FeedTranscripts, TranscriptLink

SPEECH_BYTES = (FIXTURES / "speech.mp3").stat().st_size
PLAIN_BYTES = (FIXTURES / "plain.mp3").stat().st_size


@pytest.fixture
def published(client: TestClient, auth: dict[str, str], clock: FrozenClock) -> list[dict]:
    """Two public episodes (older first), plus a draft, an audio-less draft and a scheduled one
    that must all stay out of the feed."""
    older = create_episode(
        client,
        auth,
        "Compassionate leadership",
        audio="speech.mp3",
        show_notes="Notes with a [link](https://example.org/a) & more.",
        show_notes_format="markdown",
        people=[{"name": "Dr Amina Shah", "role": "guest"}],
        explicit=True,
        at=NOW - timedelta(days=7),
    )
    newer = create_episode(client, auth, "Leading through change", summary="Plain summary.")
    create_episode(client, auth, "Draft with audio", publish=False)
    create_episode(client, auth, "Draft without audio", audio=None, publish=False)
    create_episode(client, auth, "Scheduled", at=NOW + timedelta(days=1))
    return [older, newer]


def test_real_clients_read_the_feed(client: TestClient, published: list[dict]) -> None:
    older, newer = published
    body = client.get("/feed.xml").content

    parsed = podcastparser.parse(FEED_URL, io.BytesIO(body))
    assert parsed["title"] == "Leadership Live"
    assert parsed.get("cover_url") is None  # no show artwork uploaded yet
    episodes = parsed["episodes"]
    assert [e["title"] for e in episodes] == ["Leading through change", "Compassionate leadership"]
    assert [e["guid"] for e in episodes] == [newer["guid"], older["guid"]]
    assert episodes[0]["enclosures"] == [
        {
            "url": f"{BASE}/media/{newer['slug']}.{newer['audio']['sha256'][:10]}.mp3",
            "file_size": PLAIN_BYTES,
            "mime_type": "audio/mpeg",
        }
    ]
    assert episodes[1]["enclosures"][0]["file_size"] == SPEECH_BYTES
    assert [e["total_time"] for e in episodes] == [5, 5]
    assert episodes[0]["published"] == int(NOW.timestamp())
    assert episodes[1]["published"] == int((NOW - timedelta(days=7)).timestamp())
    assert episodes[1]["episode_art_url"].startswith(f"{BASE}/images/")
    assert episodes[1]["link"] == f"{BASE}/episodes/{older['slug']}"

    fp = feedparser.parse(body)
    assert fp.bozo == 0, fp.bozo_exception
    assert fp.feed.title == "Leadership Live"
    assert [e.title for e in fp.entries] == ["Leading through change", "Compassionate leadership"]
    assert [e.id for e in fp.entries] == [newer["guid"], older["guid"]]
    enclosure = fp.entries[1].enclosures[0]
    assert (enclosure.href, int(enclosure.length), enclosure.type) == (
        f"{BASE}/media/{older['slug']}.{older['audio']['sha256'][:10]}.mp3",
        SPEECH_BYTES,
        "audio/mpeg",
    )
    assert fp.entries[1].itunes_duration == "5"
    assert fp.entries[0].published_parsed[:6] == NOW.timetuple()[:6]
    assert fp.entries[1].image.href.startswith(f"{BASE}/images/")
    assert fp.feed.itunes_explicit is None  # feedparser#524: it cannot read true/false


def test_show_artwork_read_by_clients(client: TestClient, auth: dict[str, str]) -> None:
    show = put_artwork(client, auth, image_bytes(1400)).json()
    body = client.get("/feed.xml").content
    assert podcastparser.parse(FEED_URL, io.BytesIO(body))["cover_url"] == show["artwork_url"]
    assert feedparser.parse(body).feed.image.href == show["artwork_url"]


def test_well_formed_with_conventional_namespaces(
    client: TestClient, published: list[dict]
) -> None:
    response = client.get("/feed.xml")
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap == NS
    assert root.find("channel") is not None


def test_channel_tags(client: TestClient, auth: dict[str, str], published: list[dict]) -> None:
    response = client.patch(
        "/api/show",
        json={
            "copyright": "© 2026 NHS North West Leadership Academy",
            "funding": [{"url": "https://example.org/support", "text": "Support the Academy"}],
            "people": [
                {"name": "Lorna Krisson", "role": "host", "img": "https://example.org/l.jpg"}
            ],
            "new_feed_url": "https://new.example.org/feed.xml",
            "block": True,
            "complete": True,
        },
        headers=auth,
    )
    assert response.status_code == 200, response.text
    art = put_artwork(client, auth, image_bytes(1500)).json()["artwork_url"]
    channel = feed_xml(client).find("channel")
    assert channel is not None
    assert text(channel, "title") == "Leadership Live"
    assert text(channel, "link") == f"{BASE}/"  # the home page, as the pages call it
    assert (text(channel, "description") or "").startswith("<p>Leadership Live is the podcast")
    assert text(channel, "language") == "en-GB"
    assert text(channel, "copyright") == "© 2026 NHS North West Leadership Academy"
    assert parsedate_to_datetime(text(channel, "lastBuildDate") or "") == NOW
    assert text(channel, "generator")
    self_link = channel.find("atom:link", NS)
    assert self_link is not None
    assert self_link.attrib == {"href": FEED_URL, "rel": "self", "type": "application/rss+xml"}
    assert text(channel, "itunes:author") == "NHS North West Leadership Academy"
    assert text(channel, "itunes:owner/itunes:name") == "NHS North West Leadership Academy"
    assert text(channel, "itunes:owner/itunes:email") == "leadershipacademy@example.nhs.uk"
    assert channel.find("itunes:image", NS).get("href") == art  # type: ignore[union-attr]
    assert art.endswith(".jpg")
    assert text(channel, "image/url") == art
    category = channel.find("itunes:category", NS)
    assert category is not None and category.get("text") == "Business"
    assert [c.get("text") for c in category] == ["Management"]
    assert channel.xpath("itunes:explicit/text()", namespaces=NS) == ["false"]
    assert text(channel, "itunes:type") == "episodic"
    assert text(channel, "itunes:new-feed-url") == "https://new.example.org/feed.xml"
    assert text(channel, "itunes:block") == "Yes"
    assert text(channel, "itunes:complete") == "Yes"
    expected_guid = uuid.uuid5(
        uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "podcast.example.org/feed.xml"
    )
    assert text(channel, "podcast:guid") == str(expected_guid)
    locked = channel.find("podcast:locked", NS)
    assert locked is not None and locked.text == "yes"
    assert locked.get("owner") == "leadershipacademy@example.nhs.uk"
    assert text(channel, "podcast:medium") == "podcast"
    funding = channel.find("podcast:funding", NS)
    assert funding is not None and funding.text == "Support the Academy"
    assert funding.get("url") == "https://example.org/support"
    persons = channel.findall("podcast:person", NS)
    assert [(p.text, p.get("role"), p.get("img")) for p in persons] == [
        ("Lorna Krisson", "host", "https://example.org/l.jpg")
    ]
    # Channel tags come before the items.
    tags = [etree.QName(c).localname for c in channel]
    assert set(tags[tags.index("item") :]) == {"item"}


def test_block_and_complete_absent_by_default(client: TestClient, published: list[dict]) -> None:
    channel = feed_xml(client).find("channel")
    assert channel is not None
    for tag in ("itunes:block", "itunes:complete", "itunes:new-feed-url", "copyright"):
        assert channel.find(tag, NS) is None, tag


def test_item_tags(client: TestClient, published: list[dict]) -> None:
    older, _newer = published
    first, second = items(feed_xml(client))

    # The episode made from tagged audio, with notes, people, artwork and chapters.
    assert text(second, "title") == "Compassionate leadership"
    assert text(second, "itunes:title") == "Compassionate leadership"
    assert text(second, "link") == f"{BASE}/episodes/{older['slug']}"
    guid = second.find("guid")
    assert guid is not None and guid.text == older["guid"] and guid.get("isPermaLink") == "false"
    assert parsedate_to_datetime(text(second, "pubDate") or "") == NOW - timedelta(days=7)
    enclosure = second.find("enclosure")
    assert enclosure is not None
    assert enclosure.attrib == {
        "url": f"{BASE}/media/{older['slug']}.{older['audio']['sha256'][:10]}.mp3",
        "length": str(SPEECH_BYTES),
        "type": "audio/mpeg",
    }
    assert text(second, "itunes:duration") == "5"
    assert text(second, "itunes:episode") == "3"
    assert text(second, "itunes:season") == "2"
    assert text(second, "itunes:episodeType") == "full"
    assert second.xpath("itunes:explicit/text()", namespaces=NS) == ["true"]
    image = second.find("itunes:image", NS)
    assert image is not None and image.get("href") == older["artwork"]["url"]
    assert re.search(r"\.(jpg|png)$", image.get("href") or "")
    description = text(second, "description") or ""
    assert '<a href="https://example.org/a"' in description and "&amp; more" in description
    assert text(second, "content:encoded") == older["show_notes_html"]
    assert text(second, "podcast:season") == "2"
    assert text(second, "podcast:episode") == "3"
    chapters = second.find("podcast:chapters", NS)
    assert chapters is not None
    assert chapters.attrib == {
        "url": f"{BASE}/episodes/{older['slug']}/chapters.json",
        "type": "application/json+chapters",
    }
    person = second.find("podcast:person", NS)
    assert person is not None and (person.text, person.get("role")) == ("Dr Amina Shah", "guest")
    assert second.find("podcast:transcript", NS) is None  # none yet: the hook is tested below

    # The plain one: summary as an escaped paragraph, no chapters, no artwork, not explicit.
    assert text(first, "description") == "<p>Plain summary.</p>"
    assert first.find("content:encoded", NS) is None
    assert first.find("podcast:chapters", NS) is None
    assert first.find("itunes:image", NS) is None
    assert first.xpath("itunes:explicit/text()", namespaces=NS) == ["false"]
    assert first.find("itunes:episode", NS) is None


def test_feed_wide_rules(client: TestClient, auth: dict[str, str], published: list[dict]) -> None:
    """Absolute ASCII URLs with the file's extension, unique guids and enclosures, past dates."""
    create_episode(client, auth, "Ünïcode title: ok in text, not in URLs", audio="speech.m4a")
    root = feed_xml(client)
    urls = [u for u in root.xpath("//@url | //@href")]
    assert urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc, url
        assert re.fullmatch(r"[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+", url), url
    enclosures = [e.get("url") for e in root.iter("enclosure")]
    assert len(set(enclosures)) == len(enclosures) == 3
    assert [u.rsplit(".", 1)[1] for u in enclosures] == ["m4a", "mp3", "mp3"]
    guids = [g.text for g in root.iter("guid")]
    assert len(set(guids)) == len(guids)
    for item in items(root):
        assert parsedate_to_datetime(text(item, "pubDate") or "") <= NOW
        assert re.fullmatch(r"[1-9][0-9]*", text(item, "itunes:duration") or "")
    for node in root.iter():
        if not isinstance(node.tag, str) or node.text is None:
            continue
        if etree.QName(node).localname not in ("description", "encoded"):
            assert node.text == node.text.strip(), node.tag  # Apple: no surrounding spaces


def test_long_notes_are_cut_to_4000_bytes(client: TestClient, auth: dict[str, str]) -> None:
    paragraph = "<p>Équipes " + "et leadership bienveillant " * 20 + "<b>fin</b></p>"
    notes = paragraph * 20
    episode = create_episode(client, auth, "Long notes", show_notes=notes)
    assert len(episode["show_notes_html"].encode()) > 10_000
    item = items(feed_xml(client))[0]
    description = text(item, "description") or ""
    assert len(description.encode()) <= 4000
    assert description.endswith("…</p>") or description.endswith("…")
    etree.fromstring(f"<div>{description}</div>")  # still well-formed markup
    assert text(item, "content:encoded") == episode["show_notes_html"]


MARKDOWN_NOTES = """# Overview

Intro with **bold**, _it_, `code` and a [link](https://example.org/x).

## Guests

- Dr Amina Shah

> A quote

```
a <code> block
```

line one
line two  
line three

1. first
"""


def test_markdown_notes_use_only_apples_elements(client: TestClient, auth: dict[str, str]) -> None:
    """Apple lists p, ol, ul, li, a (plus b/i/em/strong): headings become bold paragraphs,
    the rest keeps its text without its tags. The page keeps the full notes."""
    episode = create_episode(
        client, auth, "Markdown notes", show_notes=MARKDOWN_NOTES, show_notes_format="markdown"
    )
    assert "<h2>Overview</h2>" in episode["show_notes_html"]  # "#" is not lost on the page
    assert "<blockquote>" in episode["show_notes_html"]
    item = items(feed_xml(client))[0]
    allowed = {"p", "ol", "ul", "li", "a", "b", "i", "em", "strong"}
    for field in ("description", "content:encoded"):
        notes = lxml.html.fragment_fromstring(text(item, field) or "", create_parent="div")
        assert {e.tag for e in notes.iterdescendants()} <= allowed, field
        bold = [p.text_content() for p in notes.xpath("p[b and count(node()) = 1]")]
        assert bold == ["Overview", "Guests"], field
        paragraphs = [" ".join(p.text_content().split()) for p in notes.findall("p")]
        assert "Intro with bold, it, code and a link." in paragraphs
        assert "A quote" in paragraphs and "a <code> block" in paragraphs
        assert "line one line two line three" in paragraphs
        assert notes.xpath("string(.//a/@href)") == "https://example.org/x"
        assert notes.xpath("ol/li/text()") == ["first"] and notes.xpath("ul/li/text()") == [
            "Dr Amina Shah"
        ]


def test_guid_stays_after_edits(
    client: TestClient, auth: dict[str, str], published: list[dict]
) -> None:
    _older, newer = published
    root = feed_xml(client)
    before = {text(i, "guid"): text(i, "title") for i in items(root)}
    old_url = next(
        e.get("url")
        for i in items(root)
        if text(i, "guid") == newer["guid"]
        for e in i.iter("enclosure")
    )
    response = client.patch(
        f"/api/episodes/{newer['id']}",
        json={"title": "Leading through change, revisited"},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    upload_audio(client, auth, newer["id"], "speech.mp3")
    after = {text(i, "guid"): text(i, "title") for i in items(feed_xml(client))}
    assert after.keys() == before.keys()
    assert after[newer["guid"]] == "Leading through change, revisited"
    item = next(i for i in items(feed_xml(client)) if text(i, "guid") == newer["guid"])
    enclosure = item.find("enclosure")
    assert enclosure is not None
    version = hashlib.sha256((FIXTURES / "speech.mp3").read_bytes()).hexdigest()[:10]
    new_url = f"{BASE}/media/{newer['slug']}.{version}.mp3"
    assert enclosure.get("url") == new_url != old_url, "new audio, new URL: no stale caches"
    assert enclosure.get("length") == str(SPEECH_BYTES)


def test_unpublish_and_delete_leave_the_feed(
    client: TestClient, auth: dict[str, str], published: list[dict]
) -> None:
    older, newer = published
    assert client.post(f"/api/episodes/{newer['id']}/unpublish", headers=auth).status_code == 200
    assert item_titles(client) == ["Compassionate leadership"]
    assert client.delete(f"/api/episodes/{older['id']}", headers=auth).status_code == 204
    assert item_titles(client) == []


def test_no_stored_transcript_no_lookup(
    client: TestClient, published: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a stored transcript in the feed, the lookup (a savepoint and a query) is left
    out (``has_transcripts``)."""
    calls: list[object] = []
    monkeypatch.setattr(feed_data, "feed_transcripts", lambda *args: calls.append(args))
    client.app.state.feed_cache.invalidate()  # type: ignore[attr-defined]
    assert len(items(feed_xml(client))) == 2
    assert calls == []


def test_transcript_hook(
    client: TestClient,
    auth: dict[str, str],
    published: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transcripts package fills ``feed_transcripts``; the feed writes what it returns."""
    older, _newer = published
    put_transcript(client, auth, older["id"], vtt((0, 1, "Hello.")))  # one is stored

    def found(_session: object, episodes: list, base_url: str) -> FeedTranscripts:
        assert {e.id for e in episodes} == {p["id"] for p in published}
        assert all(e.slug for e in episodes)
        url = f"{base_url}/episodes/{older['slug']}/transcript"
        links = [
            TranscriptLink(f"{url}.vtt", "text/vtt", "en-GB", "captions"),
            TranscriptLink(f"{url}.srt", "application/x-subrip", "en-GB"),
        ]
        return FeedTranscripts({older["id"]: links}, set())

    monkeypatch.setattr(feed_data, "feed_transcripts", found)
    client.app.state.feed_cache.invalidate()  # type: ignore[attr-defined]
    root = feed_xml(client)
    first, second = items(root)
    assert first.find("podcast:transcript", NS) is None
    tags = second.findall("podcast:transcript", NS)
    assert [dict(t.attrib) for t in tags] == [
        {
            "url": f"{BASE}/episodes/{older['slug']}/transcript.vtt",
            "type": "text/vtt",
            "language": "en-GB",
            "rel": "captions",
        },
        {
            "url": f"{BASE}/episodes/{older['slug']}/transcript.srt",
            "type": "application/x-subrip",
            "language": "en-GB",
        },
    ]


def test_control_characters_do_not_break_the_feed(client: TestClient, auth: dict[str, str]) -> None:
    create_episode(client, auth, "Bell\x07 in the title", summary="A\x0bsummary")
    item = items(feed_xml(client))[0]
    assert text(item, "title") == "Bell in the title"
    assert text(item, "description") == "<p>Asummary</p>"


HOSTILE_SUMMARY = 'Leading <for> change & growth <img src=x onerror=alert(1)> "quoted" it\'s'


def test_a_plain_summary_is_text_for_every_reader(client: TestClient, auth: dict[str, str]) -> None:
    """Apps render <description> as HTML: a summary's markup must arrive as text."""
    create_episode(client, auth, "Hostile summary", summary=HOSTILE_SUMMARY)
    body = client.get("/feed.xml").content
    item = items(etree.fromstring(body))[0]
    description = text(item, "description") or ""
    assert description.startswith("<p>") and description.endswith("</p>")
    assert "<img" not in description and "<for>" not in description
    paragraph = etree.fromstring(description)  # one element, no children: no live markup
    assert (paragraph.tag, len(paragraph), paragraph.text) == ("p", 0, HOSTILE_SUMMARY)

    episode = podcastparser.parse(FEED_URL, io.BytesIO(body))["episodes"][0]
    assert episode["description"] == HOSTILE_SUMMARY
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    summary = parsed.entries[0].summary
    assert "<img" not in summary
    assert lxml.html.fragment_fromstring(summary, create_parent="div").text_content() == (
        HOSTILE_SUMMARY
    )


def test_a_plain_show_description_is_text_for_every_reader(
    client: TestClient, auth: dict[str, str]
) -> None:
    """The channel's <description> too: escaped HTML in one <p>, the exact text for both."""
    response = client.patch("/api/show", json={"description": HOSTILE_SUMMARY}, headers=auth)
    assert response.status_code == 200, response.text
    body = client.get("/feed.xml").content
    description = text(etree.fromstring(body).find("channel"), "description") or ""
    paragraph = etree.fromstring(description)
    assert (paragraph.tag, len(paragraph), paragraph.text) == ("p", 0, HOSTILE_SUMMARY)
    assert b"<description><![CDATA[<p>Leading &lt;for&gt; change &amp; growth" in body

    def read_as_html(value: str) -> str:
        return lxml.html.fragment_fromstring(value, create_parent="div").text_content()

    assert read_as_html(podcastparser.parse(FEED_URL, io.BytesIO(body))["description"]) == (
        HOSTILE_SUMMARY
    )
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert parsed.feed.subtitle_detail.type == "text/html"
    assert read_as_html(parsed.feed.subtitle) == HOSTILE_SUMMARY


def test_a_long_plain_summary_is_cut_after_escaping(
    client: TestClient, auth: dict[str, str]
) -> None:
    summary = "Fish & chips <tag> " * 200  # 3,800 characters, 5,800 bytes once escaped
    create_episode(client, auth, "Long summary", summary=summary.strip())
    item = items(feed_xml(client))[0]
    description = text(item, "description") or ""
    assert len(description.encode()) <= 4000
    assert etree.fromstring(description).text.endswith("…")


def test_empty_feed_is_valid(client: TestClient) -> None:
    body = client.get("/feed.xml").content
    assert podcastparser.parse(FEED_URL, io.BytesIO(body))["episodes"] == []
    assert feedparser.parse(body).bozo == 0


def test_item_columns_are_labelled_with_feed_item_fields() -> None:
    """Rows become FeedItems by column name, so every selected column names a field."""
    from dataclasses import fields

    labels = [column.name for column in feed_data._ITEM_COLUMNS]
    assert len(set(labels)) == len(labels)
    derived = {"show_id", "transcripts", "unchecked_transcript", "chapters"}  # set later
    assert set(labels) == {f.name for f in fields(feed_data.FeedItem)} - derived
