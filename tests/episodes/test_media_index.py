"""The enclosure lookup cache stays bounded whatever names are asked for."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from episodes.media_index import MediaIndex


def test_misses_are_cached_but_bounded(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    index = MediaIndex(app.state.sessionmaker, "leadership-live", ttl=60, max_entries=50)
    for n in range(500):
        assert index.load(f"no-such-episode-{n}") is None
        assert len(index._entries) <= 50
    hit, entry = index.cached("no-such-episode-499")
    assert hit and entry is None, "a recent miss is answered without the database"
