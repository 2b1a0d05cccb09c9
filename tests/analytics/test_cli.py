"""``podcast analytics count`` through the real command, on SQLite and PostgreSQL: it says what
it counted and what it left for later as younger than the minimum age."""

from __future__ import annotations

import re
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from podcast.analytics.agents import AgentList
from podcast.analytics.job import SETTLE_SECONDS
from podcast.analytics.recorder import RequestRecorder
from podcast.cli import app as cli
from podcast.core.settings import Settings
from tests.factories import create_episode

OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"


def test_count_says_how_many_it_left_for_later(
    client: TestClient, auth: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    episode = create_episode(client, auth)["id"]
    recorder = RequestRecorder(app.state.sessionmaker, AgentList(), "")
    now = time.time()
    for n, at in enumerate((now - 2 * SETTLE_SECONDS, now - 10, now)):
        recorder.record(episode, 3_000_000, 180.0, f"192.0.2.{n}", OVERCAST, "", "", at=at)
    assert recorder.flush() == 3

    counted = CliRunner().invoke(cli, ["analytics", "count"])
    assert counted.exit_code == 0, counted.output
    line = " ".join(counted.stdout.split())
    assert line.startswith("1 request(s) counted: 1 new download(s); 2 request(s) left for later:")
    # The older of the two is 10 s old (a little more by now): countable in about 20 s.
    assert re.search(r"younger than the minimum age of 30 s \(countable in (1[5-9]|20) s\)", line)
