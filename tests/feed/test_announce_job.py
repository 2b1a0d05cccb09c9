"""Announcing on publish through the job queue's seams: the feed names the hubs, going public
queues one ``feed.announce`` job at the right time, and the handler tells a real local hub
only if the episode is public when it runs (podcast/feed/announce_job.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from podcast.app import create_app
from podcast.cli import app as cli
from podcast.core.clock import FrozenClock
from podcast.core.db import make_engine, make_sessionmaker, session_scope
from podcast.core.jobs import Job, list_jobs
from podcast.core.settings import Settings
from podcast.feed.announce import AnnounceFailed
from podcast.feed.announce_job import (
    KIND,
    NOW_KEY,
    announce_handler_for,
    announce_when_public,
    dedupe_key,
)
from tests.conftest import FIXTURES, NOW
from tests.factories import create_episode
from tests.feed.hub_stub import HubStub, hub_stub
from tests.feed.support import FEED_URL, NS, feed_xml


@pytest.fixture
def hub() -> Iterator[HubStub]:
    with hub_stub() as stub:
        yield stub


@pytest.fixture
def settings(settings: Settings, hub: HubStub) -> Settings:
    """The usual test settings, with one hub and one ping URL on the local stub. The app
    queues jobs but runs none, so each test runs the handler when it means to."""
    return settings.model_copy(
        update={
            "websub_hubs": [f"{hub.url}/hub"],
            "ping_urls": [f"{hub.url}/ping?url={{feed_url}}"],
            "serve_jobs": False,
        }
    )


class Progress:
    def __init__(self) -> None:
        self.reports: list[tuple[float, str | None]] = []

    def progress(self, fraction: float, message: str | None = None) -> None:
        self.reports.append((fraction, message))


def state(client: TestClient) -> Any:
    assert isinstance(client.app, FastAPI)
    return client.app.state


# -- the feed ------------------------------------------------------------------------------


def hub_links(client: TestClient) -> list[str]:
    return feed_xml(client).xpath("/rss/channel/atom:link[@rel='hub']/@href", namespaces=NS)


def test_the_feed_names_each_hub_after_its_self_link(settings: Settings, clock: Any) -> None:
    hubs = ["https://pubsubhubbub.appspot.com/", "https://hub.example.org/websub"]
    with TestClient(
        create_app(settings.model_copy(update={"websub_hubs": hubs}), clock=clock)
    ) as c:
        assert hub_links(c) == hubs
        links = feed_xml(c).xpath("/rss/channel/atom:link", namespaces=NS)
        assert [(x.get("rel"), x.get("href")) for x in links] == [
            ("self", FEED_URL),
            ("hub", hubs[0]),
            ("hub", hubs[1]),
        ]


def test_no_hub_link_by_default(tmp_path: Path, clock: FrozenClock) -> None:
    plain = Settings(data_dir=tmp_path / "plain", _env_file=None)  # type: ignore[call-arg]
    assert plain.websub_hubs == [] and plain.ping_urls == []
    with TestClient(create_app(plain, clock=clock)) as c:
        assert hub_links(c) == []
        assert feed_xml(c).xpath("/rss/channel/atom:link/@rel", namespaces=NS) == ["self"]


# -- going public queues a job ---------------------------------------------------------------


class Queued:
    """Stands in for ``podcast.core.jobs.enqueue``: records each call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, session: Session, kind: str, payload: dict[str, Any], **options: Any):
        assert session.in_transaction()
        self.calls.append({"kind": kind, "payload": payload, **options})


def test_going_public_queues_an_announcement_at_its_time(
    client: TestClient, auth: dict[str, str], settings: Settings, clock: FrozenClock
) -> None:
    queued = Queued()
    announce_when_public(state(client).sessionmaker, settings, clock, queued)
    now_one = create_episode(client, auth, "Now")
    at = NOW + timedelta(days=3)
    later_one = create_episode(client, auth, "Later", at=at)
    assert queued.calls == [
        {
            "kind": KIND,
            "payload": {"episode_id": now_one["id"], "reason": "published"},
            "dedupe_key": NOW_KEY,  # one queued ping for the feed, however many publish
        },
        {
            "kind": KIND,
            "payload": {"episode_id": later_one["id"], "reason": "scheduled"},
            "run_at": at,
            "dedupe_key": dedupe_key(later_one["id"], at),
        },
    ]
    assert dedupe_key(later_one["id"], at) != dedupe_key(later_one["id"], at + timedelta(1))


def test_nothing_is_queued_without_hubs_or_ping_urls(
    client: TestClient, auth: dict[str, str], settings: Settings, clock: FrozenClock
) -> None:
    queued = Queued()
    quiet = settings.model_copy(update={"websub_hubs": [], "ping_urls": []})
    announce_when_public(state(client).sessionmaker, quiet, clock, queued)
    create_episode(client, auth, "Now")
    create_episode(client, auth, "Later", at=NOW + timedelta(days=1))
    assert queued.calls == []


