"""``PUT /api/show/artwork``: Apple's artwork rules enforced on upload, a new URL per picture,
the old file released."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from podcast.core.settings import Settings
from tests.feed.support import NS, feed_xml, image_bytes, put_artwork


def _stored(settings: Settings) -> set[str]:
    root = settings.media_dir
    return {p.name for p in root.rglob("*") if p.is_file() and ".incoming" not in p.parts}


def test_upload_replace_and_release(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    response = put_artwork(client, auth, image_bytes(1400))
    assert response.status_code == 200, response.text
    first = response.json()["artwork_url"]
    assert first.startswith("https://podcast.example.org/images/") and first.endswith(".jpg")
    assert client.get("/api/show").json()["artwork_url"] == first
    path = urlsplit(first).path
    for method in ("GET", "HEAD"):
        served = client.request(method, path)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
    assert feed_xml(client).find("channel/itunes:image", NS).get("href") == first  # type: ignore[union-attr]

    # Same picture again: same URL, the file stays.
    assert put_artwork(client, auth, image_bytes(1400)).json()["artwork_url"] == first
    assert client.get(path).status_code == 200

    # A new picture gets a new URL (Apple notices changed art by its URL); the old file goes.
    png = image_bytes(3000, fmt="PNG", colour=(255, 255, 255))
    second = put_artwork(client, auth, png, "image/png").json()["artwork_url"]
    assert second != first and second.endswith(".png")
    assert client.get(path).status_code == 404
    assert path.rsplit("/", 1)[1] not in _stored(settings)
    assert urlsplit(second).path.rsplit("/", 1)[1] in _stored(settings)
    assert client.head(urlsplit(second).path).headers["content-type"] == "image/png"
    assert feed_xml(client).find("channel/itunes:image", NS).get("href") == second  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        (image_bytes(1400, fmt="GIF", mode="P", colour=1), 415, "JPEG or PNG"),
        (image_bytes(1400, fmt="WEBP"), 415, "JPEG or PNG"),
        (b"not an image at all", 415, "JPEG or PNG"),
        (b"", 415, "JPEG or PNG"),
        (image_bytes(1400, 1500), 422, "must be square"),
        (image_bytes(1000), 422, "between 1400x1400 and 3000x3000"),
        (image_bytes(3200, fmt="PNG"), 422, "between 1400x1400 and 3000x3000"),
        (image_bytes(1400)[:2000], 422, "damaged or truncated"),
        (image_bytes(1400, mode="CMYK", colour=(0, 0, 0, 0)), 422, "RGB"),
        (image_bytes(1400, fmt="PNG", mode="I;16", colour=300), 422, "RGB"),
        (image_bytes(1400, fmt="PNG", mode="1", colour=1), 422, "RGB"),
    ],
    ids=[
        "gif",
        "webp",
        "text",
        "empty",
        "not-square",
        "small",
        "large",
        "truncated",
        "cmyk",
        "16-bit-grey",
        "1-bit",
    ],
)
def test_refused_images(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    data: bytes,
    status: int,
    fragment: str,
) -> None:
    before = _stored(settings)
    response = put_artwork(client, auth, data)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    assert client.get("/api/show").json()["artwork_url"] is None
    assert _stored(settings) == before


def test_needs_a_producer(client: TestClient) -> None:
    response = client.put(
        "/api/show/artwork", content=image_bytes(1400), headers={"Content-Type": "image/jpeg"}
    )
    assert response.status_code == 401


def test_too_large(client: TestClient, auth: dict[str, str]) -> None:
    response = put_artwork(client, auth, b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024))
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("fmt", "mode", "colour"),
    [("JPEG", "RGB", (0, 94, 184)), ("JPEG", "L", 128), ("PNG", "RGBA", (0, 94, 184, 255)),
     ("PNG", "P", 3), ("PNG", "LA", (128, 255))],
)  # fmt: skip
def test_what_the_upload_takes_the_feed_check_passes(
    client: TestClient, auth: dict[str, str], fmt: str, mode: str, colour: object
) -> None:
    """One rule (podcast.media.images): no artwork is accepted here and flagged there."""
    sides = (1400, 3000)
    for side in sides:
        response = put_artwork(client, auth, image_bytes(side, fmt=fmt, mode=mode, colour=colour))
        assert response.status_code == 200, response.text
        report = client.get("/api/feed/check", headers=auth).json()
        artwork = {f["rule"] for f in report["findings"] if f["rule"].startswith("show-artwork")}
        assert artwork == set(), (side, report)
