"""``POST /api/jobs/{id}/cancel`` and the admin's Cancel buttons, on the real queue: a queued
job never runs, a running one is "stopping" until its worker has stopped, a finished one is
refused; the admin's form needs its CSRF token."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core.db import session_scope
from podcast.core.jobs import enqueue, retry
from tests.jobs.conftest import LEASE_SECONDS, job_state, runs, wait_for
from tests.web.helpers import check_structure, csrf_of, parse


def _enqueue(client: TestClient, kind: str, payload: dict[str, Any]) -> str:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        return enqueue(session, kind, payload).id


def _slow(client: TestClient, files: Path, name: str) -> tuple[str, Path]:
    """A running ``test.slow`` job (it runs until ``files/release`` exists or it is told to
    stop) and its log of runs."""
    log = files / f"{name}.runs"
    job_id = _enqueue(client, "test.slow", {"runs": str(log), "release": str(files / "release")})
    wait_for(lambda: runs(log), what=f"job {name} to start")
    return job_id, log


def _stopped(client: TestClient, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    def state() -> dict[str, Any] | None:
        job = job_state(client, auth, job_id)
        return job if job["status"] == "cancelled" and not job["stopping"] else None

    result: dict[str, Any] = wait_for(state, what=f"job {job_id} to stop")
    return result


def test_a_queued_job_cancelled_through_the_api_never_runs(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    # Both of the app's job threads are busy, so the next job waits in the queue.
    busy = [_slow(client, files, f"busy-{i}")[0] for i in range(2)]
    log = files / "queued.runs"
    job_id = _enqueue(client, "test.record", {"runs": str(log)})
    assert job_state(client, auth, job_id)["status"] == "queued"

    response = client.post(f"/api/jobs/{job_id}/cancel", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == job_state(client, auth, job_id)  # the same schema as GET
    assert body["status"] == "cancelled" and body["stopping"] is False
    assert body["message"] == "Cancelled before it ran." and body["attempts"] == 0

    (files / "release").touch()  # the busy jobs end; the threads take the queue's next message
    for other in busy:
        wait_for(lambda o=other: job_state(client, auth, o)["status"] == "succeeded")
    sentinel = files / "sentinel.runs"
    _enqueue(client, "test.record", {"runs": str(sentinel)})
    wait_for(lambda: runs(sentinel), what="a job queued after it to run")
    assert runs(log) == []
    assert job_state(client, auth, job_id)["status"] == "cancelled"
    # Asking again is harmless: the job as it is.
    again = client.post(f"/api/jobs/{job_id}/cancel", headers=auth)
    assert again.status_code == 200 and again.json() == job_state(client, auth, job_id)


def test_a_running_job_is_stopping_until_its_worker_stops(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    # It finishes its step (until ``release`` exists) before it looks at the cancel, so the
    # test sees it stopping however quickly the worker would otherwise have stopped.
    log = files / "running.runs"
    payload = {"runs": str(log), "release": str(files / "release"), "ignore_cancel": True}
    job_id = _enqueue(client, "test.slow", payload)
    wait_for(lambda: runs(log), what="the job to start")
    response = client.post(f"/api/jobs/{job_id}/cancel", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["stopping"] is True
    assert "stops at its next check" in response.json()["message"]
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        assert retry(session, job_id) is None  # not while its worker may still be at work

    (files / "release").touch()
    state = _stopped(client, auth, job_id)
    assert state["message"] == "Cancelled while running; it has stopped."
    assert state["result"] is None  # what the handler returned afterwards is discarded
    assert runs(log) == [f"{job_id} 1"]


def test_a_job_busy_past_its_lease_stays_stopping_until_it_ends(
    client: TestClient, auth: dict[str, str], files: Path, admin_login: None
) -> None:
    log = files / "stubborn.runs"
    payload = {"runs": str(log), "release": str(files / "release"), "ignore_cancel": True}
    job_id = _enqueue(client, "test.slow", payload)
    wait_for(lambda: runs(log), what="the job to start")
    assert client.post(f"/api/jobs/{job_id}/cancel", headers=auth).json()["stopping"] is True
    time.sleep(LEASE_SECONDS * 1.5)  # its worker keeps the lease while the handler runs
    assert job_state(client, auth, job_id)["stopping"] is True
    row = parse(client.get("/admin/jobs")).xpath(f"//tr[.//code[text()='{job_id}']]")[0]
    assert row.xpath(".//span[contains(@class, 'status')]")[0].text == "Cancelling"
    assert not row.xpath(".//form")  # neither cancel nor retry while it may still write
    (files / "release").touch()
    assert _stopped(client, auth, job_id)["result"] is None
    row = parse(client.get("/admin/jobs")).xpath(f"//tr[.//code[text()='{job_id}']]")[0]
    assert row.xpath(".//span[contains(@class, 'status')]")[0].text == "Cancelled"


def test_unknown_finished_and_anonymous_cancels_are_refused(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    unknown = client.post(f"/api/jobs/{'0' * 32}/cancel", headers=auth)
    assert unknown.status_code == 404 and "no job" in unknown.json()["detail"]
    job_id = _enqueue(client, "test.record", {"runs": str(files / "done.runs")})
    wait_for(lambda: job_state(client, auth, job_id)["status"] == "succeeded")
    assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 401

    finished = client.post(f"/api/jobs/{job_id}/cancel", headers=auth)
    assert finished.status_code == 409
    assert finished.json()["detail"] == (
        f"job {job_id} already succeeded: only a queued or running job can be cancelled"
    )
    assert job_state(client, auth, job_id)["status"] == "succeeded"


def test_the_admin_cancels_a_running_job_with_its_csrf_token(
    client: TestClient, auth: dict[str, str], files: Path, admin_login: None
) -> None:
    job_id, _log = _slow(client, files, "admin")
    action = f"/admin/jobs/{job_id}/cancel"
    page = parse(client.get("/admin/jobs"))
    check_structure(page)
    button = page.xpath(f"//form[@action='{action}']//button[@type='submit']")[0]
    assert " ".join(button.text_content().split()) == f"Cancel job test.slow {job_id}"

    refused = client.post(action, data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert job_state(client, auth, job_id)["status"] == "running"

    done = client.post(action, data={"csrf_token": csrf_of(page, action)}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] in (
        "/admin/jobs?done=cancelling",
        "/admin/jobs?done=cancelled",  # the worker stopped before the redirect was built
    )
    _stopped(client, auth, job_id)
    after = parse(client.get("/admin/jobs"))
    row = after.xpath(f"//tr[.//code[text()='{job_id}']]")[0]
    assert row.xpath(".//span[contains(@class, 'status')]")[0].text == "Cancelled"
    assert not after.xpath(f"//form[@action='{action}']")  # nothing left to cancel
    assert after.xpath(f"//form[@action='/admin/jobs/{job_id}/retry']")

    # From the job's own page, the form comes back to it.
    other, _ = _slow(client, files, "admin-2")
    job_page = parse(client.get(f"/admin/jobs/{other}"))
    check_structure(job_page)
    form_action = f"/admin/jobs/{other}/cancel"
    assert job_page.xpath(f"//form[@action='{form_action}']//button")[0].text == (
        "Cancel job test.slow"
    )
    back = client.post(
        form_action,
        data={"csrf_token": csrf_of(job_page, form_action), "back": "job"},
        follow_redirects=False,
    )
    assert back.headers["location"].startswith(f"/admin/jobs/{other}?done=cancel")
    shown = parse(client.get(back.headers["location"]))
    status = shown.xpath("//dt[text()='Status']/following-sibling::dd[1]/span")[0].text
    assert status in ("Cancelling", "Cancelled")
    assert "The job is cancelled" in shown.xpath("//div[@role='status']")[0].text_content()
    _stopped(client, auth, other)
    final = parse(client.get(f"/admin/jobs/{other}"))
    assert final.xpath("//dt[text()='Status']/following-sibling::dd[1]/span")[0].text == (
        "Cancelled"
    )
    again = client.post(form_action, data={"csrf_token": csrf_of(page, action)})
    assert "The job is cancelled." in again.text  # harmless, as in the API
    gone = client.post(form_action.replace(other, "f" * 32), data={"csrf_token": csrf_of(page)})
    assert "cannot be cancelled" in gone.text
