"""Hostile and absurd transcripts: refused with a 4xx and nothing stored, or served inert."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from podcast.core.db import session_scope
from tests.factories import create_episode
from tests.transcripts.support import put_transcript, vtt
from transcripts.models import StoredCue, StoredTranscript

FORMATS = ("vtt", "srt", "json", "txt", "html")
# Every C0 control but tab and line feed, DEL, and every C1 control.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _listed(client: TestClient, episode_id: int) -> list[dict]:
    response = client.get(f"/api/episodes/{episode_id}/transcripts")
    assert response.status_code == 200
    return response.json()


def test_deeply_nested_json_is_422_not_a_crash(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth)
    body = '{"segments": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = put_transcript(client, auth, episode["id"], body, media_type="application/json")
    assert response.status_code == 422, response.text
    assert "nested too deeply" in response.json()["detail"]
    assert _listed(client, episode["id"]) == []


@pytest.mark.parametrize(
    ("body", "media_type", "words"),
    [
        (vtt((0, 1, "ok")) + "\n99999999:00:00.000 --> 99999999:00:01.000\nLate\n", "text/vtt", ""),
        ("WEBVTT\n\n" + "9" * 5000 + ":00:00.000 --> 00:00:01.000\nx\n", "text/vtt", ""),
        ("WEBVTT\n\n100:00:00.000 --> 100:00:00.001\nJust past\n", "text/vtt", ""),
        ("1\n200:00:00,000 --> 200:00:01,000\nLate\n", "application/x-subrip", ""),
        ("[999999:00:00] Late\n", "text/plain", ""),
        ('{"segments": [{"startTime": 1e8, "body": "x"}]}', "application/json", "segments[0]"),
        ('{"segments": [{"startTime": 360001, "body": "x"}]}', "application/json", "segments[0]"),
    ],
)
def test_times_beyond_100_hours_are_refused_in_every_format(
    client: TestClient, auth: dict[str, str], body: str, media_type: str, words: str
) -> None:
    episode = create_episode(client, auth)
    response = put_transcript(client, auth, episode["id"], body, media_type=media_type)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "later than 100 hours" in detail and words in detail
    assert _listed(client, episode["id"]) == []


def test_100_hours_exactly_is_accepted(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth)
    body = "WEBVTT\n\n99:59:59.000 --> 100:00:00.000\nThe very end\n"
    response = put_transcript(client, auth, episode["id"], body)
    assert response.status_code == 201, response.text


OUT_OF_ORDER = {
    "text/vtt": "WEBVTT\n\n00:00:03.000 --> 00:00:04.000\nThird\n\n"
    "00:00:01.000 --> 00:00:02.000\nFirst\n\n00:00:01.000 --> 00:00:05.000\nSecond\n",
    "application/x-subrip": "1\n00:00:03,000 --> 00:00:04,000\nThird\n\n"
    "2\n00:00:01,000 --> 00:00:02,000\nFirst\n\n3\n00:00:01,000 --> 00:00:05,000\nSecond\n",
    "application/json": json.dumps(
        {
            "segments": [
                {"startTime": 3, "endTime": 4, "body": "Third"},
                {"startTime": 1, "endTime": 2, "body": "First"},
                {"startTime": 1, "endTime": 5, "body": "Second"},
            ]
        }
    ),
}


@pytest.mark.parametrize("media_type", sorted(OUT_OF_ORDER))
def test_cues_are_stored_and_served_in_start_order(
    client: TestClient, auth: dict[str, str], media_type: str
) -> None:
    episode = create_episode(client, auth)
    response = put_transcript(
        client, auth, episode["id"], OUT_OF_ORDER[media_type], media_type=media_type
    )
    assert response.status_code == 201, response.text
    base = f"/episodes/{episode['slug']}/transcript"
    segments = client.get(f"{base}.json").json()["segments"]
    # By start; cues starting together keep the file's order.
    assert [(s["startTime"], s["endTime"], s["body"]) for s in segments] == [
        (1, 2, "First"),
        (1, 5, "Second"),
        (3, 4, "Third"),
    ]
    served = client.get(f"{base}.vtt").text
    assert served.index("First") < served.index("Second") < served.index("Third")
    srt = client.get(f"{base}.srt").text
    assert srt.startswith("1\n00:00:01,000 --> 00:00:02,000\nFirst\n")


def test_plain_text_still_refuses_a_timestamp_going_back(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Its end times come from the next paragraph, so reordering would invent them."""
    episode = create_episode(client, auth)
    body = "[00:00:05] Later\n\n[00:00:01] Earlier\n"
    response = put_transcript(client, auth, episode["id"], body, media_type="text/plain")
    assert response.status_code == 422
    assert response.json()["line"] == 3


