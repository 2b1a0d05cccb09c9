"""shows: the rest of the Podcasting 2.0 channel and Apple's situational tags

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

Channel-level tags a producer sets (docs/standards.md, "Channel tags"): ``itunes:title``, a
second Apple category pair, ``podcast:medium``, ``license``, ``location``, ``updateFrequency``,
``podroll``, ``txt``, ``socialInteract`` and ``block`` per platform. Lists are JSON, like the
show's funding and people; existing shows get the defaults (``podcast``, empty lists).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_LISTS = ("podroll", "txt", "social_interact", "platform_blocks")
_OBJECTS = ("license", "location", "update_frequency")


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table on SQLite): every column is nullable or
    # has a server default.
    op.add_column("shows", sa.Column("itunes_title", sa.String(length=255), nullable=True))
    op.add_column("shows", sa.Column("second_category", sa.String(length=64), nullable=True))
    op.add_column("shows", sa.Column("second_subcategory", sa.String(length=64), nullable=True))
    op.add_column(
        "shows",
        sa.Column("medium", sa.String(length=16), nullable=False, server_default="podcast"),
    )
    for name in _OBJECTS:
        op.add_column("shows", sa.Column(name, sa.JSON(), nullable=True))
    for name in _LISTS:
        op.add_column("shows", sa.Column(name, sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        for name in reversed(
            ("itunes_title", "second_category", "second_subcategory", "medium", *_OBJECTS, *_LISTS)
        ):
            batch_op.drop_column(name)
