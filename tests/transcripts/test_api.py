"""The transcript API end to end, on each database backend, with the file corpus."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from podcast.cli import app as cli
from podcast.core.clock import FrozenClock
from podcast.core.settings import Settings
from tests.factories import create_episode
from tests.transcripts.support import CORPUS, MEDIA_TYPES, corpus_file, put_transcript, vtt
from transcripts.cues import Cue, Transcript
from transcripts.formats import FORMATS, parse_transcript
from transcripts.service import MAX_BYTES

GOOD = sorted(p.name for p in (CORPUS / "good").iterdir())
# file -> (the line named in the error, or None, and words the message must contain)
BAD = {
    "bad-timestamp.vtt": (7, '"00:0x:10.000" is not a timestamp (expected HH:MM:SS.mmm)'),
    "ends-before-start.srt": (6, "ends (00:00:05.000) before it starts"),
    "no-header.vtt": (1, 'does not start with "WEBVTT"'),
    "broken.json": (4, "invalid JSON"),
    "wrong-shape.json": (None, "segments[0].startTime"),
    "empty.vtt": (None, "no transcript text"),
    "mixed-stamps.txt": (3, "no timestamp"),
    "latin1.srt": (7, "not UTF-8"),
    "utf16-no-bom.txt": (1, "UTF-16 without a byte order mark"),
}


def _media_type(name: str) -> str:
    return MEDIA_TYPES[name.rsplit(".", 1)[1]]


def _expected(name: str, language: str = "en-GB") -> Transcript:
    return parse_transcript(corpus_file(f"good/{name}"), language, _media_type(name))


@pytest.mark.parametrize("name", GOOD)
def test_corpus_round_trips_through_every_format(
    client: TestClient, auth: dict[str, str], name: str
) -> None:
    episode = create_episode(client, auth, f"Corpus {name}")
    response = put_transcript(
        client, auth, episode["id"], corpus_file(f"good/{name}"), media_type=_media_type(name)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    expected = _expected(name)
    assert body["cues"] == len(expected.cues)
    assert body["timed"] is expected.timed
    assert body["source_format"] == name.rsplit(".", 1)[1]
    slug = episode["slug"]
    offered = {"txt", "html"} | ({"vtt", "srt", "json"} if expected.timed else set())
    assert set(body["urls"]) == offered
    for extension in offered - {"html"}:
        served = client.get(f"/episodes/{slug}/transcript.{extension}")
        assert served.status_code == 200, (extension, served.text)
        again = parse_transcript(served.content, "en-GB", FORMATS[extension].media_type)
        if extension == "txt":  # plain text keeps text, order and start times, not end times
            assert [c.text for c in again.cues] == [c.text for c in expected.cues]
            assert [c.start_ms for c in again.cues] == [c.start_ms for c in expected.cues]
        else:
            carried = [_carried(c, extension) for c in expected.cues]
            assert list(again.cues) == carried, extension


def _carried(cue: Cue, extension: str) -> Cue:
    """What a format can carry: WebVTT everything; SRT no identifiers or settings, and no
    markup beside a ``<`` of the text's own; JSON only times, speakers and text."""
    if extension == "vtt":
        return cue
    markup = cue.markup if extension == "srt" and "<" not in cue.text else None
    return replace(cue, identifier=None, settings=None, markup=markup)


