"""``POST /api/imports``: an import queued as a job, run by the app's own worker, its progress
and report read from ``GET /api/jobs/{id}``; bad URLs refused at once, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import create_token
from tests.imports.conftest import finished, loopback_settings
from tests.imports.oldhost import OldHost
from tests.web.helpers import check_links, check_structure, csrf_of, h1, parse, sign_in, text_of


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return loopback_settings(tmp_path, database_url)


def test_an_import_runs_as_a_job_with_its_report(
    client: TestClient, auth: dict[str, str], old_host: OldHost
) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    # "show" may name this installation's show (the one it serves).
    body = {"url": url, "dry_run": True, "show": "leadership-live"}
    dry = client.post("/api/imports", json=body, headers=auth)
    assert dry.status_code == 202, dry.text
    assert dry.json()["kind"] == "imports.run"
    report = finished(client, auth, dry.json()["id"])["result"]
    assert report["dry_run"] and report["counts"]["imported"] == 2
    assert client.get("/api/episodes", headers=auth).json()["items"] == []

    response = client.post("/api/imports", json={"url": url}, headers=auth)
    assert response.status_code == 202, response.text
    job = finished(client, auth, response.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    assert job["progress"] == 1.0
    assert job["message"].startswith("2 of 2 episodes")
    assert job["result"]["counts"] == {"imported": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    guids = {i["guid"] for i in job["result"]["items"]}
    assert "Buzzsprout-12345678" in guids
    listed = client.get("/api/episodes", headers=auth).json()["items"]
    assert {e["status"] for e in listed} == {"published"} and len(listed) == 2


def test_bad_requests_are_refused_naming_the_field(
    client: TestClient, auth: dict[str, str]
) -> None:
    cases = [
        ({"url": "file:///etc/passwd"}, "url:"),
        ({"url": "https://feeds.example.org/x.rss", "since": "last week"}, "since:"),
        ({"url": "https://feeds.example.org/x.rss", "media": "no"}, "media:"),
        ({"url": "https://feeds.example.org/x.rss", "extra": 1}, "extra:"),
        ({"url": "https://feeds.example.org/x.rss", "show": ""}, "show:"),
        ({"url": "https://feeds.example.org/x.rss", "show": 7}, "show:"),
        ({"url": "https://feeds.example.org/x.rss", "show": "staff-voices"}, "show:"),
    ]
    for body, field in cases:
        response = client.post("/api/imports", json=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"].startswith(field), response.text
    assert client.post("/api/imports", json={"url": "https://x.example/"}).status_code == 401
    assert client.get("/api/jobs", headers=auth).json()["items"] == []


def test_a_private_address_is_refused_unless_allowed(
    settings: Settings, clock: FrozenClock, old_host: OldHost
) -> None:
    strict = settings.model_copy(update={"import_allow_private": False})
    with TestClient(create_app(strict, clock=clock)) as client:
        with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
            auth = {"Authorization": "Bearer " + create_token(session, "t", clock.now())}
        for url in (old_host.feed("buzzsprout-podcasting20.xml"), "http://169.254.169.254/"):
            response = client.post("/api/imports", json={"url": url}, headers=auth)
            assert response.status_code == 422, response.text
            detail = response.json()["detail"]
            assert detail.startswith("url:") and "PODCAST_IMPORT_ALLOW_PRIVATE" in detail


@pytest.fixture
def admin_login(client: TestClient, token: str) -> None:
    client.base_url = "https://testserver"  # type: ignore[assignment]
    sign_in(client, token)


def test_the_admin_starts_an_import_and_shows_its_report(
    client: TestClient, auth: dict[str, str], admin_login: None, old_host: OldHost
) -> None:
    page = client.get("/admin/import")
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    doc = parse(page)
    check_structure(doc)
    assert h1(doc) == "Import a show"
    assert "No imports yet." in doc.text_content()
    csrf = csrf_of(doc, "/admin/import")

    # Refused: a forged token; a bad address and date, each next to its field; nothing queued.
    forged = client.post("/admin/import", data={"csrf_token": "x", "url": "https://a.example/"})
    assert forged.status_code == 403
    bad = client.post(
        "/admin/import", data={"csrf_token": csrf, "url": "ftp://old/feed", "since": "soon"}
    )
    assert bad.status_code == 422
    errors = {e.get("id"): text_of(e) for e in parse(bad).xpath("//p[contains(@id, '-error')]")}
    assert "http:// or https://" in errors["url-error"]
    assert "2024-01-31" in errors["since-error"]
    assert client.get("/api/jobs", headers=auth).json()["items"] == []

    url = old_host.feed("buzzsprout-podcasting20.xml")
    started = client.post(
        "/admin/import",
        data={"csrf_token": csrf, "url": url, "media": "on"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    job_page = started.headers["location"]
    job_id = job_page.rsplit("/", 1)[-1]
    assert finished(client, auth, job_id)["status"] == "succeeded"

    done = parse(client.get(job_page))
    check_structure(done)
    assert h1(done) == f"Import from {url}"
    assert not done.xpath("//meta[@http-equiv='refresh']")
    body = text_of(done)
    assert "2 imported, 0 updated, 0 unchanged, 0 skipped" in body
    assert "Building anti-racist leadership in the NHS" in body
    assert "Leaving the old host" in body and "transcript en-GB not imported" in body
    check_links(client, done)
    listed = parse(client.get("/admin/import"))
    assert listed.xpath(f"//a[@href='{job_page}']")
    assert client.get("/admin/import/" + "f" * 32).status_code == 404
