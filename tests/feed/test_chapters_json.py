"""``/episodes/{slug}/chapters.json``: Podcasting 2.0 JSON chapters of public episodes (and,
for producers, of drafts and scheduled ones)."""

from __future__ import annotations

import gzip
import io
from datetime import timedelta

import podcastparser
from fastapi.testclient import TestClient

from tests.conftest import NOW
from tests.factories import create_episode
from tests.feed.support import BASE, FEED_URL, NS, feed_xml, items


def test_chapters_from_the_audio(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "With chapters", audio="speech.mp3")
    url = f"/episodes/{episode['slug']}/chapters.json"
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json+chapters"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "public, max-age=300"
    document = response.json()
    assert document["version"] == "1.2.0"
    assert document["title"] == "With chapters"
    assert document["podcastName"] == "Leadership Live"
    chapters = document["chapters"]
    assert [c["title"] for c in chapters] == ["Welcome", "Leadership Live", "The Academy"]
    assert [c["startTime"] for c in chapters] == [0, 1.7, 3.4]
    assert [c["endTime"] for c in chapters] == [1.7, 3.4, 5.13]
    assert chapters[1]["url"] == "https://example.org/leadership-live/welcome"
    assert chapters[2]["img"].startswith(f"{BASE}/images/")
    assert chapters[2]["img"].endswith(".jpg")
    assert "img" not in chapters[0] and "url" not in chapters[0]
    assert client.get(chapters[2]["img"].removeprefix(BASE)).status_code == 200

    # The feed links exactly this file.
    item = items(feed_xml(client))[0]
    link = item.find("podcast:chapters", NS)
    assert link is not None and link.get("url") == f"{BASE}{url}"


def test_conditional_and_head(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Validators", audio="speech.mp3")
    url = f"/episodes/{episode['slug']}/chapters.json"
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == etag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]
    assert head.headers["etag"] == etag


def test_gzip_when_accepted(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Compressed chapters", audio="speech.mp3")
    url = f"/episodes/{episode['slug']}/chapters.json"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
        headers = response.headers
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == plain.content
    assert headers["etag"] != plain.headers["etag"]
    cached = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert cached.status_code == 304


def test_only_public_episodes_with_chapters(client: TestClient, auth: dict[str, str]) -> None:
    draft = create_episode(client, auth, "Draft", audio="speech.mp3", publish=False)
    scheduled = create_episode(
        client, auth, "Later", audio="speech.mp3", at=NOW + timedelta(days=1)
    )
    plain = create_episode(client, auth, "No chapters", audio="plain.mp3")
    for slug in (draft["slug"], scheduled["slug"], plain["slug"], "no-such-episode"):
        response = client.get(f"/episodes/{slug}/chapters.json")
        assert response.status_code == 404, slug
        assert response.json() == {"detail": "no chapters for this episode"}
    # Producers see drafts' chapters, as their audio and transcripts, never from a cache.
    for slug in (draft["slug"], scheduled["slug"]):
        response = client.get(f"/episodes/{slug}/chapters.json", headers=auth)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
    assert client.get(f"/episodes/{plain['slug']}/chapters.json", headers=auth).status_code == 404


def test_podlove_simple_chapters_for_gpodder(client: TestClient, auth: dict[str, str]) -> None:
    """gPodder's podcastparser reads psc:chapters (it knows podcast: only under an old URI):
    the same chapters as the JSON file, with links and images; the podcast namespace is
    declared once."""
    episode = create_episode(client, auth, "With chapters", audio="speech.mp3")
    create_episode(client, auth, "No chapters", audio="plain.mp3")
    body = client.get("/feed.xml").content
    assert body.count(b"xmlns:psc=") == 1 and body.count(b"xmlns:podcast=") == 1
    without, with_chapters = sorted(items(feed_xml(client)), key=lambda i: i.findtext("title"))
    assert without.find("psc:chapters", NS) is None
    container = with_chapters.find("psc:chapters", NS)
    assert container is not None and container.get("version") == "1.2"
    assert [c.get("start") for c in container] == ["00:00:00.000", "00:00:01.700", "00:00:03.400"]

    parsed = podcastparser.parse(FEED_URL, io.BytesIO(body))
    by_title = {e["title"]: e for e in parsed["episodes"]}
    assert "chapters" not in by_title["No chapters"]
    chapters = by_title["With chapters"]["chapters"]
    document = client.get(f"/episodes/{episode['slug']}/chapters.json").json()["chapters"]
    assert [c["title"] for c in chapters] == [c["title"] for c in document]
    assert [c["start"] for c in chapters] == [int(c["startTime"]) for c in document]
    assert chapters[1]["href"] == document[1]["url"]
    assert chapters[2]["image"] == document[2]["img"]
    assert "href" not in chapters[0] and "image" not in chapters[0]
