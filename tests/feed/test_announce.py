"""Announcing the feed to WebSub hubs and ping URLs, against a real HTTP server
(docs/standards.md, "WebSub")."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, quote

import pytest

from podcast.feed.announce import USER_AGENT, AnnounceFailed, announce, make_client
from tests.feed.hub_stub import HubStub, hub_stub

FEED = "https://podcast.example.org/feed.xml"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def hub() -> Iterator[HubStub]:
    with hub_stub() as stub:
        yield stub


def test_every_hub_gets_a_publish_ping_as_a_form(hub: HubStub) -> None:
    hubs = [f"{hub.url}/a", f"{hub.url}/b"]
    hub.answer("/b", 202)
    with make_client() as client:
        result = announce(FEED, hubs, [], client)
    assert [(n.url, n.status, n.ok) for n in result.hubs] == [
        (hubs[0], 204, True),
        (hubs[1], 202, True),
    ]
    for path in ("/a", "/b"):
        [request] = hub.to(path)
        assert request.method == "POST"
        assert request.headers["content-type"] == FORM
        assert request.headers["user-agent"] == USER_AGENT
        assert parse_qs(request.body.decode(), strict_parsing=True) == {
            "hub.mode": ["publish"],
            "hub.url": [FEED],
        }


def test_a_failing_hub_is_named_after_every_hub_was_tried(hub: HubStub) -> None:
    failing, fine = f"{hub.url}/down", f"{hub.url}/up"
    hub.answer("/down", 500, 204)
    with make_client() as client:
        with pytest.raises(AnnounceFailed) as raised:
            announce(FEED, [failing, fine], [], client)
        assert str(raised.value) == f"WebSub hub {failing}: answered 500"
        assert len(hub.to("/up")) == 1  # tried although the first one failed
        # The queue runs the job again: this time the hub answers 204.
        result = announce(FEED, [failing, fine], [], client)
    assert [n.status for n in result.hubs] == [204, 204]
    assert len(hub.to("/down")) == 2
    assert len(hub.to("/up")) == 2  # told twice: harmless, a publish ping is idempotent


def test_an_unreachable_hub_is_a_failure_naming_it(hub: HubStub) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/hub"
    with make_client(timeout=2) as client, pytest.raises(AnnounceFailed) as raised:
        announce(FEED, [closed, f"{hub.url}/ok"], [], client)
    [failure] = raised.value.result.failures
    assert failure.url == closed and failure.status is None
    assert str(raised.value).startswith(f"WebSub hub {closed}: ConnectError")
    assert len(hub.to("/ok")) == 1


def test_ping_url_gets_the_encoded_feed_url(hub: HubStub) -> None:
    template = f"{hub.url}/ping?url={{feed_url}}&source=leadership-live"
    with make_client() as client:
        result = announce(FEED, [], [template], client, ping_authorization="Bearer s3cret")
    [request] = hub.to("/ping")
    assert request.method == "GET"
    assert request.path == f"/ping?url={quote(FEED, safe='')}&source=leadership-live"
    assert parse_qs(request.path.split("?")[1])["url"] == [FEED]
    assert request.headers["authorization"] == "Bearer s3cret"
    assert [n.status for n in result.pings] == [204]


def test_ping_by_post_and_hubs_never_get_the_ping_authorization(hub: HubStub) -> None:
    with make_client() as client:
        announce(
            FEED,
            [f"{hub.url}/hub"],
            [f"{hub.url}/ping/{{feed_url}}"],
            client,
            ping_method="POST",
            ping_authorization="Bearer s3cret",
        )
    [ping] = hub.to(f"/ping/{quote(FEED, safe='')}")
    assert ping.method == "POST"
    [hub_request] = hub.to("/hub")
    assert "authorization" not in hub_request.headers


def test_a_failing_ping_url_fails_the_announcement(hub: HubStub) -> None:
    hub.answer("/ping", 401)
    template = f"{hub.url}/ping?url={{feed_url}}"
    with make_client() as client, pytest.raises(AnnounceFailed) as raised:
        announce(FEED, [f"{hub.url}/hub"], [template], client)
    assert str(raised.value) == (
        f"ping URL {hub.url}/ping?url={quote(FEED, safe='')}: answered 401"
    )
    assert len(hub.to("/hub")) == 1


def test_redirects_are_followed_over_http_only(hub: HubStub) -> None:
    hub.answer("/moved", 307, Location=f"{hub.url}/new")
    hub.answer("/sneaky", 302, Location="file:///etc/passwd")
    with make_client() as client:
        result = announce(FEED, [f"{hub.url}/moved"], [], client)
        assert [n.status for n in result.hubs] == [204]
        [moved] = hub.to("/new")
        assert moved.method == "POST" and b"hub.mode=publish" in moved.body
        with pytest.raises(AnnounceFailed) as raised:
            announce(FEED, [f"{hub.url}/sneaky"], [], client)
    assert f"WebSub hub {hub.url}/sneaky: UnsupportedProtocol" in str(raised.value)
