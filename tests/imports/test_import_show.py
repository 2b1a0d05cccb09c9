"""``--show SLUG`` (``"show"`` in ``POST /api/imports``): an installation serves one show, so
the slug may only name it; the show is created if it does not exist yet, another is refused
before anything is fetched or written."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from episodes.models import Episode
from podcast.core.clock import FrozenClock
from podcast.core.db import make_engine, make_sessionmaker
from podcast.core.errors import Invalid
from podcast.core.settings import Settings
from podcast.imports.fetch import Fetcher, FetchPolicy
from podcast.imports.importer import Importer, ImportOptions, Outcome
from podcast.media import open_storage
from podcast.migrate import upgrade
from podcast.shows.models import Show
from tests.imports.oldhost import OldHost, run_import


def test_the_show_is_created_when_none_exists_yet(
    settings: Settings, clock: FrozenClock, old_host: OldHost
) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)  # the schema only: no start has created the show
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Show)) == 0
        with Fetcher(FetchPolicy(allow_private=True, timeout=10)) as fetcher:
            importer = Importer(
                sessions=sessions,
                storage=open_storage(settings),
                settings=settings,
                clock=clock,
                fetcher=fetcher,
            )
            report = importer.run(url, ImportOptions(show=settings.show_slug))
        assert report.count(Outcome.IMPORTED) == 2, report.items
        with sessions() as session:
            show = session.scalars(select(Show)).one()
            assert show.slug == settings.show_slug
            # Made from the settings, then given the old feed's values and identity.
            assert show.podcast_guid == "9b024349-ccf0-5f69-a609-6b82873eab3c"
            assert show.owner_email == "podcast@leadership.example.nhs.uk"
            assert show.artwork_key is not None
            # The channel's podcast:location: rel matched in any case; a country that is no
            # ISO 3166-1 code is left out with a note, the place kept.
            assert show.location == {"name": "North West England", "rel": "subject"}
        assert any("location country 'United Kingdom' left out" in n for n in report.show_notes), (
            report.show_notes
        )
        with sessions() as session:
            shows = session.scalars(select(Episode.show_id)).all()
            assert shows == [show.id, show.id]
    finally:
        engine.dispose()


def test_the_installations_show_by_name(client: TestClient, old_host: OldHost) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    report = run_import(client, url, show="leadership-live")
    assert report.count(Outcome.IMPORTED) == 2
    assert run_import(client, url, show="leadership-live").show_changes == []


def test_another_show_is_refused_before_anything_is_fetched(
    client: TestClient, old_host: OldHost
) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    with pytest.raises(Invalid) as refused:
        run_import(client, url, show="staff-voices")
    assert refused.value.field == "show"
    assert "this installation's show is 'leadership-live', not 'staff-voices'" in str(refused.value)
    assert "PODCAST_SHOW_SLUG=staff-voices" in str(refused.value)
    assert sum(old_host.requests.values()) == 0
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Episode)) == 0
        assert session.scalars(select(Show.slug)).all() == ["leadership-live"]
