"""Error answers the OpenAPI document does not list per operation, but HTTP requires."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from podcast.cli import log_config


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/show", "GET, PATCH"),
        ("DELETE", "/api/show", "GET, PATCH"),
        ("PUT", "/api/episodes/1", "DELETE, GET, PATCH"),
        ("POST", "/media/some-episode.mp3", "GET, HEAD, OPTIONS"),
    ],
)
def test_405_allows_every_method_of_the_path(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    """RFC 9110: Allow lists the methods the resource supports, not those of one route."""
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"detail": "Method Not Allowed"}


def test_served_logs_carry_our_info_lines() -> None:
    """`podcast serve` shows INFO lines from our packages (Python drops them otherwise)."""
    loggers = log_config()["loggers"]
    assert {loggers[name]["level"] for name in ("podcast", "episodes", "transcripts")} == {"INFO"}
    assert loggers["uvicorn.access"]["level"] == "INFO"  # uvicorn's own config kept
