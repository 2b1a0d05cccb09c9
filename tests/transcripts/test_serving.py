"""Public transcript files: types, CORS, validators, visibility, languages and escaping."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from podcast.core.clock import FrozenClock
from tests.factories import create_episode
from tests.transcripts.support import corpus_file, put_transcript, vtt
from transcripts.service import render_cache

IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
TYPES = {
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


@pytest.fixture
def episode(client: TestClient, auth: dict[str, str]) -> dict:
    created = create_episode(client, auth, "Compassionate leadership")
    response = put_transcript(client, auth, created["id"], corpus_file("good/interview-voices.vtt"))
    assert response.status_code == 201, response.text
    return created


@pytest.mark.parametrize("extension", sorted(TYPES))
def test_get_and_head(client: TestClient, episode: dict, extension: str) -> None:
    url = f"/episodes/{episode['slug']}/transcript.{extension}"
    got = client.get(url, headers=IDENTITY)
    assert got.status_code == 200
    assert got.headers["content-type"] == TYPES[extension]
    assert got.headers["access-control-allow-origin"] == "*"
    assert got.headers["cache-control"] == "public, max-age=300"
    assert got.headers["content-language"] == "en-GB"
    etag = got.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    got.content.decode("utf-8")
    head = client.head(url, headers=IDENTITY)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "content-length", "last-modified", "cache-control"):
        assert head.headers[name] == got.headers[name], name
    assert int(head.headers["content-length"]) == len(got.content)
    again = client.get(url, headers={**IDENTITY, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = {**IDENTITY, "If-None-Match": f'"other", {etag}'}
    assert client.head(url, headers=other).status_code == 304
    since = client.get(url, headers={"If-Modified-Since": got.headers["last-modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize("extension", sorted(TYPES))
def test_gzip_when_accepted(client: TestClient, episode: dict, extension: str) -> None:
    """Text compresses well: gzip when the client accepts it, with its own strong ETag; the
    compressed bytes are made once and cached like the rendering."""
    url = f"/episodes/{episode['slug']}/transcript.{extension}"
    plain = client.get(url, headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    with client.stream("GET", url, headers=GZIP) as response:
        raw = b"".join(response.iter_raw())
        headers = response.headers
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(raw) == plain.content
    assert int(headers["content-length"]) == len(raw) < len(plain.content)
    assert headers["etag"] not in (plain.headers["etag"], f"W/{plain.headers['etag']}")
    head = client.head(url, headers=GZIP)
    assert head.headers["content-length"] == headers["content-length"]
    assert head.headers["etag"] == headers["etag"]
    cached = client.get(url, headers={**GZIP, "If-None-Match": headers["etag"]})
    assert cached.status_code == 304 and cached.headers["etag"] == headers["etag"]
    for refused in ("identity", "gzip;q=0", "br"):
        answer = client.get(url, headers={"Accept-Encoding": refused})
        assert "content-encoding" not in answer.headers, refused
    assert render_cache.get_or_build(headers["etag"], lambda: b"rebuilt") == raw


def test_cors_preflight(client: TestClient, episode: dict) -> None:
    for path in ("transcript.vtt", "transcript.json?lang=cy", "chapters.json"):
        url = f"/episodes/{episode['slug']}/{path}"
        answer = client.options(
            url,
            headers={
                "Origin": "https://player.example.net",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        assert answer.status_code == 204 and answer.content == b"", path
        assert answer.headers["access-control-allow-origin"] == "*"
        methods = {m.strip() for m in answer.headers["access-control-allow-methods"].split(",")}
        assert {"GET", "HEAD"} <= methods
        allowed = answer.headers["access-control-allow-headers"].lower()
        assert "if-none-match" in allowed and "range" in allowed
        assert int(answer.headers["access-control-max-age"]) > 0


def test_rendered_content(client: TestClient, episode: dict) -> None:
    base = f"/episodes/{episode['slug']}/transcript"
    # The upload's cue identifiers, settings and <i> come back (issue 14).
    assert client.get(f"{base}.vtt").text.startswith(
        "WEBVTT\n\nintro-1\n00:00:00.000 --> 00:00:04.200 align:start position:10% line:85%\n"
        "<v Lorna Krisson>Welcome to <i>Leadership Live</i>, the podcast"
    )
    assert (
        "1\n00:00:00,000 --> 00:00:04,200\nLorna Krisson: Welcome to <i>Leadership Live</i>,"
        in client.get(f"{base}.srt").text
    )
    assert client.get(f"{base}.json").json()["version"] == "1.0.0"
    page = lxml_html.fromstring(client.get(f"{base}.html").content)
    assert page.findtext(".//title") == "Transcript: Compassionate leadership"
    assert page.find(".//article").get("lang") == "en-GB"
    assert page.findtext(".//cite") == "Lorna Krisson:"
    assert page.find(".//time").get("datetime") == "PT0S"


def test_etag_changes_with_the_transcript_and_html_with_the_title(
    client: TestClient, auth: dict[str, str], episode: dict, clock: FrozenClock
) -> None:
    base = f"/episodes/{episode['slug']}/transcript"
    before = {ext: client.get(f"{base}.{ext}").headers["etag"] for ext in TYPES}
    assert len(set(before.values())) == len(TYPES), "each representation has its own tag"
    clock.advance(timedelta(minutes=1))
    client.patch(f"/api/episodes/{episode['id']}", json={"title": "Renamed"}, headers=auth)
    renamed = {ext: client.get(f"{base}.{ext}").headers["etag"] for ext in TYPES}
    assert renamed["vtt"] == before["vtt"]
    assert renamed["html"] != before["html"]
    assert "Transcript: Renamed" in client.get(f"{base}.html").text
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Replaced.")))
    replaced = client.get(f"{base}.vtt")
    assert replaced.headers["etag"] != before["vtt"]
    assert "Replaced." in replaced.text
    assert client.get(f"{base}.vtt", headers={"If-None-Match": before["vtt"]}).status_code == 200


def test_drafts_and_scheduled_are_hidden_except_from_producers(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    draft = create_episode(client, auth, "Draft", publish=False)
    put_transcript(client, auth, draft["id"], vtt((0, 1, "Not yet.")))
    url = f"/episodes/{draft['slug']}/transcript.vtt"
    assert client.get(url).status_code == 404
    private = client.get(url, headers=auth)
    assert private.status_code == 200
    assert private.headers["cache-control"] == "private, no-store"
    future = (clock.now() + timedelta(days=1)).isoformat()
    client.post(f"/api/episodes/{draft['id']}/publish", json={"at": future}, headers=auth)
    assert client.get(url).status_code == 404
    clock.advance(timedelta(days=2))
    assert client.get(url).status_code == 200
    client.post(f"/api/episodes/{draft['id']}/unpublish", headers=auth)
    assert client.get(url).status_code == 404


def test_missing_things_are_404_with_a_reason(client: TestClient, auth: dict[str, str]) -> None:
    bare = create_episode(client, auth, "No transcript")
    none = client.get(f"/episodes/{bare['slug']}/transcript.vtt")
    assert none.status_code == 404
    assert "has no transcript" in none.json()["detail"]
    assert client.get("/episodes/nope/transcript.vtt").status_code == 404
    put_transcript(client, auth, bare["id"], vtt((0, 1, "x")))
    assert client.get(f"/episodes/{bare['slug']}/transcript.docx").status_code == 404
    missing = client.get(f"/episodes/{bare['slug']}/transcript.vtt?lang=fr")
    assert missing.status_code == 404
    assert "it has: en-GB" in missing.json()["detail"]


def test_untimed_transcripts_only_as_text_and_html(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, "Bonus")
    response = put_transcript(
        client, auth, episode["id"], corpus_file("good/untimed.txt"), media_type="text/plain"
    )
    assert response.json()["timed"] is False
    base = f"/episodes/{episode['slug']}/transcript"
    for extension in ("vtt", "srt", "json"):
        refused = client.get(f"{base}.{extension}")
        assert refused.status_code == 404
        assert "has no timestamps" in refused.json()["detail"]
        assert client.head(f"{base}.{extension}").status_code == 404
    assert client.get(f"{base}.txt").text.startswith("Lorna Krisson: Welcome to this bonus")
    page = lxml_html.fromstring(client.get(f"{base}.html").content)
    assert page.find(".//time") is None
    assert page.findtext(".//cite") == "Lorna Krisson:"


def test_languages_and_the_default(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Bilingual")
    base = f"/episodes/{episode['slug']}/transcript.txt"
    put_transcript(client, auth, episode["id"], corpus_file("good/welsh.vtt"), language="cy")
    assert "Croeso" in client.get(base).text, "the only transcript is the default"
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Welcome.")), language="en")
    # The show is en-GB: "en" is the only English one, so it is the default.
    assert client.get(base).text == "[00:00:00] Welcome.\n"
    assert "Croeso" in client.get(f"{base}?lang=cy").text
    assert "Croeso" in client.get(f"{base}?lang=CY").text
    assert "Croeso" in client.get(f"{base}?language=cy").text
    assert client.get(f"{base}?lang=en-GB").text == "[00:00:00] Welcome.\n"
    assert client.get(f"{base}?lang=en-GB").headers["content-language"] == "en"


def test_transcript_text_cannot_inject_markup(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "<b>Bold</b> & brave")
    put_transcript(
        client,
        auth,
        episode["id"],
        corpus_file("good/hostile.srt"),
        media_type="application/x-subrip",
    )
    page = client.get(f"/episodes/{episode['slug']}/transcript.html")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in page.text and "<img" not in page.text and "<b>" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert "<title>Transcript: &lt;b&gt;Bold&lt;/b&gt; &amp; brave</title>" in page.text
    tree = lxml_html.fromstring(page.content)
    assert {el.tag for el in tree.iter()} <= {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "article",
        "cite",
        "time",
        "p",
        "br",
    }
    vtt_text = client.get(f"/episodes/{episode['slug']}/transcript.vtt").text
    assert "--&gt;" in vtt_text and "&lt;script&gt;" in vtt_text
