"""The rest of the Podcasting 2.0 channel and Apple's situational tags in the served feed:
read back with lxml (namespace and attributes), feedparser and gPodder's podcastparser, and
what ``podcast check`` says about combinations the API cannot prevent."""

from __future__ import annotations

import io
from datetime import timedelta
from email.utils import parsedate_to_datetime

import feedparser
import podcastparser
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from feedgen.feed import FeedGenerator
from sqlalchemy import select

from podcast.core.db import session_scope
from podcast.feed.podcastindex import register
from podcast.shows.models import Show
from tests.conftest import NOW
from tests.factories import create_episode
from tests.feed.support import FEED_URL, NS, feed_xml
from tests.shows.test_channel_namespace import CHANNEL, GUID

P = "{https://podcastindex.org/namespace/1.0}"


def _channel(client: TestClient, auth: dict[str, str], **changes: object) -> None:
    response = client.patch("/api/show", json={**CHANNEL, **changes}, headers=auth)
    assert response.status_code == 200, response.text


def test_channel_tags_in_the_feed(client: TestClient, auth: dict[str, str]) -> None:
    _channel(client, auth, subtitle="Conversations on leadership", block=True)
    channel = feed_xml(client).find("channel")
    assert channel is not None

    assert channel.findtext("itunes:title", namespaces=NS) == "Leadership Live"
    assert channel.findtext("itunes:subtitle", namespaces=NS) == "Conversations on leadership"
    categories = channel.findall("itunes:category", NS)
    assert [c.get("text") for c in categories] == ["Business", "Health & Fitness"]
    assert [[s.get("text") for s in c] for c in categories] == [["Management"], ["Medicine"]]
    assert channel.findtext("podcast:medium", namespaces=NS) == "podcast"

    license_ = channel.find("podcast:license", NS)
    assert license_ is not None and license_.text == "CC-BY-4.0"
    assert license_.get("url") == "https://creativecommons.org/licenses/by/4.0/"
    location = channel.find("podcast:location", NS)
    assert location is not None and location.text == "Manchester"
    # Every attribute that is set, in location.md's order (rel first, country last).
    assert list(location.attrib.items()) == [
        ("rel", "subject"),
        ("geo", "geo:53.4808,-2.2426"),
        ("osm", "R146656"),
        ("country", "GB"),
    ]
    frequency = channel.find("podcast:updateFrequency", NS)
    assert frequency is not None and frequency.text == "Every other Tuesday"
    assert dict(frequency.attrib) == {"rrule": "FREQ=WEEKLY;INTERVAL=2"}

    [podroll] = channel.findall("podcast:podroll", NS)
    remote = podroll.findall("podcast:remoteItem", NS)
    assert [dict(r.attrib) for r in remote] == [
        {"feedGuid": GUID, "feedUrl": "https://feeds.example.org/other.xml"},
        {"feedGuid": "c3d2ff6b-41b9-5c46-9e46-d2dc5a40b6a1"},
    ]
    txt = channel.findall("podcast:txt", NS)
    assert [(t.text, t.get("purpose")) for t in txt] == [
        ("05124", "applepodcastsverify"),
        ("hello", None),
    ]
    [social] = channel.findall("podcast:socialInteract", NS)
    assert dict(social.attrib) == {
        "protocol": "activitypub",
        "uri": "https://mastodon.example/@leadership/1",
        "accountId": "@leadership",
        "accountUrl": "https://mastodon.example/@leadership",
        "priority": "1",
    }
    blocks = channel.findall("podcast:block", NS)
    assert [(b.get("id"), b.text) for b in blocks] == [
        (None, "yes"),
        ("spotify", "yes"),
        ("google", "no"),
    ]
    assert channel.findtext("itunes:block", namespaces=NS) == "Yes"
    # Every new tag is in the one podcast namespace, declared once on the root.
    assert all(el.tag.startswith(P) for el in [license_, location, frequency, podroll, social])


