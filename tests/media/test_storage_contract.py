"""The storage contract, for every backend: callers speak keys and streams, never paths.

Parametrised over backends: the local folder, S3 on moto (a fake) and S3 on SeaweedFS (a real
server, ``tests/media/conftest.py``), each on a fresh bucket per test.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from podcast.media import LocalStorage, Storage, content_key
from podcast.media.s3 import S3Storage
from podcast.media.storage import LocalFiles, is_content_key
from tests.media.conftest import bucket_contents, s3_storage

DATA = bytes(range(256)) * 1000  # 256 kB, every byte value


def _local(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return LocalStorage(tmp_path / "media")


def _age_staged_local(storage: Storage, name: str, seconds: float) -> None:
    assert isinstance(storage, LocalStorage)
    old = time.time() - seconds
    os.utime(storage.incoming / name, (old, old))


def _moto(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return s3_storage(request.getfixturevalue("moto_server"), tmp_path)


def _seaweedfs(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return s3_storage(request.getfixturevalue("weed_server"), tmp_path)


def _age_staged_s3(storage: Storage, name: str, seconds: float) -> None:
    """A staged upload that is still arriving lives in the spool (it has sent no part)."""
    assert isinstance(storage, S3Storage)
    old = time.time() - seconds
    os.utime(storage.spool / name, (old, old))


Factory = Callable[[pytest.FixtureRequest, Path], Storage]
# (id, factory, make a staged upload look ``seconds`` old): one entry per backend.
BACKENDS: list[tuple[str, Factory, Callable[[Storage, str, float], None]]] = [
    ("local", _local, _age_staged_local),
    ("moto", _moto, _age_staged_s3),
    ("seaweedfs", _seaweedfs, _age_staged_s3),
]


@pytest.fixture(params=BACKENDS, ids=[b[0] for b in BACKENDS])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Storage, Callable[[Storage, str, float], None]]]:
    _, factory, age = request.param
    storage = factory(request, tmp_path)
    yield storage, age
    if isinstance(storage, S3Storage):
        objects, uploads = bucket_contents(storage)
        assert uploads == [], "no multipart upload may be left behind"
        assert all(is_content_key(o.removeprefix("podcast/media/")) for o in objects), objects


@pytest.fixture
def storage(backend: tuple[Storage, Callable[[Storage, str, float], None]]) -> Storage:
    return backend[0]


def key_of(data: bytes, extension: str = "mp3") -> str:
    return content_key(hashlib.sha256(data).hexdigest(), extension)


def put(storage: Storage, data: bytes, chunk: int = 65536) -> str:
    staged = storage.stage()
    try:
        for start in range(0, len(data), chunk):
            staged.write(data[start : start + chunk])
        staged.close()
        key = key_of(data)
        storage.put(staged, key)
    finally:
        staged.discard()
    return key


def read_all(storage: Storage, key: str, range: tuple[int, int] | None = None) -> bytes:
    with storage.open(key, range) as stream:
        out = bytearray()
        while chunk := stream.read(10_000):
            out += chunk
        return bytes(out)


def test_stage_hashes_and_counts_what_is_written(storage: Storage) -> None:
    staged = storage.stage()
    try:
        staged.write(DATA[:1000])
        staged.write(DATA[1000:])
        staged.close()
        assert staged.size == len(DATA)
        assert staged.sha256 == hashlib.sha256(DATA).hexdigest()
        with staged.checking_path() as path:  # only for mutagen-style checks
            assert path.read_bytes() == DATA
    finally:
        staged.discard()
    assert list(storage.keys()) == []


def test_put_then_open_stat_keys(storage: Storage) -> None:
    key = put(storage, DATA)
    assert storage.exists(key)
    assert read_all(storage, key) == DATA
    assert storage.read_bytes(key) == DATA
    stat = storage.stat(key)
    assert stat is not None and stat.size == len(DATA)
    assert abs(stat.modified - time.time()) < 300
    assert list(storage.keys()) == [key]
    assert list(storage.stale_staged(0)) == [], "a put consumes the staged bytes"


@pytest.mark.parametrize(
    "range_", [(0, 1), (0, len(DATA)), (1000, 70_000), (len(DATA) - 5, len(DATA)), (7, 7)]
)
def test_ranges(storage: Storage, range_: tuple[int, int]) -> None:
    key = put(storage, DATA)
    assert read_all(storage, key, range_) == DATA[range_[0] : range_[1]]


def test_put_is_idempotent_when_the_key_exists(storage: Storage) -> None:
    key = put(storage, DATA)
    before = storage.stat(key)
    assert put(storage, DATA) == key
    assert storage.stat(key) == before
    assert list(storage.keys()) == [key]
    assert list(storage.stale_staged(0)) == [], "the second staging is dropped"


def test_put_bytes(storage: Storage) -> None:
    key = key_of(b"\x89PNG image", "png")
    storage.put_bytes(b"\x89PNG image", key)
    storage.put_bytes(b"\x89PNG image", key)
    assert storage.read_bytes(key) == b"\x89PNG image"
    assert list(storage.keys()) == [key]
    assert list(storage.stale_staged(0)) == []


def test_delete(storage: Storage) -> None:
    key = put(storage, DATA)
    storage.delete(key)
    storage.delete(key)  # already gone: no error
    assert not storage.exists(key)
    assert storage.stat(key) is None
    assert list(storage.keys()) == []
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def test_missing_key(storage: Storage) -> None:
    key = key_of(b"never stored")
    assert not storage.exists(key)
    assert storage.stat(key) is None
    with pytest.raises(FileNotFoundError):
        storage.read_bytes(key)


def test_discard_leaves_nothing(storage: Storage) -> None:
    staged = storage.stage()
    staged.write(DATA)
    staged.discard()
    staged.discard()
    unclosed = storage.stage()
    unclosed.write(b"half an upload")
    unclosed.discard()  # without close: a client gone mid-upload
    assert list(storage.keys()) == []
    assert list(storage.stale_staged(0)) == []


def test_stale_staged_lists_only_old_staging(
    backend: tuple[Storage, Callable[[Storage, str, float], None]],
) -> None:
    storage, age = backend
    old, young = storage.stage(), storage.stage()
    try:
        old.write(b"abandoned")
        old.close()
        young.write(b"still arriving")
        age(storage, old.name, 7200)
        assert list(storage.stale_staged(3600)) == [old.name]
        storage.discard_staged(old.name)
        storage.discard_staged(old.name)  # already gone: no error
        assert list(storage.stale_staged(3600)) == []
    finally:
        old.discard()
        young.discard()
    assert list(storage.stale_staged(0)) == []


def test_url_for(storage: Storage) -> None:
    key = put(storage, DATA)
    url = storage.url_for(key)
    if isinstance(storage, LocalStorage):
        assert url is None, "local bytes are streamed by the app"
        return
    assert url is not None and url.startswith(("https://", "http://127.0.0.1:"))
    with urllib.request.urlopen(url) as response:  # a presigned GET: the store serves it
        assert response.read() == DATA
    ranged = urllib.request.Request(url, headers={"Range": "bytes=1000-1999"})
    with urllib.request.urlopen(ranged) as response:
        assert response.status == 206
        assert response.read() == DATA[1000:2000]
    head = urllib.request.Request(storage.url_for(key, "HEAD") or "", method="HEAD")
    with urllib.request.urlopen(head) as response:  # signed for HEAD: S3 checks the method
        assert response.status == 200
        assert response.headers["Content-Length"] == str(len(DATA))


def test_local_path_is_only_a_capability(storage: Storage) -> None:
    """Backends with local files offer ``local_path`` (the media response's fast path);
    the contract itself never needs it."""
    key = put(storage, DATA)
    if isinstance(storage, LocalFiles):
        assert storage.local_path(key).read_bytes() == DATA


def test_keys_are_validated(storage: Storage) -> None:
    for bad in ["../ab/x.mp3", "/ab/" + "a" * 64 + ".mp3", "ab/../../etc/passwd", "staging/x"]:
        with pytest.raises(ValueError):
            storage.stat(bad)
        with pytest.raises(ValueError):
            storage.put_bytes(b"x", bad)
        with pytest.raises(ValueError):
            storage.open(bad)
    assert list(storage.keys()) == []


def test_large_upload_in_parts(storage: Storage) -> None:
    """More than one 8 MiB part (S3: a multipart upload, completed and copied to the key)."""
    data = os.urandom(1024 * 1024) * 19  # 19 MiB: two full parts and a short one
    key = put(storage, data, chunk=1024 * 1024)
    stat = storage.stat(key)
    assert stat is not None and stat.size == len(data)
    assert (
        read_all(storage, key, (8 * 1024 * 1024 - 3, 8 * 1024 * 1024 + 3))
        == data[8 * 1024 * 1024 - 3 : 8 * 1024 * 1024 + 3]
    )
    assert hashlib.sha256(read_all(storage, key)).hexdigest() == key.split("/")[1][:64]
    assert list(storage.keys()) == [key]
    assert list(storage.stale_staged(0)) == []


def test_local_delete_removes_the_emptied_shard_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    key = put(storage, DATA)
    shard = storage.local_path(key).parent
    storage.delete(key)
    assert not shard.exists(), "an empty shard folder stays behind"
    assert sorted(p.name for p in storage.root.iterdir()) == [storage.incoming.name]
    again = put(storage, DATA)  # the shard is made again
    assert again == key and read_all(storage, key) == DATA


def test_local_puts_and_deletes_in_one_shard_race_safely(tmp_path: Path) -> None:
    """Threads storing and deleting files of one shard at once: every put that returned left
    its file, whatever a delete did to the shard folder meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    storage = LocalStorage(tmp_path / "media")
    shard_of = {}
    for i in range(4000):  # payloads that all land in one shard (the key's first 2 hex)
        data = b"%d" % i
        shard = key_of(data)[:2]
        shard_of.setdefault(shard, []).append(data)
    payloads = max(shard_of.values(), key=len)[:12]
    assert len(payloads) >= 8

    def cycle(data: bytes) -> None:
        for _ in range(40):
            storage.put_bytes(data, key_of(data))
            assert storage.read_bytes(key_of(data)) == data
            storage.delete(key_of(data))

    with ThreadPoolExecutor(len(payloads)) as pool:
        list(pool.map(cycle, payloads))
    assert list(storage.keys()) == []
