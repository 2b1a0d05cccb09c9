"""Directory ids on the show: pasted addresses stored as bare ids, refused when they are not
one, and the Subscribe links built from them (podcast.shows.directories)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from podcast.shows.directories import app_links

FEED = "https://podcast.example.org/feed.xml"
SPOTIFY = "4rOoJ6Egrf8K2IrywzwOMk"


@pytest.mark.parametrize(
    "pasted",
    [
        "1234567890",
        " id1234567890 ",
        "https://podcasts.apple.com/gb/podcast/leadership-live/id1234567890",
        "https://podcasts.apple.com/us/podcast/id1234567890?i=1000123",
        "https://itunes.apple.com/podcast/leadership-live/id1234567890?mt=2",
    ],
)
def test_apple_addresses_are_stored_as_the_id(
    client: TestClient, auth: dict[str, str], pasted: str
) -> None:
    response = client.patch("/api/show", json={"apple_podcasts_id": pasted}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["apple_podcasts_id"] == "1234567890"


@pytest.mark.parametrize(
    "pasted",
    [SPOTIFY, f"spotify:show:{SPOTIFY}", f"https://open.spotify.com/show/{SPOTIFY}?si=abc123"],
)
def test_spotify_addresses_are_stored_as_the_id(
    client: TestClient, auth: dict[str, str], pasted: str
) -> None:
    response = client.patch("/api/show", json={"spotify_show_id": pasted}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["spotify_show_id"] == SPOTIFY


def test_directory_ids_that_are_not_ids_are_refused(
    client: TestClient, auth: dict[str, str]
) -> None:
    cases = {
        "apple_podcasts_id": [
            "javascript:alert(1)",
            "https://evil.example/id1234567890",
            "pcast://podcasts.apple.com/podcast/id1234567890",
            "12ab",
        ],
        "spotify_show_id": [
            "javascript:alert(1)//4rOoJ6Egrf8K2IrywzwOMk",
            f"https://open.spotify.evil.example/show/{SPOTIFY}",
            "too-short",
        ],
    }
    for field, values in cases.items():
        for value in values:
            response = client.patch("/api/show", json={field: value}, headers=auth)
            assert response.status_code == 422, (field, value, response.text)
            detail = response.json()["detail"]
            assert detail.startswith(f"{field}: not a"), detail
            assert "address" in detail
    show = client.get("/api/show").json()
    assert show["apple_podcasts_id"] is None and show["spotify_show_id"] is None


def test_ids_can_be_cleared(client: TestClient, auth: dict[str, str]) -> None:
    body = {"apple_podcasts_id": "1234567890", "spotify_show_id": SPOTIFY}
    assert client.patch("/api/show", json=body, headers=auth).status_code == 200
    cleared = {"apple_podcasts_id": None, "spotify_show_id": None}
    show = client.patch("/api/show", json=cleared, headers=auth).json()
    assert show["apple_podcasts_id"] is None and show["spotify_show_id"] is None


def test_links_follow_the_apps_documented_urls() -> None:
    links = {link.app: link.url for link in app_links(FEED, "1234567890", SPOTIFY)}
    assert links == {
        "Apple Podcasts": "https://podcasts.apple.com/podcast/id1234567890",
        "Spotify": f"https://open.spotify.com/show/{SPOTIFY}",
        "Pocket Casts": "https://pca.st/itunes/1234567890",
        "Overcast": "https://overcast.fm/itunes1234567890",
        "AntennaPod": "https://antennapod.org/deeplink/subscribe?url="
        "https%3A%2F%2Fpodcast.example.org%2Ffeed.xml",
    }


def test_without_ids_only_the_feed_based_app_is_offered() -> None:
    assert [link.app for link in app_links(FEED, None, None)] == ["AntennaPod"]


def test_stored_values_that_are_not_ids_never_become_links() -> None:
    """A row written around the API (an old database, a hand edit) cannot inject a scheme."""
    links = app_links("javascript:alert(1)", "javascript:alert(1)", "pktc://x/" + "a" * 13)
    assert links == []
    assert all(link.url.startswith("https://") for link in app_links(FEED, "123456", SPOTIFY))
