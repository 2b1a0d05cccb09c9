"""Stored transcripts: one row per (episode, language) and its cues in order.

Cues are stored in the canonical form (``transcripts.cues.Cue``) so that every format can be
rendered from them; the uploaded file itself is not kept. ``content_sha256`` is a digest of
the canonical cues, so ETags change exactly when the transcript does, on every replica.

The search index is not described here: SQLite FTS5 tables, triggers and PostgreSQL tsvector
columns are hand-written DDL in migration 0004 (see ``transcripts.search_schema``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from podcast.core.db import Base, UTCDateTime

SOURCES = ("producer", "automatic")


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
    # Who made it (SOURCES): a producer's upload or speech recognition (docs/asr.md). An
    # automatic draft stays unreviewed until a producer says it is checked; ``edited_at`` is set
    # by every producer change, and a transcription job never overwrites a transcript that has
    # it or that a producer uploaded.
    source: Mapped[str] = mapped_column(String(16), default="producer", server_default="producer")
    reviewed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    # Word timings, [[start_ms, end_ms, text], ...] (speech recognition, word-level JSON).
    words: Mapped[list[list[Any]] | None] = mapped_column(JSON)
    # What only some formats carry, kept so a WebVTT file round-trips (transcripts.cues).
    identifier: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[str | None] = mapped_column(String(255))
    markup: Mapped[str | None] = mapped_column(Text)

    transcript: Mapped[StoredTranscript] = relationship(back_populates="cues")


class TranscriptRevision(Base):
    """A transcript's cues as they were before a change, so a producer can restore them."""

    __tablename__ = "transcript_revisions"
    __table_args__ = (
        Index("ix_transcript_revisions_transcript_id_created_at", "transcript_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who replaced these cues (a token's or admin's name), when known.
    author: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    reviewed: Mapped[bool] = mapped_column(Boolean)
    content_sha256: Mapped[str] = mapped_column(String(64))
    cue_count: Mapped[int] = mapped_column(Integer)
    # [[start_ms, end_ms, speaker, text, words, identifier, settings, markup], ...]: the cues.
    cues: Mapped[list[list[Any]]] = mapped_column(JSON)
