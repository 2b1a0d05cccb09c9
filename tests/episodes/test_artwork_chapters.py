"""A producer's own episode artwork and chapters through the API (issue 14): set, replace and
remove them; every problem a 422 naming the chapter and field; the feed, the chapters file and
the page follow at once."""

from __future__ import annotations

from urllib.parse import urlsplit

import lxml.html
import pytest
from fastapi.testclient import TestClient

from podcast.core.settings import Settings
from tests.factories import create_episode
from tests.feed.support import NS, feed_xml, image_bytes, items, put_artwork

CHAPTERS = [
    {"start": 0, "title": "Welcome", "url": "https://example.org/welcome"},
    {"start": "0:01.5", "title": "The interview", "img": "https://example.org/guest.jpg"},
    {"start": 3, "end": 4.5, "title": "Goodbye"},
]  # plain.mp3 is 5.172 s long


def _stored(settings: Settings) -> set[str]:
    root = settings.media_dir
    return {p.name for p in root.rglob("*") if p.is_file() and ".incoming" not in p.parts}


def _item(client: TestClient, title: str) -> object:
    return next(i for i in items(feed_xml(client)) if i.findtext("title") == title)


def test_artwork_set_replace_and_remove(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    assert put_artwork(client, auth, image_bytes(1400, colour=(1, 2, 3))).status_code == 200
    show_art = client.get("/api/show").json()["artwork_url"]
    episode = create_episode(client, auth, "Art")
    url = f"/api/episodes/{episode['id']}/artwork"

    response = client.put(
        url, content=image_bytes(1400), headers={**auth, "Content-Type": "image/jpeg"}
    )
    assert response.status_code == 200, response.text
    first = response.json()["artwork"]
    assert first["width"] == first["height"] == 1400 and first["url"].endswith(".jpg")
    assert client.get(urlsplit(first["url"]).path).status_code == 200
    item = _item(client, "Art")
    assert item.find("itunes:image", NS).get("href") == first["url"]  # type: ignore[attr-defined]

    # Multipart works too; a new picture is a new URL and the old file goes after commit.
    png = image_bytes(1500, fmt="PNG", colour=(200, 10, 10))
    response = client.put(url, files={"file": ("art.png", png, "image/png")}, headers=auth)
    assert response.status_code == 200, response.text
    second = response.json()["artwork"]["url"]
    assert second != first["url"] and second.endswith(".png")
    assert client.get(urlsplit(first["url"]).path).status_code == 404
    assert _item(client, "Art").find("itunes:image", NS).get("href") == second  # type: ignore[attr-defined]

    response = client.delete(url, headers=auth)
    assert response.status_code == 204, response.text
    assert client.get(f"/api/episodes/{episode['id']}").json()["artwork"] is None
    assert urlsplit(second).path.rsplit("/", 1)[1] not in _stored(settings)
    # The item has no art of its own: apps show the channel's (the show's) image.
    image = _item(client, "Art").find("itunes:image", NS)  # type: ignore[attr-defined]
    assert image is None or image.get("href") == show_art
    assert client.delete(url, headers=auth).status_code == 204  # nothing to remove is fine


def test_same_picture_as_the_show_is_kept_when_the_episode_drops_it(
    client: TestClient, auth: dict[str, str]
) -> None:
    """One file for both (content-addressed): removing the episode's keeps the show's."""
    data = image_bytes(1400)
    show_art = put_artwork(client, auth, data).json()["artwork_url"]
    episode = create_episode(client, auth, "Shared")
    url = f"/api/episodes/{episode['id']}/artwork"
    put = client.put(url, content=data, headers={**auth, "Content-Type": "image/jpeg"})
    assert put.json()["artwork"]["url"] == show_art
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(urlsplit(show_art).path).status_code == 200


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        (image_bytes(1400, fmt="GIF", mode="P", colour=1), 415, "episode artwork must be a JPEG"),
        (image_bytes(1000), 422, "episode artwork must be between 1400x1400"),
        (image_bytes(1400, 1500), 422, "must be square"),
        (image_bytes(1400, mode="CMYK", colour=(0, 0, 0, 0)), 422, "RGB"),
    ],
    ids=["gif", "small", "not-square", "cmyk"],
)
def test_refused_artwork(
    client: TestClient, auth: dict[str, str], data: bytes, status: int, fragment: str
) -> None:
    episode = create_episode(client, auth, publish=False)
    url = f"/api/episodes/{episode['id']}/artwork"
    response = client.put(url, content=data, headers={**auth, "Content-Type": "image/jpeg"})
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    assert client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["artwork"] is None


