"""The transcript editor without a browser: real form posts with CSRF through the app, on
SQLite and PostgreSQL. Edits, paging, split, merge, rename, shift, review, validation that
names the cue and keeps what was typed, 409 on a lost update, revisions and restore."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from episodes.models import Episode
from podcast.core.db import session_scope
from tests.conftest import NOW
from tests.factories import create_episode
from tests.web.helpers import VTT, parse, put_transcript, save_automatic, text_of
from transcripts import repository, service
from transcripts.cues import Cue, CueWord, Transcript


def editor_url(episode: dict[str, Any], language: str = "en-GB") -> str:
    return f"/admin/episodes/{episode['id']}/transcripts/{language}"


def form_of(doc: lxml.html.HtmlElement) -> tuple[str, dict[str, str]]:
    """The editor form's action and its fields as a browser would send them (no button)."""
    form = doc.xpath("//form[@data-transcript-editor]")[0]
    fields: dict[str, str] = {}
    for control in form.xpath(".//input | .//textarea | .//select"):
        name, kind = control.get("name"), control.get("type")
        if not name or (kind == "checkbox" and control.get("checked") is None):
            continue
        if control.tag == "textarea":
            fields[name] = control.text or ""
        elif control.tag == "select":
            chosen = control.xpath("option[@selected]/@value") or control.xpath("option/@value")
            fields[name] = chosen[0] if chosen else ""
        else:
            fields[name] = control.get("value", "")
    return form.get("action"), fields


def stored(client: TestClient, episode_id: int) -> tuple[Any, list[Cue]]:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        (record,) = repository.for_episode(session, episode_id)
        session.expunge(record)
        return record, repository.cues_of(session, record.id)


def revisions(client: TestClient, episode_id: int) -> list[tuple[str | None, int]]:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        (record,) = repository.for_episode(session, episode_id)
        return [(r.author, r.cue_count) for r in repository.revisions_of(session, record.id)]


def open_editor(web: TestClient, episode: dict[str, Any], **params: str) -> Any:
    response = web.get(editor_url(episode), params=params)
    assert response.status_code == 200, response.text
    return parse(response)


def post(
    web: TestClient, doc: Any, changes: dict[str, str] | None = None, action: str = "save"
) -> Any:
    url, fields = form_of(doc)
    fields.update(changes or {})
    fields["action"] = action
    return web.post(url, data=fields, follow_redirects=False)


@pytest.fixture
def episode(client: TestClient, auth: dict[str, str], admin: str) -> dict[str, Any]:
    episode = create_episode(client, auth, "Compassionate leadership")
    put_transcript(client, auth, episode["id"], VTT)
    return episode


def test_the_editor_shows_the_audio_and_every_cue(web: TestClient, episode: dict) -> None:
    edit_page = parse(web.get(f"/admin/episodes/{episode['id']}"))
    assert edit_page.xpath(f"//a[@href='{editor_url(episode)}']")
    doc = open_editor(web, episode)
    # The episode's current enclosure URL (versioned by its content, as in the feed).
    audio_url = web.get(f"/api/episodes/{episode['id']}").json()["audio"]["url"]
    assert doc.xpath("//audio/@src") == [audio_url[audio_url.index("/media/") :]]
    assert [text_of(t) for t in doc.xpath("//textarea")] == [
        "Welcome to Leadership Live.",
        "Today we talk about compassionate leadership.",
        "Thank you for having me.",
    ]
    assert doc.xpath("//input[@name='cue-3-speaker']/@value") == ["Michael West"]
    assert doc.xpath("//input[@name='cue-2-start']/@value") == ["00:01.500"]
    assert doc.xpath("//input[@name='cue-2-end']/@value") == ["00:03.000"]
    assert doc.xpath("//select[@id='rename_from']/option/@value") == [
        "Lorna Krisson",
        "Michael West",
    ]
    # Enter in a field submits with the form's first button: it must be Save.
    assert (
        doc.xpath("//form[@data-transcript-editor]//button[@type='submit'][1]/@value")[0] == "save"
    )
    assert web.get(editor_url(episode, "fr")).status_code == 404


