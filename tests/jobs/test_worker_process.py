"""Real ``podcast worker`` processes on the SQLite-file and Redis queues: a worker killed with
``kill -9`` mid-job leaves the job to be retried, and work queued while no worker ran is done
when one starts."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podcast.bootstrap import Runtime, prepare
from podcast.core.clock import SystemClock
from podcast.core.db import make_sessionmaker, session_scope
from podcast.core.jobs import Job, enqueue, get_job
from podcast.core.settings import Settings
from podcast.jobs import open_jobs
from tests.jobs.conftest import runs, wait_for
from tests.jobs.processes import WorkerProcess, job_env
from tests.served import PODCAST


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The producer's side only: a database with the schema and a queue to hand jobs to."""
    ready = prepare(settings, SystemClock())
    open_jobs(settings, ready.sessionmaker, SystemClock())
    yield ready
    ready.engine.dispose()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    """The worker processes a test started, killed at the end if still running."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        if worker.process is not None:
            worker.kill()


def _job(runtime: Runtime, job_id: str) -> dict[str, Any]:
    with session_scope(runtime.read_sessionmaker) as session:
        job = get_job(session, job_id)
        assert job is not None
        return {c: getattr(job, c) for c in Job.__table__.columns.keys()}


def _env(s: Settings) -> dict[str, str]:
    return job_env(s.data_dir, s.database_url, s.queue_url, s.queue_name)


def _new_worker(
    workers: list[WorkerProcess], tmp_path: Path, settings: Settings, **env: str
) -> WorkerProcess:
    env = _env(settings) | env
    worker = WorkerProcess(env, tmp_path / f"worker-{len(workers)}.log")
    workers.append(worker)
    worker.start()
    return worker


def test_a_killed_worker_s_job_is_retried_by_the_next(
    runtime: Runtime,
    workers: list[WorkerProcess],
    settings: Settings,
    tmp_path: Path,
    files: Path,
) -> None:
    log, release = files / "runs", files / "release"
    with session_scope(runtime.sessionmaker) as session:
        job_id = enqueue(session, "test.slow", {"runs": str(log), "release": str(release)}).id
    first = _new_worker(workers, tmp_path, settings)
    wait_for(lambda: runs(log), what="the first worker to start the job")
    assert _job(runtime, job_id)["status"] == "running"
    first.kill()

    second = _new_worker(workers, tmp_path, settings)
    wait_for(lambda: len(runs(log)) == 2, what="the second worker to take the job over")
    release.touch()
    job = wait_for(
        lambda: (j := _job(runtime, job_id))["status"] == "succeeded" and j, what="success"
    )
    assert job["attempts"] == 2
    assert runs(log) == [f"{job_id} 1", f"{job_id} 2"]
    assert second.stop() == 0, second.output()


def test_work_queued_while_no_worker_runs_is_done_when_one_starts(
    runtime: Runtime,
    workers: list[WorkerProcess],
    settings: Settings,
    tmp_path: Path,
    files: Path,
) -> None:
    log = files / "runs"
    with session_scope(runtime.sessionmaker) as session:
        # Handed to the queue on commit, with nobody there to take it.
        sent = enqueue(session, "test.record", {"runs": str(log), "echo": 1}).id
    # Committed by a process that hands nothing to the queue (the CLI): the sweeper's work.
    with session_scope(make_sessionmaker(runtime.engine)) as session:
        unsent = enqueue(session, "test.record", {"runs": str(log), "echo": 2}).id
    assert _job(runtime, unsent)["dispatched_at"] is None
    assert not runs(log)

    worker = _new_worker(workers, tmp_path, settings)
    for job_id, echo in ((sent, 1), (unsent, 2)):
        job = wait_for(
            lambda job_id=job_id: (j := _job(runtime, job_id))["status"] == "succeeded" and j,
            what=f"job {echo}",
        )
        assert job["result"] == {"echo": echo} and job["attempts"] == 1
    assert sorted(runs(log)) == sorted([f"{sent} 1", f"{unsent} 1"])
    assert worker.stop() == 0, worker.output()


def test_a_retried_job_runs_at_once(
    runtime: Runtime,
    workers: list[WorkerProcess],
    settings: Settings,
    tmp_path: Path,
    files: Path,
) -> None:
    """``podcast jobs retry`` hands the job to the queue on commit: a worker whose sweeper
    will not look again for ten minutes starts it within seconds."""
    worker = _new_worker(workers, tmp_path, settings, PODCAST_JOB_SWEEP_SECONDS="600")
    broken = files / "broken"
    with session_scope(runtime.sessionmaker) as session:
        payload = {"runs": str(broken), "error": "no hub"}
        job_id = enqueue(session, "test.broken", payload, max_attempts=1).id
    wait_for(lambda: _job(runtime, job_id)["status"] == "failed", what="the job to fail")

    retried = subprocess.run(
        [str(PODCAST), "jobs", "retry", job_id], env=_env(settings), capture_output=True, timeout=60
    )
    assert retried.returncode == 0, retried.stderr
    assert _job(runtime, job_id)["dispatched_at"] is not None
    wait_for(lambda: len(runs(broken)) == 2, timeout=10, what="the retried job to run")
    job = wait_for(lambda: (j := _job(runtime, job_id))["status"] == "failed" and j)
    assert job["attempts"] == 1 and job["error"] == "no hub"
    assert worker.stop() == 0, worker.output()
