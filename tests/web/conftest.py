"""Web test fixtures: a client on https (the settings' base URL is https, so cookies are
Secure and a plain-http client would never send them back)."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium per test process, for every browser test module: Playwright's
    sync API cannot run two instances in one thread."""
    from playwright.sync_api import sync_playwright

    from tests.web.browser import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
