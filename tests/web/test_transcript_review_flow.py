"""Issue 13's "done when", after speech recognition: an automatic draft is on the episode page,
marked, and searchable; a producer corrects two words and a speaker in the editor and marks
it checked, over real HTTP (a live uvicorn, the form's CSRF token and session cookie); the
feed then lists it in every format and the page no longer says "not yet checked".

The draft is saved as the transcription job saves it (``origin="automatic"``), without the
speech model: ``tests/transcripts/test_asr.py`` covers recognition itself.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import httpx
import lxml.etree
import pytest
from fastapi.testclient import TestClient

from podcast.core.settings import Settings
from tests.factories import create_episode
from tests.web.helpers import csrf_of, parse, save_automatic, text_of
from transcripts.cues import Cue

PODCAST_NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
UNCHECKED = "Automatic transcript, not yet checked"
HEARD = (
    Cue(0, 1500, "Welcome to Leadership Lift.", None),
    Cue(1500, 3000, "Today we talk about passionate leadership.", None),
)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Plain http, so the session cookie is not Secure and a client on the live socket
    sends it back."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="http://podcast.example.org",
        _env_file=None,  # type: ignore[call-arg]
    )


def _feed_types(http: httpx.Client, title: str) -> list[str]:
    body = http.get("/feed.xml").content
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.bozo_exception
    (entry,) = [e for e in parsed.entries if e.title == title]
    (item,) = [i for i in lxml.etree.fromstring(body).iter("item") if i.findtext("title") == title]
    types = item.xpath("podcast:transcript/@type", namespaces=PODCAST_NS)
    assert ("podcast_transcript" in entry) == bool(types)
    return list(types)


def _page_notice(http: httpx.Client, slug: str) -> list[str]:
    doc = parse(http.get(f"/episodes/{slug}"))
    return [text_of(n) for n in doc.xpath("//div[contains(@class, 'transcript-unchecked')]")]


def test_a_draft_is_corrected_checked_and_then_in_the_feed(
    client: TestClient, auth: dict[str, str], token: str, live_server: str
) -> None:
    episode = create_episode(client, auth, "Compassionate leadership")
    save_automatic(client, episode["id"], HEARD)
    slug = episode["slug"]
    with httpx.Client(base_url=live_server) as http:
        # Marked on the page, searchable, not yet in the feed.
        assert _page_notice(http, slug) == [UNCHECKED]
        hits = http.get("/api/search", params={"q": "passionate"}).json()["hits"]
        assert [(h["kind"], h["slug"]) for h in hits] == [("transcript", slug)]
        assert _feed_types(http, "Compassionate leadership") == []

        # The producer signs in and opens the editor from the episode's admin page.
        login = parse(http.get("/admin/login"))
        response = http.post(
            "/admin/login",
            data={"token": token, "csrf_token": csrf_of(login), "next": "/admin"},
        )
        assert response.status_code == 303
        admin_page = parse(http.get(f"/admin/episodes/{episode['id']}"))
        assert "Not yet checked." in text_of(admin_page.xpath("//ul[@class='transcripts']")[0])
        (link,) = admin_page.xpath("//a[text()='Check and correct the en-GB transcript']/@href")
        editor = parse(http.get(link))
        form = editor.xpath("//form[@data-transcript-editor]")[0]
        fields = {
            i.get("name"): i.get("value") or ""
            for i in form.xpath(".//input[@type='hidden' or @type='text']")
            if i.get("name")
        }
        fields |= {t.get("name"): t.text or "" for t in form.xpath(".//textarea")}
        assert fields["cue-1-text"] == "Welcome to Leadership Lift."
        fields["cue-1-text"] = "Welcome to Leadership Live."
        fields["cue-2-text"] = "Today we talk about compassionate leadership."
        fields["cue-1-speaker"] = "Lorna Krisson"
        fields["reviewed"] = "on"
        fields["action"] = "save"
        response = http.post(form.get("action"), data=fields)
        assert response.status_code == 303, response.text
        assert response.headers["location"].endswith("done=reviewed")

        # Every format in the feed, the label gone, the corrections served and searchable.
        assert _feed_types(http, "Compassionate leadership") == [
            "application/json",
            "text/vtt",
            "application/x-subrip",
            "text/html",
        ]
        assert _page_notice(http, slug) == []
        vtt = http.get(f"/episodes/{slug}/transcript.vtt").text
        assert "<v Lorna Krisson>Welcome to Leadership Live." in vtt
        assert "compassionate leadership" in vtt
        hits = http.get("/api/search", params={"q": "compassionate"}).json()["hits"]
        assert ("transcript", slug) in [(h["kind"], h["slug"]) for h in hits]
        assert http.get("/api/search", params={"q": "Lift"}).json()["hits"] == []
    listed = client.get(f"/api/episodes/{episode['id']}/transcripts").json()
    assert [(t["source"], t["reviewed"], t["edited_at"] is not None) for t in listed] == [
        ("automatic", True, True)
    ]
