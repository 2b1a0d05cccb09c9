"""Media delivery (``PODCAST_MEDIA_DELIVERY``): the live app on SeaweedFS answering
``/media/...`` with a 302 to the store, followed by a real HTTP client the way podcast apps and
Apple's checker follow it (HEAD, ranges, revalidation), and with ``proxy`` streaming through.

SeaweedFS here checks signatures, expiry and the signed method (tests/media/s3servers.py), and
has one bucket anyone may read: the public-URL variant's bucket.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from podcast.core.settings import Settings
from podcast.media.delivery import Delivery, presigned_reuse_seconds
from podcast.media.storage import content_key
from tests.factories import FIXTURES, create_episode
from tests.media.conftest import s3_storage, settings_from_env
from tests.media.s3servers import PUBLIC_BUCKET, S3Server

AUDIO = (FIXTURES / "speech.mp3").read_bytes()
HOST = "https://podcast.example.org"


@pytest.fixture
def delivery_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """More settings for the app, by test parameter (indirect)."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def settings(
    tmp_path: Path,
    database_url: str,
    s3_settings_env: dict[str, str],
    delivery_env: dict[str, str],
    weed_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """The shared fixtures' app on S3; ``public`` in ``delivery_env`` puts the media in the
    public bucket (under a prefix of its own) and names its URL as PODCAST_MEDIA_PUBLIC_URL."""
    for name, value in delivery_env.items():
        if name == "public":
            prefix = f"p-{uuid.uuid4().hex[:12]}"
            monkeypatch.setenv("PODCAST_S3_BUCKET", PUBLIC_BUCKET)
            monkeypatch.setenv("PODCAST_S3_PREFIX", prefix)
            monkeypatch.setenv(
                "PODCAST_MEDIA_PUBLIC_URL", f"{weed_server.endpoint_url}/{PUBLIC_BUCKET}/{prefix}"
            )
        else:
            monkeypatch.setenv(name, value)
    return settings_from_env(tmp_path, database_url)


@pytest.fixture
def episodes(client: TestClient, auth: dict[str, str]) -> tuple[dict, dict]:
    """A published episode with speech.mp3 (and its cover art) and a draft."""
    published = create_episode(client, auth, "On air", audio="speech.mp3")
    draft = create_episode(client, auth, "Not yet", audio="plain.mp3", publish=False)
    return published, draft


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    """A client of the live app that follows redirects, as podcast apps do."""
    with httpx.Client(base_url=live_server, follow_redirects=True, timeout=10) as client:
        yield client


def path(url: str) -> str:
    return url.removeprefix(HOST)


