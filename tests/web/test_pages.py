"""Public pages without a browser: statuses, headings, landmarks, links, escaping."""

from __future__ import annotations

import json
from datetime import timedelta

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from podcast.core.db import session_scope
from podcast.core.timecodes import parse_start
from tests.conftest import NOW
from tests.factories import create_episode
from tests.web.helpers import (
    check_links,
    check_structure,
    h1,
    parse,
    put_transcript,
    sign_in,
    text_of,
)

FEED_URL = "https://podcast.example.org/feed.xml"
HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def test_index_without_episodes(web: TestClient) -> None:
    response = web.get("/")
    assert response.status_code == 200
    doc = parse(response)
    check_structure(doc)
    assert doc.get("lang") == "en-GB"
    assert h1(doc) == "Leadership Live"
    assert "No episodes have been published yet" in text_of(doc.xpath("//main")[0])
    assert doc.xpath("//input[@id='feed-url']/@value") == ["https://podcast.example.org/feed.xml"]
    assert doc.xpath("//link[@rel='alternate'][@type='application/rss+xml']/@href") == ["/feed.xml"]
    check_links(web, doc)


def test_index_lists_published_newest_first_and_pages(
    web: TestClient, auth: dict[str, str]
) -> None:
    for number in range(1, 13):
        at = (NOW - timedelta(days=13 - number)).isoformat()
        create_episode(web, auth, title=f"Episode {number}", episode_number=number, at=at)
    create_episode(web, auth, title="A draft", publish=False)
    create_episode(web, auth, title="Next week", at=(NOW + timedelta(days=7)).isoformat())

    first = parse(web.get("/"))
    check_structure(first)
    titles = [text_of(a) for a in first.xpath("//ol[@class='episode-list']//h3/a")]
    assert titles == [f"Episode {n}" for n in range(12, 2, -1)]
    assert "Page 1 of 2" in text_of(first.xpath("//nav[@aria-label='Episode pages']")[0])
    assert first.xpath("//a[@rel='next']/@href") == ["/?page=2"]
    check_links(web, first)

    second = parse(web.get("/?page=2"))
    assert [text_of(a) for a in second.xpath("//ol[@class='episode-list']//h3/a")] == [
        "Episode 2",
        "Episode 1",
    ]
    assert second.xpath("//a[@rel='prev']/@href") == ["/"]
    for bad in ("3", "0", "abc", "-1"):
        missing = web.get(f"/?page={bad}")
        assert missing.status_code == 404
        assert h1(parse(missing)) == "Page not found"


def _subscribe(doc: lxml.html.HtmlElement) -> dict[str, str | None]:
    box = doc.xpath("//section[@class='subscribe']")[0]
    links = box.xpath(".//ul[@class='subscribe-links']")[0]
    # A labelled list: its label says what the links do; each link names its app.
    label = doc.xpath(f"//*[@id='{links.get('aria-labelledby')}']")[0]
    assert "podcast app" in text_of(label)
    return {text_of(a): a.get("href") for a in links.xpath(".//a")}


def test_subscribe_box_without_directory_ids(web: TestClient) -> None:
    """Before the show is listed: AntennaPod (which takes the feed URL), the feed address to
    select and copy (no JavaScript needed; the copy button only appears with it) and a link."""
    doc = parse(web.get("/"))
    check_structure(doc)
    assert _subscribe(doc) == {
        "AntennaPod": "https://antennapod.org/deeplink/subscribe?url="
        "https%3A%2F%2Fpodcast.example.org%2Ffeed.xml"
    }
    field = doc.xpath("//input[@id='feed-url']")[0]
    assert field.get("readonly") is not None and field.get("value") == FEED_URL
    assert "copy the feed address" in text_of(doc.xpath("//label[@for='feed-url']")[0])
    assert doc.xpath("//button[@data-copy='feed-url']")[0].get("hidden") is not None
    assert doc.xpath("//section[@class='subscribe']//a[text()='the RSS feed']/@href") == [FEED_URL]


def test_subscribe_box_with_directory_ids(web: TestClient, auth: dict[str, str]) -> None:
    body = {
        "apple_podcasts_id": "https://podcasts.apple.com/gb/podcast/leadership-live/id1234567890",
        "spotify_show_id": "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk?si=x",
    }
    assert web.patch("/api/show", json=body, headers=auth).status_code == 200
    doc = parse(web.get("/"))
    check_structure(doc)
    links = _subscribe(doc)
    assert list(links) == ["Apple Podcasts", "Spotify", "Pocket Casts", "Overcast", "AntennaPod"]
    assert links["Apple Podcasts"] == "https://podcasts.apple.com/podcast/id1234567890"
    assert links["Spotify"] == "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk"
    assert links["Pocket Casts"] == "https://pca.st/itunes/1234567890"
    assert links["Overcast"] == "https://overcast.fm/itunes1234567890"


