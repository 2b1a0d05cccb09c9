"""``/admin/jobs``: producers see failed jobs' errors and can try them again."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core.db import session_scope
from podcast.core.jobs import enqueue
from tests.jobs.conftest import job_state, runs, wait_for
from tests.web.helpers import check_links, check_structure, csrf_of, h1, parse


def test_the_jobs_page_shows_errors_and_retries(
    client: TestClient, auth: dict[str, str], files: Path, admin_login: None
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    log = files / "runs"
    error = "the transcription model is missing: install the whisper files"
    with session_scope(app.state.sessionmaker) as session:
        job_id = enqueue(
            session, "test.broken", {"runs": str(log), "error": error}, max_attempts=1
        ).id
    wait_for(lambda: job_state(client, auth, job_id)["status"] == "failed", what="failure")

    page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    doc = parse(page)
    check_structure(doc)
    assert h1(doc) == "Background jobs"
    assert doc.xpath("//nav//a[@href='/admin/jobs'][@aria-current='page']")
    row = doc.xpath(f"//tr[.//code[text()='{job_id}']]")[0]
    assert error in row.text_content() and "Failed" in row.text_content()
    check_links(client, doc)
    only_running = parse(client.get("/admin/jobs?status=running"))
    assert not only_running.xpath(f"//code[text()='{job_id}']")
    assert "No running jobs." in only_running.text_content()

    action = f"/admin/jobs/{job_id}/retry"
    refused = client.post(action, data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403 and len(runs(log)) == 1
    retried = client.post(action, data={"csrf_token": csrf_of(doc, action)}, follow_redirects=False)
    assert retried.status_code == 303
    assert retried.headers["location"] == "/admin/jobs?done=retried"
    wait_for(lambda: len(runs(log)) == 2, what="the retried job to run again")
    state = wait_for(lambda: (s := job_state(client, auth, job_id))["status"] == "failed" and s)
    assert state["attempts"] == 1 and state["error"] == error
    again = client.post(action.replace(job_id, "f" * 32), data={"csrf_token": csrf_of(doc, action)})
    assert "cannot be retried" in again.text


def test_signed_out_producers_are_sent_to_sign_in(client: TestClient) -> None:
    client.base_url = "https://testserver"  # type: ignore[assignment]
    response = client.get("/admin/jobs", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
