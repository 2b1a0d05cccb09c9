"""Where an unreviewed automatic transcript appears, for each show setting: the feed (read
back with feedparser and lxml), the episode and transcript pages, search, the public files and
the public API; a reviewed transcript appears everywhere whatever the setting."""

from __future__ import annotations

import feedparser
import lxml.etree
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from episodes.models import Episode
from podcast.core.db import session_scope
from podcast.shows.models import UNREVIEWED_TRANSCRIPTS, Show
from tests.factories import create_episode
from tests.web.helpers import VTT, parse, put_transcript, save_automatic, text_of
from transcripts.models import StoredTranscript
from transcripts.visibility import Place, is_shown, shown_clause

PODCAST_NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
PLACES: tuple[Place, ...] = ("web", "feed")
UNCHECKED = "Automatic transcript, not yet checked"


def set_policy(client: TestClient, auth: dict[str, str], setting: str) -> None:
    response = client.patch("/api/show", json={"unreviewed_transcripts": setting}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["unreviewed_transcripts"] == setting


def feed_transcripts(client: TestClient) -> dict[str, list[str]]:
    """Episode title -> the types of its podcast:transcript tags, read by two parsers."""
    body = client.get("/feed.xml").content
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.bozo_exception
    root = lxml.etree.fromstring(body)
    out: dict[str, list[str]] = {}
    for entry, item in zip(parsed.entries, root.iter("item"), strict=True):
        types = item.xpath("podcast:transcript/@type", namespaces=PODCAST_NS)
        # feedparser keeps one podcast:transcript per item: present exactly when we wrote any.
        assert ("podcast_transcript" in entry) == bool(types)
        out[entry.title] = types
    return out


def searched(client: TestClient, word: str) -> list[str]:
    hits = client.get("/api/search", params={"q": word}).json()["hits"]
    return [hit["slug"] for hit in hits if hit["kind"] == "transcript"]


@pytest.mark.parametrize("setting", UNREVIEWED_TRANSCRIPTS)
def test_unreviewed_drafts_follow_the_show_setting(
    client: TestClient, auth: dict[str, str], setting: str
) -> None:
    draft = create_episode(client, auth, "Zeppelins")
    save_automatic(client, draft["id"])
    checked = create_episode(client, auth, "Checked")
    put_transcript(client, auth, checked["id"], VTT.replace("compassionate", "zeppelin"))
    set_policy(client, auth, setting)
    on_web = setting != "nowhere"
    in_feed = setting == "everywhere"

    feed = feed_transcripts(client)
    all_formats = ["application/json", "text/vtt", "application/x-subrip", "text/html"]
    assert feed["Checked"] == all_formats
    assert feed["Zeppelins"] == (all_formats if in_feed else [])

    findings = client.get("/api/feed/check", headers=auth).json()["findings"]
    said = {f["episode"]["slug"]: f["message"] for f in findings if f["rule"] == "item-transcript"}
    assert checked["slug"] not in said
    if in_feed:
        assert draft["slug"] not in said
    else:
        assert said[draft["slug"]].startswith("Its automatic transcript is not yet checked")

    page = parse(client.get(f"/episodes/{draft['slug']}"))
    sections = page.xpath("//section[contains(@class, 'transcript-section')]")
    assert len(sections) == int(on_web)
    if on_web:
        notice = sections[0].xpath(".//div[contains(@class, 'transcript-unchecked')]")[0]
        assert text_of(notice) == UNCHECKED
        assert "zeppelin hour" in text_of(sections[0])
    checked_page = parse(client.get(f"/episodes/{checked['slug']}"))
    assert not checked_page.xpath("//div[contains(@class, 'transcript-unchecked')]")
    assert checked_page.xpath("//section[contains(@class, 'transcript-section')]")

    whole = client.get(f"/episodes/{draft['slug']}/transcript")
    assert whole.status_code == (200 if on_web else 404)
    if on_web:
        assert UNCHECKED in text_of(parse(whole).xpath("//main")[0])
    # The files stay fetchable where the web shows the draft (the page links to them).
    assert client.get(f"/episodes/{draft['slug']}/transcript.vtt").status_code == (
        200 if on_web else 404
    )
    listed = client.get(f"/api/episodes/{draft['id']}/transcripts").json()
    assert [t["reviewed"] for t in listed] == ([False] if on_web else [])
    # A producer always sees it, and the source tells them why.
    listed = client.get(f"/api/episodes/{draft['id']}/transcripts", headers=auth).json()
    assert [(t["source"], t["reviewed"]) for t in listed] == [("automatic", False)]

    assert sorted(searched(client, "zeppelin")) == sorted(
        [checked["slug"], draft["slug"]] if on_web else [checked["slug"]]
    )
    results = parse(client.get("/search", params={"q": "airships"}))
    assert bool(results.xpath(f"//a[@href='/episodes/{draft['slug']}']")) == on_web


def test_producers_see_a_hidden_draft_marked(
    client: TestClient, auth: dict[str, str], admin: str
) -> None:
    draft = create_episode(client, auth, "Zeppelins")
    save_automatic(client, draft["id"])
    set_policy(client, auth, "nowhere")
    page = parse(client.get(f"/episodes/{draft['slug']}"))
    notice = text_of(page.xpath("//div[contains(@class, 'transcript-unchecked')]")[0])
    assert notice == f"{UNCHECKED} Only signed-in producers see it until it is checked."
    vtt = f"/episodes/{draft['slug']}/transcript.vtt"
    assert client.get(vtt, headers=auth).status_code == 200
    client.cookies.clear()  # signed out: the public
    assert client.get(vtt).status_code == 404
    assert not parse(client.get(f"/episodes/{draft['slug']}")).xpath(
        "//section[contains(@class, 'transcript-section')]"
    )


def test_the_notice_is_in_the_page_language(client: TestClient, auth: dict[str, str]) -> None:
    assert client.patch("/api/show", json={"language": "cy"}, headers=auth).status_code == 200
    draft = create_episode(client, auth, "Zeppelins")
    save_automatic(client, draft["id"])
    page = parse(client.get(f"/episodes/{draft['slug']}"))
    assert page.get("lang") == "cy"
    (line,) = page.xpath("//div[contains(@class, 'transcript-unchecked')]/p")
    assert (line.get("lang"), text_of(line)) == ("cy", "Trawsgrifiad awtomatig, heb ei wirio eto")
    assert client.patch("/api/show", json={"language": "fr"}, headers=auth).status_code == 200
    page = parse(client.get(f"/episodes/{draft['slug']}"))
    (line,) = page.xpath("//div[contains(@class, 'transcript-unchecked')]/p")
    assert (line.get("lang"), text_of(line)) == ("en", UNCHECKED)


def test_the_rule_in_python_and_in_sql_agree(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Zeppelins")
    save_automatic(client, episode["id"])
    app = client.app
    assert isinstance(app, FastAPI)
    for setting in UNREVIEWED_TRANSCRIPTS:
        for reviewed in (False, True):
            with session_scope(app.state.sessionmaker) as session:
                session.execute(select(Show)).scalar_one().unreviewed_transcripts = setting
                record = session.execute(select(StoredTranscript)).scalar_one()
                record.reviewed = reviewed
                session.flush()
                for place in PLACES:
                    in_sql = session.execute(
                        select(StoredTranscript.id)
                        .join(Episode, Episode.id == StoredTranscript.episode_id)
                        .join(Show, Show.id == Episode.show_id)
                        .where(shown_clause(place))
                    ).all()
                    expected = is_shown(record, setting, place)
                    assert bool(in_sql) == expected, (setting, reviewed, place)
                    assert expected == (
                        reviewed or setting == "everywhere" or (place == "web" and setting == "web")
                    )
