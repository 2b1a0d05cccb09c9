"""Feeds in the style of the hosts shows move from, each with its quirks, imported end to end:
our feed keeps every GUID and date exactly (as gPodder's parser reads them), and each host's
own habits map right."""

from __future__ import annotations

import io
import json
from typing import Any

import podcastparser
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from episodes.models import Episode
from podcast.imports.importer import ImportReport, Outcome
from podcast.shows.models import Show
from tests.conftest import FIXTURES
from tests.imports.oldhost import OldHost, run_import
from transcripts import repository

SPEECH = (FIXTURES / "speech.mp3").read_bytes()
PLAIN = (FIXTURES / "plain.mp3").read_bytes()
PODCAST_NS = {"podcast": "https://podcastindex.org/namespace/1.0"}


def by_guid(feed: bytes) -> dict[str, int]:
    """GUID: publish time, as gPodder's parser reads a feed."""
    parsed = podcastparser.parse("feed.xml", io.BytesIO(feed))
    return {e["guid"]: e["published"] for e in parsed["episodes"]}


def move(client: TestClient, host: OldHost, name: str) -> ImportReport:
    """Import ``name`` and check what every move must keep; the report for the rest."""
    url = host.feed(name)
    report = run_import(client, url)
    assert [i.reason for i in report.items if i.outcome is not Outcome.IMPORTED] == []
    source = host.files[f"/feeds/{name}"][1]
    ours = client.get("/feed.xml").content
    assert by_guid(ours) == by_guid(source)
    wanted = etree.fromstring(source).findtext("channel/podcast:guid", namespaces=PODCAST_NS)
    if wanted:
        assert etree.fromstring(ours).findtext("channel/podcast:guid", namespaces=PODCAST_NS) == (
            wanted
        )
    again = run_import(client, url)
    assert again.show_changes == [] and again.bytes == 0
    assert {i.outcome for i in again.items} == {Outcome.UNCHANGED}
    return report


def stored(client: TestClient) -> tuple[Show, dict[str, Episode]]:
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker(expire_on_commit=False) as session:
        show = session.scalars(select(Show)).one()
        episodes = {e.guid: e for e in session.scalars(select(Episode))}
        session.expunge_all()
        return show, episodes


def test_anchor_spotify_for_podcasters(client: TestClient, old_host: OldHost) -> None:
    """CDATA everywhere, HTML descriptions, and enclosures that are anchor.fm play URLs
    redirecting to the file on a CDN."""
    for play, path, audio in (
        ("104729", "/staging/2025-10-2/ep2.mp3", SPEECH),
        ("101112", "/staging/2025-9-20/ep1.mp3", PLAIN),
    ):
        cdn = path.replace("/", "%2F")
        old_host.redirects[
            f"/s/f1e2d3c4/podcast/play/{play}/https%3A%2F%2Fd3ctxlq1ktw2nl.cloudfront.net{cdn}"
        ] = path
        old_host.files[path] = ("audio/mpeg", audio)
    move(client, old_host, "anchor-spotify.xml")
    show, episodes = stored(client)
    assert (show.title, show.language, show.explicit) == ("Ward Round Leaders", "en", False)
    assert (show.category, show.subcategory) == ("Health & Fitness", "Medicine")
    assert (
        show.description == "Short conversations with ward managers about leading a team on shift."
    )
    ep2 = episodes["6d1b4c2e-9f0a-4e7b-8a35-2c8e1f9d7b40"]
    assert ep2.title == "Ep 2: Handing over when you're short-staffed"
    assert '<a href="https://example.org/sam">Sam Okafor</a>' in ep2.show_notes
    assert (ep2.season, ep2.episode_number, ep2.explicit) == (1, 2, False)
    assert old_host.requests["/staging/2025-10-2/ep2.mp3"] == 1
    # Every item repeats the show's art: fetched once, for the show.
    assert old_host.requests["/art/show.jpg"] == 1 and ep2.artwork_source_url is None


def test_acast(client: TestClient, old_host: OldHost) -> None:
    """ObjectId GUIDs, the acast: namespace (ignored), ``explicit`` as "clean", a serial show
    with a trailer."""
    base = "/p/open/s/62a1f0c3b7e5d40013c9a8e2/e"
    old_host.files[f"{base}/6718a2f4c1d9e20012f3b4a5/media.mp3"] = ("audio/mpeg", SPEECH)
    old_host.files[f"{base}/670e9b1d44a7f30012c0ffee/media.mp3"] = ("audio/mpeg", PLAIN)
    report = move(client, old_host, "acast.xml")
    assert report.warnings == []
    show, episodes = stored(client)
    assert (show.show_type, show.category, show.language) == ("serial", "Government", "en-GB")
    full = episodes["6718a2f4c1d9e20012f3b4a5"]
    assert (full.season, full.episode_number, full.explicit) == (3, 4, False)
    assert full.title == "Place-based partnerships, with a council chief executive"
    trailer = episodes["670e9b1d44a7f30012c0ffee"]
    assert (trailer.episode_type.value, trailer.season, trailer.episode_number) == (
        "trailer",
        3,
        None,
    )


