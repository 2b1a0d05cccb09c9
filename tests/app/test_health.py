import warnings
from collections.abc import Iterator

from fastapi.testclient import TestClient


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "queue": "ok"},
    }


def test_openapi_is_served(client: TestClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. FastAPI's duplicate operation id warning
        paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/episodes", "/api/episodes/{episode_id}/audio", "/media/{filename}"} <= set(paths)
    assert "head" not in paths["/media/{filename}"], "HEAD routes stay out of the schema"


def test_json_bodies_are_capped_before_authentication(client: TestClient) -> None:
    big = b'{"title": "' + b"x" * (16 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/episodes", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "JSON body is larger" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 1024 * 1024):
            yield big[i : i + 1024 * 1024]

    streamed = client.post(
        "/api/episodes", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    small = client.post("/api/episodes", json={"title": "x"})
    assert small.status_code == 401, "small bodies go on to the token check"
