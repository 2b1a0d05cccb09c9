"""Telling WebSub hubs and directories that the feed changed, so apps hear of a new episode in
seconds instead of at their next poll (docs/standards.md, "WebSub").

For each hub: ``POST hub.mode=publish&hub.url=<feed URL>`` as a form; the hub fetches the feed
and pushes it to its subscribers. Hubs answer 204 (Google's) or 202: any 2xx is success.
For each ping URL (a Podping gateway, a directory's ping endpoint): its template with
``{feed_url}`` replaced by the URL-encoded feed URL, called with GET or POST.

Every target is tried; if any failed, :class:`AnnounceFailed` names each failure afterwards,
so the job queue retries the whole announcement. Hubs that succeeded in an earlier attempt are
told again on a retry: harmless, a publish ping only makes the hub fetch the feed once more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import httpx

USER_AGENT = "LeadershipLivePodcast/0.1 (WebSub publisher; self-hosted podcast platform)"
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
_FORM = "application/x-www-form-urlencoded"
HUB = "WebSub hub"
PING = "ping URL"


@dataclass(frozen=True)
class Notified:
    """One hub or ping URL told: its answer, or why it failed (``error`` is None on success)."""

    kind: str  # "WebSub hub" or "ping URL", as messages name it
    url: str
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class AnnounceResult:
    hubs: tuple[Notified, ...]
    pings: tuple[Notified, ...]

    @property
    def failures(self) -> tuple[Notified, ...]:
        return tuple(n for n in (*self.hubs, *self.pings) if not n.ok)


class AnnounceFailed(Exception):
    """At least one hub or ping URL did not take the announcement; the message says which."""

    def __init__(self, result: AnnounceResult) -> None:
        self.result = result
        super().__init__("; ".join(f"{n.kind} {n.url}: {n.error}" for n in result.failures))


def make_client(timeout: float = TIMEOUT_SECONDS) -> httpx.Client:
    """The client announcements use: a timeout, our User-Agent, http(s) redirects only."""
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT},
        event_hooks={"request": [_http_only]},
    )


def _http_only(request: httpx.Request) -> None:
    # Configured URLs are checked at start-up; this catches a redirect elsewhere.
    if request.url.scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"refused a redirect to {request.url}", request=request)


def ping_url(template: str, feed_url: str) -> str:
    """The template with ``{feed_url}`` replaced by the feed URL, encoded as one query value."""
    return template.replace("{feed_url}", quote(feed_url, safe=""))


def announce(
    feed_url: str,
    hubs: Sequence[str],
    ping_urls: Sequence[str],
    client: httpx.Client,
    *,
    ping_method: str = "GET",
    ping_authorization: str | None = None,
) -> AnnounceResult:
    """Tell every hub and ping URL; raise :class:`AnnounceFailed` afterwards if any failed."""
    body = urlencode({"hub.mode": "publish", "hub.url": feed_url})
    hub_results = tuple(
        _call(client, HUB, "POST", hub, content=body.encode(), headers={"Content-Type": _FORM})
        for hub in hubs
    )
    ping_headers = {"Authorization": ping_authorization} if ping_authorization else {}
    ping_results = tuple(
        _call(client, PING, ping_method, ping_url(template, feed_url), headers=ping_headers)
        for template in ping_urls
    )
    result = AnnounceResult(hub_results, ping_results)
    if result.failures:
        raise AnnounceFailed(result)
    return result


def _call(
    client: httpx.Client,
    kind: str,
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: dict[str, str],
) -> Notified:
    try:
        response = client.request(method, url, content=content, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Notified(kind, url, None, f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc))
    if response.is_success:
        return Notified(kind, url, response.status_code, None)
    return Notified(kind, url, response.status_code, f"answered {response.status_code}")
