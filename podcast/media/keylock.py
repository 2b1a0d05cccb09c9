"""Locks that make "store a file, commit the row" and "check for rows, delete the file" exclusive.

A content-addressed file is shared by every row with the same bytes, so deleting it is only safe
when no row, committed or about to be, refers to it. Each writer that creates a file for a row
and each releaser that may delete one holds the key's lock from before it touches the file until
its transaction ends (docs/architecture.md, "Stored files are never lost"):

- a writer locks, puts the file (or finds it there), writes its rows, commits;
- a releaser locks, checks every table for the key, deletes the file if none has it, commits.

Whichever comes second sees what the first did: the releaser sees the committed row and keeps
the file, or the writer finds no file and writes it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from podcast.core.db import holds_write_lock

_NAMESPACE = b"podcast-media-key:"


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """Hold the locks of ``keys`` until ``session``'s transaction ends.

    PostgreSQL: transaction-scoped advisory locks, taken in sorted order so that two writers
    never deadlock. SQLite: a writer's transaction began with ``BEGIN IMMEDIATE`` and already
    holds the database's one write lock, which excludes every other process too.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        for key in wanted:
            session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(key)})
    elif dialect == "sqlite":
        if not holds_write_lock(session):
            raise RuntimeError("stored files change only in a writer session (BEGIN IMMEDIATE)")
    else:  # pragma: no cover - only the two supported databases reach here
        raise RuntimeError(f"no media key lock for {dialect}")


def lock_id(key: str) -> int:
    """A signed 64-bit advisory lock id for ``key``, stable across processes and releases."""
    digest = hashlib.sha256(_NAMESPACE + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
