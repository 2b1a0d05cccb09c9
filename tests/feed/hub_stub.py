"""A real HTTP server on 127.0.0.1 standing in for WebSub hubs and ping endpoints.

It records every request (method, path with query, headers, body) and answers each path with
the statuses it is told, in order (the last one repeats; 204 when told nothing), so a test can
make a hub fail once and then succeed. A hub that hangs: :meth:`HubStub.hold_first`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class HubStub:
    url: str
    requests: list[Received] = field(default_factory=list)
    # path -> [(status, extra headers), ...]: answered in order, the last one repeating.
    answers: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # path -> gate: the next request to the path is answered only once its gate is set.
    held: dict[str, threading.Event] = field(default_factory=dict)

    def hold_first(self, path: str) -> threading.Event:
        """Leave the next request to ``path`` unanswered until the returned event is set (at
        most a minute); later ones are answered at once."""
        gate = threading.Event()
        with self.lock:
            self.held[path] = gate
        return gate

    def answer(self, path: str, *statuses: int, **headers: str) -> None:
        self.answers[path] = [(status, dict(headers)) for status in statuses]

    def to(self, path: str) -> list[Received]:
        """The requests received for ``path`` (without its query)."""
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def _next(self, path: str) -> tuple[int, dict[str, str]]:
        with self.lock:
            queue = self.answers.get(path.split("?")[0])
            if not queue:
                return 204, {}
            return queue.pop(0) if len(queue) > 1 else queue[0]


@contextmanager
def hub_stub() -> Iterator[HubStub]:
    stub: HubStub | None = None

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            assert stub is not None
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with stub.lock:
                stub.requests.append(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                gate = stub.held.pop(self.path.split("?")[0], None)
            if gate is not None:
                gate.wait(timeout=60)
            status, headers = stub._next(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub = HubStub(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
