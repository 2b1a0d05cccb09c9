"""What an old host's Podcasting 2.0 channel becomes here: people with roles off the
taxonomy keep their name (the role is left out with a note), http links are left out with a
note, and licence, location and a second category are kept."""

from __future__ import annotations

from episodes.schemas import EpisodeCreate
from podcast.core.podcast_namespace import Funding, License, Location, Person
from podcast.imports.mapping import episode_values, show_values
from podcast.imports.source import SourceEpisode, SourceShow
from podcast.shows.schemas import ShowUpdate


def _show(**fields: object) -> SourceShow:
    values: dict[str, object] = {
        "title": "Old show",
        "description_html": "<p>About</p>",
        "language": "en",
        "author": "Someone",
        "owner_name": "Someone",
        "owner_email": "someone@example.org",
        "categories": (("Business", "Management"),),
        "explicit": False,
        "show_type": "episodic",
        "image_url": None,
        "link": None,
        "copyright": None,
        "podcast_guid": None,
        "locked": None,
        "new_feed_url": None,
        "complete": False,
    }
    return SourceShow(**{**values, **fields})  # type: ignore[arg-type]


def test_unknown_roles_do_not_lose_the_person() -> None:
    notes: list[str] = []
    people = (
        Person("Ada", role="Presenter", group="Talent"),
        Person("Ben", role="Guest", href="http://example.org/ben"),
    )
    values = show_values(_show(people=people), notes)
    ShowUpdate.model_validate(values)
    assert values["people"] == [{"name": "Ada"}, {"name": "Ben", "role": "Guest"}]
    assert any("Ada's role 'Presenter' left out" in n for n in notes), notes
    assert any("Ada's group 'Talent' left out" in n for n in notes), notes
    assert any("Ben's href" in n and "https" in n for n in notes), notes
    stored = ShowUpdate.model_validate(values).people or []
    assert [(p.role, p.group) for p in stored] == [("host", "cast"), ("guest", "cast")]


def test_episode_people_too() -> None:
    notes: list[str] = []
    source = SourceEpisode(
        position=1,
        guid="ep-1",
        guid_is_permalink=False,
        guid_from_enclosure=False,
        title="An episode",
        published=None,
        description_html="",
        summary=None,
        duration=None,
        season=None,
        number=None,
        episode_type=None,
        explicit=None,
        image_url=None,
        link=None,
        enclosure=None,
        people=(Person("Cy", role="Sound Engineer"),),
    )
    values = episode_values(source, notes)
    assert [p.name for p in EpisodeCreate.model_validate(values).people] == ["Cy"]
    assert any("Cy's role 'Sound Engineer' left out" in n for n in notes), notes


def test_licence_location_second_category_and_https_funding() -> None:
    notes: list[str] = []
    source = _show(
        categories=(("Business", "Management"), ("Education", "Courses"), ("Arts", None)),
        license=License("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
        location=Location("Manchester", "geo:53.4808,-2.2426", "R146656"),
        funding=(Funding("http://old.example/give", "Give"), Funding("https://a.example", "A")),
    )
    values = show_values(source, notes)
    update = ShowUpdate.model_validate(values)
    assert (update.second_category, update.second_subcategory) == ("Education", "Courses")
    assert update.license is not None and update.license.name == "CC-BY-4.0"
    assert update.location is not None and update.location.osm == "R146656"
    assert [f.url for f in update.funding or []] == ["https://a.example/"]
    assert any("Arts" in n and "two" in n for n in notes), notes
    assert any("http://old.example/give" in n for n in notes), notes


def test_location_rel_and_country_in_any_case_and_bad_ones_left_out_alone() -> None:
    """An old host's rel and country are matched in any case; one the API would refuse is
    left out with a note, and the rest of the location is kept (show and episode alike)."""
    notes: list[str] = []
    good = Location("Leeds", "geo:53.8,-1.55", rel="CREATOR", country="gb")
    update = ShowUpdate.model_validate(show_values(_show(location=good), notes))
    assert update.location is not None
    assert (update.location.rel, update.location.country) == ("creator", "GB")
    assert notes == []

    bad = Location("Leeds", "geo:53.8,-1.55", osm="R1", rel="studio", country="England")
    values = show_values(_show(location=bad), notes)
    assert values["location"] == {"name": "Leeds", "geo": "geo:53.8,-1.55", "osm": "R1"}
    ShowUpdate.model_validate(values)
    assert any("location rel 'studio' left out: must be subject" in n for n in notes), notes
    assert any("location country 'England' left out: must be a two-letter" in n for n in notes)
