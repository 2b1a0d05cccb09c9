"""Serving enclosures as podcast apps fetch them: HEAD, ranges, validators, visibility."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from podcast.core.clock import FrozenClock
from tests.conftest import FIXTURES
from tests.factories import create_episode, upload_audio

DATA = (FIXTURES / "speech.m4a").read_bytes()
SIZE = len(DATA)


@pytest.fixture
def published(client: TestClient, auth: dict[str, str]) -> dict:
    episode = client.post("/api/episodes", json={"title": "Ranges"}, headers=auth).json()
    upload_audio(client, auth, episode["id"], "speech.m4a")
    return client.post(f"/api/episodes/{episode['id']}/publish", headers=auth).json()


def _path(episode: dict) -> str:
    return episode["audio"]["url"].removeprefix("https://podcast.example.org")


def test_full_get_and_head(client: TestClient, published: dict) -> None:
    url = _path(published)
    assert url == f"/media/ranges.{hashlib.sha256(DATA).hexdigest()[:10]}.m4a"
    assert client.get("/media/ranges.m4a").content == DATA, "links made before versions"
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-type"] == "audio/x-m4a"
    assert response.headers["content-length"] == str(SIZE)
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == f'"{hashlib.sha256(DATA).hexdigest()}"'
    assert "content-encoding" not in response.headers, "audio is never compressed"
    assert "public" in response.headers["cache-control"]
    parsedate_to_datetime(response.headers["last-modified"])

    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "last-modified", "accept-ranges"):
        assert head.headers[name] == response.headers[name]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-", 100, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        (f"bytes={SIZE - 1}-{SIZE + 1000}", SIZE - 1, SIZE - 1),
        ("bytes=1000-1999", 1000, 1999),
    ],
)
def test_single_ranges(
    client: TestClient, published: dict, header: str, start: int, end: int
) -> None:
    response = client.get(_path(published), headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/{SIZE}"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.content == DATA[start : end + 1]


def test_unsatisfiable_and_odd_ranges(client: TestClient, published: dict) -> None:
    url = _path(published)
    response = client.get(url, headers={"Range": f"bytes={SIZE}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{SIZE}"
    # Units we don't know and nonsense are ignored: the whole file, as RFC 9110 allows.
    for header in ("items=0-5", "bytes=abc", "bytes=9-2"):
        ignored = client.get(url, headers={"Range": header})
        assert ignored.status_code == 200, header
        assert ignored.content == DATA
    multi = client.get(url, headers={"Range": "bytes=0-9,20-29"})
    assert multi.status_code == 206
    assert multi.headers["content-type"].startswith("multipart/byteranges")
    assert DATA[0:10] in multi.content and DATA[20:30] in multi.content


def test_conditional_requests(client: TestClient, published: dict) -> None:
    url = _path(published)
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200

    current = client.get(url, headers={"Range": "bytes=0-3", "If-Range": etag})
    assert current.status_code == 206 and current.content == DATA[:4]
    stale = client.get(url, headers={"Range": "bytes=0-3", "If-Range": '"old-version"'})
    assert stale.status_code == 200 and stale.content == DATA


def test_if_match_names_the_version_a_resume_continues(client: TestClient, published: dict) -> None:
    """RFC 9110 13.1.1: a wrong If-Match answers 412 instead of splicing other bytes onto a
    client's copy; strong comparison, lists and ``*``. Whether the index holds the episode
    (fast path) or not (route), the answer is the same."""
    url = _path(published)
    index = client.app.state.media_index  # type: ignore[attr-defined]
    etag, modified = (client.head(url).headers[h] for h in ("etag", "last-modified"))
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
    failing = [
        {"If-Match": '"old-version"'},
        {"If-Match": f"W/{etag}"},
        {"If-Match": '"old-version"', "Range": "bytes=0-9"},
        {"If-Unmodified-Since": earlier},
    ]
    for cached in (False, True):
        for headers in failing:
            if not cached:
                index.clear()
            for method in ("GET", "HEAD"):
                response = client.request(method, url, headers=headers)
                assert response.status_code == 412, (cached, headers)
            detail = client.get(url, headers=headers).json()["detail"]
            assert detail.startswith(next(iter(headers))) and etag in detail
            assert index.cached("ranges")[0]
        for headers in (
            {"If-Match": etag},
            {"If-Match": f'"old-version", {etag}'},
            {"If-Match": "*"},
            {"If-Unmodified-Since": modified},
        ):
            if not cached:
                index.clear()
            assert client.get(url, headers=headers).content == DATA, headers
        ranged = client.get(url, headers={"If-Match": etag, "Range": "bytes=0-9"})
        assert ranged.status_code == 206 and ranged.content == DATA[:10]


def test_web_players_may_fetch_ranges_from_other_origins(
    client: TestClient, published: dict
) -> None:
    """CORS: every answer an <audio> element or a fetch() can get names any origin and lets the
    script read the range headers; a preflight (a non-safelisted Range) gets 204."""
    url = _path(published)
    origin = {"Origin": "https://player.example.net"}
    etag = client.head(url).headers["etag"]
    index = client.app.state.media_index  # type: ignore[attr-defined]
    for cached in (False, True):
        if not cached:
            index.clear()
        for headers, status in (
            ({}, 200),
            ({"Range": "bytes=0-9"}, 206),
            ({"If-None-Match": etag}, 304),
            ({"Range": f"bytes={SIZE}-"}, 416),
        ):
            response = client.get(url, headers={**origin, **headers})
            assert response.status_code == status, headers
            assert response.headers["access-control-allow-origin"] == "*", (cached, headers)
            exposed = {
                h.strip() for h in response.headers["access-control-expose-headers"].split(",")
            }
            assert {"Content-Range", "Content-Length", "Accept-Ranges"} <= exposed
    preflight = client.options(
        url,
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range, if-range",
        },
    )
    assert preflight.status_code == 204 and preflight.content == b""
    assert preflight.headers["access-control-allow-origin"] == "*"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"range", "if-range"} <= {h.strip() for h in allowed.split(",")}
    assert "GET" in preflight.headers["access-control-allow-methods"]


def _plain_then_speech(client: TestClient, auth: dict[str, str]) -> tuple[str, str, bytes]:
    """An episode published with plain.mp3, then given speech.mp3: (old path, new path, new
    bytes)."""
    episode = create_episode(client, auth, "Replaced", audio="plain.mp3")
    old_url = _path(episode)
    assert client.get(old_url).status_code == 200  # in the index now
    replaced = upload_audio(client, auth, episode["id"], "speech.mp3")
    return old_url, _path(replaced), (FIXTURES / "speech.mp3").read_bytes()


def test_replaced_audio_gets_a_new_url_and_the_old_one_redirects(
    client: TestClient, auth: dict[str, str]
) -> None:
    """The enclosure URL carries a content version: replacing the audio changes it, so no
    cache serves the old bytes under the new length; the old URL answers 302 to the new one,
    from the fast path's index or the database alike, and never the old bytes."""
    old_url, new_url, new_data = _plain_then_speech(client, auth)
    index = client.app.state.media_index  # type: ignore[attr-defined]
    assert new_url == f"/media/replaced.{hashlib.sha256(new_data).hexdigest()[:10]}.mp3"
    assert new_url != old_url
    for cached in (False, True):
        if not cached:
            index.clear()
        for method in ("GET", "HEAD"):
            moved = client.request(method, old_url, follow_redirects=False)
            assert moved.status_code == 302, (cached, method)
            assert moved.headers["location"] == new_url
            assert moved.headers["cache-control"] == "no-cache"
            assert moved.headers["access-control-allow-origin"] == "*"
        answer = client.get(new_url, headers={"Range": "bytes=0-9"})
        assert answer.status_code == 206 and answer.content == new_data[:10]
        assert answer.headers["content-range"].endswith(f"/{len(new_data)}")
        assert client.get("/media/replaced.mp3").content == new_data
    feed = client.get("/feed.xml").text
    assert f'url="https://podcast.example.org{new_url}"' in feed and old_url not in feed


