"""The show (channel) record through the API."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient


def test_default_show_from_settings(client: TestClient) -> None:
    show = client.get("/api/show").json()
    assert show["title"] == "Leadership Live"
    assert show["author"] == "NHS North West Leadership Academy"
    assert show["language"] == "en-GB"
    assert (show["category"], show["subcategory"]) == ("Business", "Management")
    assert show["feed_url"] == "https://podcast.example.org/feed.xml"
    expected = uuid.uuid5(
        uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "podcast.example.org/feed.xml"
    )
    assert show["podcast_guid"] == str(expected)
    assert show["locked"] is True and show["explicit"] is False
    assert show["show_type"] == "episodic"


def test_patch_show(client: TestClient, auth: dict[str, str]) -> None:
    before = client.get("/api/show").json()
    response = client.patch(
        "/api/show",
        json={
            "subtitle": "Conversations on leadership in health and care",
            "category": "Health & Fitness",
            "subcategory": "Medicine",
            "explicit": False,
            "show_type": "serial",
            "copyright": "© 2026 NHS North West Leadership Academy",
            "funding": [{"url": "https://example.org/support", "text": "Support us"}],
            "people": [{"name": "Lorna Krisson", "role": "Host"}],
            "owner_email": "producers@example.org",
        },
        headers=auth,
    )
    assert response.status_code == 200, response.text
    show = response.json()
    assert show["subtitle"] == "Conversations on leadership in health and care"
    assert (show["category"], show["subcategory"]) == ("Health & Fitness", "Medicine")
    assert show["show_type"] == "serial"
    assert show["people"] == [
        {"name": "Lorna Krisson", "role": "host", "group": "cast", "href": None, "img": None}
    ]
    assert show["funding"][0]["url"] == "https://example.org/support"
    assert show["podcast_guid"] == before["podcast_guid"], "podcast:guid never changes"
    assert client.get("/api/show").json() == show

    # A new category without a subcategory drops the old, now meaningless, subcategory.
    show = client.patch("/api/show", json={"category": "Education"}, headers=auth).json()
    assert (show["category"], show["subcategory"]) == ("Education", None)


def test_patch_show_rejects_bad_values(client: TestClient, auth: dict[str, str]) -> None:
    cases = {
        "category": ({"category": "Games & Hobbies"}, "retired"),
        "subcategory": ({"category": "Business", "subcategory": "Medicine"}, "Health & Fitness"),
        "language": ({"language": "English"}, "a language tag like en, en-GB or cy"),
        "owner_email": ({"owner_email": "not-an-email"}, "email"),
        "show_type": ({"show_type": "daily"}, "episodic"),
        "link": ({"link": "javascript:alert(1)"}, "URL"),
        "podcast_guid": ({"podcast_guid": str(uuid.uuid4())}, "can be set"),
    }
    for field, (body, hint) in cases.items():
        response = client.patch("/api/show", json=body, headers=auth)
        assert response.status_code == 422, (field, response.text)
        detail = response.json()["detail"]
        assert detail.startswith(f"{field}:"), detail
        assert hint.lower() in detail.lower(), detail
    response = client.patch("/api/show", json={"title": None}, headers=auth)
    assert response.status_code == 422 and response.json()["detail"] == "title: cannot be empty"
    assert client.get("/api/show").json()["category"] == "Business"


def test_show_language_is_stored_in_one_spelling(client: TestClient, auth: dict[str, str]) -> None:
    """Any case in, BCP 47's case out; a script or "_" is not what Apple takes for <language>."""
    for sent, stored in (("EN-gb", "en-GB"), ("cy", "cy"), ("es-419", "es-419")):
        response = client.patch("/api/show", json={"language": sent}, headers=auth)
        assert response.status_code == 200, response.text
        assert response.json()["language"] == stored
    for refused in ("en_GB", "zh-Hant", "english", "en-GB-oxendict"):
        response = client.patch("/api/show", json={"language": refused}, headers=auth)
        assert response.status_code == 422, refused
        assert response.json()["detail"].startswith("language:")
