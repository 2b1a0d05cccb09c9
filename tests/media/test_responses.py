"""Serving stored files (podcast.media.responses) over a real socket, byte-exact: whole files,
HEAD, single and multiple ranges, 416, If-Range and 304, as a podcast app's downloader sees them.

Raw HTTP/1.1 over a socket, so that nothing between the test and uvicorn adds, drops or
decodes a byte."""

from __future__ import annotations

import io
import random
import re
import socket
import wave
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from podcast.media.responses import MediaResponse
from tests.conftest import FIXTURES
from tests.factories import upload_audio

DATA = (FIXTURES / "speech.m4a").read_bytes()
SIZE = len(DATA)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _request(server: str, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
    """One request on its own connection; the body read to the end (Connection: close)."""
    url = urlsplit(server)
    assert url.hostname and url.port
    lines = [f"{method} {path} HTTP/1.1", "Host: podcast.example.org", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        raw = bytearray()
        while data := sock.recv(1024 * 1024):
            raw += data
    head, _, body = bytes(raw).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        assert name.lower() not in parsed, f"duplicate header {name}"
        parsed[name.lower()] = value.strip()
    assert "transfer-encoding" not in parsed, "files are sent with a Content-Length"
    return Answer(int(status_line.split()[1]), parsed, body)


@pytest.fixture
def media(client: TestClient, auth: dict[str, str]) -> str:
    episode = client.post("/api/episodes", json={"title": "Ranges"}, headers=auth).json()
    upload_audio(client, auth, episode["id"], "speech.m4a")
    client.post(f"/api/episodes/{episode['id']}/publish", headers=auth)
    return "/media/ranges.m4a"


def test_full_get_is_byte_exact(live_server: str, media: str) -> None:
    answer = _request(live_server, "GET", media)
    assert answer.status == 200
    assert answer.body == DATA
    assert answer.headers["content-length"] == str(SIZE)
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["content-type"] == "audio/x-m4a"
    assert answer.headers["etag"].startswith('"')
    parsedate_to_datetime(answer.headers["last-modified"])
    assert "public" in answer.headers["cache-control"]


def test_head_has_the_length_and_no_body(live_server: str, media: str) -> None:
    get = _request(live_server, "GET", media)
    head = _request(live_server, "HEAD", media)
    assert head.status == 200
    assert head.body == b""
    assert head.headers["content-length"] == str(SIZE)
    for name in ("content-type", "etag", "last-modified", "accept-ranges", "cache-control"):
        assert head.headers[name] == get.headers[name], name

    ranged = _request(live_server, "HEAD", media, {"Range": "bytes=10-19"})
    assert ranged.status == 206
    assert ranged.body == b""
    assert ranged.headers["content-length"] == "10"
    assert ranged.headers["content-range"] == f"bytes 10-19/{SIZE}"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-9", 0, 9),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=100-", 100, SIZE - 1),  # open-ended
        ("bytes=-500", SIZE - 500, SIZE - 1),  # suffix
        (f"bytes=-{SIZE * 2}", 0, SIZE - 1),  # suffix longer than the file: all of it
        (f"bytes={SIZE - 1}-{SIZE + 1000}", SIZE - 1, SIZE - 1),  # end clipped to the file
        (f"bytes=0-{SIZE - 1}", 0, SIZE - 1),
        ("BYTES = 5 - 7", 5, 7),
        ("bytes=5-7,", 5, 7),  # an empty element is ignored
    ],
)
def test_single_ranges(live_server: str, media: str, header: str, start: int, end: int) -> None:
    answer = _request(live_server, "GET", media, {"Range": header})
    assert answer.status == 206
    assert answer.headers["content-range"] == f"bytes {start}-{end}/{SIZE}"
    assert answer.headers["content-length"] == str(end - start + 1)
    assert answer.body == DATA[start : end + 1]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_unsatisfiable_ranges_are_416(live_server: str, media: str, header: str) -> None:
    answer = _request(live_server, "GET", media, {"Range": header})
    assert answer.status == 416
    assert answer.headers["content-range"] == f"bytes */{SIZE}"
    assert DATA[:100] not in answer.body


@pytest.mark.parametrize(
    "header", ["items=0-5", "bytes", "bytes=abc", "bytes=9-2", "bytes=", "bytes=-", "bytes=x-y,z"]
)
def test_ranges_we_cannot_parse_get_the_whole_file(
    live_server: str, media: str, header: str
) -> None:
    """RFC 9110 14.2: a Range header may be ignored; never a 400 for a podcast app."""
    answer = _request(live_server, "GET", media, {"Range": header})
    assert answer.status == 200
    assert answer.body == DATA
    assert "content-range" not in answer.headers


def _parts(answer: Answer) -> list[tuple[str, str, bytes]]:
    """(content type, content range, bytes) of each part of a multipart/byteranges body."""
    match = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", answer.headers["content-type"])
    assert match, answer.headers["content-type"]
    boundary = match.group(1).encode()
    assert answer.body.endswith(b"--" + boundary + b"--")
    parts = []
    for chunk in answer.body.split(b"--" + boundary)[1:-1]:
        assert chunk.startswith(b"\r\n") and chunk.endswith(b"\r\n")
        head, _, content = chunk[2:-2].partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n"))
        parts.append((fields["Content-Type"], fields["Content-Range"], content))
    return parts


