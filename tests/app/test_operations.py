"""``/metrics``, ``/healthz`` and ``/readyz`` through the app (docs/operations.md)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import create_token
from tests.conftest import FIXTURES, NOW
from tests.factories import create_episode
from tests.metrics_text import sample

METRICS_TOKEN = "scrape-me-9f1c"


@pytest.fixture
def metered(tmp_path: Path, database_url: str, clock: FrozenClock) -> FastAPI:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="https://podcast.example.org",
        metrics_token=METRICS_TOKEN,
        _env_file=None,  # type: ignore[call-arg]
    )
    return create_app(settings, clock=clock)


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_count_requests_by_route_template_and_bytes(metered: FastAPI) -> None:
    with TestClient(metered) as client:
        with session_scope(metered.state.sessionmaker) as session:
            auth = {"Authorization": f"Bearer {create_token(session, 'metrics', NOW)}"}
        episode = create_episode(client, auth, "Counted", audio="speech.m4a")
        before = scrape(client)

        for _ in range(3):
            assert client.get("/feed.xml").status_code == 200
        assert client.get(f"/api/episodes/{episode['id']}").status_code == 200
        assert client.get("/api/episodes/999999").status_code == 404
        assert client.get("/no/such/path/12345").status_code == 404
        audio = client.get("/media/counted.m4a")
        assert audio.status_code == 200
        assert client.request("BREW", "/api/show").status_code == 405
        after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    requests = "podcast_http_requests_total"
    assert grew(requests, route="/feed.xml", method="GET", status="200") == 3
    assert grew(requests, route="/api/episodes/{episode_id}", method="GET", status="200") == 1
    assert grew(requests, route="/api/episodes/{episode_id}", method="GET", status="404") == 1
    assert grew(requests, route="unmatched", method="GET", status="404") == 1
    assert grew(requests, route="/media/{filename}", method="GET", status="200") == 1
    assert grew(requests, route="/api/show", method="other", status="405") == 1
    # (As label values, which are quoted: a float such as 0.609999999999999 may hold the digits.)
    raw = ('"/no/such/path', '/999999"', '12345"')
    assert not any(value in after for value in raw), "raw paths never become labels"
    # The upload and the writes before the first scrape were counted too.
    assert sample(before, requests, route="/api/episodes", method="POST", status="201") == 1
    audio_route = "/api/episodes/{episode_id}/audio"
    uploaded = sample(before, "podcast_http_received_bytes_total", route=audio_route)
    assert uploaded == (FIXTURES / "speech.m4a").stat().st_size

    served = grew("podcast_http_sent_bytes_total", route="/media/{filename}")
    assert served == len(audio.content) == (FIXTURES / "speech.m4a").stat().st_size
    hist = "podcast_http_request_duration_seconds"
    assert grew(f"{hist}_count", route="/feed.xml") == 3
    assert grew(f"{hist}_bucket", route="/feed.xml", le="+Inf") == 3
    assert grew(f"{hist}_sum", route="/feed.xml") > 0
    # The feed: the first request after the upload rebuilt it, the next two came from memory.
    assert grew("podcast_feed_cache_requests_total", result="hit") == 2
    assert grew("podcast_feed_cache_requests_total", result="miss") == 1
    assert grew("podcast_feed_builds_total") == 1
    # Read from the jobs table at scrape time: nothing queued in this test.
    assert sample(after, "podcast_queue_depth") == 0


def test_metrics_need_loopback_or_the_token(metered: FastAPI) -> None:
    with TestClient(metered) as client:  # TestClient's address is "testclient", not loopback
        refused = client.get("/metrics")
        assert refused.status_code == 403
        assert "PODCAST_METRICS_TOKEN" in refused.json()["detail"]
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        assert scrape(client).startswith("# HELP")


def test_metrics_from_loopback_without_a_token(client: TestClient, live_server: str) -> None:
    assert client.get("/metrics").status_code == 403
    response = httpx.get(f"{live_server}/metrics")
    assert response.status_code == 200
    assert "podcast_http_requests_total" in response.text
    # Through a proxy on this machine the forwarded address counts, and it is not loopback:
    # uvicorn's proxy headers are on only in `podcast serve`, tested in test_served_ops.py.


def test_metrics_can_be_switched_off(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, metrics=False, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        assert client.get("/feed.xml").status_code == 200
        assert client.get("/metrics").status_code == 404


def test_healthz_names_each_check(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "queue": "ok"},
    }


def test_healthz_storage_gone_is_503_without_details(
    client: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    media = settings.media_dir
    shutil.rmtree(media)
    media.write_text("not a folder: the mount went away")
    with caplog.at_level(logging.WARNING, logger="podcast.core.health"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "storage": "unavailable", "queue": "ok"},
    }
    assert "NotADirectoryError" not in response.text and str(media) not in response.text
    assert "health check 'storage' failed" in caplog.text
    assert "NotADirectoryError" in caplog.text, "the cause goes to the log"


def test_healthz_database_gone_is_503_without_details(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "podcast.db"
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{database}",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        app.state.engine.dispose()
        for path in tmp_path.glob("podcast.db*"):
            path.unlink()
        database.mkdir()  # a folder where the database file was: nothing can open it
        with caplog.at_level(logging.WARNING, logger="podcast.core.health"):
            response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "storage": "ok", "queue": "ok"},
    }
    assert "sqlite" not in response.text.lower() and str(tmp_path) not in response.text
    assert "unable to open database file" in caplog.text


def test_readyz_follows_start_up_and_shutdown(app: FastAPI) -> None:
    client = TestClient(app)
    response = client.get("/readyz")  # no lifespan yet: not started
    assert (response.status_code, response.json()) == (503, {"status": "starting"})
    with client:
        response = client.get("/readyz")
        assert (response.status_code, response.json()) == (200, {"status": "ready"})
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": "stopping"})


def test_a_fast_route_that_raises_counts_as_a_logged_500(
    metered: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Fast routes are timed by ``FastPathApp`` itself; one that fails is still a request."""

    async def broken(scope: object, receive: object, send: object) -> tuple[int, int]:
        raise RuntimeError("the cache is gone")

    metered.fast_routes["/broken.xml"] = broken  # type: ignore[attr-defined]
    with TestClient(metered, raise_server_exceptions=False) as client:
        with caplog.at_level(logging.WARNING, logger="podcast.requests"):
            assert client.get("/broken.xml").status_code == 500
        after = scrape(client)
    requests = "podcast_http_requests_total"
    assert sample(after, requests, route="/broken.xml", method="GET", status="500") == 1
    assert sample(after, "podcast_http_request_duration_seconds_count", route="/broken.xml") == 1
    [line] = [r for r in caplog.records if getattr(r, "event", None) == "server_error"]
    assert line.route == "/broken.xml" and line.status == 500  # type: ignore[attr-defined]
