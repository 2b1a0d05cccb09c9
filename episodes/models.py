"""Episode records."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from podcast.core.db import Base, UTCDateTime
from podcast.media.store import register_key_columns


class Status(enum.StrEnum):
    """What a producer sees. Only ``draft`` and ``published`` are stored: an episode published
    for a future time reads as ``scheduled`` until its time comes, with no job to flip it."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class EpisodeType(enum.StrEnum):
    FULL = "full"
    TRAILER = "trailer"
    BONUS = "bonus"


class NotesFormat(enum.StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK: portable, and readable in a SQL shell.
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e])


class Episode(Base):
    __tablename__ = "episodes"
    __table_args__ = (
        UniqueConstraint("show_id", "slug", name="uq_episodes_show_id_slug"),
        CheckConstraint("season IS NULL OR season > 0", name="season_positive"),
        CheckConstraint("episode_number IS NULL OR episode_number > 0", name="number_positive"),
        CheckConstraint("status <> 'scheduled'", name="status_stored"),
        Index("ix_episodes_show_status_publish_at", "show_id", "status", "publish_at"),
        # SQLite would otherwise give a deleted newest episode's id to the next one (0006).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    # RSS's isPermaLink of the guid: False for ours (a UUID); kept as the old host wrote it for
    # an imported episode, so our feed says exactly what it said (docs/imports.md).
    guid_is_permalink: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(255))
    author: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")
    show_notes: Mapped[str] = mapped_column(Text, default="")
    show_notes_format: Mapped[NotesFormat] = mapped_column(
        _enum(NotesFormat, "notes_format"), default=NotesFormat.HTML
    )
    # Sanitised once on write; the page and the feed use these bytes as they are.
    show_notes_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(_enum(Status, "episode_status"), default=Status.DRAFT)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    season: Mapped[int | None] = mapped_column(Integer)
    episode_number: Mapped[int | None] = mapped_column(Integer)
    episode_type: Mapped[EpisodeType] = mapped_column(
        _enum(EpisodeType, "episode_type"), default=EpisodeType.FULL
    )
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Podcasting 2.0 item values (docs/standards.md, "Item tags"), validated by
    # ``episodes.schemas``: the objects and lists as JSON, the names and flags as columns.
    season_name: Mapped[str | None] = mapped_column(String(128))
    episode_display: Mapped[str | None] = mapped_column(String(32))
    block: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    license: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    soundbites: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    funding: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    artwork_key: Mapped[str | None] = mapped_column(String(255), index=True)
    artwork_width: Mapped[int | None] = mapped_column(Integer)
    artwork_height: Mapped[int | None] = mapped_column(Integer)
    # As the show's: the old host's item image URL an import took the artwork from.
    artwork_source_url: Mapped[str | None] = mapped_column(String(2048))
    # From the audio's date tag: offered to the producer, never applied by itself.
    suggested_publish_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    audio: Mapped[AudioFile | None] = relationship(
        back_populates="episode", cascade="all, delete-orphan", uselist=False, lazy="joined"
    )
    chapters: Mapped[list[Chapter]] = relationship(
        back_populates="episode",
        cascade="all, delete-orphan",
        order_by="Chapter.start_ms",
        lazy="selectin",
    )

    def status_at(self, now: datetime) -> Status:
        """Draft, scheduled (published, its time not yet come) or published: what the API
        and the admin show. Who may see it is ``episodes.visibility``, which agrees."""
        if self.status is Status.DRAFT:
            return Status.DRAFT
        if self.publish_at is None or self.publish_at > now:
            return Status.SCHEDULED
        return Status.PUBLISHED


class AudioFile(Base):
    """The episode's current audio: one row per episode, updated in place when replaced."""

    __tablename__ = "audio_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), unique=True
    )
    key: Mapped[str] = mapped_column(String(255), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(64))
    extension: Mapped[str] = mapped_column(String(8))
    codec: Mapped[str] = mapped_column(String(32))
    duration: Mapped[float] = mapped_column(Float)
    bitrate: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    episode: Mapped[Episode] = relationship(back_populates="audio")


class Chapter(Base):
    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2048))
    image_key: Mapped[str | None] = mapped_column(String(255), index=True)
    # A producer's chapter image given as an address elsewhere (``img`` in the chapters API);
    # ``image_key`` (a stored picture from the tags) wins when both are set.
    image_url: Mapped[str | None] = mapped_column(String(2048))

    episode: Mapped[Episode] = relationship(back_populates="chapters")


class PublishedSlug(Base):
    """A slug an episode was published under: links to it (page, audio, chapters,
    transcripts) redirect for ever to wherever the episode lives now, and no other episode
    may take it (``episodes.slug_history``)."""

    __tablename__ = "episode_slug_history"
    __table_args__ = (UniqueConstraint("show_id", "slug", name="uq_episode_slug_history_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Files these columns name are in use: podcast.media never deletes them.
register_key_columns(AudioFile.key, Episode.artwork_key, Chapter.image_key)
