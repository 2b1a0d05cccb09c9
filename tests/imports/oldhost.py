"""The host a show leaves, served on loopback for the import tests, and an import run
against a test app."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from podcast.core.settings import Settings
from podcast.imports.fetch import Fetcher, FetchPolicy
from podcast.imports.importer import Importer, ImportOptions, ImportReport, Progress
from tests.conftest import FIXTURES

FEEDS = FIXTURES / "feeds"
CHAPTERS = json.dumps(
    {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Welcome"},
            {"startTime": 1.5, "title": "Why it matters", "url": "https://example.org/why"},
            {"startTime": 2, "title": "javascript", "url": "javascript:alert(1)"},
        ],
    }
).encode()


def picture(side: int, colour: str, fmt: str = "JPEG") -> bytes:
    """A plain square picture (Apple takes 1400-3000 px; smaller is kept with a warning)."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, fmt)
    return out.getvalue()


class OldHost(ThreadingHTTPServer):
    """The host a show leaves: its feed, audio, chapters; counts what was fetched."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: Counter[str] = Counter()
        self.slow: set[str] = set()  # paths sent in small pieces, slowly
        self.pause = 0.05  # seconds between a slow path's 1 KiB pieces
        self.pauses: dict[str, float] = {}  # another pause for some slow paths
        # (path, first byte asked, last byte sent) in time.monotonic() of every 200 answer:
        # which downloads overlapped.
        self.served: list[tuple[str, float, float]] = []
        # Paths (with their query) answered with a 302 to another: tracking prefixes, the
        # play URLs some hosts put in enclosures.
        self.redirects: dict[str, str] = {}
        # Requests for a path starting with one of these wait (up to 5 s) until that many
        # requests for the same path have arrived: two importers then race from one point.
        self.together: dict[str, int] = {}
        # Statuses a path answers first, one per request, before it is served: a host that
        # is down for a while (503, 503, then the feed).
        self.failing: dict[str, list[int]] = {}
        self._arrived: Counter[str] = Counter()
        self._meeting = threading.Condition()
        self.files: dict[str, tuple[str, bytes]] = {
            "/audio/anti-racist.mp3": ("audio/mpeg", (FIXTURES / "speech.mp3").read_bytes()),
            "/audio/trailer.mp3": ("audio/mpeg", (FIXTURES / "plain.mp3").read_bytes()),
            "/audio/noguid.mp3": ("audio/mpeg", (FIXTURES / "plain.mp3").read_bytes()),
            "/audio/pennod-1.mp3": ("audio/mpeg", (FIXTURES / "speech.mp3").read_bytes()),
            "/audio/error-page.mp3": ("text/html", b"<html><body>Error 500</body></html>"),
            "/chapters/anti-racist.json": ("application/json", CHAPTERS),
            "/art/show.jpg": ("image/jpeg", picture(1400, "navy")),
            "/art/trailer.png": ("image/png", picture(300, "orange", "PNG")),
        }

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def meet(self, path: str) -> None:
        wanted = next((n for p, n in self.together.items() if path.startswith(p)), 0)
        if not wanted:
            return
        with self._meeting:
            self._arrived[path] += 1
            self._meeting.notify_all()
            self._meeting.wait_for(lambda: self._arrived[path] >= wanted, timeout=5)

    def feed(self, name: str) -> str:
        path = f"/feeds/{name}"
        data = (FEEDS / name).read_bytes().replace(b"PORT", str(self.server_address[1]).encode())
        self.files[path] = ("application/rss+xml", data)
        return self.base + path


class _Handler(BaseHTTPRequestHandler):
    server: OldHost

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        started = time.monotonic()
        self.server.requests[self.path] += 1
        target = self.server.redirects.get(self.path)
        if target is not None:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        failing = self.server.failing.get(self.path)
        found = self.server.files.get(self.path)
        if failing:
            self.send_response(failing.pop(0))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if found is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content_type, body = found
        self.server.meet(self.path)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path not in self.server.slow:
            self.wfile.write(body)
        else:
            try:
                for start in range(0, len(body), 1024):
                    if start:
                        time.sleep(self.server.pauses.get(self.path, self.server.pause))
                    self.wfile.write(body[start : start + 1024])
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the importer dropped the download (a cancelled import)
        self.server.served.append((self.path, started, time.monotonic()))


def run_import(
    client: TestClient,
    url: str,
    *,
    settings: Settings | None = None,
    progress: Callable[[Progress], None] | None = None,
    **options: object,
) -> ImportReport:
    """An import into the test app's installation (with other ``settings``, if given)."""
    app = client.app
    assert isinstance(app, FastAPI)
    with Fetcher(FetchPolicy(allow_private=True, timeout=10)) as fetcher:
        importer = Importer(
            sessions=app.state.sessionmaker,
            storage=app.state.storage,
            settings=settings or app.state.settings,
            clock=app.state.clock,
            fetcher=fetcher,
            progress=progress,
        )
        return importer.run(url, ImportOptions(**options))  # type: ignore[arg-type]
