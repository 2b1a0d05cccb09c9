"""404 and 405 for any path: the site's HTML page for browsers, JSON for everyone else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from podcast.core.http_errors import prefers_html
from tests.web.helpers import check_structure, h1, parse

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
UNKNOWN = ("/episodes", "/episodes/", "/admin/nope", "/robots.txt", "/static/nope.css")


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER, True),
        ("text/html", True),
        ("application/xhtml+xml", True),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0.9, application/json", False),
        ("text/html, application/json", True),
        ("*/*", False),
        ("", False),
        ("application/json", False),
        ("text/html;q=0", False),
        ("text/html;q=nonsense", False),
    ],
)
def test_which_accept_headers_prefer_html(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html


def test_browsers_get_the_html_404_page_for_any_unknown_path(web: TestClient) -> None:
    for path in UNKNOWN:
        response = web.get(path, headers={"Accept": BROWSER})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Accept" in response.headers["vary"]
        doc = parse(response)
        check_structure(doc)
        assert h1(doc) == "Page not found"
    # The episode page's own 404 is unchanged.
    response = web.get("/episodes/nonexistent", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert "There is no published episode at this address" in response.text


def test_json_clients_keep_the_json_error(web: TestClient) -> None:
    for path in (*UNKNOWN, "/api/nope"):
        for accept in ("*/*", "application/json", "application/json, text/html;q=0.5"):
            response = web.get(path, headers={"Accept": accept})
            assert response.status_code == 404, path
            assert response.json() == {"detail": "Not Found"}
            assert response.headers["vary"] == "Accept"
    # Domain errors of the API stay JSON even for a browser.
    response = web.get("/api/episodes/999999", headers={"Accept": BROWSER})
    assert response.headers["content-type"] == "application/json"


def test_a_method_a_path_does_not_take_is_a_405_page_or_json(web: TestClient) -> None:
    response = web.get("/admin/logout", headers={"Accept": BROWSER})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"].startswith("text/html")
    doc = parse(response)
    check_structure(doc)
    assert h1(doc) == "This address cannot do that"
    assert "does not answer a GET request" in response.text

    response = web.delete("/search", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert "GET" in response.headers["allow"]