def test_megaphone(client: TestClient, old_host: OldHost) -> None:
    """Enclosures behind a chain of tracking prefixes (podtrac-style, chartable-style), bonus
    episodes without a number, show notes in content:encoded."""
    for name, audio in (("NHSLEAD9876543210", SPEECH), ("NHSLEAD1234500007", PLAIN)):
        query = "?updated=1762923600" if name.endswith("210") else "?updated=1762318800"
        tail = f"/traffic/{name}.mp3{query}"
        old_host.redirects[f"/pdst/e/chrt/track/BR2025{tail}"] = f"/chrt/track/BR2025{tail}"
        old_host.redirects[f"/chrt/track/BR2025{tail}"] = tail
        old_host.files[tail] = ("audio/mpeg", audio)
    report = move(client, old_host, "megaphone.xml")
    assert report.bytes >= len(SPEECH) + len(PLAIN)
    _show, episodes = stored(client)
    bonus = episodes["b7e0c2a4-bf11-11f0-9d6e-7b2f0c9a1e55"]
    assert (bonus.episode_type.value, bonus.season, bonus.episode_number) == ("bonus", 2, None)
    assert "<em>Leeds</em>" in bonus.show_notes
    full = episodes["9a3d51f2-b9a0-11f0-8f3b-4f1d2e7c6a90"]
    assert (full.season, full.episode_number, full.explicit) == (2, 7, True)


def test_transistor(client: TestClient, old_host: OldHost) -> None:
    """Podcasting 2.0 throughout: podcast:guid, locked "no", funding, persons, and a transcript
    in four formats (the JSON one is read); its own itunes:new-feed-url is not copied."""
    old_host.files["/8c2e4f1a/4d7b2e9c.mp3"] = ("audio/mpeg", SPEECH)
    old_host.files["/1d9b7c3e/a91f0e2d.mp3"] = ("audio/mpeg", PLAIN)
    segments: list[dict[str, Any]] = [
        {"speaker": "Dee Hartley", "startTime": 0, "endTime": 1.5, "body": "Week two."},
        {"speaker": "Nkechi Adeyemi", "startTime": 1.5, "endTime": 4, "body": "It failed."},
    ]
    transcript = json.dumps({"version": "1.0.0", "segments": segments}).encode()
    for ext, kind, body in (
        ("", "text/html", b"<html><body>Week two.</body></html>"),
        (".json", "application/json", transcript),
        (".srt", "application/x-subrip", b"1\n00:00:00,000 --> 00:00:04,000\nWeek two.\n"),
        (".txt", "text/plain", b"Week two. It failed."),
    ):
        old_host.files[f"/s/8c2e4f1a/transcript{ext}"] = (kind, body)
    report = move(client, old_host, "transistor.xml")
    assert any("itunes:new-feed-url" in note for note in report.show_notes)
    show, episodes = stored(client)
    assert show.podcast_guid == "4c1ee4a0-2bd5-5b4b-9a55-6f8c0d7e3a21"
    assert show.locked is False and show.new_feed_url is None
    assert show.funding == [{"url": "https://example.org/qi/support", "text": "Support QI Diaries"}]
    week2 = episodes["2f6a9c1e-7b3d-4e85-a0c2-9d41e8b7f356"]
    assert week2.people == [
        {
            "name": "Nkechi Adeyemi",
            "role": "guest",
            "group": "cast",
            "href": "https://example.org/nkechi",
        }
    ]
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker() as session:
        [record] = repository.for_episode(session, week2.id)
        cues = repository.cues_of(session, record.id)
    assert (record.language, record.source_format) == ("en-GB", "json")
    assert [(c.speaker, c.text) for c in cues] == [
        ("Dee Hartley", "Week two."),
        ("Nkechi Adeyemi", "It failed."),
    ]
    assert [old_host.requests[f"/s/8c2e4f1a/transcript{e}"] for e in ("", ".srt", ".txt")] == [
        0,
        0,
        0,
    ]
