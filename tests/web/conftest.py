"""Web test fixtures: a client on https (the settings' base URL is https, so cookies are
Secure and a plain-http client would never send them back)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def web(client: TestClient) -> TestClient:
    client.base_url = "https://testserver"  # type: ignore[assignment]
    return client


@pytest.fixture
def admin(web: TestClient, token: str) -> str:
    """A signed-in client; returns the session's CSRF token."""
    from tests.web.helpers import sign_in

    return sign_in(web, token)
