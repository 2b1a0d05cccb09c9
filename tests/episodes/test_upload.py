"""Uploading real audio through the API: tags fill the episode, storage is content-addressed,
and bad input is refused with nothing left behind."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from podcast.app import create_app
from podcast.cli import app as cli
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import create_token
from tests.conftest import FIXTURES
from tests.factories import create_episode

EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
TAGGED = ["speech.mp3", "speech.m4a", "speech.opus", "speech.ogg", "speech.flac"]
MIME = {
    "mp3": "audio/mpeg",
    "m4a": "audio/x-m4a",
    "opus": "audio/ogg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
}


def media_files(settings: Settings) -> list[str]:
    """Everything under the media folder, partial uploads included."""
    root = settings.media_dir
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def post_file(
    client: TestClient,
    auth: dict[str, str],
    name: str,
    data: bytes | None = None,
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    content = data if data is not None else (FIXTURES / name).read_bytes()
    return client.post(
        "/api/episodes",
        files={"file": (Path(name).name, content, "application/octet-stream")},
        data=fields or {},
        headers=auth,
    )


@pytest.mark.parametrize("fixture", [*TAGGED, "speech.wav", "plain.mp3"])
def test_create_from_file(
    client: TestClient, auth: dict[str, str], settings: Settings, fixture: str
) -> None:
    data = (FIXTURES / fixture).read_bytes()
    response = post_file(client, auth, fixture)
    assert response.status_code == 201, response.text
    episode = response.json()
    audio = episode["audio"]
    extension = fixture.rsplit(".", 1)[1]
    assert audio["mime_type"] == MIME[extension]
    assert audio["size_bytes"] == len(data)
    assert audio["sha256"] == hashlib.sha256(data).hexdigest()
    assert abs(audio["duration"] - EXPECTED[fixture]["duration"]) < 0.1
    assert audio["channels"] == EXPECTED[fixture]["channels"]
    assert audio["original_filename"] == fixture
    version = audio["sha256"][:10]  # content version: replaced audio is a new URL
    assert audio["url"] == (
        f"https://podcast.example.org/media/{episode['slug']}.{version}.{extension}"
    )
    stored = settings.media_dir / audio["sha256"][:2] / f"{audio['sha256']}.{extension}"
    assert stored.read_bytes() == data
    assert episode["status"] == "draft"

    if fixture in TAGGED:
        assert episode["title"] == "Welcome to Leadership Live"
        assert episode["summary"] == "A short test recording made with espeak-ng."
        assert episode["author"] == "NHS North West Leadership Academy"
        assert episode["episode_number"] == 3
        assert episode["season"] == 2
        assert episode["suggested_publish_date"] == "2026-10-14"
    elif fixture == "plain.mp3":
        assert episode["title"] == "plain", "untagged files are named after the file"
        assert episode["summary"] == "" and episode["episode_number"] is None


def test_cover_art_and_chapters_from_id3(client: TestClient, auth: dict[str, str]) -> None:
    episode = post_file(client, auth, "speech.mp3").json()
    assert (episode["artwork"]["width"], episode["artwork"]["height"]) == (300, 300)
    art = client.get(episode["artwork"]["url"].removeprefix("https://podcast.example.org"))
    assert art.status_code == 200
    assert art.headers["content-type"] == "image/jpeg"
    assert art.content[:3] == b"\xff\xd8\xff"
    assert [(c["start"], c["end"], c["title"]) for c in episode["chapters"]] == [
        (0.0, 1.7, "Welcome"),
        (1.7, 3.4, "Leadership Live"),
        (3.4, 5.13, "The Academy"),
    ]
    assert episode["chapters"][1]["url"] == "https://example.org/leadership-live/welcome"
    assert episode["chapters"][2]["img"].endswith(".jpg")
    assert episode["chapters"][0]["img"] is None


def test_mp4_chapters_and_cover(client: TestClient, auth: dict[str, str]) -> None:
    episode = post_file(client, auth, "speech.m4a").json()
    assert len(episode["chapters"]) >= 2
    assert episode["chapters"][0]["start"] == 0.0
    assert all(c["title"] for c in episode["chapters"])
    assert episode["artwork"]["url"].endswith(".png")


def test_form_fields_win_over_tags(client: TestClient, auth: dict[str, str]) -> None:
    response = post_file(
        client,
        auth,
        "speech.mp3",
        fields={
            "title": "Building anti-racist leadership in the NHS",
            "season": "4",
            "summary": "",
            "keywords": "leadership, race equity",
            "people": '[{"name": "Ayo Barley", "role": "guest"}]',
        },
    )
    assert response.status_code == 201, response.text
    episode = response.json()
    assert episode["title"] == "Building anti-racist leadership in the NHS"
    assert episode["season"] == 4
    assert episode["summary"] == "A short test recording made with espeak-ng.", "empty = unset"
    assert episode["episode_number"] == 3
    assert episode["keywords"] == ["leadership", "race equity"]
    assert episode["people"][0]["name"] == "Ayo Barley"


def test_put_raw_keeps_what_the_producer_set(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post(
        "/api/episodes",
        json={"title": "Set by hand", "summary": "Mine", "episode_number": 9},
        headers=auth,
    ).json()
    response = client.put(
        f"/api/episodes/{created['id']}/audio",
        content=(FIXTURES / "speech.mp3").read_bytes(),
        headers={
            **auth,
            "Content-Type": "audio/mpeg",
            "Content-Disposition": 'attachment; filename="ep9.mp3"',
        },
    )
    assert response.status_code == 200, response.text
    episode = response.json()
    assert (episode["title"], episode["summary"], episode["episode_number"]) == (
        "Set by hand",
        "Mine",
        9,
    )
    assert episode["season"] == 2, "an empty field is filled from the tags"
    assert episode["audio"]["original_filename"] == "ep9.mp3"


def test_replacing_audio_keeps_guid_and_removes_old_file(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    episode = post_file(client, auth, "speech.mp3").json()
    first_sha = episode["audio"]["sha256"]
    replaced = client.post(
        f"/api/episodes/{episode['id']}/audio",
        files={"file": ("new.ogg", (FIXTURES / "speech.ogg").read_bytes())},
        headers=auth,
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["guid"] == episode["guid"]
    assert body["audio"]["mime_type"] == "audio/ogg"
    files = media_files(settings)
    assert not any(first_sha in f for f in files), "the replaced file is deleted"
    assert any(body["audio"]["sha256"] in f for f in files)
    # The old enclosure URL (other extension) now redirects to the new one: 302, not to be
    # kept, as the audio may change again or back (docs/standards.md, "Replaced audio").
    new_url = f"/media/{episode['slug']}.{body['audio']['sha256'][:10]}.ogg"
    assert body["audio"]["url"].endswith(new_url)
    for old_url in (f"/media/{episode['slug']}.mp3", episode["audio"]["url"]):
        old = client.get(old_url, headers=auth, follow_redirects=False)
        assert old.status_code == 302
        assert old.headers["location"] == new_url
        assert old.headers["cache-control"] == "no-cache"
    # Back to the first file: its URL serves it again, and the Ogg one redirects to it. Had
    # either redirect been a 301 an app kept, the two would now send it round in a loop.
    back = client.post(
        f"/api/episodes/{episode['id']}/audio",
        files={"file": ("speech.mp3", (FIXTURES / "speech.mp3").read_bytes())},
        headers=auth,
    )
    assert back.status_code == 200, back.text
    assert back.json()["audio"]["url"] == episode["audio"]["url"]
    first_url = urlsplit(episode["audio"]["url"]).path
    assert client.get(first_url, headers=auth).status_code == 200
    moved_back = client.get(new_url, headers=auth, follow_redirects=False)
    assert moved_back.status_code == 302 and moved_back.headers["location"] == first_url


def test_identical_content_is_stored_once(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    one = post_file(client, auth, "plain.mp3").json()
    two = post_file(client, auth, "plain.mp3").json()
    assert one["audio"]["sha256"] == two["audio"]["sha256"]
    assert len([f for f in media_files(settings) if f.endswith(".mp3")]) == 1
    # Deleting one episode keeps the file the other still uses.
    assert client.delete(f"/api/episodes/{one['id']}", headers=auth).status_code == 204
    assert len([f for f in media_files(settings) if f.endswith(".mp3")]) == 1
    assert client.delete(f"/api/episodes/{two['id']}", headers=auth).status_code == 204
    assert media_files(settings) == []


BAD = {
    "empty.mp3": (415, "empty"),
    "random.mp3": (415, "not"),
    "random-sync.mp3": (415, ""),
    "zeros.mp3": (415, ""),
    "picture.mp3": (415, "JPEG"),
    "notes.txt": (415, "text"),
    "notes.mp3": (415, "text"),
    "speech.aiff": (415, "AIFF"),
    "speech.wma": (415, "WMA"),
    "flac-in-ogg.ogg": (415, ""),
    "speech.aac": (415, "M4A"),
    "speech-layer2.mp3": (415, "MP2"),
    "video-only.mp4": (415, "no audio track"),
    "truncated.mp3": (422, "cut short"),
    "tag-only.mp3": (422, ""),
    "header-then-zeros.mp3": (422, ""),
    "truncated.flac": (422, ""),
    "truncated.m4a": (422, ""),
    "no-samples.wav": (422, ""),
    # Cut short: the detail names where the file ends and what its header says.
    "half-cbr.mp3": (422, "ends at 0:29 but says it lasts 1:00"),
    "half-vbr.mp3": (422, "ends at 0:25 but says it lasts 1:00"),
    "1000-bytes.mp3": (422, "ends at 0:00 but says it lasts 1:00"),
    "half.flac": (422, "ends at 0:02 but says it lasts 1:00"),
    "half.wav": (422, "ends at 0:29 but says it lasts 1:00"),
    "header-only.wav": (422, "ends at 0:00 but says it lasts 1:00"),
    "half.m4a": (422, "ends at 0:02 but says it lasts 1:00"),
    "half.opus": (422, "part-way through a page of audio, at 0:25"),
    "half.ogg": (422, "part-way through a page of audio, at 0:02"),
    "garbage-streaminfo.flac": (422, "says it lasts 18:12:16, 8 channels"),
}
CUT = [name for name, (_, hint) in BAD.items() if "0:" in hint]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_are_refused_and_leave_nothing(
    client: TestClient, auth: dict[str, str], settings: Settings, name: str
) -> None:
    status, hint = BAD[name]
    episode = client.post("/api/episodes", json={"title": "Waiting for audio"}, headers=auth)
    episode_id = episode.json()["id"]
    before = media_files(settings)
    data = (FIXTURES / "bad" / name).read_bytes()

    raw = client.put(f"/api/episodes/{episode_id}/audio", content=data, headers=auth)
    assert raw.status_code == status, raw.text
    assert hint.lower() in raw.json()["detail"].lower()
    if status == 415:
        assert "MP3" in raw.json()["detail"] or "not audio" in raw.json()["detail"].lower()

    created = post_file(client, auth, name, data)
    assert created.status_code == status

    assert media_files(settings) == before
    assert client.get(f"/api/episodes/{episode_id}", headers=auth).json()["audio"] is None
    assert client.get("/api/episodes", headers=auth).json()["total"] == 1


def test_cut_file_never_replaces_good_audio(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    """A cut upload over an episode's audio is refused, and the old audio, its stored facts
    and the media folder (partial uploads included) stay exactly as they were."""
    episode = post_file(client, auth, "speech.flac").json()
    before = media_files(settings)
    assert len(before) == 2  # the FLAC and its cover art
    for name in CUT:
        data = (FIXTURES / "bad" / name).read_bytes()
        response = client.put(f"/api/episodes/{episode['id']}/audio", content=data, headers=auth)
        assert response.status_code == 422, (name, response.text)
        assert "interrupted?" in response.json()["detail"] or "damaged" in response.json()["detail"]
        assert media_files(settings) == before, name
    after = client.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert after["audio"] == episode["audio"]


def test_stored_duration_is_what_the_file_holds(
    client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    """A WAV written to a pipe says it holds 0xFFFFFFFF bytes (74 hours at 16 kHz); the API
    and the feed give the 5 s it has."""
    data = bytearray((FIXTURES / "speech.wav").read_bytes())
    at = data.index(b"data") + 8
    size = int.from_bytes(data[at - 4 : at], "little")
    data = data[: at + size]  # no chunk after the samples: a pipe cannot go back to add one
    data[4:8] = data[at - 4 : at] = b"\xff" * 4
    response = post_file(client, auth, "streamed.wav", bytes(data))
    assert response.status_code == 201, response.text
    episode = response.json()
    assert episode["audio"]["duration"] == pytest.approx(EXPECTED["speech.wav"]["duration"], 0.01)
    published = client.post(f"/api/episodes/{episode['id']}/publish", headers=auth)
    assert published.status_code == 200, published.text
    feed = client.get("/feed.xml").text
    assert re.search(r"<itunes:duration>(0:0)?5</itunes:duration>", feed), feed


def test_hostile_filenames_change_nothing_on_disk(
    client: TestClient, auth: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    outside = sorted(p.name for p in tmp_path.iterdir())
    for name in ("../../etc/passwd", "..\\..\\evil.mp3", "a\x00b.mp3", "/tmp/x.mp3", ".."):
        response = client.post(
            "/api/episodes",
            files={"file": (name, (FIXTURES / "plain.mp3").read_bytes())},
            headers=auth,
        )
        assert response.status_code == 201, (name, response.text)
        shown = response.json()["audio"]["original_filename"]
        assert shown is None or ("/" not in shown and "\\" not in shown and "\x00" not in shown)
    assert sorted(p.name for p in tmp_path.iterdir()) == outside
    stored = [f for f in media_files(settings) if f.endswith(".mp3")]
    assert len(stored) == 1
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}\.mp3", stored[0])


def test_upload_errors_name_the_problem(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    response = client.post("/api/episodes", data={"title": "no file"}, headers=auth)
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]
    response = client.post(
        "/api/episodes",
        files={"other": ("x.mp3", b"123")},
        data={"title": "x"},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("other: is not a field that can be set here")
    response = client.post(
        "/api/episodes", files={"title": (None, "x")}, headers={**auth}
    )  # a form without a file part at all
    assert response.status_code == 422
    assert response.json()["detail"].startswith("file: is required")

    bad_field = post_file(client, auth, "speech.mp3", fields={"season": "second"})
    assert bad_field.status_code == 422
    assert bad_field.json()["errors"][0]["field"] == "season"
    bad_people = post_file(client, auth, "speech.mp3", fields={"people": "Ayo Barley"})
    assert bad_people.status_code == 422
    assert bad_people.json()["detail"].startswith("people:")

    created = client.post("/api/episodes", json={"title": "x"}, headers=auth).json()
    as_json = client.put(f"/api/episodes/{created['id']}/audio", json={"a": 1}, headers=auth)
    assert as_json.status_code == 415
    not_form = client.post(f"/api/episodes/{created['id']}/audio", content=b"abc", headers=auth)
    assert not_form.status_code == 415
    garbled = client.post(
        f"/api/episodes/{created['id']}/audio",
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
        headers={**auth, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert garbled.status_code == 400
    assert "cut short" in garbled.json()["detail"] or "malformed" in garbled.json()["detail"]
    assert client.put("/api/episodes/999/audio", content=b"x", headers=auth).status_code == 404
    assert client.put(f"/api/episodes/{created['id']}/audio", content=b"x").status_code == 401
    assert media_files(settings) == []


def test_size_limit(settings: Settings, clock: FrozenClock, tmp_path: Path) -> None:
    limited = settings.model_copy(update={"max_upload_mb": 1})
    big = (FIXTURES / "speech.wav").read_bytes() * 8  # 1.3 MB, over the 1 MiB limit
    with TestClient(create_app(limited, clock=clock)) as client:
        with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
            token = create_token(session, "limit", clock.now())
        auth = {"Authorization": f"Bearer {token}"}
        episode_id = client.post("/api/episodes", json={"title": "x"}, headers=auth).json()["id"]

        declared = client.put(f"/api/episodes/{episode_id}/audio", content=big, headers=auth)
        assert declared.status_code == 413
        assert "1 MiB" in declared.json()["detail"]

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(big), 64 * 1024):
                yield big[i : i + 64 * 1024]

        chunked = client.put(f"/api/episodes/{episode_id}/audio", content=chunks(), headers=auth)
        assert chunked.status_code == 413
        form = client.post(
            "/api/episodes", files={"file": ("big.wav", big)}, data={"title": "x"}, headers=auth
        )
        assert form.status_code == 413
        assert media_files(limited) == []
        assert client.get("/api/episodes", headers=auth).json()["total"] == 1


def test_interrupted_upload_leaves_nothing(
    live_server: str, auth: dict[str, str], client: TestClient, settings: Settings
) -> None:
    episode_id = client.post("/api/episodes", json={"title": "x"}, headers=auth).json()["id"]
    host, port = live_server.removeprefix("http://").split(":")
    body = (FIXTURES / "speech.wav").read_bytes()
    with socket.create_connection((host, int(port))) as sock:
        head = (
            f"PUT /api/episodes/{episode_id}/audio HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {auth['Authorization']}\r\n"
            f"Content-Type: audio/wav\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[: len(body) // 2])
        time.sleep(0.2)  # the server is now mid-upload, with a partial temp file
    deadline = time.monotonic() + 5
    while media_files(settings) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert media_files(settings) == []
    assert client.get(f"/api/episodes/{episode_id}", headers=auth).json()["audio"] is None


def test_gc_removes_orphans_and_partial_uploads(
    client: TestClient, auth: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = post_file(client, auth, "speech.mp3").json()
    orphan = settings.media_dir / "ab" / f"{'ab' * 32}.mp3"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a crash between rename and commit")
    young = settings.media_dir / "cd" / f"{'cd' * 32}.mp3"
    young.parent.mkdir(parents=True, exist_ok=True)
    young.write_bytes(b"unreferenced, but within gc's safety margin")
    partial = settings.media_dir / ".incoming" / "upload-x.part"
    partial.write_bytes(b"half")
    old = time.time() - 7200
    os.utime(partial, (old, old))
    os.utime(orphan, (old, old))

    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["media", "gc"])
    assert result.exit_code == 0, result.output
    assert "1 unreferenced file(s) and 1 partial upload(s) removed" in result.stdout
    assert "1 unreferenced file(s) younger than 60 min kept" in " ".join(result.stdout.split())
    assert not orphan.exists() and not partial.exists() and young.exists()
    files = media_files(settings)
    assert any(kept["audio"]["sha256"] in f for f in files)
    assert len(files) == 1 + 1 + 1 + 1, "audio, cover art, one chapter image and the young file"

    result = CliRunner().invoke(cli, ["media", "gc", "--min-age", "0"])
    assert result.exit_code == 0, result.output
    assert not young.exists() and len(media_files(settings)) == 3


def test_cli_episode_add(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PODCAST_BASE_URL", settings.base_url)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["episode", "add", str(FIXTURES / "speech.flac"), "--title", "From the CLI", "--publish"],
    )
    assert result.exit_code == 0, result.output
    assert "https://podcast.example.org/media/from-the-cli." in result.stdout
    assert ".flac" in result.stdout
    clock.set(datetime.now(UTC) + timedelta(minutes=1))  # the CLI published on the real clock
    listed = client.get("/api/episodes").json()["items"]
    assert [(e["title"], e["status"], e["episode_number"]) for e in listed] == [
        ("From the CLI", "published", 3)
    ]
    assert client.get("/media/from-the-cli.flac").content == (FIXTURES / "speech.flac").read_bytes()

    refused = runner.invoke(cli, ["episode", "add", str(FIXTURES / "bad" / "notes.txt")])
    assert refused.exit_code == 1
    assert "not audio" in refused.output.lower() or "text" in refused.output.lower()
    assert client.get("/api/episodes", headers=auth).json()["total"] == 1


def test_cli_episode_add_dates_and_says_where_to_find_it(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The public URL only once the episode is public; a past --at only with --backdate."""
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PODCAST_BASE_URL", settings.base_url)
    runner = CliRunner()
    plain = str(FIXTURES / "plain.mp3")

    draft = runner.invoke(cli, ["episode", "add", plain, "--title", "A draft"])
    assert draft.exit_code == 0, draft.output
    assert "is draft" in draft.stdout
    assert "/media/" not in draft.stdout and "example.org/episodes/" not in draft.stdout
    assert "https://podcast.example.org/admin/episodes/1" in draft.stdout

    later = datetime.now(UTC) + timedelta(days=3)
    scheduled = runner.invoke(
        cli, ["episode", "add", plain, "--title", "Soon", "--publish", "--at", later.isoformat()]
    )
    assert scheduled.exit_code == 0, scheduled.output
    out = " ".join(scheduled.stdout.split())
    assert "is scheduled" in out and "It goes public at" in out
    assert "/media/" not in out

    past = ["episode", "add", plain, "--title", "Old", "--publish", "--at", "2026-01-05T07:00"]
    stored = media_files(settings)
    refused = runner.invoke(cli, past)
    assert refused.exit_code == 1
    assert "--backdate" in " ".join(refused.stderr.split())
    assert "Copying" not in refused.stderr, "refused before the audio is copied"
    assert client.get("/api/episodes?status=published", headers=auth).json()["total"] == 0
    long_title = runner.invoke(cli, ["episode", "add", plain, "--title", "x" * 256])
    assert long_title.exit_code == 1
    assert "--title: String should have at most 255 characters" in long_title.stderr
    assert "Traceback" not in long_title.output and "Copying" not in long_title.stderr
    assert media_files(settings) == stored
    backdated = runner.invoke(cli, [*past, "--backdate"])
    assert backdated.exit_code == 0, backdated.output
    assert "is published" in backdated.stdout
    assert "Page: https://podcast.example.org/episodes/old\n" in backdated.stdout
    assert "Audio: https://podcast.example.org/media/old." in backdated.stdout
    [old] = client.get("/api/episodes?status=published", headers=auth).json()["items"]
    assert old["publish_at"].startswith("2026-01-05T07:00:00")

    assert runner.invoke(cli, ["episode", "add", plain, "--at", "2026-01-05"]).exit_code == 1
    assert runner.invoke(cli, ["episode", "add", plain, "--publish", "--at", "soon"]).exit_code == 1


def test_cli_tables_keep_whole_values_in_a_pipe(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    """Written to a pipe (cron, ``| grep``), Rich laid tables out for 80 columns and cut the
    slug that ``podcast transcript add`` needs; without a terminal lines take what they need."""
    title = "Building anti-racist leadership in the NHS with the Race Equity Assembly"
    create_episode(client, auth, title)
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env.update(PODCAST_DATA_DIR=str(settings.data_dir), PODCAST_DATABASE_URL=settings.database_url)
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "podcast"), "episode", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    slug = client.get("/api/episodes", headers=auth).json()["items"][0]["slug"]
    assert len(slug) > 40
    assert slug in listed.stdout and title in listed.stdout