def test_redirect_to_presigned_urls(
    settings: Settings, episodes: tuple[dict, dict], http: httpx.Client, auth: dict[str, str]
) -> None:
    assert settings.media_delivery == "redirect", "the default with s3"
    published, draft = episodes
    audio = path(published["audio"]["url"])
    # The 302 itself, from the route (a miss) and then from the fast path (cached): the same.
    for _ in range(2):
        moved = http.get(audio, follow_redirects=False)
        assert moved.status_code == 302
        assert moved.content == b"" and moved.headers["content-length"] == "0"
        assert moved.headers["cache-control"] == "private, max-age=3600", "not past expiry"
        assert moved.headers["accept-ranges"] == "bytes"
        assert "etag" not in moved.headers and "last-modified" not in moved.headers
        location = urlsplit(moved.headers["location"])
        assert f"{location.scheme}://{location.netloc}" == settings.s3_endpoint_url
        assert location.path.startswith(f"/{settings.s3_bucket}/{settings.s3_prefix}/")
        query = parse_qs(location.query)
        assert query["X-Amz-Expires"] == [str(settings.presign_seconds)]
    head_location = http.head(audio, follow_redirects=False).headers["location"]
    assert head_location != moved.headers["location"], "HEAD gets a URL signed for HEAD"

    # Followed: the store answers HEAD, ranges and revalidation.
    size = published["audio"]["size_bytes"]
    assert size == len(AUDIO)
    head = http.head(audio)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(size)
    assert head.headers["accept-ranges"] == "bytes"
    assert head.headers["content-type"] == "audio/mpeg" == published["audio"]["mime_type"]
    whole = http.get(audio)
    assert whole.status_code == 200 and whole.content == AUDIO
    assert [r.status_code for r in whole.history] == [302]
    part = http.get(audio, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.content == AUDIO[100:200]
    tail = http.get(audio, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == AUDIO[-500:]
    assert tail.headers["content-range"] == f"bytes {size - 500}-{size - 1}/{size}"
    assert http.get(audio, headers={"Range": f"bytes={size}-"}).status_code == 416
    etag = whole.headers["etag"]  # the store's validator (not ours: the 302 carries none)
    assert http.get(audio, headers={"If-None-Match": etag}).status_code == 304
    current = http.get(audio, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert current.status_code == 206 and current.content == AUDIO[:10]
    # SeaweedFS 4.48 ignores If-Range and sends the range even for another validator (AWS
    # sends the whole object): the store's behaviour, passed on as it is.
    other = http.get(audio, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert other.status_code == 206 and other.content == AUDIO[:10]

    # Artwork too: the store's image, with its type.
    art = http.get(path(published["artwork"]["url"]))
    assert art.status_code == 200 and art.headers["content-type"] == "image/jpeg"
    assert art.content[:3] == b"\xff\xd8\xff" and len(art.history) == 1

    # A draft stays 404 to the public, with no redirect; its producer gets a private one.
    drafted = path(draft["audio"]["url"])
    for method in ("GET", "HEAD"):
        hidden = http.request(method, drafted, follow_redirects=False)
        assert hidden.status_code == 404 and "location" not in hidden.headers
    preview = http.get(drafted, headers=auth, follow_redirects=False)
    assert preview.status_code == 302
    assert preview.headers["cache-control"] == "private, no-store"
    assert http.get(drafted, headers=auth).content == (FIXTURES / "plain.mp3").read_bytes()
    # An old extension still moves to the current one first (302: the audio may change back).
    old = http.get(audio.removesuffix(".mp3") + ".m4a", follow_redirects=False)
    assert old.status_code == 302 and old.headers["location"] == audio
    assert old.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("delivery_env", [{"public": "yes"}], indirect=True)
def test_redirect_to_a_public_url(
    settings: Settings, episodes: tuple[dict, dict], http: httpx.Client
) -> None:
    """PODCAST_MEDIA_PUBLIC_URL (a CDN, a public bucket): the 302 names it and may be cached
    publicly; the store serves everyone without a signature."""
    published, _ = episodes
    audio = path(published["audio"]["url"])
    moved = http.get(audio, follow_redirects=False)
    assert moved.status_code == 302
    key = content_key(published["audio"]["sha256"], "mp3")
    assert moved.headers["location"] == f"{settings.media_public_url}/{key}"
    assert moved.headers["cache-control"] == "public, max-age=3600"
    head = http.head(audio)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(AUDIO))
    assert head.headers["content-type"] == "audio/mpeg"
    part = http.get(audio, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == AUDIO[100:200]
    assert http.get(audio).content == AUDIO
    art = http.get(path(published["artwork"]["url"]), follow_redirects=False)
    assert art.status_code == 302
    assert art.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("delivery_env", [{"PODCAST_MEDIA_DELIVERY": "proxy"}], indirect=True)
def test_proxy_streams_through(
    settings: Settings, episodes: tuple[dict, dict], http: httpx.Client
) -> None:
    published, draft = episodes
    audio = path(published["audio"]["url"])
    for _ in range(2):  # the route, then the fast path
        whole = http.get(audio, follow_redirects=False)
        assert whole.status_code == 200 and whole.content == AUDIO
        assert whole.headers["etag"] == f'"{published["audio"]["sha256"]}"'
    part = http.get(audio, headers={"Range": "bytes=100-199"}, follow_redirects=False)
    assert part.status_code == 206 and part.content == AUDIO[100:200]
    head = http.head(audio, follow_redirects=False)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(AUDIO))
    art = http.get(path(published["artwork"]["url"]), follow_redirects=False)
    assert art.status_code == 200 and art.headers["content-type"] == "image/jpeg"
    assert http.get(path(draft["audio"]["url"])).status_code == 404


def test_presigned_urls_are_reused_for_a_while(moto_server: S3Server, tmp_path: Path) -> None:
    """Signing costs more than the rest of a redirect: one URL per key and method is handed
    out again until ``url_reuse_seconds`` have passed."""
    now = [1_000_000.0]
    storage = s3_storage(moto_server, tmp_path, presign_seconds=600, clock=lambda: now[0])
    assert storage.url_reuse_seconds == presigned_reuse_seconds(600) == 60
    key = content_key("c" * 64, "m4a")
    storage.put_bytes(b"m4a bytes", key)
    first = storage.url_for(key)
    assert storage.url_for(key) == first
    assert storage.url_for(key, "HEAD") != first
    assert httpx.head(storage.url_for(key, "HEAD") or "").status_code == 200
    now[0] += 61
    time.sleep(1.1)  # a URL signed a second later differs (X-Amz-Date)
    assert storage.url_for(key) != first
    head = storage.client.head_object(Bucket=storage.bucket, Key=storage.object_key(key))
    assert head["ContentType"] == "audio/x-m4a", "the feed's type, not mimetypes' audio/mp4"


def test_delivery_settings(tmp_path: Path) -> None:
    def settings(**values: object) -> Settings:
        return Settings(data_dir=tmp_path, _env_file=None, **values)  # type: ignore[arg-type]

    assert settings().media_delivery == "proxy"
    assert settings(storage="s3", s3_bucket="b").media_delivery == "redirect"
    assert settings(storage="s3", s3_bucket="b", media_delivery="proxy").media_delivery == "proxy"
    with pytest.raises(ValidationError, match="PODCAST_MEDIA_DELIVERY=redirect needs"):
        settings(media_delivery="redirect")
    with pytest.raises(ValidationError, match="media_delivery"):
        settings(storage="s3", s3_bucket="b", media_delivery="cdn")
    presigned = Delivery.from_settings(settings(storage="s3", s3_bucket="b", presign_seconds=900))
    assert presigned == Delivery(redirect=True, presigned_cache="private, max-age=90")
    public = settings(storage="s3", s3_bucket="b", media_public_url="https://cdn.example/m")
    assert Delivery.from_settings(public) == Delivery(redirect=True)
    assert not Delivery.from_settings(settings()).redirect