def test_update_frequency_attributes(client: TestClient, auth: dict[str, str]) -> None:
    frequency = {
        "text": "That's all folks",
        "complete": True,
        "rrule": "FREQ=WEEKLY;COUNT=10",
        "dtstart": "2026-01-05T07:00:00Z",
    }
    _channel(client, auth, update_frequency=frequency)
    tag = feed_xml(client).find("channel/podcast:updateFrequency", NS)
    assert tag is not None
    assert dict(tag.attrib) == {
        "complete": "true",
        "dtstart": "2026-01-05T07:00:00Z",
        "rrule": "FREQ=WEEKLY;COUNT=10",
    }


def test_trailers_come_from_published_trailer_episodes(
    client: TestClient, auth: dict[str, str]
) -> None:
    trailer = create_episode(
        client, auth, "Season 2 is coming", episode_type="trailer", season=2, at=NOW
    )
    create_episode(client, auth, "A full episode", at=NOW - timedelta(days=1))
    create_episode(client, auth, "Draft trailer", episode_type="trailer", publish=False)
    create_episode(client, auth, "Next trailer", episode_type="trailer", at=NOW + timedelta(1))
    root = feed_xml(client)
    [tag] = root.findall("channel/podcast:trailer", NS)
    assert tag.text == "Season 2 is coming"
    [item] = [i for i in root.findall("channel/item") if i.findtext("title") == tag.text]
    enclosure = item.find("enclosure")
    assert enclosure is not None
    assert tag.get("url") == enclosure.get("url")
    assert tag.get("length") == enclosure.get("length") == str(trailer["audio"]["size_bytes"])
    assert tag.get("type") == "audio/mpeg" and tag.get("season") == "2"
    assert parsedate_to_datetime(tag.get("pubdate") or "") == NOW


def test_independent_parsers_read_the_channel(client: TestClient, auth: dict[str, str]) -> None:
    """feedparser keeps the channel title (itunes:title does not replace it) and reads the
    subtitle, both category pairs and the namespace's attributes (it keeps an element's
    attributes or its text, not both); podcastparser still reads the feed whole."""
    _channel(client, auth, subtitle="Conversations on leadership", itunes_title="LL")
    create_episode(client, auth, "Trailer", episode_type="trailer")
    body = client.get("/feed.xml").content
    fp = feedparser.parse(body)
    assert fp.bozo == 0, fp.bozo_exception
    assert fp.feed.title == "Leadership Live"
    assert fp.feed.subtitle == "Conversations on leadership"
    assert [t["term"] for t in fp.feed.tags] == [
        "Business",
        "Management",
        "Health & Fitness",
        "Medicine",
    ]
    assert fp.feed.itunes_title == "LL"
    assert fp.feed.podcast_license == {"url": CHANNEL["license"]["url"]}
    assert fp.feed.podcast_location == {
        "rel": "subject",
        "geo": "geo:53.4808,-2.2426",
        "osm": "R146656",
        "country": "GB",
    }
    assert fp.feed.podcast_updatefrequency == {"rrule": "FREQ=WEEKLY;INTERVAL=2"}
    assert fp.feed.podcast_medium == "podcast"
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(body))
    assert parsed["title"] == "Leadership Live"
    assert [e["title"] for e in parsed["episodes"]] == ["Trailer"]


def _stored(app: FastAPI, **values: object) -> None:
    """Values as rows stored before a rule (or written by hand) may hold them."""
    with session_scope(app.state.sessionmaker) as session:
        show = session.scalars(select(Show)).one()
        for name, value in values.items():
            setattr(show, name, value)


def _rules(client: TestClient, auth: dict[str, str]) -> dict[str, str]:
    report = client.get("/api/feed/check", headers=auth).json()
    return {f["rule"]: f["message"] for f in report["findings"]}


