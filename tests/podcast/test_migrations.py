"""Migrations build the schema from nothing, match the models, and go down again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from podcast.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from podcast.migrate import current_revision, downgrade, upgrade
from podcast.models import metadata
from transcripts.schema import COMPARE_OPTIONS


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
