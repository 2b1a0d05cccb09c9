import warnings

from fastapi.testclient import TestClient


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_is_served(client: TestClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. FastAPI's duplicate operation id warning
        paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/episodes", "/api/episodes/{episode_id}/audio", "/media/{filename}"} <= set(paths)
    assert "head" not in paths["/media/{filename}"], "HEAD routes stay out of the schema"
