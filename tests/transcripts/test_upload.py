"""The one upload pipeline (``transcripts.upload``), and its three callers agreeing on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from podcast.cli import app as cli
from podcast.core.db import session_scope
from podcast.core.errors import Invalid, InvalidFile, NotFound
from podcast.core.settings import Settings
from podcast.shows.models import Show
from podcast.shows.service import get_default_show
from tests.conftest import NOW
from tests.factories import create_episode
from tests.feed.support import image_bytes
from tests.transcripts.support import put_transcript, vtt
from tests.web.helpers import parse, sign_in, text_of
from transcripts.cues import TranscriptError
from transcripts.formats import read_upload
from transcripts.upload import UploadResult, upload_transcript

SRT = (
    "1\n00:00:00,000 --> 00:00:02,000\nLorna Krisson: Welcome.\n\n"
    "2\n00:00:02,000 --> 00:00:04,000\nThanks.\n"
)
# A WebVTT file whose second cue ends before it starts: line 6 names it.
BAD_VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nFine.\n\n00:00:03.000 --> 00:00:02.000\nBad.\n"


@contextmanager
def _unit(client: TestClient, settings: Settings) -> Iterator[tuple[Session, Show]]:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        yield session, get_default_show(session, settings)


def _upload(
    client: TestClient,
    settings: Settings,
    episode: int | str,
    data: bytes | str,
    *,
    language: str | None = None,
    media_type: str | None = None,
    filename: str | None = None,
) -> UploadResult:
    with _unit(client, settings) as (session, show):
        return upload_transcript(
            session,
            show,
            episode,
            data.encode() if isinstance(data, str) else data,
            language=language,
            media_type=media_type,
            filename=filename,
            producer=True,
            now=NOW,
        )


def _listed(client: TestClient, auth: dict[str, str], episode_id: int) -> list[tuple[str, str]]:
    listed = client.get(f"/api/episodes/{episode_id}/transcripts", headers=auth).json()
    return [(t["language"], t["source_format"]) for t in listed]


def test_srt_labelled_text_plain_is_read_as_srt(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    result = _upload(client, settings, episode["id"], SRT, media_type="text/plain")
    assert result.source.name == "srt"
    assert (result.created, result.changed, result.replaced) == (True, True, False)
    assert result.record.cue_count == 2
    assert result.warnings == []
    assert _listed(client, auth, episode["id"]) == [("en-GB", "srt")]


def test_a_declared_format_is_trusted_and_its_error_names_the_line(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    with pytest.raises(InvalidFile) as info:
        _upload(client, settings, episode["id"], SRT, media_type="text/vtt", filename="a.srt")
    assert (info.value.field, info.value.line) == ("file", 1)
    assert 'does not start with "WEBVTT"' in info.value.message
    assert info.value.detail.startswith("line 1: ")
    assert _listed(client, auth, episode["id"]) == []


def test_the_extension_decides_when_the_media_type_says_nothing(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    with pytest.raises(InvalidFile) as info:  # .vtt named, SRT inside: the VTT error
        _upload(
            client,
            settings,
            episode["id"],
            SRT,
            media_type="application/octet-stream",
            filename="x.vtt",
        )
    assert info.value.line == 1
    sniffed = _upload(client, settings, episode["id"], SRT, filename="notes.txt")
    assert sniffed.source.name == "srt", ".txt is a loose label: the content decides"


def test_language_is_normalised_and_replaces_the_same_language(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    first = _upload(client, settings, episode["slug"], vtt((0, 1, "One.")), language="EN_gb")
    assert first.record.language == "en-GB"
    again = _upload(client, settings, str(episode["id"]), vtt((0, 1, "One.")), language="en-gb")
    assert (again.created, again.changed, again.replaced) == (False, False, False)
    other = _upload(client, settings, episode["id"], vtt((0, 2, "Two.")), language="en-GB")
    assert (other.created, other.changed, other.replaced) == (False, True, True)
    default = _upload(client, settings, episode["id"], vtt((0, 2, "Welsh.")), language="cy")
    assert default.created
    assert _listed(client, auth, episode["id"]) == [("en-GB", "vtt"), ("cy", "vtt")]
    with pytest.raises(Invalid) as info:
        _upload(client, settings, episode["id"], vtt((0, 1, "x")), language="english!")
    assert info.value.field == "language"


def test_cues_beyond_the_audio_are_saved_with_a_warning(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")  # 5.2 s
    result = _upload(client, settings, episode["id"], vtt((0, 2, "In."), (60, 61, "Out.")))
    [warning] = result.warnings
    assert "1 cue(s) run past the end of the audio (00:00:05.198)" in warning
    assert "the last ends at 00:01:01.000" in warning
    assert result.record.cue_count == 2
    within = _upload(client, settings, episode["id"], vtt((0, 5.5, "Within a second.")))
    assert within.warnings == []


def test_plain_text_ends_with_the_audio_and_untimed_is_not_checked(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    timed = _upload(client, settings, episode["id"], "[00:00:01] Hello.\n\n[00:00:03] Bye.\n")
    assert timed.source.name == "txt"
    assert timed.record.duration_ms == 5198
    untimed = _upload(client, settings, episode["id"], "Hello.\n", language="cy")
    assert untimed.warnings == [] and not untimed.record.timed


def test_unknown_episodes_html_and_oversized_files_are_refused(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    with pytest.raises(NotFound):
        _upload(client, settings, "no-such-episode", vtt((0, 1, "x")))
    with pytest.raises(NotFound):
        _upload(client, settings, 9999, vtt((0, 1, "x")))
    with pytest.raises(InvalidFile, match="HTML transcripts cannot be uploaded") as info:
        _upload(client, settings, episode["id"], "<p>Hi</p>", media_type="text/html")
    assert info.value.field == "file"
    with pytest.raises(InvalidFile, match="larger than the 10 MiB upload limit"):
        _upload(client, settings, episode["id"], b"x" * (10 * 1024 * 1024 + 1))
    assert _listed(client, auth, episode["id"]) == []


def test_api_admin_and_cli_give_the_same_error_for_the_same_file(
    client: TestClient,
    auth: dict[str, str],
    token: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    message = "ends (00:00:02.000) before it starts (00:00:03.000)"

    api = put_transcript(client, auth, episode["id"], BAD_VTT, media_type="text/vtt")
    assert api.status_code == 422
    assert api.json()["line"] == 6
    assert api.json()["detail"].startswith("line 6: ")
    assert message in api.json()["detail"]

    client.base_url = "https://testserver"  # type: ignore[assignment]  # Secure cookies
    csrf = sign_in(client, token)
    admin = client.post(
        f"/admin/episodes/{episode['id']}/transcript",
        data={"csrf_token": csrf, "language": "en-GB"},
        files={"file": ("bad.vtt", BAD_VTT.encode(), "text/vtt")},
    )
    assert admin.status_code == 422
    doc = parse(admin)
    [shown] = doc.xpath("//p[@id='transcript-file-error']")
    assert f"Line 6: The cue {message}" in text_of(shown)
    control = doc.xpath("//input[@id='transcript-file']")[0]
    assert "transcript-file-error" in control.get("aria-describedby", "")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PODCAST_BASE_URL", settings.base_url)
    file = tmp_path / "bad.vtt"
    file.write_text(BAD_VTT)
    result = CliRunner().invoke(cli, ["transcript", "add", str(episode["id"]), str(file)])
    assert result.exit_code == 1
    assert f"bad.vtt: line 6: the cue {message}" in " ".join(result.stderr.split())

    english = CliRunner().invoke(
        cli, ["transcript", "add", episode["slug"], str(file), "--language", "english!"]
    )
    assert english.exit_code == 1
    assert "language: enter a language code" in english.stderr
    assert _listed(client, auth, episode["id"]) == []


def test_a_picture_uploaded_as_a_transcript_is_named_as_one(
    client: TestClient,
    auth: dict[str, str],
    token: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A PNG is not "probably Windows-1252": the API (whatever its Content-Type), the admin
    form and the CLI say what the file is and which formats a transcript may be."""
    episode = create_episode(client, auth, audio="speech.mp3")
    png = image_bytes(64, fmt="PNG")
    message = (
        "this file is a PNG image, not a transcript: upload the transcript as WebVTT, "
        "SubRip (SRT), Podcasting 2.0 JSON or Plain text"
    )
    for media_type in ("image/png", "text/vtt", None):
        api = put_transcript(client, auth, episode["id"], png, media_type=media_type)
        assert api.status_code == 422, (media_type, api.text)
        assert api.json()["detail"] == message
        assert "UTF-8" not in api.json()["detail"]

    client.base_url = "https://testserver"  # type: ignore[assignment]  # Secure cookies
    csrf = sign_in(client, token)
    admin = client.post(
        f"/admin/episodes/{episode['id']}/transcript",
        data={"csrf_token": csrf, "language": "en-GB"},
        files={"file": ("pic.png", png, "image/png")},
    )
    assert admin.status_code == 422
    [shown] = parse(admin).xpath("//p[@id='transcript-file-error']")
    assert "This file is a PNG image, not a transcript" in text_of(shown)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PODCAST_BASE_URL", settings.base_url)
    (tmp_path / "pic.png").write_bytes(png)
    result = CliRunner().invoke(cli, ["transcript", "add", str(episode["id"]), "pic.png"])
    assert result.exit_code == 1
    assert f"pic.png: {message}" in " ".join(result.stderr.split())
    assert _listed(client, auth, episode["id"]) == []


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document, not a transcript"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Office document, not a transcript"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "older Microsoft Office document"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "an MP3 audio file"),
        (b"\xff\xfb\x90\x64\x00", "an MP3 audio file"),
        (b"OggS\x00\x02\x00\x00", "an Ogg audio file"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
    ],
)
def test_common_binary_files_are_named(head: bytes, what: str) -> None:
    with pytest.raises(TranscriptError, match=what) as info:
        read_upload(head + b"\x00\x01" * 40, "text/plain", "transcript.txt")
    assert ("save it as plain text (.txt)" in info.value.message) == ("document" in what)


@pytest.mark.parametrize(
    "text",
    [
        "ID3 tags, a chat\n",
        "OggS is a container\n",
        "\ufeffWEBVTT\n\n00:00.000 --> 00:01.000\nHi\n",
    ],
)
def test_text_starting_like_a_signature_is_still_text(text: str) -> None:
    assert read_upload(text.encode("utf-8"))[1]
    assert read_upload(text.encode("utf-16"))[1]  # with its byte order mark: FF FE
