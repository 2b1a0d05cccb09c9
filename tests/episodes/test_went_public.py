"""The "episode went public" event: heard on publish, schedule and reschedule, from the API,
the admin and the CLI alike, and never on draft edits (episodes/events.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from episodes.events import on_went_public
from tests.conftest import NOW
from tests.factories import create_episode, upload_audio

Heard = list[tuple[int, datetime]]


@pytest.fixture
def heard(client: TestClient) -> Heard:
    calls: Heard = []
    app = client.app
    assert isinstance(app, FastAPI)

    def listener(session: Session, *, episode_id: int, at: datetime) -> None:
        assert session.in_transaction()  # inside the publishing unit of work
        calls.append((episode_id, at))

    on_went_public(app.state.sessionmaker, listener)
    return calls


def publish(client: TestClient, auth: dict[str, str], episode_id: int, at: str | None = None):
    body = {"at": at} if at else None
    response = client.post(f"/api/episodes/{episode_id}/publish", json=body, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_publishing_now_is_heard_with_the_time(
    client: TestClient, auth: dict[str, str], heard: Heard
) -> None:
    episode = create_episode(client, auth, publish=False)
    assert heard == []
    publish(client, auth, episode["id"])
    assert heard == [(episode["id"], NOW)]


def test_scheduling_and_rescheduling_are_heard_with_each_time(
    client: TestClient, auth: dict[str, str], heard: Heard
) -> None:
    episode = create_episode(client, auth, publish=False)
    first, later = NOW + timedelta(days=1), NOW + timedelta(days=2, hours=3)
    assert publish(client, auth, episode["id"], first.isoformat())["status"] == "scheduled"
    publish(client, auth, episode["id"], later.isoformat())
    assert heard == [(episode["id"], first), (episode["id"], later)]


def test_draft_edits_unpublishing_and_deleting_are_not_heard(
    client: TestClient, auth: dict[str, str], heard: Heard
) -> None:
    draft = create_episode(client, auth, publish=False, audio=False)
    edited = client.patch(f"/api/episodes/{draft['id']}", json={"title": "New"}, headers=auth)
    assert edited.status_code == 200
    upload_audio(client, auth, draft["id"])
    assert heard == []

    public = create_episode(client, auth, "Public")
    assert heard == [(public["id"], NOW)]
    edited = client.patch(f"/api/episodes/{public['id']}", json={"summary": "x"}, headers=auth)
    assert edited.status_code == 200
    assert client.post(f"/api/episodes/{public['id']}/unpublish", headers=auth).status_code == 200
    assert client.delete(f"/api/episodes/{public['id']}", headers=auth).status_code == 204
    assert heard == [(public["id"], NOW)]


def test_a_refused_publish_is_not_heard(
    client: TestClient, auth: dict[str, str], heard: Heard
) -> None:
    draft = create_episode(client, auth, publish=False, audio=False)
    response = client.post(f"/api/episodes/{draft['id']}/publish", headers=auth)
    assert response.status_code == 409
    assert heard == []


def test_a_listener_error_rolls_the_publish_back(client: TestClient, auth: dict[str, str]) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    episode = create_episode(client, auth, publish=False)

    def broken(session: Session, *, episode_id: int, at: datetime) -> None:
        raise RuntimeError("the job could not be queued")

    on_went_public(app.state.sessionmaker, broken)
    with pytest.raises(RuntimeError, match="could not be queued"):
        client.post(f"/api/episodes/{episode['id']}/publish", headers=auth)
    read = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert read["status"] == "draft"  # the publish and its job commit together or not at all


def test_publishing_and_scheduling_from_the_admin_are_heard(
    client: TestClient, auth: dict[str, str], token: str, heard: Heard
) -> None:
    from tests.web.helpers import sign_in

    client.base_url = "https://testserver"  # type: ignore[assignment]  # Secure cookies
    csrf = sign_in(client, token)
    now_one = create_episode(client, auth, "Now", publish=False)
    later_one = create_episode(client, auth, "Later", publish=False)
    path = "/admin/episodes/{}/publish"
    response = client.post(path.format(now_one["id"]), data={"csrf_token": csrf, "when": "now"})
    assert response.status_code == 200
    # 07:00 in London on 1 December is 07:00 UTC (GMT).
    schedule = {"csrf_token": csrf, "when": "schedule", "publish_at": "2026-12-01T07:00"}
    assert client.post(path.format(later_one["id"]), data=schedule).status_code == 200
    assert heard == [
        (now_one["id"], NOW),
        (later_one["id"], datetime.fromisoformat("2026-12-01T07:00:00+00:00")),
    ]
