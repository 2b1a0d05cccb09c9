"""Podcasting 2.0 and Apple item values through the episode API: location, licence,
soundbites, funding, season name, episode display and itunes:block (docs/standards.md,
"Item tags")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from tests.factories import upload_audio

LOCATION = {
    "name": "Manchester Royal Infirmary",
    "geo": "geo:53.4628,-2.2259",
    "osm": "W2578",
    "rel": "creator",
    "country": "GB",
}
NO_ATTRIBUTES = {"geo": None, "osm": None, "rel": None, "country": None}
LICENSE = {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
SOUNDBITES = [{"start_time": 1.0, "duration": 3.0, "title": "The key moment"}]
FUNDING = [{"url": "https://example.org/support/ep1", "text": "Support this episode"}]


def _create(client: TestClient, auth: dict[str, str], **fields: object) -> dict:
    response = client.post("/api/episodes", json={"title": "An episode", **fields}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def _errors(response: object) -> set[str]:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    return {e["field"] for e in response.json()["errors"]}  # type: ignore[attr-defined]


def test_round_trip_create_read_patch_clear(client: TestClient, auth: dict[str, str]) -> None:
    created = _create(
        client,
        auth,
        season=2,
        episode_number=4,
        season_name="Race equity",
        episode_display="Part four",
        block=True,
        location=LOCATION,
        license=LICENSE,
        soundbites=SOUNDBITES,
        funding=FUNDING,
    )
    expected = {
        "season_name": "Race equity",
        "episode_display": "Part four",
        "block": True,
        "location": LOCATION,
        "license": LICENSE,
        "soundbites": SOUNDBITES,
        "funding": FUNDING,
    }
    assert {k: created[k] for k in expected} == expected
    read = client.get(f"/api/episodes/{created['id']}", headers=auth).json()
    assert {k: read[k] for k in expected} == expected

    # Defaults: nothing set, not blocked.
    plain = _create(client, auth, title="Plain")
    assert (plain["location"], plain["license"], plain["soundbites"], plain["funding"]) == (
        None,
        None,
        [],
        [],
    )
    assert (plain["block"], plain["season_name"], plain["episode_display"]) == (False, None, None)

    # PATCH changes only what it names; null clears (the lists become empty).
    response = client.patch(
        f"/api/episodes/{created['id']}",
        json={"location": {"name": "Leeds"}, "soundbites": None, "funding": None},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["location"] == {"name": "Leeds", **NO_ATTRIBUTES}
    assert (patched["soundbites"], patched["funding"]) == ([], [])
    assert patched["license"] == LICENSE and patched["block"] is True
    response = client.patch(
        f"/api/episodes/{created['id']}",
        json={"location": None, "license": None, "season_name": None, "block": False},
        headers=auth,
    )
    cleared = response.json()
    assert (cleared["location"], cleared["license"], cleared["season_name"]) == (None, None, None)
    assert cleared["block"] is False
    # block cannot be null: it is a yes or a no.
    response = client.patch(f"/api/episodes/{created['id']}", json={"block": None}, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"] == "block: cannot be empty"


def test_refusals_name_the_field(client: TestClient, auth: dict[str, str]) -> None:
    bad = {
        "location": {"name": "Somewhere", "geo": "53.4,-2.2"},  # not a geo: URI
        "license": {"name": "CC-BY-4.0", "url": "http://example.org/licence"},  # not https
        "funding": [{"url": "http://example.org/support", "text": "Support"}],
        "soundbites": [{"start_time": -1, "duration": 0}],
        "episode_display": "x" * 33,
        "season_name": "y" * 129,
    }
    response = client.post("/api/episodes", json={"title": "x", **bad}, headers=auth)
    assert _errors(response) == {
        "location.geo",
        "license.url",
        "funding[0].url",
        "soundbites[0].start_time",
        "soundbites[0].duration",
        "episode_display",
        "season_name",
    }
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["license.url"] == "must be an https:// URL"
    assert messages["funding[0].url"] == "must be an https:// URL"

    for location, field in (
        ({"name": "x", "geo": "geo:95.0,10.0"}, "location.geo"),  # latitude out of range
        ({"name": "x", "osm": "X123"}, "location.osm"),  # N, W or R only
        ({"name": "x", "osm": "R123#abc"}, "location.osm"),
        ({"name": " "}, "location.name"),
        ({"name": "x", "rel": "home"}, "location.rel"),  # subject or creator only
        ({"name": "x", "rel": "Creator"}, "location.rel"),
        ({"name": "x", "country": "gb"}, "location.country"),  # capitals, as the tag takes it
        ({"name": "x", "country": "GBR"}, "location.country"),  # alpha-2, not alpha-3
        ({"name": "x", "country": "G1"}, "location.country"),
        ({"name": "x", "colour": "red"}, "location.colour"),
    ):
        response = client.post(
            "/api/episodes", json={"title": "x", "location": location}, headers=auth
        )
        assert _errors(response) == {field}, location
    ok = {"name": "x", "geo": "geo:-33.8688,151.2093,58;u=350", "osm": "R1234#5"}
    assert _create(client, auth, location=ok)["location"] == {**ok, "rel": None, "country": None}
    response = client.post(
        "/api/episodes",
        json={"title": "x", "location": {"name": "x", "rel": "there", "country": "uk"}},
        headers=auth,
    )
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages == {
        "location.rel": "must be subject (what the podcast is about) or creator (where it is made)",
        "location.country": "must be a two-letter ISO 3166-1 country code in capitals, such as GB",
    }
    response = client.post(
        "/api/episodes",
        json={"title": "x", "soundbites": [{"start_time": 1, "duration": 5, "title": "t" * 129}]},
        headers=auth,
    )
    assert _errors(response) == {"soundbites[0].title"}


def test_soundbites_must_lie_within_the_audio(client: TestClient, auth: dict[str, str]) -> None:
    episode = _create(client, auth, soundbites=[{"start_time": 10, "duration": 30}])
    # No audio yet: nothing to check against, so it is kept; the feed check reports it later.
    assert episode["soundbites"][0]["start_time"] == 10
    episode = upload_audio(client, auth, episode["id"])  # 5 seconds
    assert episode["audio"]["duration"] < 6
    response = client.patch(
        f"/api/episodes/{episode['id']}",
        json={"soundbites": [{"start_time": 1, "duration": 3}, {"start_time": 2, "duration": 4}]},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("soundbites: soundbite 2 ends at 6 s, after")
    response = client.patch(
        f"/api/episodes/{episode['id']}",
        json={"soundbites": [{"start_time": 1, "duration": 3}]},
        headers=auth,
    )
    assert response.status_code == 200, response.text


def test_multipart_create_takes_json_fields_and_checks_soundbites(
    client: TestClient, auth: dict[str, str]
) -> None:
    audio = (FIXTURES / "plain.mp3").read_bytes()
    fields = {
        "title": "From a form",
        "location": '{"name": "Leeds", "geo": "geo:53.8,-1.55"}',
        "funding": '[{"url": "https://example.org/s", "text": "Support"}]',
        "soundbites": '[{"start_time": 0.5, "duration": 4}]',
        "block": "true",
    }
    response = client.post(
        "/api/episodes",
        data=fields,
        files={"file": ("plain.mp3", audio, "audio/mpeg")},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    episode = response.json()
    assert episode["location"] == {**NO_ATTRIBUTES, "name": "Leeds", "geo": "geo:53.8,-1.55"}
    assert episode["funding"] == [{"url": "https://example.org/s", "text": "Support"}]
    assert episode["soundbites"] == [{"start_time": 0.5, "duration": 4.0, "title": None}]
    assert episode["block"] is True

    response = client.post(
        "/api/episodes",
        data={**fields, "soundbites": '[{"start_time": 3, "duration": 60}]'},
        files={"file": ("plain.mp3", audio, "audio/mpeg")},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("soundbites: soundbite 1 ends at 63 s")
    response = client.post(
        "/api/episodes",
        data={**fields, "license": "{not json"},
        files={"file": ("plain.mp3", audio, "audio/mpeg")},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "license: must be a JSON object with a name"
