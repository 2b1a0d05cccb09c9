"""Producer tokens through the real ``podcast`` command, used against the API."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from podcast.app import create_app
from podcast.cli import app as cli
from podcast.core.settings import Settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PODCAST_DATABASE_URL", raising=False)
    return tmp_path / "data"


def test_token_lifecycle(env: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["token", "create", "producer-laptop"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("pod_") and len(secret) > 40

    # Only the digest is stored.
    with sqlite3.connect(env / "podcast.db") as db:
        stored = db.execute("SELECT token_hash FROM producer_tokens").fetchall()
    assert stored == [(hashlib.sha256(secret.encode()).hexdigest(),)]

    duplicate = runner.invoke(cli, ["token", "create", "producer-laptop"])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output

    listed = runner.invoke(cli, ["token", "list"])
    assert "producer-laptop" in listed.stdout and secret not in listed.stdout

    app = create_app(Settings(data_dir=env))
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as client:
        response = client.post("/api/episodes", json={"title": "Hello"}, headers=headers)
        assert response.status_code == 201

        revoked = runner.invoke(cli, ["token", "revoke", "producer-laptop"])
        assert revoked.exit_code == 0
        response = client.post("/api/episodes", json={"title": "Again"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    missing = runner.invoke(cli, ["token", "revoke", "producer-laptop"])
    assert missing.exit_code == 1


def test_init_and_episode_list(env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "Leadership Live" in result.stdout
    assert (env / "podcast.db").is_file() and (env / "media").is_dir()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    listed = runner.invoke(cli, ["episode", "list"])
    assert listed.exit_code == 0 and "0 episode(s)" in listed.stdout
