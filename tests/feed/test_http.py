"""How ``/feed.xml`` answers podcast apps: validators and 304s, gzip, HEAD, moving the feed,
and when the cached bytes are rebuilt (scheduled episodes, changes, other replicas)."""

from __future__ import annotations

import gzip
import http.client
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from episodes.models import Episode
from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.db import make_sessionmaker, session_scope
from podcast.core.settings import Settings
from podcast.feed.cache import FeedCache
from tests.conftest import NOW
from tests.factories import create_episode
from tests.feed.support import FEED_URL, image_bytes, item_titles, put_artwork

IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


def _cache(client: TestClient) -> FeedCache:
    app = client.app
    assert isinstance(app, FastAPI)
    cache = app.state.feed_cache
    assert isinstance(cache, FeedCache)
    return cache


def test_etag_and_if_none_match(client: TestClient, auth: dict[str, str]) -> None:
    create_episode(client, auth, "First")
    first = client.get("/feed.xml", headers=IDENTITY)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, max-age=300"
    assert first.headers["access-control-allow-origin"] == "*"

    again = client.get("/feed.xml", headers={**IDENTITY, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert again.headers["vary"] == "Accept-Encoding"
    assert "content-length" not in again.headers or again.headers["content-length"] == "0"
    # Lists, weak forms and * match too (RFC 9110 13.1.2); a stale tag does not.
    for value in (f'"nope", {etag}', f"W/{etag}", "*"):
        assert client.get("/feed.xml", headers={"If-None-Match": value}).status_code == 304
    assert client.get("/feed.xml", headers={"If-None-Match": '"stale"'}).status_code == 200

    create_episode(client, auth, "Second")
    changed = client.get("/feed.xml", headers={**IDENTITY, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert b"Second" in changed.content


def test_if_modified_since(client: TestClient, auth: dict[str, str], clock: FrozenClock) -> None:
    create_episode(client, auth, "First")
    first = client.get("/feed.xml")
    modified = first.headers["last-modified"]
    assert parsedate_to_datetime(modified) == NOW
    assert client.get("/feed.xml", headers={"If-Modified-Since": modified}).status_code == 304
    later = "Fri, 27 Nov 2026 08:00:00 GMT"
    assert client.get("/feed.xml", headers={"If-Modified-Since": later}).status_code == 304
    earlier = "Wed, 25 Nov 2026 08:00:00 GMT"
    assert client.get("/feed.xml", headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get("/feed.xml", headers={"If-Modified-Since": "garbage"}).status_code == 200

    clock.advance(timedelta(hours=1))
    create_episode(client, auth, "Second")
    changed = client.get("/feed.xml", headers={"If-Modified-Since": modified})
    assert changed.status_code == 200
    assert parsedate_to_datetime(changed.headers["last-modified"]) == NOW + timedelta(hours=1)
    # If-None-Match wins over the date (RFC 9110 13.2.2).
    both = {"If-None-Match": '"stale"', "If-Modified-Since": changed.headers["last-modified"]}
    assert client.get("/feed.xml", headers=both).status_code == 200


def test_unpublishing_moves_last_modified(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    """Apps that only send If-Modified-Since (AntennaPod) must see an episode disappear."""
    create_episode(client, auth, "Stays")
    gone = create_episode(client, auth, "Goes")
    modified = client.get("/feed.xml").headers["last-modified"]
    clock.advance(timedelta(minutes=5))
    client.post(f"/api/episodes/{gone['id']}/unpublish", headers=auth)
    answer = client.get("/feed.xml", headers={"If-Modified-Since": modified})
    assert answer.status_code == 200
    assert b"Goes" not in answer.content


def test_deleting_moves_last_modified(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    create_episode(client, auth, "Stays")
    gone = create_episode(client, auth, "Deleted")
    modified = client.get("/feed.xml").headers["last-modified"]
    clock.advance(timedelta(minutes=5))
    assert client.delete(f"/api/episodes/{gone['id']}", headers=auth).status_code == 204
    answer = client.get("/feed.xml", headers={"If-Modified-Since": modified})
    assert answer.status_code == 200
    assert b"Deleted" not in answer.content
    assert answer.headers["last-modified"] != modified


def test_last_modified_follows_the_bytes(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    """Scheduling or editing what the feed does not show keeps the date, so If-Modified-Since
    pollers get 304s; moving an episode back into the future changes the bytes and the date
    (issue 14). A fresh process (another replica) agrees with the first."""
    live = create_episode(client, auth, "Live")
    first = client.get("/feed.xml")
    modified, etag = first.headers["last-modified"], first.headers["etag"]

    clock.advance(timedelta(minutes=5))
    create_episode(client, auth, "Next week", at=NOW + timedelta(days=7))
    app = client.app
    assert isinstance(app, FastAPI)
    old = _cache(client)
    replica = FeedCache(old.settings, old.clock, app.state.sessionmaker)
    assert replica.refresh().last_modified.decode() == modified
    draft = create_episode(client, auth, "Draft", publish=False)
    clock.advance(timedelta(minutes=5))
    client.patch(f"/api/episodes/{draft['id']}", json={"title": "Draft 2"}, headers=auth)
    again = client.get("/feed.xml")
    assert again.content == first.content and again.headers["etag"] == etag
    assert again.headers["last-modified"] == modified
    assert client.get("/feed.xml", headers={"If-Modified-Since": modified}).status_code == 304

    clock.advance(timedelta(minutes=5))
    response = client.post(
        f"/api/episodes/{live['id']}/publish",
        json={"at": (NOW + timedelta(days=1)).isoformat()},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    gone = client.get("/feed.xml", headers={"If-Modified-Since": modified})
    assert gone.status_code == 200 and b"<title>Live</title>" not in gone.content
    assert parsedate_to_datetime(gone.headers["last-modified"]) > parsedate_to_datetime(modified)
    assert client.get("/feed.xml", headers={"If-Modified-Since": modified}).status_code == 200


def test_moving_an_episode_into_the_future_moves_last_modified(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    """The episode's own change is left out of the fingerprint's date (it is scheduled now),
    but the bytes changed: the date becomes the rebuild's time."""
    create_episode(client, auth, "Stays")
    later = create_episode(client, auth, "Later after all")
    modified = client.get("/feed.xml").headers["last-modified"]
    clock.advance(timedelta(minutes=5))
    at = {"at": (NOW + timedelta(days=1)).isoformat()}
    assert client.post(f"/api/episodes/{later['id']}/publish", json=at, headers=auth).is_success
    answer = client.get("/feed.xml", headers={"If-Modified-Since": modified})
    assert answer.status_code == 200 and item_titles(client) == ["Stays"]
    assert parsedate_to_datetime(answer.headers["last-modified"]) == NOW + timedelta(minutes=5)


def test_gzip_from_precompressed_bytes(client: TestClient, auth: dict[str, str]) -> None:
    create_episode(client, auth, "Compressed", summary="words " * 500)
    plain = client.get("/feed.xml", headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    with client.stream("GET", "/feed.xml", headers=GZIP) as response:
        raw = b"".join(response.iter_raw())
        headers = response.headers
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(raw) < len(plain.content)
    assert gzip.decompress(raw) == plain.content
    assert headers["etag"] != plain.headers["etag"], "one strong tag per representation"
    # The gzip copy is made when the feed is built, never per request.
    assert raw is not None and _cache(client).entry.gzip_body == raw  # type: ignore[union-attr]
    for refused in ("gzip;q=0", "identity", "br", "deflate"):
        answer = client.get("/feed.xml", headers={"Accept-Encoding": refused})
        assert "content-encoding" not in answer.headers, refused
    for accepted in ("gzip, deflate", "br;q=1.0, gzip;q=0.8", "*"):
        with client.stream("GET", "/feed.xml", headers={"Accept-Encoding": accepted}) as answer:
            assert answer.headers["content-encoding"] == "gzip", accepted
    # A 304 names the representation the client has.
    etag = headers["etag"]
    not_modified = client.get("/feed.xml", headers={**GZIP, "If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.headers["etag"] == etag


def test_head_answers_like_get(client: TestClient, auth: dict[str, str]) -> None:
    """Apple HEADs the feed, the artwork and every enclosure (docs/standards.md, "HEAD")."""
    episode = create_episode(client, auth, "Headed", audio="speech.mp3")
    art = put_artwork(client, auth, image_bytes(1400)).json()["artwork_url"]
    paths = [
        "/feed.xml",
        urlsplit(art).path,
        urlsplit(episode["audio"]["url"]).path,
        urlsplit(episode["artwork"]["url"]).path,
        f"/episodes/{episode['slug']}/chapters.json",
    ]
    for path in paths:
        for headers in (IDENTITY, GZIP):
            get = client.get(path, headers=headers)
            head = client.head(path, headers=headers)
            assert get.status_code == head.status_code == 200, path
            assert head.content == b""
            drop = {"date"}
            assert {k: v for k, v in head.headers.items() if k not in drop} == {
                k: v for k, v in get.headers.items() if k not in drop
            }, path


def test_other_methods_are_refused(client: TestClient) -> None:
    response = client.post("/feed.xml")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"


def test_a_web_player_s_preflight_is_answered(client: TestClient) -> None:
    """A conditional GET from another origin (If-None-Match is not a safelisted header) is
    preflighted; the feed allows it like the media and transcripts do."""
    response = client.options(
        "/feed.xml",
        headers={
            "Origin": "https://player.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204 and response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert "If-None-Match" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert response.headers["strict-transport-security"].startswith("max-age=")  # https base


def test_scheduled_episode_appears_on_time(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    create_episode(client, auth, "Now")
    create_episode(client, auth, "Tomorrow 7am", at=NOW + timedelta(hours=19))
    assert item_titles(client) == ["Now"]
    etag = client.get("/feed.xml").headers["etag"]
    clock.advance(timedelta(hours=18, minutes=59))
    assert client.get("/feed.xml", headers={"If-None-Match": etag}).status_code == 304
    clock.advance(timedelta(minutes=1))  # nothing written, no restart: only time passes
    response = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert item_titles(client) == ["Tomorrow 7am", "Now"]
    assert "Fri, 27 Nov 2026 07:00:00 +0000" in response.text
    assert parsedate_to_datetime(response.headers["last-modified"]) == NOW + timedelta(hours=19)


def test_built_once_then_served_from_cache(client: TestClient, auth: dict[str, str]) -> None:
    create_episode(client, auth, "Cached")
    cache = _cache(client)
    client.get("/feed.xml")
    builds = cache.builds
    for _ in range(20):
        client.get("/feed.xml")
        client.get("/feed.xml", headers=GZIP)
    assert cache.builds == builds
    client.patch("/api/show", json={"title": "Leadership Live!"}, headers=auth)
    assert b"<title>Leadership Live!</title>" in client.get("/feed.xml").content
    assert cache.builds == builds + 1
    client.get("/api/episodes")  # reads do not invalidate
    client.get("/feed.xml")
    assert cache.builds == builds + 1


def test_only_committed_writes_invalidate(client: TestClient, auth: dict[str, str]) -> None:
    """The unit of work tells the cache after a commit that wrote, never after a rollback."""
    episode = create_episode(client, auth, "Before")
    cache = _cache(client)
    app = client.app
    assert isinstance(app, FastAPI)
    client.get("/feed.xml")
    builds = cache.builds
    rename = (
        update(Episode)
        .where(Episode.id == episode["id"])
        .values(title="After", updated_at=NOW + timedelta(seconds=1))
    )
    with pytest.raises(RuntimeError), session_scope(app.state.sessionmaker) as session:
        session.execute(rename)
        raise RuntimeError("the request failed after writing")
    with session_scope(app.state.sessionmaker) as session:
        session.scalar(select(Episode.title))  # a commit that wrote nothing
    assert item_titles(client) == ["Before"]
    assert cache.builds == builds
    with session_scope(app.state.sessionmaker) as session:
        session.execute(rename)
    assert item_titles(client) == ["After"]
    assert cache.builds == builds + 1


@pytest.fixture
def ticking(client: TestClient) -> Iterator[list[float]]:
    """A feed cache with a hand-driven monotonic clock, to step through the staleness window."""
    app = client.app
    assert isinstance(app, FastAPI)
    now = [1000.0]
    old = app.state.feed_cache
    app.state.feed_cache = FeedCache(
        old.settings, old.clock, app.state.sessionmaker, monotonic=lambda: now[0]
    )
    yield now
    app.state.feed_cache = old


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the change notification never arrived"
        time.sleep(0.01)


def test_changes_from_another_replica_within_the_window(
    client: TestClient, auth: dict[str, str], ticking: list[float]
) -> None:
    """Another process writes the database: this one notices within cache_check_interval."""
    episode = create_episode(client, auth, "Original title")
    cache = _cache(client)
    assert item_titles(client) == ["Original title"]
    builds = cache.builds
    app = client.app
    assert isinstance(app, FastAPI)
    elsewhere = make_sessionmaker(app.state.engine)  # another process: not this app's sessions
    with session_scope(elsewhere) as session:
        session.execute(
            update(Episode)
            .where(Episode.id == episode["id"])
            .values(title="Changed elsewhere", updated_at=NOW + timedelta(seconds=1))
        )
    if app.state.engine.dialect.name == "postgresql":
        # LISTEN/NOTIFY: the other process's commit drops this cache at once
        # (tests/core/test_change_notify.py); only the poll is left to show here.
        _wait_for(lambda: cache.dirty or cache.entry is None)
        assert item_titles(client) == ["Changed elsewhere"]
    else:
        assert item_titles(client) == ["Original title"], "served from cache inside the window"
        ticking[0] += 1.01  # the default window is 1 s
        assert item_titles(client) == ["Changed elsewhere"]
    assert cache.builds == builds + 1
    # Nothing changed since: the fingerprint matches and nothing is rebuilt.
    ticking[0] += 5
    client.get("/feed.xml")
    assert cache.builds == builds + 1


def test_serves_the_last_feed_when_the_database_fails(
    client: TestClient, auth: dict[str, str], ticking: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_episode(client, auth, "Resilient")
    etag = client.get("/feed.xml").headers["etag"]

    def broken(*_args: object) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("podcast.feed.cache.fingerprint", broken)
    ticking[0] += 2
    response = client.get("/feed.xml")
    assert response.status_code == 200 and response.headers["etag"] == etag


def test_unavailable_without_any_feed(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("podcast.feed.cache.fingerprint", broken)
    response = client.get("/feed.xml")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"


@pytest.mark.parametrize("redirect", [False, True])
def test_feed_moved(
    settings: Settings, clock: FrozenClock, auth: dict[str, str], client: TestClient, redirect: bool
) -> None:
    """Step 1: new_feed_url puts itunes:new-feed-url in the old feed. Step 2, when
    PODCAST_FEED_REDIRECT is set: /feed.xml answers 301 to the new URL. Old paths on this
    host (PODCAST_FEED_OLD_PATHS) always 301 to /feed.xml."""
    response = client.patch(
        "/api/show", json={"new_feed_url": "https://new.example.org/feed.xml"}, headers=auth
    )
    assert response.status_code == 200
    moved = settings.model_copy(update={"feed_redirect": redirect, "feed_old_paths": ["/rss"]})
    with TestClient(create_app(moved, clock=clock)) as other:
        old_path = other.get("/rss", follow_redirects=False)
        assert old_path.status_code == 301
        assert old_path.headers["location"] == FEED_URL
        assert other.head("/rss", follow_redirects=False).status_code == 301
        feed = other.get("/feed.xml", follow_redirects=False)
        if redirect:
            assert feed.status_code == 301
            assert feed.headers["location"] == "https://new.example.org/feed.xml"
            assert other.head("/feed.xml", follow_redirects=False).status_code == 301
        else:
            assert feed.status_code == 200
            assert b"<itunes:new-feed-url>https://new.example.org/feed.xml<" in feed.content


def test_over_real_http(client: TestClient, auth: dict[str, str], live_server: str) -> None:
    """Through uvicorn: byte-exact gzip, HEAD without a body, and a 304 with no body at all."""
    create_episode(client, auth, "Over the wire")
    address = urlsplit(live_server)
    connection = http.client.HTTPConnection(address.hostname or "", address.port)
    connection.request("GET", "/feed.xml", headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    raw = response.read()
    assert response.status == 200 and response.getheader("content-encoding") == "gzip"
    assert b"Over the wire" in gzip.decompress(raw)
    etag = response.getheader("etag") or ""
    connection.request(
        "GET", "/feed.xml", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    response = connection.getresponse()
    assert response.status == 304 and response.read() == b""
    connection.request("HEAD", "/feed.xml")
    response = connection.getresponse()
    assert response.status == 200 and response.read() == b""
    assert int(response.getheader("content-length") or 0) > 1000
    connection.close()
    assert httpx.get(f"{live_server}/feed.xml").status_code == 200
