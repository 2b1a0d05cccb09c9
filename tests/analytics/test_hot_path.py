"""Real HTTP to a live uvicorn: enclosure GETs are recorded (route and fast path), HEADs,
304s, 416s and drafts are not, and the counting job turns them into downloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from podcast.analytics.job import SETTLE_SECONDS, count_requests
from podcast.analytics.models import Download, MediaRequest
from podcast.analytics.recorder import requested_bytes
from podcast.core.db import session_scope
from tests.factories import create_episode

APPLE = "Podcasts/1.0 CFNetwork/1410 Darwin/22.6.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"


def _state(client: TestClient):  # type: ignore[no-untyped-def]
    app = client.app
    assert isinstance(app, FastAPI)
    return app.state


def test_enclosure_requests_become_downloads(
    client: TestClient, auth: dict[str, str], live_server: str
) -> None:
    episode = create_episode(client, auth, "Counted")
    draft = create_episode(client, auth, "Draft", publish=False)
    url = f"{live_server}/media/{episode['slug']}.mp3"
    with httpx.Client() as http:
        size = int(http.head(url, headers={"User-Agent": APPLE}).headers["content-length"])
        etag = http.get(url, headers={"User-Agent": APPLE, "Range": "bytes=0-1"}).headers["etag"]
        assert http.get(url, headers={"User-Agent": APPLE, "Range": "bytes=0-"}).status_code == 206
        assert http.get(url, headers={"User-Agent": OVERCAST}).status_code == 200
        revalidated = http.get(url, headers={"User-Agent": OVERCAST, "If-None-Match": etag})
        assert revalidated.status_code == 304
        beyond = http.get(url, headers={"User-Agent": APPLE, "Range": f"bytes={size + 10}-"})
        assert beyond.status_code == 416
        draft_url = f"{live_server}/media/{draft['slug']}.mp3"
        assert http.get(draft_url, headers={"User-Agent": APPLE}).status_code == 404
    state = _state(client)
    # Probe, ranged and full GETs; the 416 is noted then dropped when its range is read.
    assert state.media_requests.flush() == 3
    with session_scope(state.sessionmaker) as session:
        recorded = session.execute(
            select(MediaRequest.range_start, MediaRequest.range_end, MediaRequest.app).order_by(
                MediaRequest.id
            )
        ).all()
        assert [tuple(r) for r in recorded] == [
            (0, 1, "Apple Podcasts"),
            (0, size - 1, "Apple Podcasts"),
            (0, size - 1, "Overcast"),
        ]
        later = datetime.now(UTC) + timedelta(seconds=SETTLE_SECONDS + 1)
        result = count_requests(session, later)
        assert (result["downloads"], result["probe"]) == (2, 1)
        apps = sorted(session.scalars(select(Download.app)))
        assert apps == ["Apple Podcasts", "Overcast"]


def test_the_bytes_a_range_header_asks_for() -> None:
    assert requested_bytes("", 1000) == (0, 999)
    assert requested_bytes("bytes=0-1", 1000) == (0, 1)
    assert requested_bytes("bytes=500-", 1000) == (500, 999)
    assert requested_bytes("bytes=-100", 1000) == (900, 999)
    assert requested_bytes("bytes=0-99999", 1000) == (0, 999)
    assert requested_bytes("bytes=2000-", 1000) is None, "416: no audio sent"
    assert requested_bytes("pages=1-2", 1000) == (0, 999), "malformed: the whole file is sent"
    many = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(101))
    assert requested_bytes(many, 10_000) == (0, 9999)
