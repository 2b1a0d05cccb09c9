"""The cap on JSON request bodies (podcast.core.body_limit), through the real app: too large is
413 before the token is even looked at, however the body comes; the rest passes untouched."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from podcast.core.body_limit import MAX_JSON_BYTES

JSON = {"Content-Type": "application/json"}


def _json_of_size(size: int) -> bytes:
    """A valid JSON episode of exactly ``size`` bytes (padded with whitespace)."""
    head, tail = b'{"title": "Padded"', b"}"
    return head + b" " * (size - len(head) - len(tail)) + tail


def _chunks(body: bytes, size: int = 1024 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _refused(response: Any) -> None:  # httpx's Response, or TestClient's
    assert response.status_code == 413, response.text[:200]
    assert response.headers["content-type"] == "application/json"
    assert "larger than the 16 MiB upload limit" in response.json()["detail"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/x+json",
    ],
)
def test_too_large_is_413_before_the_token(client: TestClient, content_type: str) -> None:
    body = _json_of_size(MAX_JSON_BYTES + 1)
    # No token at all: a cap that ran after authentication would answer 401.
    _refused(client.post("/api/episodes", content=body, headers={"Content-Type": content_type}))


def test_at_the_cap_passes_to_the_app(client: TestClient, auth: dict[str, str]) -> None:
    body = _json_of_size(MAX_JSON_BYTES)
    assert client.post("/api/episodes", content=body, headers=JSON).status_code == 401
    created = client.post("/api/episodes", content=body, headers={**auth, **JSON})
    assert created.status_code == 201, created.text[:200]
    assert created.json()["title"] == "Padded", "the body reaches the app unchanged"


def test_small_json_passes(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/episodes", json={"title": "Small"}, headers=auth)
    assert response.status_code == 201
    assert response.json()["title"] == "Small"


def test_declared_length_is_refused_before_the_body_arrives(live_server: str) -> None:
    """Only the headers are sent: the answer comes without waiting for 16 MiB."""
    host, port = urlsplit(live_server).hostname, urlsplit(live_server).port
    assert host and port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/episodes HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {MAX_JSON_BYTES + 1}\r\n\r\n".encode()
            + b'{"title": '
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            assert data, "connection closed without an answer"
            answer += data
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]


def test_chunked_without_length(live_server: str, auth: dict[str, str]) -> None:
    url = f"{live_server}/api/episodes"
    with httpx.Client(timeout=30) as http:
        big = http.post(url, content=_chunks(_json_of_size(MAX_JSON_BYTES + 1)), headers=JSON)
        assert big.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in big.request.headers
        _refused(big)

        small = http.post(url, content=_chunks(_json_of_size(3000), 100), headers={**auth, **JSON})
        assert small.request.headers.get("transfer-encoding") == "chunked"
        assert small.status_code == 201, small.text[:200]
        assert small.json()["title"] == "Padded"


def test_non_json_bodies_are_not_capped(client: TestClient, auth: dict[str, str]) -> None:
    big = _json_of_size(MAX_JSON_BYTES + 1)
    for content_type in ("text/plain", "application/octet-stream", "application/jsonp"):
        response = client.post("/api/episodes", content=big, headers={"Content-Type": content_type})
        assert response.status_code == 401, content_type
    episode = client.post("/api/episodes", json={"title": "Big audio"}, headers=auth).json()
    audio = client.put(
        f"/api/episodes/{episode['id']}/audio",
        content=b"\xff\xfb" + b"\x00" * (MAX_JSON_BYTES + 1),
        headers={**auth, "Content-Type": "application/octet-stream"},
    )
    assert audio.status_code != 413, audio.text[:200]
