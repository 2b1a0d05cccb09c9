"""The feed answered by the server protocol before ASGI (podcast/server_protocol.py), over raw
sockets against a live uvicorn running it: the same bytes and headers as the ASGI route,
HTTP/1.1 framing kept (pipelining order, HEAD, 304, bodies on a GET, connection close), and
every request it declines served by the app as before."""

from __future__ import annotations

import gzip
import http.client
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from podcast.core.observe import Answered
from podcast.core.settings import Settings
from tests.conftest import serving
from tests.factories import create_episode
from tests.metrics_text import sample

IDENTITY = {"Accept-Encoding": "identity"}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    names: list[str] = field(default_factory=list)  # header names in the order sent


class Spy:
    """Counts the requests that reach the ASGI feed route (the ones not answered directly)."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = app.fast_routes["/feed.xml"]  # type: ignore[attr-defined]
        self.calls = 0
        app.fast_routes["/feed.xml"] = self  # type: ignore[attr-defined]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Answered:
        self.calls += 1
        answered: Answered = await self.inner(scope, receive, send)
        return answered


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the protocol answers from the cache whatever the database."""
    return f"sqlite:///{tmp_path / 'podcast.db'}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The cache current for the whole test: on a busy machine the default 1 s check could
    send a poll to the app in the middle of one, which the tests count."""
    return settings.model_copy(update={"cache_check_interval": 3600.0})


@pytest.fixture
def spy(client: TestClient) -> Spy:
    assert isinstance(client.app, FastAPI)
    return Spy(client.app)


@pytest.fixture
def conn(live_server: str) -> Iterator[socket.socket]:
    address = urlsplit(live_server)
    sock = socket.create_connection((address.hostname or "", address.port or 80), timeout=10)
    yield sock
    sock.close()


def request(method: str, target: str = "/feed.xml", *extra: str, version: str = "1.1") -> bytes:
    lines = [f"{method} {target} HTTP/{version}", "Host: test", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Reader:
    """Reads HTTP/1.1 responses off a socket, one after the other."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(1 << 16)
        self.buffer += chunk
        return bool(chunk)

    def reply(self, *, head: bool = False) -> Reply:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), "connection closed before a whole response"
        top, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = top.decode("latin-1").split("\r\n")
        names = [line.split(":", 1)[0].lower() for line in lines]
        headers = {n: line.split(":", 1)[1].strip() for n, line in zip(names, lines, strict=True)}
        status = int(status_line.split()[1])
        size = 0 if head or status == 304 else int(headers["content-length"])
        while len(self.buffer) < size:
            assert self._fill(), "connection closed inside a body"
        body, self.buffer = self.buffer[:size], self.buffer[size:]
        return Reply(status, headers, body, names)

    def closed(self) -> bool:
        """True once the server has closed the connection and nothing more was sent."""
        return not self.buffer and not self._fill()


def test_same_answers_as_the_asgi_route(
    client: TestClient, auth: dict[str, str], conn: socket.socket, spy: Spy
) -> None:
    create_episode(client, auth, "Straight from the parser")
    asgi = client.get("/feed.xml", headers=IDENTITY)  # builds the cache; TestClient is ASGI
    assert spy.calls == 1
    reader = Reader(conn)

    conn.sendall(request("GET", "/feed.xml", "Accept-Encoding: identity"))
    plain = reader.reply()
    assert plain.status == 200 and plain.body == asgi.content
    for name in ("content-type", "content-length", "etag", "last-modified", "cache-control"):
        assert plain.headers[name] == asgi.headers[name]
    assert plain.headers["vary"] == "Accept-Encoding"
    assert "date" in plain.headers and plain.headers["server"] == "uvicorn"  # uvicorn's own
    assert len(plain.names) == len(set(plain.names)), "a header sent twice"

    conn.sendall(request("GET", "/feed.xml", "Accept-Encoding: gzip, deflate"))
    zipped = reader.reply()
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == asgi.content
    assert zipped.headers["etag"] != plain.headers["etag"]

    conn.sendall(request("GET", "/feed.xml", f"If-None-Match: {plain.headers['etag']}"))
    unchanged = reader.reply()
    assert unchanged.status == 304 and unchanged.body == b""
    assert unchanged.headers["etag"] == plain.headers["etag"]
    assert "content-length" not in unchanged.headers

    since = f"If-Modified-Since: {plain.headers['last-modified']}"
    conn.sendall(request("GET", "/feed.xml", since, "Accept-Encoding: identity"))
    assert reader.reply().status == 304

    conn.sendall(request("HEAD", "/feed.xml", "Accept-Encoding: identity"))
    head = reader.reply(head=True)
    assert head.status == 200 and head.headers["content-length"] == str(len(asgi.content))
    assert spy.calls == 1  # none of the socket's requests reached the ASGI route


