"""Migrations build the schema from nothing, match the models, and go down again."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from podcast.core.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from podcast.migrate import _PG_LOCK_KEY, current_revision, downgrade, known_revisions, upgrade
from podcast.models import metadata
from tests.conftest import NOW, POSTGRES_URL, on_postgres, schema_url
from tests.served import PODCAST
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
    """A show row as revision 0005 has them (raw SQL: the ORM models are at head)."""
    connection.execute(
        text(
            "INSERT INTO shows (slug, title, description, author, owner_name, owner_email, "
            "language, category, explicit, show_type, podcast_guid, locked, funding, people, "
            "block, complete, created_at, updated_at) VALUES ('old', 'Old', '', 'A', 'A', "
            "'a@example.org', 'en-GB', 'Business', 0, 'episodic', "
            "'917393e3-1b1e-5cef-ace4-edaa54e1f810', 1, '[]', '[]', 0, 0, :now, :now)"
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


def test_replicas_starting_together_migrate_one_at_a_time_under_the_advisory_lock(
    tmp_path: Path,
) -> None:
    """Two processes' start-up migrations on one PostgreSQL schema (scripts/cluster.sh starts
    two replicas and a worker at once) each wait for the lock, so neither sees a half-built
    schema or runs a migration the other is running, and both end at head."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need PODCAST_TEST_POSTGRES_URL")
    schema = f"lock_{uuid.uuid4().hex[:10]}"
    on_postgres(f'CREATE SCHEMA "{schema}"')
    url = schema_url(schema)
    name = f"migrate-{schema}"  # the waiting processes' sessions, among everyone else's
    engine = make_engine(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODCAST_")} | {
        "PODCAST_DATABASE_URL": f"{url}&application_name={name}",
        "PODCAST_DATA_DIR": str(tmp_path),
    }
    starts: list[subprocess.Popen[str]] = []
    try:
        with engine.connect() as holder:  # what a replica that is migrating holds
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            holder.commit()
            for _ in range(2):
                starts.append(
                    subprocess.Popen(
                        [str(PODCAST), "db", "upgrade"],
                        env=env,
                        cwd=tmp_path,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                    )
                )
            deadline = time.monotonic() + 60
            while _waiting_for_a_lock(holder, name) < 2:
                assert all(s.poll() is None for s in starts), "a start did not wait"
                assert time.monotonic() < deadline, "the starts never reached the lock"
                time.sleep(0.1)
            assert current_revision(engine) is None  # nothing ran while the lock was held
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
            holder.commit()
        head = known_revisions()[0]
        for start in starts:
            output, _ = start.communicate(timeout=120)
            assert start.returncode == 0, output
            assert f"Database at revision {head}" in output
        assert current_revision(engine) == head
    finally:
        for start in starts:
            if start.poll() is None:
                start.kill()
                start.wait()
        engine.dispose()
        on_postgres(f'DROP SCHEMA "{schema}" CASCADE')


def _waiting_for_a_lock(connection: Connection, application_name: str) -> int:
    waiting = connection.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = :name AND wait_event_type = 'Lock'"
        ),
        {"name": application_name},
    )
    connection.commit()
    return int(waiting or 0)
