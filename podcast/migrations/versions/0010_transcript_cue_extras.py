"""transcript cues keep WebVTT identifiers, settings and inline <i>/<b>

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

Three nullable columns on ``transcript_cues``: what only some formats carry, so a WebVTT file
comes back with its cue identifiers, its cue settings (``align:start``) and its ``<i>``/``<b>``
(``transcripts.cues``). Existing rows have none of them: nothing to fill in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never batch mode: recreating the table on SQLite would drop the search
# triggers migration 0004 put on it.


def upgrade() -> None:
    op.add_column("transcript_cues", sa.Column("identifier", sa.String(length=255)))
    op.add_column("transcript_cues", sa.Column("settings", sa.String(length=255)))
    op.add_column("transcript_cues", sa.Column("markup", sa.Text()))


def downgrade() -> None:
    for column in ("markup", "settings", "identifier"):
        op.drop_column("transcript_cues", column)
