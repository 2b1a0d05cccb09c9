"""transcripts: where they came from, review, word timings, revisions; a show's review policy

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Automatic (speech recognition) drafts are kept apart from what producers wrote
(docs/asr.md, "Review"): ``source`` says who made the transcript, ``edited_at`` when a
producer last changed it (a job never overwrites one that has a value), ``reviewed`` whether a
producer has checked it. Cues may carry word timings (JSON). Every change to a transcript keeps
the previous cues as a revision, so an edit can be undone. The show says where unreviewed
transcripts appear.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="producer")
        )
        batch_op.add_column(
            sa.Column("reviewed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    # Not through batch_alter_table: on SQLite that would copy the table and drop the search
    # triggers migration 0004 created on it; ADD COLUMN keeps them.
    op.add_column("transcript_cues", sa.Column("words", sa.JSON(), nullable=True))
    op.add_column(
        "shows",
        sa.Column(
            "unreviewed_transcripts", sa.String(length=16), nullable=False, server_default="web"
        ),
    )
    op.create_table(
        "transcript_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("cue_count", sa.Integer(), nullable=False),
        sa.Column("cues", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_revisions_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_revisions")),
    )
    op.create_index(
        "ix_transcript_revisions_transcript_id_created_at",
        "transcript_revisions",
        ["transcript_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_transcript_revisions_transcript_id_created_at", table_name="transcript_revisions"
    )
    op.drop_table("transcript_revisions")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("unreviewed_transcripts")
    op.drop_column("transcript_cues", "words")
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
        batch_op.drop_column("reviewed")
        batch_op.drop_column("source")
