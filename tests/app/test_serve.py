"""``podcast serve`` really serves: the console script, uvicorn and the app factory together."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.served import Served


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_an_empty_folder(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODCAST_")}
    script = Path(sys.executable).parent / "podcast"
    server = subprocess.Popen(
        [str(script), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert health.status_code == 200
        assert httpx.get(f"{base}/api/show").json()["title"] == "Leadership Live"
        assert (tmp_path / "data" / "podcast.db").is_file()
        # No PODCAST_BASE_URL: links name the port served, not the default 8000.
        assert f'href="{base}/feed.xml"' in httpx.get(f"{base}/feed.xml").text
    finally:
        server.terminate()
        server.wait(timeout=10)
    output = server.stdout.read().decode() if server.stdout else ""
    assert f"PODCAST_BASE_URL is not set: the feed and pages link to {base}" in output


@pytest.mark.parametrize("access_log", [False, True])
def test_requests_are_logged_only_when_asked(tmp_path: Path, access_log: bool) -> None:
    """A log line per request costs more than serving the cached feed: off unless asked."""
    server = Served(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'podcast.db'}",
        args=("--access-log",) if access_log else (),
    )
    server.start()
    try:
        assert httpx.get(f"{server.base_url}/feed.xml").status_code == 200
        assert httpx.get(f"{server.base_url}/api/nothing-here").status_code == 404
    finally:
        log = server.stop_and_read_log()
    assert ('"GET /feed.xml HTTP/1.1" 200' in log) is access_log, log
    assert "Application startup complete" in log
