"""What only the S3 backend has to show: streaming in parts with flat memory, nothing left in
the bucket by a refused or interrupted upload, abandoned multipart uploads found and aborted,
large server-side copies, URLs, and the settings that choose it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from podcast.core.settings import Settings
from podcast.media import open_storage
from podcast.media.s3 import S3Storage
from podcast.media.storage import content_key
from tests.media.conftest import bucket_contents, s3_storage
from tests.media.s3servers import S3Server

MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["moto", "seaweedfs"])
def server(request: pytest.FixtureRequest) -> S3Server:
    name = "moto_server" if request.param == "moto" else "weed_server"
    server: S3Server = request.getfixturevalue(name)
    return server


@pytest.mark.slow
def test_a_large_upload_streams_with_flat_memory(weed_server: S3Server) -> None:
    """96 MiB, generated on the fly, through stage() and put() into SeaweedFS: peak RSS grows
    by less than 16 MiB (parts are sent from the spool file, never held in memory)."""
    bucket = weed_server.new_bucket()
    probe = "tests.media.s3_memory_probe"
    result = subprocess.run(
        [sys.executable, "-m", probe, weed_server.endpoint_url, bucket, "96"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    growth = int(result.stdout.split()[-1])
    assert growth < 16 * MiB, f"peak RSS grew by {growth / MiB:.1f} MiB"


def _write(staged: object, data: bytes, chunk: int = MiB) -> None:
    for start in range(0, len(data), chunk):
        staged.write(data[start : start + chunk])  # type: ignore[attr-defined]


def test_a_refused_upload_leaves_nothing(server: S3Server, tmp_path: Path) -> None:
    """Checked and refused after parts were sent (e.g. mutagen says it is not audio)."""
    storage = s3_storage(server, tmp_path, part_size=5 * MiB)
    staged = storage.stage()
    _write(staged, os.urandom(MiB) * 11)  # two parts sent already
    assert bucket_contents(storage)[1] == [staged.staging_key], "parts stream while arriving"
    staged.close()
    with staged.checking_path() as path:
        assert path.stat().st_size == 11 * MiB
    staged.discard()
    assert bucket_contents(storage) == ([], [])
    assert list(storage.spool.iterdir()) == []


def test_an_interrupted_upload_leaves_nothing(server: S3Server, tmp_path: Path) -> None:
    """The client goes away mid-upload (the receiver discards without closing)."""
    storage = s3_storage(server, tmp_path, part_size=5 * MiB)
    staged = storage.stage()
    _write(staged, os.urandom(MiB) * 7)
    staged.discard()
    staged.discard()
    assert bucket_contents(storage) == ([], [])


def test_a_put_that_fails_leaves_nothing(server: S3Server, tmp_path: Path) -> None:
    storage = s3_storage(server, tmp_path, part_size=5 * MiB)
    staged = storage.stage()
    _write(staged, os.urandom(MiB) * 6)
    staged.close()
    with pytest.raises(ValueError):
        storage.put(staged, "../not-a-key")
    staged.discard()
    assert bucket_contents(storage) == ([], [])


def test_a_killed_upload_is_found_and_aborted_by_gc(server: S3Server, tmp_path: Path) -> None:
    """A process killed mid-upload leaves a multipart upload (and, on its machine, a spool
    file): stale_staged lists it once its last part is old enough; discard_staged aborts it."""
    now = [time.time()]
    storage = s3_storage(server, tmp_path, part_size=5 * MiB, clock=lambda: now[0])
    staged = storage.stage()
    _write(staged, os.urandom(MiB) * 6)
    (storage.spool / staged.name).unlink()  # killed on another machine: only the bucket knows
    assert list(storage.stale_staged(3600)) == []
    now[0] += 7200
    assert list(storage.stale_staged(3600)) == [staged.name]
    storage.discard_staged(staged.name)
    storage.discard_staged(staged.name)
    assert bucket_contents(storage) == ([], [])
    assert list(storage.stale_staged(0)) == []


def test_a_crash_between_complete_and_copy(server: S3Server, tmp_path: Path) -> None:
    """A completed staging object with no key yet: also stale, also cleaned."""
    now = [time.time()]
    storage = s3_storage(server, tmp_path, clock=lambda: now[0])
    name = "upload-" + "0" * 32 + ".part"
    storage.client.put_object(Bucket=storage.bucket, Key=storage.staging_key(name), Body=b"x")
    now[0] += 7200
    assert list(storage.stale_staged(3600)) == [name]
    storage.discard_staged(name)
    assert bucket_contents(storage) == ([], [])


def test_large_objects_are_copied_in_parts(server: S3Server, tmp_path: Path) -> None:
    """Above copy_limit the staging object is copied to its key with UploadPartCopy."""
    storage = s3_storage(
        server, tmp_path, part_size=5 * MiB, copy_limit=6 * MiB, copy_part_size=5 * MiB
    )
    data = os.urandom(MiB) * 12
    staged = storage.stage()
    _write(staged, data)
    staged.close()
    key = content_key(hashlib.sha256(data).hexdigest(), "mp3")
    storage.put(staged, key)
    assert storage.read_bytes(key) == data
    head = storage.client.head_object(Bucket=storage.bucket, Key=storage.object_key(key))
    assert head["ContentType"] == "audio/mpeg"
    assert "immutable" in head["CacheControl"]
    assert bucket_contents(storage) == ([storage.object_key(key)], [])


def test_public_url(moto_server: S3Server, tmp_path: Path) -> None:
    storage = s3_storage(moto_server, tmp_path, public_url="https://cdn.example.org/media/")
    key = content_key("a" * 64, "mp3")
    assert storage.url_for(key) == f"https://cdn.example.org/media/{key}"
    with pytest.raises(ValueError):
        storage.url_for("../etc/passwd")


def test_presigned_url_expiry(moto_server: S3Server, tmp_path: Path) -> None:
    storage = s3_storage(moto_server, tmp_path, presign_seconds=600)
    url = storage.url_for(content_key("b" * 64, "mp3"))
    assert url is not None and "X-Amz-Expires=600" in url
    assert "/podcast/media/bb/" in url, "path-style addressing, under the prefix"


def test_settings_choose_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    settings = Settings(
        data_dir=tmp_path,
        storage="s3",
        s3_bucket="media",
        s3_prefix="/podcast/media/",
        s3_endpoint_url="http://127.0.0.1:9/",
        s3_region="eu-west-2",
        _env_file=None,  # type: ignore[call-arg]
    )
    storage = open_storage(settings)
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("media", "podcast/media/")
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert storage.client.meta.region_name == "eu-west-2"
    assert storage.presign_seconds == 12 * 3600
    assert not isinstance(open_storage(Settings(data_dir=tmp_path, _env_file=None)), S3Storage)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"storage": "s3"}, "PODCAST_S3_BUCKET"),
        ({"storage": "s3", "s3_bucket": "b", "s3_prefix": "a/../b"}, "s3_prefix"),
        ({"storage": "s3", "s3_bucket": "b", "s3_endpoint_url": "s3.example"}, "s3_endpoint_url"),
        ({"storage": "gcs"}, "storage"),
        ({"presign_seconds": 8 * 24 * 3600}, "presign_seconds"),
    ],
)
def test_bad_storage_settings(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**values, _env_file=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 5 * MiB - 1, 5 * MiB, 10 * MiB])
def test_sizes_at_part_boundaries(server: S3Server, tmp_path: Path, size: int) -> None:
    storage = s3_storage(server, tmp_path, part_size=5 * MiB)
    data = os.urandom(size)
    staged = storage.stage()
    _write(staged, data)
    staged.close()
    key = content_key(hashlib.sha256(data).hexdigest(), "mp3")
    storage.put(staged, key)
    assert storage.read_bytes(key) == data
    assert bucket_contents(storage) == ([storage.object_key(key)], [])
    assert list(storage.spool.iterdir()) == []