def test_check_flags_what_the_api_cannot_prevent(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    show = client.get("/api/show").json()
    _channel(
        client,
        auth,
        license={"name": "All rights reserved"},
        location={"name": "Manchester"},
        update_frequency={"text": "Finished", "complete": True},
        podroll=[{"feed_guid": show["podcast_guid"]}],
        txt=[
            {"text": "1", "purpose": "applepodcastsverify"},
            {"text": "2", "purpose": "applepodcastsverify"},
        ],
        platform_blocks=[{"service": "apple"}, {"service": "google", "block": False}],
    )
    _stored(
        app,
        people=[{"name": "Old Row", "role": "presenter", "group": "cast"}],
        funding=[{"url": "http://example.org/give", "text": "Give"}],
        second_category="Games & Hobbies",
    )
    rules = _rules(client, auth)
    for rule in (
        "show-license-url",
        "show-location",
        "show-update-frequency",
        "show-podroll",
        "show-txt-apple",
        "show-block-apple",
        "show-block-allowed",
        "person-taxonomy",
        "show-namespace-https",
        "show-category-second",
    ):
        assert rule in rules, (rule, rules)
    assert "'presenter'" in rules["person-taxonomy"]
    assert "http://example.org/give" in rules["show-namespace-https"]
    # The feed still builds, leaving out nothing the apps could read.
    assert feed_xml(client).find("channel/podcast:funding", NS) is not None


def test_a_clean_channel_has_no_namespace_findings(
    client: TestClient, auth: dict[str, str]
) -> None:
    _channel(client, auth, platform_blocks=[{"service": "spotify"}])
    rules = _rules(client, auth)
    namespace_rules = {r for r in rules if r.startswith(("show-", "person-"))}
    assert namespace_rules <= {"show-artwork-missing", "show-owner-email-placeholder"}, rules


@pytest.mark.parametrize("medium", ["music", "audiobook", "podcastL", "courseL"])
def test_medium_is_selectable(client: TestClient, auth: dict[str, str], medium: str) -> None:
    assert client.patch("/api/show", json={"medium": medium}, headers=auth).status_code == 200
    assert feed_xml(client).findtext("channel/podcast:medium", namespaces=NS) == medium


def test_bad_stored_values_are_left_out_not_fatal(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    """Rows written by hand (or before a rule) with values the API refuses: the feed still
    builds for everyone, without those tags; the good ones stay."""
    _channel(client, auth)
    _stored(
        app,
        location={"name": "Nowhere", "geo": "53,-2"},
        podroll=[{"feed_guid": "not-a-guid"}, {"feed_guid": GUID}],
        social_interact=[{"protocol": "myspace", "uri": "https://a.example/1"}],
        platform_blocks=[{"service": "myspace", "block": True}, {"service": "spotify"}],
        medium="radio",
        updated_at=NOW + timedelta(seconds=1),
    )
    channel = feed_xml(client).find("channel")
    assert channel is not None
    assert channel.find("podcast:location", NS) is None
    assert [
        r.get("feedGuid") for r in channel.iterfind("podcast:podroll/podcast:remoteItem", NS)
    ] == [GUID]
    assert channel.find("podcast:socialInteract", NS) is None
    assert [b.get("id") for b in channel.iterfind("podcast:block", NS)] == ["spotify"]
    assert channel.findtext("podcast:medium", namespaces=NS) == "podcast"
    assert channel.find("podcast:license", NS) is not None


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("license", ("CC-BY-4.0", "http://example.org/l")),
        ("location", ("Manchester", "geo:91,0")),
        ("location", ("Manchester", None, "Q42")),
        ("location", ("Manchester", None, None, "about")),
        ("location", ("Manchester", None, None, None, "gb")),
        ("podroll", ("not-a-guid",)),
        ("podroll", (GUID, "http://example.org/feed.xml")),
        ("txt", ("x" * 4001,)),
        ("social_interact", ("myspace", "https://a.example/1")),
        ("social_interact", ("disabled", "https://a.example/1")),
        ("social_interact", ("activitypub", None)),
        ("block", (True, "myspace")),
        ("trailer", ("Trailer", "https://a.example/t.mp3", NOW.replace(tzinfo=None))),
        ("trailer", ("Trailer", "https://a.example/t.mp3", NOW, 10, "audio/mpeg", 0)),
    ],
)
def test_the_extension_refuses_what_the_namespace_does(method: str, args: tuple) -> None:
    ext = register(FeedGenerator())
    with pytest.raises(ValueError):
        getattr(ext, method)(*args)
