"""Migrations build the schema from nothing, match the models, and go down again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from podcast.core.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from podcast.migrate import current_revision, downgrade, upgrade
from podcast.models import metadata
from tests.conftest import NOW
from transcripts.search_schema import COMPARE_OPTIONS


def test_empty_database_to_head_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        assert current_revision(engine) is not None
        tables = set(inspect(engine).get_table_names())
        assert {"shows", "episodes", "producer_tokens", "alembic_version"} <= tables
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts=COMPARE_OPTIONS), metadata
            )
        assert diff == [], f"models and migrations disagree: {diff}"
        upgrade(engine)  # a second start changes nothing
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert {"shows", "episodes"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def _insert_show(connection: Connection) -> int:
    """A show as the 0005 schema holds it (the models may have columns it lacks)."""
    connection.execute(
        text(
            "INSERT INTO shows (slug, title, description, author, owner_name, owner_email, "
            "language, category, explicit, show_type, podcast_guid, locked, funding, people, "
            "block, complete, created_at, updated_at) VALUES ('show', 'Show', '', 'A', 'A', "
            "'a@example.org', 'en', 'Business', 0, 'episodic', "
            "'9b024349-ccf0-5f69-a609-6b82873eab3c', 1, '[]', '[]', 0, 0, :now, :now)"
        ),
        {"now": NOW},
    )
    return int(connection.execute(text("SELECT max(id) FROM shows")).scalar_one())


def _insert_episode(connection: Connection, show_id: int, slug: str) -> int:
    connection.execute(
        text(
            "INSERT INTO episodes (show_id, guid, slug, title, summary, show_notes, "
            "show_notes_format, show_notes_html, status, episode_type, explicit, people, "
            "keywords, created_at, updated_at) VALUES (:show, :guid, :slug, :title, '', '', "
            "'html', '', 'draft', 'full', 0, '[]', '[]', :now, :now)"
        ),
        {
            "show": show_id,
            "guid": f"guid-{slug}",
            "slug": slug,
            "title": f"Title {slug}",
            "now": NOW,
        },
    )
    return int(connection.execute(text("SELECT max(id) FROM episodes")).scalar_one())


def test_sqlite_rebuild_for_autoincrement_keeps_every_row(tmp_path: Path) -> None:
    """0006 rebuilds ``episodes``: nothing that references an episode may cascade away."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0005")
        with engine.begin() as connection:
            show_id = _insert_show(connection)
            ids = [_insert_episode(connection, show_id, slug) for slug in ("one", "two")]
            connection.execute(
                text("INSERT INTO chapters (episode_id, start_ms) VALUES (:e, 0)"), {"e": ids[1]}
            )
            connection.execute(
                text(
                    "INSERT INTO transcripts (episode_id, language, source_format, timed, "
                    "cue_count, content_sha256, created_at, updated_at) "
                    "VALUES (:e, 'en', 'vtt', 1, 1, 'x', :now, :now)"
                ),
                {"e": ids[1], "now": NOW},
            )
        upgrade(engine)
        counts = "SELECT (SELECT count(*) FROM episodes), (SELECT count(*) FROM chapters), "
        counts += "(SELECT count(*) FROM transcripts)"
        with engine.begin() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert tuple(connection.execute(text(counts)).one()) == (2, 1, 1)
            found = "SELECT rowid FROM episodes_fts WHERE episodes_fts MATCH 'two'"
            assert connection.execute(text(found)).scalars().all() == [ids[1]]
            connection.execute(text("DELETE FROM episodes WHERE id = :e"), {"e": ids[1]})
            # The cascade works again, and so do the search triggers.
            assert tuple(connection.execute(text(counts)).one()) == (1, 0, 0)
            assert connection.execute(text(found)).scalars().all() == []
            assert _insert_episode(connection, show_id, "three") == 3
        downgrade(engine, "0005")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM episodes")).scalar() == 2
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        upgrade(engine)
    finally:
        engine.dispose()
