"""Every recorded download is counted with no further traffic: the trial's sequence through
real HTTP, the real queue (the embedded SQLite huey and Redis) and the app's own worker.

The trial: two downloads ten seconds apart. The first one's flush queued the count for when it
could be counted; the second one's flush found that job queued and queued nothing; the job
counted the first and left the second (too young), and nothing ever counted it. Now the job
queues its own follow-up for when the second can be counted.

The app's clock is frozen and moved by the test (the recorder and the counting job both read
it); the queue runs on wall time, so the minimum age is half a second here, not 30.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from podcast.analytics import job
from podcast.analytics.models import Download, MediaRequest
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.jobs import list_jobs
from podcast.core.settings import Settings
from tests.conftest import from_template
from tests.factories import create_episode
from tests.jobs.conftest import queue_name, queue_url, wait_for

__all__ = ["queue_name", "queue_url"]  # the real queues' fixtures (SQLite file, Redis)

OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
SETTLE = 0.5


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, sqlite_template: Path, queue_url: str, queue_name: str
) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=from_template(database_url, sqlite_template),
        base_url="https://podcast.example.org",
        queue_url=queue_url,
        queue_name=queue_name,
        serve_jobs=True,
        analytics_settle_seconds=SETTLE,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app_of(client: TestClient) -> Iterator[FastAPI]:
    app = client.app
    assert isinstance(app, FastAPI)
    yield app


def _downloads(app: FastAPI) -> int:
    with session_scope(app.state.sessionmaker) as session:
        return int(session.scalar(select(func.count()).select_from(Download)) or 0)


def _count_runs(app: FastAPI) -> list[dict[str, Any]]:
    with session_scope(app.state.sessionmaker) as session:
        return [j.result for j in list_jobs(session, kind=job.KIND) if j.status == "succeeded"]


def test_two_downloads_ten_seconds_apart_are_both_counted_with_no_more_traffic(
    client: TestClient,
    app_of: FastAPI,
    auth: dict[str, str],
    live_server: str,
    clock: FrozenClock,
) -> None:
    app = app_of
    recorder = app.state.media_requests
    episode = create_episode(client, auth, "New slug")
    url = f"{live_server}/media/{episode['slug']}.mp3"
    with httpx.Client() as http:
        first = http.get(url, headers={"User-Agent": OVERCAST, "X-Forwarded-For": "192.0.2.1"})
        assert first.status_code == 200
        recorder.flush()  # the recorder's thread would, within a third of the minimum age
        clock.advance(timedelta(seconds=10))
        second = http.get(url, headers={"User-Agent": OVERCAST, "X-Forwarded-For": "192.0.2.2"})
        assert second.status_code == 200
        recorder.flush()
    # A run at this moment counts the first download and leaves the second (10 s old, the
    # minimum age 10.5 s): time must pass for it, and no request will come.
    wait_for(
        lambda: _downloads(app) == 1 and any(r["waiting"] == 1 for r in _count_runs(app)),
        what="a count of the first download that left the second for later",
    )
    assert _downloads(app) == 1
    clock.advance(timedelta(seconds=SETTLE + 1))
    assert wait_for(lambda: _downloads(app) == 2, what="the second download counted")
    response = client.get("/api/analytics/downloads", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 2
    with session_scope(app.state.sessionmaker) as session:
        waiting = select(func.count()).where(MediaRequest.processed.is_(False))
        assert session.scalar(waiting) == 0
