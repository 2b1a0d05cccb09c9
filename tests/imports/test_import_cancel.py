"""An import cancelled part-way (``POST /api/jobs/{id}/cancel``) on the real queue, against an
old host serving real audio slowly: the episodes finished stay whole, the downloads under way
are dropped without a trace in storage, the job says how many it imported, and importing
again brings over the rest without downloading the first ones again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.media.local import LocalStorage
from podcast.media.store import referenced_keys
from tests.conftest import FIXTURES
from tests.imports.conftest import finished, loopback_settings
from tests.imports.oldhost import OldHost
from tests.jobs.conftest import wait_for
from tests.web.helpers import parse, sign_in

# Five different recordings: each episode's audio is its own file in storage, so a stray or
# missing one shows.
AUDIO = ["plain.mp3", "speech.mp3", "speech.m4a", "speech.ogg", "speech.opus"]
TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg", "opus": "audio/ogg"}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return loopback_settings(tmp_path, database_url, import_concurrency=2)


def _feed(host: OldHost) -> tuple[str, list[str]]:
    """Five episodes: the first two arrive in about 0.3 s each, the others crawl (6 s), so a
    cancel after the first two finds episodes 3 and 4 half-downloaded and 5 not begun."""
    host.pause = 0.01  # sent 1 KiB at a time
    items, paths = [], []
    for i, name in enumerate(AUDIO, start=1):
        extension = name.rsplit(".", 1)[1]
        path = f"/audio/episode-{i}.{extension}"
        host.files[path] = (TYPES[extension], (FIXTURES / name).read_bytes())
        host.slow.add(path)
        if i > 2:
            host.pauses[path] = 0.2
        paths.append(path)
        items.append(
            f"<item><title>Episode {i}</title><guid>episode-{i}</guid>"
            f"<pubDate>Mon, 0{i} Jun 2025 07:00:00 GMT</pubDate>"
            f'<enclosure url="{host.base}{path}" type="{TYPES[extension]}"/></item>'
        )
    feed = f"<rss version='2.0'><channel><title>Five</title>{''.join(items)}</channel></rss>"
    host.files["/feeds/five.xml"] = ("application/rss+xml", feed.encode())
    return f"{host.base}/feeds/five.xml", paths


def _episodes(client: TestClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/episodes", headers=auth).json()["items"]
    return items


def _stored_as_referenced(app: FastAPI) -> set[str]:
    """What storage holds is exactly what rows refer to, and nothing is left half-received."""
    storage = app.state.storage
    assert isinstance(storage, LocalStorage)
    assert list(storage.incoming.iterdir()) == []
    with session_scope(app.state.sessionmaker) as session:
        referenced = referenced_keys(session)
    assert set(storage.keys()) == referenced
    return referenced


def test_a_cancelled_import_keeps_whole_episodes_and_resumes(
    client: TestClient, auth: dict[str, str], old_host: OldHost, token: str
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    url, paths = _feed(old_host)
    started = client.post("/api/imports", json={"url": url}, headers=auth)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]

    wait_for(lambda: len(_episodes(client, auth)) >= 2, timeout=20, what="two episodes")
    client.base_url = "https://testserver"  # type: ignore[assignment]  # the admin's cookies
    sign_in(client, token)
    page = parse(client.get(f"/admin/import/{job_id}"))
    action = f"/admin/jobs/{job_id}/cancel"
    assert page.xpath(f"//form[@action='{action}']//button")[0].text == (
        f"Cancel the import from {url}"
    )
    response = client.post(f"/api/jobs/{job_id}/cancel", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["stopping"] is True

    def stopped() -> dict[str, Any] | None:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=auth).json()
        return None if job["stopping"] else job

    job = wait_for(stopped, timeout=20, what="the import to stop")
    assert job["status"] == "cancelled"
    assert job["message"] == (
        "Cancelled after 2 of 5 episodes: 2 imported this time, each complete. "
        "Importing the same feed again brings over the rest."
    )
    report = job["result"]
    assert report["cancelled"] is True and report["not_reached"] == 3
    assert report["counts"] == {"imported": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    episodes = _episodes(client, auth)
    assert sorted(e["guid"] for e in episodes) == ["episode-1", "episode-2"]
    assert all(e["status"] == "published" and e["audio"] for e in episodes)
    assert old_host.requests[paths[4]] == 0  # never started: the cancel came first
    first = _stored_as_referenced(app)

    shown = parse(client.get(f"/admin/import/{job_id}"))
    assert not shown.xpath(f"//form[@action='{action}']")
    assert "Cancelled part-way: 3 episode(s)" in shown.text_content()
    assert job["message"] in shown.text_content()

    # Later, at full speed: the rest comes over, the first two are not downloaded again.
    old_host.slow.clear()
    again = client.post("/api/imports", json={"url": url}, headers=auth)
    assert again.status_code == 202, again.text

    rerun = finished(client, auth, again.json()["id"], timeout=20)
    assert rerun["status"] == "succeeded", rerun["error"]
    assert rerun["result"]["counts"] == {"imported": 3, "updated": 0, "unchanged": 2, "skipped": 0}
    assert len(_episodes(client, auth)) == 5
    assert [old_host.requests[path] for path in paths[:2]] == [1, 1]
    assert first < _stored_as_referenced(app)
