"""A published episode's links never break (its slug stays; old slugs redirect for ever), and
publish dates only go into the past when the producer says so (issue 14, "Producers")."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from episodes.models import PublishedSlug
from episodes.slugs import SLUG_PATTERN, slugify
from podcast.core.clock import FrozenClock
from podcast.core.languages import CHANNEL_LANGUAGE_PATTERN
from tests.conftest import NOW
from tests.factories import create_episode
from tests.transcripts.support import corpus_file, put_transcript


def _patch_slug(client: TestClient, auth: dict[str, str], episode_id: int, slug: str):
    return client.patch(f"/api/episodes/{episode_id}", json={"slug": slug}, headers=auth)


def test_a_published_episodes_slug_cannot_change_a_drafts_can(
    client: TestClient, auth: dict[str, str]
) -> None:
    live = create_episode(client, auth, "Live one")
    refused = _patch_slug(client, auth, live["id"], "another-name")
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert detail.startswith("slug: ")
    assert "published" in detail and "links" in detail
    assert client.get("/episodes/live-one").status_code == 200
    same = _patch_slug(client, auth, live["id"], "live-one")
    assert same.status_code == 200, "sending the slug it has is no change"

    scheduled = create_episode(client, auth, "Later", at=NOW + timedelta(days=1))
    assert _patch_slug(client, auth, scheduled["id"], "sooner").status_code == 409

    draft = create_episode(client, auth, "Draft", publish=False)
    moved = _patch_slug(client, auth, draft["id"], "a-better-name")
    assert moved.status_code == 200, moved.text
    assert moved.json()["slug"] == "a-better-name"


def test_pattern_errors_say_in_words_what_to_type(client: TestClient, auth: dict[str, str]) -> None:
    """Not "String should match pattern '^[a-z0-9]+...'"; the schema keeps the pattern."""
    draft = create_episode(client, auth, "Draft", publish=False)
    for slug in ("Kind Words", "double--hyphen", "trailing-", "line\n"):
        refused = _patch_slug(client, auth, draft["id"], slug)
        assert refused.status_code == 422, (slug, refused.text)
        assert refused.json()["detail"] == (
            "slug: use lower-case letters, digits and single hyphens, "
            "like building-anti-racist-leadership"
        )
    language = client.patch("/api/show", json={"language": "english"}, headers=auth)
    assert language.status_code == 422
    assert language.json()["errors"] == [
        {
            "field": "language",
            "message": "must be a language tag like en, en-GB or cy "
            "(a language, then optionally a region)",
        }
    ]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    slug = next(
        s
        for s in schemas["EpisodeUpdate"]["properties"]["slug"]["anyOf"]
        if s.get("type") == "string"
    )
    assert slug["pattern"] == SLUG_PATTERN and slug["maxLength"] == 80
    assert schemas["ShowUpdate"]["properties"]["language"]["pattern"] == CHANNEL_LANGUAGE_PATTERN


def test_the_advice_for_changing_a_published_slug_keeps_the_episode_s_place(
    client: TestClient, auth: dict[str, str]
) -> None:
    """The 409 says how to keep the date: unpublishing forgets it, and publishing again without
    ``at`` dates the episode now, above newer ones. Following the advice keeps the order."""
    older = create_episode(client, auth, "Older", at=NOW - timedelta(days=3))
    newer = create_episode(client, auth, "Newer", at=NOW - timedelta(days=1))
    refused = _patch_slug(client, auth, older["id"], "renamed")
    assert refused.status_code == 409, refused.text
    base = f"/api/episodes/{older['id']}"
    assert refused.json()["detail"] == (
        "slug: cannot change once the episode is published (or scheduled): its page, audio, "
        "chapters and transcript links use it, and apps and shared posts keep them. If it must "
        f"change: POST {base}/unpublish, change the slug, then POST {base}/publish with "
        '{"at": "2026-11-23T12:00:00Z", "backdated": true} to keep its date and its place in '
        "the feed (without them it is dated now, above newer episodes); old links then "
        "redirect to the new slug"
    )
    advice = re.search(r"(\{\"at\".*?\})", refused.json()["detail"])
    assert advice is not None
    assert client.post(f"{base}/unpublish", headers=auth).status_code == 200
    assert _patch_slug(client, auth, older["id"], "renamed").status_code == 200
    again = client.post(f"{base}/publish", json=json.loads(advice[1]), headers=auth)
    assert again.status_code == 200, again.text
    assert again.json()["publish_at"] == older["publish_at"]
    listed = client.get("/api/episodes").json()["items"]
    assert [e["slug"] for e in listed] == [newer["slug"], "renamed"]
    assert client.get("/episodes/older", follow_redirects=False).status_code == 301

    scheduled = create_episode(client, auth, "Later", at=NOW + timedelta(days=1))
    detail = _patch_slug(client, auth, scheduled["id"], "sooner").json()["detail"]
    assert '/publish with {"at": "2026-11-27T12:00:00Z"} to keep its schedule;' in detail


def test_old_slugs_of_a_once_published_episode_redirect_for_ever(
    client: TestClient, auth: dict[str, str], clock: FrozenClock, app
) -> None:
    episode = create_episode(client, auth, "First name", audio="speech.mp3")
    put_transcript(client, auth, episode["id"], corpus_file("good/interview-voices.vtt"))
    old_enclosure = episode["audio"]["url"].removeprefix("https://podcast.example.org")
    assert client.get(old_enclosure).status_code == 200  # cached in the media index
    unpublished = client.post(f"/api/episodes/{episode['id']}/unpublish", headers=auth)
    assert unpublished.status_code == 200
    renamed = _patch_slug(client, auth, episode["id"], "second-name")
    assert renamed.status_code == 200, renamed.text

    # Unpublished: the old links name nothing the public may see, as before.
    assert client.get("/episodes/first-name").status_code == 404
    assert client.get("/media/first-name.mp3").status_code == 404
    assert client.get("/episodes/first-name", headers=auth).status_code in (301, 404)

    again = client.post(f"/api/episodes/{episode['id']}/publish", headers=auth)
    assert again.status_code == 200, again.text
    version = old_enclosure.split(".")[1]
    expected = {
        "/episodes/first-name?t=1:05": "/episodes/second-name?t=1:05",
        "/episodes/first-name/transcript": "/episodes/second-name/transcript",
        "/episodes/first-name/chapters.json": "/episodes/second-name/chapters.json",
        "/episodes/first-name/transcript.vtt": "/episodes/second-name/transcript.vtt",
        "/episodes/first-name/transcript.srt?lang=en-GB": (
            "/episodes/second-name/transcript.srt?lang=en-GB"
        ),
        "/media/first-name.mp3": "/media/second-name.mp3",
        old_enclosure: f"/media/second-name.{version}.mp3",
    }
    for old, new in expected.items():
        for method in ("GET", "HEAD"):
            response = client.request(method, old, follow_redirects=False)
            assert response.status_code == 301, (method, old, response.text)
            assert response.headers["location"] == new, old
        assert client.get(old).status_code == 200, old

    # Renamed again (unpublished in between): both old slugs lead to the current one.
    client.post(f"/api/episodes/{episode['id']}/unpublish", headers=auth)
    assert _patch_slug(client, auth, episode["id"], "third-name").status_code == 200
    client.post(f"/api/episodes/{episode['id']}/publish", headers=auth)
    for old in ("first-name", "second-name"):
        response = client.get(f"/episodes/{old}", follow_redirects=False)
        assert response.headers["location"] == "/episodes/third-name"
        response = client.get(f"/media/{old}.mp3", follow_redirects=False)
        assert response.headers["location"] == "/media/third-name.mp3"
    assert client.get("/feed.xml").text.count("/media/third-name.") == 1

    # No other episode may take an old slug: its links would go somewhere else.
    other = create_episode(client, auth, "Other", publish=False)
    taken = _patch_slug(client, auth, other["id"], "first-name")
    assert taken.status_code == 409
    assert taken.json()["detail"].startswith("slug: ")
    assert f"episode {episode['id']}" in taken.json()["detail"]
    fresh = client.post("/api/episodes", json={"title": "First name"}, headers=auth).json()
    assert fresh["slug"] == "first-name-2", "a new title steps around the old slugs"
    with app.state.sessionmaker() as session:
        rows = session.scalars(select(PublishedSlug.slug).order_by(PublishedSlug.id)).all()
    assert rows == ["first-name", "second-name", "third-name"]


def test_a_draft_renamed_back_and_forth_keeps_its_own_slug(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, "Back and forth")
    client.post(f"/api/episodes/{episode['id']}/unpublish", headers=auth)
    assert _patch_slug(client, auth, episode["id"], "elsewhere").status_code == 200
    assert _patch_slug(client, auth, episode["id"], "back-and-forth").status_code == 200
    client.post(f"/api/episodes/{episode['id']}/publish", headers=auth)
    assert client.get("/episodes/back-and-forth").status_code == 200
    assert client.get("/episodes/elsewhere").status_code == 404, "never published there"


def test_a_past_publish_date_needs_confirming(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    episode = create_episode(client, auth, "Old news", publish=False)
    url = f"/api/episodes/{episode['id']}/publish"
    past = (NOW - timedelta(days=3)).isoformat()
    refused = client.post(url, json={"at": past}, headers=auth)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert detail.startswith("at: ")
    assert "in the past" in detail and '"backdated": true' in detail
    assert client.get(url.removesuffix("/publish"), headers=auth).json()["status"] == "draft"

    # A few minutes ago is "now" (clocks differ; a form takes time to fill in).
    recent = (NOW - timedelta(minutes=5)).isoformat()
    assert client.post(url, json={"at": recent}, headers=auth).status_code == 200
    confirmed = client.post(url, json={"at": past, "backdated": True}, headers=auth)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["publish_at"].startswith("2026-11-23T12:00:00")


def test_publishing_a_public_episode_again_keeps_its_date(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    episode = create_episode(client, auth, "Dated")
    clock.advance(timedelta(days=2))
    url = f"/api/episodes/{episode['id']}/publish"
    again = client.post(url, headers=auth)
    assert again.status_code == 200
    assert again.json()["publish_at"] == episode["publish_at"]

    scheduled = create_episode(client, auth, "Scheduled", at=NOW + timedelta(days=5))
    now = client.post(f"/api/episodes/{scheduled['id']}/publish", headers=auth).json()
    assert now["status"] == "published", "publishing a scheduled episode now brings it forward"


def test_slugs_transliterate() -> None:
    assert slugify("Zoë's story") == "zoes-story"
    assert slugify("Don\u2019t panic: Ærø & Straße") == "dont-panic-aero-strasse"
    assert slugify("Café: ¿qué?") == "cafe-que"


def test_publishing_the_same_episode_at_once_records_its_slug_once(
    client: TestClient, auth: dict[str, str], live_server: str, app
) -> None:
    """Two producers (or a double click) publish one draft at the same moment, many rounds,
    through a real server: every request succeeds and the slug is recorded once (the record
    is an insert that ignores a conflict, not a check then an insert that two could pass)."""
    episode = create_episode(client, auth, "At once", publish=False)
    publish = f"{live_server}/api/episodes/{episode['id']}/publish"
    unpublish = f"{live_server}/api/episodes/{episode['id']}/unpublish"
    with httpx.Client(headers=auth, timeout=30) as http, ThreadPoolExecutor(4) as pool:
        for _ in range(8):
            statuses = list(pool.map(lambda _: http.post(publish).status_code, range(4)))
            assert statuses == [200] * 4, statuses
            assert http.post(unpublish).status_code == 200
    with app.state.sessionmaker() as session:
        rows = session.scalars(select(PublishedSlug.slug)).all()
    assert rows == ["at-once"]