def test_pipelined_requests_keep_their_order(
    client: TestClient, auth: dict[str, str], conn: socket.socket, spy: Spy
) -> None:
    """A feed request that arrives while an app request of the same connection is still
    running waits its turn; the requests after it are answered in order too."""
    create_episode(client, auth, "In order")
    feed = client.get("/feed.xml", headers=IDENTITY).content
    reader = Reader(conn)
    conn.sendall(
        request("GET", "/healthz")
        + request("GET", "/feed.xml", "Accept-Encoding: identity")
        + request("HEAD", "/feed.xml")
        + request("GET", "/feed.xml", "Accept-Encoding: identity", "Content-Length: 5")
        + b"hello"
        + request("GET", "/feed.xml?from=app", "Accept-Encoding: identity")
        + request("GET", "/feed.xml", "Accept-Encoding: identity", "Connection: close")
    )
    health = reader.reply()
    assert health.status == 200 and b'"database"' in health.body
    assert reader.reply().body == feed
    assert reader.reply(head=True).status == 200
    assert reader.reply().body == feed  # the GET's own body was read and dropped
    assert reader.reply().body == feed  # a query string: through the app, same bytes
    last = reader.reply()
    assert last.body == feed and last.headers["connection"] == "close"
    assert reader.closed()
    # The one behind /healthz and the one with a query string went through the app; the rest
    # were answered directly (how many of those reached the app depends on timing).
    assert spy.calls >= 3


def test_http_1_0_gets_its_answer_then_the_connection_closes(
    client: TestClient, auth: dict[str, str], conn: socket.socket, spy: Spy
) -> None:
    create_episode(client, auth, "Old clients")
    feed = client.get("/feed.xml", headers=IDENTITY).content
    calls = spy.calls
    reader = Reader(conn)
    conn.sendall(request("GET", "/feed.xml", "Accept-Encoding: identity", version="1.0"))
    reply = reader.reply()
    assert reply.body == feed and reply.headers["connection"] == "close"
    assert reader.closed()
    assert spy.calls == calls


def test_what_it_declines_goes_to_the_app(
    client: TestClient, auth: dict[str, str], conn: socket.socket, spy: Spy
) -> None:
    """A feed to rebuild after a write, and a method the feed does not answer."""
    create_episode(client, auth, "Before")
    client.get("/feed.xml")
    reader = Reader(conn)
    create_episode(client, auth, "After the write")  # marks the cache dirty
    calls = spy.calls
    conn.sendall(request("GET", "/feed.xml", "Accept-Encoding: identity"))
    rebuilt = reader.reply()
    assert b"After the write" in rebuilt.body
    assert spy.calls == calls + 1
    conn.sendall(request("POST", "/feed.xml", "Content-Length: 0"))
    refused = reader.reply()
    assert refused.status == 405 and refused.headers["allow"] == "GET, HEAD, OPTIONS"
    assert spy.calls == calls + 2
    conn.sendall(request("GET", "/feed.xml", "Accept-Encoding: identity"))
    assert reader.reply().body == rebuilt.body
    assert spy.calls == calls + 2  # current again: answered directly


def test_direct_answers_are_counted(
    client: TestClient, auth: dict[str, str], live_server: str, conn: socket.socket, spy: Spy
) -> None:
    def polls() -> float:
        text = httpx.get(f"{live_server}/metrics").text  # over loopback: no token needed
        labels = {"route": "/feed.xml", "method": "GET", "status": "200"}
        return sample(text, "podcast_http_requests_total", **labels)

    create_episode(client, auth, "Counted")
    client.get("/feed.xml")
    before, calls = polls(), spy.calls
    reader = Reader(conn)
    for _ in range(5):
        conn.sendall(request("GET", "/feed.xml"))
        assert reader.reply().status == 200
    assert spy.calls == calls
    assert polls() == before + 5


