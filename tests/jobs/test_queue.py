"""Jobs through the app's own queue and in-process worker (SQLite file and Redis queues)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core.db import on_change, session_scope
from podcast.core.jobs import cancel, enqueue, get_job, utcnow
from tests.jobs.conftest import SWEEP_SECONDS, job_state, runs, wait_for
from tests.jobs.handlers import BACKOFF


def _enqueue(app: FastAPI, kind: str, payload: dict[str, Any], **options: Any) -> str:
    with session_scope(app.state.sessionmaker) as session:
        return enqueue(session, kind, payload, **options).id


def _finished(client: TestClient, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        state = job_state(client, auth, job_id)
        return state if state["status"] in ("succeeded", "failed", "cancelled") else None

    result: dict[str, Any] = wait_for(done, what=f"job {job_id} to finish")
    return result


def test_a_rolled_back_job_never_runs_a_committed_one_does(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    log = files / "runs"
    with pytest.raises(RuntimeError), session_scope(app.state.sessionmaker) as session:
        dropped = enqueue(session, "test.record", {"runs": str(log), "echo": "no"}).id
        raise RuntimeError("the request failed after queueing")
    job_id = _enqueue(app, "test.record", {"runs": str(log), "echo": "yes"})

    state = _finished(client, auth, job_id)
    assert state["status"] == "succeeded"
    assert state["result"] == {"echo": "yes"}
    assert state["attempts"] == 1 and state["progress"] == 1.0 and state["error"] is None
    assert runs(log) == [f"{job_id} 1"]
    assert client.get(f"/api/jobs/{dropped}", headers=auth).status_code == 404


def test_progress_is_visible_while_the_job_runs(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    release = files / "release"
    job_id = _enqueue(app, "test.slow", {"runs": str(files / "runs"), "release": str(release)})

    def reporting() -> dict[str, Any] | None:
        state = job_state(client, auth, job_id)
        running = state["status"] == "running" and state["progress"] > 0
        return state if running and state["message"] else None

    state = wait_for(reporting, what="progress while running")
    assert 0 < state["progress"] < 1 and state["message"].startswith("step ")
    listed = client.get("/api/jobs", params={"status": "running"}, headers=auth).json()
    assert [item["id"] for item in listed["items"]] == [job_id]
    release.touch()
    final = _finished(client, auth, job_id)
    assert final["status"] == "succeeded" and final["progress"] == 1.0
    assert final["result"]["steps"] >= 1


def test_retries_with_backoff_until_it_succeeds(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    log = files / "runs"
    job_id = _enqueue(app, "test.flaky", {"runs": str(log), "failures": 2})
    state = _finished(client, auth, job_id)
    assert state["status"] == "succeeded", state
    assert state["attempts"] == 3
    assert state["result"] == {"succeeded_on_run": 3}
    assert runs(log) == [f"{job_id} {n}" for n in (1, 2, 3)]


def test_a_job_that_keeps_failing_shows_its_error(
    client: TestClient, auth: dict[str, str], files: Path, admin_login: None
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    error = "the feed hub at hub.example.org refused the ping (HTTP 503)"
    log = files / "runs"
    job_id = _enqueue(app, "test.broken", {"runs": str(log), "error": error}, max_attempts=3)
    state = _finished(client, auth, job_id)
    assert state["status"] == "failed"
    assert state["attempts"] == 3 and len(runs(log)) == 3
    assert state["error"] == error  # the sentence, no traceback
    failed = client.get("/api/jobs", params={"status": "failed"}, headers=auth).json()
    assert [item["error"] for item in failed["items"]] == [error]

    page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert error in page.text and job_id in page.text
    assert "Traceback" not in page.text


def test_a_permanent_failure_is_not_retried(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    """A handler that knows retrying cannot help raises ``Permanent``: failed at once, with
    its attempts left unused and its message as the error."""
    app = client.app
    assert isinstance(app, FastAPI)
    error = "the feed could not be read: an HTML page, not a feed"
    log = files / "runs"
    job_id = _enqueue(app, "test.hopeless", {"runs": str(log), "error": error}, max_attempts=5)
    state = _finished(client, auth, job_id)
    assert state["status"] == "failed" and state["error"] == error
    assert state["attempts"] == 1 and state["max_attempts"] == 5
    assert state["message"].startswith("Failed on attempt 1; not retried")
    time.sleep(BACKOFF * 2)  # when a retry would have run
    assert runs(log) == [f"{job_id} 1"]
    assert job_state(client, auth, job_id)["status"] == "failed"


def test_a_job_dispatched_twice_runs_once(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    log = files / "runs"
    release = files / "release"
    job_id = _enqueue(app, "test.slow", {"runs": str(log), "release": str(release)})
    wait_for(lambda: runs(log), what="the first run to start")
    # Two more messages for the same job while it runs, and one after it finished.
    queue = app.state.jobs
    with session_scope(app.state.sessionmaker) as session:
        job = get_job(session, job_id)
        assert job is not None
        run_at = job.run_at
    queue.dispatch(job_id, run_at)
    queue.dispatch(job_id, run_at)
    release.touch()
    assert _finished(client, auth, job_id)["status"] == "succeeded"
    queue.dispatch(job_id, run_at)
    later = _enqueue(app, "test.record", {"runs": str(files / "later")})
    _finished(client, auth, later)  # the queue has drained past the duplicates by now
    assert runs(log) == [f"{job_id} 1"]
    assert job_state(client, auth, job_id)["attempts"] == 1


def test_a_dedupe_key_queues_one_job(client: TestClient, auth: dict[str, str], files: Path) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    log = files / "runs"
    with session_scope(app.state.sessionmaker) as session:
        first = enqueue(session, "test.record", {"runs": str(log)}, dedupe_key="announce")
        second = enqueue(session, "test.record", {"runs": str(log)}, dedupe_key="announce")
        assert first.id == second.id
    assert _finished(client, auth, first.id)["status"] == "succeeded"
    # Once it has run, the key queues a new job.
    again = _enqueue(app, "test.record", {"runs": str(log)}, dedupe_key="announce")
    assert again != first.id
    assert _finished(client, auth, again)["status"] == "succeeded"
    assert len(runs(log)) == 2


def test_cancelling_a_running_job(client: TestClient, auth: dict[str, str], files: Path) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    log = files / "runs"
    job_id = _enqueue(app, "test.slow", {"runs": str(log), "release": str(files / "never")})
    wait_for(lambda: runs(log), what="the job to start")
    with session_scope(app.state.sessionmaker) as session:
        assert [job.id for job in cancel(session, job_id)] == [job_id]
    state = _finished(client, auth, job_id)
    assert state["status"] == "cancelled" and state["result"] is None


def test_scheduled_job_waits_for_its_time(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    log = files / "runs"
    due = utcnow() + timedelta(seconds=2)
    job_id = _enqueue(app, "test.record", {"runs": str(log)}, run_at=due)
    assert job_state(client, auth, job_id)["status"] == "queued"
    state = _finished(client, auth, job_id)
    assert state["status"] == "succeeded"
    assert utcnow() >= due


def test_unknown_jobs_and_tokens(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/api/jobs/0123456789abcdef", headers=auth).status_code == 404
    assert client.get("/api/jobs").status_code == 401
    bad = client.get("/api/jobs", params={"status": "done"}, headers=auth)
    assert bad.status_code == 422
    app = client.app
    assert isinstance(app, FastAPI)
    job_id = _enqueue(app, "no.such.kind", {})
    state = _finished(client, auth, job_id)
    assert state["status"] == "failed"
    assert "no handler for job kind 'no.such.kind'" in state["error"]


def test_job_bookkeeping_leaves_the_caches_alone(
    client: TestClient, auth: dict[str, str], files: Path
) -> None:
    """Claims, progress, outcomes and the sweeper write only the jobs' rows: no reason to
    throw away the built feed (``on_change`` is for the data the caches hold)."""
    app = client.app
    assert isinstance(app, FastAPI)
    changes: list[int] = []
    on_change(app.state.sessionmaker, lambda: changes.append(1))
    release = files / "release"
    job_id = _enqueue(app, "test.slow", {"runs": str(files / "runs"), "release": str(release)})
    assert changes == [1]  # the producer's own commit, which queued it
    wait_for(lambda: job_state(client, auth, job_id)["progress"] > 0, what="progress")
    # (On PostgreSQL the change listener drops the caches once when it connects: by now.)
    before = len(changes)
    time.sleep(3 * SWEEP_SECONDS)  # progress notes, lease renewals, sweeps
    release.touch()
    assert _finished(client, auth, job_id)["status"] == "succeeded"
    time.sleep(3 * SWEEP_SECONDS)
    assert len(changes) == before
