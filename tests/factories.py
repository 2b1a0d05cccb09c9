"""Making test data through the real API: episodes, with audio, published or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import FIXTURES


def upload_audio(
    client: TestClient, auth: dict[str, str], episode_id: int, fixture: str = "plain.mp3"
) -> dict:
    """PUT a fixture file as an episode's audio; returns the episode."""
    response = client.put(
        f"/api/episodes/{episode_id}/audio",
        content=(FIXTURES / fixture).read_bytes(),
        headers={**auth, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def create_episode(
    client: TestClient,
    auth: dict[str, str],
    title: str = "An episode",
    *,
    audio: str | bool | None = "plain.mp3",
    publish: bool = True,
    at: datetime | str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Create an episode, give it audio (a fixture's name; always when publishing) and publish
    it (now, or ``at``: a past one is confirmed as back-dating, which tests do freely)."""
    response = client.post("/api/episodes", json={"title": title, **fields}, headers=auth)
    assert response.status_code == 201, response.text
    episode = response.json()
    if audio or publish:
        fixture = audio if isinstance(audio, str) else "plain.mp3"
        episode = upload_audio(client, auth, episode["id"], fixture)
    if publish:
        when = at.isoformat() if isinstance(at, datetime) else at
        body = {"at": when, "backdated": True} if when else None
        response = client.post(f"/api/episodes/{episode['id']}/publish", json=body, headers=auth)
        assert response.status_code == 200, response.text
        episode = response.json()
    return episode
