"""chapter image URLs

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30

Chapters edited through the API or the admin may name their image by address (``img``)
instead of carrying a picture from the audio's tags.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_column("image_url")
