"""The app and ``podcast media gc`` on S3 (SeaweedFS): uploads through the API land in the
bucket under their content keys; gc deletes unreferenced objects and aborts abandoned
multipart uploads, and keeps everything a row uses."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from podcast.cli import app as cli
from podcast.core.settings import Settings
from podcast.media.storage import content_key
from tests.factories import create_episode
from tests.media.conftest import PREFIX, settings_from_env
from tests.media.s3servers import S3Server
from tests.media.s3servers import client as s3_client


@pytest.fixture
def settings(tmp_path: Path, database_url: str, s3_settings_env: dict[str, str]) -> Settings:
    """The shared fixtures' app, on S3."""
    return settings_from_env(tmp_path, database_url)


def test_uploads_land_in_the_bucket_and_gc_cleans_it(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    weed_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings.storage == "s3"
    s3, bucket = s3_client(weed_server.endpoint_url), settings.s3_bucket
    episode = create_episode(client, auth, "On S3", audio="speech.mp3")

    def objects() -> set[str]:
        listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {item["Key"] for item in listed}

    kept = objects()
    audio_key = f"{PREFIX}{content_key(episode['audio']['sha256'], 'mp3')}"
    assert audio_key in kept and len(kept) >= 2, "audio, cover art (and chapter images)"
    assert not any("/staging/" in key for key in kept)

    orphan = f"{PREFIX}{content_key(hashlib.sha256(b'orphan').hexdigest(), 'mp3')}"
    s3.put_object(Bucket=bucket, Key=orphan, Body=b"orphan")
    stale = f"{PREFIX}staging/upload-{'1' * 32}.part"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=stale)["UploadId"]
    s3.upload_part(Bucket=bucket, Key=stale, UploadId=upload, PartNumber=1, Body=b"half")

    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["media", "gc"])
    assert result.exit_code == 0, result.output
    assert "0 unreferenced file(s) and 0 partial upload(s) removed" in " ".join(
        result.stdout.split()
    ), "the orphan is too young, the upload too recent"
    assert orphan in objects()

    time.sleep(1.1)  # S3 times are whole seconds
    result = CliRunner().invoke(cli, ["media", "gc", "--min-age", "0", "--partial-age", "0"])
    assert result.exit_code == 0, result.output
    assert "1 unreferenced file(s) and 1 partial upload(s) removed" in " ".join(
        result.stdout.split()
    )
    assert objects() == kept
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
