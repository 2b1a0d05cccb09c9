"""The old host, started for each test that asks for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from podcast.core.settings import Settings
from tests.imports.oldhost import OldHost
from tests.jobs.conftest import wait_for


def loopback_settings(tmp_path: Path, database_url: str, **extra: Any) -> Settings:
    """Settings for an app that imports from the test's old host, which is on loopback."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="https://podcast.example.org",
        import_allow_private=True,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )


def finished(
    client: TestClient, auth: dict[str, str], job_id: str, timeout: float = 30
) -> dict[str, Any]:
    """The import job's state once it has succeeded or failed."""

    def state() -> dict[str, Any] | None:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=auth).json()
        return job if job["status"] in ("succeeded", "failed") else None

    return wait_for(state, timeout=timeout, what=f"import job {job_id}")  # type: ignore[no-any-return]


@pytest.fixture
def old_host() -> Iterator[OldHost]:
    server = OldHost()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
