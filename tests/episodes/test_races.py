"""Nothing acknowledged is lost: uploads, deletions, replacements and gc racing on a live server.

Files are stored by content, so two episodes with the same bytes (or the same embedded cover)
share one file. Each test starts two real HTTP requests (or a request and ``gc``) at the same
moment, many rounds with the second shifted by a varying delay so that every interleaving of
"store the file, commit the row" with "delete the row, release the file" comes up; after every
round, every file a committed row names must exist. Before the key locks
(``podcast.media.keylock``) these failed within a few rounds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core.db import session_scope
from podcast.media import LocalStorage, content_key
from podcast.media.store import collect_garbage, referenced_keys
from tests.conftest import FIXTURES

ROUNDS = 30
# One request starts up to 14 ms after the other, each way round: enough to sweep the window
# between one request's check and its commit on this machine.
DELAYS_MS = [2 * i for i in range(-7, 8)]


@pytest.fixture
def http(live_server: str, auth: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, headers=auth, timeout=30) as client:
        yield client


def _create(http: httpx.Client, title: str) -> int:
    response = http.post("/api/episodes", json={"title": title})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _put_audio(http: httpx.Client, episode_id: int, data: bytes) -> httpx.Response:
    return http.put(
        f"/api/episodes/{episode_id}/audio",
        content=data,
        headers={"Content-Type": "application/octet-stream"},
    )


def _together(first: Callable[[], object], second: Callable[[], object], delay_ms: float) -> None:
    """Run both at once, ``second`` ``delay_ms`` later (``first`` later if negative); re-raise
    what either raised."""
    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(action: Callable[[], object], delay: float) -> None:
        try:
            barrier.wait()
            if delay:
                time.sleep(delay)
            action()
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=run, args=(first, max(0.0, -delay_ms / 1000))),
        threading.Thread(target=run, args=(second, max(0.0, delay_ms / 1000))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]


def _missing_files(app: FastAPI) -> set[str]:
    """Keys committed rows name whose file is gone: must always be empty."""
    storage = app.state.storage
    with session_scope(app.state.sessionmaker) as session:
        keys = referenced_keys(session)
    return {key for key in keys if not storage.exists(key)}


def _ok(response: httpx.Response, *expected: int) -> None:
    assert response.status_code in expected, (response.status_code, response.text)


def test_delete_racing_an_upload_of_the_same_bytes(client: TestClient, http: httpx.Client) -> None:
    """``DELETE`` releases the file that a concurrent upload of identical bytes is about to use."""
    data = (FIXTURES / "plain.mp3").read_bytes()
    for round_ in range(ROUNDS):
        old = _create(http, f"old {round_}")
        _ok(_put_audio(http, old, data), 200)
        new = _create(http, f"new {round_}")
        _together(
            lambda new=new: _ok(_put_audio(http, new, data), 200),
            lambda old=old: _ok(http.delete(f"/api/episodes/{old}"), 204),
            DELAYS_MS[round_ % len(DELAYS_MS)],
        )
        assert _missing_files(client.app) == set(), f"round {round_}"  # type: ignore[arg-type]
        audio = http.get(f"/api/episodes/{new}").json()["audio"]
        assert audio["sha256"], audio
        _ok(http.delete(f"/api/episodes/{new}"), 204)


def test_replace_racing_an_upload_of_the_replaced_bytes(
    client: TestClient, http: httpx.Client
) -> None:
    """Replacing A's audio releases bytes X while B's upload of X is in flight."""
    x = (FIXTURES / "plain.mp3").read_bytes()
    y = (FIXTURES / "speech.ogg").read_bytes()
    a = _create(http, "A")
    for round_ in range(ROUNDS):
        _ok(_put_audio(http, a, x), 200)
        b = _create(http, f"B {round_}")
        _together(
            lambda b=b: _ok(_put_audio(http, b, x), 200),
            lambda: _ok(_put_audio(http, a, y), 200),
            DELAYS_MS[round_ % len(DELAYS_MS)],
        )
        assert _missing_files(client.app) == set(), f"round {round_}"  # type: ignore[arg-type]
        _ok(http.delete(f"/api/episodes/{b}"), 204)


def test_delete_racing_an_upload_with_the_same_cover(
    client: TestClient, http: httpx.Client
) -> None:
    """Different audio, same embedded cover art (one stored picture): deleting one episode
    must not take the picture from the other, whose upload stores it at the same moment."""
    mp3 = (FIXTURES / "speech.mp3").read_bytes()
    flac = (FIXTURES / "speech.flac").read_bytes()
    for round_ in range(ROUNDS):
        old = _create(http, f"old {round_}")
        first = _put_audio(http, old, mp3)
        _ok(first, 200)
        new = _create(http, f"new {round_}")
        _together(
            lambda new=new: _ok(_put_audio(http, new, flac), 200),
            lambda old=old: _ok(http.delete(f"/api/episodes/{old}"), 204),
            DELAYS_MS[round_ % len(DELAYS_MS)],
        )
        assert _missing_files(client.app) == set(), f"round {round_}"  # type: ignore[arg-type]
        episode = http.get(f"/api/episodes/{new}").json()
        assert episode["artwork"] == first.json()["artwork"], "the covers are the same file"
        assert episode["artwork"] is not None
        _ok(http.delete(f"/api/episodes/{new}"), 204)


def test_gc_racing_uploads(client: TestClient, http: httpx.Client) -> None:
    """``podcast media gc`` (no age margin) while uploads store bytes that gc sees unused."""
    app = client.app
    assert isinstance(app, FastAPI)
    storage: LocalStorage = app.state.storage
    data = (FIXTURES / "plain.mp3").read_bytes()

    def gc() -> None:
        with session_scope(app.state.sessionmaker) as session:
            collect_garbage(session, storage, min_age_seconds=0)

    for round_ in range(ROUNDS):
        episode = _create(http, f"E {round_}")
        _ok(_put_audio(http, episode, data), 200)
        _ok(http.delete(f"/api/episodes/{episode}"), 204)  # the file is released...
        _leave_orphan(storage, data)  # ...and put back, unreferenced
        new = _create(http, f"new {round_}")
        _together(
            lambda new=new: _ok(_put_audio(http, new, data), 200),
            gc,
            DELAYS_MS[round_ % len(DELAYS_MS)],
        )
        assert _missing_files(app) == set(), f"round {round_}"
        _ok(http.delete(f"/api/episodes/{new}"), 204)


def _leave_orphan(storage: LocalStorage, data: bytes) -> None:
    """The bytes as a stored file no row uses, as a crash between rename and commit leaves."""
    key = content_key(hashlib.sha256(data).hexdigest(), "mp3")
    path = storage.local_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
