"""The served feed read back by two JavaScript parsers nobody here wrote: Podcast Index's
``podcast-partytime`` (extracted from the Podcast Index aggregator) and ``podparse`` (a fork of
podcast-feed-parser). Every Podcasting 2.0 and Apple tag the show and its episodes can carry,
set through the API, must come back with its exact value from at least one of them; where a
parser does not read a tag at all, the test says so and asserts with the other
(docs/standards.md, "Read back by partytime and podparse").

The parsers are pinned in tests/feed/js/package.json (lock file committed) and installed with
``npm ci --prefix tests/feed/js``; the first test of a session runs that when node_modules is
missing. Without node and npm the module is skipped locally and fails on CI (``CI=true``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import NOW
from tests.factories import create_episode
from tests.feed.support import BASE, image_bytes, put_artwork
from tests.shows.test_channel_namespace import CHANNEL, GUID
from tests.transcripts.support import put_transcript

ON_CI = os.environ.get("CI") == "true"
JS = Path(__file__).parent / "js"
SCRIPT = JS / "read_feed.mjs"

if not ON_CI and (shutil.which("node") is None or shutil.which("npm") is None):
    pytest.skip("node and npm are not installed (see README.md)", allow_module_level=True)

ReadBack = Callable[[TestClient], dict[str, Any]]

SHOW = {
    **CHANNEL,
    "itunes_title": "Leadership Live (NHS North West)",
    "subtitle": "Conversations on leadership",
    "owner_email": "producers@example.org",
    "funding": [{"url": "https://example.org/support", "text": "Support us"}],
    "people": [
        {
            "name": "Lorna Krisson",
            "role": "host",
            "group": "cast",
            "img": "https://example.org/lorna.jpg",
            "href": "https://example.org/lorna",
        },
        {"name": "Ben Aris", "role": "audio editor", "group": "audio post-production"},
        # The taxonomy file's spelling, which partytime would credit as a host.
        {"name": "Cy Rhys", "role": "Translater", "group": "writing"},
    ],
    "txt": [
        {"text": "05124", "purpose": "applepodcastsverify"},
        {"text": "S6lpp-7ZCn8-dZfGc-OoyaG", "purpose": "verify"},
        {"text": "hello"},
    ],
}
LICENSE = {"name": "CC-BY-NC-4.0", "url": "https://creativecommons.org/licenses/by-nc/4.0/"}
LOCATION = {"name": "Manchester Royal Infirmary", "geo": "geo:53.4628,-2.2259", "osm": "W2578"}
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nWelcome to Leadership Live.\n"
CHAPTERS = [{"start": 0, "title": "Welcome"}, {"start": 2, "title": "The interview"}]


@pytest.fixture(scope="session")
def read_back() -> ReadBack:
    """Installs the pinned parsers once (``npm ci``, under a lock so that pytest-xdist workers
    do not install over each other) and returns a reader: the served feed, parsed by both."""
    if not (JS / "node_modules").is_dir():
        with (JS / "package-lock.json").open() as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (JS / "node_modules").is_dir():
                done = subprocess.run(
                    ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(JS)],
                    capture_output=True,
                    timeout=300,
                )
                assert done.returncode == 0, done.stderr.decode()

    def read(client: TestClient) -> dict[str, Any]:
        response = client.get("/feed.xml")
        assert response.status_code == 200, response.text
        done = subprocess.run(
            ["node", str(SCRIPT)], input=response.content, capture_output=True, timeout=30
        )
        assert done.returncode == 0, done.stderr.decode()
        parsed: dict[str, Any] = json.loads(done.stdout)
        return parsed

    return read


def _show(client: TestClient, auth: dict[str, str], **changes: object) -> dict[str, Any]:
    response = client.patch("/api/show", json={**SHOW, **changes}, headers=auth)
    assert response.status_code == 200, response.text
    show: dict[str, Any] = put_artwork(client, auth, image_bytes(1400)).json()
    return show


def _episode(
    client: TestClient, auth: dict[str, str], title: str, number: int, **fields: Any
) -> dict[str, Any]:
    """An episode with every item tag the API takes, and an English transcript."""
    episode = create_episode(
        client,
        auth,
        title,
        season=2,
        episode_number=number,
        season_name="Race equity",
        episode_display=f"Part {number}",
        block=True,
        keywords=["race equity", "leadership"],
        location=LOCATION,
        license=LICENSE,
        soundbites=[
            {"start_time": 1, "duration": 3, "title": f"The key moment of {number}"},
            {"start_time": 0.25, "duration": 1.5},
        ],
        funding=[{"url": f"https://example.org/support/ep{number}", "text": f"Support {number}"}],
        people=[
            {
                "name": "Ada Lovelace",
                "role": "guest",
                "img": "https://example.org/ada.jpg",
                "href": "https://example.org/ada",
            }
        ],
        **fields,
    )
    response = put_transcript(client, auth, episode["id"], VTT, language="en-GB")
    assert response.status_code in (200, 201), response.text
    return episode


@pytest.fixture
def channel(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    """A show with every channel tag and a published trailer."""
    show = _show(client, auth)
    trailer = create_episode(
        client,
        auth,
        "Season 2 is coming",
        episode_type="trailer",
        season=2,
        at=NOW - timedelta(days=3),
    )
    return {"show": show, "trailer": trailer}


@pytest.fixture
def everything(client: TestClient, auth: dict[str, str], channel: dict[str, Any]) -> dict[str, Any]:
    """The show and trailer, and two episodes with every item tag: the first with its own
    artwork and chapters from its audio, the second with neither (its image falls back to
    the show's) and chapters set through the API."""
    first = _episode(
        client, auth, "Race equity in practice", 4, audio="speech.mp3", at=NOW - timedelta(2)
    )
    second = _episode(client, auth, "Allies at work", 5, at=NOW - timedelta(days=1))
    chapters = client.put(f"/api/episodes/{second['id']}/chapters", json=CHAPTERS, headers=auth)
    assert chapters.status_code == 200, chapters.text
    return {**channel, "first": first, "second": second}


def _urls(episode: dict[str, Any]) -> dict[str, str]:
    page = f"{BASE}/episodes/{episode['slug']}"
    return {
        "chapters": f"{page}/chapters.json",
        **{kind: f"{page}/transcript.{kind}" for kind in ("json", "vtt", "srt", "html")},
    }


def test_channel_read_back(
    client: TestClient, read_back: ReadBack, channel: dict[str, Any]
) -> None:
    parsed = read_back(client)
    show, trailer = channel["show"], channel["trailer"]

    assert show["people"][2]["role"] == "translator"  # stored as partytime spells it

    # partytime
    feed = parsed["partytime"]
    assert feed["guid"] == show["podcast_guid"]
    assert (feed["locked"], feed["podcastOwner"]) == (True, "producers@example.org")
    assert feed["owner"] == {
        "name": "NHS North West Leadership Academy",
        "email": "producers@example.org",
    }
    assert feed["podcastFunding"] == [
        {"message": "Support us", "url": "https://example.org/support"}
    ]
    # partytime spells roles and groups as the taxonomy's display names; ours are lower case,
    # which the namespace allows ("case-insensitive").
    assert feed["podcastPeople"] == [
        {
            "name": "Lorna Krisson",
            "role": "Host",
            "group": "Cast",
            "img": "https://example.org/lorna.jpg",
            "href": "https://example.org/lorna",
        },
        {"name": "Ben Aris", "role": "Audio Editor", "group": "Audio Post-Production"},
        {"name": "Cy Rhys", "role": "Translator", "group": "Writing"},
    ]
    assert feed["trailers"] == [
        {
            "title": "Season 2 is coming",
            "url": trailer["audio"]["url"],
            "pubdate": (NOW - timedelta(days=3)).isoformat().replace("+00:00", ".000Z"),
            "type": "audio/mpeg",
            "length": trailer["audio"]["size_bytes"],
            "season": 2,
        }
    ]
    assert feed["license"] == {
        "identifier": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert feed["podcastLocation"] == {
        "name": "Manchester",
        "geo": "geo:53.4808,-2.2426",
        "osm": "R146656",
    }
    assert feed["medium"] == "podcast"
    assert feed["podroll"] == [
        {"feedGuid": GUID, "feedUrl": "https://feeds.example.org/other.xml"},
        {"feedGuid": "c3d2ff6b-41b9-5c46-9e46-d2dc5a40b6a1"},
    ]
    # partytime's XML parser turns a text that looks like a number into one, and then reads
    # no text: the spec's own Apple example ("05124") comes back empty. Our tag is as the
    # spec writes it (tests/feed/test_channel_namespace.py); the other values come back.
    assert feed["podcastTxt"] == [
        {"value": "", "purpose": "applepodcastsverify"},
        {"value": "S6lpp-7ZCn8-dZfGc-OoyaG", "purpose": "verify"},
        {"value": "hello"},
    ]
    assert (feed["podcastBlocked"], feed["podcastBlockedPlatforms"]) == (
        "no",
        {"spotify": True, "google": False},
    )
    assert feed["itunesBlock"] is False
    assert feed["itunesCategory"] == ["Business > Management", "Health & Fitness > Medicine"]
    assert feed["subtitle"] == "Conversations on leadership"
    assert feed["itunesImage"] == show["artwork_url"]
    # Not read by partytime 5.0.0 (nor podparse): podcast:updateFrequency, a channel-level
    # podcast:socialInteract (partytime reads it on items only, though the spec now allows
    # the channel too) and the channel's itunes:title (partytime keeps <title>).
    assert feed["title"] == "Leadership Live"
    for key in ("updateFrequency", "podcastUpdateFrequency", "podcastSocialInteraction"):
        assert key not in feed
    support = feed["pc20support"]
    assert {"locked", "funding", "guid", "trailer", "license", "medium", "block"} <= {
        tag for tags in support.values() for tag in tags
    }

    # podparse
    meta = parsed["podparse"]["meta"]
    assert meta["guid"] == show["podcast_guid"]
    # podparse reads locked, but not its owner attribute.
    assert meta["locked"] is True
    assert meta["owner"] == {
        "name": "NHS North West Leadership Academy",
        "email": "producers@example.org",
    }
    assert meta["funding"] == [{"name": "Support us", "url": "https://example.org/support"}]
    assert meta["person"] == [
        {
            "name": "Lorna Krisson",
            "role": "host",
            "group": "cast",
            "img": "https://example.org/lorna.jpg",
            "href": "https://example.org/lorna",
        },
        {"name": "Ben Aris", "role": "audio editor", "group": "audio post-production"},
        {"name": "Cy Rhys", "role": "translator", "group": "writing"},
    ]
    assert meta["trailer"] == [
        {
            "title": "Season 2 is coming",
            "url": trailer["audio"]["url"],
            "pubDate": "Mon, 23 Nov 2026 12:00:00 +0000",
            "length": trailer["audio"]["size_bytes"],
            "type": "audio/mpeg",
            "season": 2,
        }
    ]
    assert meta["license"] == {
        "slug": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert meta["location"] == {
        "name": "Manchester",
        "geo": [53.4808, -2.2426],
        "osm": "R146656",
    }
    assert meta["medium"] == "podcast"
    # podparse lists every category name, top level and sub, in one sorted list.
    assert meta["category"] == ["Business", "Health & Fitness", "Management", "Medicine"]
    assert meta["subtitle"] == "Conversations on leadership"
    assert meta["image"]["url"] == show["artwork_url"]
    # Matching elements by local name, podparse reads <title> (first) for the channel's
    # title, not itunes:title.
    assert meta["title"] == "Leadership Live"
    # Not read by podparse 1.6.0: podcast:podroll, txt, block, updateFrequency and
    # socialInteract, and itunes:block (its "blocked" matches only elements named so).
    for key in ("podroll", "txt", "block", "blocked", "updateFrequency", "socialInteract"):
        assert key not in meta, key


def test_items_read_back(
    client: TestClient, read_back: ReadBack, everything: dict[str, Any]
) -> None:
    parsed = read_back(client)
    show, first, second = everything["show"], everything["first"], everything["second"]

    # partytime
    feed = parsed["partytime"]
    assert feed["podcastSeasons"] == {"2": {"number": 2, "name": "Race equity"}}
    items = {item["guid"]: item for item in feed["items"]}
    assert len(items) == 3
    for number, episode in ((4, first), (5, second)):
        item = items[episode["guid"]]
        urls = _urls(episode)
        assert item["title"] == episode["title"]
        assert item["podcastTranscripts"] == [
            {"url": urls["json"], "type": "application/json", "language": "en-GB"},
            {"url": urls["vtt"], "type": "text/vtt", "language": "en-GB", "rel": "captions"},
            # partytime reports SRT as "application/srt"; we send the spec's
            # "application/x-subrip" (docs/tags/transcript.md), which podparse keeps.
            {"url": urls["srt"], "type": "application/srt", "language": "en-GB"},
            {"url": urls["html"], "type": "text/html", "language": "en-GB"},
        ]
        assert item["podcastChapters"] == {
            "url": urls["chapters"],
            "type": "application/json+chapters",
        }
        # An untitled soundbite is left empty, as the spec asks; partytime fills in the
        # channel's title itself.
        assert item["podcastSoundbites"] == [
            {"startTime": 1, "duration": 3, "title": f"The key moment of {number}"},
            {"startTime": 0.25, "duration": 1.5, "title": "Leadership Live"},
        ]
        assert item["podcastPeople"] == [
            {
                "name": "Ada Lovelace",
                "role": "Guest",
                "group": "Cast",
                "img": "https://example.org/ada.jpg",
                "href": "https://example.org/ada",
            }
        ]
        assert item["podcastLocation"] == LOCATION
        assert item["license"] == {"identifier": LICENSE["name"], "url": LICENSE["url"]}
        assert item["podcastSeason"] == {"number": 2, "name": "Race equity"}
        assert item["podcastEpisode"] == {"number": number, "display": f"Part {number}"}
        assert (item["itunesSeason"], item["itunesEpisode"]) == (2, number)
        assert item["keywords"] == ["race equity", "leadership"]
        # Not read by partytime on items: podcast:funding (channel only) and itunes:block.
        assert "podcastFunding" not in item and "itunesBlock" not in item
    assert items[first["guid"]]["itunesImage"] == first["artwork"]["url"]
    assert items[second["guid"]]["itunesImage"] == show["artwork_url"]
    trailer = items[everything["trailer"]["guid"]]
    assert trailer["itunesEpisodeType"] == "trailer"
    assert trailer["itunesImage"] == show["artwork_url"]

    # podparse
    episodes = parsed["podparse"]["episodes"]
    # Newest first, as podparse sorts an episodic show.
    assert [e["guid"] for e in episodes] == [
        second["guid"],
        first["guid"],
        everything["trailer"]["guid"],
    ]
    for number, episode, parsed in ((4, first, episodes[1]), (5, second, episodes[0])):
        urls = _urls(episode)
        assert parsed["title"] == episode["title"]
        assert parsed["transcript"] == [
            {"url": urls["json"], "type": "application/json", "language": "en-GB"},
            {"url": urls["vtt"], "type": "text/vtt", "language": "en-GB", "rel": "captions"},
            {"url": urls["srt"], "type": "application/x-subrip", "language": "en-GB"},
            {"url": urls["html"], "type": "text/html", "language": "en-GB"},
        ]
        # podparse reads the first element named "chapters": ours, not the psc:chapters
        # that follow it for gPodder.
        assert parsed["chapters"] == {"url": urls["chapters"], "type": "application/json+chapters"}
        assert parsed["soundbite"] == [
            {"name": f"The key moment of {number}", "startTime": 1, "duration": 3},
            {"startTime": 0.25, "duration": 1.5},
        ]
        assert parsed["person"] == [
            {
                "name": "Ada Lovelace",
                "role": "guest",
                "group": "cast",
                "img": "https://example.org/ada.jpg",
                "href": "https://example.org/ada",
            }
        ]
        assert parsed["location"] == {
            "name": LOCATION["name"],
            "geo": [53.4628, -2.2259],
            "osm": LOCATION["osm"],
        }
        assert parsed["license"] == {"slug": LICENSE["name"], "url": LICENSE["url"]}
        assert parsed["funding"] == [
            {"name": f"Support {number}", "url": f"https://example.org/support/ep{number}"}
        ]
        assert (parsed["season"], parsed["episode"]) == (2, number)
        # podparse sorts keywords.
        assert parsed["keywords"] == ["leadership", "race equity"]
        # Not read by podparse: season name, episode display, itunes:block.
        assert "blocked" not in parsed and "block" not in parsed
    assert episodes[1]["image"] == {"url": first["artwork"]["url"]}
    assert episodes[0]["image"] == {"url": show["artwork_url"]}
    assert episodes[2]["image"] == {"url": show["artwork_url"]}
    assert episodes[2]["episodeType"] == "trailer"


def test_a_blocked_finished_show(
    client: TestClient, auth: dict[str, str], read_back: ReadBack
) -> None:
    """A show blocked everywhere (podcast:block and itunes:block), finished (itunes:complete,
    updateFrequency complete): partytime reads both blocks (podparse neither), both read
    itunes:complete; updateFrequency is read by neither."""
    _show(
        client,
        auth,
        block=True,
        complete=True,
        platform_blocks=[{"service": "google", "block": False}],
        update_frequency={"text": "Finished", "complete": True},
        medium="audiobook",
    )
    create_episode(client, auth, "The last one")
    parsed = read_back(client)
    feed = parsed["partytime"]
    assert feed["podcastBlocked"] == "yes"
    assert feed["podcastBlockedPlatforms"] == {"google": False}
    assert feed["itunesBlock"] is True
    assert feed["itunesComplete"] is True
    assert "podcastUpdateFrequency" not in feed
    assert feed["medium"] == "audiobook"
    meta = parsed["podparse"]["meta"]
    assert (meta["medium"], meta["complete"]) == ("audiobook", True)
    assert "blocked" not in meta
