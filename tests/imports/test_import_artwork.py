"""Show and item artwork from the old host: stored like an upload, Apple's rules a warning,
downloaded again only when the old host's URL changes, a producer's own never replaced."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from episodes.models import Episode
from podcast.shows.models import Show
from tests.imports.oldhost import OldHost, picture, run_import

FEED = "buzzsprout-podcasting20.xml"


def artwork(client: TestClient) -> tuple[tuple[str | None, str | None], dict[str, str | None]]:
    """(show's key, its source URL) and each episode's artwork source URL by GUID."""
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker() as session:
        show = session.scalars(select(Show)).one()
        rows = session.execute(select(Episode.guid, Episode.artwork_source_url))
        return (show.artwork_key, show.artwork_source_url), {g: u for g, u in rows}


def test_show_and_item_art_come_over_once(client: TestClient, old_host: OldHost) -> None:
    url = old_host.feed(FEED)
    report = run_import(client, url)
    assert "artwork" in report.show_changes
    (key, source), episodes = artwork(client)
    assert key is not None and source == f"{old_host.base}/art/show.jpg"
    assert client.get("/api/show").json()["artwork_url"].endswith(key.rsplit("/", 1)[-1])
    trailer_guid = f"{old_host.base}/audio/trailer.mp3"
    assert episodes[trailer_guid] == f"{old_host.base}/art/trailer.png"
    trailer = next(i for i in report.items if i.guid == trailer_guid)
    assert any("Apple would refuse it" in n and "300x300" in n for n in trailer.notes)
    # Served as the item's own art in our feed.
    root = etree.fromstring(client.get("/feed.xml").content)
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    images = {
        item.findtext("guid"): item.find("itunes:image", ns).get("href")
        for item in root.iterfind("channel/item")
        if item.find("itunes:image", ns) is not None
    }
    assert images[trailer_guid].endswith(".png")

    again = run_import(client, url)
    assert again.show_changes == [] and again.bytes == 0
    assert old_host.requests["/art/show.jpg"] == old_host.requests["/art/trailer.png"] == 1

    # New art on the old host (a new URL): taken again.
    old_host.files["/art/show-2025.jpg"] = ("image/jpeg", picture(1500, "teal"))
    path = "/feeds/" + FEED
    kind, data = old_host.files[path]
    old_host.files[path] = (kind, data.replace(b"/art/show.jpg", b"/art/show-2025.jpg"))
    assert run_import(client, url).show_changes == ["artwork"]
    (new_key, _), _ = artwork(client)
    assert new_key != key


def test_a_producers_artwork_is_kept(
    client: TestClient, auth: dict[str, str], old_host: OldHost
) -> None:
    response = client.put(
        "/api/show/artwork",
        content=picture(1400, "green"),
        headers={**auth, "Content-Type": "image/jpeg"},
    )
    assert response.status_code == 200, response.text
    (key, _), _ = artwork(client)
    report = run_import(client, old_host.feed(FEED))
    assert "artwork" not in report.show_changes
    assert artwork(client)[0] == (key, None)
    assert old_host.requests["/art/show.jpg"] == 0


def test_art_that_is_not_a_picture_is_left_out_with_a_note(
    client: TestClient, old_host: OldHost
) -> None:
    old_host.files["/art/show.jpg"] = ("image/jpeg", b"<html>gone</html>")
    report = run_import(client, old_host.feed(FEED))
    assert "artwork" not in report.show_changes
    assert any("artwork not imported" in n and "JPEG or PNG" in n for n in report.show_notes)
    assert artwork(client)[0] == (None, None)
