"""The search objects the ORM does not describe, so Alembic's comparisons leave them alone.

Migration 0004 creates them by hand: on SQLite the FTS5 tables ``transcript_cues_fts`` and
``episodes_fts`` (plus the shadow tables FTS5 makes, ``*_fts_data`` and so on) and triggers;
on PostgreSQL the generated column ``transcript_cues.search_vector`` and two GIN indexes.
``podcast/migrations/env.py`` and the migration test pass these filters to Alembic.
"""

from __future__ import annotations

from typing import Any

FTS_TABLES = ("transcript_cues_fts", "episodes_fts")
SEARCH_COLUMNS = {("transcript_cues", "search_vector")}
SEARCH_INDEXES = {"ix_transcript_cues_search_vector", "ix_episodes_search"}


def is_search_table(name: str | None) -> bool:
    return name is not None and any(
        name == table or name.startswith(f"{table}_") for table in FTS_TABLES
    )


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic ``include_name``: do not even reflect the FTS5 tables and their shadows."""
    return not (type_ == "table" and is_search_table(name))


def include_object(
    obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic ``include_object``: skip the tsvector column and the GIN indexes."""
    if type_ == "table":
        return not is_search_table(name)
    if type_ == "index":
        return name not in SEARCH_INDEXES
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", None)
        return (table, name) not in SEARCH_COLUMNS
    return True


COMPARE_OPTIONS: dict[str, Any] = {"include_name": include_name, "include_object": include_object}
