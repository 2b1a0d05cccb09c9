"""``podcast media migrate``: local -> S3 (SeaweedFS) killed half-way and resumed, then back to
an empty local folder; every referenced file arrives with its size and SHA-256 checked."""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from podcast.cli import app as cli
from podcast.core.settings import Settings
from podcast.media import LocalStorage
from podcast.media.migrate import key_digest
from tests.factories import create_episode
from tests.media.s3servers import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.media.s3servers import client as s3_client

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def wav(seconds: float, seed: int) -> bytes:
    """A valid 16-bit stereo WAV of noise (unique per seed): about 10 MiB a minute."""
    frames = int(44_100 * seconds)
    noise = hashlib.shake_256(seed.to_bytes(4, "big")).digest(frames * 4)
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(2)
        file.setsampwidth(2)
        file.setframerate(44_100)
        file.writeframes(noise)
    return out.getvalue()


def referenced(settings: Settings) -> list[str]:
    storage = LocalStorage(settings.media_dir)
    return sorted(storage.keys())


def s3_env(settings: Settings, server: S3Server, bucket: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PODCAST_DATA_DIR": str(settings.data_dir),
        "PODCAST_DATABASE_URL": settings.database_url,
        "PODCAST_BASE_URL": settings.base_url,
        "PODCAST_S3_BUCKET": bucket,
        "PODCAST_S3_PREFIX": "podcast/media",
        "PODCAST_S3_ENDPOINT_URL": server.endpoint_url,
        "PODCAST_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_EC2_METADATA_DISABLED": "true",
        **extra,
    }


def bucket_keys(server: S3Server, bucket: str) -> list[str]:
    pages = (
        s3_client(server.endpoint_url)
        .get_paginator("list_objects_v2")
        .paginate(Bucket=bucket, Prefix="podcast/media/")
    )
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    return sorted(k.removeprefix("podcast/media/") for k in keys if "/staging/" not in k)


def migrate(env: dict[str, str], *args: str) -> Result:
    """In this process (quicker than a subprocess), with the environment ``env``."""
    changed = {name: value for name, value in env.items() if os.environ.get(name) != value}
    cleared = [name for name in os.environ if name.startswith("PODCAST_") and name not in env]
    result = CliRunner().invoke(
        cli, ["media", "migrate", *args], env={**changed, **dict.fromkeys(cleared)}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_migrate_to_s3_resumes_after_a_kill_and_back(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    weed_server: S3Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(4):  # four large files (about 8 MiB each), plus the fixture's images
        episode = create_episode(client, auth, f"Episode {n}", audio=None, publish=False)
        response = client.put(
            f"/api/episodes/{episode['id']}/audio",
            content=wav(48, n),
            headers={**auth, "Content-Type": "audio/wav"},
        )
        assert response.status_code == 200, response.text
    create_episode(client, auth, "With cover art and chapters", audio="speech.mp3")
    keys = referenced(settings)
    assert len(keys) >= 6
    bucket = weed_server.new_bucket()
    env = s3_env(settings, weed_server, bucket)

    # Killed (SIGKILL) once the first file has arrived in the bucket.
    process = subprocess.Popen(
        [sys.executable, "-m", "podcast.cli", "media", "migrate", "--to", "s3"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not bucket_keys(weed_server, bucket) and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    halfway = bucket_keys(weed_server, bucket)
    assert 1 <= len(halfway) < len(keys), "killed half-way"

    resumed = migrate(env, "--to", "s3")
    assert resumed.exit_code == 0, resumed.stdout + resumed.stderr
    out = " ".join(resumed.stdout.split())
    # The server may finish a request the killed process had already sent after ``halfway``
    # was listed: at least those are already there, and every key is accounted for once.
    copied = int(re.search(r"(\d+) file\(s\) copied and checked", out).group(1))  # type: ignore[union-attr]
    already = int(re.search(r"(\d+) already there", out).group(1))  # type: ignore[union-attr]
    assert copied + already == len(keys) and already >= len(halfway), out
    assert "Nothing was switched" in out and "PODCAST_STORAGE=s3" in out
    assert f"PODCAST_S3_BUCKET={bucket}" in out
    assert bucket_keys(weed_server, bucket) == keys
    s3 = s3_client(weed_server.endpoint_url)
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=f"podcast/media/{key}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == key_digest(key)
        assert body == (settings.media_dir / key).read_bytes()

    again = migrate(env, "--to", "s3", "--verify")
    assert again.exit_code == 0, again.stderr
    assert f"0 file(s) copied and checked, {len(keys)} already there" in " ".join(
        again.stdout.split()
    )
    assert referenced(settings) == keys

    # And back, into an empty data folder, from the bucket.
    back_dir = tmp_path / "back"
    back = migrate(
        {**env, "PODCAST_STORAGE": "s3", "PODCAST_DATA_DIR": str(back_dir)}, "--to", "local"
    )
    assert back.exit_code == 0, back.stdout + back.stderr
    assert "PODCAST_STORAGE=local" in back.stdout
    for key in keys:
        assert (back_dir / "media" / key).read_bytes() == (settings.media_dir / key).read_bytes()

    # The kill's half-sent upload is a partial upload for gc.
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    for name, value in env.items():
        if name.startswith(("PODCAST_S3", "AWS_")):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("PODCAST_STORAGE", "s3")
    time.sleep(1.1)  # S3 times are whole seconds
    result = CliRunner().invoke(cli, ["media", "gc", "--partial-age", "0"])
    assert result.exit_code == 0, result.output
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert uploads == []
    assert bucket_keys(weed_server, bucket) == keys


def test_migrate_refuses_what_it_cannot_do(
    settings: Settings, weed_server: S3Server, client: TestClient
) -> None:
    env = s3_env(settings, weed_server, "")
    assert "PODCAST_S3_BUCKET" in migrate(env, "--to", "s3").stderr
    env = s3_env(settings, weed_server, "b")
    assert "already local" in migrate(env, "--to", "local").stderr
    assert "s3 or local" in migrate(env, "--to", "ftp").stderr