def test_multiple_ranges_are_multipart(live_server: str, media: str) -> None:
    answer = _request(live_server, "GET", media, {"Range": "bytes=20-29, 0-9, -5"})
    assert answer.status == 206
    assert answer.headers["content-length"] == str(len(answer.body))
    assert "content-range" not in answer.headers
    assert (
        _parts(answer)
        == [  # in file order
            ("audio/x-m4a", f"bytes 0-9/{SIZE}", DATA[0:10]),
            ("audio/x-m4a", f"bytes 20-29/{SIZE}", DATA[20:30]),
            ("audio/x-m4a", f"bytes {SIZE - 5}-{SIZE - 1}/{SIZE}", DATA[-5:]),
        ]
    )
    head = _request(live_server, "HEAD", media, {"Range": "bytes=20-29, 0-9, -5"})
    assert head.status == 206 and head.body == b""
    assert head.headers["content-length"] == answer.headers["content-length"]


def test_overlapping_ranges_are_merged(live_server: str, media: str) -> None:
    answer = _request(live_server, "GET", media, {"Range": "bytes=0-9,5-19"})
    assert answer.status == 206
    assert answer.headers["content-range"] == f"bytes 0-19/{SIZE}"
    assert answer.body == DATA[:20]

    several = _request(live_server, "GET", media, {"Range": "bytes=0-9,5-19,100-109"})
    assert [part[1:] for part in _parts(several)] == [
        (f"bytes 0-19/{SIZE}", DATA[0:20]),
        (f"bytes 100-109/{SIZE}", DATA[100:110]),
    ]


def test_too_many_ranges_get_the_whole_file(live_server: str, media: str) -> None:
    header = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(101))
    answer = _request(live_server, "GET", media, {"Range": header})
    assert answer.status == 200
    assert answer.body == DATA


def test_if_range(live_server: str, media: str) -> None:
    current = _request(live_server, "HEAD", media)
    etag, modified = current.headers["etag"], current.headers["last-modified"]
    for validator in (etag, modified):
        matching = _request(
            live_server, "GET", media, {"Range": "bytes=0-3", "If-Range": validator}
        )
        assert matching.status == 206, validator
        assert matching.body == DATA[:4]
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
    for validator in ('"old-version"', "W/" + etag, earlier):
        stale = _request(live_server, "GET", media, {"Range": "bytes=0-3", "If-Range": validator})
        assert stale.status == 200, validator
        assert stale.body == DATA


def test_not_modified(live_server: str, media: str) -> None:
    current = _request(live_server, "HEAD", media)
    etag, modified = current.headers["etag"], current.headers["last-modified"]
    for conditions in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
        {"If-None-Match": etag, "Range": "bytes=0-9"},
    ):
        answer = _request(live_server, "GET", media, conditions)
        assert answer.status == 304, conditions
        assert answer.body == b""
        assert answer.headers["etag"] == etag
        assert answer.headers["last-modified"] == modified
    for conditions in (
        {"If-None-Match": '"other"', "If-Modified-Since": modified},
        {"If-Modified-Since": "Sun, 06 Nov 1994 08:49:99999999999999999999999 GMT"},
    ):
        answer = _request(live_server, "GET", media, conditions)
        assert answer.status == 200, conditions
        assert answer.body == DATA


def _noise_wav(seconds: int) -> bytes:
    """Random 16-bit mono WAV: larger than a response chunk, and no two chunks alike."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(random.Random(10).randbytes(44100 * 2 * seconds))
    return buffer.getvalue()


def test_ranges_larger_than_a_chunk(
    live_server: str, client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    """Several MiB: the multi-chunk ``pread`` loop, byte-exact at every boundary."""
    big = _noise_wav(30)
    assert len(big) > 2 * MediaResponse.chunk_size
    episode = client.post("/api/episodes", json={"title": "Big"}, headers=auth).json()
    response = client.put(
        f"/api/episodes/{episode['id']}/audio",
        content=big,
        headers={**auth, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    client.post(f"/api/episodes/{episode['id']}/publish", headers=auth)
    path = "/media/big.wav"
    stored = _request(live_server, "GET", path)
    assert stored.status == 200 and stored.body == big

    chunk = MediaResponse.chunk_size
    for start, end in [(0, chunk - 1), (0, chunk), (1, 2 * chunk + 1), (chunk - 1, len(big) - 1)]:
        answer = _request(live_server, "GET", path, {"Range": f"bytes={start}-{end}"})
        assert answer.status == 206
        assert answer.headers["content-length"] == str(end - start + 1)
        assert answer.body == big[start : end + 1], (start, end)
    suffix = _request(live_server, "GET", path, {"Range": f"bytes=-{chunk + 7}"})
    assert suffix.body == big[-(chunk + 7) :]
    multi = _request(live_server, "GET", path, {"Range": f"bytes=0-9,{chunk}-{2 * chunk + 5}"})
    assert [part[2] for part in _parts(multi)] == [big[:10], big[chunk : 2 * chunk + 6]]
