"""One rule for who may see an episode (episodes/visibility.py), and every door agreeing.

Each state an episode can be in is made through the API (a hand-edited published row without
a publish time through the database), then every way of reaching an episode is asked: the
rule in Python, in SQL and as the media index keeps it, the API, the page, the audio, the
transcript file, the chapters file, the feed and search.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select, update

from episodes import visibility
from episodes.models import Episode, Status
from podcast.core.db import session_scope
from podcast.core.errors import NotFound
from tests.conftest import NOW
from tests.factories import create_episode
from tests.web.helpers import put_transcript, sign_in

STATES = ("draft", "scheduled", "due-now", "published", "no-publish-time")
PUBLIC = {"due-now", "published"}


def _make(client: TestClient, auth: dict[str, str], state: str) -> dict:
    title = f"Visibility {state}"
    if state == "draft":
        episode = create_episode(client, auth, title, audio="speech.mp3", publish=False)
    elif state == "scheduled":
        episode = create_episode(client, auth, title, audio="speech.mp3", at=NOW + timedelta(1))
    elif state == "due-now":  # the publish time is this very instant: public
        episode = create_episode(client, auth, title, audio="speech.mp3", at=NOW)
    else:
        episode = create_episode(client, auth, title, audio="speech.mp3", at=NOW - timedelta(1))
    put_transcript(client, auth, episode["id"])
    if state == "no-publish-time":
        app = client.app
        assert isinstance(app, FastAPI)
        with session_scope(app.state.sessionmaker) as session:
            session.execute(
                update(Episode).where(Episode.id == episode["id"]).values(publish_at=None)
            )
    return episode


@pytest.fixture
def made(client: TestClient, auth: dict[str, str]) -> dict[str, dict]:
    return {state: _make(client, auth, state) for state in STATES}


def test_the_three_forms_of_the_rule_agree(client: TestClient, made: dict[str, dict]) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        in_sql = set(session.scalars(select(Episode.id).where(visibility.public_clause(NOW))).all())
        for state, data in made.items():
            episode = session.get(Episode, data["id"])
            assert episode is not None
            expected = state in PUBLIC
            assert visibility.is_public(episode, NOW) is expected, state
            assert (episode.id in in_sql) is expected, state
            since = visibility.public_from(episode.status, episode.publish_at)
            assert (since is not None and since <= NOW) is expected, state
            entry = app.state.media_index.load(episode.slug)
            assert entry is not None and entry.is_public(NOW) is expected, state
            # What the API calls the state agrees with who may see it.
            assert (episode.status_at(NOW) is Status.PUBLISHED) is expected, state
            assert visibility.may_see(episode, NOW, producer=True)
            assert visibility.may_see(episode, NOW, producer=False) is expected
            if not expected:
                with pytest.raises(NotFound, match="gone"):
                    visibility.visible_or_404(episode, NOW, producer=False, missing="gone")
        assert not visibility.may_see(None, NOW, producer=True)


def _doors(slug: str, episode_id: int) -> dict[str, str]:
    return {
        "api": f"/api/episodes/{episode_id}",
        "audio": f"/media/{slug}.mp3",
        "transcript": f"/episodes/{slug}/transcript.vtt",
        "chapters": f"/episodes/{slug}/chapters.json",
    }


def test_every_door_answers_alike(
    client: TestClient, auth: dict[str, str], token: str, made: dict[str, dict]
) -> None:
    feed = etree.fromstring(client.get("/feed.xml").content)
    in_feed = {el.text for el in feed.iter("title")}
    found = client.get("/api/search", params={"q": "Visibility"})
    assert found.status_code == 200, found.text
    searched = {hit["slug"] for hit in found.json()["hits"]}
    for state, episode in made.items():
        public = state in PUBLIC
        for door, path in _doors(episode["slug"], episode["id"]).items():
            anonymous = client.get(path)
            assert anonymous.status_code == (200 if public else 404), (state, door)
            producer = client.get(path, headers=auth)
            assert producer.status_code == 200, (state, door, producer.text)
            if door in ("transcript", "chapters") and not public:
                assert producer.headers["cache-control"] == "private, no-store", (state, door)
        assert client.get(f"/episodes/{episode['slug']}").status_code == (200 if public else 404)
        assert (episode["title"] in in_feed) is public, state
        assert (episode["slug"] in searched) is public, state
    client.base_url = "https://testserver"  # type: ignore[assignment]  # Secure cookies
    sign_in(client, token)
    for state, episode in made.items():
        assert client.get(f"/episodes/{episode['slug']}").status_code == 200
        # A signed-in producer's browser previews drafts: their audio, transcript and
        # chapters load by the session cookie. The JSON API stays bearer-only (CSRF).
        for door, path in _doors(episode["slug"], episode["id"]).items():
            expected = 200 if door != "api" or state in PUBLIC else 404
            assert client.get(path).status_code == expected, (state, door)


def test_a_deleted_episode_is_gone_for_everyone(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Soon deleted", audio="speech.mp3")
    put_transcript(client, auth, episode["id"])
    assert client.delete(f"/api/episodes/{episode['id']}", headers=auth).status_code in (200, 204)
    for door, path in _doors(episode["slug"], episode["id"]).items():
        assert client.get(path).status_code == 404, door
        assert client.get(path, headers=auth).status_code == 404, door
