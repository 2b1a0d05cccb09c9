"""Episode-level Podcasting 2.0 and Apple tags in the served feed (docs/standards.md,
"Item tags"): podcast:location, license, soundbite, funding, season name, episode display,
itunes:block, itunes:keywords and itunes:image falling back to the show's artwork; read tag by
tag with lxml and by podcast clients nobody here wrote (feedparser, podcastparser); and what
``podcast check`` says about what the API cannot prevent."""

from __future__ import annotations

import io

import feedparser
import podcastparser
import pytest
from fastapi.testclient import TestClient

from podcast.feed import data as feed_data
from tests.factories import create_episode, upload_audio
from tests.feed.support import FEED_URL, NS, feed_xml, image_bytes, items, put_artwork, text
from transcripts.links import FeedTranscripts, TranscriptLink

LOCATION = {"name": "Manchester Royal Infirmary", "geo": "geo:53.4628,-2.2259", "osm": "W2578"}
LICENSE = {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}


@pytest.fixture(autouse=True)
def no_transcripts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Transcript links are not what these tests are about."""
    links: dict[int, list[TranscriptLink]] = {}
    monkeypatch.setattr(
        feed_data, "feed_transcripts", lambda _s, _e, _b: FeedTranscripts(links, set())
    )


@pytest.fixture
def tagged(client: TestClient, auth: dict[str, str]) -> dict:
    return create_episode(
        client,
        auth,
        "Race equity in practice",
        season=2,
        episode_number=4,
        season_name="Race equity",
        episode_display="Part four",
        block=True,
        keywords=["leadership", "race equity"],
        location=LOCATION,
        license=LICENSE,
        soundbites=[
            {"start_time": 1, "duration": 3, "title": "The key moment"},
            {"start_time": 0.25, "duration": 1.5},
        ],
        funding=[{"url": "https://example.org/support/ep4", "text": "Support this episode"}],
    )


def test_item_tags_and_attributes(client: TestClient, auth: dict[str, str], tagged: dict) -> None:
    [item] = items(feed_xml(client))
    location = item.find("podcast:location", NS)
    assert location is not None and location.text == LOCATION["name"]
    # No rel or country set: none written (apps read a missing rel as "subject").
    assert dict(location.attrib) == {"geo": LOCATION["geo"], "osm": LOCATION["osm"]}
    licence = item.find("podcast:license", NS)
    assert licence is not None and (licence.text, dict(licence.attrib)) == (
        "CC-BY-4.0",
        {"url": LICENSE["url"]},
    )
    bites = item.findall("podcast:soundbite", NS)
    assert [(b.get("startTime"), b.get("duration"), b.text) for b in bites] == [
        ("1.0", "3.0", "The key moment"),
        ("0.25", "1.5", None),
    ]
    funding = item.findall("podcast:funding", NS)
    assert [(f.text, f.get("url")) for f in funding] == [
        ("Support this episode", "https://example.org/support/ep4")
    ]
    season = item.find("podcast:season", NS)
    assert season is not None and (season.text, season.get("name")) == ("2", "Race equity")
    episode = item.find("podcast:episode", NS)
    assert episode is not None and (episode.text, episode.get("display")) == ("4", "Part four")
    assert item.xpath("itunes:block/text()", namespaces=NS) == ["Yes"]
    assert text(item, "itunes:keywords") == "leadership,race equity"
    # Apple's per-item tags that were already there.
    assert text(item, "itunes:title") == "Race equity in practice"
    assert text(item, "itunes:episodeType") == "full"


def test_clients_read_the_item_tags(client: TestClient, tagged: dict) -> None:
    body = client.get("/feed.xml").content
    fp = feedparser.parse(body)
    assert fp.bozo == 0, fp.bozo_exception
    [entry] = fp.entries
    assert entry.itunes_block == 1  # feedparser reads Apple's "Yes" as 1
    assert [t.term for t in entry.tags] == ["leadership", "race equity"]
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(body))
    [episode] = parsed["episodes"]
    assert episode["title"] == "Race equity in practice"
    assert (episode["season"], episode["number"], episode["type"]) == (2, 4, "full")


def test_nothing_extra_by_default(client: TestClient, auth: dict[str, str]) -> None:
    create_episode(client, auth, "Plain", season=1, episode_number=1)
    [item] = items(feed_xml(client))
    for tag in ("location", "license", "soundbite", "funding"):
        assert item.find(f"podcast:{tag}", NS) is None, tag
    assert item.find("itunes:block", NS) is None
    assert item.find("itunes:keywords", NS) is None
    season, episode = item.find("podcast:season", NS), item.find("podcast:episode", NS)
    assert season is not None and season.get("name") is None
    assert episode is not None and episode.get("display") is None


def test_every_item_has_an_image_falling_back_to_the_shows(
    client: TestClient, auth: dict[str, str]
) -> None:
    with_art = create_episode(client, auth, "Own artwork", audio="speech.mp3")  # cover in tags
    without = create_episode(client, auth, "No artwork")
    assert with_art["artwork"] is not None and without["artwork"] is None
    # No show artwork yet: the plain episode has no image at all.
    first, _second = items(feed_xml(client))
    assert first.find("itunes:image", NS) is None
    show = put_artwork(client, auth, image_bytes(1400)).json()
    first, second = items(feed_xml(client))
    assert [text(i, "title") for i in (first, second)] == ["No artwork", "Own artwork"]
    own, fallback = second.find("itunes:image", NS), first.find("itunes:image", NS)
    assert own is not None and own.get("href") == with_art["artwork"]["url"]
    assert fallback is not None and fallback.get("href") == show["artwork_url"]
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(client.get("/feed.xml").content))
    assert [e["episode_art_url"] for e in parsed["episodes"]] == [
        show["artwork_url"],
        with_art["artwork"]["url"],
    ]


def check(client: TestClient, auth: dict[str, str]) -> list[dict]:
    response = client.get("/api/feed/check", headers=auth)
    assert response.status_code == 200, response.text
    return list(response.json()["findings"])


def test_check_flags_what_the_api_cannot_prevent(client: TestClient, auth: dict[str, str]) -> None:
    # Soundbites set before the audio (nothing to check them against then), then 5 s of audio.
    late = client.post(
        "/api/episodes",
        json={
            "title": "Soundbites first",
            "soundbites": [{"start_time": 10, "duration": 30}, {"start_time": 0, "duration": 4}],
            "season_name": "Named season without a number",
            "episode_display": "Display without a number",
            "license": {"name": "All rights reserved"},
        },
        headers=auth,
    ).json()
    upload_audio(client, auth, late["id"])
    published = client.post(f"/api/episodes/{late['id']}/publish", headers=auth)
    assert published.status_code == 200, published.text

    findings = [f for f in check(client, auth) if f["episode"]]
    by_rule = {f["rule"]: f for f in findings}
    assert by_rule["item-soundbite-range"]["message"].startswith(
        "Soundbite 1 ends at 40 s, after the end of the audio"
    )
    assert by_rule["item-soundbite-length"]["message"].startswith("Soundbite 2 is 4 s long")
    for rule in (
        "item-soundbite-range",
        "item-soundbite-length",
        "item-season-name",
        "item-episode-display",
        "item-license-url",
    ):
        assert by_rule[rule]["severity"] == "warning"
        assert by_rule[rule]["episode"]["id"] == late["id"]
    # The feed leaves out what it cannot say.
    [item] = items(feed_xml(client))
    assert item.find("podcast:season", NS) is None and item.find("podcast:episode", NS) is None
    assert len(item.findall("podcast:soundbite", NS)) == 2  # still listed: apps clamp them


def test_check_is_quiet_for_good_values(
    client: TestClient, auth: dict[str, str], tagged: dict
) -> None:
    rules = {f["rule"] for f in check(client, auth)}
    assert not {r for r in rules if r.startswith(("item-soundbite-range", "item-season-name"))}
    assert not rules & {"item-episode-display", "item-license-url", "item-namespace-https"}
    # The short soundbites are only a recommendation.
    assert "item-soundbite-length" in rules


def test_extension_refuses_what_the_spec_does() -> None:
    """The feedgen extension checks values itself, for callers other than the API."""
    from feedgen.feed import FeedGenerator

    from podcast.feed.podcastindex import entry_ext, register

    fg = FeedGenerator()
    register(fg)
    pi = entry_ext(fg.add_entry(order="append"))
    with pytest.raises(ValueError, match="https"):
        pi.funding("http://example.org/s", "Support")
    with pytest.raises(ValueError, match="https"):
        pi.license("CC-BY-4.0", "http://example.org/l")
    with pytest.raises(ValueError, match="geo"):
        pi.location("Leeds", geo="53.8,-1.55")
    with pytest.raises(ValueError, match="osm"):
        pi.location("Leeds", osm="Q42")
    with pytest.raises(ValueError, match="positive"):
        pi.soundbite(1, 0)
    with pytest.raises(ValueError, match="128"):
        pi.soundbite(1, 20, "t" * 129)
    assert pi.soundbite(73, 60.5, "Best bit")[0].duration == 60.5
    assert pi.location("Leeds", "geo:53.8,-1.55", "R1234#2") is not None
    with pytest.raises(ValueError, match="rel"):
        pi.location("Leeds", rel="home")
    with pytest.raises(ValueError, match="country"):
        pi.location("Leeds", country="GBR")
    with pytest.raises(ValueError, match="name"):
        pi.location(country="GB")


def test_location_rel_and_country_only_when_set(client: TestClient, auth: dict[str, str]) -> None:
    """rel and country are written when the producer set them, and only then."""
    where = {"name": "Leeds", "rel": "creator", "country": "GB"}
    episode = create_episode(client, auth, "Made in Leeds", location=where)
    [item] = items(feed_xml(client))
    location = item.find("podcast:location", NS)
    assert location is not None and location.text == "Leeds"
    assert list(location.attrib.items()) == [("rel", "creator"), ("country", "GB")]
    fp = feedparser.parse(client.get("/feed.xml").content)
    assert fp.bozo == 0, fp.bozo_exception
    assert fp.entries[0].podcast_location == {"rel": "creator", "country": "GB"}

    response = client.patch(
        f"/api/episodes/{episode['id']}",
        json={"location": {"name": "Leeds", "country": "GB"}},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    [item] = items(feed_xml(client))
    assert dict(item.find("podcast:location", NS).attrib) == {"country": "GB"}  # type: ignore[union-attr]
