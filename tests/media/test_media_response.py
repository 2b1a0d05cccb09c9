"""``serve_file`` for a backend without local files: streamed from ``Storage.open``.

LocalStorage is served from its file (the zero-copy fast path, tested through /media in
tests/episodes); here a wrapper hides ``local_path`` so the streamed path runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from podcast.media import LocalStorage, Storage, content_key
from podcast.media.delivery import Delivery
from podcast.media.responses import serve_file
from podcast.media.storage import ByteStream, KeyStat, LocalFiles, Method, Staged

DATA = bytes(range(256)) * 8000  # 2 MB: more than one 1 MiB chunk
KEY = content_key(hashlib.sha256(DATA).hexdigest(), "mp3")
ETAG = f'"{KEY}"'


class Remote:
    """LocalStorage without the LocalFiles capability, as an object store would be."""

    def __init__(self, inner: LocalStorage, url: str | None = None) -> None:
        self._inner = inner
        self._url = url

    def stage(self) -> Staged:
        return self._inner.stage()

    def put(self, staged: Staged, key: str) -> None:
        self._inner.put(staged, key)

    def put_bytes(self, data: bytes, key: str) -> None:
        self._inner.put_bytes(data, key)

    def open(self, key: str, range: tuple[int, int] | None = None) -> ByteStream:
        return self._inner.open(key, range)

    def read_bytes(self, key: str) -> bytes:
        return self._inner.read_bytes(key)

    def exists(self, key: str) -> bool:
        return self._inner.exists(key)

    def stat(self, key: str) -> KeyStat | None:
        return self._inner.stat(key)

    def delete(self, key: str) -> None:
        self._inner.delete(key)

    def keys(self) -> Iterator[str]:
        return self._inner.keys()

    def url_for(self, key: str, method: Method = "GET") -> str | None:
        return None if self._url is None else f"{self._url}/{key}?{method}"

    def stale_staged(self, older_than_seconds: float) -> Iterator[str]:
        return self._inner.stale_staged(older_than_seconds)

    def discard_staged(self, name: str) -> None:
        self._inner.discard_staged(name)


def client_for(storage: Storage, size: int = len(DATA)) -> TestClient:
    def media(request: Request) -> Response:
        return serve_file(
            request.headers,
            storage,
            KEY,
            size=size,
            etag=ETAG,
            last_modified=datetime(2026, 1, 1, tzinfo=UTC),
            media_type="audio/mpeg",
            cache_control="public",
        )

    return TestClient(Starlette(routes=[Route("/m", media, methods=["GET", "HEAD"])]))


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    inner = LocalStorage(tmp_path / "media")
    inner.put_bytes(DATA, KEY)
    storage = Remote(inner)
    assert not isinstance(storage, LocalFiles)
    return storage


def test_whole_file(remote: Remote) -> None:
    answer = client_for(remote).get("/m")
    assert answer.status_code == 200
    assert answer.content == DATA
    assert answer.headers["content-length"] == str(len(DATA))
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["etag"] == ETAG


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=100-1500000", 100, 1500001),
        ("bytes=-10", len(DATA) - 10, len(DATA)),
    ],
)
def test_one_range(remote: Remote, header: str, start: int, end: int) -> None:
    answer = client_for(remote).get("/m", headers={"Range": header})
    assert answer.status_code == 206
    assert answer.content == DATA[start:end]
    assert answer.headers["content-range"] == f"bytes {start}-{end - 1}/{len(DATA)}"


def test_head_and_unsatisfiable_and_revalidation(remote: Remote) -> None:
    client = client_for(remote)
    head = client.head("/m")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(DATA))
    assert client.get("/m", headers={"Range": f"bytes={len(DATA)}-"}).status_code == 416
    assert client.get("/m", headers={"If-None-Match": ETAG}).status_code == 304
    stale = client.get("/m", headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == DATA


def test_size_mismatch_and_missing_key_raise(remote: Remote) -> None:
    with pytest.raises(RuntimeError):
        client_for(remote, size=5).get("/m")
    remote.delete(KEY)
    with pytest.raises(FileNotFoundError):
        client_for(remote).get("/m")


def test_serve_file_streams_even_when_the_backend_has_urls(tmp_path: Path) -> None:
    """Proxy delivery on S3: the bytes go through the app; redirecting is the caller's
    choice (podcast.media.delivery), not serve_file's."""
    inner = LocalStorage(tmp_path / "media")
    inner.put_bytes(DATA, KEY)
    answer = client_for(Remote(inner, "https://cdn.example")).get("/m", follow_redirects=False)
    assert answer.status_code == 200 and answer.content == DATA


def test_redirect_to_the_store(tmp_path: Path) -> None:
    inner = LocalStorage(tmp_path / "media")
    storage = Remote(inner, "https://cdn.example")
    presigned = Delivery(redirect=True, presigned_cache="private, max-age=60")
    moved = presigned.to_store(storage, KEY, "HEAD", cache_control="public", public=True)
    assert moved.status_code == 302 and moved.body == b""
    assert moved.headers["location"] == f"https://cdn.example/{KEY}?HEAD"
    assert moved.headers["cache-control"] == "private, max-age=60"
    public = Delivery(redirect=True).to_store(
        storage, KEY, "GET", cache_control="public", public=True
    )
    assert public.headers["cache-control"] == "public"
    assert public.headers["location"] == f"https://cdn.example/{KEY}?GET"
    preview = Delivery(redirect=True).to_store(
        storage, KEY, "GET", cache_control="public", public=False
    )
    assert preview.headers["cache-control"] == "private, no-store"
    with pytest.raises(RuntimeError, match="proxy"):
        presigned.to_store(inner, KEY, "GET", cache_control="public", public=True)
