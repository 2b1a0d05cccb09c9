"""import sources: where imported artwork came from, and the guid's isPermaLink

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

``artwork_source_url`` on shows and episodes: the old host's image URL an import took the
artwork from, so a second import downloads it only if that URL changed, and never replaces
artwork a producer uploaded (None) (docs/imports.md). ``episodes.guid_is_permalink``: the
RSS ``isPermaLink`` of an imported item's guid, kept as the old host wrote it (false for ours).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases: a batch rebuild of ``episodes`` on SQLite
    # would drop the search triggers (see 0006).
    op.add_column("shows", sa.Column("artwork_source_url", sa.String(length=2048), nullable=True))
    op.add_column(
        "episodes", sa.Column("artwork_source_url", sa.String(length=2048), nullable=True)
    )
    op.add_column(
        "episodes",
        sa.Column("guid_is_permalink", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("episodes", "guid_is_permalink")
    op.drop_column("episodes", "artwork_source_url")
    op.drop_column("shows", "artwork_source_url")
