"""episode namespace tags: season name, episode display, block, location, license,
soundbites and funding per episode

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

Podcasting 2.0 and Apple item tags an episode can now carry (docs/standards.md, "Item tags"):
names and flags as plain columns, the objects and lists as JSON (validated by
``episodes.schemas``). Existing episodes get none of them: empty lists, not blocked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases: a batch rebuild of ``episodes`` on SQLite
    # would drop the search triggers (see 0006).
    op.add_column("episodes", sa.Column("season_name", sa.String(length=128), nullable=True))
    op.add_column("episodes", sa.Column("episode_display", sa.String(length=32), nullable=True))
    op.add_column(
        "episodes", sa.Column("block", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("episodes", sa.Column("location", sa.JSON(), nullable=True))
    op.add_column("episodes", sa.Column("license", sa.JSON(), nullable=True))
    op.add_column(
        "episodes", sa.Column("soundbites", sa.JSON(), server_default=_EMPTY_LIST, nullable=False)
    )
    op.add_column(
        "episodes", sa.Column("funding", sa.JSON(), server_default=_EMPTY_LIST, nullable=False)
    )


def downgrade() -> None:
    for name in (
        "funding",
        "soundbites",
        "license",
        "location",
        "block",
        "episode_display",
        "season_name",
    ):
        op.drop_column("episodes", name)
