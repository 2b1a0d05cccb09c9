"""directory ids: the show's Apple Podcasts and Spotify ids, and the feed it moved from

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

``apple_podcasts_id`` and ``spotify_show_id`` make the home page's Subscribe links open the
show in those apps (and Pocket Casts and Overcast, which look shows up by Apple's id).
``moved_from_url``: the old host's feed an import read, so ``podcast check`` and the admin
say how to leave it until the producer clears it (docs/imports.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable) on both databases, as 0009 does.
    op.add_column("shows", sa.Column("apple_podcasts_id", sa.String(length=20), nullable=True))
    op.add_column("shows", sa.Column("spotify_show_id", sa.String(length=40), nullable=True))
    op.add_column("shows", sa.Column("moved_from_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    op.drop_column("shows", "moved_from_url")
    op.drop_column("shows", "spotify_show_id")
    op.drop_column("shows", "apple_podcasts_id")