def test_corpus_details_survive_storage(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Voices")
    put_transcript(client, auth, episode["id"], corpus_file("good/interview-voices.vtt"))
    served = client.get(f"/episodes/{episode['slug']}/transcript.json").json()
    segments = served["segments"]
    assert segments[0] == {
        "speaker": "Lorna Krisson",
        "startTime": 0,
        "endTime": 4.2,
        "body": "Welcome to Leadership Live, the podcast of the NHS North West Leadership Academy.",
    }
    assert segments[2]["body"] == "Thanks Lorna & hello everyone <3"  # entities decoded
    assert segments[3]["startTime"] < segments[2]["endTime"]  # overlapping cues kept as they are
    assert segments[-1]["startTime"] == 3723.004  # MM:SS and HH:MM:SS timings, to the ms


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_get_line_numbered_422_and_store_nothing(
    client: TestClient, auth: dict[str, str], name: str
) -> None:
    episode = create_episode(client, auth, f"Bad {name}")
    before = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["updated_at"]
    response = put_transcript(
        client, auth, episode["id"], corpus_file(f"bad/{name}"), media_type=_media_type(name)
    )
    assert response.status_code == 422, response.text
    line, words = BAD[name]
    body = response.json()
    assert words in body["detail"]
    assert body["line"] == line
    if line is not None:
        assert body["detail"].startswith(f"line {line}: ")
    assert client.get(f"/api/episodes/{episode['id']}/transcripts", headers=auth).json() == []
    after = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["updated_at"]
    assert after == before


def test_srt_without_blank_line_between_cues_is_refused(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, "Missing blank")
    response = put_transcript(
        client,
        auth,
        episode["id"],
        corpus_file("bad/srt-missing-blank.srt"),
        media_type="application/x-subrip",
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith('line 5: "00:00:02,000 --> 00:00:04,000"')
    assert "blank line" in response.json()["detail"]


def test_a_refused_replacement_keeps_the_old_transcript(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)
    assert put_transcript(client, auth, episode["id"], vtt((0, 1, "Kept."))).status_code == 201
    bad = put_transcript(client, auth, episode["id"], corpus_file("bad/bad-timestamp.vtt"))
    assert bad.status_code == 422
    served = client.get(f"/episodes/{episode['slug']}/transcript.txt")
    assert served.text == "[00:00:00] Kept.\n"


def test_format_from_content_type_filename_or_content(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)
    srt = corpus_file("good/panel.srt")
    sniffed = put_transcript(client, auth, episode["id"], srt, media_type=None, language="en")
    assert sniffed.json()["source_format"] == "srt"
    named = put_transcript(
        client,
        auth,
        episode["id"],
        corpus_file("good/episode.json"),
        media_type="application/octet-stream",
        language="fr",
        filename="episode.json",
    )
    assert named.json()["source_format"] == "json"
    # An explicit type wins over sniffing, so a mislabelled file gets that format's error.
    wrong = put_transcript(client, auth, episode["id"], srt, media_type="text/vtt", language="de")
    assert wrong.status_code == 422
    assert wrong.json()["line"] == 1


def test_replace_is_200_and_bumps_updated_at(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    episode = create_episode(client, auth)
    first = put_transcript(client, auth, episode["id"], vtt((0, 1, "One.")))
    assert first.status_code == 201
    after_first = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["updated_at"]
    assert after_first > episode["updated_at"] or after_first == first.json()["updated_at"]

    clock.advance(timedelta(minutes=5))
    second = put_transcript(client, auth, episode["id"], vtt((0, 1, "One."), (1, 2, "Two.")))
    assert second.status_code == 200
    assert second.json()["cues"] == 2
    assert second.json()["created_at"] == first.json()["created_at"]
    after_second = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["updated_at"]
    assert after_second > after_first

    clock.advance(timedelta(minutes=5))
    same = put_transcript(client, auth, episode["id"], vtt((0, 1, "One."), (1, 2, "Two.")))
    assert same.status_code == 200
    unchanged = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["updated_at"]
    assert unchanged == after_second, "an identical upload is not a change"


def test_languages_are_separate_and_normalised(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth)
    english = put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello.")), language="EN-gb")
    assert english.status_code == 201
    assert english.json()["language"] == "en-GB"
    welsh = put_transcript(
        client, auth, episode["id"], corpus_file("good/welsh.vtt"), language="cy"
    )
    assert welsh.status_code == 201
    default = put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello again.")))
    assert default.status_code == 200, "no ?language= means the show's language (en-GB)"
    listed = client.get(f"/api/episodes/{episode['id']}/transcripts").json()
    assert [t["language"] for t in listed] == ["en-GB", "cy"]
    assert listed[1]["urls"]["vtt"] == (
        f"https://podcast.example.org/episodes/{episode['slug']}/transcript.vtt?lang=cy"
    )
    assert listed[0]["urls"]["vtt"].endswith("/transcript.vtt")
    bad = put_transcript(client, auth, episode["id"], vtt((0, 1, "x")), language="english!")
    assert bad.status_code == 422
    assert "language code" in bad.json()["detail"]


def test_delete_one_language(client: TestClient, auth: dict[str, str], clock: FrozenClock) -> None:
    episode = create_episode(client, auth)
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello.")))
    put_transcript(client, auth, episode["id"], corpus_file("good/welsh.vtt"), language="cy")
    before = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["updated_at"]
    clock.advance(timedelta(minutes=1))
    url = f"/api/episodes/{episode['id']}/transcript"
    assert client.delete(url, params={"language": "cy"}).status_code == 401
    assert client.delete(url, params={"language": "cy"}, headers=auth).status_code == 200
    assert client.delete(url, params={"language": "cy"}, headers=auth).status_code == 404
    assert [t["language"] for t in client.get(f"{url}s").json()] == ["en-GB"]
    assert client.get(f"/episodes/{episode['slug']}/transcript.vtt?lang=cy").status_code == 404
    after = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["updated_at"]
    assert after > before


def test_warning_when_cues_run_past_the_audio(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth)  # plain.mp3 is 5.17 s long
    fits = put_transcript(client, auth, episode["id"], vtt((0, 5.9, "Within a second.")))
    assert fits.json()["warnings"] == []
    late = put_transcript(client, auth, episode["id"], corpus_file("good/interview-voices.vtt"))
    assert late.status_code == 200
    [warning] = late.json()["warnings"]
    assert "6 cue(s) run past the end of the audio (00:00:05.172)" in warning
    assert "the last ends at 01:02:07.500" in warning
    untimed = put_transcript(
        client, auth, episode["id"], corpus_file("good/untimed.txt"), media_type="text/plain"
    )
    assert untimed.json()["warnings"] == []


def test_without_audio_there_is_nothing_to_check_against(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, publish=False, audio=False)
    response = put_transcript(client, auth, episode["id"], vtt((0, 1, "Hello.")))
    assert response.status_code == 201
    assert "no audio yet" in response.json()["warnings"][0]


def test_timed_text_ends_at_the_audio(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth)
    text = "[00:00:00] Lorna Krisson: Hello.\n\n[00:00:03] Ayo Barley: Goodbye.\n"
    response = put_transcript(client, auth, episode["id"], text, media_type="text/plain")
    assert response.json()["duration"] == 5.172
    assert response.json()["source_format"] == "txt"


def test_size_limit_is_413(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, publish=False, audio=False)
    body = b"WEBVTT\n\n" + b"x" * MAX_BYTES
    response = put_transcript(client, auth, episode["id"], body)
    assert response.status_code == 413
    assert "10 MiB" in response.json()["detail"]


def test_only_producers_change_transcripts(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, publish=False, audio=False)
    assert put_transcript(client, {}, episode["id"], vtt((0, 1, "x"))).status_code == 401
    bad_token = {"Authorization": "Bearer nope"}
    assert put_transcript(client, bad_token, episode["id"], vtt((0, 1, "x"))).status_code == 401
    assert put_transcript(client, auth, 9999, vtt((0, 1, "x"))).status_code == 404
    form = client.put(
        f"/api/episodes/{episode['id']}/transcript",
        files={"file": ("a.vtt", b"WEBVTT\n")},
        headers=auth,
    )
    assert form.status_code == 415


def test_listing_follows_episode_visibility(client: TestClient, auth: dict[str, str]) -> None:
    draft = create_episode(client, auth, "Draft", publish=False)
    put_transcript(client, auth, draft["id"], vtt((0, 1, "Secret.")))
    assert client.get(f"/api/episodes/{draft['id']}/transcripts").status_code == 404
    listed = client.get(f"/api/episodes/{draft['id']}/transcripts", headers=auth)
    assert [t["cues"] for t in listed.json()] == [1]


def test_deleting_the_episode_deletes_its_transcripts(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)
    put_transcript(client, auth, episode["id"], vtt((0, 1, "Gone soon.")))
    assert client.delete(f"/api/episodes/{episode['id']}", headers=auth).status_code == 204
    other = create_episode(client, auth, "Another")
    put_transcript(client, auth, other["id"], vtt((0, 1, "Still here.")))
    assert client.get("/api/search", params={"q": "gone"}).json()["hits"] == []
    assert len(client.get("/api/search", params={"q": "still"}).json()["hits"]) == 1


def test_cli_transcript_add_and_search_reindex(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PODCAST_BASE_URL", settings.base_url)
    episode = create_episode(client, auth, "From the command line")
    runner = CliRunner()
    file = CORPUS / "good" / "interview-voices.vtt"
    added = runner.invoke(cli, ["transcript", "add", episode["slug"], str(file)])
    assert added.exit_code == 0, added.output
    assert "Transcript en-GB added for 'from-the-command-line': 7 cues from vtt" in added.stdout
    assert "run past the end of the audio" in added.stderr
    welsh = CORPUS / "good" / "welsh.vtt"
    again = runner.invoke(
        cli, ["transcript", "add", str(episode["id"]), str(welsh), "--language", "cy"]
    )
    assert again.exit_code == 0, again.output
    assert "transcript.vtt?lang=cy" in again.stdout
    bad = runner.invoke(
        cli, ["transcript", "add", episode["slug"], str(CORPUS / "bad" / "bad-timestamp.vtt")]
    )
    assert bad.exit_code == 1
    assert 'bad-timestamp.vtt: line 7: "00:0x:10.000" is not a timestamp' in bad.stderr
    assert runner.invoke(cli, ["transcript", "add", "nope", str(file)]).exit_code == 1
    listed = client.get(f"/api/episodes/{episode['id']}/transcripts").json()
    assert [t["language"] for t in listed] == ["en-GB", "cy"]
    reindexed = runner.invoke(cli, ["search", "reindex"])
    assert reindexed.exit_code == 0, reindexed.output
    hits = client.get("/api/search", params={"q": "tosturi"}).json()["hits"]
    assert [(h["slug"], h["start"]) for h in hits] == [(episode["slug"], 4.0)]
