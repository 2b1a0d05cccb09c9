"""Alembic environment: always online, on the connection handed in by ``podcast.migrate``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from podcast.core.db import UTCDateTime
from podcast.models import metadata
from transcripts.search_schema import COMPARE_OPTIONS

config = context.config


def _render_item(type_: str, obj: Any, _context: Any) -> str | Literal[False]:
    # Migrations must not import application types: UTCDateTime is a DateTime with a zone.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can barely ALTER; batch mode copies and moves instead
        compare_type=True,
        render_item=_render_item,
        **COMPARE_OPTIONS,  # hand-written search DDL (FTS5, tsvector) is not in the models
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