def _assert_no_controls(client: TestClient, slug: str) -> None:
    for extension in FORMATS:
        response = client.get(f"/episodes/{slug}/transcript.{extension}")
        assert response.status_code == 200, (extension, response.text)
        assert not CONTROLS.search(response.text), (extension, response.text)
        assert "Bell" in response.text and "Escape" in response.text, extension


HOSTILE_VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n"
    "<v Lor\x07na\x1b>Bell\x07 and \x1b[31mEscape\x1b[0m \x85next\x9b line\x7f\tkept tab\n"
)


def test_control_characters_are_stripped_at_upload(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    episode = create_episode(client, auth)
    response = put_transcript(client, auth, episode["id"], HOSTILE_VTT)
    assert response.status_code == 201, response.text
    with session_scope(app.state.sessionmaker) as session:
        text, speaker = session.execute(select(StoredCue.text, StoredCue.speaker)).one()
    assert (text, speaker) == ("Bell and [31mEscape[0m next line\tkept tab", "Lorna")
    _assert_no_controls(client, episode["slug"])
    segment = client.get(f"/episodes/{episode['slug']}/transcript.json").json()["segments"][0]
    assert segment == {
        "speaker": "Lorna",
        "startTime": 0,
        "endTime": 1,
        "body": "Bell and [31mEscape[0m next line\tkept tab",
    }


def test_control_characters_in_rows_stored_earlier_are_not_served(
    client: TestClient, auth: dict[str, str], app: FastAPI
) -> None:
    episode = create_episode(client, auth, "Old\x07 title")
    assert put_transcript(client, auth, episode["id"], vtt((0, 1, "Clean"))).status_code == 201
    with session_scope(app.state.sessionmaker) as session:  # as an older version stored them
        session.execute(
            update(StoredCue).values(text="Bell\x07 \x1b[2JEscape\x9b", speaker="A\x07B")
        )
        # A digest of its own, as if it had been uploaded like that.
        session.execute(update(StoredTranscript).values(content_sha256=uuid.uuid4().hex))
    _assert_no_controls(client, episode["slug"])
    html = client.get(f"/episodes/{episode['slug']}/transcript.html").text
    assert "<title>Transcript: Old title</title>" in html
    assert "<cite>AB:</cite>" in html


def test_transcript_html_has_the_pages_security_headers(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello")))
    page = client.get("/")
    for extension in FORMATS:
        response = client.get(f"/episodes/{episode['slug']}/transcript.{extension}")
        for name in (
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
        ):
            assert response.headers[name] == page.headers[name], (extension, name)
    headers = client.get(f"/episodes/{episode['slug']}/transcript.html").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_delete_needs_a_language_when_there_are_several(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello.")))
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Shwmae.")), language="cy")
    url = f"/api/episodes/{episode['id']}/transcript"
    refused = client.delete(url, headers=auth)
    assert refused.status_code == 422
    assert "en-GB, cy" in refused.json()["detail"] and "language" in refused.json()["detail"]
    assert [t["language"] for t in _listed(client, episode["id"])] == ["en-GB", "cy"]
    # Exactly the listed language: "en" does not quietly mean en-GB here.
    assert client.delete(url, params={"language": "en"}, headers=auth).status_code == 404
    deleted = client.delete(url, params={"language": "CY"}, headers=auth)
    assert deleted.status_code == 200
    assert deleted.json() == {"episode_id": episode["id"], "deleted": "cy", "remaining": ["en-GB"]}
    # One left: it is the only one the request can mean.
    last = client.delete(url, headers=auth)
    assert last.status_code == 200
    assert last.json() == {"episode_id": episode["id"], "deleted": "en-GB", "remaining": []}
    assert client.delete(url, headers=auth).status_code == 404