def test_writes_need_a_producer(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth)
    base = f"/api/episodes/{episode['id']}"
    jpeg = {"Content-Type": "image/jpeg"}
    assert client.put(f"{base}/artwork", content=image_bytes(1400), headers=jpeg).status_code == 401
    assert client.delete(f"{base}/artwork").status_code == 401
    assert client.put(f"{base}/chapters", json=CHAPTERS).status_code == 401
    assert client.delete(f"{base}/chapters").status_code == 401
    assert client.get(f"{base}/chapters").status_code == 200  # published: anyone may read
    assert client.put("/api/episodes/999/chapters", json=[], headers=auth).status_code == 404
    assert client.delete("/api/episodes/999/artwork", headers=auth).status_code == 404


def test_chapters_round_trip_and_the_feed(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Chaptered")
    url = f"/api/episodes/{episode['id']}/chapters"
    response = client.put(url, json=CHAPTERS, headers=auth)
    assert response.status_code == 200, response.text
    expected = [
        {"start": 0.0, "end": 1.5, "title": "Welcome", "url": "https://example.org/welcome",
         "img": None},
        {"start": 1.5, "end": 3.0, "title": "The interview", "url": None,
         "img": "https://example.org/guest.jpg"},
        {"start": 3.0, "end": 4.5, "title": "Goodbye", "url": None, "img": None},
    ]  # fmt: skip
    assert response.json() == expected
    assert client.get(url).json() == expected
    # What GET gives, PUT takes back unchanged.
    assert client.put(url, json=client.get(url).json(), headers=auth).json() == expected
    read = client.get(f"/api/episodes/{episode['id']}").json()
    assert [c["img"] for c in read["chapters"]] == [
        None,
        "https://example.org/guest.jpg",
        None,
    ]

    document = client.get(f"/episodes/{episode['slug']}/chapters.json").json()
    assert document["chapters"] == [
        {"startTime": 0, "title": "Welcome", "url": "https://example.org/welcome", "endTime": 1.5},
        {"startTime": 1.5, "title": "The interview", "img": "https://example.org/guest.jpg",
         "endTime": 3},
        {"startTime": 3, "title": "Goodbye", "endTime": 4.5},
    ]  # fmt: skip
    item = _item(client, "Chaptered")
    assert item.find("podcast:chapters", NS) is not None  # type: ignore[attr-defined]
    psc = item.findall("psc:chapters/psc:chapter", NS)  # type: ignore[attr-defined]
    assert [(c.get("start"), c.get("title"), c.get("href"), c.get("image")) for c in psc] == [
        ("00:00:00.000", "Welcome", "https://example.org/welcome", None),
        ("00:00:01.500", "The interview", None, "https://example.org/guest.jpg"),
        ("00:00:03.000", "Goodbye", None, None),
    ]
    page = lxml.html.fromstring(client.get(f"/episodes/{episode['slug']}").text)
    assert [" ".join(li.text_content().split()) for li in page.cssselect("ol.chapters li")][
        1
    ].startswith("0:01 The interview")

    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url).json() == []
    assert client.get(f"/episodes/{episode['slug']}/chapters.json").status_code == 404
    item = _item(client, "Chaptered")
    assert item.find("podcast:chapters", NS) is None  # type: ignore[attr-defined]
    assert item.find("psc:chapters", NS) is None  # type: ignore[attr-defined]