def test_subscribe_links_are_configurable(web: TestClient) -> None:
    """PODCAST_SUBSCRIBE_LINKS add other directories after the apps; a name the show's ids
    already cover is not repeated."""
    from podcast.core.settings import WebSettings

    web.app.state.settings.web = WebSettings(  # type: ignore[attr-defined]
        subscribe_links=[
            {"name": "YouTube Music", "url": "https://music.youtube.com/x"},
            {"name": "antennapod", "url": "https://example.org/other"},
        ],
        _env_file=None,
    )
    web.app.state.web = None  # type: ignore[attr-defined]
    links = _subscribe(parse(web.get("/")))
    assert list(links) == ["AntennaPod", "YouTube Music"]
    assert links["YouTube Music"] == "https://music.youtube.com/x"


def test_stored_ids_that_are_not_ids_make_no_links(web: TestClient) -> None:
    """Written around the API (an old row, a hand edit): never rendered as a link."""
    from podcast.shows.models import Show

    with session_scope(web.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        show = session.scalars(select(Show)).one()
        show.apple_podcasts_id = "javascript:alert(1)"
        show.spotify_show_id = 'x" onmouseover="alert(1)'
    doc = parse(web.get("/"))
    assert list(_subscribe(doc)) == ["AntennaPod"]
    assert "alert" not in web.get("/").text


def test_episode_page(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(
        web,
        auth,
        title="Compassionate leadership",
        summary="Michael West on compassion.",
        show_notes="Read [the report](https://example.org/report).",
        show_notes_format="markdown",
        season=2,
        episode_number=3,
        people=[{"name": "Michael West", "role": "guest", "href": "https://example.org/mw"}],
        audio="speech.mp3",
    )
    response = web.get(f"/episodes/{episode['slug']}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    doc = parse(response)
    check_structure(doc)
    assert h1(doc) == "Compassionate leadership"
    meta = text_of(doc.xpath("//header[@class='episode-header']//p[@class='meta']")[0])
    assert "Season 2, episode 3" in meta and "26 November 2026" in meta
    audio = doc.xpath("//audio")[0]
    assert audio.get("preload") == "metadata" and audio.get("controls") is not None
    version = episode["audio"]["sha256"][:10]  # replaced audio, new URL
    assert audio.get("src") == f"/media/{episode['slug']}.{version}.mp3"
    assert doc.xpath("//section[@aria-labelledby='people-heading']//a/@href") == [
        "https://example.org/mw"
    ]
    notes = doc.xpath("//div[@class='notes']//a")[0]
    assert notes.get("href") == "https://example.org/report"
    # speech.mp3 carries two ID3 chapters: each is a link that seeks.
    chapters = doc.xpath("//ol[@class='chapters']//a[@class='seek']/@href")
    assert chapters and all(h.startswith("#t=") for h in chapters)
    ld = json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)
    assert ld["@type"] == "PodcastEpisode"
    assert ld["name"] == "Compassionate leadership"
    assert ld["episodeNumber"] == 3 and ld["partOfSeason"]["seasonNumber"] == 2
    assert ld["associatedMedia"]["contentUrl"] == (
        f"https://podcast.example.org/media/{episode['slug']}.{version}.mp3"
    )
    og = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    assert og["og:title"] == "Compassionate leadership"
    assert og["og:url"] == f"https://podcast.example.org/episodes/{episode['slug']}"
    assert og["og:audio"].endswith(".mp3")
    check_links(web, doc)


@pytest.mark.parametrize(
    ("query", "fragment"), [("12:34", "#t=754"), ("754", "#t=754"), ("1h2m3s", "#t=3723")]
)
def test_deep_link_sets_the_media_fragment(
    web: TestClient, auth: dict[str, str], query: str, fragment: str
) -> None:
    episode = create_episode(web, auth)
    doc = parse(web.get(f"/episodes/{episode['slug']}?t={query}"))
    version = episode["audio"]["sha256"][:10]
    assert doc.xpath("//audio/@src") == [f"/media/{episode['slug']}.{version}.mp3{fragment}"]
    assert "The player starts at" in text_of(doc.xpath("//main")[0])


def test_unreadable_deep_link_is_ignored(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth)
    response = web.get(f"/episodes/{episode['slug']}?t=soon")
    assert response.status_code == 200
    version = episode["audio"]["sha256"][:10]
    assert parse(response).xpath("//audio/@src") == [f"/media/{episode['slug']}.{version}.mp3"]


def test_parse_start() -> None:
    assert parse_start("12:34") == 754
    assert parse_start("1:02:03") == 3723
    assert parse_start("75:10") == 4510
    assert parse_start("754.5") == 754.5
    assert parse_start("2m") == 120
    for bad in ("", "x", "12:75", "1:75:00", "-3", "1e9", "999999999"):
        assert parse_start(bad) is None


def test_drafts_and_scheduled_are_404_except_for_producers(
    web: TestClient, auth: dict[str, str], token: str
) -> None:
    draft = create_episode(web, auth, title="Draft one", publish=False)
    later = create_episode(web, auth, title="Later", at=(NOW + timedelta(days=1)).isoformat())
    for slug in (draft["slug"], later["slug"], "no-such-episode"):
        response = web.get(f"/episodes/{slug}")
        assert response.status_code == 404
        assert h1(parse(response)) == "Page not found"
        assert "Draft one" not in response.text
    sign_in(web, token)
    response = web.get(f"/episodes/{draft['slug']}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    doc = parse(response)
    assert "only signed-in producers can see this page" in text_of(doc.xpath("//main")[0])
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert "goes live on 27 November 2026" in web.get(f"/episodes/{later['slug']}").text


def test_hostile_text_is_escaped_everywhere(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(
        web,
        auth,
        title=f"Title {HOSTILE}",
        summary=f"Summary {HOSTILE}",
        show_notes=f'<p>Notes</p>{HOSTILE}<a href="javascript:window.__pwned=3">x</a>',
        people=[{"name": f"Name {HOSTILE}", "role": "guest"}],
        keywords=[HOSTILE[:60]],
    )
    for path in (f"/episodes/{episode['slug']}", "/", "/search?q=Title"):
        response = web.get(path)
        assert response.status_code == 200
        doc = parse(response)
        scripts = doc.xpath("//script")
        assert all(s.get("src") or s.get("type") == "application/ld+json" for s in scripts)
        assert not doc.xpath("//img[@onerror] | //*[@onerror]")
        assert not [h for h in doc.xpath("//a/@href") if h.lower().startswith("javascript:")]
        assert "window.__pwned=1</script>" not in response.text
    page = parse(web.get(f"/episodes/{episode['slug']}"))
    ld_text = page.xpath("//script[@type='application/ld+json']")[0].text
    assert "</" not in ld_text and "<" not in ld_text
    assert json.loads(ld_text)["name"] == f"Title {HOSTILE}"
    assert h1(page) == f"Title {HOSTILE}"


def test_search_page(web: TestClient, auth: dict[str, str]) -> None:
    create_episode(web, auth, title="Compassionate leadership", summary="Kindness at work.")
    create_episode(web, auth, title="A hidden draft on compassionate care", publish=False)
    empty = web.get("/search")
    assert empty.status_code == 200
    doc = parse(empty)
    check_structure(doc)
    assert doc.xpath("//form[@role='search']/@action") == ["/search"]
    found = parse(web.get("/search?q=compassionate"))
    check_structure(found)
    titles = [text_of(a) for a in found.xpath("//ol[@class='results']//h3/a")]
    assert titles == ["Compassionate leadership"]
    check_links(web, found)
    nothing = parse(web.get("/search?q=zebra"))
    assert "Nothing found" in text_of(nothing.xpath("//main")[0])


def test_head_and_statics(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth)
    for path in ("/", f"/episodes/{episode['slug']}", "/search"):
        response = web.head(path)
        assert response.status_code == 200 and response.content == b""
    doc = parse(web.get("/"))
    for href in doc.xpath("//link[@rel='stylesheet']/@href | //script/@src"):
        assert "?v=" in href
        assert web.get(href).status_code == 200


def test_episode_page_with_transcripts(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth, title="With a transcript", audio="speech.mp3")
    put_transcript(web, auth, episode["id"])
    put_transcript(
        web, auth, episode["id"], "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nCroeso.\n", "cy"
    )
    doc = parse(web.get(f"/episodes/{episode['slug']}"))
    check_structure(doc)
    sections = doc.xpath("//section[@class='transcript-section']")
    assert [text_of(s.xpath(".//h2")[0]) for s in sections] == [
        "Transcript (English)",
        "Transcript (Welsh)",
    ]
    english, welsh = sections
    transcript = english.xpath(".//ol[@class='transcript']")[0]
    assert transcript.get("lang") == "en-GB"
    cues = transcript.xpath("./li")
    assert [c.get("data-start") for c in cues] == ["0.0", "1.5", "3.0"]
    assert [c.xpath("string(.//a[contains(@class,'cue-time')]/@href)") for c in cues] == [
        "#t=0",
        "#t=1.5",
        "#t=3",
    ]
    # The speaker is named when it changes, as in a printed transcript.
    assert [c.xpath("string(.//p[@class='speaker'])") for c in cues] == [
        "Lorna Krisson",
        "",
        "Michael West",
    ]
    assert "compassionate leadership" in text_of(cues[1])
    downloads = english.xpath(".//ul[@class='downloads']//a/@href")
    assert [d.rsplit(".", 1)[1] for d in downloads] == ["vtt", "srt", "json", "txt", "html"]
    assert welsh.xpath(".//ol/@lang") == ["cy"]
    assert welsh.xpath(".//ul[@class='downloads']//a/@href")[0].endswith("transcript.vtt?lang=cy")
    for href in downloads + welsh.xpath(".//ul[@class='downloads']//a/@href"):
        assert web.get(href).status_code == 200, href


def test_untimed_transcript_offers_text_and_html_only(
    web: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth)
    put_transcript(
        web, auth, episode["id"], "Just words.\n\nMore words.\n", media_type="text/plain"
    )
    doc = parse(web.get(f"/episodes/{episode['slug']}"))
    assert not doc.xpath("//ol[@class='transcript']//a")
    assert [h.rsplit(".", 1)[1] for h in doc.xpath("//ul[@class='downloads']//a/@href")] == [
        "txt",
        "html",
    ]


def test_hostile_transcript_is_escaped(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth)
    put_transcript(
        web,
        auth,
        episode["id"],
        f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v {HOSTILE[:40]}>{HOSTILE}\n",
    )
    response = web.get(f"/episodes/{episode['slug']}")
    doc = parse(response)
    assert all(
        s.get("src") or s.get("type") == "application/ld+json" for s in doc.xpath("//script")
    )
    assert not doc.xpath("//*[@onerror]")
    assert "window.__pwned=1" in text_of(doc.xpath("//ol[@class='transcript']")[0])


def test_search_links_to_the_moment(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth, title="Kindness at work", audio="speech.mp3")
    put_transcript(web, auth, episode["id"])
    doc = parse(web.get("/search?q=compassionate"))
    check_structure(doc)
    result = doc.xpath("//ol[@class='results']/li")[0]
    assert text_of(result.xpath(".//h3")[0]) == "Kindness at work"
    moment = result.xpath(".//ul[@class='moments']/li")[0]
    assert moment.xpath(".//a/@href") == [f"/episodes/{episode['slug']}?t=1.5"]
    assert moment.xpath(".//mark") and "Lorna Krisson" in text_of(moment)
    check_links(web, doc)


def test_durations_read_the_same_everywhere(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    """The page writes an episode's length as the audio player does (whole seconds counted
    down: speech.mp3's 5.198 s is 0:05), with the same seconds in ``<time datetime>``,
    JSON-LD, the feed's itunes:duration and the producer area."""
    episode = create_episode(web, auth, title="Timed", audio="speech.mp3")
    seconds = episode["audio"]["duration"]
    assert 5 < seconds < 6
    page = parse(web.get(f"/episodes/{episode['slug']}"))
    meta = page.xpath("//header[@class='episode-header']//time[@datetime='PT5S']")
    assert [text_of(t) for t in meta] == ["0:05"]
    assert "Duration" in text_of(meta[0].getparent())  # named for screen readers
    home = parse(web.get("/"))
    assert [
        text_of(t) for t in home.xpath("//ol[@class='episode-list']//time[@datetime='PT5S']")
    ] == ["0:05"]
    ld = json.loads(page.xpath("//script[@type='application/ld+json']")[0].text)
    assert ld["timeRequired"] == "PT5S"
    assert "<itunes:duration>5</itunes:duration>" in web.get("/feed.xml").text
    listing = parse(web.get("/admin"))
    assert "0:05" in text_of(listing.xpath("//main")[0])
