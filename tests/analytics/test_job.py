"""The counting job through the real queue: a flush queues it (once, however many flushes)
and the app's own worker runs it."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from podcast.analytics import job
from podcast.analytics.agents import AgentList
from podcast.analytics.models import Download
from podcast.analytics.recorder import RequestRecorder
from podcast.core.db import session_scope
from podcast.core.jobs import list_jobs
from tests.conftest import NOW
from tests.factories import create_episode
from tests.jobs.conftest import wait_for

OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
SERVE_JOBS = True  # tests/analytics/conftest.py: the app's own worker runs the jobs


def test_a_flush_queues_the_count_that_the_worker_runs(
    client: TestClient, auth: dict[str, str]
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    episode = create_episode(client, auth)["id"]
    recorder = RequestRecorder(app.state.sessionmaker, AgentList(), "", settle_seconds=0)
    long_ago = NOW.timestamp() - 2 * job.SETTLE_SECONDS  # the app's clock is frozen at NOW
    for n in range(3):
        recorder.record(episode, 3_000_000, 180.0, f"192.0.2.{n}", OVERCAST, "", "", at=long_ago)
    assert recorder.flush() == 3

    def counted() -> int | None:
        with session_scope(app.state.sessionmaker) as session:
            found = session.scalar(select(func.count()).select_from(Download))
            return found if found == 3 else None

    assert wait_for(counted, what="three downloads counted by the worker") == 3

    def finished() -> bool:  # the downloads commit before the worker records the job's end
        with session_scope(app.state.sessionmaker) as session:
            return [j.status for j in list_jobs(session, kind=job.KIND)] == ["succeeded"]

    assert wait_for(finished, what="the count job to be recorded as succeeded")
    with session_scope(app.state.sessionmaker) as session:
        (run,) = list_jobs(session, kind=job.KIND)
        assert run.result is not None and run.result["downloads"] == 3
        # Due at once (queue time is wall time): its requests were already old enough.
        assert run.run_at <= run.created_at + timedelta(seconds=1)
