"""Fetching what a producer points us at (an old host's feed, its audio, artwork, transcripts)
without letting the URL reach anything it should not.

A feed is written by someone else, and every URL in it is followed by this server. So each hop
(the first request and every redirect) is checked before it is made:

* only ``http`` and ``https`` (no ``file:``, ``ftp:``, ``gopher:``...);
* the host name is resolved once, **every** address it resolves to must be a public one
  (not loopback, private, link-local, carrier-grade NAT, multicast or reserved: the cloud
  metadata service at 169.254.169.254 included), and the connection goes to that checked
  address (the name stays in ``Host`` and in TLS SNI, so certificates are still verified
  against it). Resolving again at connect time would let a DNS answer change in between
  (DNS rebinding). ``PODCAST_IMPORT_ALLOW_PRIVATE=true`` lifts the address rule, for an old
  host on the same network, and for tests on loopback;
* at most ``max_redirects`` redirects, never the same URL twice;
* bodies are read up to a limit, counted as they arrive (a missing or lying
  ``Content-Length`` changes nothing).

Every refusal is a :class:`FetchError` that says which URL and why, in words for the import
report, and whether trying again later may help (``transient``: a timeout, a refused or reset
connection, a 5xx or 429 answer) or not (a 404, another scheme, a private address...), so an
import job retries only what can pass.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

USER_AGENT = "LeadershipLivePodcastImport/1.0 (self-hosted podcast platform; moving a show here)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

Resolver = Callable[[str, int], list[str]]


# Answers that say "not now" rather than "not here": worth asking again after a while.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})
# Resolver answers that say the DNS could not be asked, not that the name does not exist.
_TRANSIENT_RESOLVE = frozenset(
    code for code in (getattr(socket, "EAI_AGAIN", None), getattr(socket, "EAI_FAIL", None)) if code
)


class FetchError(Exception):
    """A URL that could not or must not be fetched; ``reason`` is for people. ``transient``:
    the same request may succeed later (the host is down or busy); otherwise it will fail the
    same way until someone changes the URL, the old host or the settings."""

    def __init__(self, url: str, reason: str, *, transient: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False
    max_redirects: int = 5
    timeout: float = 30.0


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, as a connection would)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Hop:
    """One checked request: where to connect, and the name the server must see."""

    url: str  # as written (for reports and for resolving relative redirects)
    connect_url: str  # the same with the checked address as host
    host_header: str
    sni: str | None


@dataclass
class Download:
    """An open response: its final URL, headers, and its body as chunks within the limit."""

    url: str
    status: int
    content_type: str
    length: int | None
    chunks: Iterator[bytes]


class Fetcher:
    """Safe GETs for the importer; one ``httpx.Client`` (connection reuse) for a whole run."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        client: httpx.Client | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self.policy = policy
        self._resolve = resolver
        self._client = client or httpx.Client(
            timeout=policy.timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def check(self, url: str) -> Hop:
        """The hop for ``url``, or :class:`FetchError` saying why it must not be fetched."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError(url, f"not a valid URL ({exc})") from None
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"only http and https URLs are fetched, not {parts.scheme!r}")
        host = parts.hostname
        if not host:
            raise FetchError(url, "the URL has no host")
        port = port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(
                url,
                f"the host {host!r} could not be resolved ({exc})",
                transient=_resolver_down(exc),
            ) from None
        if not addresses:
            raise FetchError(url, f"the host {host!r} has no address")
        if not self.policy.allow_private:
            refused = [a for a in addresses if not is_public(a)]
            if refused:
                raise FetchError(
                    url,
                    f"{host} resolves to {refused[0]}, a private or local address; set "
                    "PODCAST_IMPORT_ALLOW_PRIVATE=true to import from your own network",
                )
        address = addresses[0]
        literal = f"[{address}]" if ":" in address else address
        netloc = f"{literal}:{port}"
        connect_url = parts._replace(netloc=netloc).geturl()
        default_port = parts.port is None
        host_header = parts.hostname if default_port else f"{parts.hostname}:{port}"
        return Hop(url, connect_url, str(host_header), host if parts.scheme == "https" else None)

    @contextmanager
    def open(self, url: str, *, limit: int, accept: str = "*/*") -> Iterator[Download]:
        """GET ``url`` following checked redirects; the body may be at most ``limit`` bytes."""
        seen: set[str] = set()
        current = url
        for _ in range(self.policy.max_redirects + 1):
            if current in seen:
                raise FetchError(url, f"the redirects go round in a loop (back to {current})")
            seen.add(current)
            hop = self.check(current)
            request = self._client.build_request(
                "GET",
                hop.connect_url,
                headers={"Host": hop.host_header, "Accept": accept},
                extensions={"sni_hostname": hop.sni} if hop.sni else None,
            )
            try:
                response = self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise FetchError(
                    current, f"the request failed ({_describe(exc)})", transient=_passing(exc)
                ) from None
            try:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(current, f"HTTP {response.status_code} without a Location")
                    current = urljoin(current, location)
                    continue
                status = response.status_code
                if status != 200:
                    raise FetchError(
                        current,
                        f"the server answered HTTP {status}",
                        transient=status >= 500 or status in _TRANSIENT_STATUSES,
                    )
                yield self._download(current, response, limit)
                return
            finally:
                response.close()
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def get(self, url: str, *, limit: int, accept: str = "*/*") -> tuple[Download, bytes]:
        """The whole body of ``url`` (at most ``limit`` bytes) and its response."""
        with self.open(url, limit=limit, accept=accept) as download:
            return download, b"".join(download.chunks)

    def _download(self, url: str, response: httpx.Response, limit: int) -> Download:
        declared = response.headers.get("content-length")
        length = int(declared) if declared and declared.isdigit() else None
        if length is not None and length > limit:
            raise FetchError(url, f"it is {length:,} bytes, more than the {limit:,} allowed")

        def chunks() -> Iterator[bytes]:
            received = 0
            try:
                # As the bytes arrive (a network read, at most 64 KiB before decoding), not
                # gathered into larger pieces: from a slow host, progress and a cancelled
                # import's check then come every read, not every few seconds.
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > limit:
                        raise FetchError(url, f"it is more than the {limit:,} bytes allowed")
                    yield chunk
            except httpx.HTTPError as exc:
                raise FetchError(
                    url, f"the download broke off ({_describe(exc)})", transient=_passing(exc)
                ) from None

        content_type = response.headers.get("content-type", "")
        return Download(url, response.status_code, content_type, length, chunks())


def _passing(exc: httpx.HTTPError) -> bool:
    """Whether a failed exchange may go through later: a timeout, a connection refused, reset
    or cut short (the host or the network is down or busy), not a request httpx refused to
    make (an unsupported scheme, an invalid URL)."""
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def _resolver_down(exc: BaseException) -> bool:
    """Whether a failed name lookup is the resolver failing (try again), not "no such name"."""
    if isinstance(exc, socket.gaierror):
        return exc.errno in _TRANSIENT_RESOLVE
    return isinstance(exc, OSError)  # not a UnicodeError: a name IDNA cannot encode


def _describe(exc: httpx.HTTPError) -> str:
    return type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"
