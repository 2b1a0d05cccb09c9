"""Alembic, driven from code: at start-up, from ``podcast db upgrade`` and from tests."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from podcast.core.db import writer

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every replica.
_PG_LOCK_KEY = 7_341_905_112


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``.

    On PostgreSQL an advisory lock serialises replicas that start at the same moment, so
    only one of them runs each migration. A database already at head (every start but the
    first after an upgrade) is left alone after one SELECT, without loading Alembic's
    environment and scripts, which would cost a tenth of a second each start.
    """
    if revision == "head" and current_revision(engine) == known_revisions()[0]:
        return
    _locked(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    _locked(engine, lambda config: command.downgrade(config, revision))


def _locked(engine: Engine, run: Callable[[Config], None]) -> None:
    config = alembic_config(engine)
    # On SQLite the write lock is taken at BEGIN: two workers starting at once queue here.
    with writer(engine).connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        sqlite = connection.dialect.name == "sqlite"
        if postgres:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            connection.commit()
        if sqlite:
            # Rebuilding a table (copy, drop, rename: SQLite's only way to change most of a
            # table) must not cascade the drop to the rows that reference it. The pragma only
            # works outside a transaction, so it goes to the driver's connection (autocommit)
            # before the migrations' BEGIN.
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            config.attributes["connection"] = connection
            run(config)
            connection.commit()
        finally:
            if postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                connection.commit()
            if sqlite:
                # Never hand a connection without foreign keys back to the pool.
                connection.invalidate()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def _revisions() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return tuple(script.revision for script in ScriptDirectory.from_config(config).walk_revisions())


def known_revisions() -> list[str]:
    """Every revision this version's migrations know, the latest (head) first (read once per
    process: the scripts do not change under a running program)."""
    return list(_revisions())