def test_the_cli_publish_queues_the_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI hands no job to the queue itself: the job waits in the table for a worker's
    sweeper (docs/architecture.md, "Jobs")."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PODCAST_DATABASE_URL", raising=False)
    monkeypatch.setenv("PODCAST_WEBSUB_HUBS", "https://hub.example.org/")
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    result = runner.invoke(cli, ["episode", "add", str(FIXTURES / "plain.mp3")])
    assert result.exit_code == 0, result.output
    assert _announce_jobs(tmp_path) == []  # a draft: nothing
    result = runner.invoke(cli, ["episode", "add", str(FIXTURES / "plain.mp3"), "--publish"])
    assert result.exit_code == 0, result.output
    [job] = _announce_jobs(tmp_path)
    assert job.payload == {"episode_id": 2, "reason": "published"}
    assert job.status == "queued" and job.dispatched_at is None


def _announce_jobs(tmp_path: Path) -> list[Job]:
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'podcast.db'}")
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            return list_jobs(session, kind=KIND)
    finally:
        engine.dispose()


# -- the handler -----------------------------------------------------------------------------


def run_handler(
    client: TestClient,
    settings: Settings,
    clock: FrozenClock,
    episode_id: int,
    reason: str = "scheduled",
):
    """A scheduled episode's job: it checks that its episode is public when it runs."""
    handler = announce_handler_for(settings, state(client).read_sessionmaker, clock)
    return handler(Progress(), {"episode_id": episode_id, "reason": reason})


def test_the_handler_tells_the_hub_and_the_ping_url(
    client: TestClient, auth: dict[str, str], settings: Settings, clock: FrozenClock, hub: HubStub
) -> None:
    episode = create_episode(client, auth)
    assert run_handler(client, settings, clock, episode["id"]) == {"hubs": 1, "pings": 1}
    [request] = hub.to("/hub")
    assert parse_qs(request.body.decode()) == {"hub.mode": ["publish"], "hub.url": [FEED_URL]}
    [ping] = hub.to("/ping")
    assert parse_qs(ping.path.split("?")[1]) == {"url": [FEED_URL]}


def test_a_scheduled_episode_is_announced_once_its_time_has_come(
    client: TestClient, auth: dict[str, str], settings: Settings, clock: FrozenClock, hub: HubStub
) -> None:
    at = NOW + timedelta(hours=2)
    episode = create_episode(client, auth, at=at)
    skipped = run_handler(client, settings, clock, episode["id"])
    assert skipped == {"skipped": f"the episode is now scheduled for {at.isoformat()}"}
    assert hub.requests == []
    clock.set(at)  # the queue runs the job at run_at
    assert run_handler(client, settings, clock, episode["id"]) == {"hubs": 1, "pings": 1}
    assert len(hub.to("/hub")) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("unpublish", "the episode was unpublished"),
        ("delete", "the episode was deleted"),
        ("reschedule", "the episode is now scheduled for 2026-11-30T09:00:00+00:00"),
    ],
)
def test_the_handler_skips_an_episode_no_longer_public(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    clock: FrozenClock,
    hub: HubStub,
    change: str,
    reason: str,
) -> None:
    episode = create_episode(client, auth)
    path = f"/api/episodes/{episode['id']}"
    if change == "unpublish":
        response = client.post(f"{path}/unpublish", headers=auth)
    elif change == "delete":
        response = client.delete(path, headers=auth)
    else:
        later = datetime.fromisoformat("2026-11-30T09:00:00+00:00")
        response = client.post(f"{path}/publish", json={"at": later.isoformat()}, headers=auth)
    assert response.is_success
    assert run_handler(client, settings, clock, episode["id"]) == {"skipped": reason}
    assert hub.requests == []
    # A "published now" job pings the feed whatever happened to that one episode since: the
    # hubs fetch the feed and see what is in it.
    published = run_handler(client, settings, clock, episode["id"], "published")
    assert published == {"hubs": 1, "pings": 1}


def test_a_failing_hub_fails_the_job_so_the_queue_retries(
    client: TestClient, auth: dict[str, str], settings: Settings, clock: FrozenClock, hub: HubStub
) -> None:
    hub.answer("/hub", 503, 204)
    episode = create_episode(client, auth)
    with pytest.raises(AnnounceFailed, match=f"WebSub hub {hub.url}/hub: answered 503"):
        run_handler(client, settings, clock, episode["id"])
    assert run_handler(client, settings, clock, episode["id"]) == {"hubs": 1, "pings": 1}


def test_publishing_announces_through_the_real_queue(
    settings: Settings, clock: FrozenClock, hub: HubStub, token: str
) -> None:
    """End to end: the publish commits a ``feed.announce`` job, the app's own worker (the
    embedded queue) runs it, the hub hears of the feed, and the job says so."""
    running = settings.model_copy(update={"serve_jobs": True})
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(running, clock=clock)) as c:
        episode = create_episode(c, headers, "Now")
        deadline = time.monotonic() + 20
        while not hub.to("/hub"):
            assert time.monotonic() < deadline, "the hub was never told"
            time.sleep(0.05)
        [job] = c.get("/api/jobs", params={"kind": KIND}, headers=headers).json()["items"]
        while job["status"] != "succeeded":
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
            job = c.get(f"/api/jobs/{job['id']}", headers=headers).json()
        assert job["result"] == {"hubs": 1, "pings": 1}
        with session_scope(state(c).sessionmaker) as session:
            [row] = list_jobs(session, kind=KIND)
            assert row.payload == {"episode_id": episode["id"], "reason": "published"}
