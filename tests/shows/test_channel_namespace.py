"""The rest of the Podcasting 2.0 channel and Apple's situational tags through ``/api/show``:
stored as sent (normalised), read back, and refused with a 422 that names the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
CHANNEL = {
    "itunes_title": "Leadership Live",
    "second_category": "Health & Fitness",
    "second_subcategory": "Medicine",
    "medium": "podcast",
    "license": {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    "location": {
        "name": "Manchester",
        "geo": "GEO:53.4808,-2.2426",
        "osm": "r146656",
        "rel": "subject",
        "country": "GB",
    },
    "update_frequency": {"text": "Every other Tuesday", "rrule": "freq=weekly;interval=2"},
    "podroll": [
        {"feed_guid": GUID.upper(), "feed_url": "https://feeds.example.org/other.xml"},
        {"feed_guid": "c3d2ff6b-41b9-5c46-9e46-d2dc5a40b6a1"},
    ],
    "txt": [{"text": "05124", "purpose": "applepodcastsverify"}, {"text": "hello"}],
    "social_interact": [
        {
            "protocol": "activitypub",
            "uri": "https://mastodon.example/@leadership/1",
            "account_id": "@leadership",
            "account_url": "https://mastodon.example/@leadership",
            "priority": 1,
        }
    ],
    "platform_blocks": [{"service": "Spotify"}, {"service": "google", "block": False}],
}


def test_channel_tags_round_trip(client: TestClient, auth: dict[str, str]) -> None:
    default = client.get("/api/show").json()
    assert default["medium"] == "podcast"
    assert default["podroll"] == default["txt"] == default["platform_blocks"] == []
    assert default["license"] is default["location"] is default["update_frequency"] is None

    response = client.patch("/api/show", json=CHANNEL, headers=auth)
    assert response.status_code == 200, response.text
    show = response.json()
    assert show["itunes_title"] == "Leadership Live"
    assert (show["second_category"], show["second_subcategory"]) == ("Health & Fitness", "Medicine")
    assert show["license"] == CHANNEL["license"]
    assert show["location"] == {
        "name": "Manchester",
        "geo": "geo:53.4808,-2.2426",
        "osm": "R146656",
        "rel": "subject",
        "country": "GB",
    }
    assert show["update_frequency"] == {
        "text": "Every other Tuesday",
        "rrule": "FREQ=WEEKLY;INTERVAL=2",
        "complete": False,
        "dtstart": None,
    }
    assert show["podroll"][0] == {"feed_guid": GUID, "feed_url": CHANNEL["podroll"][0]["feed_url"]}
    assert show["podroll"][1]["feed_url"] is None
    assert show["txt"][1] == {"text": "hello", "purpose": None}
    assert show["social_interact"] == CHANNEL["social_interact"]
    assert show["platform_blocks"] == [
        {"service": "spotify", "block": True},
        {"service": "google", "block": False},
    ]
    assert client.get("/api/show").json() == show

    # null clears what can be empty; the lists cannot be null (send [] instead).
    cleared = client.patch(
        "/api/show",
        json={"itunes_title": None, "license": None, "second_category": None, "txt": []},
        headers=auth,
    ).json()
    assert cleared["itunes_title"] is None and cleared["license"] is None and cleared["txt"] == []
    assert (cleared["second_category"], cleared["second_subcategory"]) == (None, None)
    refused = client.patch("/api/show", json={"podroll": None}, headers=auth)
    assert refused.status_code == 422 and refused.json()["detail"].startswith("podroll:")


def test_update_frequency_with_a_count_and_a_start(
    client: TestClient, auth: dict[str, str]
) -> None:
    frequency = {
        "text": "Every other Monday for 10 episodes",
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=10",
        "dtstart": "2026-12-07T07:00:00+00:00",
        "complete": False,
    }
    response = client.patch("/api/show", json={"update_frequency": frequency}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["update_frequency"]["dtstart"] == "2026-12-07T07:00:00Z"


@pytest.mark.parametrize(
    ("body", "field", "hint"),
    [
        ({"medium": "radio"}, "medium", "podcast"),
        ({"license": {"name": "CC-BY-4.0", "url": "http://x.org/l"}}, "license.url", "https"),
        ({"license": {"name": " "}}, "license.name", "at least 1 character"),
        ({"location": {"name": "Mcr", "geo": "53.48,-2.24"}}, "location.geo", "geo:"),
        ({"location": {"name": "Mcr", "geo": "geo:95,-2.24"}}, "location.geo", "latitude"),
        ({"location": {"name": "Mcr", "geo": "geo:53,-190"}}, "location.geo", "longitude"),
        ({"location": {"name": "Mcr", "osm": "X123"}}, "location.osm", "R148838"),
        ({"location": {"name": "Mcr", "osm": "R"}}, "location.osm", "OpenStreetMap"),
        ({"location": {"name": "Mcr", "rel": "about"}}, "location.rel", "subject"),
        ({"location": {"name": "Mcr", "country": "gb"}}, "location.country", "ISO 3166-1"),
        ({"location": {"name": "Mcr", "country": "GBR"}}, "location.country", "two-letter"),
        ({"update_frequency": {"text": "Weekly", "rrule": "FREQ=SOMETIMES"}}, "rrule", "5545"),
        ({"update_frequency": {"text": "Weekly", "rrule": "RRULE:FREQ=WEEKLY"}}, "rrule", "FREQ"),
        ({"update_frequency": {"text": "x", "rrule": "FREQ=DAILY;COUNT=3"}}, "", "dtstart"),
        ({"update_frequency": {"text": "x" * 129}}, "update_frequency.text", "128"),
        ({"podroll": [{"feed_guid": "not-a-guid"}]}, "podroll[0].feed_guid", "UUID"),
        (
            {"podroll": [{"feed_guid": GUID, "feed_url": "http://a.example/f"}]},
            "podroll[0].feed_url",
            "https",
        ),
        ({"txt": [{"text": "x" * 4001}]}, "txt[0].text", "4000"),
        ({"txt": [{"text": "code", "purpose": "p" * 129}]}, "txt[0].purpose", "128"),
        (
            {"social_interact": [{"protocol": "myspace", "uri": "https://a.b/c"}]},
            "protocol",
            "activitypub",
        ),
        ({"social_interact": [{"protocol": "activitypub"}]}, "social_interact[0]", "uri"),
        (
            {"social_interact": [{"protocol": "disabled", "uri": "https://a.b/c"}]},
            "social_interact[0]",
            "disabled",
        ),
        (
            {"social_interact": [{"protocol": "twitter", "uri": "http://twitter.com/x/1"}]},
            "social_interact[0].uri",
            "https",
        ),
        ({"platform_blocks": [{"service": "myspace"}]}, "platform_blocks[0].service", "spotify"),
        (
            {"platform_blocks": [{"service": "apple"}, {"service": "Apple", "block": False}]},
            "platform_blocks",
            "more than once",
        ),
        ({"second_category": "Games & Hobbies"}, "second_category", "retired"),
        (
            {"second_category": "Business", "second_subcategory": "Medicine"},
            "second_subcategory",
            "Health & Fitness",
        ),
        (
            {"second_category": "Business", "second_subcategory": "Management"},
            "second_category",
            "same",
        ),
        ({"second_subcategory": "Medicine"}, "second_subcategory", "second_category"),
        ({"itunes_title": "x" * 256}, "itunes_title", "255"),
    ],
)
def test_channel_tags_refused(
    client: TestClient, auth: dict[str, str], body: dict, field: str, hint: str
) -> None:
    before = client.get("/api/show").json()
    response = client.patch("/api/show", json=body, headers=auth)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert field in detail.split(":")[0], detail
    assert hint.lower() in detail.lower(), detail
    assert client.get("/api/show").json() == before


def test_person_role_and_group_come_from_the_taxonomy(
    client: TestClient, auth: dict[str, str]
) -> None:
    people = [
        {"name": "Ada", "role": "Guest Host", "group": "Cast"},
        {"name": "Ben", "role": "audio editor", "group": "audio post-production"},
        {"name": "Cy", "role": "Translator", "group": "Writing"},
    ]
    response = client.patch("/api/show", json={"people": people}, headers=auth)
    assert response.status_code == 200, response.text
    stored = response.json()["people"]
    assert [(p["role"], p["group"]) for p in stored] == [
        ("guest host", "cast"),
        ("audio editor", "audio post-production"),
        ("translator", "writing"),
    ]
    for person, field, allowed in (
        ({"name": "Ada", "role": "presenter"}, "people[0].role", "co-host"),
        ({"name": "Ada", "group": "talent"}, "people[0].group", "creative direction"),
    ):
        response = client.patch("/api/show", json={"people": [person]}, headers=auth)
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail.startswith(f"{field}:"), detail
        assert "Podcast Taxonomy" in detail and allowed in detail, detail
        assert f"{person.get('role', person.get('group'))!r}" in detail, detail
    bad_link = {"name": "Ada", "href": "http://example.org/ada"}
    response = client.patch("/api/show", json={"people": [bad_link]}, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"] == "people[0].href: must be an https:// URL"
    response = client.patch(
        "/api/show", json={"funding": [{"url": "http://example.org/give"}]}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "funding[0].url: must be an https:// URL"


def test_episode_people_follow_the_taxonomy_too(client: TestClient, auth: dict[str, str]) -> None:
    body = {"title": "Taxonomy", "people": [{"name": "Ada", "role": "presenter"}]}
    response = client.post("/api/episodes", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("people[0].role:")
    body["people"] = [{"name": "Ada", "role": "Guest"}]
    response = client.post("/api/episodes", json=body, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["people"][0]["role"] == "guest"
