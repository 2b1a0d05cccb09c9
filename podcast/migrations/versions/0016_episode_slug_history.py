"""episode_slug_history: every slug an episode was published under

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

Links to a published episode's page, audio, chapters and transcripts carry its slug; if the
slug ever changes (an episode unpublished, renamed, published again) the old links redirect
for ever (``episodes.slug_history``). Episodes published before this migration get their
current slug recorded, so a later rename keeps their links working.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "episode_slug_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_slug_history_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["show_id"],
            ["shows.id"],
            name=op.f("fk_episode_slug_history_show_id_shows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_slug_history")),
        sa.UniqueConstraint("show_id", "slug", name="uq_episode_slug_history_slug"),
    )
    op.create_index(
        op.f("ix_episode_slug_history_episode_id"), "episode_slug_history", ["episode_id"]
    )
    op.execute(
        "INSERT INTO episode_slug_history (show_id, episode_id, slug, published_at)"
        " SELECT show_id, id, slug, COALESCE(publish_at, updated_at) FROM episodes"
        " WHERE status = 'published'"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_episode_slug_history_episode_id"), table_name="episode_slug_history")
    op.drop_table("episode_slug_history")