def test_saving_edits_text_and_speaker_and_keeps_a_revision(web: TestClient, episode: dict) -> None:
    doc = open_editor(web, episode)
    response = post(
        web,
        doc,
        {
            "cue-2-text": "Today we talk about kind leadership.",
            "cue-3-speaker": "Prof Michael West",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?page=1&done=saved")
    record, cues = stored(web, episode["id"])
    assert cues[1].text == "Today we talk about kind leadership."
    assert cues[2].speaker == "Prof Michael West"
    assert record.edited_at is not None and record.source == "producer" and record.reviewed
    assert revisions(web, episode["id"]) == [("tests", 3)]
    page = parse(web.get(response.headers["location"]))
    assert "Transcript saved." in text_of(page.xpath("//div[@role='status']")[0])


def test_an_error_names_the_cue_keeps_the_typing_and_saves_nothing(
    web: TestClient, episode: dict
) -> None:
    before = stored(web, episode["id"])[1]
    doc = open_editor(web, episode)
    response = post(
        web,
        doc,
        {
            "cue-1-text": "Welcome to Leadership Live, the podcast.",
            "cue-2-end": "00:01.000",
            "cue-3-start": "soon",
        },
    )
    assert response.status_code == 422
    page = parse(response)
    assert page.xpath("string(//title)").startswith("Error:")
    assert text_of(page.xpath("//p[@id='cue-2-end-error']")[0]) == (
        "Error: Cue 2: the end (00:01.000) is before the start (00:01.500)"
    )
    assert 'Cue 3: the start "soon" is not a time' in text_of(
        page.xpath("//p[@id='cue-3-start-error']")[0]
    )
    assert page.xpath("//input[@id='cue-2-end']/@aria-invalid") == ["true"]
    summary = page.xpath("//div[@class='error-summary']//a/@href")
    assert summary == ["#cue-2-end", "#cue-3-start"]
    assert text_of(page.xpath("//textarea[@id='cue-1-text']")[0]) == (
        "Welcome to Leadership Live, the podcast."
    )
    assert page.xpath("//input[@id='cue-3-start']/@value") == ["soon"]
    assert stored(web, episode["id"])[1] == before
    assert revisions(web, episode["id"]) == []


def test_a_save_against_a_changed_transcript_is_refused(
    web: TestClient, auth: dict[str, str], episode: dict
) -> None:
    doc = open_editor(web, episode)
    # Another producer uploads a new version while this one is typing.
    put_transcript(web, auth, episode["id"], VTT.replace("Thank you", "Thanks"))
    response = post(web, doc, {"cue-1-text": "My careful correction."})
    assert response.status_code == 409
    page = parse(response)
    assert "changed after you opened it, so nothing was saved" in text_of(
        page.xpath("//div[@class='error-summary']")[0]
    )
    assert text_of(page.xpath("//textarea[@id='cue-1-text']")[0]) == "My careful correction."
    cues = stored(web, episode["id"])[1]
    assert cues[0].text == "Welcome to Leadership Live." and cues[2].text.startswith("Thanks")
    # The form still carries the old digest: sending it again is refused again.
    again = post(web, page, action="save")
    assert again.status_code == 409
    current = page.xpath("//div[@class='notice']//a/@href")
    assert current == [f"{editor_url(episode)}?page=1"]


def test_split_merge_rename_and_shift(web: TestClient, episode: dict) -> None:
    doc = open_editor(web, episode)
    # Split where a script saw the cursor (after "Today we talk "), with a typed edit too.
    response = post(web, doc, {"cue-2-split": "14", "cue-1-speaker": "Lorna K"}, action="split:2")
    assert response.status_code == 303 and response.headers["location"].endswith("#cue-2-text")
    cues = stored(web, episode["id"])[1]
    assert [(c.start_ms, c.end_ms, c.text, c.speaker) for c in cues[1:3]] == [
        (1500, 1933, "Today we talk", "Lorna Krisson"),
        (1933, 3000, "about compassionate leadership.", "Lorna Krisson"),
    ]
    assert cues[0].speaker == "Lorna K"
    # Without a script: the producer types the split mark.
    doc = open_editor(web, episode)
    post(web, doc, {"cue-4-text": "Thank you || for having me."}, action="split:4")
    cues = stored(web, episode["id"])[1]
    assert [c.text for c in cues[3:]] == ["Thank you", "for having me."]
    doc = open_editor(web, episode)
    response = post(web, doc, action="split:1")
    assert response.status_code == 422
    assert "put the cursor where the cue should be split" in text_of(parse(response))
    # Merge cue 2 with 3 again.
    doc = open_editor(web, episode)
    assert post(web, doc, action="merge:2").status_code == 303
    cues = stored(web, episode["id"])[1]
    assert (cues[1].start_ms, cues[1].end_ms, cues[1].text) == (
        1500,
        3000,
        "Today we talk about compassionate leadership.",
    )
    # Rename a voice in every cue.
    doc = open_editor(web, episode)
    post(web, doc, {"rename_from": "Michael West", "rename_to": "Prof Michael West"}, "rename")
    assert [c.speaker for c in stored(web, episode["id"])[1]] == [
        "Lorna K",
        "Lorna Krisson",
        "Prof Michael West",
        "Prof Michael West",
    ]
    # Shift every time; going before 0:00 is refused with the limit.
    doc = open_editor(web, episode)
    assert post(web, doc, {"shift_by": "2.5"}, "shift").status_code == 303
    assert [c.start_ms for c in stored(web, episode["id"])[1]] == [2500, 4000, 5500, 6220]
    doc = open_editor(web, episode)
    response = post(web, doc, {"shift_by": "-3"}, "shift")
    assert response.status_code == 422
    page = parse(response)
    assert text_of(page.xpath("//p[@id='shift_by-error']")[0]) == (
        "Error: Shifting by -3.000 s would move the first cue before the start of the audio "
        "(it starts at 00:02.500), so shift by -2.500 s or more"
    )
    assert page.xpath("//input[@id='shift_by']/@value") == ["-3"]
    response = post(web, doc, {"shift_by": "soon"}, "shift")
    assert "like 2.5 or -1.25" in text_of(parse(response).xpath("//p[@id='shift_by-error']")[0])
    assert [c.start_ms for c in stored(web, episode["id"])[1]] == [2500, 4000, 5500, 6220]


def test_word_timings_follow_splits_and_are_dropped_when_the_words_change(
    web: TestClient, episode: dict
) -> None:
    words = (CueWord(0, 400, "Hello"), CueWord(500, 900, "there,"), CueWord(1200, 1800, "friends."))
    app = web.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        saved = session.get(Episode, episode["id"])
        assert saved is not None
        parsed = service.Parsed(
            Transcript("en-GB", (Cue(0, 1800, "Hello there, friends.", None, words),)), "json"
        )
        service.save(session, saved, parsed, NOW)
    doc = open_editor(web, episode)
    post(web, doc, {"cue-1-split": "13"}, action="split:1")
    cues = stored(web, episode["id"])[1]
    assert [(c.start_ms, c.end_ms, c.text, c.words) for c in cues] == [
        (0, 1200, "Hello there,", words[:2]),
        (1200, 1800, "friends.", words[2:]),
    ]
    doc = open_editor(web, episode)
    post(web, doc, {"cue-1-text": "Hello there, dear"})
    cues = stored(web, episode["id"])[1]
    assert cues[0].words == () and cues[1].words == words[2:]


def test_long_transcripts_are_edited_page_by_page(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    episode = create_episode(web, auth, "Long")
    lines = [
        f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.500\nLine {i}.\n"
        for i in range(120)
    ]
    put_transcript(web, auth, episode["id"], "WEBVTT\n\n" + "\n".join(lines))
    first = open_editor(web, episode)
    assert len(first.xpath("//textarea")) == 50
    assert first.xpath("//a[@rel='next']/@href") == [f"{editor_url(episode)}?page=2"]
    doc = open_editor(web, episode, page="3")
    assert [t.get("name") for t in doc.xpath("//textarea")][:1] == ["cue-101-text"]
    assert len(doc.xpath("//textarea")) == 20
    response = post(web, doc, {"cue-101-text": "Line one hundred."})
    assert response.headers["location"].endswith("?page=3&done=saved")
    cues = stored(web, episode["id"])[1]
    assert len(cues) == 120
    assert [c.text for c in cues if not c.text.startswith("Line ") or "hundred" in c.text] == [
        "Line one hundred."
    ]
    assert cues[99].text == "Line 99." and cues[101].text == "Line 101."


def test_mark_reviewed_then_restore_an_earlier_version(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    episode = create_episode(web, auth, "Zeppelins")
    save_automatic(web, episode["id"])
    doc = open_editor(web, episode)
    assert doc.xpath("//input[@id='reviewed']/@checked") == []
    response = post(web, doc, {"cue-1-text": "Welcome to the Zeppelin Hour.", "reviewed": "on"})
    assert response.headers["location"].endswith("done=reviewed")
    record, cues = stored(web, episode["id"])
    assert (record.source, record.reviewed, cues[0].text) == (
        "automatic",
        True,
        "Welcome to the Zeppelin Hour.",
    )
    doc = parse(web.get(response.headers["location"]))
    rows = doc.xpath("//section[@id='revisions']//tbody/tr")
    assert len(rows) == 1 and "Speech recognition" in text_of(rows[0])
    form = rows[0].xpath(".//form")[0]
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    response = web.post(form.get("action"), data=fields, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("done=restored")
    record, cues = stored(web, episode["id"])
    assert (record.reviewed, cues[0].text) == (False, "Welcome to the zeppelin hour.")
    assert revisions(web, episode["id"])[0] == ("tests", 2)  # the restore kept what it replaced
    assert len(revisions(web, episode["id"])) == 2
    # A stale restore (the digest moved on) is refused too.
    response = web.post(form.get("action"), data=fields, follow_redirects=False)
    assert response.status_code == 409


def test_the_editor_needs_a_session_and_the_csrf_token(web: TestClient, episode: dict) -> None:
    doc = open_editor(web, episode)
    url, fields = form_of(doc)
    fields.pop("csrf_token")
    fields["cue-1-text"] = "Forged"
    assert web.post(url, data=fields, follow_redirects=False).status_code == 403
    web.cookies.clear()
    assert web.get(editor_url(episode), follow_redirects=False).status_code == 303
    assert stored(web, episode["id"])[1][0].text == "Welcome to Leadership Live."


def test_the_show_form_sets_where_unchecked_drafts_appear(web: TestClient, admin: str) -> None:
    doc = parse(web.get("/admin/show"))
    form = doc.xpath("//form[@action='/admin/show']")[0]
    assert form.xpath(".//input[@name='unreviewed_transcripts'][@checked]/@value") == ["web"]
    fields = {
        i.get("name"): i.get("value") or ""
        for i in form.xpath(".//input[@type!='radio' and @type!='checkbox']")
    }
    fields |= {t.get("name"): t.text or "" for t in form.xpath(".//textarea")}
    fields |= {
        s.get("name"): s.xpath(".//option[@selected]/@value")[0] for s in form.xpath(".//select")
    }
    fields["show_type"] = "episodic"
    fields["unreviewed_transcripts"] = "everywhere"
    response = web.post("/admin/show", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert web.get("/api/show").json()["unreviewed_transcripts"] == "everywhere"
    fields["unreviewed_transcripts"] = "sometimes"
    response = web.post("/admin/show", data=fields, follow_redirects=False)
    assert response.status_code == 422
    assert "Choose where automatic transcripts appear" in text_of(parse(response))
