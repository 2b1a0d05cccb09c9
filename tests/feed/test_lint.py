"""``podcast check`` and ``GET /api/feed/check``: findings name the rule and the episode."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from podcast.cli import app as cli
from podcast.cli import common as cli_common
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.feed import data as feed_data
from podcast.shows.models import Show
from tests.factories import create_episode
from tests.feed.support import image_bytes, put_artwork
from transcripts.links import FeedTranscripts, TranscriptLink


@pytest.fixture(autouse=True)
def transcripts(monkeypatch: pytest.MonkeyPatch) -> dict[int, list[TranscriptLink]]:
    """Transcript links under the test's control (the transcripts package has its own tests)."""
    links: dict[int, list[TranscriptLink]] = {}
    monkeypatch.setattr(
        feed_data, "feed_transcripts", lambda _s, _e, _b: FeedTranscripts(links, set())
    )
    return links


def check(client: TestClient, auth: dict[str, str]) -> dict:
    response = client.get("/api/feed/check", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def rules(report: dict, severity: str | None = None) -> set[str]:
    return {f["rule"] for f in report["findings"] if severity in (None, f["severity"])}


def test_needs_a_producer(client: TestClient) -> None:
    assert client.get("/api/feed/check").status_code == 401


def test_new_show_is_not_ready(client: TestClient, auth: dict[str, str]) -> None:
    report = check(client, auth)
    assert report["ok"] is False
    assert rules(report, "error") == {"show-artwork-missing"}
    # The settings' stand-in owner address is still there: a placeholder nobody reads.
    assert rules(report, "warning") == {"feed-empty", "show-owner-email-placeholder"}
    fixes = {f["rule"]: f["fix"] for f in report["findings"]}
    assert fixes == {
        "show-artwork-missing": "/admin/show#artwork-heading",
        "show-owner-email-placeholder": "/admin/show#owner_email",
        "feed-empty": "/admin/episodes/new",
    }


@pytest.mark.parametrize(
    ("email", "placeholder"),
    [
        ("leadershipacademy@example.nhs.uk", True),  # the settings' default
        ("podcast@example.com", True),
        ("me@podcast.example", True),
        ("podcast@leadershipacademy.nhs.uk", False),
        ("examples@nhs.net", False),
    ],
)
def test_placeholder_owner_email(
    client: TestClient, auth: dict[str, str], email: str, placeholder: bool
) -> None:
    assert client.patch("/api/show", json={"owner_email": email}, headers=auth).status_code == 200
    found = "show-owner-email-placeholder" in rules(check(client, auth), "warning")
    assert found is placeholder


def test_duplicate_episode_numbers_within_a_season(
    client: TestClient, auth: dict[str, str]
) -> None:
    put_artwork(client, auth, image_bytes(1400))
    first = create_episode(client, auth, "First", season=1, episode_number=1)
    again = create_episode(client, auth, "Also first", season=1, episode_number=1)
    create_episode(client, auth, "Next season", season=2, episode_number=1)
    create_episode(client, auth, "Second", season=1, episode_number=2)
    report = check(client, auth)
    found = [f for f in report["findings"] if f["rule"] == "item-episode-number-unique"]
    assert {f["episode"]["id"]: f["fix"] for f in found} == {
        first["id"]: f"/admin/episodes/{first['id']}",
        again["id"]: f"/admin/episodes/{again['id']}",
    }
    assert all("season 1" in f["message"] for f in found)
    assert "'Also first'" in next(f["message"] for f in found if f["episode"]["id"] == first["id"])


def test_a_good_feed_has_only_warnings(client: TestClient, auth: dict[str, str]) -> None:
    put_artwork(client, auth, image_bytes(1400))
    episode = create_episode(client, auth, "Good episode", audio="speech.mp3", summary="Fine.")
    report = check(client, auth)
    assert report["ok"] is True, report
    assert report["errors"] == 0 and report["episodes"] == 1
    # No transcript yet: a warning that names the episode.
    [finding] = [f for f in report["findings"] if f["rule"] == "item-transcript"]
    assert finding["severity"] == "warning"
    assert finding["episode"] == {
        "id": episode["id"],
        "slug": episode["slug"],
        "title": "Good episode",
    }


def test_item_findings(client: TestClient, auth: dict[str, str]) -> None:
    put_artwork(client, auth, image_bytes(1400))
    long_title = "A very long title " * 7
    long = create_episode(client, auth, long_title.strip())
    numbered = create_episode(client, auth, "Episode 12: numbers belong in tags")
    notes = create_episode(client, auth, "Long notes", show_notes="<p>" + "word " * 1000 + "</p>")
    opus = create_episode(client, auth, "Opus audio", audio="speech.opus")
    report = check(client, auth)
    by_episode: dict[int, set[str]] = {}
    for f in report["findings"]:
        if f["episode"]:
            by_episode.setdefault(f["episode"]["id"], set()).add(f["rule"])
    assert "item-title-length" in by_episode[long["id"]]
    assert "item-title-number" in by_episode[numbered["id"]]
    assert "item-description-length" in by_episode[notes["id"]]
    assert "item-enclosure-type" in by_episode[opus["id"]]
    # Episodes without their own artwork are fine: apps show the show's.
    assert all("item-artwork" not in found for found in by_episode.values())
    assert all(
        f["fix"] == f"/admin/episodes/{f['episode']['id']}"
        for f in report["findings"]
        if f["episode"]
    )
    assert report["ok"] is True  # all of these are warnings


def test_serial_show_needs_episode_numbers(client: TestClient, auth: dict[str, str]) -> None:
    put_artwork(client, auth, image_bytes(1400))
    client.patch("/api/show", json={"show_type": "serial"}, headers=auth)
    unnumbered = create_episode(client, auth, "Part one")
    create_episode(client, auth, "Part two", episode_number=2)
    report = check(client, auth)
    assert report["ok"] is False
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["episode"]["id"]) for f in errors] == [
        ("item-episode-number", unnumbered["id"])
    ]