def test_with_the_access_log_on_every_poll_goes_through_the_app(
    client: TestClient, auth: dict[str, str], spy: Spy, caplog: pytest.LogCaptureFixture
) -> None:
    """``podcast serve --access-log`` logs each request: uvicorn writes that line, so the
    protocol leaves the feed to it."""
    create_episode(client, auth, "Logged")
    client.get("/feed.xml")
    calls = spy.calls
    with serving(client.app, access_log=True) as url:
        access = logging.getLogger("uvicorn.access")  # its own handlers, not propagated
        access.addHandler(caplog.handler)
        access.setLevel(logging.INFO)  # serving() starts uvicorn at "warning"
        address = urlsplit(url)
        with socket.create_connection((address.hostname or "", address.port or 80)) as sock:
            sock.sendall(request("GET", "/feed.xml", "Connection: close"))
            assert Reader(sock).reply().status == 200
        access.removeHandler(caplog.handler)
    assert spy.calls == calls + 1
    assert any("/feed.xml" in r.getMessage() for r in caplog.records)


def test_a_large_feed_is_sent_from_its_file(
    client: TestClient, auth: dict[str, str], conn: socket.socket, spy: Spy
) -> None:
    """A feed of some hundred KB (and its gzip copy) is also kept in an unnamed file and sent
    with sendfile (podcast/core/zero_copy.py): byte for byte the same answers, pipelined
    requests after it still in order."""
    words = "compassionate leadership in the NHS North West " * 80  # ~3.8 KB of notes
    for n in range(24):
        create_episode(client, auth, f"Episode {n}", show_notes=f"<p>{n} {words}</p>")
    asgi = client.get("/feed.xml", headers=IDENTITY).content
    assert len(asgi) > 128 * 1024
    assert isinstance(client.app, FastAPI)
    entry = client.app.state.feed_cache.entry
    assert entry.plain.file is not None and entry.plain.file.size == len(asgi)
    reader = Reader(conn)
    for _ in range(3):
        conn.sendall(
            request("GET", "/feed.xml", "Accept-Encoding: identity")
            + request("HEAD", "/feed.xml")
            + request("GET", "/feed.xml", "Accept-Encoding: identity")
        )
        assert reader.reply().body == asgi
        assert reader.reply(head=True).headers["content-length"] == str(len(asgi))
        assert reader.reply().body == asgi
    conn.sendall(request("GET", "/feed.xml", "Accept-Encoding: gzip"))
    assert gzip.decompress(reader.reply().body) == asgi
    assert spy.calls == 1  # only the TestClient's


def test_a_slow_reader_gets_the_rest_of_a_large_feed(
    client: TestClient, auth: dict[str, str], live_server: str
) -> None:
    """A client that reads late, with a small receive buffer: sendfile sends what the socket
    takes and the transport the rest, before the next answer."""
    words = "compassionate leadership in the NHS North West " * 80
    for n in range(24):
        create_episode(client, auth, f"Episode {n}", show_notes=f"<p>{n} {words}</p>")
    asgi = client.get("/feed.xml", headers=IDENTITY).content
    address = urlsplit(live_server)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect((address.hostname or "", address.port or 80))
        sock.sendall(request("GET", "/feed.xml", "Accept-Encoding: identity"))
        time.sleep(0.3)  # the server fills what it can meanwhile
        sock.sendall(request("GET", "/feed.xml", "Accept-Encoding: identity", "Connection: close"))
        reader = Reader(sock)
        assert reader.reply().body == asgi
        assert reader.reply().body == asgi
        assert reader.closed()


def test_polls_during_rebuilds_always_get_a_whole_feed(
    client: TestClient, auth: dict[str, str], live_server: str
) -> None:
    """Threads poll a feed large enough to be sent from its file while writes make the cache
    rebuild it (and drop the old entry, whose file closes with it): every answer is one whole
    feed, never a mix or a cut one."""
    words = "compassionate leadership in the NHS North West " * 80
    for n in range(24):
        create_episode(client, auth, f"Episode {n}", show_notes=f"<p>{n} {words}</p>")
    client.get("/feed.xml")
    address = urlsplit(live_server)
    bodies: list[bytes] = []
    failures: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
        try:
            while not stop.is_set():
                connection.request("GET", "/feed.xml", headers=IDENTITY)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200 or len(body) != int(
                    response.getheader("content-length") or -1
                ):
                    failures.append(f"{response.status}, {len(body)} bytes")
                bodies.append(body)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(4):  # each write marks the cache dirty; the next poll rebuilds it
            create_episode(client, auth, f"Written while polled {n}", show_notes=f"<p>{words}</p>")
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not failures, failures[:5]
    assert len(bodies) > 20
    for body in bodies:
        assert body.startswith(b"<?xml") and body.rstrip().endswith(b"</rss>")
    assert (
        b"Written while polled 3" in bodies[-1]
        or b"Written while polled 3" in client.get("/feed.xml").content
    )