def test_a_replica_with_a_stale_index_serves_the_new_version(
    client: TestClient, auth: dict[str, str]
) -> None:
    """A URL naming a version the index does not know yet is looked up again, not redirected
    back to the old one (another replica replaced the audio a moment ago)."""
    index = client.app.state.media_index  # type: ignore[attr-defined]
    episode = create_episode(client, auth, "Replaced", audio="plain.mp3")
    assert client.get(_path(episode)).status_code == 200
    stale = index.cached("replaced")[1]
    replaced = upload_audio(client, auth, episode["id"], "speech.mp3")
    index.clear()
    index._entries["replaced"] = (time.monotonic() + 60, stale)  # as another replica holds it
    answer = client.get(_path(replaced), follow_redirects=False)
    assert answer.status_code == 200
    assert answer.content == (FIXTURES / "speech.mp3").read_bytes()


def test_unpublished_media_is_404_to_the_public(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    draft = client.post("/api/episodes", json={"title": "Draft"}, headers=auth).json()
    upload_audio(client, auth, draft["id"])
    assert client.get("/media/draft.mp3").status_code == 404
    assert client.head("/media/draft.mp3").status_code == 404
    assert client.get("/media/draft.mp3", headers=auth).status_code == 200, "producers preview"

    at = (clock.now() + timedelta(hours=2)).isoformat()
    client.post(f"/api/episodes/{draft['id']}/publish", json={"at": at}, headers=auth)
    assert client.get("/media/draft.mp3").status_code == 404
    clock.advance(timedelta(hours=2))
    assert client.get("/media/draft.mp3").status_code == 200

    for missing in ("/media/nothing.mp3", "/media/.mp3", "/media/draft", "/media/..%2Fpodcast.db"):
        assert client.get(missing).status_code == 404, missing


def test_ranges_over_real_http(live_server: str, published: dict) -> None:
    """Byte-exact over a real socket, as an app's downloader sees it."""
    url = f"{live_server}{_path(published)}"
    with httpx.Client() as http:
        whole = http.get(url)
        assert whole.content == DATA
        pieces = []
        for start in range(0, SIZE, 7000):
            end = min(start + 6999, SIZE - 1)
            part = http.get(url, headers={"Range": f"bytes={start}-{end}"})
            assert part.status_code == 206
            pieces.append(part.content)
        assert b"".join(pieces) == DATA
        head = http.head(url)
        assert head.status_code == 200 and head.headers["content-length"] == str(SIZE)


def test_fast_path_answers_like_the_route(client: TestClient, published: dict) -> None:
    """An index miss is answered by the FastAPI route, a hit by ``EnclosureFastPath``: both must
    send the same status, headers and bytes for every kind of request an app makes."""
    url = _path(published)
    index = client.app.state.media_index  # type: ignore[attr-defined]
    etag = client.head(url).headers["etag"]
    cases = [
        {},
        {"Range": "bytes=0-9"},
        {"Range": "bytes=-5"},
        {"Range": "bytes=100-"},
        {"Range": "bytes=0-9,20-29"},
        {"Range": f"bytes={SIZE}-"},
        {"Range": "bytes=abc"},
        {"Range": "bytes=0-3", "If-Range": '"old-version"'},
        {"If-None-Match": etag},
    ]
    for headers in cases:
        for method in ("GET", "HEAD"):
            index.clear()
            by_route = client.request(method, url, headers=headers)
            assert index.cached("ranges")[0], "the route filled the index"
            by_fast_path = client.request(method, url, headers=headers)
            expected = dict(by_route.headers)
            answered = dict(by_fast_path.headers)
            if expected.get("content-type", "").startswith("multipart/byteranges"):
                # A fresh random boundary per answer.
                for name in ("content-type", "content-length"):
                    expected.pop(name), answered.pop(name)
                assert (DATA[20:30] in by_fast_path.content) == (method == "GET")
            else:
                assert by_fast_path.content == by_route.content, (method, headers)
            assert by_fast_path.status_code == by_route.status_code, (method, headers)
            assert answered == expected, (method, headers)
