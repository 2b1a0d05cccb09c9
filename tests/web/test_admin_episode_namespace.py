"""The episode form's Podcasting 2.0 and Apple fields: season name, display text, block,
location, licence, soundbites and funding links, saved, shown again, and refused beside their
fields."""

from __future__ import annotations

import lxml.html
from fastapi.testclient import TestClient

from tests.factories import create_episode
from tests.web.helpers import check_structure, parse, text_of


def _field_error(doc: lxml.html.HtmlElement, field: str) -> str:
    errors = doc.xpath(f"//p[@id='{field}-error']")
    assert errors, f"no error shown for {field}"
    control = doc.xpath(f"//*[@id='{field}']")[0]
    assert f"{field}-error" in control.get("aria-describedby", "")
    return text_of(errors[0])


FORM_LISTS = ("soundbites", "funding")
FORM = {
    "title": "Kind leadership",
    "slug": "kind-leadership",
    "season": "2",
    "episode_number": "4",
    "season_name": "Race equity",
    "episode_display": "Part four",
    "block": "on",
    "location_name": "Manchester Royal Infirmary",
    "location_geo": "geo:53.4628,-2.2259",
    "location_osm": "W2578",
    "location_rel": "creator",
    "location_country": "GB",
    "license_name": "CC-BY-4.0",
    "license_url": "https://creativecommons.org/licenses/by/4.0/",
    "soundbites": "0:01 | 3 | The key moment\n0.5 | 2\n",
    "funding": "https://example.org/support | Support this episode\n",
}


def test_the_form_saves_and_shows_the_fields(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    episode = create_episode(web, auth, publish=False)  # 5 seconds of audio
    path = f"/admin/episodes/{episode['id']}"
    check_structure(parse(web.get(path)))
    response = web.post(path, data={"csrf_token": admin, **FORM}, follow_redirects=False)
    assert response.status_code == 303, response.text
    saved = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert (saved["season_name"], saved["episode_display"], saved["block"]) == (
        "Race equity",
        "Part four",
        True,
    )
    assert saved["location"] == {
        "name": "Manchester Royal Infirmary",
        "geo": "geo:53.4628,-2.2259",
        "osm": "W2578",
        "rel": "creator",
        "country": "GB",
    }
    assert saved["license"] == {
        "name": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert saved["soundbites"] == [
        {"start_time": 1.0, "duration": 3.0, "title": "The key moment"},
        {"start_time": 0.5, "duration": 2.0, "title": None},
    ]
    assert saved["funding"] == [
        {"url": "https://example.org/support", "text": "Support this episode"}
    ]

    doc = parse(web.get(path))
    assert doc.xpath("//input[@id='location_geo']/@value") == ["geo:53.4628,-2.2259"]
    assert doc.xpath("//select[@id='location_rel']//option[@selected]/@value") == ["creator"]
    assert doc.xpath("//input[@id='location_country']/@value") == ["GB"]
    assert doc.xpath("//input[@id='block']/@checked")
    shown = {name: doc.xpath(f"string(//textarea[@id='{name}'])") for name in FORM_LISTS}
    assert shown["soundbites"].splitlines() == ["0:01 | 3 | The key moment", "0.5 | 2"]
    assert shown["funding"] == "https://example.org/support | Support this episode"
    # Saving the form as shown changes nothing.
    response = web.post(path, data={"csrf_token": admin, **FORM, **shown}, follow_redirects=False)
    assert response.status_code == 303, response.text
    again = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert (again["funding"], again["soundbites"]) == (saved["funding"], saved["soundbites"])

    # Emptied fields clear them.
    cleared = {**FORM, "block": "", **{k: "" for k in FORM if k.startswith("location_")}}
    cleared.update(license_name="", license_url="", soundbites="", funding="", season_name="")
    response = web.post(path, data={"csrf_token": admin, **cleared}, follow_redirects=False)
    assert response.status_code == 303
    empty = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert (empty["location"], empty["license"], empty["soundbites"], empty["funding"]) == (
        None,
        None,
        [],
        [],
    )
    assert (empty["block"], empty["season_name"]) == (False, None)


def test_errors_sit_beside_their_fields(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, publish=False)
    path = f"/admin/episodes/{episode['id']}"
    bad = {
        **FORM,
        "location_geo": "53.4,-2.2",
        "location_rel": "home",
        "location_country": "GBR",
        "license_url": "http://example.org/licence",
        "funding": "https://example.org/ok | Fine\nhttp://example.org/s | Support",
        "soundbites": "soon | 3",
        "episode_display": "x" * 33,
    }
    response = web.post(path, data={"csrf_token": admin, **bad})
    assert response.status_code == 422
    doc = parse(response)
    assert "Location coordinates" in _field_error(doc, "location_geo")
    assert "What the place is to the episode: must be subject" in _field_error(doc, "location_rel")
    assert "Country code: must be a two-letter ISO 3166-1" in _field_error(doc, "location_country")
    assert doc.xpath("//input[@id='location_country']/@value") == ["GBR"]
    assert "https" in _field_error(doc, "license_url")
    assert "Line 2: the web address must be an https:// URL" in _field_error(doc, "funding")
    assert "Line 1: start with a time" in _field_error(doc, "soundbites")
    assert "32 characters or fewer" in _field_error(doc, "episode_display")
    assert doc.xpath("//input[@id='location_geo']/@value") == ["53.4,-2.2"]

    # A soundbite beyond the audio's end: the service's refusal, next to the field.
    response = web.post(
        path, data={"csrf_token": admin, **FORM, "soundbites": "0:02 | 30 | Too long"}
    )
    assert response.status_code == 422
    assert "after the end of the audio" in _field_error(parse(response), "soundbites")
    # A place needs its name.
    response = web.post(
        path, data={"csrf_token": admin, **FORM, "location_name": "", "location_osm": "R1"}
    )
    assert response.status_code == 422
    assert "Enter the location's name" in _field_error(parse(response), "location_name")
