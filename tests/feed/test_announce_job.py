"""Announcing on publish through the job queue's seams: the feed names the hubs, going public
queues one ``feed.announce`` job at the right time, and the handler tells a real local hub
only if the episode is public when it runs (podcast/feed/announce_job.py)."""

from __future__ import annotations

import logging
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
from podcast.core.settings import Settings
from podcast.feed.announce import AnnounceFailed
from podcast.feed.announce_job import KIND, announce_handler_for, announce_when_public, dedupe_key
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
    """The usual test settings, with one hub and one ping URL on the local stub."""
    return settings.model_copy(
        update={
            "websub_hubs": [f"{hub.url}/hub"],
            "ping_urls": [f"{hub.url}/ping?url={{feed_url}}"],
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
    """Stands in for ``podcast.core.jobs.enqueue`` (not on this branch): records each call."""

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
            "run_at": None,
            "dedupe_key": dedupe_key(now_one["id"], NOW),
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


def test_the_cli_publish_reaches_the_queue_seam(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Until the job queue lands, podcast/bootstrap.py hands the job to a stand-in that logs it.
    # TODO(lead): with podcast.core.jobs.enqueue wired there, look for the queued job instead.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PODCAST_DATABASE_URL", raising=False)
    monkeypatch.setenv("PODCAST_WEBSUB_HUBS", "https://hub.example.org/")
    runner = CliRunner()
    with caplog.at_level(logging.WARNING, logger="podcast.bootstrap"):
        result = runner.invoke(cli, ["episode", "add", str(FIXTURES / "plain.mp3")])
        assert result.exit_code == 0, result.output
        assert not [r for r in caplog.records if KIND in r.getMessage()]  # a draft: nothing
        result = runner.invoke(cli, ["episode", "add", str(FIXTURES / "plain.mp3"), "--publish"])
        assert result.exit_code == 0, result.output
    [record] = [r for r in caplog.records if KIND in r.getMessage()]
    assert "'episode_id': 2, 'reason': 'published'" in record.getMessage()


# -- the handler -----------------------------------------------------------------------------


def run_handler(client: TestClient, settings: Settings, clock: FrozenClock, episode_id: int):
    handler = announce_handler_for(settings, state(client).read_sessionmaker, clock)
    return handler(Progress(), {"episode_id": episode_id, "reason": "published"})


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


def test_a_failing_hub_fails_the_job_so_the_queue_retries(
    client: TestClient, auth: dict[str, str], settings: Settings, clock: FrozenClock, hub: HubStub
) -> None:
    hub.answer("/hub", 503, 204)
    episode = create_episode(client, auth)
    with pytest.raises(AnnounceFailed, match=f"WebSub hub {hub.url}/hub: answered 503"):
        run_handler(client, settings, clock, episode["id"])
    assert run_handler(client, settings, clock, episode["id"]) == {"hubs": 1, "pings": 1}