def test_artwork_that_breaks_the_rules(
    client: TestClient, auth: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    """Art stored before the upload checks existed (or put there by hand) is still checked."""
    put_artwork(client, auth, image_bytes(1400))
    with session_scope(app.state.sessionmaker) as session:
        show = session.scalars(select(Show)).one()
        path = settings.media_dir / show.artwork_key
    Image.new("CMYK", (800, 600)).save(path, format="JPEG")
    report = check(client, auth)
    assert {"show-artwork-size", "show-artwork-colour"} <= rules(report, "error")
    path.unlink()
    assert "show-artwork-format" in rules(check(client, auth), "error")


def test_show_level_rules(client: TestClient, auth: dict[str, str], app: FastAPI) -> None:
    put_artwork(client, auth, image_bytes(1400))
    with session_scope(app.state.sessionmaker) as session:  # values the API would refuse
        show = session.scalars(select(Show)).one()
        show.owner_email = ""
        show.category = "Games & Hobbies"
        show.subcategory = None
        show.language = "English"
    report = check(client, auth)
    assert rules(report, "error") == {"show-owner-email", "show-category", "show-language"}
    [category] = [f for f in report["findings"] if f["rule"] == "show-category"]
    assert "retired" in category["message"] and category["episode"] is None


@pytest.fixture
def cli_env(
    settings: Settings, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PODCAST_BASE_URL", settings.base_url)
    # Rich wraps at 80 columns without a terminal (its console is made once, at import).
    monkeypatch.setattr(cli_common.console, "width", 250)


def test_cli_exit_codes(client: TestClient, auth: dict[str, str], cli_env: None) -> None:
    runner = CliRunner()
    failing = runner.invoke(cli, ["check"], terminal_width=200)
    assert failing.exit_code == 1, failing.output
    assert "show-artwork-missing" in failing.output
    assert "/admin/show#artwork-heading" in failing.output  # where to fix it
    assert "0 episode(s) in the feed: 1 error(s)" in failing.output

    put_artwork(client, auth, image_bytes(1400))
    episode = create_episode(client, auth, "Ready")
    passing = runner.invoke(cli, ["check"], terminal_width=200)
    assert passing.exit_code == 0, passing.output
    assert "item-transcript" in passing.output
    assert f"{episode['id']} {episode['slug']}" in passing.output
    assert "1 episode(s) in the feed: 0 error(s)" in passing.output
