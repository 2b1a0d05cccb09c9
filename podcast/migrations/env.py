"""Alembic environment: always online, on the connection handed in by ``podcast.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from podcast.models import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can barely ALTER; batch mode copies and moves instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with config.attributes["engine"].connect() as fresh:
        _run(fresh)
        fresh.commit()
