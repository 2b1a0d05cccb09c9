"""analytics: salts, recorded enclosure requests, listening windows, downloads

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

Listener analytics counted by the IAB v2.2 rules without personal data (docs/analytics.md,
docs/privacy.md): no column holds an IP address or a User-Agent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "analytics_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_analytics_salts")),
    )
    op.create_table(
        "media_requests",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("listener", sa.String(length=32), nullable=False),
        sa.Column("listener_prev", sa.String(length=32), nullable=False),
        sa.Column("client", sa.String(length=32), nullable=False),
        sa.Column("range_start", sa.BigInteger(), nullable=False),
        sa.Column("range_end", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=100), nullable=False),
        sa.Column("device_category", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.Boolean(), nullable=False),
        sa.Column("processed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_media_requests_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_requests")),
    )
    op.create_index("ix_media_requests_processed_at", "media_requests", ["processed", "at"])
    op.create_table(
        "listening_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listener", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_listening_windows_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_windows")),
        sa.UniqueConstraint("listener", "episode_id", name="uq_listening_windows_listener_episode"),
    )
    op.create_index("ix_listening_windows_started_at", "listening_windows", ["started_at"])
    op.create_table(
        "downloads",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=100), nullable=False),
        sa.Column("device_category", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_downloads_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downloads")),
    )
    op.create_index("ix_downloads_episode_id_at", "downloads", ["episode_id", "at"])
    op.create_index("ix_downloads_at", "downloads", ["at"])


def downgrade() -> None:
    op.drop_index("ix_downloads_at", table_name="downloads")
    op.drop_index("ix_downloads_episode_id_at", table_name="downloads")
    op.drop_table("downloads")
    op.drop_index("ix_listening_windows_started_at", table_name="listening_windows")
    op.drop_table("listening_windows")
    op.drop_index("ix_media_requests_processed_at", table_name="media_requests")
    op.drop_table("media_requests")
    op.drop_table("analytics_salts")
