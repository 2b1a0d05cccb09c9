"""Which queue the settings choose, and whether ``podcast serve`` runs jobs itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from pydantic import ValidationError

from podcast.core.settings import Settings
from podcast.jobs import runs_jobs_in_serve
from podcast.jobs.queue import open_huey


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_the_embedded_queue_is_a_file_in_the_data_folder(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    huey = open_huey(settings)
    assert isinstance(huey, SqliteHuey)
    assert huey.storage.filename == str((tmp_path / "data" / "queue.db").resolve())
    assert runs_jobs_in_serve(settings)
    assert not runs_jobs_in_serve(_settings(tmp_path, serve_jobs=False))


def test_redis_queues_run_in_workers_unless_asked(tmp_path: Path) -> None:
    settings = _settings(tmp_path, queue_url="redis://127.0.0.1:6379/0", queue_name="lead")
    huey = open_huey(settings)
    assert isinstance(huey, RedisHuey) and huey.name == "lead"
    assert not runs_jobs_in_serve(settings)
    assert runs_jobs_in_serve(_settings(tmp_path, queue_url="redis://x:1/0", serve_jobs=True))


def test_other_queue_urls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="redis://"):
        _settings(tmp_path, queue_url="amqp://127.0.0.1/")
