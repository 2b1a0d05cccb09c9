"""Fetching for the importer: only public http(s), checked on every redirect, within limits."""

from __future__ import annotations

import gzip
import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from podcast.imports.fetch import Fetcher, FetchError, FetchPolicy, is_public

LOCAL = FetchPolicy(allow_private=True, max_redirects=3, timeout=5)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        if "Content_Length" not in headers and "Transfer_Encoding" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/feed":
            self._send(200, b"<rss/>", Content_Type="application/rss+xml")
        elif path == "/host":
            self._send(200, self.headers["Host"].encode())
        elif path == "/loop-a":
            self._send(302, Location="/loop-b")
        elif path == "/loop-b":
            self._send(301, Location="/loop-a")
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._send(302, Location=f"/chain/{left - 1}" if left else "/feed")
        elif path == "/to-file":
            self._send(302, Location="file:///etc/passwd")
        elif path == "/to-metadata":
            self._send(302, Location="http://169.254.169.254/latest/meta-data/")
        elif path == "/missing":
            self._send(404, b"<html>gone</html>")
        elif path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b"<html>not now</html>")
        elif path == "/stalls":
            time.sleep(0.5)
            self._send(200, b"<rss/>")
        elif path == "/undeclared-length":
            # No Content-Length: the limit is counted on what arrives.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"x" * 16384)
        elif path == "/declared-length":
            self._send(200, b"x" * 2_000_000)
        elif path == "/gzip-bomb":
            body = gzip.compress(b"\0" * 5_000_000)
            self._send(200, body, Content_Encoding="gzip")
        else:
            self._send(404)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_plain_fetch(origin: str) -> None:
    with Fetcher(LOCAL) as fetcher:
        download, body = fetcher.get(f"{origin}/feed", limit=1000)
    assert body == b"<rss/>"
    assert download.content_type == "application/rss+xml"


def test_redirects_are_followed_within_the_limit(origin: str) -> None:
    with Fetcher(LOCAL) as fetcher:
        download, body = fetcher.get(f"{origin}/chain/2", limit=1000)  # 3 redirects
        assert body == b"<rss/>" and download.url == f"{origin}/feed"
        with pytest.raises(FetchError, match="more than 3 redirects"):
            fetcher.get(f"{origin}/chain/3", limit=1000)
        with pytest.raises(FetchError, match="loop"):
            fetcher.get(f"{origin}/loop-a", limit=1000)


def test_every_hop_is_checked(origin: str) -> None:
    with Fetcher(LOCAL) as fetcher:
        with pytest.raises(FetchError, match="only http and https URLs are fetched, not 'file'"):
            fetcher.get(f"{origin}/to-file", limit=1000)
    # Loopback is allowed above only because the policy says so; the metadata address of
    # every cloud is refused by default, even when only a redirect leads there.
    with Fetcher(FetchPolicy(allow_private=False)) as fetcher:
        with pytest.raises(
            FetchError, match=re.escape("169.254.169.254, a private or local address")
        ):
            fetcher.check("http://169.254.169.254/latest/meta-data/")
        with pytest.raises(FetchError, match="PODCAST_IMPORT_ALLOW_PRIVATE"):
            fetcher.get(f"{origin}/feed", limit=1000)


def test_a_name_is_resolved_once_and_its_address_used(origin: str) -> None:
    port = int(origin.rsplit(":", 1)[1])
    answers = {"podcast.example": ["127.0.0.1"], "mixed.example": ["93.184.215.14", "10.1.2.3"]}
    calls: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        calls.append(host)
        return answers[host]

    with Fetcher(LOCAL, resolver=resolver) as fetcher:
        _download, body = fetcher.get(f"http://podcast.example:{port}/host", limit=100)
    assert body == f"podcast.example:{port}".encode()  # the name, not the address, in Host
    assert calls == ["podcast.example"]
    with Fetcher(FetchPolicy(), resolver=resolver) as fetcher:
        # One private address among public ones is enough to refuse (DNS rebinding).
        with pytest.raises(FetchError, match=re.escape("10.1.2.3")):
            fetcher.check("https://mixed.example/feed")


def test_bodies_are_limited_as_they_arrive(origin: str) -> None:
    with Fetcher(LOCAL) as fetcher:
        with pytest.raises(FetchError, match="2,000,000 bytes, more than the 1,000,000 allowed"):
            fetcher.get(f"{origin}/declared-length", limit=1_000_000)
        with pytest.raises(FetchError, match="more than the 100,000 bytes allowed"):
            fetcher.get(f"{origin}/undeclared-length", limit=100_000)
        # Counted after decoding: 5 MB of zeros compressed to a few KB is still 5 MB.
        with pytest.raises(FetchError, match="more than the 1,000,000 bytes allowed"):
            fetcher.get(f"{origin}/gzip-bomb", limit=1_000_000)


def test_errors_name_the_status_and_the_url(origin: str) -> None:
    with Fetcher(LOCAL) as fetcher:
        with pytest.raises(FetchError, match="answered HTTP 404") as info:
            fetcher.get(f"{origin}/missing", limit=1000)
        assert info.value.url == f"{origin}/missing"
        with pytest.raises(FetchError, match="could not be resolved"):
            fetcher.get("http://no-such-host.invalid/feed", limit=1000)
        with pytest.raises(FetchError, match="not a valid URL"):
            fetcher.get("http://[::1/feed", limit=1000)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.0.0.8", False),
        ("172.16.4.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


def _failure(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.get(url, limit=1000)
    return info.value


def test_only_failures_that_may_pass_are_transient(origin: str) -> None:
    """What an import job retries (a host down or busy) and what it fails at once."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{closed.getsockname()[1]}/feed"  # nobody listens there
    with Fetcher(FetchPolicy(allow_private=True, timeout=0.2)) as fetcher:
        for status in (500, 502, 503, 504, 429, 408):
            assert _failure(fetcher, f"{origin}/status/{status}").transient, status
        for status in (404, 410, 403, 401, 400):
            assert not _failure(fetcher, f"{origin}/status/{status}").transient, status
        assert _failure(fetcher, refused).transient
        stalled = _failure(fetcher, f"{origin}/stalls")
        assert stalled.transient and "Timeout" in stalled.reason
        for url in (f"{origin}/to-file", f"{origin}/loop-a", "ftp://example.org/feed"):
            assert not _failure(fetcher, url).transient, url
    with Fetcher(FetchPolicy(allow_private=False)) as fetcher:
        assert not _failure(fetcher, f"{origin}/feed").transient  # a private address

    def resolver(host: str, _port: int) -> list[str]:
        if host == "dns-down.example":
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with Fetcher(LOCAL, resolver=resolver) as fetcher:
        assert _failure(fetcher, "http://dns-down.example/feed").transient
        assert not _failure(fetcher, "http://no-such-name.example/feed").transient
