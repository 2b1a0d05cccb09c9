"""``podcast serve`` with nothing configured runs its jobs itself."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from podcast.bootstrap import prepare
from podcast.core.clock import SystemClock
from podcast.core.db import session_scope
from podcast.core.jobs import enqueue
from podcast.core.settings import Settings
from podcast.jobs import open_jobs
from tests.jobs.conftest import SWEEP_SECONDS, runs, wait_for
from tests.jobs.processes import ROOT
from tests.served import Served


def test_serve_runs_jobs_with_the_embedded_queue(
    tmp_path: Path, database_url: str, files: Path
) -> None:
    data = tmp_path / "data"
    served = Served(
        data,
        database_url,
        environment={
            "PYTHONPATH": str(ROOT),
            "PODCAST_JOB_HANDLERS": "tests.jobs.handlers:handlers",
            "PODCAST_JOB_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "COLUMNS": "200",  # a terminal's width for the CLI's tables
        },
    )
    served.start()
    settings = Settings(data_dir=data, database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    runtime = prepare(settings, SystemClock())
    try:
        token = served.cli("token", "create", "jobs").stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        # Jobs committed here go to data/queue.db, as the app's do.
        open_jobs(settings, runtime.sessionmaker, SystemClock())
        log = files / "runs"
        with session_scope(runtime.sessionmaker) as session:
            ids = [
                enqueue(session, "test.record", {"runs": str(log), "echo": n}).id for n in range(6)
            ]
            failing = enqueue(
                session,
                "test.broken",
                {"runs": str(files / "broken"), "error": "no hub"},
                max_attempts=1,
            ).id

        def state(job_id: str) -> dict[str, object]:
            response = httpx.get(f"{served.base_url}/api/jobs/{job_id}", headers=headers)
            assert response.status_code == 200, response.text
            body: dict[str, object] = response.json()
            return body

        for n, job_id in enumerate(ids):
            done = wait_for(
                lambda job_id=job_id: (s := state(job_id))["status"] == "succeeded" and s
            )
            assert done["result"] == {"echo": n} and done["attempts"] == 1
        assert sorted(runs(log)) == sorted(f"{job_id} 1" for job_id in ids)  # each ran once
        failed = wait_for(lambda: (s := state(failing))["status"] == "failed" and s)
        assert failed["error"] == "no hub"

        listed = served.cli("jobs", "list", "--status", "failed")
        assert listed.returncode == 0 and failing in listed.stdout, listed
        shown = served.cli("jobs", "show", failing)
        assert json.loads(shown.stdout)["error"] == "no hub"
        # By hand, again: the CLI hands it to the queue and the server runs it.
        again = served.cli("jobs", "retry", failing)
        assert again.returncode == 0, again.stderr
        wait_for(lambda: len(runs(files / "broken")) == 2, what="the retried job to run")
        assert served.cli("jobs", "show", "nope").returncode == 1
    finally:
        served.stop()
        runtime.engine.dispose()
