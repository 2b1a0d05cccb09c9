"""Deduplicated jobs under concurrency, on real SQLite and PostgreSQL: a job found queued
under a key cannot start before the transaction that found it commits, and the sweeper takes
back a dead worker's job even when a newer one is queued under its key."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from podcast.core.db import make_sessionmaker, session_scope
from podcast.core.jobs import Job, enqueue, get_job, state_sessions, utcnow
from podcast.core.settings import Settings
from podcast.jobs.runner import Claimed, claim

KEY = "tests.dedupe"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker: these tests move the jobs' rows themselves."""
    return settings.model_copy(update={"serve_jobs": False})


def _app(client: TestClient) -> FastAPI:
    app = client.app
    assert isinstance(app, FastAPI)
    return app


def test_a_job_found_queued_waits_for_the_finders_commit(client: TestClient) -> None:
    app = _app(client)
    sessions = make_sessionmaker(app.state.engine)  # no dispatcher: nothing reaches a queue
    with session_scope(sessions) as session:
        job_id = enqueue(session, "tests.kind", {}, dedupe_key=KEY).id
    claimed: list[tuple[float, Claimed | None]] = []

    def worker() -> None:
        taken = claim(state_sessions(sessions), job_id, lease_seconds=30)
        claimed.append((time.monotonic(), taken))

    with session_scope(sessions) as session:
        found = enqueue(session, "tests.kind", {}, dedupe_key=KEY, keep_queued=True)
        assert found.id == job_id, "the queued job, not a new one"
        thread = threading.Thread(target=worker)
        thread.start()
        time.sleep(0.4)  # what the finder writes meanwhile (the requests the job must see)
        assert not claimed, "the job started before the transaction that found it committed"
        committed = time.monotonic()
    thread.join(timeout=20)
    ((when, taken),) = claimed
    assert taken is not None and when >= committed


def test_the_sweeper_cancels_a_dead_workers_job_when_a_newer_one_is_queued(
    client: TestClient,
) -> None:
    app = _app(client)
    sessions = make_sessionmaker(app.state.engine)
    with session_scope(sessions) as session:
        dead = enqueue(session, "tests.kind", {}, dedupe_key=KEY).id
    with session_scope(sessions) as session:
        session.execute(
            update(Job)
            .where(Job.id == dead)
            .values(status="running", attempts=1, lease_until=utcnow() - timedelta(seconds=1))
        )
        later = utcnow() + timedelta(hours=1)
        newer = enqueue(session, "tests.kind", {}, dedupe_key=KEY, run_at=later).id
    assert newer != dead
    app.state.jobs.sweep()  # once more, as its thread would: it must not fail on the key
    with session_scope(sessions) as session:
        dead_job, newer_job = get_job(session, dead), get_job(session, newer)
        assert dead_job is not None and newer_job is not None
        assert (dead_job.status, newer_job.status) == ("cancelled", "queued")
        assert dead_job.message and "newer job" in dead_job.message
