"""A client that goes away mid-upload is routine: one INFO line, no ERROR traceback, no debris."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from podcast.core.settings import Settings
from tests.conftest import FIXTURES


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at INFO, also hearing uvicorn, whose loggers do not propagate to the root."""
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    try:
        yield caplog
    finally:
        uvicorn_logger.removeHandler(caplog.handler)


def test_disconnect_mid_upload_is_one_info_line(
    live_server: str,
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    logs: pytest.LogCaptureFixture,
) -> None:
    episode_id = client.post("/api/episodes", json={"title": "x"}, headers=auth).json()["id"]
    host, port = live_server.removeprefix("http://").split(":")
    body = (FIXTURES / "speech.wav").read_bytes()
    logs.clear()
    with socket.create_connection((host, int(port))) as sock:
        head = (
            f"PUT /api/episodes/{episode_id}/audio HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {auth['Authorization']}\r\n"
            f"Content-Type: audio/wav\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[: len(body) // 2])
        time.sleep(0.2)  # the server is now mid-upload, with a partial temp file
    deadline = time.monotonic() + 5
    while not logs.records and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # anything uvicorn would log after our handler has had its chance

    assert [(r.name, r.levelno) for r in logs.records] == [
        ("podcast.core.http_errors", logging.INFO)
    ]
    (record,) = logs.records
    assert record.getMessage() == (
        f"PUT /api/episodes/{episode_id}/audio: "
        "the client disconnected before sending the whole body"
    )
    assert record.exc_info is None
    assert "Traceback" not in logs.text
    assert list((settings.media_dir / ".incoming").iterdir()) == []
    assert client.get(f"/api/episodes/{episode_id}", headers=auth).json()["audio"] is None
