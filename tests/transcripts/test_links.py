"""The contract with the feed: ``transcript_links`` and the podcast:transcript tags it yields."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree

from episodes.models import Episode
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from tests.factories import create_episode
from tests.transcripts.support import corpus_file, put_transcript, vtt
from transcripts.links import TranscriptLink, language_order, transcript_links

BASE = "https://podcast.example.org"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"


def _links(client: TestClient, *episode_ids: int) -> dict[int, list[TranscriptLink]]:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        episodes = [session.get(Episode, i) for i in episode_ids]
        return transcript_links(session, [e for e in episodes if e is not None], BASE)


def test_every_format_for_every_language(client: TestClient, auth: dict[str, str]) -> None:
    """The show's language (en-GB) first, though ``cy`` sorts before it; within a language:
    JSON, VTT, SRT, HTML (the registry's ``feed_order``, issue 14)."""
    episode = create_episode(client, auth, "Bilingual")
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello.")))
    put_transcript(client, auth, episode["id"], corpus_file("good/welsh.vtt"), language="cy")
    page = f"{BASE}/episodes/{episode['slug']}"
    assert _links(client, episode["id"])[episode["id"]] == [
        TranscriptLink(f"{page}/transcript.json", "application/json", "en-GB"),
        TranscriptLink(f"{page}/transcript.vtt", "text/vtt", "en-GB", "captions"),
        TranscriptLink(f"{page}/transcript.srt", "application/x-subrip", "en-GB"),
        TranscriptLink(f"{page}/transcript.html", "text/html", "en-GB"),
        TranscriptLink(f"{page}/transcript.json?lang=cy", "application/json", "cy"),
        TranscriptLink(f"{page}/transcript.vtt?lang=cy", "text/vtt", "cy", "captions"),
        TranscriptLink(f"{page}/transcript.srt?lang=cy", "application/x-subrip", "cy"),
        TranscriptLink(f"{page}/transcript.html?lang=cy", "text/html", "cy"),
    ]


def test_untimed_gets_html_only_and_bare_episodes_nothing(
    client: TestClient, auth: dict[str, str]
) -> None:
    untimed = create_episode(client, auth, "Untimed")
    put_transcript(
        client, auth, untimed["id"], corpus_file("good/untimed.txt"), media_type="text/plain"
    )
    bare = create_episode(client, auth, "Bare")
    links = _links(client, untimed["id"], bare["id"])
    assert [(link.type, link.rel) for link in links[untimed["id"]]] == [("text/html", None)]
    assert links.get(bare["id"], []) == []
    assert _links(client) == {}


def test_every_link_is_served_with_its_type_and_cors(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, "Served")
    put_transcript(client, auth, episode["id"], corpus_file("good/interview-voices.vtt"))
    put_transcript(client, auth, episode["id"], corpus_file("good/welsh.vtt"), language="cy")
    links = _links(client, episode["id"])[episode["id"]]
    assert len(links) == 8
    for link in links:
        response = client.get(link.url.removeprefix(BASE))
        assert response.status_code == 200, link.url
        assert response.headers["content-type"].split(";")[0] == link.type
        assert response.headers["content-language"] == link.language
        assert response.headers["access-control-allow-origin"] == "*"


def test_the_feed_lists_the_transcripts(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    episode = create_episode(client, auth, "In the feed")
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello.")))
    feed = client.get("/feed.xml")
    assert feed.status_code == 200
    root = etree.fromstring(feed.content)
    tags = root.findall(f".//item/{{{PODCAST_NS}}}transcript")
    assert [(t.get("type"), t.get("language"), t.get("rel")) for t in tags] == [
        ("application/json", "en-GB", None),
        ("text/vtt", "en-GB", "captions"),
        ("application/x-subrip", "en-GB", None),
        ("text/html", "en-GB", None),
    ]
    assert tags[1].get("url") == f"{BASE}/episodes/{episode['slug']}/transcript.vtt"
    before = feed.headers["etag"]
    clock.advance(timedelta(seconds=1))
    put_transcript(client, auth, episode["id"], corpus_file("good/welsh.vtt"), language="cy")
    again = client.get("/feed.xml")
    assert again.headers["etag"] != before, "a new language bumps updated_at, so the feed changes"
    languages = [t.get("language") for t in etree.fromstring(again.content).iter(tags[0].tag)]
    assert languages == ["en-GB"] * 4 + ["cy"] * 4, "the show's language first (AntennaPod)"


def test_show_language_then_its_variants_then_the_rest() -> None:
    languages = ["cy", "en-US", "fr", "en-GB", "de"]
    ordered = sorted(languages, key=lambda tag: language_order(tag, "en-gb"))
    assert ordered == ["en-GB", "en-US", "cy", "de", "fr"]
