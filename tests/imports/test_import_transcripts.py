"""Transcripts a feed links (``podcast:transcript``) come over through the upload pipeline:
the best readable format per language, never replacing one a producer uploaded."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from episodes.models import Episode
from tests.imports.oldhost import OldHost, run_import
from tests.transcripts.support import put_transcript, vtt
from transcripts import repository

VTT = vtt((0, 1.5, "<v Lorna Krisson>Welcome to Leadership Live."), (1.5, 4, "Today: anti-racism."))
SRT = (
    b"1\n00:00:00,000 --> 00:00:01,500\nWelcome (SRT).\n\n"
    b"2\n00:00:01,500 --> 00:00:04,000\nToday.\n"
)
GUID = "Buzzsprout-12345678"
FEED = "buzzsprout-podcasting20.xml"


def serve_transcripts(host: OldHost, vtt_body: bytes = VTT.encode()) -> None:
    host.files["/transcripts/anti-racist.vtt"] = ("text/vtt", vtt_body)
    host.files["/transcripts/anti-racist.srt"] = ("application/x-subrip", SRT)


def stored(client: TestClient) -> dict[str, tuple[str, list[str]]]:
    """language: (source format, cue texts) of the imported episode's transcripts."""
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker() as session:
        episode_id = session.scalars(select(Episode.id).where(Episode.guid == GUID)).one()
        return {
            r.language: (r.source_format, [c.text for c in repository.cues_of(session, r.id)])
            for r in repository.for_episode(session, episode_id)
        }


def test_the_best_format_of_each_language_is_imported_once(
    client: TestClient, old_host: OldHost
) -> None:
    serve_transcripts(old_host)
    url = old_host.feed(FEED)
    report = run_import(client, url)
    item = next(i for i in report.items if i.guid == GUID)
    assert "transcript en-GB imported (WebVTT)" in item.notes
    # WebVTT (speakers, captions) is preferred to the SubRip file of the same language.
    assert stored(client) == {
        "en-GB": ("vtt", ["Welcome to Leadership Live.", "Today: anti-racism."])
    }
    assert old_host.requests["/transcripts/anti-racist.srt"] == 0
    # Our feed now links our own transcript of it.
    assert b"podcast:transcript" in client.get("/feed.xml").content

    again = run_import(client, url)
    assert old_host.requests["/transcripts/anti-racist.vtt"] == 1, "fetched once only"
    assert again.bytes == 0


def test_an_unreadable_format_falls_back_to_the_next(client: TestClient, old_host: OldHost) -> None:
    serve_transcripts(old_host, b"<html>Not found</html>")
    report = run_import(client, old_host.feed(FEED))
    item = next(i for i in report.items if i.guid == GUID)
    assert "transcript en-GB imported (SubRip (SRT))" in item.notes
    assert stored(client)["en-GB"] == ("srt", ["Welcome (SRT).", "Today."])


def test_a_producers_transcript_is_never_replaced(
    client: TestClient, auth: dict[str, str], old_host: OldHost
) -> None:
    url = old_host.feed(FEED)
    first = run_import(client, url)  # the old host does not serve the transcripts yet
    item = next(i for i in first.items if i.guid == GUID)
    assert any("transcript en-GB not imported" in n and "404" in n for n in item.notes)
    assert item.episode_id is not None
    ours = vtt((0, 2, "The producer's own words."))
    response = put_transcript(client, auth, item.episode_id, ours, language="en-GB")
    assert response.status_code in (200, 201), response.text

    serve_transcripts(old_host)
    run_import(client, url)
    assert stored(client) == {"en-GB": ("vtt", ["The producer's own words."])}
    assert old_host.requests["/transcripts/anti-racist.vtt"] == 1  # only the first run's 404
