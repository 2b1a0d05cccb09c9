"""Moving a show from an old host served by a local HTTP server: identity kept exactly, each
episode whole or absent, a second run downloads nothing, a dry run writes nothing."""

from __future__ import annotations

import podcastparser
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select

from episodes.models import Episode
from podcast.imports.importer import Outcome
from tests.imports.oldhost import OldHost, run_import


def guids(feed: bytes) -> list[str]:
    return [
        e["guid"]
        for e in podcastparser.parse("feed.xml", __import__("io").BytesIO(feed))["episodes"]
    ]


def test_a_show_moves_with_its_identity(client: TestClient, old_host: OldHost) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    before = old_host.files["/feeds/buzzsprout-podcasting20.xml"][1]
    report = run_import(client, url)

    imported = {item.guid: item for item in report.items}
    assert imported["Buzzsprout-12345678"].outcome is Outcome.IMPORTED
    trailer = imported[f"{old_host.base}/audio/trailer.mp3"]
    assert trailer.outcome is Outcome.IMPORTED
    assert "its enclosure URL is its GUID" in " ".join(trailer.notes)
    fetched = ("/audio/anti-racist.mp3", "/audio/trailer.mp3", "/art/show.jpg", "/art/trailer.png")
    assert report.bytes == sum(len(old_host.files[p][1]) for p in fetched)
    assert "podcast_guid" in report.show_changes

    ours = client.get("/feed.xml").content
    # gPodder's parser sees the same episodes before and after the move.
    assert sorted(guids(ours)) == sorted(guids(before))
    root = etree.fromstring(ours)
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    assert (
        root.findtext("channel/podcast:guid", namespaces=ns)
        == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    )
    dates = {i.findtext("guid"): i.findtext("pubDate") for i in root.iterfind("channel/item")}
    assert dates["Buzzsprout-12345678"] == "Tue, 14 Oct 2025 05:00:00 +0000"
    # Our own enclosure URLs from now on.
    enclosures = [i.find("enclosure").get("url") for i in root.iterfind("channel/item")]
    assert all(u.startswith("https://podcast.example.org/media/") for u in enclosures)

    # Chapters from the Podcasting 2.0 JSON file (preferred over psc), through our URL rule.
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker() as session:
        episode = session.scalar(select(Episode).where(Episode.guid == "Buzzsprout-12345678"))
        assert episode is not None and episode.status.value == "published"
        assert [(c.title, c.url) for c in episode.chapters] == [
            ("Welcome", None),
            ("Why it matters", "https://example.org/why"),
            ("javascript", None),
        ]
        assert (episode.season, episode.episode_number, episode.episode_type.value) == (
            2,
            5,
            "full",
        )
        # The item's Podcasting 2.0 values, each checked as the API checks them.
        assert episode.location == {
            "name": "Manchester",
            "geo": "geo:53.4808,-2.2426",
            "osm": "R146656",
            "rel": "creator",
            "country": "GB",  # "gb" in the old feed: the code, in the case the tag takes
        }
        assert episode.license == {"name": "Leadership Academy licence"}  # http URL left out
        assert episode.soundbites == [
            {"start_time": 73.0, "duration": 60.0, "title": "Why it matters"}
        ]
        assert episode.funding == [
            {"url": "https://example.org/support/ep5", "text": "Support this episode"}
        ]
    notes = " ".join(imported["Buzzsprout-12345678"].notes)
    assert "licence URL 'http://example.org/licence' left out: not https" in notes
    assert "funding link 'http://example.org/old-support' left out: not https" in notes
    assert "soundbite at 3700 s left out: it ends after the audio" in notes


