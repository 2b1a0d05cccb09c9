"""An import job retries only what may pass: a URL that is no feed fails at once with the
reason ``podcast import`` gives, a host answering 503 for a while is tried again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import create_token
from podcast.imports import job as import_job
from tests.imports.conftest import finished, loopback_settings
from tests.imports.oldhost import OldHost
from tests.jobs.conftest import wait_for
from tests.web.helpers import parse, sign_in, text_of

PAGE = b"<!DOCTYPE html>\n<html><head><title>Leadership Live</title></head><body></body></html>"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries a fraction of a second apart instead of 30 s (read when the app starts)."""
    monkeypatch.setattr(import_job, "BACKOFF_SECONDS", 0.1)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return loopback_settings(tmp_path, database_url)


def queue(client: TestClient, auth: dict[str, str], url: str) -> str:
    response = client.post("/api/imports", json={"url": url}, headers=auth)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def run(client: TestClient, auth: dict[str, str], url: str) -> dict[str, Any]:
    return finished(client, auth, queue(client, auth, url))


def test_a_web_page_fails_the_job_at_once_with_the_reason(
    client: TestClient, auth: dict[str, str], old_host: OldHost
) -> None:
    old_host.files["/page.html"] = ("text/html; charset=utf-8", PAGE)
    old_host.failing["/feeds/gone.xml"] = [410]
    for path, reason in [
        ("/page.html", "an HTML page, not a feed"),
        ("/feeds/nowhere.xml", "the server answered HTTP 404"),
        ("/feeds/gone.xml", "the server answered HTTP 410"),
    ]:
        started = time.monotonic()
        job = run(client, auth, old_host.base + path)
        assert time.monotonic() - started < 5  # not after 30 + 60 s of backoff
        assert job["status"] == "failed" and job["attempts"] == 1, job
        assert job["error"].startswith("the feed could not be read: "), job["error"]
        assert reason in job["error"]
        assert "not retried" in job["message"]
        assert old_host.requests[path] == 1


def test_a_host_that_is_down_for_a_while_is_tried_again(
    client: TestClient, auth: dict[str, str], old_host: OldHost
) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    path = url.removeprefix(old_host.base)
    old_host.failing[path] = [503, 503]
    job = run(client, auth, url)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 3 and old_host.requests[path] == 3
    assert job["result"]["counts"]["imported"] == 2
    assert job["error"] is None


def test_a_retry_waiting_reads_as_retrying_with_its_error(
    settings: Settings, clock: FrozenClock, old_host: OldHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a retry waits, the job is queued with the last error, and the admin's lists say
    "Retrying" rather than "Queued", as if nothing had been tried."""
    monkeypatch.setattr(import_job, "BACKOFF_SECONDS", 60.0)
    url = old_host.feed("buzzsprout-podcasting20.xml")
    old_host.failing[url.removeprefix(old_host.base)] = [503] * 3
    with TestClient(create_app(settings, clock=clock)) as client:
        with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
            token = create_token(session, "t", clock.now())
        auth = {"Authorization": f"Bearer {token}"}
        job_id = queue(client, auth, url)

        def waiting() -> dict[str, Any] | None:
            job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=auth).json()
            return job if job["attempts"] == 1 and job["status"] == "queued" else None

        job = wait_for(waiting, timeout=30, what="the first attempt to fail")
        assert job["error"] == f"{url}: the server answered HTTP 503", job
        assert job["message"].startswith("Attempt 1 of 3 failed; trying again in ")
        client.base_url = "https://testserver"  # type: ignore[assignment]
        sign_in(client, token)
        for page in ("/admin/import", "/admin/jobs"):
            statuses = [
                text_of(e)
                for e in parse(client.get(page)).xpath("//*[@class]")
                if "status--queued" in e.get("class", "")
            ]
            assert statuses == ["Retrying"], (page, statuses)
            assert "attempt 1 of 3 failed" in client.get(page).text
        assert client.post(f"/api/jobs/{job_id}/cancel", headers=auth).status_code == 200
