"""Jobs tests run the real queue: the SQLite file in the data folder, and Redis."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.settings import Settings
from tests.conftest import from_template
from tests.jobs.handlers import handlers

REDIS_URL = os.environ.get("PODCAST_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
QUEUES = ["sqlite", "redis"]
# Small enough for a killed worker's job to come back within seconds.
LEASE_SECONDS = 1.5
SWEEP_SECONDS = 0.3


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=QUEUES)
def queue_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """ "" for the embedded SQLite queue, else Redis (skipped when no server answers)."""
    if request.param == "sqlite":
        yield ""
        return
    if not redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield REDIS_URL


@pytest.fixture
def queue_name(queue_url: str) -> Iterator[str]:
    """A queue of this test's own; its Redis keys are deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    if queue_url:
        import redis

        client = redis.Redis.from_url(queue_url)
        keys = list(client.scan_iter(match=f"huey.*{name}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, sqlite_template: Path, queue_url: str, queue_name: str
) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=from_template(database_url, sqlite_template),
        base_url="https://podcast.example.org",
        queue_url=queue_url,
        queue_name=queue_name,
        serve_jobs=True,  # the app runs jobs itself, with Redis too
        job_workers=2,
        job_lease_seconds=LEASE_SECONDS,
        job_sweep_seconds=SWEEP_SECONDS,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> FastAPI:
    return create_app(settings, clock=clock, job_handlers=handlers())


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """Where test handlers leave their evidence."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    return folder


def wait_for(check: Callable[[], Any], timeout: float = 15.0, what: str = "the condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def job_state(client: TestClient, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/jobs/{job_id}", headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def runs(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def admin_login(client: TestClient, token: str) -> None:
    """Signs ``client`` in to the producer area (over https: its cookies are Secure)."""
    from tests.web.helpers import sign_in

    client.base_url = "https://testserver"  # type: ignore[assignment]
    sign_in(client, token)
