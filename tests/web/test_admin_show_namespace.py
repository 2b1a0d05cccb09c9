"""The show settings form's Podcasting 2.0 and Apple fields: saved (with the CSRF token) to
what ``/api/show`` reads, shown again, entries the form does not show kept, errors placed
next to their field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.helpers import check_structure, parse, text_of
from tests.web.test_admin_show import FORM, _field_error

GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
NAMESPACE = {
    "itunes_title": "Leadership Live",
    "second_category": "Education|Courses",
    "medium": "podcast",
    "license_name": "CC-BY-4.0",
    "license_url": "https://creativecommons.org/licenses/by/4.0/",
    "location_name": "Manchester",
    "location_geo": "geo:53.4808,-2.2426",
    "location_osm": "R146656",
    "location_rel": "creator",
    "location_country": "GB",
    "update_frequency_text": "Every other Tuesday",
    "update_frequency_rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    "podroll": f"{GUID} https://feeds.example.org/other.xml\r\n\r\nc3d2ff6b-41b9-5c46-9e46-d2dc5a40b6a1",
    "apple_verify": "05124",
    "comments_protocol": "activitypub",
    "comments_uri": "https://mastodon.example/@leadership/1",
    "comments_account": "@leadership",
    "blocked_platforms": "Spotify, google",
}


def test_save_namespace_fields(web: TestClient, auth: dict[str, str], admin: str) -> None:
    kept = {
        "txt": [{"text": "other", "purpose": "verify"}],
        "social_interact": [
            {"protocol": "twitter", "uri": "https://x.example/1"},
            {"protocol": "bluesky", "uri": "https://bsky.example/2"},
        ],
        "platform_blocks": [{"service": "amazon", "block": False}],
    }
    assert web.patch("/api/show", json=kept, headers=auth).status_code == 200
    form = {"csrf_token": admin, **FORM, **NAMESPACE}
    response = web.post("/admin/show", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    show = web.get("/api/show").json()
    assert show["itunes_title"] == "Leadership Live"
    assert (show["second_category"], show["second_subcategory"]) == ("Education", "Courses")
    assert show["license"] == {"name": "CC-BY-4.0", "url": NAMESPACE["license_url"]}
    assert show["location"] == {
        "name": "Manchester",
        "geo": "geo:53.4808,-2.2426",
        "osm": "R146656",
        "rel": "creator",
        "country": "GB",
    }
    assert show["update_frequency"]["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert show["podroll"] == [
        {"feed_guid": GUID, "feed_url": "https://feeds.example.org/other.xml"},
        {"feed_guid": "c3d2ff6b-41b9-5c46-9e46-d2dc5a40b6a1", "feed_url": None},
    ]
    assert show["txt"] == [
        {"text": "05124", "purpose": "applepodcastsverify"},
        {"text": "other", "purpose": "verify"},
    ]
    assert [s["protocol"] for s in show["social_interact"]] == ["activitypub", "bluesky"]
    assert show["social_interact"][0]["account_id"] == "@leadership"
    assert show["platform_blocks"] == [
        {"service": "spotify", "block": True},
        {"service": "google", "block": True},
        {"service": "amazon", "block": False},
    ]

    doc = parse(web.get("/admin/show"))
    check_structure(doc)
    assert doc.xpath("//select[@id='second_category']//option[@selected]/@value") == [
        "Education|Courses"
    ]
    assert doc.xpath("//select[@id='medium']//option[@selected]/@value") == ["podcast"]
    assert doc.xpath("//input[@id='location_osm']/@value") == ["R146656"]
    assert doc.xpath("//select[@id='location_rel']//option[@selected]/@value") == ["creator"]
    assert doc.xpath("//input[@id='location_country']/@value") == ["GB"]
    assert doc.xpath("//label[@for='location_country']") and doc.xpath(
        "//label[@for='location_rel']"
    )
    assert doc.xpath("//input[@id='apple_verify']/@value") == ["05124"]
    assert doc.xpath("//input[@id='blocked_platforms']/@value") == ["spotify, google"]
    assert text_of(doc.xpath("//textarea[@id='podroll']")[0]).startswith(GUID)

    # Emptied inputs clear their tags; the API's other entries stay.
    empty = dict.fromkeys(NAMESPACE, "")
    response = web.post("/admin/show", data={"csrf_token": admin, **FORM, **empty})
    assert response.status_code == 200, response.text
    show = web.get("/api/show").json()
    assert show["license"] is None and show["location"] is None
    assert show["update_frequency"] is None and show["podroll"] == []
    assert show["second_category"] is None and show["medium"] == "podcast"
    assert show["txt"] == [{"text": "other", "purpose": "verify"}]
    assert [s["protocol"] for s in show["social_interact"]] == ["bluesky"]
    assert show["platform_blocks"] == [{"service": "amazon", "block": False}]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"license_url": "http://example.org/l"}, "license_url", "https://"),
        ({"license_name": ""}, "license_name", "at least 1 character"),
        ({"location_geo": "53.48,-2.24"}, "location_geo", "geo: URI"),
        ({"location_osm": "Q42"}, "location_osm", "OpenStreetMap id"),
        ({"location_rel": "home"}, "location_rel", "subject (what the podcast is about)"),
        ({"location_country": "gb"}, "location_country", "Location country code: must be a two"),
        ({"update_frequency_rrule": "FREQ=SOMETIMES"}, "update_frequency_rrule", "5545"),
        ({"podroll": "not-a-guid"}, "podroll", "guid"),
        ({"comments_uri": ""}, "comments_uri", "starting with https://"),
        ({"comments_protocol": "myspace"}, "comments_protocol", "activitypub"),
        ({"blocked_platforms": "spotify, myspace"}, "blocked_platforms", "service list"),
        ({"second_category": "Business|Management"}, "second_category", "same as the first"),
        ({"second_category": "Games & Hobbies"}, "second_category", "Choose a category"),
        ({"medium": "radio"}, "medium", "must be one of"),
    ],
)
def test_namespace_errors_next_to_the_field(
    web: TestClient, admin: str, changes: dict[str, str], field: str, message: str
) -> None:
    before = web.get("/api/show").json()
    form = {"csrf_token": admin, **FORM, "category": "Business|Management", **NAMESPACE}
    response = web.post("/admin/show", data={**form, **changes})
    assert response.status_code == 422, response.text
    doc = parse(response)
    assert message in _field_error(doc, field), _field_error(doc, field)
    assert f"#{field}" in doc.xpath("//div[@class='error-summary']//a/@href")
    assert web.get("/api/show").json() == before


def test_namespace_fields_need_the_csrf_token(web: TestClient, admin: str) -> None:
    before = web.get("/api/show").json()
    response = web.post("/admin/show", data={**FORM, **NAMESPACE}, follow_redirects=False)
    assert response.status_code in (400, 403), response.status_code
    assert web.get("/api/show").json() == before
