"""Refused uploads: a clear 4xx (or 503 when the database cannot be had), and nothing kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.settings import Settings
from tests.conftest import FIXTURES, NOW
from tests.episodes.test_upload import media_files, post_file


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"keywords": "[bad"}, "keywords"),
        ({"keywords": "[" * 49_000 + "]" * 49_000}, "keywords"),
        ({"people": "[{"}, "people"),
        ({"people": "[" * 49_000 + "]" * 49_000}, "people"),
    ],
    ids=["keywords-broken", "keywords-deep", "people-broken", "people-deep"],
)
def test_bad_json_form_fields_are_422_and_leave_nothing(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    fields: dict[str, str],
    field: str,
) -> None:
    before = media_files(settings)
    response = post_file(client, auth, "speech.mp3", fields=fields)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: must be")
    assert media_files(settings) == before
    assert client.get("/api/episodes", headers=auth).json()["total"] == 0


@pytest.fixture
def impatient(tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    """An app on SQLite whose writers give up after 200 ms instead of 15 s."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'podcast.db'}",
        sqlite_busy_timeout_ms=200,
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings, clock=FrozenClock(NOW))) as client:
        yield client, settings


def test_a_lock_that_cannot_be_had_is_503_with_retry_after(
    impatient: tuple[TestClient, Settings],
) -> None:
    client, settings = impatient
    from podcast.core.db import session_scope
    from podcast.core.tokens import create_token

    app = client.app
    with session_scope(app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        auth = {"Authorization": f"Bearer {create_token(session, 'locked', NOW)}"}
    created = client.post("/api/episodes", json={"title": "Before the lock"}, headers=auth)
    episode_id = created.json()["id"]
    before = media_files(settings)

    holder = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than the timeout
    try:
        attempts = [
            client.post("/api/episodes", json={"title": "Blocked"}, headers=auth),
            client.put(
                f"/api/episodes/{episode_id}/audio",
                content=(FIXTURES / "speech.mp3").read_bytes(),
                headers={**auth, "Content-Type": "audio/mpeg"},
            ),
            post_file(client, auth, "speech.flac"),
            client.patch(f"/api/episodes/{episode_id}", json={"summary": "x"}, headers=auth),
        ]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for response in attempts:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        assert response.headers["content-type"] == "application/json"
        assert "try again" in response.json()["detail"]
    assert media_files(settings) == before, "nothing of a refused upload is kept"
    listed = client.get("/api/episodes", headers=auth).json()
    assert [e["title"] for e in listed["items"]] == ["Before the lock"]
    assert listed["items"][0]["audio"] is None
    # Once the lock is free, the same requests succeed.
    retried = client.put(
        f"/api/episodes/{episode_id}/audio",
        content=(FIXTURES / "speech.mp3").read_bytes(),
        headers={**auth, "Content-Type": "audio/mpeg"},
    )
    assert retried.status_code == 200, retried.text


@pytest.mark.parametrize("size", [12_000, 200_000], ids=["small", "past-the-field-limit"])
def test_a_file_under_another_name_is_an_unknown_field(
    client: TestClient, auth: dict[str, str], settings: Settings, size: int
) -> None:
    """``curl -F audio=@episode.mp3``: the file's field is named, with where the file goes,
    not read as a text field (which said "longer than 100000 bytes" or "not UTF-8")."""
    audio = (FIXTURES / "speech.mp3").read_bytes()[:size]
    before = media_files(settings)
    response = client.post(
        "/api/episodes",
        files={"audio": ("episode.mp3", audio, "audio/mpeg")},
        data={"title": "x"},
        headers=auth,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "audio: is not a field that can be set here: send the audio as the multipart field 'file'"
    )
    assert media_files(settings) == before
    assert client.get("/api/episodes", headers=auth).json()["total"] == 0


def test_the_same_for_replacing_the_audio(client: TestClient, auth: dict[str, str]) -> None:
    episode = client.post("/api/episodes", json={"title": "Bare"}, headers=auth).json()
    base = f"/api/episodes/{episode['id']}"
    mp3 = (FIXTURES / "speech.mp3").read_bytes()
    audio = client.post(f"{base}/audio", files={"upload": ("a.mp3", mp3)}, headers=auth)
    assert audio.status_code == 422, audio.text
    assert audio.json()["detail"].startswith(
        "upload: is not a field that can be set here: send the audio as"
    )
