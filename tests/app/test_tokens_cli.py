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
    assert runner.invoke(cli, ["init"]).exit_code == 0
    created = runner.invoke(cli, ["token", "create", "producer-laptop"])
    assert created.exit_code == 0, created.output
    assert f"created in sqlite:///{env.resolve() / 'podcast.db'}" in created.stderr
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
    assert f"no token named 'producer-laptop' in sqlite:///{env.resolve()}" in missing.stderr


def test_commands_name_the_installation_unless_it_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PODCAST_DATA_DIR", raising=False)
    monkeypatch.delenv("PODCAST_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    listed = runner.invoke(cli, ["episode", "list"])
    assert listed.exit_code == 0
    assert "Using database" not in listed.stderr, "./data of this folder: nothing to say"

    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("PODCAST_DATA_DIR", str(elsewhere))
    assert runner.invoke(cli, ["init"]).exit_code == 0
    listed = runner.invoke(cli, ["token", "list"])
    assert listed.exit_code == 0
    [line] = [line for line in listed.stderr.splitlines() if line.startswith("Using")]
    assert line == (
        f"Using database sqlite:///{elsewhere.resolve() / 'podcast.db'} and data folder "
        f"{elsewhere.resolve()}"
    )
    assert listed.stdout.startswith("No tokens yet"), "stdout stays the command's own output"


def test_commands_refuse_a_database_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from another folder, ``podcast token create`` made a new empty database there and
    printed a token the server never accepted (issue 14)."""
    installation = tmp_path / "install"
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(installation.parent)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(installation / "data"))
    monkeypatch.delenv("PODCAST_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0

    monkeypatch.chdir(other)
    monkeypatch.delenv("PODCAST_DATA_DIR")
    for command in (["token", "create", "laptop"], ["token", "list"], ["episode", "list"]):
        refused = runner.invoke(cli, command)
        assert refused.exit_code == 1, (command, refused.output)
        message = " ".join(refused.stderr.split())
        assert f"there is no database at {other.resolve() / 'data' / 'podcast.db'}" in message
        assert "PODCAST_DATA_DIR" in message and "PODCAST_DATABASE_URL" in message
        assert "podcast init" in message
    assert not (other / "data").exists(), "nothing created in the wrong folder"

    monkeypatch.setenv("PODCAST_DATABASE_URL", f"sqlite:///{installation / 'data' / 'podcast.db'}")
    monkeypatch.setenv("PODCAST_DATA_DIR", str(installation / "data"))
    assert runner.invoke(cli, ["token", "create", "laptop"]).exit_code == 0


def test_init_and_episode_list(env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "Leadership Live" in result.stdout
    assert (env / "podcast.db").is_file() and (env / "media").is_dir()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    listed = runner.invoke(cli, ["episode", "list"])
    assert listed.exit_code == 0 and "0 episode(s)" in listed.stdout