def test_a_podcasting_2_chapters_document(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, publish=False)
    document = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro", "toc": False},
            {"startTime": 2.25, "title": "Main", "url": "https://example.org/", "endTime": 5},
        ],
    }
    response = client.put(
        f"/api/episodes/{episode['id']}/chapters",
        content=__import__("json").dumps(document),
        headers={**auth, "Content-Type": "application/json+chapters"},
    )
    assert response.status_code == 200, response.text
    assert [(c["start"], c["end"], c["title"]) for c in response.json()] == [
        (0.0, 2.25, "Intro"),
        (2.25, 5.0, "Main"),
    ]
    bad = {"version": "1.2.0", "chapters": [{"startTime": 1}, {"startTime": 0}]}
    response = client.put(f"/api/episodes/{episode['id']}/chapters", json=bad, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "chapters[1].startTime"


def test_the_episode_s_chapters_go_back_to_put_unchanged(
    client: TestClient, auth: dict[str, str]
) -> None:
    """The episode lists its chapters under the names ``PUT .../chapters`` takes (``img``, as
    in Podcasting 2.0 JSON chapters): its list, stored picture included, goes back as is."""
    episode = create_episode(client, auth, "Round trip", audio="speech.mp3", publish=False)
    base = f"/api/episodes/{episode['id']}"
    chapters = client.get(base, headers=auth).json()["chapters"]
    assert chapters[2]["img"].startswith("https://podcast.example.org/images/")
    assert all("image_url" not in c for c in chapters)
    response = client.put(f"{base}/chapters", json=chapters, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == chapters
    assert client.get(base, headers=auth).json()["chapters"] == chapters
    assert client.get(f"{base}/chapters", headers=auth).json() == chapters


@pytest.mark.parametrize(
    ("chapters", "field", "fragment"),
    [
        ([{"start": 2}, {"start": 1}], "chapters[1].start", "after the previous chapter's start"),
        ([{"start": 1}, {"start": 1}], "chapters[1].start", "after the previous"),
        ([{"start": 6}], "chapters[0].start", "before the end of the audio (0:05)"),
        ([{"start": "ten past"}], "chapters[0].start", "must be a time"),
        ([{"start": -1}], "chapters[0].start", "must be a time"),
        ([{"start": True}], "chapters[0].start", "must be a time"),
        ([{"start": 1e308}], "chapters[0].start", "must be a time"),
        ([{"title": "No start"}], "chapters[0].start", "is required"),
        ([{"start": 0, "title": "x" * 256}], "chapters[0].title", "at most 255"),
        ([{"start": 0, "url": "javascript:alert(1)"}], "chapters[0].url", "http:// or https://"),
        ([{"start": 0, "url": "ftp://example.org/"}], "chapters[0].url", "http:// or https://"),
        ([{"start": 0, "img": "data:image/png;base64,AA"}], "chapters[0].img", "https://"),
        ([{"start": 0, "end": 0}], "chapters[0].end", "after the chapter's start"),
        ([{"start": 0, "end": 9}], "chapters[0].end", "not be after the end of the audio"),
        ([{"start": 0, "colour": "red"}], "chapters[0].colour", "not a field"),
        ([{"start": 0, "image_url": None}], "chapters[0].image_url", "url and img)"),
        (["0:00"], "chapters[0]", "must be an object"),
        ({"start": 0}, "chapters", "must be a JSON list"),
    ],
)
def test_refused_chapters(
    client: TestClient, auth: dict[str, str], chapters: object, field: str, fragment: str
) -> None:
    episode = create_episode(client, auth, publish=False)
    url = f"/api/episodes/{episode['id']}/chapters"
    assert client.put(url, json=[{"start": 0, "title": "Kept"}], headers=auth).status_code == 200
    response = client.put(url, json=chapters, headers=auth)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert fragment in body["errors"][0]["message"]
    assert body["detail"].startswith(f"{field}: ")
    assert [c["title"] for c in client.get(url, headers=auth).json()] == ["Kept"]  # unchanged


def test_every_problem_is_named_at_once(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, publish=False)
    chapters = [
        {"start": 0, "title": "Fine"},
        {"start": "1:00:00", "title": "Late"},
        {"start": 1, "url": "mailto:someone@example.org"},
    ]
    response = client.put(f"/api/episodes/{episode['id']}/chapters", json=chapters, headers=auth)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "chapters[1].start",
        "chapters[2].url",
    ]


def test_chapters_need_audio_and_json(client: TestClient, auth: dict[str, str]) -> None:
    bare = create_episode(client, auth, audio=None, publish=False)
    url = f"/api/episodes/{bare['id']}/chapters"
    response = client.put(url, json=[{"start": 0}], headers=auth)
    assert response.status_code == 409
    assert "upload the audio" in response.json()["detail"]
    assert client.delete(url, headers=auth).status_code == 204
    with_audio = create_episode(client, auth, publish=False)
    url = f"/api/episodes/{with_audio['id']}/chapters"
    text = client.put(url, content="0:00 Intro", headers={**auth, "Content-Type": "text/plain"})
    assert text.status_code == 415
    broken = client.put(url, content="[{", headers={**auth, "Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["detail"]


def test_a_draft_s_chapters_are_private(client: TestClient, auth: dict[str, str]) -> None:
    draft = create_episode(client, auth, publish=False)
    url = f"/api/episodes/{draft['id']}/chapters"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=auth).json() == []


def test_chapters_from_the_tags_keep_their_pictures(
    client: TestClient, auth: dict[str, str]
) -> None:
    """speech.mp3's third chapter carries a picture: writing back what GET gives keeps it;
    leaving the chapter out releases the file. The tags' cover can be removed too."""
    episode = create_episode(client, auth, "Tagged", audio="speech.mp3", publish=False)
    url = f"/api/episodes/{episode['id']}/chapters"
    chapters = client.get(url, headers=auth).json()
    assert [c["title"] for c in chapters] == ["Welcome", "Leadership Live", "The Academy"]
    picture = chapters[2]["img"]
    assert picture and picture.startswith("https://podcast.example.org/images/")
    chapters[0]["title"] = "Hello"
    written = client.put(url, json=chapters, headers=auth)
    assert written.status_code == 200, written.text
    assert written.json()[2]["img"] == picture
    assert client.get(urlsplit(picture).path).status_code == 200

    shorter = client.put(url, json=chapters[:2], headers=auth)
    assert shorter.status_code == 200, shorter.text
    assert client.get(urlsplit(picture).path).status_code == 404

    cover = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["artwork"]["url"]
    assert client.delete(f"/api/episodes/{episode['id']}/artwork", headers=auth).status_code == 204
    assert client.get(urlsplit(cover).path).status_code == 404


def test_upload_a_picture_for_one_chapter(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Pictured")
    base = f"/api/episodes/{episode['id']}/chapters"
    assert client.put(base, json=CHAPTERS, headers=auth).status_code == 200
    small = image_bytes(640, 360, fmt="PNG")  # chapter images need not be square artwork
    response = client.put(
        f"{base}/1/image", content=small, headers={**auth, "Content-Type": "image/png"}
    )
    assert response.status_code == 200, response.text
    picture = response.json()[1]["img"]
    assert picture.startswith("https://podcast.example.org/images/") and picture.endswith(".png")
    assert client.get(urlsplit(picture).path).status_code == 200
    document = client.get(f"/episodes/{episode['slug']}/chapters.json").json()
    assert document["chapters"][1]["img"] == picture
    psc = _item(client, "Pictured").findall("psc:chapters/psc:chapter", NS)  # type: ignore[attr-defined]
    assert psc[1].get("image") == picture

    assert client.put(f"{base}/3/image", content=small, headers=auth).status_code == 404
    gif = image_bytes(64, fmt="GIF", mode="P", colour=1)
    refused = client.put(f"{base}/0/image", content=gif, headers=auth)
    assert refused.status_code == 415 and "JPEG or PNG" in refused.json()["detail"]
    assert client.put(f"{base}/0/image", content=small).status_code == 401

    assert client.delete(f"{base}/1/image", headers=auth).status_code == 204
    assert client.get(base).json()[1]["img"] is None
    assert client.get(urlsplit(picture).path).status_code == 404
