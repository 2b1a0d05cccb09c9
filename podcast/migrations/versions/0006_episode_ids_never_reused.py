"""episode ids are never reused on SQLite (AUTOINCREMENT)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Without AUTOINCREMENT SQLite gives a new row the largest id plus one, so deleting the newest
episode hands its id (and its old API URLs, caches and links) to the next one. SQLite cannot
add AUTOINCREMENT to a table, so ``episodes`` is rebuilt (ids kept; ``podcast.migrate`` turns
foreign keys off around migrations, so the rebuild cascades nothing), and the search triggers
that die with the old table are created again (the caution in 0004). PostgreSQL sequences never
hand out an id twice: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_EPISODE_COLUMNS = "title, summary, show_notes_html"
_NEW_EPISODE = "new.title, new.summary, new.show_notes_html"
_OLD_EPISODE = "old.title, old.summary, old.show_notes_html"
# The episode triggers of 0004, verbatim.
_TRIGGERS = [
    f"""CREATE TRIGGER episodes_fts_ai AFTER INSERT ON episodes BEGIN
        INSERT INTO episodes_fts(rowid, {_EPISODE_COLUMNS}) VALUES (new.id, {_NEW_EPISODE});
    END""",
    f"""CREATE TRIGGER episodes_fts_ad AFTER DELETE ON episodes BEGIN
        INSERT INTO episodes_fts(episodes_fts, rowid, {_EPISODE_COLUMNS})
        VALUES ('delete', old.id, {_OLD_EPISODE});
    END""",
    f"""CREATE TRIGGER episodes_fts_au AFTER UPDATE OF {_EPISODE_COLUMNS} ON episodes BEGIN
        INSERT INTO episodes_fts(episodes_fts, rowid, {_EPISODE_COLUMNS})
        VALUES ('delete', old.id, {_OLD_EPISODE});
        INSERT INTO episodes_fts(rowid, {_EPISODE_COLUMNS}) VALUES (new.id, {_NEW_EPISODE});
    END""",
]


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding episodes needs foreign keys off (see podcast.migrate)")
    with op.batch_alter_table(
        "episodes", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
    for trigger in _TRIGGERS:
        op.execute(trigger)
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the rebuild of episodes broke foreign keys: {broken[:5]}")


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
