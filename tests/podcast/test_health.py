from fastapi.testclient import TestClient


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_is_served(client: TestClient) -> None:
    assert "/api/episodes" in client.get("/openapi.json").json()["paths"]
