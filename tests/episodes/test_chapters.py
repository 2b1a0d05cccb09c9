"""Chapters from hostile audio tags: only http(s) links and sane times are kept, and stored rows
with bad links are never emitted (API, chapters.json, episode page)."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mutagen.id3 import CHAP, ID3, TIT2, WOAR, WXXX
from sqlalchemy import update

from episodes.chapters import AudioChapter, safe_url, sanitise
from episodes.models import Chapter
from podcast.core.db import session_scope
from tests.conftest import FIXTURES

DURATION_MS = 5172  # plain.mp3


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.org/a?b=c#d", True),
        ("http://example.org", True),
        ("HTTPS://Example.org/", True),
        ("  https://example.org/padded  ", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("file:///etc/passwd", False),
        ("//example.org/no-scheme", False),
        ("/relative/path", False),
        ("https:\\\\example.org", False),
        ("https:///no-host", False),
        ("https://exa mple.org/", False),
        ("https://example.org/\x85", False),
        ("https://[::1", False),
        ("https://example.org/" + "a" * 2100, False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url: str | None, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept
    if kept:
        assert safe_url(url) == url.strip(" ")  # type: ignore[union-attr]


def test_sanitise_times() -> None:
    chapters = [
        AudioChapter(3000, 2000, "ends before it starts"),
        AudioChapter(1000, 9000, "ends after the audio"),
        AudioChapter(0, None, "\x07Bell\x1b title "),
        AudioChapter(5172, 6000, "starts at the end"),
        AudioChapter(2**32 - 1, None, "far past the end"),
        AudioChapter(4000, 4000, "empty"),
        AudioChapter(4000, 4500, "same start"),
    ]
    assert [(c.start_ms, c.end_ms, c.title) for c in sanitise(chapters, DURATION_MS)] == [
        (0, 1000, "Bell title"),
        (1000, DURATION_MS, "ends after the audio"),
        (3000, 4000, "ends before it starts"),
        (4000, DURATION_MS, "empty"),
        (4000, 4500, "same start"),
    ]


def _tagged_mp3(tmp_path: Path) -> Path:
    """plain.mp3 with ID3 chapters an attacker could write."""
    path = tmp_path / "hostile.mp3"
    shutil.copy(FIXTURES / "plain.mp3", path)
    tags = ID3()
    frames = [
        ("c1", 0, 1000, "Script", [WXXX(encoding=3, desc="", url="javascript:alert(1)")]),
        ("c2", 1000, 900, "Backwards", [WOAR(url="data:text/html,<b>x</b>")]),
        ("c3", 2000, 60_000, "Too long", [WXXX(encoding=3, desc="", url="https://example.org/ok")]),
        ("c4", 9_000, 10_000, "After the audio", []),
        ("c5", 4_294_000_000, 4_294_000_001, "Far after", []),
    ]
    for element_id, start, end, title, extra in frames:
        subs = [TIT2(encoding=3, text=title), *extra]
        tags.add(CHAP(element_id=element_id, start_time=start, end_time=end, sub_frames=subs))
    tags.save(path, v2_version=4)
    return path


def test_hostile_chapter_tags_are_cleaned_on_upload(
    client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    created = client.post("/api/episodes", json={"title": "Hostile tags"}, headers=auth).json()
    response = client.put(
        f"/api/episodes/{created['id']}/audio",
        content=_tagged_mp3(tmp_path).read_bytes(),
        headers={**auth, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    duration = round(response.json()["audio"]["duration"], 3)  # chapters are in whole ms
    assert [(c["title"], c["start"], c["end"], c["url"]) for c in response.json()["chapters"]] == [
        ("Script", 0, 1, None),
        ("Backwards", 1, 2, None),
        ("Too long", 2, duration, "https://example.org/ok"),
    ]
    assert client.post(f"/api/episodes/{created['id']}/publish", headers=auth).status_code == 200
    document = client.get(f"/episodes/{created['slug']}/chapters.json").json()
    assert [c.get("url") for c in document["chapters"]] == [None, None, "https://example.org/ok"]
    for chapter in document["chapters"]:
        assert chapter["endTime"] > chapter["startTime"]
        assert chapter["endTime"] <= duration


def test_stored_rows_with_bad_links_are_never_emitted(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    """Rows saved before the rule: the chapters JSON, the API and the page drop the link."""
    created = client.post("/api/episodes", json={"title": "Old rows"}, headers=auth).json()
    audio = client.put(
        f"/api/episodes/{created['id']}/audio",
        content=(FIXTURES / "speech.mp3").read_bytes(),
        headers={**auth, "Content-Type": "application/octet-stream"},
    )
    assert audio.status_code == 200
    assert client.post(f"/api/episodes/{created['id']}/publish", headers=auth).status_code == 200
    bad = ["javascript:alert(document.cookie)", " data:text/html,x", "https://example.org/fine"]
    with session_scope(app.state.sessionmaker) as session:
        for start, url in zip((0, 1700, 3400), bad, strict=True):
            session.execute(update(Chapter).where(Chapter.start_ms == start).values(url=url))

    document = client.get(f"/episodes/{created['slug']}/chapters.json").json()
    assert [c.get("url") for c in document["chapters"]] == [None, None, "https://example.org/fine"]
    api = client.get(f"/api/episodes/{created['id']}").json()
    assert [c["url"] for c in api["chapters"]] == [None, None, "https://example.org/fine"]
    page = client.get(f"/episodes/{created['slug']}")
    assert page.status_code == 200
    hrefs = lxml.html.fromstring(page.text).xpath("//a/@href")
    assert "https://example.org/fine" in hrefs
    assert not [h for h in hrefs if "javascript" in h.lower() or h.strip().startswith("data:")]
