"""Stored transcripts: one row per (episode, language) and its cues in order.

Cues are stored in the canonical form (``transcripts.cues.Cue``) so that every format can be
rendered from them; the uploaded file itself is not kept. ``content_sha256`` is a digest of
the canonical cues, so ETags change exactly when the transcript does, on every replica.

The search index is not described here: SQLite FTS5 tables, triggers and PostgreSQL tsvector
columns are hand-written DDL in migration 0004 (see ``transcripts.search_schema``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from podcast.core.db import Base, UTCDateTime


class StoredTranscript(Base):
    __tablename__ = "transcripts"
    __table_args__ = (
        UniqueConstraint("episode_id", "language", name="uq_transcripts_episode_id_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique (episode_id, language) constraint, which starts with it.
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    # The format the producer uploaded (vtt, srt, json, txt): shown back, never needed to serve.
    source_format: Mapped[str] = mapped_column(String(8))
    # False for plain text without timestamps: then only .txt and .html are offered.
    timed: Mapped[bool] = mapped_column(Boolean)
    cue_count: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    cues: Mapped[list[StoredCue]] = relationship(
        back_populates="transcript",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="StoredCue.position",
        lazy="raise",
    )


class StoredCue(Base):
    __tablename__ = "transcript_cues"
    __table_args__ = (
        UniqueConstraint("transcript_id", "position", name="uq_transcript_cues_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    # What only some formats carry, kept so a WebVTT file round-trips (transcripts.cues).
    identifier: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[str | None] = mapped_column(String(255))
    markup: Mapped[str | None] = mapped_column(Text)

    transcript: Mapped[StoredTranscript] = relationship(back_populates="cues")