def test_running_again_downloads_nothing_and_updates_what_changed(
    client: TestClient, old_host: OldHost
) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    run_import(client, url)
    downloads = old_host.requests["/audio/anti-racist.mp3"]
    # The same feed again: nothing to change, on the show or any episode.
    again = run_import(client, url)
    assert again.show_changes == []
    assert {item.outcome for item in again.items} == {Outcome.UNCHANGED}
    assert [note for item in again.items for note in item.notes if "changed" in note] == []
    path = "/feeds/buzzsprout-podcasting20.xml"
    content_type, data = old_host.files[path]
    old_host.files[path] = (
        content_type,
        data.replace(b"<itunes:episode>5<", b"<itunes:episode>6<"),
    )
    report = run_import(client, url)
    outcomes = {item.guid: item.outcome for item in report.items}
    assert outcomes["Buzzsprout-12345678"] is Outcome.UPDATED
    assert outcomes[f"{old_host.base}/audio/trailer.mp3"] is Outcome.UNCHANGED
    assert old_host.requests["/audio/anti-racist.mp3"] == downloads
    assert report.bytes == 0


def test_what_cannot_be_imported_is_skipped_with_its_reason(
    client: TestClient, old_host: OldHost
) -> None:
    path = "/feeds/broken.xml"

    def item(title: str, guid: str | None, audio: str | None) -> str:
        parts = [f"<title>{title}</title>"]
        if guid:
            parts.append(f"<guid>{guid}</guid>")
        if audio:
            url = f"{old_host.base}/audio/{audio}"
            parts.append(f'<enclosure url="{url}" type="audio/mpeg" length="1"/>')
        return "<item>" + "".join(parts) + "</item>"

    items = [
        item("Gone", "gone", "missing.mp3"),
        item("Error page", "html", "error-page.mp3"),
        item("Twin", "html", "trailer.mp3"),
        item("Nothing", None, None),
    ]
    feed = "<rss version='2.0'><channel><title>Broken</title>" + "".join(items) + "</channel></rss>"
    old_host.files[path] = ("application/rss+xml", feed.encode())
    report = run_import(client, old_host.base + path)
    reasons = {item.title: item.reason or "" for item in report.items}
    assert all(item.outcome is Outcome.SKIPPED for item in report.items)
    assert "answered HTTP 404" in reasons["Gone"]
    assert "not" in reasons["Error page"] and "audio" in reasons["Error page"].lower()
    assert "duplicate GUID (the same as item 2)" in reasons["Twin"]
    assert "no GUID and no enclosure" in reasons["Nothing"]
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Episode)) == 0
    # Nothing was left in storage either.
    assert list(app.state.storage.keys()) == []


def test_a_dry_run_writes_nothing(client: TestClient, old_host: OldHost) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    before = client.get("/feed.xml").content
    report = run_import(client, url, dry_run=True)
    assert report.dry_run
    assert {item.outcome for item in report.items} == {Outcome.IMPORTED}
    assert old_host.requests["/audio/anti-racist.mp3"] == 0
    assert client.get("/feed.xml").content == before


def test_a_guids_is_permalink_is_kept(client: TestClient, old_host: OldHost) -> None:
    audio = f"{old_host.base}/audio/trailer.mp3"
    items = [
        f"<item><title>{title}</title>{guid}<enclosure url='{audio}' type='audio/mpeg'/></item>"
        for title, guid in (
            ("Permalink", "<guid>https://old.example/episodes/1</guid>"),  # RSS's default: true
            ("Opaque", "<guid isPermaLink='false'>old-host-2</guid>"),
        )
    ]
    feed = "<rss version='2.0'><channel><title>Old</title>" + "".join(items) + "</channel></rss>"
    old_host.files["/feeds/permalink.xml"] = ("application/rss+xml", feed.encode())
    report = run_import(client, old_host.base + "/feeds/permalink.xml")
    assert report.count(Outcome.IMPORTED) == 2
    root = etree.fromstring(client.get("/feed.xml").content)
    kept = {g.text: g.get("isPermaLink") for g in root.iterfind("channel/item/guid")}
    assert kept == {"https://old.example/episodes/1": "true", "old-host-2": "false"}
