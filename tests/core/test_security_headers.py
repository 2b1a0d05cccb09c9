"""Headers that keep documents inert: the API docs without a CDN under an explicit policy, and
HSTS on every response when the service is public over https."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.security import DOCS_CSP, HSTS
from podcast.core.settings import Settings
from podcast.docs import assets_dir
from tests.conftest import NOW
from tests.factories import create_episode


def test_the_docs_assets_package_is_installed() -> None:
    assert assets_dir() is not None, "pip install -e . (fastapi-offline serves the docs' assets)"


@pytest.mark.parametrize(
    ("path", "scripts"),
    [("/docs", ["swagger-ui-bundle.js", "docs.js"]), ("/redoc", ["redoc.standalone.js"])],
)
def test_docs_load_nothing_from_other_sites(
    client: TestClient, path: str, scripts: list[str]
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == DOCS_CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "cdn" not in response.text and "fonts.googleapis" not in response.text
    doc = lxml.html.fromstring(response.text)
    assert not doc.xpath("//script[not(@src)]"), "no inline script: the CSP would block it"
    sources = doc.xpath("//script/@src | //link/@href")
    assert [s.rsplit("/", 1)[1].split("?")[0] for s in doc.xpath("//script/@src")] == scripts
    for source in sources:
        assert source.startswith("/") and not source.startswith("//"), source
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 100, source
    policy = dict(part.strip().split(" ", 1) for part in DOCS_CSP.split(";"))
    assert policy["script-src"] == "'self'"  # the exemption covers styles and workers only
    assert policy["frame-ancestors"] == "'none'"


def _hsts_paths(client: TestClient, auth: dict[str, str]) -> dict[str, int]:
    episode = create_episode(client, auth, "Secure")
    feed = client.get("/feed.xml")
    return {
        "/": 200,
        "/feed.xml": 200,  # the fast path, ahead of FastAPI
        f"/episodes/{episode['slug']}": 200,
        "/api/episodes": 200,
        "/healthz": 200,
        "/static/site.css": 200,
        "/docs": 200,
        "/docs-assets/swagger-ui.css": 200,
        "/no-such-page": 404,
        "/media/no-such-file.mp3": 404,
        "/api/episodes/not-a-number": 422,
        "/admin": 303,
        **({"/feed.xml?etag": 304} if feed.headers.get("etag") else {}),
    }


def test_hsts_on_every_response_over_https(client: TestClient, auth: dict[str, str]) -> None:
    for path, status in _hsts_paths(client, auth).items():
        headers = {}
        if path.endswith("?etag"):
            path = path.removesuffix("?etag")
            headers["If-None-Match"] = client.get(path).headers["etag"]
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code == status, path
        assert response.headers.get_list("strict-transport-security") == [HSTS], path
    assert HSTS == "max-age=31536000"


def test_no_hsts_over_plain_http(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        base_url="http://127.0.0.1:8000",
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings, clock=FrozenClock(NOW))) as client:
        for path in ("/", "/feed.xml", "/healthz", "/docs"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "strict-transport-security" not in response.headers, path
