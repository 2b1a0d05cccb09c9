"""import sources: where imported artwork came from

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30

``artwork_source_url`` on shows and episodes: the old host's image URL an import took the
artwork from, so a second import downloads it only if that URL changed, and never replaces
artwork a producer uploaded (None) (docs/imports.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("artwork_source_url", sa.String(length=2048), nullable=True))
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("artwork_source_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_column("artwork_source_url")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("artwork_source_url")
