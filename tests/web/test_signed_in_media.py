"""A signed-in producer's browser loads a draft's files by the admin session cookie alone
(podcast.core.deps.producer_of): the audio over a real socket, byte for byte, and nothing
for a cookie that is forged, expired or of a revoked token."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core.db import session_scope
from podcast.core.tokens import revoke_token
from tests.conftest import FIXTURES
from tests.factories import create_episode
from tests.web.helpers import put_transcript, sign_in

COOKIE = "__Host-podcast_admin"  # the base URL is https


def _draft(web: TestClient, auth: dict[str, str]) -> dict:
    episode = create_episode(web, auth, "Draft preview", audio="speech.mp3", publish=False)
    put_transcript(web, auth, episode["id"])
    return episode


def test_a_signed_in_session_fetches_a_drafts_audio_over_http(
    web: TestClient, live_server: str, auth: dict[str, str], token: str
) -> None:
    episode = _draft(web, auth)
    path = f"/media/{episode['slug']}.mp3"
    sign_in(web, token)
    cookie = web.cookies[COOKIE]
    audio = (FIXTURES / "speech.mp3").read_bytes()
    # The live server speaks plain http, where a browser would not send a Secure cookie:
    # the header is set by hand, as the browser does on https.
    with httpx.Client(base_url=live_server) as http:
        assert http.get(path).status_code == 404
        whole = http.get(path, headers={"Cookie": f"{COOKIE}={cookie}"})
        assert whole.status_code == 200, whole.text
        assert whole.content == audio
        assert whole.headers["cache-control"] == "private, no-store"
        part = http.get(path, headers={"Cookie": f"{COOKIE}={cookie}", "Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == audio[100:200]
        head = http.head(path, headers={"Cookie": f"{COOKIE}={cookie}"})
        assert head.status_code == 200 and head.headers["content-length"] == str(len(audio))


def test_only_a_valid_session_counts(web: TestClient, auth: dict[str, str], token: str) -> None:
    episode = _draft(web, auth)
    doors = (
        f"/media/{episode['slug']}.mp3",
        f"/episodes/{episode['slug']}/transcript.vtt",
        f"/episodes/{episode['slug']}/chapters.json",
    )
    for path in doors:
        assert web.get(path).status_code == 404, path
    sign_in(web, token)
    cookie = web.cookies[COOKIE]
    for path in doors:
        assert web.get(path).status_code == 200, path
    # A bearer token, when sent, is what counts: a wrong one is not rescued by the cookie
    # (401 from the file routes; the audio stays 404 and does not confirm a draft is there).
    wrong = {"Authorization": "Bearer pod_wrong"}
    assert web.get(doors[0], headers=wrong).status_code == 404
    assert web.get(doors[1], headers=wrong).status_code == 401
    assert web.get(doors[2], headers=wrong).status_code == 401

    web.cookies.clear()  # from here the cookie is sent by hand
    tampered = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    for value in (tampered, "v2.1.nonsense", "x" * 2000):
        for path in doors:
            assert web.get(path, headers={"Cookie": f"{COOKIE}={value}"}).status_code == 404

    # Expired: the clock moves past the session's lifetime (12 hours by default).
    app = web.app
    assert isinstance(app, FastAPI)
    assert web.get(doors[0], headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 200
    app.state.clock.advance(timedelta(hours=app.state.settings.web.session_hours, minutes=1))
    for path in doors:
        assert web.get(path, headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 404, path


def test_revoking_the_token_ends_the_sessions_access(
    web: TestClient, auth: dict[str, str], token: str
) -> None:
    episode = _draft(web, auth)
    path = f"/media/{episode['slug']}.mp3"
    sign_in(web, token)
    assert web.get(path).status_code == 200
    app = web.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        assert revoke_token(session, "tests")
    assert web.get(path).status_code == 404
